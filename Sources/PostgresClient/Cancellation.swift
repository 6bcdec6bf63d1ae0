internal import CLibPQ
import Glibc

/// SIGINT and SIGTERM, as psql handles them: the first asks the server to cancel the statement running on
/// the armed connection (the caller then rolls back and stops on the error that follows); a second one ends
/// the process at once.
///
/// The handler only does what is async-signal-safe: it bumps a counter and calls `PQcancel`, which libpq
/// documents as safe in a signal handler, with a `PGcancel` and an error buffer prepared in advance.
public enum Cancellation {
    /// Installs the handlers; once per process, by the program (never by a library user).
    public static func installSignalHandlers() {
        _ = state  // initialised here, never first in the handler
        for signal in [SIGINT, SIGTERM] {
            Glibc.signal(signal) { received in
                let state = Cancellation.state
                state.count += 1
                state.signal = received
                if state.count > 1 { _exit(128 + received) }
                for slot in 0..<Cancellation.slots {
                    if let cancel = state.cancels[slot] { _ = PQcancel(cancel, state.errorBuffer, 256) }
                }
            }
        }
    }

    /// How many connections can be armed at once: one per slot (a fleet runs one target per slot).
    public static let slots = 64

    /// Makes `connection` the one whose statement a signal cancels in `slot` (0 for a single run; a fleet's
    /// workers each use their own). The slot's previous `PGcancel` is kept (a handler may be using it right
    /// now) and the one before it freed: at most two per slot, however many sessions a slot serves.
    public static func arm(_ connection: Connection, slot: Int = 0) {
        guard let pointer = connection.connection, (0..<slots).contains(slot) else { return }
        if let stale = state.previous[slot] { PQfreeCancel(stale) }
        state.previous[slot] = state.cancels[slot]
        state.cancels[slot] = PQgetCancel(pointer)
    }

    /// The signal received (SIGINT or SIGTERM), nil while none has come.
    public static var receivedSignal: Int32? {
        state.signal == 0 ? nil : state.signal
    }

    /// `SIGINT`, `SIGTERM`: as operators write them.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }

    private final class State: @unchecked Sendable {
        var count: Int32 = 0
        var signal: Int32 = 0
        /// Written by the thread that owns the slot, read by the handler: one pointer-sized store each.
        let cancels = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: Cancellation.slots)
        let previous = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: Cancellation.slots)
        init() {
            cancels.initialize(repeating: nil, count: Cancellation.slots)
            previous.initialize(repeating: nil, count: Cancellation.slots)
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    }

    private static let state = State()
}

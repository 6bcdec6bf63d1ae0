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
                if let cancel = state.cancel { _ = PQcancel(cancel, state.errorBuffer, 256) }
            }
        }
    }

    /// Makes `connection` the one whose statement a signal cancels. The previous connection's `PGcancel`
    /// is kept (a handler may be using it right now): one small allocation per session.
    public static func arm(_ connection: Connection) {
        guard let pointer = connection.connection else { return }
        state.cancel = PQgetCancel(pointer)
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
        var cancel: OpaquePointer?
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    }

    private static let state = State()
}

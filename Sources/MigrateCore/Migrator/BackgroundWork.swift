import Glibc

/// Work done on a thread of its own while the caller goes on; `value()` waits for it and hands over its
/// result (or rethrows its error) on the caller's thread. Used to read the migration files while the server
/// starts a backend and answers the first queries: the process would only be waiting then.
final class BackgroundWork<Value>: @unchecked Sendable {
    // Written by the thread just before it ends and read only after pthread_join, which orders the two.
    private var outcome: Result<Value, any Error>?
    private var thread: pthread_t?

    init(_ work: @escaping @Sendable () throws -> Value) {
        let body = ThreadBody { self.outcome = Result(catching: work) }
        let context = Unmanaged.passRetained(body).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        if started == 0 {
            self.thread = thread
        } else {
            // No thread to be had: do the work here and now.
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            outcome = Result(catching: work)
        }
    }

    /// A thread whose result nobody asked for (the command failed first) is not left behind: waited for, or
    /// detached when this ends on that very thread (its work holds this object until it is done).
    deinit {
        guard let thread else { return }
        if pthread_equal(thread, pthread_self()) != 0 { pthread_detach(thread) } else { pthread_join(thread, nil) }
    }

    func value() throws -> Value {
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        return try outcome!.get()
    }
}

/// What a thread runs: a class, so that it travels to the thread as one pointer.
private final class ThreadBody: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

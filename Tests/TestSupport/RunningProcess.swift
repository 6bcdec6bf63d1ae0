import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program started by `ProcessRunner.start` and still running: the test can signal it (SIGKILL to
/// simulate a crash) while it works, then collect how it ended.
public final class RunningProcess: @unchecked Sendable {
    public let pid: pid_t
    private let output = DispatchGroup()
    private let collected = Collected()
    private let lock = NSLock()
    private var status: Int32?

    fileprivate init(pid: pid_t, stdout: Int32, stderr: Int32) {
        self.pid = pid
        DispatchQueue.global().async(group: output) { [collected] in collected.set(stdout: ProcessRunner.readAll(stdout)) }
        DispatchQueue.global().async(group: output) { [collected] in collected.set(stderr: ProcessRunner.readAll(stderr)) }
    }

    /// Sends `signal` (SIGKILL by default); nothing happens once the process has been waited for.
    public func kill(_ signal: Int32 = SIGKILL) {
        lock.lock()
        defer { lock.unlock() }
        if status == nil { _ = Glibc.kill(pid, signal) }
    }

    /// Waits for the process to end: its status (128 + n if killed by signal n) and what it printed.
    public func wait() -> (status: Int32, stdout: String, stderr: String) {
        output.wait()
        lock.lock()
        if status == nil { status = ProcessRunner.waitForExit(pid) }
        let status = self.status!
        lock.unlock()
        let (out, err) = collected.values
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

extension ProcessRunner {
    /// Starts `executable` without waiting for it (stdin is /dev/null); see `run` for the parameters.
    public static func start(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> RunningProcess {
        let path = try resolve(executable, environment: environment)
        let stdout = try makePipe()
        let stderr: (read: Int32, write: Int32)
        do { stderr = try makePipe() } catch { close(stdout.read); close(stdout.write); throw error }
        let stdin = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(stdin)
            close(stdout.write)
            close(stderr.write)
        }
        let pid: pid_t
        do {
            pid = try spawn(path, arguments, environment: environment, currentDirectory: currentDirectory,
                            stdin: stdin, stdout: stdout.write, stderr: stderr.write)
        } catch {
            close(stdout.read)
            close(stderr.read)
            throw error
        }
        return RunningProcess(pid: pid, stdout: stdout.read, stderr: stderr.read)
    }
}

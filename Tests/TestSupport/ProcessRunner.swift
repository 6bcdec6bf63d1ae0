import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failure to start a process (not a non-zero exit status, which `run` returns).
public struct ProcessRunnerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs programs for tests and collects what they print.
///
/// Built on `posix_spawn` rather than Foundation's `Process`: `Process` learns that a child ended
/// through a socket the child inherits, so when the child starts a daemon (`pg_ctl start`) that
/// keeps the socket, `waitUntilExit()` never returns. Here every descriptor we create is
/// close-on-exec and we `waitpid` ourselves.
public enum ProcessRunner {
    /// Runs `executable` with `arguments` and waits for it.
    ///
    /// - executable: a path, or a bare name looked up in `PATH` (of `environment` if given).
    /// - environment: nil inherits this process's environment; otherwise exactly these variables.
    /// - input: written to the child's stdin, which is then closed; nil gives it /dev/null.
    /// - currentDirectory: where the child starts; nil keeps ours.
    /// - Returns: the exit status (128 + n if killed by signal n), stdout and stderr, decoded as UTF-8.
    ///   Both are read concurrently (and stdin is written concurrently), so large output can't deadlock.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        input: String? = nil,
        currentDirectory: String? = nil
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        ignoreSIGPIPE
        let path = try resolve(executable, environment: environment)

        let stdout = try makePipe()
        let stderr = try makePipe()
        let stdin: (read: Int32, write: Int32)
        if input != nil {
            do { stdin = try makePipe() } catch { closeAll(stdout, stderr); throw error }
        } else {
            stdin = (open("/dev/null", O_RDONLY | O_CLOEXEC), -1)
        }

        let pid: pid_t
        do {
            pid = try spawn(path, arguments, environment: environment, currentDirectory: currentDirectory,
                            stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        } catch {
            closeAll(stdout, stderr, stdin)
            throw error
        }
        // The child has its copies; ours must go so that EOF arrives when the child is done.
        Glibc.close(stdin.read)
        Glibc.close(stdout.write)
        Glibc.close(stderr.write)

        let collected = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { collected.set(stdout: readAll(stdout.read)) }
        DispatchQueue.global().async(group: group) { collected.set(stderr: readAll(stderr.read)) }
        if let input {
            DispatchQueue.global().async(group: group) {
                // The child may exit without reading it all: EPIPE is fine (SIGPIPE is ignored).
                writeAll(stdin.write, Array(input.utf8))
                Glibc.close(stdin.write)
            }
        }
        group.wait()
        let status = waitForExit(pid)
        let (out, err) = collected.values
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// The full path of `executable`: itself if it has a '/', else the first match in PATH.
    public static func resolve(_ executable: String, environment: [String: String]? = nil) throws -> String {
        if executable.contains("/") { return executable }
        let path = (environment ?? ProcessInfo.processInfo.environment)["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ProcessRunnerError("\(executable) not found in PATH (\(path))")
    }

    // MARK: - Lower level (also used by TemporaryCluster)

    /// Starts a process with the given descriptors as its stdin/stdout/stderr and returns its pid.
    /// Signal dispositions and mask are reset to defaults in the child (we ignore SIGPIPE here).
    static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String]?, currentDirectory: String?,
        stdin: Int32, stdout: Int32, stderr: Int32
    ) throws -> pid_t {
        var path = path
        var arguments = arguments
        var changeDirectory = currentDirectory
        if let directory = currentDirectory, addChdir == nil {
            // glibc before 2.29: let a shell change directory, then exec the program.
            arguments = ["-c", "cd \"$0\" && exec \"$@\"", directory, path] + arguments
            path = "/bin/sh"
            changeDirectory = nil
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0/1/2 clears close-on-exec there; every other descriptor of ours has it set.
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom { _ = closeFrom(&actions, 3) }  // also anything others forgot to mark
        if let changeDirectory, let addChdir { _ = addChdir(&actions, changeDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = environment ?? ProcessInfo.processInfo.environment
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let error = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard error == 0 else {
            throw ProcessRunnerError("could not run \(path): \(String(cString: strerror(error)))")
        }
        return pid
    }

    /// Waits for a child; returns its exit status, or 128 + signal number.
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// A pipe with close-on-exec on both ends.
    static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is not imported; the short window only matters if another thread spawns
        // right now, and then that child merely holds a copy a little longer.
        guard pipe(&fds) == 0 else {
            throw ProcessRunnerError("pipe failed: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    private static func closeAll(_ pipes: (read: Int32, write: Int32)...) {
        for pipe in pipes {
            if pipe.read >= 0 { Glibc.close(pipe.read) }
            if pipe.write >= 0 { Glibc.close(pipe.write) }
        }
    }

    static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        Glibc.close(fd)
        return data
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if count > 0 {
                offset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Writing to a child that has exited must fail with EPIPE, not kill the test process.
    private static let ignoreSIGPIPE: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    // glibc's GNU-only spawn actions are not imported into Swift; look them up at run time.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }
    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }
}

/// Same as `ProcessRunner.run`. Inside an `XCTestCase` write `TestSupport.run(…)` or
/// `ProcessRunner.run(…)`, since XCTestCase's own `run()` hides this name there.
public func run(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    input: String? = nil,
    currentDirectory: String? = nil
) throws -> (status: Int32, stdout: String, stderr: String) {
    try ProcessRunner.run(
        executable, arguments, environment: environment, input: input, currentDirectory: currentDirectory)
}

/// Output gathered by the reader threads.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stdout = Data()
    private var stderr = Data()
    func set(stdout data: Data) { lock.lock(); stdout = data; lock.unlock() }
    func set(stderr data: Data) { lock.lock(); stderr = data; lock.unlock() }
    var values: (Data, Data) { lock.lock(); defer { lock.unlock() }; return (stdout, stderr) }
}

import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// Turns what the core returns — events as they happen, then one result or failure per command — into
/// output. One instance serves a whole invocation (several commands).
protocol Reporter: AnyObject {
    /// A command starts.
    func begin(_ command: CommandName)
    func event(_ event: MigrationEvent)
    func result(_ result: any CommandResult)
    /// The command failed; `partial` is what it had done (migrations applied before a failure…).
    func failure(_ error: any Error, partial: (any CommandResult)?)
    /// The invocation is over.
    func finish()
    /// One target of a fleet is done (the summary comes as the result).
    func targetFinished(_ target: FleetTargetResult)
    /// A fleet target's log event (a notice, a statement with -X, a lock wait…), which runs beside others'.
    func event(_ event: MigrationEvent, of target: String)
}

extension Reporter {
    func failure(_ error: any Error) { failure(error, partial: nil) }
    func event(_ event: MigrationEvent, of target: String) { self.event(event) }
    /// The JSON document lists the targets in the result.
    func targetFinished(_ target: FleetTargetResult) {}
}

/// Several reporters at once: the one on the terminal, and the JSON document for `-outputFile`.
final class ReporterGroup: Reporter {
    let reporters: [Reporter]
    init(_ reporters: [Reporter]) { self.reporters = reporters }
    func begin(_ command: CommandName) { reporters.forEach { $0.begin(command) } }
    func event(_ event: MigrationEvent) { reporters.forEach { $0.event(event) } }
    func result(_ result: any CommandResult) { reporters.forEach { $0.result(result) } }
    func failure(_ error: any Error, partial: (any CommandResult)?) { reporters.forEach { $0.failure(error, partial: partial) } }
    func finish() { reporters.forEach { $0.finish() } }
    func targetFinished(_ target: FleetTargetResult) { reporters.forEach { $0.targetFinished(target) } }
    func event(_ event: MigrationEvent, of target: String) { reporters.forEach { $0.event(event, of: target) } }
}

/// Writes text to standard output or standard error, every line through the secret masker.
struct Terminal {
    let masker: SecretMasker

    /// Written straight to the file descriptor, line by line, so that in CI logs (a pipe) progress on
    /// stdout and errors on stderr interleave in the order they happened.
    func out(_ text: String) {
        Self.write(masker.mask(text) + "\n", to: STDOUT_FILENO)
    }

    func err(_ text: String) {
        Self.write(masker.mask(text) + "\n", to: STDERR_FILENO)
    }

    /// All of `text`; a terminal that went away is not worth failing the run for.
    static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { try? FileSystem.write(UnsafeRawBufferPointer($0), to: descriptor, path: "standard output") }
    }
}

/// `value` with `places` decimals (what `String(format: "%.2f")` would give, without Foundation's formatter).
func decimal(_ value: Double, places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = Int((abs(value) * scale).rounded())
    let whole = scaled / Int(scale), fraction = String(scaled % Int(scale))
    let padded = String(repeating: "0", count: max(0, places - fraction.count)) + fraction
    return (value < 0 ? "-" : "") + "\(whole)" + (places > 0 ? "." + padded : "")
}

extension String {
    /// Padded with spaces to `width` characters (never cut).
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// The log line for an event that is not progress (warnings, notices, lock waits, retries, `-X`, the
/// target), worded the same whatever the output type; nil for progress, which each reporter shows its way.
func logLine(for event: MigrationEvent) -> String? {
    switch event {
    case .connected(let target):
        return "Database: \(target.url) (PostgreSQL \(target.serverVersion))"
    case .warning(let diagnostic):
        return "WARNING: \(diagnostic.message)"
    case .serverNotice(let notice, let script):
        var text = "\(notice.severity)"
        if let script { text += " (\(script))" }
        text += ": \(notice.message)"
        if let detail = notice.detail { text += "\n  DETAIL: \(detail)" }
        if let hint = notice.hint { text += "\n  HINT: \(hint)" }
        return text
    case .waitingForLock(let pid):
        return "WARNING: another migration is running\(pid.map { " (server process \($0))" } ?? ""); waiting for it to finish…"
    case .lockConflict(let conflict):
        let seconds = decimal(Double(conflict.retryInMilliseconds ?? 0) / 1_000, places: 1)
        return "WARNING: \(conflict.summary)\n  rolled back; retrying in \(seconds) s"
    case .connectionRetry(let attempt, let total, let seconds, let message):
        return "WARNING: connection failed (\(message)); retry \(attempt) of \(total) in \(seconds) s"
    case .statementSent(let sql, let milliseconds):
        return debugLine(sql: sql, milliseconds: milliseconds)
    case .createdSchema, .createdHistoryTable, .applying, .applied, .callbackRunning, .callbackExecuted, .undoing, .undone:
        return nil
    }
}

/// What `-X` shows of a statement: its time and its text, cut short when long (a script's batch).
func debugLine(sql: String, milliseconds: Double) -> String {
    let limit = 2_000
    let text = sql.count > limit ? String(sql.prefix(limit)) + " … (\(sql.utf8.count) bytes)" : sql
    return "DEBUG: \(decimal(milliseconds, places: 2)) ms: \(text)"
}

/// `path` from the current directory when it is below it (GitHub resolves annotation paths from the
/// repository's root, where the workflow runs), else as it is.
func relativeToCurrentDirectory(_ path: String) -> String {
    let directory = FileManager.default.currentDirectoryPath
    let prefix = directory.hasSuffix("/") ? directory : directory + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}

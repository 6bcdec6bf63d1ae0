import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// `-outputType=json`: one JSON document on standard output per invocation, with Flyway's field names —
/// the command's result, or `{"individualResults": […]}` for several commands. A failure puts an `error`
/// object in the failing command's document and exits non-zero. Logs and warnings go to standard error
/// (and warnings into the document).
final class JSONReporter: Reporter {
    private let terminal: Terminal
    private var documents: [Document] = []
    private var command: CommandName = .info
    /// Warnings of the command running, after those given before any command (configuration).
    private var warnings: [String] = []
    private var invocationWarnings: [String] = []
    /// The SQL callbacks the running command executed.
    private var callbacks: [CallbackRun] = []
    /// The lock timeouts and deadlocks the running command's migrations ran into and retried.
    private var lockConflicts: [LockConflict] = []
    private var started = false
    /// Several commands asked for: their documents go in `individualResults`, even when the first one fails.
    private let wrapsResults: Bool
    /// nil: standard output, with logs on standard error. A file (`-outputFile`): the document only.
    private let file: String?

    init(masker: SecretMasker, commandCount: Int, file: String? = nil) {
        terminal = Terminal(masker: masker)
        wrapsResults = commandCount > 1
        self.file = file
    }

    func begin(_ command: CommandName) {
        self.command = command
        started = true
        warnings = invocationWarnings
        callbacks = []
        lockConflicts = []
    }

    func event(_ event: MigrationEvent) {
        if case .warning(let diagnostic) = event {
            let text = terminal.masker.mask(diagnostic.message)
            started ? warnings.append(text) : invocationWarnings.append(text)
        }
        if case .callbackExecuted(let event, let description, let script, let milliseconds) = event {
            callbacks.append(CallbackRun(event: event.rawValue, description: description, script: script, executionTime: milliseconds))
        }
        if case .lockConflict(let conflict) = event { lockConflicts.append(conflict) }
        // Logs go to stderr; progress is in the result.
        if file == nil, let text = logLine(for: event) { terminal.err(text) }
    }

    func result(_ result: any CommandResult) {
        var result = result
        result.warnings = warnings
        documents.append(Document(operation: command.rawValue, result: result, error: nil, callbacks: callbacks, lockConflicts: lockConflicts))
    }

    func failure(_ error: any Error, partial: (any CommandResult)?) {
        var partial = partial
        partial?.warnings = warnings
        var report: ErrorReport
        if let findings = error as? any FindingsFailure {
            report = ErrorReport(errorCode: findings.errorCode, message: findings.description)
        } else {
            report = ErrorReport(error)
        }
        report.message = terminal.masker.mask(report.message)
        documents.append(Document(operation: command.rawValue, result: partial, error: report, callbacks: callbacks, lockConflicts: lockConflicts))
        if file == nil { terminal.err("ERROR: \(report.message)") }
    }

    func finish() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            if !wrapsResults, documents.count == 1 {
                data = try encoder.encode(documents[0])
            } else {
                data = try encoder.encode(["individualResults": documents])
            }
        } catch {
            terminal.err("ERROR: could not write the JSON output: \(error)")
            return
        }
        // Masked as a whole: no secret can reach the output through any field.
        let document = terminal.masker.mask(String(decoding: data, as: UTF8.self))
        guard let file else { return Terminal.write(document + "\n", to: STDOUT_FILENO) }
        do {
            try Data((document + "\n").utf8).write(to: URL(fileURLWithPath: file))
        } catch {
            terminal.err("ERROR: outputFile: cannot write '\(file)'")
        }
    }

    /// One command's document: its result's fields, plus `error` when it failed.
    struct Document: Encodable {
        var operation: String
        var result: (any CommandResult)?
        var error: ErrorReport?
        /// Present when the command ran callbacks.
        var callbacks: [CallbackRun]
        /// Present when migrations were retried after lock timeouts or deadlocks.
        var lockConflicts: [LockConflict]

        enum Keys: String, CodingKey { case operation, error, callbacks, lockConflicts }

        func encode(to encoder: Encoder) throws {
            if let result { try result.encode(to: encoder) }
            var container = encoder.container(keyedBy: Keys.self)
            if result == nil { try container.encode(operation, forKey: .operation) }
            try container.encodeIfPresent(error, forKey: .error)
            if !callbacks.isEmpty { try container.encode(callbacks, forKey: .callbacks) }
            if !lockConflicts.isEmpty { try container.encode(lockConflicts, forKey: .lockConflicts) }
        }
    }

    /// One SQL callback that ran: its event, description ("" when none), script and time.
    struct CallbackRun: Encodable {
        var event: String
        var description: String
        var script: String
        var executionTime: Int
    }
}

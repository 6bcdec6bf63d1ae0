import FoundationEssentials
import Glibc
import PostgresClient

/// Where a dry run's script goes: a file or standard output, opened by the caller.
public protocol DryRunSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Writes to a file (created, or emptied, when the sink is made) or to standard output.
public final class FileDryRunSink: DryRunSink, Sendable {
    private let descriptor: Int32
    private let path: String

    public static let standardOutput = FileDryRunSink(descriptor: STDOUT_FILENO, path: "standard output")

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Creates (or empties) the file at `path`; the error says why it cannot.
    public convenience init(creating path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError(path: path, code: errno) }
        self.init(descriptor: descriptor, path: path)
    }

    deinit {
        if descriptor != STDOUT_FILENO { close(descriptor) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try FileSystem.write(bytes, to: descriptor, path: path)
    }
}

/// Writes the plan as a script: exactly the statements the live executor would send, in order, each
/// ended so that `psql -X -v ON_ERROR_STOP=1 -f` runs it the same way (COPY data followed by `\.`).
/// Nothing reaches the database.
final class DryRunExecutor: SQLExecutor {
    private let sink: DryRunSink
    private var buffer: [UInt8] = []
    private var inTransaction = false
    private var copying = false
    /// Bytes collected before each write to the sink.
    private static let flushBytes = 256 * 1024

    init(sink: DryRunSink) {
        self.sink = sink
        buffer.reserveCapacity(Self.flushBytes + 4096)
    }

    /// Each write is ended with `;` on a line of its own, so a trailing `--` comment cannot swallow it.
    func run(_ sql: String) throws {
        try write(sql, statements: CollectionOfOne(sql))
    }

    func run(_ batch: StatementBatch) throws {
        try write(batch.text, statements: batch.entries.lazy.map(\.text))
    }

    /// Writes `text` and follows BEGIN/COMMIT in `statements` as the server would, so the plan ends each
    /// transaction just as it does live.
    private func write(_ text: String, statements: some Sequence<String>) throws {
        append(text)
        append("\n;\n")
        for statement in statements {
            if StatementClassifier.endsTransaction(statement) { inTransaction = false }
            else if StatementClassifier.startsTransaction(statement) { inTransaction = true }
        }
        try flushIfFull()
    }

    func beginCopy(_ statement: String) throws {
        append(statement)
        append(";\n")
        copying = true
    }

    func sendCopyData(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        try flushIfFull()
    }

    func endCopy() throws {
        // COPY data always ends with a line break (the reader adds one to each row).
        append("\\.\n")
        copying = false
    }

    func abortCopy() {
        guard copying else { return }
        append("\\.\n")
        copying = false
    }

    var transactionStatus: TransactionStatus { inTransaction ? .inTransaction : .idle }

    func comment(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            append(line.isEmpty ? "\n" : "-- " + line + "\n")
        }
    }

    var isLive: Bool { false }

    func finish() throws {
        try flush()
    }

    private func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    private func flushIfFull() throws {
        if buffer.count >= Self.flushBytes { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

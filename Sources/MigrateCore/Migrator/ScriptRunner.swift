import FoundationEssentials
import Glibc
import PostgresClient

/// Runs one migration file through an executor: streams it through `SQLScriptReader`, sends statements in
/// batches (one round trip for many statements), streams COPY data, and maps server errors back to
/// file:line:column.
struct ScriptRunner {
    let executor: SQLExecutor
    let file: MigrationFile
    let settings: ScriptSettings
    /// Callbacks to run around the file and its statements (nil: none, the common case).
    var hooks: Hooks? = nil
    var displayPath: String { settings.displayPath }
    var encoding: String.Encoding { settings.encoding }
    var placeholders: PlaceholderReplacer? { settings.placeholders }

    /// What a run found out that the caller needs even when it fails.
    final class Progress {
        /// The script committed or rolled back the transaction migrate opened (pg_dump's large-object
        /// section has its own `BEGIN; … COMMIT;`): what ran before is committed, the rest ran like psql.
        var transactionEndedByScript = false
        /// The connection was lost with migrate's COMMIT sent but not answered: whether it ran is unknown.
        var commitPerhapsRan = false
    }
    let progress = Progress()

    /// Statements per batch and bytes per batch before sending.
    static let batchStatements = 200
    static let batchBytes = 256 * 1024
    /// COPY data collected before each send. Kept well under the socket buffer (~208 KB on Linux) so
    /// the server still has queued data while the next piece is read: with 256 KiB the server waited
    /// on us and a 200 MB COPY took ~1.2× as long as with 64 KiB (bench/copy_200mb.sh).
    static let copyChunkBytes = 64 * 1024
    /// Files up to this size are read once and kept for the run, while the whole plan keeps under
    /// `planCacheBytes`; bigger ones are read again when they run (memory stays flat).
    static let cacheBytes = 2 * 1024 * 1024
    static let planCacheBytes = 16 * 1024 * 1024

    struct Plan {
        var transactional: Bool
        /// The whole script, when it was small enough to keep.
        var cached: [ScriptElement]?
        /// The UTF-8 size of what `cached` holds.
        var keptBytes = 0
        /// Whether the file can share a message with the files next to it (see `Migrator.applyChain`): it
        /// runs in a transaction, is kept in memory, has no COPY (whose data is no statement) and nothing
        /// that ends the transaction or sets client_encoding (which the run handles statement by statement).
        var canShareMessage = false
        /// The statements of a file too big to keep (its COPY data left out), while they are few: what the
        /// lint reads instead of the whole file again.
        var statementsOfUncachedFile: [SQLStatement]?

        /// The script's statements without reading the file again, where the plan kept them.
        var keptStatements: [SQLStatement]? {
            if let cached {
                return cached.compactMap { if case .statement(let statement) = $0 { return statement } else { return nil } }
            }
            return statementsOfUncachedFile
        }
    }

    /// How much statement text a plan keeps for a file it does not cache (see `Plan.statementsOfUncachedFile`).
    static let uncachedStatementBytes = 1 << 20

    func reader() throws -> SQLScriptReader { try settings.reader(file) }

    /// Reads the whole script once, before anything is written: every lexing, encoding, NUL-byte and
    /// placeholder error surfaces here, and it decides whether the file can run in a transaction (Flyway's
    /// rules: a file of only non-transactional statements runs without one; a mix is refused unless
    /// `mixed`). Small files are kept for the run, drawing on `cacheBudget`.
    static func plan(_ file: MigrationFile, settings: ScriptSettings, serverVersion: Int, mixed: Bool,
                     executeInTransaction: Bool?, cacheBudget: inout Int) throws -> Plan {
        let displayPath = settings.displayPath
        var reader = try settings.reader(file)
        // A file bigger on disk than what may be kept is not kept: its rows are not even made into Strings.
        let keepable = min(Self.cacheBytes, cacheBudget)
        var cached: [ScriptElement]? = keepable > 0 && (FileSystem.size(of: file.filepath) ?? 0) <= keepable ? [] : nil
        if cached == nil { reader.materializesCopyData = false }
        var cachedBytes = 0
        var uncachedStatements: [SQLStatement] = []
        var statementBytes = 0
        var firstNonTransactional: SQLStatement?
        var firstTransactional: SQLStatement?
        var handledOneByOne = false
        while let element = try reader.next() {
            if case .statement(let statement) = element {
                let setsEncoding = StatementClassifier.clientEncoding(setBy: statement.text)
                // Only a kept file can share a message: a big one is spared the test on each statement.
                if cached != nil, !handledOneByOne,
                   setsEncoding != nil || statement.isCopyFromStdin || StatementClassifier.endsTransaction(statement.text) {
                    handledOneByOne = true
                }
                if let named = setsEncoding, !fileIsRead(as: named, settings.encoding) {
                    throw SQLScriptError(file: displayPath, line: statement.line, column: statement.column, message: """
                        the script sets client_encoding to '\(named)', but migrate reads this file as \(settings.encoding.description). \
                        migrate decodes the file itself and always sends UTF-8: set encoding (or encoding= in \
                        \(file.url.lastPathComponent).conf) to the file's real encoding
                        """)
                }
                if statement.requiresNoTransaction(serverVersion: serverVersion) {
                    if firstNonTransactional == nil { firstNonTransactional = statement }
                } else if firstTransactional == nil {
                    firstTransactional = statement
                }
                cachedBytes += statement.text.utf8.count
                if cached == nil, statementBytes <= Self.uncachedStatementBytes {
                    statementBytes += statement.text.utf8.count
                    uncachedStatements.append(statement)
                }
            } else if case .copyData(let line) = element {
                cachedBytes += line.utf8.count
            }
            if cached != nil {
                if cachedBytes > keepable {
                    // Too big to keep: the run pass reads the file again, so this pass needs no row data.
                    // The statements read so far (this one included) are still kept for the lint.
                    for case .statement(let earlier) in cached! + [element] where statementBytes <= Self.uncachedStatementBytes {
                        statementBytes += earlier.text.utf8.count
                        uncachedStatements.append(earlier)
                    }
                    cached = nil
                    reader.materializesCopyData = false
                } else {
                    cached!.append(element)
                }
            }
        }
        if cached != nil { cacheBudget -= cachedBytes }
        var plan = Plan(transactional: true, cached: cached, keptBytes: cached == nil ? 0 : cachedBytes)
        if let explicit = executeInTransaction {
            plan.transactional = explicit
        } else if let nonTransactional = firstNonTransactional {
            if firstTransactional != nil && !mixed {
                throw MigrationError.mixedTransactionality(file: displayPath, line: nonTransactional.line,
                                                           statement: firstLine(of: nonTransactional.text))
            }
            plan.transactional = false
        }
        plan.canShareMessage = plan.transactional && cached != nil && !handledOneByOne
        if cached == nil && statementBytes <= Self.uncachedStatementBytes { plan.statementsOfUncachedFile = uncachedStatements }
        return plan
    }

    /// Whether PostgreSQL encoding `name` (from `SET client_encoding`) is the one this file is decoded with.
    /// migrate converts the file to UTF-8 itself, so such a SET is already honoured; sent on, it would make
    /// the server misread the UTF-8 that follows (psql, sending the file's bytes as they are, needs it).
    static func fileIsRead(as name: String, _ encoding: String.Encoding) -> Bool {
        switch name.lowercased().filter({ $0.isLetter || $0.isNumber }) {
        case "utf8", "unicode", "sqlascii": return encoding == .utf8 || encoding == .ascii
        case "latin1", "iso88591": return encoding == .isoLatin1
        case "win1252", "windows1252": return encoding == .windowsCP1252
        default: return false
        }
    }

    /// What runs around a file's statements (SQL callbacks such as beforeEachMigrate), on the same session
    /// and in the same transaction. With per-statement hooks each statement is sent on its own.
    struct Hooks {
        var beforeFile: () throws -> Void
        var afterFile: () throws -> Void
        var beforeStatement: (() throws -> Void)?
        var afterStatement: (() throws -> Void)?
        var aroundStatements: Bool { beforeStatement != nil || afterStatement != nil }
    }

    /// A statement of migrate's own sent along with the script's (the session reset, BEGIN, the history row,
    /// COMMIT), with what it is for: an error in it is reported as "… while <purpose>".
    struct OwnStatement {
        var text: String
        var purpose: String
    }

    /// Runs every statement. `prelude` statements go first in the first batch (BEGIN etc.), `postlude`
    /// ones last in the last batch: asked for once the script has run, they can depend on how it ended
    /// (`progress`). A small file with its history row and COMMIT is one message, one round trip; the
    /// server stops at the first error and reports its position in that message, which `locate` maps
    /// back to the file. In non-transactional mode each statement is sent on its own, as psql would.
    func run(plan: Plan, prelude: [OwnStatement], postlude: () -> [OwnStatement], batching: Bool) throws {
        var batching = batching
        var cachedIterator = plan.cached?.makeIterator()
        var streaming = plan.cached == nil ? try reader() : nil
        func nextElement() throws -> ScriptElement? {
            if cachedIterator != nil { return cachedIterator!.next() }
            return try streaming!.next()
        }

        var batch = StatementBatch(runners: [self])
        func flush() throws {
            guard !batch.isEmpty else { return }
            defer { batch.removeAll() }
            do {
                try executor.run(batch)
            } catch let error as PostgresError {
                if !batch.filesCommittedPerhaps(despite: error).isEmpty { progress.commitPerhapsRan = true }
                throw batch.locate(error)
            }
        }
        for own in prelude { batch.add(own.text, purpose: own.purpose) }
        if !batching { try flush() }
        if let hooks {
            try flush()
            try hooks.beforeFile()
        }
        let aroundStatements = hooks?.aroundStatements ?? false

        while let element = try nextElement() {
            switch element {
            case .statement(let statement) where StatementClassifier.clientEncoding(setBy: statement.text) != nil:
                continue // honoured by decoding the file (plan() checked that it names the file's encoding)
            case .statement(let statement) where statement.isCopyFromStdin:
                try flush()
                try hooks?.beforeStatement?()
                if streaming != nil {
                    try copy(statement) { buffer in try streaming!.appendCopyRow(to: &buffer) }
                } else {
                    // A kept file: its rows are Strings already (the file is small).
                    try copy(statement) { buffer in
                        guard case .copyData(let row)? = cachedIterator!.next() else { return false }
                        buffer.append(contentsOf: row.utf8)
                        return true
                    }
                }
                try hooks?.afterStatement?()
            case .statement(let statement) where aroundStatements:
                try flush()
                try hooks!.beforeStatement?()
                batch.add(statement.text, statement: statement)
                try flush()
                if plan.transactional && !progress.transactionEndedByScript && StatementClassifier.endsTransaction(statement.text) {
                    progress.transactionEndedByScript = true
                    batching = false
                }
                try hooks!.afterStatement?()
            case .statement(let statement):
                batch.add(statement.text, statement: statement)
                let endsTransaction = plan.transactional && !progress.transactionEndedByScript
                    && StatementClassifier.endsTransaction(statement.text)
                if !batching || endsTransaction || batch.count >= Self.batchStatements || batch.text.utf8.count >= Self.batchBytes { try flush() }
                if endsTransaction {
                    // migrate's transaction is over: run the rest statement by statement, exactly as psql would.
                    progress.transactionEndedByScript = true
                    batching = false
                }
            case .copyData, .copyEnd:
                break // only after a COPY statement, handled in copy()
            }
        }
        if let hooks {
            try flush()
            try hooks.afterFile()
        }
        for own in postlude() { batch.add(own.text, purpose: own.purpose) }
        try flush()
    }

    /// Streams the data lines after `COPY … FROM STDIN` to the server.
    /// `appendRow` adds the next row of data to the buffer, or answers false once the data is over.
    private func copy(_ statement: SQLStatement, appendRow: (inout [UInt8]) throws -> Bool) throws {
        do {
            try executor.beginCopy(statement.text)
        } catch let error as PostgresError {
            throw failure(error, in: statement, scalarOffset: error.position.map { $0 - 1 })
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.copyChunkBytes + 4096)
        do {
            while try appendRow(&buffer) {
                if buffer.count >= Self.copyChunkBytes {
                    try buffer.withUnsafeBytes { try executor.sendCopyData($0) }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if !buffer.isEmpty { try buffer.withUnsafeBytes { try executor.sendCopyData($0) } }
            try executor.endCopy()
        } catch let error as PostgresError {
            executor.abortCopy()
            throw copyFailure(error, statement: statement)
        } catch {
            executor.abortCopy()
            throw error
        }
    }

    /// A server error in one of this file's statements, at its file position: `scalarOffset` is where in
    /// the statement's text the server put it (nil: the statement's start).
    func failure(_ error: PostgresError, in statement: SQLStatement, scalarOffset: Int?) -> Error {
        var (line, column) = (statement.line, statement.column)
        if let scalarOffset { (line, column) = lineAndColumn(in: statement, scalarOffset: scalarOffset) }
        return MigrationError.statementFailed(StatementFailure(
            file: displayPath, line: line, column: fileColumn(line: line, column: column), statementLine: statement.line,
            statementStart: Self.firstLine(of: statement.text), error: error))
    }

    /// Columns are counted in the text sent, after placeholder replacement; this is the column in the file.
    func fileColumn(line: Int, column: Int) -> Int {
        guard let placeholders,
              let text = try? SQLScriptReader(path: file.filepath, displayName: displayPath, encoding: encoding).originalLine(line)
        else { return column }
        return placeholders.originalColumn(of: column, in: text)
    }

    /// Errors in COPY data name the data line ("COPY t, line 3"); point at that line of the file.
    private func copyFailure(_ error: PostgresError, statement: SQLStatement) -> Error {
        let statementEndLine = lineAndColumn(in: statement, scalarOffset: .max).0
        var line = statement.line
        if let context = error.context, let dataLine = Self.copyDataLine(in: context) {
            line = statementEndLine + dataLine
        }
        return MigrationError.statementFailed(StatementFailure(
            file: displayPath, line: line, column: 1, statementLine: statement.line,
            statementStart: Self.firstLine(of: statement.text), error: error))
    }

    /// N in the server's COPY context `COPY t, line N…`.
    static func copyDataLine(in context: String) -> Int? {
        guard let found = context.firstRange(of: "line ") else { return nil }
        return Int(context[found.upperBound...].prefix { $0.isASCII && $0.isNumber })
    }

    /// Line and column (unicode scalars, 1-based) of a scalar offset inside a statement. Lines end at `\n`,
    /// `\r\n` or a lone `\r`, as the reader counts them.
    func lineAndColumn(in statement: SQLStatement, scalarOffset: Int) -> (Int, Int) {
        var line = statement.line
        var column = statement.column
        var index = 0
        var afterCR = false
        for scalar in statement.text.unicodeScalars {
            if index >= scalarOffset { break }
            switch scalar {
            case "\r": line += 1; column = 1
            case "\n": if !afterCR { line += 1 }; column = 1
            default: column += 1
            }
            afterCR = scalar == "\r"
            index += 1
        }
        return (line, column)
    }

    static func firstLine(of text: String) -> String {
        let first = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        let trimmed = first.trimmed()
        let short = trimmed.count > 120 ? String(trimmed.prefix(117)) + "..." : trimmed
        return text.contains("\n") && short == trimmed ? short + " …" : short
    }
}

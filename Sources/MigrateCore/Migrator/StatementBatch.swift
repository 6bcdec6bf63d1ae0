import PostgresClient

/// Statements collected for one message to the server (one round trip), from one migration file or from
/// several small ones in a row, with what it takes to map a server error back to its file, line and column.
///
/// The server runs a message's statements in order and stops at the first error; it reports the error's
/// position counted in characters from the start of the message, and libpq tells how many statements had
/// completed before it (`PostgresError.failedStatementIndex`).
struct StatementBatch {
    /// What joins statements; a newline first, so a trailing `--` comment cannot swallow the `;`.
    static let separator = "\n;\n"

    struct Entry {
        var text: String
        /// The script's statement; nil for one of migrate's own (the session reset, BEGIN, the history row, COMMIT).
        var statement: SQLStatement?
        /// For our own statements: what it is for, said in an error as "… while <purpose>".
        var purpose: String?
        /// Index into `runners`: the file the entry belongs to.
        var runner: Int
    }

    /// The files whose statements the batch holds.
    let runners: [ScriptRunner]
    private(set) var text = ""
    private(set) var entries: [Entry] = []

    init(runners: [ScriptRunner]) { self.runners = runners }

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func add(_ text: String, statement: SQLStatement? = nil, purpose: String? = nil, runner: Int = 0) {
        if !self.text.isEmpty { self.text += Self.separator }
        entries.append(Entry(text: text, statement: statement, purpose: purpose, runner: runner))
        self.text += text
    }

    mutating func removeAll() {
        text = ""
        entries.removeAll(keepingCapacity: true)
    }

    /// The entry a server error belongs to: by its position when it has one (a syntax error, which the
    /// server finds before running anything of the message, points into any statement), else the statement
    /// that was running, and the character offset of the error inside that entry.
    func entry(for error: PostgresError) -> (index: Int, offset: Int?)? {
        guard !entries.isEmpty else { return nil }
        if let position = error.position {
            // The server counts characters in the whole message; offsets are worked out here, on the error
            // path, rather than for every statement sent.
            let index = position - 1
            let separatorLength = Self.separator.unicodeScalars.count
            var offset = 0
            for (k, candidate) in entries.enumerated() {
                let length = candidate.text.unicodeScalars.count
                if index < offset + length + separatorLength || k == entries.count - 1 {
                    return (k, min(max(index - offset, 0), length))
                }
                offset += length + separatorLength
            }
        }
        if let failed = error.failedStatementIndex, failed < entries.count { return (failed, nil) }
        return entries.lastIndex { $0.statement != nil }.map { ($0, nil) }
    }

    /// The files (indexes into `runners`) whose COMMIT, one of migrate's own, may have run although the
    /// message failed: libpq, not the server, reported a lost connection, so every statement after the last
    /// one answered may have run before the answers were lost.
    func filesCommittedPerhaps(despite error: PostgresError) -> [Int] {
        guard error.connectionLost, error.sqlState == nil else { return [] }
        let answered = min(error.failedStatementIndex ?? 0, entries.count)
        return entries[answered...].filter { $0.statement == nil && $0.text == "COMMIT" }.map(\.runner)
    }

    /// The server error as migrate reports it: the file, line and column of the script's statement, or what
    /// our own statement was doing.
    func locate(_ error: PostgresError) -> Error {
        guard let (index, offset) = entry(for: error) else {
            return MigrationError.database(error, while: "preparing to run \(runners.first?.displayPath ?? "a migration")")
        }
        let entry = entries[index]
        let runner = runners[entry.runner]
        guard let statement = entry.statement else {
            return MigrationError.database(error, while: entry.purpose ?? "preparing to run \(runner.displayPath)")
        }
        return runner.failure(error, in: statement, scalarOffset: offset)
    }
}

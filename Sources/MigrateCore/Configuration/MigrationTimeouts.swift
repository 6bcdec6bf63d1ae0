import PostgresClient

/// `lockTimeout` and `statementTimeout`: how they are written in settings, and the statements that put them
/// in effect for one migration file only.
struct MigrationTimeouts: Sendable, Equatable {
    /// Milliseconds; 0 leaves the server's (or initSql's) value alone.
    var lockTimeout: Int
    var statementTimeout: Int

    init(_ configuration: Configuration) {
        lockTimeout = configuration.lockTimeout
        statementTimeout = configuration.statementTimeout
    }

    /// `SET LOCAL` inside a file's transaction (gone at its COMMIT or ROLLBACK); `SET` for a file run outside
    /// one, undone by the session reset that follows every file.
    func statements(local: Bool) -> [String] {
        let set = local ? "SET LOCAL" : "SET"
        return [("lock_timeout", lockTimeout), ("statement_timeout", statementTimeout)]
            .filter { $0.1 > 0 }
            .map { "\(set) \($0.0) = \($0.1)" }
    }

    static let expected = "a duration such as 500ms, 5s, 2min or 1h (a bare number is milliseconds, 0 is off)"

    /// `500ms`, `5s`, `2min`, `1h`, or a bare number of milliseconds (PostgreSQL's own unit for these
    /// settings); nil for anything else or beyond PostgreSQL's limit (INT_MAX milliseconds).
    static func milliseconds(_ text: String) -> Int? {
        let trimmed = text.trimmingBlanks().lowercased()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let factors = ["": 1, "ms": 1, "s": 1_000, "min": 60_000, "h": 3_600_000]
        guard let factor = factors[String(trimmed.dropFirst(digits.count)).trimmingBlanks()] else { return nil }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow, milliseconds <= Int(Int32.max) else { return nil }
        return milliseconds
    }

    /// The shortest way to write `milliseconds` that `milliseconds(_:)` reads back.
    static func text(milliseconds: Int) -> String {
        if milliseconds == 0 { return "0" }
        for (unit, factor) in [("h", 3_600_000), ("min", 60_000), ("s", 1_000)] where milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}

/// `-- migrate:lint-ignore <rule>[,<rule>…] <reason>` on the line before a statement or on its first line:
/// the rules named are not reported for that statement. The reason is required (a reviewer reads it).
struct LintIgnore {
    static let marker = "migrate:lint-ignore"

    var rules: Set<String>

    /// What a comment says, or why it says nothing usable; nil when the line has no ignore comment.
    static func parse(line: String) -> Result<LintIgnore, IgnoreProblem>? {
        guard let comment = line.firstRange(of: "--"), let found = line[comment.upperBound...].firstRange(of: marker)
        else { return nil }
        let words = line[found.upperBound...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return .failure(.noRule) }
        let rules = first.split(separator: ",").map(String.init)
        if let unknown = rules.first(where: { LintRule(rawValue: $0) == nil }) { return .failure(.unknownRule(unknown)) }
        guard words.count > 1 else { return .failure(.noReason(first)) }
        return .success(LintIgnore(rules: Set(rules)))
    }

    enum IgnoreProblem: Error {
        case noRule
        case unknownRule(String)
        case noReason(String)

        var message: String {
            switch self {
            case .noRule:
                return "\(LintIgnore.marker) names no rule"
            case .unknownRule(let rule):
                return "\(LintIgnore.marker) names '\(rule)', which is no rule migrate has: "
                    + LintRule.allCases.filter { $0 != .invalidLintIgnore }.map(\.rawValue).joined(separator: ", ")
            case .noReason(let rules):
                return "\(LintIgnore.marker) \(rules) gives no reason, so it ignores nothing: say why the statement is safe here"
            }
        }
    }
}

/// The file's own lines, as written (before placeholder replacement), read forward once: the lines ignore
/// comments sit on.
final class OriginalLines {
    private var reader: SQLScriptReader
    /// The last lines read, in order: at most the two a statement asks for.
    private var kept: [(number: Int, text: String)] = []
    private var lastRead = 0

    init(_ reader: SQLScriptReader) { self.reader = reader }

    /// Lines `number - 1` and `number` (statements come in file order, so nothing before is asked for again).
    func around(_ number: Int) throws -> [String] {
        for wanted in [number - 1, number] where wanted > lastRead && wanted > 0 {
            if let line = try reader.originalLine(wanted) { kept.append((wanted, line)) }
            lastRead = wanted
        }
        kept.removeAll { $0.number < number - 1 }
        return kept.map(\.text)
    }
}

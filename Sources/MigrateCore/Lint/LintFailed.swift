/// `-lint=error`: the pending files break lint rules, so `migrate` stopped before its first write.
public struct LintFailed: Error, Sendable, CustomStringConvertible {
    public var findings: [LintFinding]

    public var description: String {
        let count = findings.count == 1 ? "1 lint finding" : "\(findings.count) lint findings"
        return "\(count) in the pending migrations; nothing was applied (-lint=warn applies anyway, "
            + "or add -- migrate:lint-ignore <rule> <reason> before a statement that is safe):"
            + findings.map { "\n  \($0.summary)\n    safe: \($0.safeForm)" }.joined()
    }
}

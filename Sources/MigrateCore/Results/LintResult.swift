/// What `lint` found in the files it read (pending ones, or all with lint.all=true).
public struct LintResult: CommandResult {
    public var operation = "lint"
    public var database: String
    /// The files read, in the order they would run.
    public var files: [String]
    public var findings: [LintFinding]
    public var notes: [LintNote]
    /// Findings silenced by a `-- migrate:lint-ignore` comment with a reason.
    public var ignored: Int
    public var warnings: [String] = []

    public var success: Bool { findings.isEmpty }
}

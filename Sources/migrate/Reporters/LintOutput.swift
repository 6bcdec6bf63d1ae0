import FoundationEssentials
import MigrateCore

/// How `lint` prints its result: text for a person, or GitHub Actions workflow commands
/// (`::warning file=…,line=…,col=…::…`) that annotate the pull request's lines.
enum LintOutput {
    static func text(_ result: LintResult) -> [String] {
        var lines: [String] = []
        for finding in result.findings {
            lines += ["\(finding.file):\(finding.line):\(finding.column): warning [\(finding.rule)] \(finding.message)",
                      "    \(finding.statement)", "    safe: \(finding.safeForm)"]
        }
        for note in result.notes { lines += [note.summary, "    \(note.statement)"] }
        let files = result.files.count
        lines.append("Linted \(files) file\(plural(files)): \(result.findings.count) finding\(plural(result.findings.count)), "
                     + "\(result.notes.count) note\(plural(result.notes.count)), \(result.ignored) ignored")
        return lines
    }

    static func annotations(_ result: LintResult) -> [String] {
        result.findings.map { finding in
            "::warning file=\(property(relativeToCurrentDirectory(finding.filepath))),line=\(finding.line),col=\(finding.column),"
                + "title=\(property(finding.rule))::\(data("\(finding.message). Safe: \(finding.safeForm)"))"
        } + result.notes.map { note in
            "::notice file=\(property(relativeToCurrentDirectory(note.filepath))),line=\(note.line),col=\(note.column)::\(data(note.message))"
        }
    }

    /// Workflow-command escaping: `%`, CR and LF in the message; also `:` and `,` in properties.
    private static func data(_ text: String) -> String {
        text.replacing("%", with: "%25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }

    private static func property(_ text: String) -> String {
        data(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }

    private static func plural(_ count: Int) -> String { count == 1 ? "" : "s" }
}

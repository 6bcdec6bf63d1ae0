import ArgumentParser
import MigrateCore

extension MigrateTool {
    struct Info: MigratorCommand {
        static let configuration = CommandConfiguration(abstract: "List every migration with its state.")
        @OptionGroup var options: GlobalOptions

        func run(_ migrator: Migrator, _ output: Output) throws {
            let report = try migrator.info()
            output.line("Schema version: \(report.currentVersion ?? "<< Empty Schema >>")")
            if !report.historyExists {
                output.line("Schema history table \"\(report.schema)\".\"\(report.table)\" does not exist yet")
            }
            let rows = report.entries.map { entry -> [String] in
                [entry.isRepeatable ? "Repeatable" : "Versioned", entry.version ?? "", entry.description, entry.type,
                 entry.installedOn ?? "", entry.state.rawValue]
            }
            output.line(TextTable.render(header: ["Category", "Version", "Description", "Type", "Installed On", "State"], rows: rows))
        }
    }
}

/// A plain box-drawn table, as Flyway prints `info`.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        let rule = "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+"
        var lines = [rule, line(header), rule]
        if rows.isEmpty {
            let inner = widths.reduce(0, +) + 3 * (widths.count - 1)
            lines.append("| " + "No migrations found".padding(toLength: inner, withPad: " ", startingAt: 0) + " |")
        } else {
            lines += rows.map(line)
        }
        lines.append(rule)
        return lines.joined(separator: "\n")
    }
}

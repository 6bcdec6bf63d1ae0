import ArgumentParser
import MigrateCore

extension MigrateTool {
    struct Repair: MigratorCommand {
        static let configuration = CommandConfiguration(abstract: "Remove failed rows and realign the history with the files.")
        @OptionGroup var options: GlobalOptions

        func run(_ migrator: Migrator, _ output: Output) throws {
            let result = try migrator.repair()
            output.line("Removed \(result.removedFailedRows) failed migration row\(result.removedFailedRows == 1 ? "" : "s")")
            for item in result.realigned { output.line("Realigned checksum/description of \(item)") }
            for item in result.markedDeleted { output.line("Marked missing migration \(item) as deleted") }
            output.line("Successfully repaired the schema history table")
        }
    }
}

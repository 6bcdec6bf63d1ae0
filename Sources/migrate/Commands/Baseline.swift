import ArgumentParser
import MigrateCore

extension MigrateTool {
    struct Baseline: MigratorCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an existing database as being at baselineVersion.")
        @OptionGroup var options: GlobalOptions

        func run(_ migrator: Migrator, _ output: Output) throws {
            let result = try migrator.baseline()
            if result.created {
                output.line("Successfully baselined schema \"\(result.schema)\" with version \(result.version) (\(result.description))")
            } else {
                output.line("Schema \"\(result.schema)\" is already baselined at version \(result.version)")
            }
        }
    }
}

import ArgumentParser
import MigrateCore

extension MigrateTool {
    struct Migrate: MigratorCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations, each in its own transaction with its history row.")
        @OptionGroup var options: GlobalOptions

        func run(_ migrator: Migrator, _ output: Output) throws {
            let result = try migrator.migrate()
            if result.baselined {
                output.line("Baselined schema \"\(result.schema)\" at version \(migrator.configuration.baselineVersion) (baselineOnMigrate)")
            }
            if result.applied.isEmpty {
                output.line("Schema \"\(result.schema)\" is up to date, no migration necessary (current version: \(result.finalVersion ?? "<< Empty Schema >>"))")
            } else {
                let total = result.applied.reduce(0) { $0 + $1.milliseconds }
                output.line("Successfully applied \(result.applied.count) migration\(result.applied.count == 1 ? "" : "s") to schema \"\(result.schema)\", now at version \(result.finalVersion ?? "<none>") (\(formatDuration(total)))")
            }
        }
    }
}

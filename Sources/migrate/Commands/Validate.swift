import ArgumentParser
import MigrateCore

extension MigrateTool {
    struct Validate: MigratorCommand {
        static let configuration = CommandConfiguration(abstract: "Check applied migrations against the files; exit 1 on any drift.")
        @OptionGroup var options: GlobalOptions

        func run(_ migrator: Migrator, _ output: Output) throws {
            let report = try migrator.validate()
            if report.isValid {
                output.line("Successfully validated \(report.validatedCount) migration\(report.validatedCount == 1 ? "" : "s")")
                return
            }
            output.error(MigrationError.validationFailed(report.problems))
            throw ExitCode.failure
        }
    }
}

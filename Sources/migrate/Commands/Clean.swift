import ArgumentParser
import MigrateCore

extension MigrateTool {
    struct Clean: MigratorCommand {
        static let configuration = CommandConfiguration(abstract: "Drop every object in the configured schemas (refused unless cleanDisabled=false).")
        @OptionGroup var options: GlobalOptions

        func run(_ migrator: Migrator, _ output: Output) throws {
            let result = try migrator.clean()
            for schema in result.droppedSchemas { output.line("Dropped schema \"\(schema)\" (created by migrate)") }
            let cleaned = result.schemas.filter { !result.droppedSchemas.contains($0) }
            if !cleaned.isEmpty {
                output.line("Successfully cleaned schema\(cleaned.count == 1 ? "" : "s") \(cleaned.map { "\"\($0)\"" }.joined(separator: ", ")) in database \"\(result.database)\" (\(result.droppedObjects) object\(result.droppedObjects == 1 ? "" : "s") dropped)")
            }
        }
    }
}

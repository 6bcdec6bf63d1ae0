import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore

let given = Array(CommandLine.arguments.dropFirst())
// Answered before anything else is set up: the argument parser's first use costs more than the rest of it.
if given == ["--version"] {
    print(MigrateTool.version)
    exit(0)
}
let arguments = FlywayArguments.normalize(MigrateTool.helpAliases(given), knownKeys: ConfigurationLoader.knownKeyNames)
if let invocation = Invocation.fastParse(arguments) {
    do {
        try invocation.run()
    } catch {
        MigrateTool.exit(withError: error)
    }
} else {
    MigrateTool.main(arguments)
}

import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore

let arguments = FlywayArguments.normalize(MigrateTool.helpAliases(Array(CommandLine.arguments.dropFirst())),
                                          knownKeys: ConfigurationLoader.knownKeyNames)
if let invocation = Invocation.fastParse(arguments) {
    do {
        try invocation.run()
    } catch {
        MigrateTool.exit(withError: error)
    }
} else {
    MigrateTool.main(arguments)
}

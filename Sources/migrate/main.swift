import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

let arguments = FlywayArguments.normalize(MigrateTool.helpAliases(Array(CommandLine.arguments.dropFirst())),
                                          knownKeys: ConfigurationLoader.knownKeyNames)
// Answered before anything else is set up: the argument parser's first use costs more than the rest of it.
if Invocation.asksOnlyForVersion(arguments) {
    print(MigrateTool.version)
    exit(0)
}
// `migrate <command> --help`, `migrate help <command>`: that command's own help.
if arguments.contains("--help"), let command = CommandHelp.command(asked: arguments) {
    print(CommandHelp.text(for: command))
    exit(0)
}
// SIGINT/SIGTERM cancel the running statement, as in psql; a second one ends migrate at once.
Cancellation.installSignalHandlers()
if let invocation = Invocation.fastParse(arguments) {
    do {
        try invocation.run()
    } catch {
        MigrateTool.exit(withError: error)
    }
} else {
    MigrateTool.main(arguments)
}

import ArgumentParser
import MigrateCore

MigrateTool.main(FlywayArguments.normalize(Array(CommandLine.arguments.dropFirst()), knownKeys: ConfigurationLoader.knownKeyNames))

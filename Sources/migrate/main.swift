import ArgumentParser
import Foundation
import MigrateCore

let arguments = MigrateTool.helpAliases(Array(CommandLine.arguments.dropFirst()))
MigrateTool.main(FlywayArguments.normalize(arguments, knownKeys: ConfigurationLoader.knownKeyNames))

import ArgumentParser
import Foundation
import MigrateCore

// Progress goes to stdout and errors to stderr; line-buffer stdout so that in CI logs (a pipe) they
// interleave in the order they happened.
setvbuf(stdout, nil, _IOLBF, 0)

let arguments = MigrateTool.helpAliases(Array(CommandLine.arguments.dropFirst()))
MigrateTool.main(FlywayArguments.normalize(arguments, knownKeys: ConfigurationLoader.knownKeyNames))

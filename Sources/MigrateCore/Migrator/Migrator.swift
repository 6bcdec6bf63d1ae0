import Foundation
import PostgresClient

/// The façade the CLI calls: one method per command, each returning a report.
public final class Migrator {
    public let configuration: Configuration
    let onEvent: (MigrationEvent) -> Void

    public init(configuration: Configuration, onEvent: @escaping (MigrationEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.onEvent = onEvent
    }

    var naming: MigrationNaming {
        MigrationNaming(versionedPrefix: configuration.sqlMigrationPrefix,
                        repeatablePrefix: configuration.repeatableSqlMigrationPrefix,
                        separator: configuration.sqlMigrationSeparator,
                        suffixes: configuration.sqlMigrationSuffixes)
    }

    var fileEncoding: String.Encoding {
        get throws {
            guard let encoding = FileEncoding.named(configuration.encoding) else {
                throw ConfigurationError("encoding: '\(configuration.encoding)' is not a supported encoding (UTF-8, ISO-8859-1, windows-1252, UTF-16, US-ASCII)")
            }
            return encoding
        }
    }

    var scanner: MigrationScanner {
        get throws {
            MigrationScanner(locations: configuration.locations, naming: naming, encoding: try fileEncoding,
                             workingDirectory: configuration.workingDirectory)
        }
    }

    /// Finds the migration files; warns about (or, with validateMigrationNaming, rejects) misnamed ones.
    func resolveMigrations() throws -> [MigrationFile] {
        let result = try scanner.scan()
        for location in result.missingLocations {
            onEvent(.warning("location '\(location)' does not exist (resolved against \(configuration.workingDirectory.path))"))
        }
        if !result.misnamed.isEmpty {
            if configuration.validateMigrationNaming {
                throw MigrationError.misnamedFiles(result.misnamed.map { MisnamedFile(path: $0.path, reason: $0.reason) })
            }
            for file in result.misnamed {
                onEvent(.warning("\(file.path) is not a valid migration name and was NOT run: \(file.reason)"))
            }
        }
        return result.migrations
    }

    /// Parses a version setting (baselineVersion, target).
    func version(setting key: String, _ text: String) throws -> MigrationVersion {
        guard let version = MigrationVersion(text) else { throw MigrationError.invalidVersionSetting(key: key, value: text) }
        return version
    }
}

/// The encodings `encoding` may name.
enum FileEncoding {
    static func named(_ name: String) -> String.Encoding? {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": return .utf8
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1": return .isoLatin1
        case "windows-1252", "cp1252": return .windowsCP1252
        case "utf-16", "utf16": return .utf16
        case "utf-16le": return .utf16LittleEndian
        case "utf-16be": return .utf16BigEndian
        case "us-ascii", "ascii": return .ascii
        default: return nil
        }
    }
}

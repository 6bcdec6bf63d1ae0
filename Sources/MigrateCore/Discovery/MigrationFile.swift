import Foundation

/// Whether a migration runs once at its version, or again whenever its content changes.
public enum MigrationKind: Sendable, Equatable {
    case versioned(MigrationVersion)
    case repeatable
}

/// A migration script found on disk.
public struct MigrationFile: Sendable, Equatable {
    public var kind: MigrationKind
    /// Description from the file name, `_` shown as spaces (`V2__add_status.sql` → `add status`).
    public var description: String
    /// Path relative to its location, as stored in the history table's `script` column.
    public var script: String
    public var url: URL
    /// The file's absolute path (`url.path`, worked out once when scanning).
    public var filepath: String
    /// Flyway-compatible checksum of the file (see `Checksum`).
    public var checksum: Int32

    public var version: MigrationVersion? {
        if case .versioned(let version) = kind { return version }
        return nil
    }
    public var isRepeatable: Bool { kind == .repeatable }
}

/// How migration file names are spelled: prefix + version + separator + description + suffix.
public struct MigrationNaming: Sendable {
    public var versionedPrefix = "V"
    public var repeatablePrefix = "R"
    public var separator = "__"
    public var suffixes = [".sql"]

    public init(versionedPrefix: String = "V", repeatablePrefix: String = "R", separator: String = "__", suffixes: [String] = [".sql"]) {
        self.versionedPrefix = versionedPrefix
        self.repeatablePrefix = repeatablePrefix
        self.separator = separator
        self.suffixes = suffixes
    }

    public enum Parsed: Sendable, Equatable {
        case versioned(MigrationVersion, description: String)
        case repeatable(description: String)
        /// Has a migration suffix but is not a valid name; the text says why.
        case invalid(String)
        /// Not a migration file at all (other suffix).
        case notAMigration
    }

    /// Parses a file name (no directory). Suffixes match case-insensitively, prefixes exactly, and the
    /// description starts after the first separator, as in Flyway.
    public func parse(_ fileName: String) -> Parsed {
        let lower = fileName.lowercased()
        guard let suffix = suffixes.filter({ !$0.isEmpty && lower.hasSuffix($0.lowercased()) }).max(by: { $0.count < $1.count }) else {
            return .notAMigration
        }
        let stem = String(fileName.dropLast(suffix.count))
        // Only built for misnamed files: parse runs for every file on every command.
        var expected: String { "expected \(versionedPrefix)<version>\(separator)<description>\(suffix) (e.g. \(versionedPrefix)1.2\(separator)add_orders\(suffix)) or \(repeatablePrefix)\(separator)<description>\(suffix)" }
        // Longest prefix first, so a prefix that starts with another one wins.
        let prefixes = [(versionedPrefix, true), (repeatablePrefix, false)].sorted { $0.0.count > $1.0.count }
        for (prefix, versioned) in prefixes where !prefix.isEmpty && stem.hasPrefix(prefix) {
            let rest = stem.dropFirst(prefix.count)
            guard let separatorRange = rest.range(of: separator) else {
                return .invalid("no '\(separator)' separator between version and description; \(expected)")
            }
            let versionText = String(rest[..<separatorRange.lowerBound])
            let description = rest[separatorRange.upperBound...].replacingOccurrences(of: "_", with: " ")
            if versioned {
                guard !versionText.isEmpty else { return .invalid("missing version after '\(prefix)'; \(expected)") }
                guard let version = MigrationVersion(versionText) else {
                    return .invalid("'\(versionText)' is not a version (digits separated by '.' or '_'); \(expected)")
                }
                return .versioned(version, description: description)
            } else {
                guard versionText.isEmpty else {
                    return .invalid("repeatable migrations have no version ('\(versionText)'); \(expected)")
                }
                return .repeatable(description: description)
            }
        }
        return .invalid("does not start with '\(versionedPrefix)' or '\(repeatablePrefix)' (prefixes are case-sensitive); \(expected)")
    }
}

import FoundationEssentials
import Glibc
import PostgresClient

/// The names `migrate new` gives the next migration: the version after the highest among the versioned,
/// undo and baseline files of every location, in their style (`VersionNumbering`), and the description
/// spelt so that Flyway reads it back as typed (`add orders` → `V2__add_orders.sql` → `add orders`).
/// Only file names are read: nothing is opened, nothing connects.
public struct NextMigration: Sendable, Equatable {
    /// As `info` shows it (`002`, `1.3`); in the file names it is spelt like the highest one (`1_3`).
    public var version: String
    /// As `info` will show it: the name's `_` read back as spaces.
    public var description: String
    /// The first location's absolute path, where the files go (it may not exist yet).
    public var directory: String
    /// `V2__add_orders.sql`.
    public var fileName: String
    /// `U2__add_orders.sql`, when the undo file is asked for.
    public var undoFileName: String?

    /// `now`: seconds since 1970, for timestamp versions.
    public init(description: String, undo: Bool, scanner: MigrationScanner, undoPrefix: String, baselinePrefix: String,
                now: Int) throws {
        guard let location = scanner.locations.first else { throw NewMigrationError.noLocation }
        let words = try Self.nameText(of: description)
        directory = try scanner.resolve(location).path
        if let kind = FileSystem.kind(of: directory), kind != .directory {
            throw NewMigrationError.locationNotADirectory(location: location, path: scanner.displayPath(directory))
        }
        let highest = try Self.highestVersion(scanner: scanner, prefixes: [scanner.naming.versionedPrefix, undoPrefix, baselinePrefix])
        let spelt = VersionNumbering.next(after: highest, now: now)
        let naming = scanner.naming
        let suffix = naming.suffixes.first ?? ".sql"
        fileName = naming.versionedPrefix + spelt + naming.separator + words + suffix
        undoFileName = undo ? undoPrefix + spelt + naming.separator + words + suffix : nil

        // What migrate will read from the name: a separator inside the version, say, would cut it short.
        guard case .versioned(let version, let readBack) = naming.parse(fileName), version.text == spelt.replacing("_", with: ".") else {
            throw NewMigrationError.unreadableName(fileName, separator: naming.separator)
        }
        self.version = version.text
        self.description = readBack
        for name in [fileName, undoFileName].compactMap({ $0 }) where name.utf8.count > Self.maximumNameBytes {
            throw NewMigrationError.nameTooLong(name, bytes: name.utf8.count, maximum: Self.maximumNameBytes)
        }
    }

    /// Longest file name the usual file systems take (NAME_MAX), in bytes.
    static let maximumNameBytes = 255

    /// Characters a file name cannot hold on some system (Windows' reserved ones included, so that the
    /// repository can be checked out anywhere); control characters are refused as well.
    static let unsafeCharacters: Set<Unicode.Scalar> = ["/", "\\", ":", "*", "?", "\"", "<", ">", "|"]

    /// The description as it goes into the file name: trimmed, each space as `_`. Refuses what a file name
    /// cannot hold rather than changing it, so the description read back is the one typed.
    static func nameText(of description: String) throws(NewMigrationError) -> String {
        let trimmed = description.trimmed()
        guard !trimmed.isEmpty else { throw .noDescription }
        if let unsafe = trimmed.unicodeScalars.first(where: { unsafeCharacters.contains($0) || $0.properties.generalCategory == .control }) {
            throw .unsafeCharacter(unsafe, description: trimmed)
        }
        return trimmed.replacing(" ", with: "_")
    }

    /// The highest version among the files named with one of `prefixes`, as spelt in its name; nil when
    /// there is none. Locations that do not exist have none.
    static func highestVersion(scanner: MigrationScanner, prefixes: [String]) throws -> String? {
        let namings = Set(prefixes).filter { !$0.isEmpty }.map { prefix in
            MigrationNaming(versionedPrefix: prefix, repeatablePrefix: scanner.naming.repeatablePrefix,
                            separator: scanner.naming.separator, suffixes: scanner.naming.suffixes)
        }
        var highest: (version: MigrationVersion, spelt: String)?
        for location in scanner.locations {
            let directory = try scanner.resolve(location).path
            guard FileSystem.kind(of: directory) == .directory else { continue }
            for file in try scanner.filesBelow(directory) {
                for naming in namings {
                    guard case .versioned(let version, _) = naming.parse(file.name), highest.map({ $0.version < version }) ?? true else { continue }
                    // The version as written: between the prefix and the first separator.
                    let rest = file.name.utf8.dropFirst(naming.versionedPrefix.utf8.count)
                    let spelt = String(Substring(rest))
                    highest = (version, String(spelt[..<(spelt.firstRange(of: naming.separator)?.lowerBound ?? spelt.endIndex)]))
                }
            }
        }
        return highest?.spelt
    }
}

/// Why `migrate new` wrote nothing.
public enum NewMigrationError: Error, Sendable, Equatable {
    case noDescription
    case unsafeCharacter(Unicode.Scalar, description: String)
    case nameTooLong(String, bytes: Int, maximum: Int)
    case unreadableName(String, separator: String)
    case noLocation
    case locationNotADirectory(location: String, path: String)
    case fileExists(path: String)
    case cannotWrite(path: String, reason: String)

    /// Flyway's `ErrorCode` name where one fits, ours otherwise.
    public var errorCode: String {
        switch self {
        case .noDescription, .unsafeCharacter, .nameTooLong: return "INVALID_DESCRIPTION"
        case .unreadableName, .noLocation, .locationNotADirectory: return "CONFIGURATION"
        case .fileExists: return "FILE_EXISTS"
        case .cannotWrite: return "FILE_WRITE_ERROR"
        }
    }

    /// The file or folder concerned.
    public var path: String? {
        switch self {
        case .locationNotADirectory(_, let path), .fileExists(let path), .cannotWrite(let path, _): return path
        default: return nil
        }
    }
}

extension NewMigrationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noDescription:
            return "new: no description given; usage: migrate new <description> [-undo] (e.g. migrate new add orders)"
        case .unsafeCharacter(let scalar, let description):
            let shown = scalar.properties.generalCategory == .control ? "control character U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'"
            return "new: the description \"\(description)\" contains \(shown), which a file name cannot hold (nor / \\ : * ? \" < > | or control characters)"
        case .nameTooLong(let name, let bytes, let maximum):
            return "new: the file name \(name) would be \(bytes) bytes long, more than file systems take (\(maximum)); shorten the description"
        case .unreadableName(let name, let separator):
            return "new: \(name) would not read back as the same version and description: the version must not contain the separator '\(separator)' (sqlMigrationSeparator)"
        case .noLocation:
            return "new: no location to write into (locations is empty)"
        case .locationNotADirectory(let location, let path):
            return "new: location '\(location)' is not a directory (\(path))"
        case .fileExists(let path):
            return "new: \(path) already exists; it was left as it is and nothing was written"
        case .cannotWrite(let path, let reason):
            return "new: cannot write \(path): \(reason)"
        }
    }
}

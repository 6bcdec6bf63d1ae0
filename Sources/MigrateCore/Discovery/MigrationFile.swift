import FoundationEssentials
import Glibc

/// Whether a migration runs once at its version, or again whenever its content changes; or what else a
/// script in the locations is.
public enum MigrationKind: Sendable, Equatable {
    case versioned(MigrationVersion)
    case repeatable
    /// `B<version>__…`: the whole schema up to that version, run instead of the files before it on an empty database.
    case baseline(MigrationVersion)
    /// `<event>.sql` or `<event>__<description>.sql`: run at that event, never recorded in the history.
    case callback(CallbackEvent)
    /// `U<version>__…`: reverts the versioned migration of that version (`migrate undo`).
    case undo(MigrationVersion)
}

/// A migration script found on disk.
public struct MigrationFile: Sendable, Equatable {
    public var kind: MigrationKind
    /// Description from the file name, `_` shown as spaces (`V2__add_status.sql` → `add status`).
    public var description: String
    /// Path relative to its location, as stored in the history table's `script` column.
    public var script: String
    /// The file's absolute path.
    public var filepath: String
    public var url: URL { URL(fileURLWithPath: filepath) }
    /// Flyway-compatible checksum of the file (see `Checksum`).
    public var checksum: Int32

    /// The version of a versioned or baseline migration.
    public var version: MigrationVersion? {
        switch kind {
        case .versioned(let version), .baseline(let version), .undo(let version): return version
        case .repeatable, .callback: return nil
        }
    }
    public var isRepeatable: Bool { kind == .repeatable }
    public var isBaselineMigration: Bool {
        if case .baseline = kind { return true }
        return false
    }
    public var isUndo: Bool {
        if case .undo = kind { return true }
        return false
    }
    public var callbackEvent: CallbackEvent? {
        if case .callback(let event) = kind { return event }
        return nil
    }
}

/// How migration file names are spelled: prefix + version + separator + description + suffix.
public struct MigrationNaming: Sendable {
    public var versionedPrefix = "V" { didSet { orderPrefixes() } }
    public var repeatablePrefix = "R" { didSet { orderPrefixes() } }
    public var baselinePrefix = "B" { didSet { orderPrefixes() } }
    public var undoPrefix = "U" { didSet { orderPrefixes() } }
    /// The prefixes, longest first (so a prefix that starts with another one wins): ordered once, not for every file.
    private var orderedPrefixes: [(prefix: String, kind: Prefixed)] = []
    public var separator = "__"
    public var suffixes = [".sql"]

    public init(versionedPrefix: String = "V", repeatablePrefix: String = "R", baselinePrefix: String = "B", undoPrefix: String = "U",
                separator: String = "__", suffixes: [String] = [".sql"]) {
        self.versionedPrefix = versionedPrefix
        self.repeatablePrefix = repeatablePrefix
        self.baselinePrefix = baselinePrefix
        self.undoPrefix = undoPrefix
        orderPrefixes()
        self.separator = separator
        self.suffixes = suffixes
    }

    public enum Parsed: Sendable, Equatable {
        case versioned(MigrationVersion, description: String)
        case repeatable(description: String)
        case baseline(MigrationVersion, description: String)
        /// A callback; the description is "" when the name has none.
        case callback(CallbackEvent, description: String)
        /// Looks like a callback but names no event: an error whatever validateMigrationNaming says (a
        /// callback silently not run is a grant or a check silently skipped). The text says why.
        case misnamedCallback(String)
        case undo(MigrationVersion, description: String)
        /// Has a migration suffix but is not a valid name; the text says why.
        case invalid(String)
        /// Not a migration file at all (other suffix).
        case notAMigration
    }

    /// Parses a file name (no directory). Suffixes match case-insensitively (ASCII), prefixes exactly, and
    /// the description starts after the first separator, as in Flyway. Works on the name's bytes: it runs
    /// for every file on every command.
    public func parse(_ fileName: String) -> Parsed {
        var name = fileName
        return name.withUTF8 { parse(bytes: $0, fileName: fileName) }
    }

    private func parse(bytes name: UnsafeBufferPointer<UInt8>, fileName: String) -> Parsed {
        var suffixLength = -1
        var matchedSuffix = ""
        for suffix in suffixes where !suffix.isEmpty && suffix.utf8.count > suffixLength
            && Self.hasSuffix(name, suffix.utf8) {
            suffixLength = suffix.utf8.count
            matchedSuffix = suffix
        }
        guard suffixLength >= 0 else { return .notAMigration }
        let stem = UnsafeBufferPointer(rebasing: name[..<(name.count - suffixLength)])
        // Only built for misnamed files.
        var expected: String { "expected \(versionedPrefix)<version>\(separator)<description>\(matchedSuffix) (e.g. \(versionedPrefix)1.2\(separator)add_orders\(matchedSuffix)), \(repeatablePrefix)\(separator)<description>\(matchedSuffix) or \(undoPrefix)<version>\(separator)<description>\(matchedSuffix)" }
        if let callback = parseCallback(stem, suffix: matchedSuffix) { return callback }
        for (prefix, prefixed) in orderedPrefixes {
            guard stem.starts(with: prefix.utf8) else { continue }
            let rest = UnsafeBufferPointer(rebasing: stem[prefix.utf8.count...])
            guard let separatorAt = Self.firstIndex(of: separator.utf8, in: rest) else {
                return .invalid("no '\(separator)' separator between version and description; \(expected)")
            }
            let versionBytes = UnsafeBufferPointer(rebasing: rest[..<separatorAt])
            let description = Self.spacedDescription(UnsafeBufferPointer(rebasing: rest[(separatorAt + separator.utf8.count)...]))
            if prefixed == .repeatable {
                guard versionBytes.isEmpty else {
                    return .invalid("repeatable migrations have no version ('\(String(decoding: versionBytes, as: UTF8.self))'); \(expected)")
                }
                return .repeatable(description: description)
            }
            guard !versionBytes.isEmpty else { return .invalid("missing version after '\(prefix)'; \(expected)") }
            guard let version = MigrationVersion(bytes: versionBytes) else {
                return .invalid("'\(String(decoding: versionBytes, as: UTF8.self))' is not a version (digits separated by '.' or '_'); \(expected)")
            }
            switch prefixed {
            case .undo: return .undo(version, description: description)
            case .baseline: return .baseline(version, description: description)
            case .versioned, .repeatable: return .versioned(version, description: description)
            }
        }
        return .invalid("does not start with '\(versionedPrefix)', '\(repeatablePrefix)' or '\(undoPrefix)' (prefixes are case-sensitive); \(expected)")
    }

    private mutating func orderPrefixes() {
        orderedPrefixes = [(versionedPrefix, Prefixed.versioned), (repeatablePrefix, .repeatable), (baselinePrefix, .baseline), (undoPrefix, .undo)]
            .filter { !$0.0.isEmpty }.sorted { $0.0.utf8.count > $1.0.utf8.count }
    }

    /// The kinds of file a name's prefix announces.
    private enum Prefixed { case versioned, repeatable, baseline, undo }

    /// `<event>` or `<event><separator><description>`, the longest event first, as Flyway matches them; a
    /// name that only looks like one (`afterMigrat.sql`, `AfterMigrate.sql`, `afterMigrateX__y.sql`) is
    /// `.misnamedCallback`. nil for every other name, which goes on to the migration prefixes.
    private func parseCallback(_ stem: UnsafeBufferPointer<UInt8>, suffix: String) -> Parsed? {
        // Cheap test first: every event starts with `before`, `after` or `create`, in some case.
        guard let first = stem.first, [UInt8(ascii: "b"), UInt8(ascii: "a"), UInt8(ascii: "c"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "C")].contains(first) else {
            return nil
        }
        let separatorAt = Self.firstIndex(of: separator.utf8, in: stem)
        let namePart = UnsafeBufferPointer(rebasing: stem[..<(separatorAt ?? stem.count)])
        let description = separatorAt.map { Self.spacedDescription(UnsafeBufferPointer(rebasing: stem[($0 + separator.utf8.count)...])) } ?? ""
        for event in CallbackEvent.longestFirst where namePart.elementsEqual(event.rawValue.utf8) {
            return .callback(event, description: description)
        }
        let name = String(decoding: namePart, as: UTF8.self)
        guard CallbackEvent.looksLikeCallback(name) else { return nil }
        switch name {
        case "beforeConnect":
            return .misnamedCallback("beforeConnect runs before there is a connection, so Flyway runs it only as a script (.sh, .ps1), never as SQL; use afterConnect for SQL run on every connection")
        case "beforeDeploy", "afterDeploy", "afterDeployError":
            return .misnamedCallback("\(name) belongs to Flyway's deploy command, which migrate does not have: use the migrate events (beforeMigrate, afterMigrate, afterMigrateError)")
        default:
            break
        }
        let closest = CallbackEvent.closest(to: name)
        if let event = CallbackEvent.longestFirst.first(where: { name.hasPrefix($0.rawValue) }) {
            return .misnamedCallback("'\(name)' is not a callback event: text after '\(event.rawValue)' must follow the '\(separator)' separator (\(event.rawValue)\(separator)<description>\(suffix))")
        }
        return .misnamedCallback("'\(name)' is not a callback event; did you mean \(closest.rawValue) (\(closest.rawValue)\(suffix) or \(closest.rawValue)\(separator)<description>\(suffix))? Event names are case-sensitive")
    }

    /// The description as Flyway shows it: `_` as a space.
    private static func spacedDescription(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        text(of: bytes, underscoresAs: UInt8(ascii: " "))
    }

    /// The UTF-8 `bytes` as a String with every `_` replaced by `replacement` (how names show versions and
    /// descriptions), in one pass.
    static func text(of bytes: UnsafeBufferPointer<UInt8>, underscoresAs replacement: UInt8) -> String {
        guard bytes.contains(UInt8(ascii: "_")) else { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte == UInt8(ascii: "_") ? replacement : byte }
            return bytes.count
        }
    }

    /// Whether `name` ends with `suffix`, ASCII letters compared without case.
    private static func hasSuffix(_ name: UnsafeBufferPointer<UInt8>, _ suffix: String.UTF8View) -> Bool {
        guard suffix.count <= name.count else { return false }
        var index = name.count - suffix.count
        for byte in suffix {
            if lowercase(name[index]) != lowercase(byte) { return false }
            index += 1
        }
        return true
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func firstIndex(of needle: String.UTF8View, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = needle.count
        guard count > 0, haystack.count >= count else { return nil }
        for start in 0...(haystack.count - count) where haystack[start...].starts(with: needle) {
            return start
        }
        return nil
    }
}

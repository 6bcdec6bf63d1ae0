/// A migration version such as `1`, `1.1`, `2_0_3` or `001`, compared numerically part by part.
///
/// As in Flyway, `_` is shown as `.`, each part is an arbitrary-size non-negative integer, and trailing zero
/// parts do not count: `1.0 == 1`, `1.01 == 1.1`, `1.2.10 > 1.2.9`.
public struct MigrationVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The text stored in the history table's `version` column (`_` replaced by `.`, otherwise as written).
    public let text: String
    /// The first four parts as numbers, missing ones 0: the whole version when `isCompact`, so that it is
    /// compared and hashed without looking at text or allocating.
    private let key: (UInt64, UInt64, UInt64, UInt64)
    /// At most four parts (not counting trailing zero parts) of at most 18 digits each: any real version.
    /// Others are compared as digits.
    private let isCompact: Bool

    /// Parses `1`, `1.2`, `1_2`, `2024.01.15`. Returns nil for anything else (`1.x`, `1..2`, ``).
    public init?(_ raw: String) {
        var raw = raw
        guard let version = raw.withUTF8({ MigrationVersion(bytes: $0) }) else { return nil }
        self = version
    }

    /// The same from UTF-8 bytes (a file name's, a history row's): one pass, no Foundation, no allocation
    /// but the text's. It runs for every file and every history row on every command.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        var key: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var part = 0
        var current: UInt64 = 0
        var digits = 0
        var compact = true
        // Every part non-empty: no separator first, last, or twice in a row.
        var afterSeparator = true
        func endPart() {
            switch part {
            case 0: key.0 = current
            case 1: key.1 = current
            case 2: key.2 = current
            case 3: key.3 = current
            default: if current != 0 || digits > 0 { compact = false }  // a fifth part that counts
            }
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // Leading zeros don't count: `001` is `1`.
                if digits > 0 || byte != UInt8(ascii: "0") { digits += 1 }
                if digits > 18 { compact = false } else { current = current &* 10 &+ UInt64(byte &- 0x30) }
                afterSeparator = false
            case UInt8(ascii: "."), UInt8(ascii: "_"):
                if afterSeparator { return nil }
                endPart()
                part += 1
                current = 0
                digits = 0
                afterSeparator = true
            default:
                return nil
            }
        }
        if afterSeparator { return nil }
        endPart()
        self.key = key
        self.isCompact = compact
        text = MigrationNaming.text(of: bytes, underscoresAs: UInt8(ascii: "."))
    }

    public var description: String { text }

    /// The version as four numbers (missing parts are 0) when that is the whole of it: sorting these costs
    /// no reference counting. nil for any other version.
    var compactKey: (UInt64, UInt64, UInt64, UInt64)? {
        isCompact ? key : nil
    }

    /// Digits of each part without leading zeros ("" for 0), trailing zero parts removed: the slow path,
    /// for versions with a part longer than 18 digits.
    private var digitParts: [Substring] {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map { $0.drop(while: { $0 == "0" }) }
        while let last = parts.last, last.isEmpty { parts.removeLast() }
        return parts
    }

    public static func == (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool {
        if lhs.isCompact && rhs.isCompact { return lhs.key == rhs.key }
        // A long version is never equal to a compact one.
        if lhs.isCompact != rhs.isCompact { return false }
        return lhs.digitParts == rhs.digitParts
    }

    public func hash(into hasher: inout Hasher) {
        if isCompact {
            hasher.combine(key.0); hasher.combine(key.1); hasher.combine(key.2); hasher.combine(key.3)
        } else {
            hasher.combine(digitParts)
        }
    }

    public static func < (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool {
        if lhs.isCompact && rhs.isCompact { return lhs.key < rhs.key }
        let left = lhs.digitParts, right = rhs.digitParts
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : ""
            let b = index < right.count ? right[index] : ""
            if a.utf8.count != b.utf8.count { return a.utf8.count < b.utf8.count }
            if a != b { return a < b }
        }
        return false
    }
}

/// A migration version such as `1`, `1.1`, `2_0_3` or `001`, compared numerically part by part.
///
/// As in Flyway, `_` is shown as `.`, each part is an arbitrary-size non-negative integer, and trailing zero
/// parts do not count: `1.0 == 1`, `1.01 == 1.1`, `1.2.10 > 1.2.9`.
public struct MigrationVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The text stored in the history table's `version` column (`_` replaced by `.`, otherwise as written).
    public let text: String
    /// The parts as numbers, trailing zero parts removed, when every part has at most 18 digits (any real
    /// version): compared and hashed without looking at text. nil for longer parts, compared as digits.
    private let numbers: [UInt64]?

    /// Parses `1`, `1.2`, `1_2`, `2024.01.15`. Returns nil for anything else (`1.x`, `1..2`, ``).
    public init?(_ raw: String) {
        var raw = raw
        guard let version = raw.withUTF8({ MigrationVersion(bytes: $0) }) else { return nil }
        self = version
    }

    /// The same from UTF-8 bytes (a file name's, a history row's): one pass, no Foundation. It runs for
    /// every file and every history row on every command.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        var numbers: [UInt64] = []
        numbers.reserveCapacity(4)
        var current: UInt64 = 0
        var digits = 0
        var small = true
        // Every part non-empty: no separator first, last, or twice in a row.
        var afterSeparator = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // Leading zeros don't count: `001` is `1`.
                if digits > 0 || byte != UInt8(ascii: "0") { digits += 1 }
                if digits > 18 { small = false } else { current = current &* 10 &+ UInt64(byte &- 0x30) }
                afterSeparator = false
            case UInt8(ascii: "."), UInt8(ascii: "_"):
                if afterSeparator { return nil }
                numbers.append(current)
                current = 0
                digits = 0
                afterSeparator = true
            default:
                return nil
            }
        }
        if afterSeparator { return nil }
        numbers.append(current)
        while numbers.last == 0 { numbers.removeLast() }
        text = bytes.contains(UInt8(ascii: "_"))
            ? String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for (index, byte) in bytes.enumerated() { buffer[index] = byte == UInt8(ascii: "_") ? UInt8(ascii: ".") : byte }
                return bytes.count
            }
            : String(decoding: bytes, as: UTF8.self)
        self.numbers = small ? numbers : nil
    }

    public var description: String { text }

    /// The version as four numbers (missing parts are 0), for versions of at most four parts of at most 18
    /// digits: sorting these costs no reference counting. nil for any other version.
    var compactKey: (UInt64, UInt64, UInt64, UInt64)? {
        guard let numbers, numbers.count <= 4 else { return nil }
        func part(_ index: Int) -> UInt64 { index < numbers.count ? numbers[index] : 0 }
        return (part(0), part(1), part(2), part(3))
    }

    /// Digits of each part without leading zeros ("" for 0), trailing zero parts removed: the slow path,
    /// for versions with a part longer than 18 digits.
    private var digitParts: [Substring] {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map { $0.drop(while: { $0 == "0" }) }
        while let last = parts.last, last.isEmpty { parts.removeLast() }
        return parts
    }

    public static func == (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool {
        if let left = lhs.numbers, let right = rhs.numbers { return left == right }
        // A long part is never equal to a short one, so a small and a large version differ.
        if (lhs.numbers == nil) != (rhs.numbers == nil) { return false }
        return lhs.digitParts == rhs.digitParts
    }

    public func hash(into hasher: inout Hasher) {
        if let numbers { hasher.combine(numbers) } else { hasher.combine(digitParts) }
    }

    public static func < (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool {
        if let left = lhs.numbers, let right = rhs.numbers {
            for index in 0..<max(left.count, right.count) {
                let a = index < left.count ? left[index] : 0
                let b = index < right.count ? right[index] : 0
                if a != b { return a < b }
            }
            return false
        }
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

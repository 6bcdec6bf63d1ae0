/// A migration version such as `1`, `1.1`, `2_0_3` or `001`, compared numerically part by part.
///
/// As in Flyway, `_` is shown as `.`, each part is an arbitrary-size non-negative integer, and trailing zero
/// parts do not count: `1.0 == 1`, `1.01 == 1.1`, `1.2.10 > 1.2.9`.
public struct MigrationVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The text stored in the history table's `version` column (`_` replaced by `.`, otherwise as written).
    public let text: String
    /// Numeric parts without leading zeros ("" for 0), trailing zero parts removed.
    private let parts: [Substring]

    /// Parses `1`, `1.2`, `1_2`, `2024.01.15`. Returns nil for anything else (`1.x`, `1..2`, ``).
    public init?(_ raw: String) {
        var raw = raw
        guard let version = raw.withUTF8({ MigrationVersion(bytes: $0) }) else { return nil }
        self = version
    }

    /// The same from UTF-8 bytes (a file name's), without Foundation: this runs for every file.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return nil }
        let text = String(decoding: bytes.lazy.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
        var parts: [Substring] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            parts.append(part.drop(while: { $0 == "0" }))
        }
        while let last = parts.last, last.isEmpty { parts.removeLast() }
        self.text = text
        self.parts = parts
    }

    public var description: String { text }

    public static func == (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool { lhs.parts == rhs.parts }
    public func hash(into hasher: inout Hasher) { hasher.combine(parts) }

    public static func < (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool {
        for index in 0..<max(lhs.parts.count, rhs.parts.count) {
            let left = index < lhs.parts.count ? lhs.parts[index] : ""
            let right = index < rhs.parts.count ? rhs.parts[index] : ""
            if left.utf8.count != right.utf8.count { return left.utf8.count < right.utf8.count }
            if left != right { return left < right }
        }
        return false
    }
}

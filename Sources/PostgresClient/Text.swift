/// The few text operations the modules need beyond the standard library, so that nothing here pulls in the
/// full Foundation (and with it ICU, 36 MB of a static binary).

/// `%XX` sequences (and `+` when `plusIsSpace`) decoded as UTF-8, as URLs and form data write them.
public enum PercentEncoding {
    /// nil when a `%` is not followed by two hex digits or the result is not UTF-8.
    public static func decoded(_ text: some StringProtocol, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `text` with every byte but unreserved ASCII (`A-Z a-z 0-9 - . _ ~`) written as `%XX`: safe in any
    /// part of a URL.
    public static func encoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing white space (blanks and line breaks).
    public func trimmed() -> String {
        trimming(where: \.isWhitespace)
    }

    /// Without leading and trailing blanks (spaces and tabs); line breaks stay.
    public func trimmingBlanks() -> String {
        trimming { $0 == " " || $0 == "\t" }
    }

    private func trimming(where isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) }) else { return "" }
        return String(self[first...last])
    }
}

extension Connection {
    /// `items` as one text[] parameter, in PostgreSQL's array input syntax (`{"a","b"}`, quotes and backslashes escaped).
    public static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }
}

/// Milliseconds between two readings of the monotonic clock.
public struct Stopwatch: Sendable {
    private let start = ContinuousClock.now
    public init() {}
    public var milliseconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

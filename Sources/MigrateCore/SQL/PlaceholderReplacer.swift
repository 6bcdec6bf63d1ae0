import FoundationEssentials
import Glibc

/// Replaces `${name}` (configurable prefix/suffix) in script text. Names match case-insensitively.
///
/// A placeholder is the prefix, a name made of letters, digits, `_`, `.`, `:` and `-` (so built-ins such as
/// `${flyway:defaultSchema}` fit), and the suffix, all on one line. Text that looks like a prefix but does
/// not form a placeholder is left alone. Replacement happens everywhere, strings and comments included, as
/// in Flyway, and replaced values are not scanned again.
public struct PlaceholderReplacer: Sendable {
    private let values: [String: String]
    private let prefix: [UInt8]
    private let suffix: [UInt8]
    private let prefixText: String
    private let suffixText: String

    /// When two names differ only in case, the one that sorts last wins.
    public init(values: [String: String], prefix: String = "${", suffix: String = "}") {
        var lowered: [String: String] = [:]
        for name in values.keys.sorted() { lowered[name.lowercased()] = values[name] }
        self.values = lowered
        self.prefix = Array(prefix.utf8)
        self.suffix = Array(suffix.utf8)
        prefixText = prefix
        suffixText = suffix
    }

    /// Throws SQLScriptError naming file, line and placeholder when a name has no value.
    public func replace(in line: String, file: String, lineNumber: Int) throws -> String {
        let bytes = Array(line.utf8)
        let out = ByteBuffer()
        let changed = try bytes.withUnsafeBufferPointer {
            try replace($0, into: out, file: file, lineNumber: lineNumber, columnBase: 0)
        }
        return changed ? String(decoding: out.bytes, as: UTF8.self) : line
    }

    /// True when the prefix or suffix has a space or tab (then long lines must not be cut at blanks).
    var containsBlank: Bool {
        (prefix + suffix).contains { $0 == 0x20 || $0 == 0x09 }
    }

    /// Appends `text` with its placeholders replaced to `out` and returns true; returns false (and leaves
    /// `out` alone) when the text has no placeholder. `columnBase` is the scalars before `text` on its line.
    func replace(
        _ text: UnsafeBufferPointer<UInt8>, into out: ByteBuffer, file: String, lineNumber: Int, columnBase: Int
    ) throws -> Bool {
        guard let p = text.baseAddress, !prefix.isEmpty, text.count > prefix.count else { return false }
        let n = text.count
        var copied = 0
        var changed = false
        try forEachPlaceholder(p, n) { q, end, name in
            guard let value = values[name.lowercased()] else {
                throw SQLScriptError(
                    file: file, line: lineNumber, column: columnBase + TextDecoding.scalarCount(p, q) + 1,
                    message: "No value provided for placeholder \(prefixText)\(name)\(suffixText)")
            }
            out.append(p + copied, count: q - copied)
            var value8 = value
            value8.withUTF8 { out.append($0) }
            copied = end
            changed = true
            return true
        }
        if changed { out.append(p + copied, count: n - copied) }
        return changed
    }

    /// The 1-based column in `line` (the file's text) of what is at `column` once the line's placeholders are
    /// replaced. A column inside a replaced value maps to the placeholder's first character.
    public func originalColumn(of column: Int, in line: String) -> Int {
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int in
            guard let p = buffer.baseAddress, !prefix.isEmpty else { return column }
            let n = buffer.count
            let target = column - 1  // scalars before the position, after replacement
            var replacedScalars = 0, originalScalars = 0
            var copied = 0
            var insideValue: Int?
            forEachPlaceholder(p, n) { q, end, name in
                guard let value = values[name.lowercased()] else { return false }
                let verbatim = TextDecoding.scalarCount(p + copied, q - copied)
                if target < replacedScalars + verbatim { return false }
                replacedScalars += verbatim
                originalScalars += verbatim
                let valueScalars = value.unicodeScalars.count
                if target < replacedScalars + valueScalars { insideValue = originalScalars + 1; return false }
                replacedScalars += valueScalars
                copied = end
                originalScalars += TextDecoding.scalarCount(p + q, end - q)
                return true
            }
            return insideValue ?? originalScalars + (target - replacedScalars) + 1
        }
    }

    /// Calls `body(start, end, name)` for each placeholder in `p[0..<n]`, in order; `end` is just past its
    /// suffix. `body` returns false to stop.
    private func forEachPlaceholder(
        _ p: UnsafePointer<UInt8>, _ n: Int, _ body: (Int, Int, String) throws -> Bool
    ) rethrows {
        var i = 0
        while let q = ScriptSplitter.find(prefix[0], p, from: i, to: n) {
            guard let nameEnd = placeholderNameEnd(p, n, prefixAt: q) else {
                i = q + 1
                continue
            }
            let nameStart = q + prefix.count
            let name = String(decoding: UnsafeBufferPointer(start: p + nameStart, count: nameEnd - nameStart), as: UTF8.self)
            let end = nameEnd + suffix.count
            guard try body(q, end, name) else { return }
            i = end
        }
    }

    /// If a placeholder starts at `q`, the offset just past its name (where the suffix starts).
    private func placeholderNameEnd(_ p: UnsafePointer<UInt8>, _ n: Int, prefixAt q: Int) -> Int? {
        guard q + prefix.count <= n, matches(prefix, p, q) else { return nil }
        let nameStart = q + prefix.count
        var k = nameStart
        while k < n {
            if k > nameStart, !suffix.isEmpty, k + suffix.count <= n, matches(suffix, p, k) { return k }
            guard Self.isNameByte(p[k]) else { break }
            k += 1
        }
        return suffix.isEmpty && k > nameStart ? k : nil
    }

    private func matches(_ literal: [UInt8], _ p: UnsafePointer<UInt8>, _ at: Int) -> Bool {
        for (k, b) in literal.enumerated() where p[at + k] != b { return false }
        return true
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        ScriptSplitter.isAlphanumeric(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
            || b == UInt8(ascii: "-") || b >= 0x80
    }
}

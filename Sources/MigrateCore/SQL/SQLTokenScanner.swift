import FoundationEssentials
import Glibc

/// Just enough of PostgreSQL's lexer to read the leading words of one complete statement: comments and
/// whitespace are skipped, strings, dollar quotes and quoted identifiers are single tokens.
struct SQLTokenScanner {
    enum Token: Equatable {
        /// An identifier or keyword, ASCII-lowercased.
        case word(String)
        case quotedIdentifier
        /// A string, dollar-quoted string, number or `$n` parameter.
        case literal
        /// Any other single byte (`(`, `)`, `.`, `,`, `=`, `*` …).
        case symbol(UInt8)
    }

    private let p: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        p = bytes
    }

    /// Runs `body` with a scanner over `text`'s UTF-8, without copying a native string.
    static func withScanner<R>(over text: String, _ body: (inout SQLTokenScanner) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable({ bytes -> R in
            var scanner = SQLTokenScanner(bytes)
            return body(&scanner)
        }) {
            return result
        }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var scanner = SQLTokenScanner(buffer)
            return body(&scanner)
        }
    }

    mutating func next() -> Token? {
        let n = p.count
        while i < n {
            let b = p[i]
            if ScriptSplitter.isSpace(b) {
                i += 1
            } else if b == UInt8(ascii: "-"), at(i + 1) == UInt8(ascii: "-") {
                while i < n, p[i] != 0x0A, p[i] != 0x0D { i += 1 }
            } else if b == UInt8(ascii: "/"), at(i + 1) == UInt8(ascii: "*") {
                skipBlockComment()
            } else {
                break
            }
        }
        guard i < n else { return nil }
        let b = p[i]
        switch b {
        case UInt8(ascii: "'"):
            skipQuoted(UInt8(ascii: "'"), from: i + 1, backslashEscapes: false)
            return .literal
        case UInt8(ascii: "\""):
            skipQuoted(UInt8(ascii: "\""), from: i + 1, backslashEscapes: false)
            return .quotedIdentifier
        case UInt8(ascii: "$"):
            if let close = p.baseAddress.flatMap({ ScriptSplitter.dollarTagEnd($0, i, n) }) {
                skipDollarQuoted(tagStart: i, tagEnd: close)
                return .literal
            }
            i += 1
            if let d = at(i), d &- UInt8(ascii: "0") < 10 {
                while let d = at(i), ScriptSplitter.isAlphanumeric(d) { i += 1 }
                return .literal
            }
            return .symbol(b)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            while let d = at(i), ScriptSplitter.isAlphanumeric(d) || d == UInt8(ascii: ".") { i += 1 }
            return .literal
        default:
            guard ScriptSplitter.isIdentifierStart(b) else {
                i += 1
                return .symbol(b)
            }
            let lower = b | 0x20
            if at(i + 1) == UInt8(ascii: "'") {
                if lower == UInt8(ascii: "e") {
                    skipQuoted(UInt8(ascii: "'"), from: i + 2, backslashEscapes: true)
                    return .literal
                }
                if lower == UInt8(ascii: "b") || lower == UInt8(ascii: "x") || lower == UInt8(ascii: "n") {
                    skipQuoted(UInt8(ascii: "'"), from: i + 2, backslashEscapes: false)
                    return .literal
                }
            }
            if lower == UInt8(ascii: "u"), at(i + 1) == UInt8(ascii: "&") {
                if at(i + 2) == UInt8(ascii: "'") {
                    skipQuoted(UInt8(ascii: "'"), from: i + 3, backslashEscapes: false)
                    return .literal
                }
                if at(i + 2) == UInt8(ascii: "\"") {
                    skipQuoted(UInt8(ascii: "\""), from: i + 3, backslashEscapes: false)
                    return .quotedIdentifier
                }
            }
            let start = i
            i += 1
            while let c = at(i), ScriptSplitter.isIdentifierByte(c) { i += 1 }
            let word = p[start..<i].map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }
            return .word(String(decoding: word, as: UTF8.self))
        }
    }

    /// The next `count` tokens (fewer at the end of the text).
    mutating func prefix(_ count: Int) -> [Token] {
        var tokens: [Token] = []
        while tokens.count < count, let token = next() { tokens.append(token) }
        return tokens
    }

    @inline(__always)
    private func at(_ k: Int) -> UInt8? { k < p.count ? p[k] : nil }

    private mutating func skipQuoted(_ quote: UInt8, from start: Int, backslashEscapes: Bool) {
        i = start
        while let c = at(i) {
            if backslashEscapes, c == UInt8(ascii: "\\") {
                i += 2
            } else if c == quote {
                i += 1
                guard at(i) == quote else { return }
                i += 1
            } else {
                i += 1
            }
        }
        i = min(i, p.count)
    }

    private mutating func skipDollarQuoted(tagStart: Int, tagEnd: Int) {
        let tag = p[tagStart...tagEnd]
        var k = tagEnd + 1
        while k + tag.count <= p.count {
            if p[k] == UInt8(ascii: "$"), p[k..<(k + tag.count)].elementsEqual(tag) {
                i = k + tag.count
                return
            }
            k += 1
        }
        i = p.count
    }

    private mutating func skipBlockComment() {
        var depth = 0
        i += 2
        while let c = at(i) {
            if c == UInt8(ascii: "*"), at(i + 1) == UInt8(ascii: "/") {
                i += 2
                if depth == 0 { return }
                depth -= 1
            } else if c == UInt8(ascii: "/"), at(i + 1) == UInt8(ascii: "*") {
                depth += 1
                i += 2
            } else {
                i += 1
            }
        }
    }
}

/// The line where each key of a TOML document is written.
///
/// TOMLKit reports positions for syntax errors only, so keys are found here in the text. The text has
/// already been parsed by TOMLKit, so it is valid TOML and this scan only follows its structure: headers,
/// keys (bare, quoted, dotted), and values to step over (strings of the four kinds, arrays, inline tables).
struct TOMLKeyLines: Sendable {
    /// Each written path (table header or key, from the root) and its 1-based line; the first one wins.
    private var lines: [[String]: Int] = [:]

    init(_ text: String) {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.scanDocument { path, line in
            if lines[path] == nil { lines[path] = line }
        }
    }

    func line(of path: [String]) -> Int {
        var ancestor = path
        while !ancestor.isEmpty {
            if let line = lines[ancestor] { return line }
            ancestor.removeLast()
        }
        let descendants = lines.filter { $0.key.starts(with: path) }.map(\.value)
        return descendants.min() ?? 1
    }

    private struct Scanner {
        let text: [Unicode.Scalar]
        var index = 0
        var line = 1

        init(_ text: [Unicode.Scalar]) { self.text = text }

        var current: Unicode.Scalar? { index < text.count ? text[index] : nil }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < text.count ? text[index + offset] : nil
        }

        func starts(with prefix: String) -> Bool {
            var offset = 0
            for scalar in prefix.unicodeScalars {
                guard peek(offset) == scalar else { return false }
                offset += 1
            }
            return true
        }

        /// Steps over one scalar, counting lines.
        mutating func advance(_ count: Int = 1) {
            for _ in 0..<count where index < text.count {
                if text[index] == "\n" { line += 1 }
                index += 1
            }
        }

        mutating func skipBlanks() {
            while current == " " || current == "\t" { advance() }
        }

        /// Blanks, line breaks and comments, as found between the items of an array.
        mutating func skipSpace() {
            while let scalar = current {
                if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                    advance()
                } else if scalar == "#" {
                    skipComment()
                } else {
                    return
                }
            }
        }

        mutating func skipComment() {
            while let scalar = current, scalar != "\n" { advance() }
        }

        mutating func scanDocument(_ record: (_ path: [String], _ line: Int) -> Void) {
            var table: [String] = []
            while index < text.count {
                skipSpace()
                guard let scalar = current else { return }
                if scalar == "[" {
                    let arrayOfTables = peek(1) == "["
                    advance(arrayOfTables ? 2 : 1)
                    let headerLine = line
                    table = keyPath()
                    record(table, headerLine)
                    advance(arrayOfTables ? 2 : 1)  // `]` or `]]`
                } else {
                    let start = index
                    keyValue(under: table, record)
                    if index == start { advance() }  // never stall on something unexpected
                }
            }
        }

        /// `key = value`, recording the key (and those of an inline table in the value).
        mutating func keyValue(under parent: [String], _ record: (_ path: [String], _ line: Int) -> Void) {
            let keyLine = line
            let path = parent + keyPath()
            record(path, keyLine)
            skipBlanks()
            if current == "=" { advance() }
            skipBlanks()
            value(under: path, record)
        }

        /// A dotted key: bare, "basic" or 'literal' parts separated by dots (blanks allowed around them).
        mutating func keyPath() -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                switch current {
                case "\"": parts.append(basicString())
                case "'": parts.append(literalString())
                default:
                    var part = ""
                    while let scalar = current, Self.isBareKeyScalar(scalar) {
                        part.unicodeScalars.append(scalar)
                        advance()
                    }
                    parts.append(part)
                }
                skipBlanks()
                guard current == "." else { return parts }
                advance()
            }
        }

        static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar == "-" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar)
        }

        /// Steps over a value; keys of an inline table are recorded under `path`.
        mutating func value(under path: [String], _ record: (_ path: [String], _ line: Int) -> Void) {
            switch current {
            case "\"":
                if starts(with: "\"\"\"") { skipMultiline(quote: "\"") } else { _ = basicString() }
            case "'":
                if starts(with: "'''") { skipMultiline(quote: "'") } else { _ = literalString() }
            case "[":
                advance()
                while true {
                    skipSpace()
                    guard let scalar = current, scalar != "]" else { break }
                    if scalar == "," { advance(); continue }
                    let start = index
                    value(under: path, { _, _ in })  // tables in arrays are not settings
                    if index == start { advance() }
                }
                advance()
            case "{":
                advance()
                while true {
                    skipSpace()
                    guard let scalar = current, scalar != "}" else { break }
                    if scalar == "," { advance(); continue }
                    let start = index
                    keyValue(under: path, record)
                    if index == start { advance() }
                }
                advance()
            default:
                while let scalar = current, !" \t\r\n,]}#".unicodeScalars.contains(scalar) { advance() }
            }
        }

        /// A one-line "basic" string, its escapes decoded (a quoted key's text).
        mutating func basicString() -> String {
            advance()
            var result = ""
            while let scalar = current, scalar != "\"", scalar != "\n" {
                advance()
                guard scalar == "\\", let escaped = current else {
                    result.unicodeScalars.append(scalar)
                    continue
                }
                advance()
                switch escaped {
                case "b": result += "\u{8}"
                case "t": result += "\t"
                case "n": result += "\n"
                case "f": result += "\u{C}"
                case "r": result += "\r"
                case "e": result += "\u{1B}"
                case "u", "U", "x":
                    let length = escaped == "u" ? 4 : escaped == "U" ? 8 : 2
                    var digits = ""
                    for _ in 0..<length {
                        guard let digit = current, digit.properties.isASCIIHexDigit else { break }
                        digits.unicodeScalars.append(digit)
                        advance()
                    }
                    if let code = UInt32(digits, radix: 16), let decoded = Unicode.Scalar(code) {
                        result.unicodeScalars.append(decoded)
                    }
                default: result.unicodeScalars.append(escaped)
                }
            }
            advance()
            return result
        }

        /// A one-line 'literal' string: no escapes.
        mutating func literalString() -> String {
            advance()
            var result = ""
            while let scalar = current, scalar != "'", scalar != "\n" {
                result.unicodeScalars.append(scalar)
                advance()
            }
            advance()
            return result
        }

        /// A `"""` or `'''` string, which may hold line breaks and, before its end, up to two more quotes.
        mutating func skipMultiline(quote: Unicode.Scalar) {
            let delimiter = String(repeating: String(quote), count: 3)
            advance(3)
            while current != nil, !starts(with: delimiter) {
                if quote == "\"" && current == "\\" { advance() }
                advance()
            }
            advance(3)
            var extra = 0
            while extra < 2, current == quote {
                advance()
                extra += 1
            }
        }
    }
}

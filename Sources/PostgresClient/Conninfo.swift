/// libpq's keyword/value connection strings (`host=db port=5432 password='a b'`), walked as libpq's conninfo
/// parser walks its bytes: `keyword = value` pairs separated by C's `isspace` blanks; a value single-quoted or
/// up to the next blank, `\` escaping the next character. Unicode scalars stand for libpq's bytes.
public enum Conninfo {
    public struct Pair {
        public let keyword: String
        /// The value as written (with its quotes, when quoted).
        public let value: Range<String.Index>
    }

    /// Where libpq would stop with an error.
    public enum Stop: Equatable {
        case missingEquals(keyword: String)
        case unterminatedQuote(keyword: String)
    }

    /// The pairs of `text` in order, up to where libpq would stop (nil: nowhere).
    public static func pairs(in text: String.UnicodeScalarView) -> (pairs: [Pair], stop: Stop?) {
        func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || ("\t"..."\r").contains(scalar) }
        var pairs: [Pair] = []
        var index = text.startIndex
        func skipBlanks() { while index < text.endIndex, isBlank(text[index]) { text.formIndex(after: &index) } }
        while true {
            skipBlanks()
            guard index < text.endIndex else { return (pairs, nil) }
            let keywordStart = index
            while index < text.endIndex, text[index] != "=", !isBlank(text[index]) { text.formIndex(after: &index) }
            let keyword = String(String.UnicodeScalarView(text[keywordStart..<index]))
            skipBlanks()
            guard index < text.endIndex, text[index] == "=" else { return (pairs, .missingEquals(keyword: keyword)) }
            text.formIndex(after: &index)
            skipBlanks()
            let valueStart = index
            let quoted = index < text.endIndex && text[index] == "'"
            if quoted { text.formIndex(after: &index) }
            var closed = !quoted
            while index < text.endIndex {
                let scalar = text[index]
                if quoted, scalar == "'" {
                    text.formIndex(after: &index)
                    closed = true
                    break
                }
                if !quoted, isBlank(scalar) { break }
                if scalar == "\\", text.index(after: index) < text.endIndex { text.formIndex(after: &index) }
                text.formIndex(after: &index)
            }
            pairs.append(Pair(keyword: keyword, value: valueStart..<index))
            guard closed else { return (pairs, .unterminatedQuote(keyword: keyword)) }
        }
    }
}

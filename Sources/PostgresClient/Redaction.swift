import FoundationEssentials
import Glibc

/// Hides secrets where they sit as values, never by searching prose for a password's text (which
/// mangles every word containing a short password, and so reveals it).
///
/// `mask` hides, by shape alone:
/// - the password in a URL's userinfo, `scheme://user:password@host` (`postgres://`, `jdbc:postgresql://`…);
/// - the value after `=` of a name ending in `password` (`password`, `sslpassword`, `PGPASSWORD`): in a URL
///   query up to `&`; otherwise, as in a libpq conninfo string, bare up to a blank or single-quoted with
///   backslash escapes.
///
/// `maskedURL` masks the same in the value of a url setting, read whole: there blanks do not end a password.
///
/// `maskMessage` also hides quoted tokens ("…" or '…') that are a known secret or part of one, for
/// messages that echo values: libpq's connection errors quote pieces of the conninfo string
/// (`missing "=" after "cret"`), configuration errors quote the offending value.
public struct SecretMasker: Sendable {
    /// What a secret is replaced with.
    public static let replacement = "***"

    private let secrets: [String]

    public init(secrets: [String]) {
        self.secrets = secrets.filter { !$0.isEmpty }
    }

    /// `text` with every secret found by shape masked; for every line of output.
    public func mask(_ text: String) -> String {
        // Most text holds neither a URL nor a `name=value` pair: one pass over its bytes says so.
        guard Self.mayHoldSecret(text) else { return text }
        return Self.replacing(Self.secretRanges(in: text), in: text)
    }

    /// A connection url (the value of a url setting, not a line of prose) with its passwords masked. Read
    /// whole, as pgjdbc and libpq read it: a query value runs to the next `&` and the userinfo to the first
    /// `/`, blanks included (`?password=correct horse` is one password).
    public static func maskedURL(_ url: String) -> String {
        replacing(secretRanges(in: url, wholeURL: true), in: url)
    }

    /// Whether `text` contains `=` or `://`, the only places `mask` looks for secrets.
    static func mayHoldSecret(_ text: String) -> Bool {
        var last: UInt8 = 0, beforeLast: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { return true }
            if byte == UInt8(ascii: "/"), last == UInt8(ascii: "/"), beforeLast == UInt8(ascii: ":") { return true }
            beforeLast = last
            last = byte
        }
        return false
    }

    /// `mask`, plus quoted tokens that are (part of) a known secret; for error messages that echo values.
    public func maskMessage(_ text: String) -> String {
        let masked = mask(text)
        let text = masked.unicodeScalars
        var ranges: [Range<String.Index>] = []
        var index = text.startIndex
        // A quote opens a token unless a letter or digit precedes it (an apostrophe, as in "Flyway's").
        while let open = text[index...].firstIndex(where: { $0 == "\"" || $0 == "'" }) {
            let start = text.index(after: open)
            index = start
            if open > text.startIndex, Self.isWordCharacter(text[text.index(before: open)]) { continue }
            guard let close = text[start...].indices.first(where: { closing in
                text[closing] == text[open]
                    && (text.index(after: closing) == text.endIndex || !Self.isWordCharacter(text[text.index(after: closing)]))
            }) else { break }
            let token = String(String.UnicodeScalarView(text[start..<close]))
            if !token.isEmpty, secrets.contains(where: { Self.shares(token, with: $0) }) {
                ranges.append(start..<close)
            }
            index = text.index(after: close)
        }
        return Self.replacing(ranges, in: masked)
    }

    /// Every secret `maskedURL` finds in the connection url `text`, as written and decoded (quotes and escapes
    /// removed, `%XX` decoded, `+` as a space too), so a known-secret rule recognises whichever form got echoed.
    public static func secrets(in text: String) -> [String] {
        var found: [String] = []
        for range in secretRanges(in: text, wholeURL: true) {
            let raw = String(String.UnicodeScalarView(text.unicodeScalars[range]))
            found += [raw, unquoted(raw), PercentEncoding.decoded(raw, plusIsSpace: false),
                      PercentEncoding.decoded(raw, plusIsSpace: true)].compactMap { $0 }
        }
        var unique: [String] = []
        for secret in found where !secret.isEmpty && !unique.contains(secret) { unique.append(secret) }
        // A part of another secret adds nothing (libpq's reading of `password=se cret` is `se`).
        return unique.filter { secret in !unique.contains { $0 != secret && $0.unicodeScalars.contains(secret.unicodeScalars) } }
    }

    /// Whether a setting or parameter called `name` holds a secret: `password`, `sslpassword`, `PGPASSWORD`…
    public static func isSecretName(_ name: some StringProtocol) -> Bool {
        name.lowercased().hasSuffix("password")
    }

    // MARK: Finding secrets
    //
    // On unicode scalars, as libpq and pgjdbc read the text: as Characters, a combining mark after `=` or a
    // quote would join it into one Character and hide it (`password=\u{301}…`).

    /// Where secrets sit in `text` (they may overlap). `wholeURL`: `text` is one url, so blanks do
    /// not end its parts as they end a url in prose.
    static func secretRanges(in text: String, wholeURL: Bool = false) -> [Range<String.Index>] {
        let text = text.unicodeScalars
        var ranges: [Range<String.Index>] = []
        // Userinfo: between the first ':' and the last '@' of the authority, which ends at '/' or a blank.
        var from = text.startIndex
        while let slashes = text[from...].firstRange(of: "://".unicodeScalars) {
            let end = text[slashes.upperBound...].firstIndex { $0 == "/" || (!wholeURL && isWhitespace($0)) } ?? text.endIndex
            let authority = text[slashes.upperBound..<end]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                ranges.append(text.index(after: colon)..<at)
            }
            from = end
        }
        // `name=value` pairs whose name is a secret's.
        var index = text.startIndex
        while let equals = text[index...].firstIndex(of: "=") {
            index = text.index(after: equals)
            var nameEnd = equals
            // libpq allows any white space around `=` (isspace: line breaks too).
            while nameEnd > text.startIndex, isWhitespace(text[text.index(before: nameEnd)]) { nameEnd = text.index(before: nameEnd) }
            var nameStart = nameEnd
            while nameStart > text.startIndex, isNameCharacter(text[text.index(before: nameStart)]) {
                nameStart = text.index(before: nameStart)
            }
            let name = String(String.UnicodeScalarView(text[nameStart..<nameEnd]))
            guard !name.isEmpty, isSecretName(PercentEncoding.decoded(name, plusIsSpace: false) ?? name) else { continue }
            let inQuery = nameStart > text.startIndex && "?&".unicodeScalars.contains(text[text.index(before: nameStart)])
            let value = inQuery ? queryValue(in: text, from: index, wholeURL: wholeURL) : conninfoValue(in: text, from: index)
            if !value.isEmpty { ranges.append(value) }
            index = max(index, value.upperBound)
        }
        // Read pair by pair as pgjdbc and libpq read them, a value may hold what looks like another pair.
        if wholeURL { ranges += queryPasswords(in: text) + conninfoPasswords(in: text) }
        return ranges
    }

    /// The values of password parameters in a url's query (after its first `?`), each up to the next `&`.
    private static func queryPasswords(in text: String.UnicodeScalarView) -> [Range<String.Index>] {
        guard let question = text.firstIndex(of: "?") else { return [] }
        var ranges: [Range<String.Index>] = []
        var pairStart = text.index(after: question)
        while pairStart <= text.endIndex {
            let pairEnd = text[pairStart...].firstIndex(of: "&") ?? text.endIndex
            if let equals = text[pairStart..<pairEnd].firstIndex(of: "=") {
                let name = String(String.UnicodeScalarView(text[pairStart..<equals]))
                if isSecretName(PercentEncoding.decoded(name, plusIsSpace: true) ?? name) {
                    ranges.append(text.index(after: equals)..<pairEnd)
                }
            }
            guard pairEnd < text.endIndex else { break }
            pairStart = text.index(after: pairEnd)
        }
        return ranges
    }

    /// The values of libpq's password keywords in a keyword string, up to where libpq would stop.
    private static func conninfoPasswords(in text: String.UnicodeScalarView) -> [Range<String.Index>] {
        Conninfo.pairs(in: text).pairs.filter { $0.keyword == "password" || $0.keyword == "sslpassword" }.map(\.value)
    }

    /// A URL query value: up to `&` or (in prose) a blank.
    private static func queryValue(in text: String.UnicodeScalarView, from start: String.Index, wholeURL: Bool) -> Range<String.Index> {
        start..<(text[start...].firstIndex { $0 == "&" || (!wholeURL && isWhitespace($0)) } ?? text.endIndex)
    }

    /// A conninfo value after optional white space: single-quoted with backslash escapes (quotes included), or
    /// bare up to a blank. Words after a bare value up to the next `keyword=` belong to no keyword: they
    /// are the rest of a password with a space in it, which libpq rejects and echoes, so they count too.
    private static func conninfoValue(in text: String.UnicodeScalarView, from start: String.Index) -> Range<String.Index> {
        guard let start = text[start...].firstIndex(where: { !isWhitespace($0) }) else { return text.endIndex..<text.endIndex }
        guard text[start] == "'" else {
            var end = text[start...].firstIndex(where: isWhitespace) ?? text.endIndex
            while let word = text[end...].firstIndex(where: { !isBlank($0) }), word > end, !isWhitespace(text[word]) {
                let wordEnd = text[word...].firstIndex { isWhitespace($0) || $0 == "=" } ?? text.endIndex
                if text[wordEnd...].first(where: { !isBlank($0) }) == "=" { break }
                end = wordEnd
            }
            return start..<end
        }
        var index = text.index(after: start)
        while index < text.endIndex, text[index] != "'" {
            if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
            index = text.index(after: index)
        }
        return start..<(index < text.endIndex ? text.index(after: index) : index)
    }

    /// A conninfo value without its quotes and escapes; nil if it was not quoted.
    private static func unquoted(_ value: String) -> String? {
        let scalars = value.unicodeScalars
        guard scalars.count >= 2, scalars.first == "'", scalars.last == "'" else { return nil }
        var result = String.UnicodeScalarView()
        var escaped = false
        for scalar in scalars.dropFirst().dropLast() {
            if scalar == "\\", !escaped { escaped = true; continue }
            result.append(scalar)
            escaped = false
        }
        return String(result)
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isWordCharacter(scalar) || scalar == "_" || scalar == "-" || scalar == "%"
    }

    /// Whether an echoed `token` is (a piece of) `secret`, or runs on from its end or into its start: a parser
    /// that cuts a url elsewhere than the masker (a port that starts inside a password, say) echoes such pieces.
    /// An overlap counts from 4 scalars, so a short word that happens to start or end a secret is kept.
    private static func shares(_ token: String, with secret: String) -> Bool {
        let token = Array(token.unicodeScalars), secret = Array(secret.unicodeScalars)
        if secret.count >= token.count, secret.indices.contains(where: { secret[$0...].starts(with: token) }) { return true }
        let longest = min(token.count, secret.count) - 1
        guard longest >= 4 else { return false }
        for length in stride(from: longest, through: 4, by: -1)
        where token.prefix(length).elementsEqual(secret.suffix(length)) || token.suffix(length).elementsEqual(secret.prefix(length)) {
            return true
        }
        return false
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func merged(_ ranges: [Range<String.Index>]) -> [Range<String.Index>] {
        var result: [Range<String.Index>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// `text` with `ranges` (of unicode scalars) replaced.
    private static func replacing(_ ranges: [Range<String.Index>], in text: String) -> String {
        var result = text.unicodeScalars
        for range in merged(ranges).reversed() { result.replaceSubrange(range, with: replacement.unicodeScalars) }
        return String(result)
    }
}

/// The secrets among libpq connection parameters: values of password keywords, and those inside a URI
/// or conninfo string given as "dbname".
func secrets(inConnectionParameters parameters: [(String, String)]) -> [String] {
    parameters.flatMap { keyword, value in
        SecretMasker.isSecretName(keyword) ? [value] : keyword == "dbname" ? SecretMasker.secrets(in: value) : []
    }
}

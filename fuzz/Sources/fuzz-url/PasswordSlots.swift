import PostgresClient

/// Where a url holds passwords, as the parsers that read it see them (pgjdbc's and libpq's rules, written
/// here independently of the masker): the userinfo password, `password=` and `sslpassword=` query values, and
/// the values of those keywords in a keyword string. Ranges of UTF-8 offsets.
struct PasswordSlots {
    private(set) var ranges: [Range<Int>] = []
    /// The parameters libpq and pgjdbc take a password from (pgjdbc's in any case).
    private static let passwordKeywords: Set<String> = ["password", "sslpassword"]

    init(_ text: String) {
        let bytes = Array(text.utf8)
        let lowered = Array(text.lowercased().utf8)
        func starts(with prefix: String) -> Bool { lowered.starts(with: prefix.utf8) }
        if starts(with: "jdbc:postgresql://") {
            readURL(bytes, from: "jdbc:postgresql://".utf8.count, authorityEnds: "/?", firstAt: false)
        } else if starts(with: "postgres://") || starts(with: "postgresql://") {
            // libpq looks for the userinfo's `@` up to the first `/` only, and takes the first `@`.
            readURL(bytes, from: starts(with: "postgres://") ? 11 : 13, authorityEnds: "/", firstAt: true)
        } else if !starts(with: "jdbc:") {
            readKeywords(bytes)
        }
    }

    /// Whether `needle` occurs in `text`, and only inside slots.
    func hold(everyOccurrenceOf needle: String, in text: String) -> Bool {
        let bytes = Array(text.utf8), pattern = Array(needle.utf8)
        var found = false
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
            found = true
            let occurrence = start..<(start + pattern.count)
            guard ranges.contains(where: { $0.lowerBound <= occurrence.lowerBound && occurrence.upperBound <= $0.upperBound }) else {
                return false
            }
        }
        return found
    }

    private mutating func readURL(_ bytes: [UInt8], from start: Int, authorityEnds: String, firstAt: Bool) {
        let ends = Set(authorityEnds.utf8)
        let authorityEnd = bytes[start...].firstIndex { ends.contains($0) } ?? bytes.count
        let authority = bytes[start..<authorityEnd]
        let at = firstAt ? authority.firstIndex(of: UInt8(ascii: "@")) : authority.lastIndex(of: UInt8(ascii: "@"))
        if let at, let colon = bytes[start..<at].firstIndex(of: UInt8(ascii: ":")) {
            ranges.append((colon + 1)..<at)
        }
        guard let question = bytes[start...].firstIndex(of: UInt8(ascii: "?")) else { return }
        var pairStart = question + 1
        while pairStart <= bytes.count {
            let pairEnd = bytes[pairStart...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if let equals = bytes[pairStart..<pairEnd].firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: bytes[pairStart..<equals], as: UTF8.self)
                if Self.passwordKeywords.contains((PercentEncoding.decoded(name, plusIsSpace: true) ?? name).lowercased()) {
                    ranges.append((equals + 1)..<pairEnd)
                }
            }
            pairStart = pairEnd + 1
        }
    }

    /// libpq's conninfo syntax: `keyword = value`, the value single-quoted or up to a blank, `\` escaping.
    private mutating func readKeywords(_ bytes: [UInt8]) {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        var i = 0
        while i < bytes.count {
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            let keywordStart = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "="), !isSpace(bytes[i]) { i += 1 }
            let keyword = String(decoding: bytes[keywordStart..<i], as: UTF8.self)
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { return }
            i += 1
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            let valueStart = i
            let quoted = i < bytes.count && bytes[i] == UInt8(ascii: "'")
            if quoted { i += 1 }
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                if quoted, bytes[i] == UInt8(ascii: "'") { i += 1; break }
                if !quoted, isSpace(bytes[i]) { break }
                i += 1
            }
            i = min(i, bytes.count)
            if Self.passwordKeywords.contains(keyword) { ranges.append(valueStart..<i) }
        }
    }
}

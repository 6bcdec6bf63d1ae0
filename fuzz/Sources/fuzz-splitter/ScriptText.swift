import FoundationEssentials
import FuzzSupport
@testable import MigrateCore

/// A script as the splitter sees it: decoded to UTF-8, its placeholders replaced, cut into lines the way
/// the reader cuts them (`\n`, `\r\n` or a lone `\r`). Built independently of the reader.
struct ScriptText {
    let bytes: [UInt8]
    /// Offset of each line's first byte, of its terminator, and just past it.
    private(set) var lines: [(start: Int, contentEnd: Int, end: Int)] = []

    /// nil when the script cannot be decoded or has a placeholder without a value (the reader reports those).
    init?(_ raw: [UInt8], encoding: String.Encoding, placeholders: PlaceholderReplacer?) {
        var decoded: [UInt8]
        switch encoding {
        case .isoLatin1, .windowsCP1252:
            let buffer = ByteBuffer()
            let failed = raw.withUnsafeBufferPointer { input in
                input.baseAddress.map { TextDecoding.transcodeSingleByte($0, input.count, cp1252: encoding == .windowsCP1252, into: buffer) } ?? nil
            }
            guard failed == nil else { return nil }
            decoded = Array(buffer.bytes)
        default:
            guard String(validating: raw, as: UTF8.self) != nil else { return nil }
            decoded = raw
            if decoded.starts(with: [0xEF, 0xBB, 0xBF]) { decoded.removeFirst(3) }
        }
        var lines = Self.lines(of: decoded)
        if let placeholders {
            var replaced: [UInt8] = []
            for (number, line) in lines.enumerated() {
                let content = String(decoding: decoded[line.start..<line.contentEnd], as: UTF8.self)
                guard let text = try? placeholders.replace(in: content, file: "", lineNumber: number + 1) else { return nil }
                replaced += Array(text.utf8) + decoded[line.contentEnd..<line.end]
            }
            decoded = replaced
            lines = Self.lines(of: decoded)
        }
        bytes = decoded
        self.lines = lines
    }

    private static func lines(of bytes: [UInt8]) -> [(start: Int, contentEnd: Int, end: Int)] {
        var lines: [(start: Int, contentEnd: Int, end: Int)] = []
        var start = 0, i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A || bytes[i] == 0x0D {
                let end = bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A ? i + 2 : i + 1
                lines.append((start, i, end))
                start = end
                i = end
            } else {
                i += 1
            }
        }
        if start < bytes.count { lines.append((start, bytes.count, bytes.count)) }
        return lines
    }

    /// The byte offset of 1-based `line` and `column` (in unicode scalars); nil when there is none.
    func offset(line: Int, column: Int) -> Int? {
        guard line >= 1, line <= lines.count, column >= 1 else { return nil }
        var offset = lines[line - 1].start, scalars = 1
        while scalars < column {
            guard offset < lines[line - 1].end else { return nil }
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            scalars += 1
        }
        return offset
    }

    func lineNumber(at offset: Int) -> Int {
        (lines.firstIndex { offset < $0.end } ?? lines.count - 1) + 1
    }

    // MARK: The properties

    func check(_ outcome: Outcome) {
        var located: [(range: Range<Int>, statement: SQLStatement)] = []
        var ignoredLines = Set<Int>()
        // For a line ending in `COPY … FROM stdin;`: where the script goes on after the data. What follows the
        // `;` on that line is split after the data, as psql does, so a statement begun there goes on there.
        var resumes: [Int: Int] = [:]
        var elements = outcome.elements[...]
        while let element = elements.popFirst() {
            guard case .statement(let statement) = element else {
                require(false, "\(element) outside COPY data")
                return
            }
            guard let start = offset(line: statement.line, column: statement.column),
                  let (ranges, semicolon) = locate(Array(statement.text.utf8), at: start, resumes: resumes) else {
                require(false, "\(statement) is not the text at its line and column")
                return
            }
            located += ranges.map { ($0, statement) }
            checkSplitAlone(statement, terminated: semicolon != nil)
            if statement.isCopyFromStdin {
                let line = semicolon.map(lineNumber) ?? lines.count
                let dataStart = resumes[line].map { $0 < bytes.count ? lineNumber(at: $0) : lines.count + 1 } ?? line + 1
                let dataLines = checkCopyData(&elements, from: dataStart, failed: outcome.error != nil)
                ignoredLines.formUnion(dataLines)
                let after = (dataLines.max() ?? dataStart - 1) + 1
                resumes[line] = after <= lines.count ? lines[after - 1].start : bytes.count
            }
        }
        located.sort { $0.range.lowerBound < $1.range.lowerBound }
        var previousEnd = 0
        for (range, statement) in located {
            require(range.lowerBound >= previousEnd, "\(statement) overlaps the statement before it")
            checkGap(previousEnd..<range.lowerBound, ignoring: ignoredLines)
            previousEnd = range.upperBound
        }
        if outcome.error == nil { checkGap(previousEnd..<bytes.count, ignoring: ignoredLines) }
    }

    /// Where `text` sits when it starts at `start`, and the offset of the `;` that ended it (nil for a last
    /// statement without one): in one piece, or (begun after a COPY on its line) up to that line's end and
    /// then from where the script resumes after the data.
    private func locate(_ text: [UInt8], at start: Int, resumes: [Int: Int]) -> (ranges: [Range<Int>], semicolon: Int?)? {
        func semicolon(at offset: Int) -> Int? { offset < bytes.count && bytes[offset] == UInt8(ascii: ";") ? offset : nil }
        let line = lineNumber(at: start)
        let resume = resumes[line]
        // After a COPY on its line, the data lines follow: a statement there cannot run on into them.
        if bytes[start...].starts(with: text), resume == nil || start + text.count <= lines[line - 1].end {
            let end = start + text.count
            // Up to the end of the COPY's line and no further: its `;` may open what follows the data.
            let after = end == lines[line - 1].end ? resume.flatMap(semicolon) : nil
            return ([start..<end], semicolon(at: end) ?? after)
        }
        guard let resume else { return nil }
        let first = bytes[start..<lines[line - 1].end]
        guard text.starts(with: first), bytes[resume...].starts(with: text[first.count...]) else { return nil }
        let end = resume + text.count - first.count
        return ([start..<lines[line - 1].end, resume..<end], semicolon(at: end))
    }

    /// A statement split again on its own (with its `;` if it had one) is the same statement. It goes on a
    /// second line: a U+FEFF starting the first line would be read as a byte order mark.
    private func checkSplitAlone(_ statement: SQLStatement, terminated: Bool) {
        let alone = statements(in: "\n" + statement.text + (terminated ? ";" : ""))
        let expected = SQLStatement(text: statement.text, line: 2, column: 1, isCopyFromStdin: statement.isCopyFromStdin)
        require(alone == [expected], "\(statement) split on its own gives \(String(describing: alone))")
    }

    /// The `.copyData` rows after a COPY are the lines from `firstLine` up to the `\.` line or the end;
    /// returns the lines they (and the `\.`) take. `failed`: the script ended in an error.
    private func checkCopyData(_ elements: inout ArraySlice<ScriptElement>, from firstLine: Int, failed: Bool) -> Set<Int> {
        var rows: [String] = []
        while case .copyData(let row)? = elements.first {
            rows.append(row)
            elements.removeFirst()
        }
        guard case .copyEnd(let endLine)? = elements.popFirst() else {
            require(failed, "COPY data without its end")  // an error in the data ends the script there
            return []
        }
        let ended = endLine >= 1 && endLine <= lines.count
            && bytes[lines[endLine - 1].start..<lines[endLine - 1].contentEnd].elementsEqual("\\.".utf8)
        let dataLines = firstLine..<max(firstLine, ended ? endLine : endLine + 1)
        let expected = dataLines.map { String(decoding: bytes[lines[$0 - 1].start..<lines[$0 - 1].contentEnd], as: UTF8.self) + "\n" }
        require(rows == expected, "COPY rows \(rows) where lines \(dataLines) hold \(expected)")
        return Set(firstLine..<max(firstLine, endLine + 1))
    }

    /// Between statements: only blanks, `;`, comments, `\restrict`/`\unrestrict` lines and COPY data.
    private func checkGap(_ gap: Range<Int>, ignoring ignoredLines: Set<Int>) {
        var i = gap.lowerBound
        func restOfLine(from k: Int) -> Int { lines[lineNumber(at: k) - 1].contentEnd }
        while i < gap.upperBound {
            if ignoredLines.contains(lineNumber(at: i)) {
                i = lines[lineNumber(at: i) - 1].end
                continue
            }
            let byte = bytes[i]
            if byte == 0x20 || (0x09...0x0D).contains(byte) || byte == UInt8(ascii: ";") {
                i += 1
            } else if bytes[i...].starts(with: "--".utf8) {
                i = restOfLine(from: i)
            } else if bytes[i...].starts(with: "/*".utf8) {
                var depth = 0
                i += 2
                while i < gap.upperBound {
                    if bytes[i...].starts(with: "*/".utf8) {
                        i += 2
                        if depth == 0 { break }
                        depth -= 1
                    } else if bytes[i...].starts(with: "/*".utf8) {
                        depth += 1
                        i += 2
                    } else {
                        i += 1
                    }
                }
            } else if bytes[i...].starts(with: "\\restrict".utf8) || bytes[i...].starts(with: "\\unrestrict".utf8) {
                i = restOfLine(from: i)
            } else {
                let lineNumber = lineNumber(at: i)
                let shown = String(decoding: bytes[i..<min(i + 40, bytes.count)], as: UTF8.self)
                require(false, "line \(lineNumber): \(shown.debugDescription) is in no statement")
                return
            }
        }
    }
}

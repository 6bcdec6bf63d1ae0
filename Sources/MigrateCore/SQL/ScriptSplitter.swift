import FoundationEssentials
import Glibc

/// Finds where statements end, with psql's lexical rules (`src/fe_utils/psqlscan.l`), one line at a time.
///
/// State carries over from line to line: open quotes, dollar quotes and comments, parenthesis depth, and
/// psql's `BEGIN … END` depth for SQL-standard routine bodies. A `;` ends a statement only outside all of
/// those and at depth 0. The statement text is the exact bytes from its first token up to the `;`.
struct ScriptSplitter {
    /// A statement whose end was found.
    struct Statement {
        var text: String
        var line: Int
        var column: Int
    }

    private enum Mode: UInt8 {
        case normal
        case standardString     // '…', B'…', X'…', N'…', U&'…' (backslash is literal)
        case escapeString       // E'…' (backslash escapes the next byte)
        case quotedIdentifier   // "…", U&"…"
        case dollarQuoted       // $tag$…$tag$
        case blockComment       // /* … */, nesting
        case restOfLine         // a -- comment or skipped meta-command that goes on in the next piece of a long line
    }

    let file: String
    private var mode = Mode.normal
    private var commentDepth = 0
    private var dollarTag: [UInt8] = []
    private var parenDepth = 0
    /// psql's begin_depth: BEGIN … END nesting inside CREATE [OR REPLACE] FUNCTION|PROCEDURE.
    private var beginDepth = 0
    /// psql's identifier_count (counted up to 4, all that matters) and identifiers[4]: the first letters of
    /// CREATE/OR/REPLACE/FUNCTION/PROCEDURE when among the statement's first four identifiers, one per byte.
    private var identifierCount = 0
    private var identifierInitials: UInt32 = 0
    /// The statement so far starts like CREATE [OR REPLACE] FUNCTION|PROCEDURE (follows identifierInitials).
    private var isRoutineDefinition = false
    /// After an E'…' string closes: 1 = a continuation is possible, 2 = a newline followed, so a `'`
    /// resumes the same escape string (SQL's "'a'\n'b'" concatenation, psql's xqs state).
    private var escapeContinuation: UInt8 = 0

    /// Where the open quote, dollar quote or comment started (offset is on the current line until resolved).
    private var openLine = 0
    private var openColumn = 0  // 0 until resolved
    private var openOffset = 0

    private var inStatement = false
    private var statementLine = 0
    private var statementColumn = 0
    /// Offset on the current line where the statement's bytes on this line begin.
    private var segmentStart = 0
    /// Bytes of the statement from earlier lines.
    private let pending = ByteBuffer(capacity: 4096)

    /// Scalars counted so far on the current line, for columns.
    private var counterOffset = 0
    private var counterScalars = 0

    init(file: String) {
        self.file = file
    }

    /// Call before scanning a new line (or a resumed rest of a line).
    mutating func beginLine() {
        counterOffset = 0
        counterScalars = 0
        segmentStart = 0
    }

    /// Scans `line` from `pos`. Returns the statement ended by a `;` (with `pos` just past the `;`), or nil
    /// once the line is used up.
    mutating func scan(_ line: LineView, from pos: inout Int) throws -> Statement? {
        let n = line.bytes.count
        guard n > 0, let p = line.bytes.baseAddress else { return nil }
        var i = pos
        scanning: while i < n {
            switch mode {
            case .normal:
                while i < n {
                    let b = p[i]
                    switch b {
                    case 0x20, 0x09, 0x0C, 0x0B:
                        i += 1
                    case 0x0A, 0x0D:
                        if escapeContinuation == 1 { escapeContinuation = 2 }
                        i += 1
                    case UInt8(ascii: "-"):
                        if i + 1 < n, p[i + 1] == UInt8(ascii: "-") {
                            // A line comment runs to the end of the line (and counts as a newline).
                            if escapeContinuation == 1 { escapeContinuation = 2 }
                            if !line.endsLine { mode = .restOfLine }
                            i = n
                        } else {
                            markToken(at: i, line)
                            i += 1
                        }
                    case UInt8(ascii: "'"):
                        let resumesEscapeString = escapeContinuation == 2
                        markToken(at: i, line)
                        open(resumesEscapeString ? .escapeString : .standardString, at: i, line)
                        i += 1
                        continue scanning
                    case UInt8(ascii: "\""):
                        markToken(at: i, line)
                        open(.quotedIdentifier, at: i, line)
                        i += 1
                        continue scanning
                    case UInt8(ascii: "/"):
                        if i + 1 < n, p[i + 1] == UInt8(ascii: "*") {
                            escapeContinuation = 0
                            commentDepth = 0
                            open(.blockComment, at: i, line)
                            i += 2
                            continue scanning
                        }
                        markToken(at: i, line)
                        i += 1
                    case UInt8(ascii: "$"):
                        markToken(at: i, line)
                        if let close = Self.dollarTagEnd(p, i, n) {
                            dollarTag = Array(UnsafeBufferPointer(start: p + i + 1, count: close - i - 1))
                            open(.dollarQuoted, at: i, line)
                            i = close + 1
                            continue scanning
                        }
                        if i + 1 < n, p[i + 1] == UInt8(ascii: "{") { throw leftoverPlaceholder(at: i, line) }
                        i += 1
                    case UInt8(ascii: "("):
                        markToken(at: i, line)
                        parenDepth += 1
                        i += 1
                    case UInt8(ascii: ")"):
                        markToken(at: i, line)
                        if parenDepth > 0 { parenDepth -= 1 }
                        i += 1
                    case UInt8(ascii: ";"):
                        if parenDepth == 0, beginDepth == 0 {
                            let end = i
                            i += 1
                            let wasInStatement = inStatement
                            resetStatementState()
                            if wasInStatement {
                                pos = i
                                return takeStatement(through: p + end, line)
                            }
                        } else {
                            markToken(at: i, line)
                            i += 1
                        }
                    case UInt8(ascii: "\\"):
                        i = try metaCommand(at: i, line)
                    case UInt8(ascii: "0")...UInt8(ascii: "9"):
                        // Digits only, like psql's {integer}: in `1E'x'` the E starts an escape string.
                        markToken(at: i, line)
                        i += 1
                        while i < n, p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                         UInt8(ascii: "_"), 0x80...0xFF:
                        markToken(at: i, line)
                        if let prefixed = prefixedQuote(p, i, n) {
                            open(prefixed.mode, at: i, line)
                            i += prefixed.length
                            continue scanning
                        }
                        var j = i + 1
                        while j < n, Self.isIdentifierByte(p[j]) { j += 1 }
                        noteIdentifier(p + i, j - i)
                        i = j
                    default:
                        markToken(at: i, line)
                        i += 1
                    }
                }

            case .standardString, .quotedIdentifier:
                // Both end at their quote, and a doubled quote stands for itself.
                let quote = mode == .standardString ? UInt8(ascii: "'") : UInt8(ascii: "\"")
                guard let q = Self.find(quote, p, from: i, to: n) else { i = n; break }
                if q + 1 < n, p[q + 1] == quote {
                    i = q + 2
                } else {
                    mode = .normal
                    i = q + 1
                }

            case .escapeString:
                var j = i
                while j < n {
                    let c = p[j]
                    if c == UInt8(ascii: "\\") { j += 2; continue }
                    if c == UInt8(ascii: "'") { break }
                    j += 1
                }
                guard j < n else { i = n; break }
                if j + 1 < n, p[j + 1] == UInt8(ascii: "'") {
                    i = j + 2
                } else {
                    mode = .normal
                    escapeContinuation = 1
                    i = j + 1
                }

            case .dollarQuoted:
                let t = dollarTag.count
                var j = i
                i = n
                while let d = Self.find(UInt8(ascii: "$"), p, from: j, to: n) {
                    if d + t + 1 < n, p[d + t + 1] == UInt8(ascii: "$"),
                       t == 0 || dollarTag.withUnsafeBufferPointer({ memcmp(p + d + 1, $0.baseAddress!, t) == 0 }) {
                        mode = .normal
                        i = d + t + 2
                        break
                    }
                    j = d + 1
                }

            case .blockComment:
                var j = i
                while j < n {
                    let c = p[j]
                    if c == UInt8(ascii: "*"), j + 1 < n, p[j + 1] == UInt8(ascii: "/") {
                        j += 2
                        if commentDepth == 0 {
                            mode = .normal
                            break
                        }
                        commentDepth -= 1
                    } else if c == UInt8(ascii: "/"), j + 1 < n, p[j + 1] == UInt8(ascii: "*") {
                        commentDepth += 1
                        j += 2
                    } else {
                        j += 1
                    }
                }
                i = j

            case .restOfLine:
                if line.endsLine { mode = .normal }
                i = n
            }
        }
        // The line is used up.
        pos = n
        if inStatement {
            pending.append(p + segmentStart, count: n - segmentStart)
            segmentStart = 0
        }
        if mode != .normal, mode != .restOfLine, openColumn == 0 {
            // Opened on this line (or piece) and still open: resolve its column while the bytes are here.
            openColumn = column(at: openOffset, line)
        }
        return nil
    }

    /// At end of input: the last statement if it had no `;`, or an error for anything left open.
    mutating func finish() throws -> Statement? {
        switch mode {
        case .normal, .restOfLine:
            break
        case .standardString:
            throw unterminated("quoted string")
        case .escapeString:
            throw unterminated("escape string E'…'")
        case .quotedIdentifier:
            throw unterminated("quoted identifier")
        case .dollarQuoted:
            let tag = String(decoding: dollarTag, as: UTF8.self)
            throw unterminated("dollar-quoted string $\(tag)$")
        case .blockComment:
            throw unterminated("/* comment")
        }
        guard inStatement else { return nil }
        var end = pending.count
        while end > 0, Self.isSpace(pending.base[end - 1]) { end -= 1 }
        let text = String(decoding: UnsafeBufferPointer(start: pending.base, count: end), as: UTF8.self)
        pending.removeAll()
        resetStatementState()
        return Statement(text: text, line: statementLine, column: statementColumn)
    }

    // MARK: - Statement bookkeeping

    @inline(__always)
    private mutating func markToken(at i: Int, _ line: LineView) {
        escapeContinuation = 0
        if !inStatement {
            inStatement = true
            statementLine = line.number
            statementColumn = column(at: i, line)
            segmentStart = i
        }
    }

    private mutating func resetStatementState() {
        inStatement = false
        identifierCount = 0
        identifierInitials = 0
        isRoutineDefinition = false
        beginDepth = 0
        escapeContinuation = 0
    }

    private mutating func takeStatement(through end: UnsafePointer<UInt8>, _ line: LineView) -> Statement {
        let start = line.bytes.baseAddress! + segmentStart
        let text: String
        if pending.isEmpty {
            text = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
        } else {
            pending.append(start, count: end - start)
            text = String(decoding: pending.bytes, as: UTF8.self)
            pending.removeAll()
        }
        return Statement(text: text, line: statementLine, column: statementColumn)
    }

    private mutating func open(_ newMode: Mode, at i: Int, _ line: LineView) {
        mode = newMode
        openLine = line.number
        openOffset = i
        openColumn = 0
    }

    private func unterminated(_ what: String) -> SQLScriptError {
        SQLScriptError(file: file, line: openLine, column: openColumn, message: "unterminated \(what) (started here)")
    }

    /// `${` outside quotes and comments is a syntax error for PostgreSQL whatever follows, so a placeholder
    /// that was never closed (Flyway leaves it as text) is refused here, before anything is written.
    private mutating func leftoverPlaceholder(at i: Int, _ line: LineView) -> SQLScriptError {
        let p = line.bytes.baseAddress!
        var j = i + 2
        while j < line.contentCount, Self.isIdentifierByte(p[j]) || p[j] == UInt8(ascii: ".") || p[j] == UInt8(ascii: ":")
                || p[j] == UInt8(ascii: "-") { j += 1 }
        let closed = j < line.contentCount && p[j] == UInt8(ascii: "}")
        let text = String(decoding: UnsafeBufferPointer(start: p + i, count: j - i + (closed ? 1 : 0)), as: UTF8.self)
        let message = closed
            ? "\(text) is left in the script (placeholder replacement is off, or its prefix is not ${): "
                + "PostgreSQL cannot parse it outside quotes"
            : "placeholder \(text) is not closed (a } is missing): PostgreSQL cannot parse ${ outside quotes"
        return SQLScriptError(file: file, line: line.number, column: column(at: i, line), message: message)
    }

    /// 1-based column of byte `offset` of `line`, in unicode scalars. Offsets asked for on one line mostly
    /// increase, so counting resumes where it stopped.
    private mutating func column(at offset: Int, _ line: LineView) -> Int {
        if offset < counterOffset {
            counterOffset = 0
            counterScalars = 0
        }
        if let base = line.bytes.baseAddress {
            counterScalars += TextDecoding.scalarCount(base + counterOffset, offset - counterOffset)
        }
        counterOffset = offset
        return line.columnBase + counterScalars + 1
    }

    // MARK: - psql rules

    /// psql's identifier rule: remember CREATE [OR REPLACE] FUNCTION|PROCEDURE, and inside one (outside
    /// parentheses) count BEGIN … END, with CASE … END nested once a BEGIN is open.
    @inline(__always)
    private mutating func noteIdentifier(_ w: UnsafePointer<UInt8>, _ length: Int) {
        if identifierCount < 4 {
            if let initial = Self.routineHeaderInitial(w, length) {
                identifierInitials |= UInt32(initial) << (8 * UInt32(identifierCount))
                isRoutineDefinition = Self.startsRoutineDefinition(identifierInitials)
            }
            identifierCount += 1
        }
        guard isRoutineDefinition, length >= 3, length <= 5, parenDepth == 0 else { return }
        if Self.equalsLowercase(w, length, "begin") {
            beginDepth += 1
        } else if Self.equalsLowercase(w, length, "case") {
            if beginDepth >= 1 { beginDepth += 1 }
        } else if Self.equalsLowercase(w, length, "end") {
            if beginDepth > 0 { beginDepth -= 1 }
        }
    }

    private static func startsRoutineDefinition(_ initials: UInt32) -> Bool {
        let c0 = UInt8(initials & 0xFF), c1 = UInt8((initials >> 8) & 0xFF)
        let c2 = UInt8((initials >> 16) & 0xFF), c3 = UInt8(initials >> 24)
        guard c0 == UInt8(ascii: "c") else { return false }
        return c1 == UInt8(ascii: "f") || c1 == UInt8(ascii: "p")
            || (c1 == UInt8(ascii: "o") && c2 == UInt8(ascii: "r") && (c3 == UInt8(ascii: "f") || c3 == UInt8(ascii: "p")))
    }

    private static func routineHeaderInitial(_ w: UnsafePointer<UInt8>, _ length: Int) -> UInt8? {
        switch length {
        case 2 where equalsLowercase(w, length, "or"),
             6 where equalsLowercase(w, length, "create"),
             7 where equalsLowercase(w, length, "replace"),
             8 where equalsLowercase(w, length, "function"),
             9 where equalsLowercase(w, length, "procedure"):
            return w[0] | 0x20
        default:
            return nil
        }
    }

    /// A string or quoted identifier opened by a letter prefix: E'…', B'…', X'…', N'…', U&'…', U&"…".
    @inline(__always)
    private func prefixedQuote(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (mode: Mode, length: Int)? {
        guard i + 1 < n else { return nil }
        let lower = p[i] | 0x20
        let next = p[i + 1]
        if next == UInt8(ascii: "'") {
            switch lower {
            case UInt8(ascii: "e"): return (.escapeString, 2)
            case UInt8(ascii: "b"), UInt8(ascii: "x"), UInt8(ascii: "n"): return (.standardString, 2)
            default: return nil
            }
        }
        if next == UInt8(ascii: "&"), lower == UInt8(ascii: "u"), i + 2 < n {
            if p[i + 2] == UInt8(ascii: "'") { return (.standardString, 3) }
            if p[i + 2] == UInt8(ascii: "\"") { return (.quotedIdentifier, 3) }
        }
        return nil
    }

    /// If a dollar-quote opening tag (`$$` or `$tag$`, tag = identifier without `$`) starts at `i`, the offset
    /// of its closing `$`. `$1` (a parameter) and `$x` without a second `$` are not tags.
    static func dollarTagEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        var j = i + 1
        guard j < n else { return nil }
        if p[j] == UInt8(ascii: "$") { return j }
        guard isIdentifierStart(p[j]) else { return nil }
        j += 1
        while j < n, isIdentifierStart(p[j]) || (p[j] >= UInt8(ascii: "0") && p[j] <= UInt8(ascii: "9")) { j += 1 }
        return j < n && p[j] == UInt8(ascii: "$") ? j : nil
    }

    /// A psql backslash command outside quotes: `\restrict` / `\unrestrict` between statements are skipped
    /// (pg_dump writes them); anything else is refused.
    private mutating func metaCommand(at i: Int, _ line: LineView) throws -> Int {
        let p = line.bytes.baseAddress!
        var j = i + 1
        while j < line.contentCount, !Self.isSpace(p[j]), p[j] != UInt8(ascii: "\\") { j += 1 }
        let name = String(decoding: UnsafeBufferPointer(start: p + i, count: j - i), as: UTF8.self)
        if !inStatement, name == "\\restrict" || name == "\\unrestrict" {
            if !line.endsLine { mode = .restOfLine }
            return line.bytes.count
        }
        throw SQLScriptError(
            file: file, line: line.number, column: column(at: i, line),
            message: "psql meta-command \(name) is not supported in migrations")
    }

    // MARK: - Byte classes

    @inline(__always)
    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b | 0x20) &- UInt8(ascii: "a") < 26 || b == UInt8(ascii: "_") || b >= 0x80
    }

    @inline(__always)
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || b &- UInt8(ascii: "0") < 10 || b == UInt8(ascii: "$")
    }

    @inline(__always)
    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b | 0x20) &- UInt8(ascii: "a") < 26 || b &- UInt8(ascii: "0") < 10 || b == UInt8(ascii: "_")
    }

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    @inline(__always)
    static func equalsLowercase(_ w: UnsafePointer<UInt8>, _ length: Int, _ literal: StaticString) -> Bool {
        guard length == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for k in 0..<length where w[k] | 0x20 != l[k] { return false }
        return true
    }

    @inline(__always)
    static func find(_ byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(p + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(p).distance(to: UnsafeRawPointer(hit))
    }
}

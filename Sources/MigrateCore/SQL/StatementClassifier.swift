import FoundationEssentials
import Glibc

/// Decisions made from a statement's first few tokens: does PostgreSQL refuse it inside a transaction
/// block, and is it `COPY … FROM STDIN`.
enum StatementClassifier {
    /// How many leading tokens are ever looked at for the transaction decision.
    static let transactionCutoff = 24

    /// Whether PostgreSQL refuses the statement inside a transaction block (`PreventInTransactionBlock`).
    static func requiresNoTransaction(_ text: String, serverVersion: Int) -> Bool {
        SQLTokenScanner.withScanner(over: text) { scanner in
            var tokens = TokenWindow(scanner: scanner, limit: transactionCutoff)
            return requiresNoTransaction(&tokens, serverVersion: serverVersion)
        }
    }

    /// Whether the statement is `COPY … FROM STDIN`: the first `FROM` or `TO` outside parentheses decides.
    static func isCopyFromStdin(_ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        for expected in "copy".utf8 {
            guard let b = utf8.next(), b | 0x20 == expected else { return false }
        }
        if let b = utf8.next(), ScriptSplitter.isIdentifierByte(b) { return false }
        return SQLTokenScanner.withScanner(over: text) { scanner in
            _ = scanner.next()  // COPY
            var depth = 0
            while let token = scanner.next() {
                switch token {
                case .symbol(UInt8(ascii: "(")): depth += 1
                case .symbol(UInt8(ascii: ")")): depth = max(depth - 1, 0)
                case .word("from") where depth == 0: return scanner.next() == .word("stdin")
                case .word("to") where depth == 0: return false
                default: break
                }
            }
            return false
        }
    }

    /// Whether the statement ends the transaction it runs in: COMMIT, END, ABORT, ROLLBACK (not ROLLBACK TO
    /// a savepoint) and PREPARE TRANSACTION. `COMMIT|ROLLBACK PREPARED` finish another, prepared one.
    static func endsTransaction(_ text: String) -> Bool {
        guard let first = text.utf8.first, "ceapr".utf8.contains(first | 0x20) else { return false }
        return SQLTokenScanner.withScanner(over: text) { scanner in
            var t = TokenWindow(scanner: scanner, limit: 4)
            switch t.word(0) {
            case "commit": return t.word(1) != "prepared"
            case "end", "abort": return true
            case "rollback":
                let k = t.word(1) == "work" || t.word(1) == "transaction" ? 2 : 1
                return t.word(k) != "to" && t.word(1) != "prepared"
            case "prepare": return t.word(1) == "transaction"
            default: return false
            }
        }
    }

    /// Whether the statement opens a transaction block: BEGIN or START TRANSACTION.
    static func startsTransaction(_ text: String) -> Bool {
        guard let first = text.utf8.first, "bs".utf8.contains(first | 0x20) else { return false }
        return SQLTokenScanner.withScanner(over: text) { scanner in
            var t = TokenWindow(scanner: scanner, limit: 2)
            return t.word(0) == "begin" || (t.word(0) == "start" && t.word(1) == "transaction")
        }
    }

    /// The encoding named by `SET [SESSION | LOCAL] client_encoding {TO | =} x` or `SET NAMES x` (quotes
    /// removed), as pg_dump writes at the top of every dump; nil for `DEFAULT` and for any other statement.
    static func clientEncoding(setBy text: String) -> String? {
        // Asked of every statement: nothing is allocated unless it starts with SET.
        var head = text.utf8.makeIterator()
        for expected in "set".utf8 {
            guard let byte = head.next(), byte | 0x20 == expected else { return nil }
        }
        let bytes = Array(text.utf8)
        var i = 3
        let isSpace = ScriptSplitter.isSpace
        func skipSpaces() -> Bool {
            let start = i
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            return i > start
        }
        /// The keyword at `i` in any case (letters only fold), and moves past it.
        func keyword(_ word: String) -> Bool {
            let expected = Array(word.utf8)
            guard i + expected.count <= bytes.count else { return false }
            for (k, byte) in expected.enumerated() {
                let actual = bytes[i + k]
                let folded = actual >= UInt8(ascii: "A") && actual <= UInt8(ascii: "Z") ? actual | 0x20 : actual
                if folded != byte { return false }
            }
            i += expected.count
            return true
        }
        guard skipSpaces() else { return nil }
        let beforeScope = i
        if keyword("session") || keyword("local"), !skipSpaces() { i = beforeScope }
        if keyword("client_encoding") {
            _ = skipSpaces()
            if i < bytes.count, bytes[i] == UInt8(ascii: "=") {
                i += 1
            } else if !(keyword("to") && i < bytes.count && isSpace(bytes[i])) {
                return nil
            }
        } else if !(keyword("names") && i < bytes.count && isSpace(bytes[i])) {
            return nil
        }
        _ = skipSpaces()
        guard i < bytes.count else { return nil }
        let value: ArraySlice<UInt8>
        if bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "\"") {
            let quote = bytes[i]
            guard let close = bytes[(i + 1)...].firstIndex(of: quote) else { return nil }
            value = bytes[(i + 1)..<close]
            i = close + 1
        } else {
            let start = i
            while i < bytes.count, ScriptSplitter.isAlphanumeric(bytes[i]) { i += 1 }
            guard i > start else { return nil }
            value = bytes[start..<i]
        }
        _ = skipSpaces()
        guard i == bytes.count else { return nil }
        let name = String(decoding: value, as: UTF8.self)
        return name.lowercased() == "default" ? nil : name
    }

    private static func requiresNoTransaction(_ t: inout TokenWindow, serverVersion: Int) -> Bool {
        switch t.word(0) {
        case "create":
            let k = t.word(1) == "unique" ? 2 : 1
            if t.word(k) == "index" { return t.word(k + 1) == "concurrently" }
            if t.word(1) == "subscription" {
                // Only creating the replication slot must happen outside a transaction block; pg_dump writes
                // WITH (connect = false, slot_name = '…'), which creates none.
                return !t.containsOption("connect", disabledFrom: 2) && !t.containsOption("create_slot", disabledFrom: 2)
            }
            return ["database", "tablespace"].contains(t.word(1))
        case "drop":
            switch t.word(1) {
            case "index": return t.word(2) == "concurrently"
            case "database", "tablespace", "subscription": return true
            default: return false
            }
        case "alter":
            switch t.word(1) {
            case "system":
                return true
            case "database":
                // ALTER DATABASE d SET TABLESPACE x, also spelled ALTER DATABASE d [WITH] TABLESPACE x.
                guard var k = t.afterName(at: 2) else { return false }
                if t.word(k) == "set" || t.word(k) == "with" { k += 1 }
                return t.word(k) == "tablespace"
            case "table":
                // ALTER TABLE [IF EXISTS] [ONLY] name [*] DETACH PARTITION name CONCURRENTLY
                var k = 2
                if t.word(k) == "if", t.word(k + 1) == "exists" { k += 2 }
                if t.word(k) == "only" { k += 1 }
                guard var after = t.afterName(at: k) else { return false }
                if t.token(after) == .symbol(UInt8(ascii: "*")) { after += 1 }
                guard t.word(after) == "detach", t.word(after + 1) == "partition",
                      let end = t.afterName(at: after + 2) else { return false }
                return t.word(end) == "concurrently"
            case "type":
                guard serverVersion < 120000, let k = t.afterName(at: 2) else { return false }
                return t.word(k) == "add" && t.word(k + 1) == "value"
            case "subscription":
                // REFRESH PUBLICATION always; SET/ADD/DROP PUBLICATION unless WITH (refresh = false).
                guard let k = t.afterName(at: 2) else { return false }
                switch t.word(k) {
                case "refresh":
                    return t.word(k + 1) == "publication"
                case "set", "add", "drop":
                    guard t.word(k + 1) == "publication" else { return false }
                    return !t.containsOption("refresh", disabledFrom: k + 2)
                default:
                    return false
                }
            default:
                return false
            }
        case "reindex":
            // REINDEX [(options)] [VERBOSE] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name
            var k = 1
            var concurrentOption = false
            if t.token(k) == .symbol(UInt8(ascii: "(")) {
                guard let close = t.closingParenthesis(from: k) else { return false }
                concurrentOption = t.containsOption("concurrently", enabledBetween: k + 1, and: close)
                k = close + 1
            }
            if t.word(k) == "verbose" { k += 1 }
            switch t.word(k) {
            case "schema", "database", "system": return true
            case "index", "table": return concurrentOption || t.word(k + 1) == "concurrently"
            default: return false
            }
        case "vacuum":
            return true
        case "discard":
            return t.word(1) == "all"
        case "cluster":
            // Only the form without a table reclusters everything and is refused in a transaction.
            var k = 1
            if t.token(k) == .symbol(UInt8(ascii: "(")) {
                guard let close = t.closingParenthesis(from: k) else { return false }
                k = close + 1
            }
            if t.word(k) == "verbose" { k += 1 }
            return t.token(k) == nil
        case "commit", "rollback":
            return t.word(1) == "prepared"
        default:
            return false
        }
    }
}

/// The leading tokens of a statement, scanned only as far as a question needs.
private struct TokenWindow {
    private var scanner: SQLTokenScanner
    private var tokens: [SQLTokenScanner.Token] = []
    private var exhausted = false
    private let limit: Int

    init(scanner: SQLTokenScanner, limit: Int) {
        self.scanner = scanner
        self.limit = limit
    }

    mutating func token(_ index: Int) -> SQLTokenScanner.Token? {
        while tokens.count <= index, !exhausted, tokens.count < limit {
            if let token = scanner.next() { tokens.append(token) } else { exhausted = true }
        }
        return index < tokens.count ? tokens[index] : nil
    }

    mutating func word(_ index: Int) -> String? {
        if case .word(let w) = token(index) { return w }
        return nil
    }

    /// Index just past a possibly qualified name (`a`, `"A"`, `s.t`, `db.s."t"`) starting at `index`.
    mutating func afterName(at index: Int) -> Int? {
        guard isNamePart(index) else { return nil }
        var k = index + 1
        while token(k) == .symbol(UInt8(ascii: ".")), isNamePart(k + 1) { k += 2 }
        return k
    }

    private mutating func isNamePart(_ index: Int) -> Bool {
        switch token(index) {
        case .word, .quotedIdentifier: return true
        default: return false
        }
    }

    /// Index of the `)` matching the `(` at `index`.
    mutating func closingParenthesis(from index: Int) -> Int? {
        var depth = 0
        var k = index
        while let token = token(k) {
            if token == .symbol(UInt8(ascii: "(")) { depth += 1 }
            if token == .symbol(UInt8(ascii: ")")) {
                depth -= 1
                if depth == 0 { return k }
            }
            k += 1
        }
        return nil
    }

    /// True when an option `name` in `(start..<end)` is present and not followed by false/off
    /// (`(CONCURRENTLY)`, `(concurrently true)`).
    mutating func containsOption(_ name: String, enabledBetween start: Int, and end: Int) -> Bool {
        for k in start..<end where word(k) == name {
            var v = k + 1
            if token(v) == .symbol(UInt8(ascii: "=")) { v += 1 }
            return !["false", "off"].contains(word(v))
        }
        return false
    }

    /// True when an option `name` from `start` on is explicitly set to false/off (`refresh = false`).
    mutating func containsOption(_ name: String, disabledFrom start: Int) -> Bool {
        var k = start
        while token(k) != nil {
            if word(k) == name {
                var v = k + 1
                if token(v) == .symbol(UInt8(ascii: "=")) { v += 1 }
                return ["false", "off"].contains(word(v))
            }
            k += 1
        }
        return false
    }
}

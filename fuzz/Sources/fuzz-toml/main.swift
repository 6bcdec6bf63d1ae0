// TOML configuration files: TOMLDocument (toml++ through TOMLKit, plus the key-line scanner), then
// TOMLConfigurationFile, then the whole loader over the same text.
@testable import MigrateCore
@testable import TOML
import FuzzSupport

let probe = ConfigurationFileProbe(fileName: "flyway.toml")

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = lineCount(of: text)
    let document: TOMLDocument
    do throws(TOMLSyntaxError) {
        document = try TOMLDocument(parsing: text)
    } catch {
        require(error.line >= 1 && error.line <= lines && error.column >= 1, "syntax error at \(error.line):\(error.column) of \(lines) lines")
        requireCleanMessage(error.message, context: "syntax error")
        probe.checkLoading(text, entries: [])
        return
    }

    // Every key has a line, and a key with a value (written without escapes) is named on its line. (A table
    // may be named only inside a longer header, `[a.b.c]` for `a`, and is then given another line.)
    let textLines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    forEachPath(in: document.root) { path, node in
        let line = document.line(of: path)
        require(line >= 1 && line <= lines, "\(path) on line \(line) of \(lines)")
        if case .table = node { return }
        if let key = path.last, !key.isEmpty, key.allSatisfy(isBareKeyCharacter), !text.contains("\\"), line <= textLines.count {
            require(textLines[line - 1].contains(key), "\(path) said to be on line \(line): \(textLines[line - 1].debugDescription)")
        }
    }

    // Written back as TOML, the document reads the same.
    let written = document.root.sorted { $0.key < $1.key }.map { "\(quoted($0.key)) = \(rendered($0.value))\n" }.joined()
    do throws(TOMLSyntaxError) {
        let reread = try TOMLDocument(parsing: written)
        require(same(.table(reread.root), .table(document.root)), "written back as \(written.debugDescription), read differently")
    } catch {
        require(false, "written back as \(written.debugDescription): \(error.message)")
    }

    do throws(TOMLSyntaxError) {
        let file = try TOMLConfigurationFile(parsing: text, environment: probe.environment)
        for entry in file.entries {
            require(entry.line >= 1 && entry.line <= lines, "\(entry.path) on line \(entry.line) of \(lines)")
            if let problem = entry.problem { requireCleanMessage(problem, context: "value of \(entry.path)") }
        }
        for (line, message) in file.problems + file.ignored {
            require(line >= 1 && line <= lines, "problem on line \(line) of \(lines): \(message)")
            requireCleanMessage(message, context: "problem")
        }
        probe.checkLoading(text, entries: file.entries.map { ($0.path, $0.value) })
    } catch {
        require(false, "TOMLDocument read the text, TOMLConfigurationFile did not: \(error.message)")
    }
}

func isBareKeyCharacter(_ character: Character) -> Bool {
    character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
}

/// Calls `body` with the path and value of every key reachable through tables.
func forEachPath(in table: [String: TOMLNode], under prefix: [String] = [], _ body: ([String], TOMLNode) -> Void) {
    for (key, node) in table {
        body(prefix + [key], node)
        if case let .table(nested) = node { forEachPath(in: nested, under: prefix + [key], body) }
    }
}

/// Equal, with NaN equal to itself.
func same(_ a: TOMLNode, _ b: TOMLNode) -> Bool {
    switch (a, b) {
    case let (.float(x), .float(y)): return x == y || (x.isNaN && y.isNaN)
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy(same)
    case let (.table(x), .table(y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
    default: return a == b
    }
}

/// A TOML basic string.
func quoted(_ string: String) -> String {
    var result = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

func rendered(_ node: TOMLNode) -> String {
    switch node {
    case let .string(text): return quoted(text)
    case let .integer(number): return String(number)
    case let .float(number):
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        return "\(number)"
    case let .boolean(flag): return flag ? "true" : "false"
    case .dateTime: return "1979-05-27T07:32:00Z"
    case let .array(items): return "[" + items.map(rendered).joined(separator: ", ") + "]"
    case let .table(table):
        return "{" + table.sorted { $0.key < $1.key }.map { "\(quoted($0.key)) = \(rendered($0.value))" }.joined(separator: ", ") + "}"
    }
}

// Flyway .conf files: PropertiesFile, then the whole loader over the same text.
@testable import MigrateCore
import FuzzSupport

let probe = ConfigurationFileProbe(fileName: "flyway.conf")

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    let file: PropertiesFile
    do throws(PropertiesFile.SyntaxError) {
        file = try PropertiesFile(parsing: text, environment: probe.environment)
    } catch {
        require(error.line >= 1 && error.line <= lineCount(of: text), "syntax error on line \(error.line) of \(lineCount(of: text))")
        requireCleanMessage(error.message, context: "syntax error")
        probe.checkLoading(text, entries: [])
        return
    }
    let lines = lineCount(of: text)
    var previousLine = 0
    for entry in file.entries {
        require(entry.line >= previousLine && entry.line <= lines, "entry \(entry.key) on line \(entry.line) (\(lines) lines, previous \(previousLine))")
        previousLine = entry.line
    }
    for (line, name) in file.missingVariables {
        require(line >= 1 && line <= lines && !name.isEmpty, "missing variable '\(name)' on line \(line)")
    }

    // Settings written back as `key=value` lines read the same. Only what a .conf line can hold as is:
    // a value's end blanks are trimmed, `${NAME}` is expanded, and a key cannot hold a separator.
    let plain = file.entries.filter(isWritable)
    let written = plain.map { "\($0.key)=\($0.value)\n\n" }.joined()
    do throws(PropertiesFile.SyntaxError) {
        let reread = try PropertiesFile(parsing: written, environment: [:])
        require(reread.entries.map(\.key) == plain.map(\.key) && reread.entries.map(\.value) == plain.map(\.value),
                "written back \(written.debugDescription), read \(reread.entries.map { ($0.key, $0.value) })")
    } catch {
        require(false, "written back \(written.debugDescription): \(error.message)")
    }

    probe.checkLoading(text, entries: file.entries.map { ($0.key, $0.value) })
}

func isWritable(_ entry: PropertiesFile.Entry) -> Bool {
    func isBlankOrControl(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { $0.value <= 0x20 } ?? false }
    let key = entry.key.unicodeScalars, value = entry.value.unicodeScalars
    return !entry.key.contains(where: { "=: \t\u{0C}\r\n".contains($0) }) && !entry.key.contains("${")
        && !isBlankOrControl(key.first) && key.first != "#" && key.first != "!" && key.first != "\u{FEFF}"
        && !entry.value.contains(where: { $0 == "\r" || $0 == "\n" }) && !entry.value.contains("${")
        && !isBlankOrControl(value.last) && !(value.first.map { " \t\u{0C}".unicodeScalars.contains($0) } ?? false)
}

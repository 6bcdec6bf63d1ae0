// SQL scripts: SQLScriptReader over raw bytes (line source, decoding, placeholders, COPY data) and the
// psql-rules statement splitter.
//
// The first byte picks the encoding, placeholders on or off, and a chunk size of 1 to 32 bytes; the rest is
// the script. Read in tiny chunks it must give what it gives in one chunk; each statement must sit in the
// text at its line and column; nothing but blanks, `;`, comments, skipped meta-commands and COPY data may
// lie between statements; and a statement split again on its own is the same statement.
import FoundationEssentials
import FuzzSupport
@testable import MigrateCore

let placeholders = PlaceholderReplacer(values: ["name": "value;x", "quote": "'", "empty": ""])

fuzz { input in
    guard let options = input.first else { return }
    let encodings: [String.Encoding] = [.utf8, .utf8, .isoLatin1, .windowsCP1252]
    let encoding = encodings[Int(options & 3)]
    let replacer = options & 4 != 0 ? placeholders : nil
    let chunkSize = 1 + Int(options >> 3)
    let bytes = Array(input.dropFirst())

    let whole = read(bytes, encoding: encoding, placeholders: replacer, chunkSize: SQLScriptReader.defaultChunkSize)
    let chunked = read(bytes, encoding: encoding, placeholders: replacer, chunkSize: chunkSize)
    require(chunked.agrees(with: whole), "in chunks of \(chunkSize): \(chunked)\nin one chunk: \(whole)")
    if let error = whole.error {
        require(error.line >= 0 && (error.column ?? 1) >= 1, "error at \(error.line):\(String(describing: error.column))")
        requireCleanMessage(error.message, context: "script error")
    }
    guard let text = ScriptText(bytes, encoding: encoding, placeholders: replacer) else { return }
    text.check(whole)
}

struct Outcome: Equatable {
    var elements: [ScriptElement] = []
    var error: SQLScriptError?

    /// The same script read in chunks (`self`) and at once: the same elements and error, but for what
    /// reading a long line in pieces changes. Read at once, a line is decoded, checked for NULs and has its
    /// placeholders replaced before it is split; in pieces, each piece is. So statements earlier on the line
    /// that holds an error come out before it, and a problem in an earlier piece can be found before one of
    /// those line-wide problems further on the line.
    func agrees(with whole: Outcome) -> Bool {
        guard let error, let wholeError = whole.error else { return self == whole }
        guard elements.starts(with: whole.elements), error.line == wholeError.line else { return false }
        let lineWide = ["set the correct encoding", "NUL byte", "No value provided for placeholder"]
        return error == wholeError
            || (lineWide.contains { wholeError.message.contains($0) } && (error.column ?? 0) < (wholeError.column ?? 0))
    }
}

func read(_ bytes: [UInt8], encoding: String.Encoding, placeholders: PlaceholderReplacer?, chunkSize: Int) -> Outcome {
    var reader = SQLScriptReader(bytes: bytes, encoding: encoding, displayName: "V1__fuzz.sql",
                                 placeholders: placeholders, chunkSize: chunkSize)
    var outcome = Outcome()
    do {
        while let element = try reader.next() { outcome.elements.append(element) }
    } catch let error as SQLScriptError {
        outcome.error = error
    } catch {
        require(false, "the reader threw something other than an SQLScriptError: \(error)")
    }
    return outcome
}

/// The statements of an in-memory script, COPY data left out.
func statements(in text: String) -> [SQLStatement]? {
    try? SQLScriptReader.elements(in: text).compactMap { element in
        if case .statement(let statement) = element { return statement }
        return nil
    }
}

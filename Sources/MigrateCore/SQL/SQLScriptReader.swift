import FoundationEssentials
import Glibc

/// Streams a script file: decoding, placeholder replacement, splitting. Memory stays flat.
///
/// The file is read in chunks (1 MiB) and split into lines (`\n`, `\r\n` or a lone `\r`); each line is
/// decoded to UTF-8, has its placeholders replaced, and is fed to a splitter that follows psql's rules.
/// At any time the reader holds one chunk, the current line and the statement being collected; a line
/// longer than a chunk is split after a blank, so even a one-line file of many statements stays small.
///
/// `COPY … FROM STDIN` is followed by its data lines, passed through verbatim (placeholders aside) with
/// `\n` endings, up to a `\.` line or the end of the file. After an error, `next()` returns nil.
///
/// A reader owns buffers and a file handle: don't copy one and use both copies.
public struct SQLScriptReader {
    private enum Phase {
        case statements
        case copyData
        case finished
    }

    static let defaultChunkSize = 1 << 20

    private let file: String
    private let source: LineSource
    private let placeholders: PlaceholderReplacer?
    private var splitter: ScriptSplitter
    private var phase = Phase.statements
    /// The line being split, and how far.
    private var current: LineView?
    private var position = 0
    /// Scalars (after placeholder replacement) in earlier pieces of the current long line.
    private var pieceColumnBase = 0
    /// Longest piece of a line handed to the splitter; nil when placeholders could contain a blank.
    private let fragmentLimit: Int?
    /// What followed `COPY … FROM STDIN;` on its line, split once the data is over (as psql does).
    private let deferred = ByteBuffer()
    private var deferredLine: LineView?
    /// Holds a line after placeholder replacement.
    private let replaced = ByteBuffer()

    /// When false, `.copyData` elements are empty strings (the rows are still read, decoded and checked
    /// for placeholders). For passes that only look at statements.
    public var materializesCopyData = true
    /// The line that ended the last COPY's data (its `\.`, or the end of the file).
    private var copyEndLine = 0

    public init(url: URL, displayName: String, encoding: String.Encoding = .utf8, placeholders: PlaceholderReplacer? = nil) throws {
        try self.init(path: url.path, displayName: displayName, encoding: encoding, placeholders: placeholders,
                      chunkSize: Self.defaultChunkSize)
    }

    public init(path: String, displayName: String, encoding: String.Encoding = .utf8, placeholders: PlaceholderReplacer? = nil) throws {
        try self.init(path: path, displayName: displayName, encoding: encoding, placeholders: placeholders,
                      chunkSize: Self.defaultChunkSize)
    }

    init(url: URL, displayName: String, encoding: String.Encoding, placeholders: PlaceholderReplacer?, chunkSize: Int) throws {
        try self.init(path: url.path, displayName: displayName, encoding: encoding, placeholders: placeholders, chunkSize: chunkSize)
    }

    /// A script held in memory (tests, short scripts).
    public init(text: String, displayName: String, placeholders: PlaceholderReplacer? = nil) {
        self.init(bytes: Array(text.utf8), decoding: .utf8(validate: false), displayName: displayName,
                  placeholders: placeholders, chunkSize: Self.defaultChunkSize)
    }

    /// Reads the file in chunks of `chunkSize` bytes (tests use tiny chunks to probe chunk boundaries).
    init(path: String, displayName: String, encoding: String.Encoding, placeholders: PlaceholderReplacer?, chunkSize: Int) throws {
        let decoding: LineDecoding
        switch encoding {
        case .utf8: decoding = .utf8(validate: true)
        case .isoLatin1: decoding = .isoLatin1
        case .windowsCP1252: decoding = .windowsCP1252
        default:
            // Multi-byte encodings other than UTF-8 are decoded in one go by Foundation.
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileSystem.kind(of: path) == nil ? "no such file" : "permission denied or not a regular file"
                throw SQLScriptError(file: displayName, line: 0, message: "could not read the file: \(reason)")
            }
            guard let text = String(data: data, encoding: encoding) else {
                throw SQLScriptError(file: displayName, line: 0,
                                     message: "the file is not valid \(encoding.description); set the correct encoding")
            }
            self.init(bytes: Array(text.utf8), decoding: .utf8(validate: false), displayName: displayName,
                      placeholders: placeholders, chunkSize: chunkSize)
            return
        }
        let descriptor: Int32
        do {
            descriptor = try FileSystem.openForReading(path)
        } catch let error as FileSystemError {
            throw SQLScriptError(file: displayName, line: 0, message: "could not open the file: \(error.reason)")
        }
        self.init(input: ChunkInput(descriptor: descriptor, path: path, chunkSize: chunkSize), decoding: decoding,
                  displayName: displayName, placeholders: placeholders)
    }

    /// A script given as raw bytes in `encoding` (.utf8, .isoLatin1 or .windowsCP1252), read in chunks.
    init(bytes: [UInt8], encoding: String.Encoding, displayName: String, placeholders: PlaceholderReplacer? = nil, chunkSize: Int) {
        let decoding: LineDecoding
        switch encoding {
        case .isoLatin1: decoding = .isoLatin1
        case .windowsCP1252: decoding = .windowsCP1252
        default: decoding = .utf8(validate: true)
        }
        self.init(bytes: bytes, decoding: decoding, displayName: displayName, placeholders: placeholders, chunkSize: chunkSize)
    }

    private init(bytes: [UInt8], decoding: LineDecoding, displayName: String, placeholders: PlaceholderReplacer?, chunkSize: Int) {
        self.init(input: ChunkInput(bytes: bytes, chunkSize: chunkSize), decoding: decoding,
                  displayName: displayName, placeholders: placeholders)
    }

    private init(input: ChunkInput, decoding: LineDecoding, displayName: String, placeholders: PlaceholderReplacer?) {
        file = displayName
        source = LineSource(input: input, decoding: decoding, file: displayName)
        self.placeholders = placeholders
        splitter = ScriptSplitter(file: displayName)
        fragmentLimit = placeholders?.containsBlank == true ? nil : input.chunkSize
    }

    /// Every element of an in-memory script.
    public static func elements(in text: String, displayName: String = "script") throws -> [ScriptElement] {
        var reader = SQLScriptReader(text: text, displayName: displayName)
        return try reader.allElements()
    }

    /// Line `number` of the file as decoded, before placeholder replacement; nil past the end. Reads from
    /// where this reader is (use a fresh one): meant for error messages.
    func originalLine(_ number: Int) throws -> String? {
        while let line = try source.nextLine() {
            if line.number == number { return String(decoding: line.content, as: UTF8.self) }
            if line.number > number { break }
        }
        return nil
    }

    /// Flyway's checksum of the script's lines from where the reader is (use a fresh one), after placeholder
    /// replacement when the reader has a replacer (as Flyway does for repeatable migrations).
    mutating func checksum() throws -> Int32 {
        var crc = Checksum.State()
        while let line = try source.nextLine() {
            crc.feed(try replacingPlaceholders(in: line).content)
        }
        return crc.value
    }

    mutating func allElements() throws -> [ScriptElement] {
        var elements: [ScriptElement] = []
        while let element = try next() { elements.append(element) }
        return elements
    }

    /// The next statement or COPY data element, or nil at the end of the script.
    public mutating func next() throws -> ScriptElement? {
        do {
            return try advance()
        } catch {
            phase = .finished
            throw error
        }
    }

    private mutating func advance() throws -> ScriptElement? {
        while true {
            switch phase {
            case .finished:
                return nil
            case .copyData:
                return try nextCopyElement()
            case .statements:
                if current == nil {
                    if let rest = deferredLine {
                        current = rest
                        deferredLine = nil
                    } else if let line = try source.nextLine(fragmentLimit: fragmentLimit) {
                        try Self.rejectNUL(in: line, file: file)
                        var piece = try replacingPlaceholders(in: line)
                        piece.columnBase = pieceColumnBase
                        pieceColumnBase = piece.endsLine
                            ? 0 : pieceColumnBase + TextDecoding.scalarCount(piece.bytes.baseAddress!, piece.contentCount)
                        current = piece
                    } else {
                        phase = .finished
                        guard let statement = try splitter.finish() else { return nil }
                        return try emit(statement)
                    }
                    position = 0
                    splitter.beginLine()
                }
                if let statement = try splitter.scan(current!, from: &position) {
                    return try emit(statement)
                }
                current = nil
            }
        }
    }

    private mutating func emit(_ found: ScriptSplitter.Statement) throws -> ScriptElement {
        let isCopy = StatementClassifier.isCopyFromStdin(found.text)
        if isCopy {
            if let line = current { try deferRest(of: line) }
            current = nil
            pieceColumnBase = 0
            phase = .copyData
        }
        return .statement(SQLStatement(text: found.text, line: found.line, column: found.column, isCopyFromStdin: isCopy))
    }

    /// Keeps what follows the COPY statement on its line (all of it, when the line came in pieces),
    /// unless it is only whitespace.
    private mutating func deferRest(of line: LineView) throws {
        // Read everything needed from `line` before the source moves on (its bytes may be reused).
        let columnBase = line.columnBase + TextDecoding.scalarCount(line.bytes.baseAddress!, position)
        deferred.removeAll()
        deferred.append(UnsafeBufferPointer(rebasing: line.bytes[position...]))
        var contentCount = max(line.contentCount - position, 0)
        if !line.endsLine, let rest = try source.nextLine() {
            try Self.rejectNUL(in: rest, file: file)
            let restOfLine = try replacingPlaceholders(in: rest)
            contentCount = deferred.count + restOfLine.contentCount
            deferred.append(restOfLine.bytes)
        }
        guard deferred.bytes.contains(where: { !ScriptSplitter.isSpace($0) }) else { return }
        deferredLine = LineView(bytes: deferred.bytes, contentCount: contentCount, number: line.number, columnBase: columnBase)
    }

    /// Inside COPY data (after a `COPY … FROM STDIN` statement): appends the next row, with its "\n", to
    /// `buffer` and returns true; at the `\.` line or the end of the file returns false, and the COPY is
    /// over (no `.copyEnd` follows). Rows go from the file's buffer to the caller's with no String, no
    /// allocation per row: what a COPY of millions of rows is sent through.
    public mutating func appendCopyRow(to buffer: inout [UInt8]) throws -> Bool {
        guard phase == .copyData else { return false }
        do {
            guard let data = try nextCopyRow() else { return false }
            buffer.append(contentsOf: data)
            buffer.append(0x0A)
            return true
        } catch {
            phase = .finished
            throw error
        }
    }

    /// The next row of COPY data, checked and with placeholders replaced, valid until the reader moves on;
    /// nil (and back to statements) at the `\.` line or the end of the file.
    private mutating func nextCopyRow() throws -> UnsafeBufferPointer<UInt8>? {
        guard let line = try source.nextLine() else {
            phase = .statements
            copyEndLine = source.lineNumber
            return nil
        }
        let content = line.content
        if content.count == 2, content[0] == UInt8(ascii: "\\"), content[1] == UInt8(ascii: ".") {
            phase = .statements
            copyEndLine = line.number
            return nil
        }
        try Self.rejectNUL(in: line, file: file)
        return try replacingPlaceholders(in: line).content
    }

    private mutating func nextCopyElement() throws -> ScriptElement {
        guard let data = try nextCopyRow() else { return .copyEnd(line: copyEndLine) }
        // A pass that only classifies statements doesn't need the rows: skip building their Strings.
        guard materializesCopyData else { return .copyData("") }
        return .copyData(String(unsafeUninitializedCapacity: data.count + 1) { buffer in
            _ = buffer.initialize(from: data)
            buffer[data.count] = 0x0A
            return data.count + 1
        })
    }

    /// libpq sends statements as C strings: a NUL byte would silently cut off everything after it, and
    /// PostgreSQL cannot store one in text either. (Checksums still read such a file, as Flyway does.)
    @inline(__always)
    private static func rejectNUL(in line: LineView, file: String) throws {
        guard let base = line.bytes.baseAddress, line.contentCount > 0,
              let nul = memchr(base, 0, line.contentCount) else { return }
        let offset = UnsafePointer(nul.assumingMemoryBound(to: UInt8.self)) - base
        throw SQLScriptError(file: file, line: line.number, column: line.columnBase + TextDecoding.scalarCount(base, offset) + 1,
                             message: "NUL byte (0x00) in the script: PostgreSQL cannot run or store it; remove it (is this a binary file?)")
    }

    private func replacingPlaceholders(in line: LineView) throws -> LineView {
        guard let placeholders else { return line }
        replaced.removeAll()
        guard try placeholders.replace(line.content, into: replaced, file: file, lineNumber: line.number,
                                       columnBase: line.columnBase) else {
            return line
        }
        let contentCount = replaced.count
        replaced.append(UnsafeBufferPointer(rebasing: line.bytes[line.contentCount...]))
        return LineView(bytes: replaced.bytes, contentCount: contentCount, number: line.number,
                        columnBase: line.columnBase, endsLine: line.endsLine)
    }
}

import FoundationEssentials
import Glibc

/// Where a script's raw bytes come from, one chunk at a time.
final class ChunkInput {
    private enum Origin {
        /// An open file descriptor and the path it was opened from (for messages).
        case file(Int32, path: String)
        case memory([UInt8])
    }

    private let origin: Origin
    private var offset = 0
    let chunkSize: Int

    /// Takes ownership of `descriptor` (closed when the input goes away). A file smaller than a chunk is
    /// read with a buffer its size: most migrations are small, and a 1 MiB buffer per file would cost an
    /// mmap and page faults each.
    init(descriptor: Int32, path: String, chunkSize: Int) {
        origin = .file(descriptor, path: path)
        var info = stat()
        let size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : chunkSize
        self.chunkSize = max(min(chunkSize, size + 1), 1)
    }

    init(bytes: [UInt8], chunkSize: Int) {
        origin = .memory(bytes)
        self.chunkSize = max(chunkSize, 1)
    }

    deinit {
        if case .file(let descriptor, _) = origin { close(descriptor) }
    }

    /// Appends up to `chunkSize` bytes to `buffer`; returns how many (0 at end of input).
    func read(appendingTo buffer: ByteBuffer) throws -> Int {
        switch origin {
        case .memory(let bytes):
            let n = min(chunkSize, bytes.count - offset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBufferPointer { buffer.append($0.baseAddress! + offset, count: n) }
            offset += n
            return n
        case .file(let descriptor, let path):
            return try FileSystem.read(descriptor, appendingTo: buffer, count: chunkSize, path: path)
        }
    }
}

/// How the bytes of each line become UTF-8.
enum LineDecoding {
    /// UTF-8 already; `validate` is false when the bytes came from a Swift `String`.
    case utf8(validate: Bool)
    case isoLatin1
    case windowsCP1252
}

/// One line of a script (or a piece of a very long one), as UTF-8, valid until the next call to
/// `LineSource.nextLine(fragmentLimit:)`.
struct LineView {
    /// The line's bytes including its terminator (`\n`, `\r\n`, `\r`, or none on the last line or a piece).
    var bytes: UnsafeBufferPointer<UInt8>
    /// Bytes before the terminator.
    var contentCount: Int
    /// 1-based line number in the file.
    var number: Int
    /// Unicode scalars that precede `bytes` on this line (non-zero for the second and later pieces of a
    /// long line, or the rest of a line resumed later).
    var columnBase: Int = 0
    /// False when this is a piece of a line that continues in the next view.
    var endsLine = true

    var content: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[0..<contentCount]) }
}

/// Splits a chunked byte stream into lines the way Java's `BufferedReader.readLine()` does (`\n`, `\r\n`
/// or a lone `\r`), decodes each line to UTF-8 and drops a leading byte order mark.
///
/// Memory holds one chunk plus the line being assembled. When asked, a line longer than `fragmentLimit` is
/// handed out in pieces cut just after a space or tab, so that no token (and no placeholder) is split.
final class LineSource {
    private let input: ChunkInput
    private let decoding: LineDecoding
    private let file: String
    private let raw: ByteBuffer
    private let decoded = ByteBuffer()
    // Owned by one reader on one thread: no dynamic exclusivity checks on these hot properties.
    /// Unread bytes are raw[start..<count]; raw[start..<scanFrom] holds no line terminator.
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var scanFrom = 0
    /// raw[start..<blankScanned] was searched for blanks; the last one found is at lastBlank (or -1).
    @exclusivity(unchecked) private var blankScanned = 0
    @exclusivity(unchecked) private var lastBlank = -1
    @exclusivity(unchecked) private var atEnd = false
    /// raw[start..<utf8ValidUpTo] is known to be valid UTF-8: checked in one run up to the buffer's last line
    /// break (a break is never inside a sequence) rather than line by line, which cost more than the check.
    @exclusivity(unchecked) private var utf8ValidUpTo = 0
    /// Number of the last line handed out (0 before the first).
    @exclusivity(unchecked) private(set) var lineNumber = 0
    /// True after handing out a piece of a line that continues.
    @exclusivity(unchecked) private(set) var isMidLine = false
    /// Scalars of the line handed out so far in earlier pieces.
    @exclusivity(unchecked) private var pieceColumnBase = 0

    init(input: ChunkInput, decoding: LineDecoding, file: String) {
        self.input = input
        self.decoding = decoding
        self.file = file
        raw = ByteBuffer(capacity: min(input.chunkSize, 1 << 20) * 2)
    }

    /// The next line, or nil at end of input (and on every later call). With a `fragmentLimit`, a line
    /// that has grown past it without a terminator comes out in pieces (when it has a blank to cut at).
    func nextLine(fragmentLimit: Int? = nil) throws -> LineView? {
        while true {
            let count = raw.count
            if let t = findTerminator(from: scanFrom, to: count) {
                var end = t + 1
                if raw.base[t] == 0x0D {
                    if t + 1 < count {
                        if raw.base[t + 1] == 0x0A { end = t + 2 }
                    } else if !atEnd {
                        // A `\r` at the end of the buffer: the next byte decides between `\r` and `\r\n`.
                        scanFrom = t
                        try fill()
                        continue
                    }
                }
                return try makeLine(contentEnd: t, end: end, endsLine: true)
            }
            if atEnd {
                return start < count ? try makeLine(contentEnd: count, end: count, endsLine: true) : nil
            }
            scanFrom = count
            if let limit = fragmentLimit, count - start >= limit, let cut = lastBlankBefore(count) {
                return try makeLine(contentEnd: cut + 1, end: cut + 1, endsLine: false)
            }
            try fill()
        }
    }

    private func findTerminator(from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        let p = raw.base + from
        let n = to - from
        let lf = memchr(p, 0x0A, n).map { $0.assumingMemoryBound(to: UInt8.self) - raw.base }
        let crLimit = (lf ?? to) - from
        if crLimit > 0, let cr = memchr(p, 0x0D, crLimit) {
            return cr.assumingMemoryBound(to: UInt8.self) - raw.base
        }
        return lf
    }

    /// The last space or tab in raw[start..<end], searching only bytes not searched before.
    private func lastBlankBefore(_ end: Int) -> Int? {
        var k = end - 1
        let floor = max(blankScanned, start)
        while k >= floor {
            let b = raw.base[k]
            if b == 0x20 || b == 0x09 {
                lastBlank = k
                break
            }
            k -= 1
        }
        blankScanned = end
        return lastBlank >= start ? lastBlank : nil
    }

    private func fill() throws {
        if start > 0 {
            raw.removeFirst(start)
            scanFrom -= start
            utf8ValidUpTo = max(utf8ValidUpTo - start, 0)
            blankScanned = max(blankScanned - start, 0)
            lastBlank = lastBlank >= start ? lastBlank - start : -1
            start = 0
            // After one huge line, don't keep its buffer.
            raw.shrink(ifCapacityAbove: 8 * max(input.chunkSize, 1 << 16))
        }
        let n: Int
        do {
            n = try input.read(appendingTo: raw)
        } catch let error as FileSystemError {
            throw SQLScriptError(file: file, line: 0, message: "could not read the file: \(error.reason)")
        }
        if n == 0 { atEnd = true }
    }

    /// Checks raw[from...] up to its last line break (or to its end once the file is read) in one run, and
    /// records how far it is valid. An invalid byte is reported by the line that holds it, with its column.
    private func validateUTF8Ahead(from: Int) {
        var end = raw.count
        if !atEnd {
            // The last line break is near the end (a line's length away).
            while end > from && raw.base[end - 1] != 0x0A { end -= 1 }
            if end == from { return }  // no complete line ahead: the line is checked on its own
        }
        let bad = TextDecoding.firstInvalidUTF8(raw.base + from, end - from)
        utf8ValidUpTo = from + (bad ?? (end - from))
    }

    private func makeLine(contentEnd: Int, end: Int, endsLine: Bool) throws -> LineView {
        if !isMidLine {
            lineNumber += 1
            pieceColumnBase = 0
        }
        let columnBase = pieceColumnBase
        var first = start
        start = end
        scanFrom = end
        blankScanned = end
        lastBlank = -1
        let base = raw.base
        if case .utf8 = decoding, lineNumber == 1, !isMidLine, contentEnd - first >= 3,
           base[first] == 0xEF, base[first + 1] == 0xBB, base[first + 2] == 0xBF {
            first += 3
        }
        isMidLine = !endsLine
        let contentCount = contentEnd - first
        var line: LineView
        switch decoding {
        case .utf8(let validate):
            if validate && first + contentCount > utf8ValidUpTo {
                validateUTF8Ahead(from: first)
            }
            if validate && first + contentCount > utf8ValidUpTo, let bad = TextDecoding.firstInvalidUTF8(base + first, contentCount) {
                let column = columnBase + TextDecoding.scalarCount(base + first, bad) + 1
                throw SQLScriptError(
                    file: file, line: lineNumber, column: column,
                    message: "invalid UTF-8 (byte \(TextDecoding.hex(base[first + bad]))); the file is not UTF-8, set the correct encoding")
            }
            line = LineView(bytes: UnsafeBufferPointer(start: base + first, count: end - first),
                            contentCount: contentCount, number: lineNumber)
        case .isoLatin1, .windowsCP1252:
            if TextDecoding.isASCII(base + first, contentCount) {
                line = LineView(bytes: UnsafeBufferPointer(start: base + first, count: end - first),
                                contentCount: contentCount, number: lineNumber)
                break
            }
            decoded.removeAll()
            let cp1252: Bool
            if case .windowsCP1252 = decoding { cp1252 = true } else { cp1252 = false }
            if let bad = TextDecoding.transcodeSingleByte(base + first, contentCount, cp1252: cp1252, into: decoded) {
                throw SQLScriptError(
                    file: file, line: lineNumber, column: columnBase + bad + 1,
                    message: "byte \(TextDecoding.hex(base[first + bad])) is not a windows-1252 character; set the correct encoding")
            }
            let decodedContent = decoded.count
            decoded.append(base + contentEnd, count: end - contentEnd)
            line = LineView(bytes: decoded.bytes, contentCount: decodedContent, number: lineNumber)
        }
        line.columnBase = columnBase
        line.endsLine = endsLine
        if !endsLine, let p = line.bytes.baseAddress {
            pieceColumnBase += TextDecoding.scalarCount(p, line.contentCount)
        }
        return line
    }
}

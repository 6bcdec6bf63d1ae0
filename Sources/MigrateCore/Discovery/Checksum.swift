import Foundation

/// Flyway's checksum of a migration file: CRC-32 (IEEE) over the UTF-8 bytes of each line with the line
/// terminators left out, a leading BOM dropped, read as a signed 32-bit integer.
///
/// Feeding the lines one after another with no separator is the same as feeding every byte except CR and LF,
/// so the file is streamed in chunks and never held whole. The algorithm must never change: users' history
/// tables hold its values (Flyway's upgrades that changed it broke validate for everyone).
public enum Checksum {
    /// Checksum of the file at `url`, decoded with `encoding`. Throws when the bytes are not valid text in it.
    public static func ofFile(at url: URL, encoding: String.Encoding = .utf8, displayName: String? = nil) throws -> Int32 {
        let name = displayName ?? url.lastPathComponent
        if encoding != .utf8 {
            // Other encodings: decode the whole file, then checksum its UTF-8 form.
            let data = try Data(contentsOf: url)
            guard let text = String(data: data, encoding: encoding) else {
                throw ChecksumError(file: name, message: "cannot decode the file as \(encoding); set the encoding")
            }
            return of(text)
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ChecksumError(file: name, message: "cannot read the file")
        }
        defer { try? handle.close() }
        var state = State()
        var validator = UTF8Validator()
        while true {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { state.feed(UnsafeRawBufferPointer($0)) }
            let ok = chunk.withUnsafeBytes { validator.feed(UnsafeRawBufferPointer($0)) }
            if !ok { throw ChecksumError(file: name, message: "invalid UTF-8 at line \(validator.line); set the encoding") }
        }
        if !validator.finish() { throw ChecksumError(file: name, message: "invalid UTF-8 at line \(validator.line) (truncated character at end of file)") }
        return state.value
    }

    /// Checksum of text already in memory (used for non-UTF-8 files and in tests).
    public static func of(_ text: String) -> Int32 {
        var state = State()
        var utf8 = Array(text.utf8)
        utf8.withUnsafeBytes { state.feed($0) }
        utf8.removeAll()
        return state.value
    }

    /// Incremental checksum over raw UTF-8 bytes.
    struct State {
        private var crc: UInt32 = 0xFFFF_FFFF
        private var atStart = true
        private var pendingBOM: [UInt8] = []

        mutating func feed(_ bytes: UnsafeRawBufferPointer) {
            var start = 0
            if atStart {
                // Hold back the first bytes until we know whether they are a BOM (EF BB BF).
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                while start < bytes.count && pendingBOM.count < 3 {
                    pendingBOM.append(bytes[start]); start += 1
                    if pendingBOM != Array(bom.prefix(pendingBOM.count)) { break }
                }
                if pendingBOM == bom {
                    atStart = false; pendingBOM = []
                } else if pendingBOM != Array(bom.prefix(pendingBOM.count)) {
                    atStart = false
                    let held = pendingBOM; pendingBOM = []
                    held.withUnsafeBytes { update($0) }
                } else {
                    return // still a BOM prefix, need more bytes
                }
            }
            update(UnsafeRawBufferPointer(rebasing: bytes[start...]))
        }

        var value: Int32 {
            var copy = self
            if copy.atStart && !copy.pendingBOM.isEmpty {
                let held = copy.pendingBOM
                held.withUnsafeBytes { copy.update($0) }
            }
            return Int32(bitPattern: ~copy.crc)
        }

        /// CRC of every byte except CR and LF: runs between line breaks go through slicing-by-8.
        private mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            var c = crc
            var start = 0
            let count = bytes.count
            while start < count {
                var end = start
                while end < count && base[end] != 0x0A && base[end] != 0x0D { end += 1 }
                if end > start { c = CRC32Table.update(c, base + start, end - start) }
                start = end + 1
            }
            crc = c
        }
    }
}

public struct ChecksumError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

enum CRC32Table {
    /// Eight 256-entry tables for slicing-by-8 (table 0 is the classic byte-at-a-time table).
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var c = UInt32(index)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[index] = c
        }
        for index in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// Feeds `count` bytes into a running (pre-inverted) CRC.
    static func update(_ crc: UInt32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var c = crc
            var p = bytes
            var remaining = count
            while remaining >= 8 {
                let low = c ^ (UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
                let high = UInt32(p[4]) | UInt32(p[5]) << 8 | UInt32(p[6]) << 16 | UInt32(p[7]) << 24
                c = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                c = t[Int((c ^ UInt32(p[0])) & 0xFF)] ^ (c >> 8)
                p += 1
                remaining -= 1
            }
            return c
        }
    }
}

/// Streaming UTF-8 well-formedness check that also counts lines, for error messages.
struct UTF8Validator {
    private(set) var line = 1
    private var needed = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Returns false at the first invalid byte (`line` then names its line).
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // Fast path: eight ASCII bytes at a time, counting line feeds with a bit trick.
            if needed == 0 && index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    let lineFeeds = word ^ 0x0A0A_0A0A_0A0A_0A0A
                    // High bit of each byte set where `lineFeeds` has a zero byte, i.e. `word` has '\n'
                    // (exact: the per-byte additions cannot carry into the next byte).
                    let low7 = 0x7F7F_7F7F_7F7F_7F7F as UInt64
                    let zeroBytes = ~(((lineFeeds & low7) &+ low7) | lineFeeds | low7)
                    line += zeroBytes.nonzeroBitCount
                    index += 8
                    continue
                }
            }
            let byte = base[index]
            index += 1
            if needed == 0 {
                switch byte {
                case 0x0A: line += 1
                case 0x00...0x7F: break
                case 0xC2...0xDF: needed = 1
                case 0xE0: needed = 2; lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2
                case 0xED: needed = 2; upper = 0x9F
                case 0xF0: needed = 3; lower = 0x90
                case 0xF1...0xF3: needed = 3
                case 0xF4: needed = 3; upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= lower && byte <= upper else { return false }
                lower = 0x80; upper = 0xBF
                needed -= 1
            }
        }
        return true
    }

    func finish() -> Bool { needed == 0 }
}

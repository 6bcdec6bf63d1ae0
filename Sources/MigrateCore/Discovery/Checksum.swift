import FoundationEssentials
import Glibc

/// Flyway's checksum of a migration file: CRC-32 (IEEE) over the UTF-8 bytes of each line with the line
/// terminators left out, a leading BOM dropped, read as a signed 32-bit integer.
///
/// The lines come from the same reader that runs the script (`SQLScriptReader.checksum()`), so decoding,
/// BOM and line-break rules are the ones the script runs with, and the file is streamed, never held whole.
/// The algorithm must never change: users' history tables hold its values (Flyway's upgrades that changed
/// it broke validate for everyone).
public enum Checksum {
    /// Checksum of the file at `url`, decoded with `encoding`. Throws when the bytes are not valid text in it.
    public static func ofFile(at url: URL, encoding: String.Encoding = .utf8, displayName: String? = nil) throws -> Int32 {
        try ofFile(atPath: url.path, encoding: encoding, displayName: displayName ?? url.lastPathComponent)
    }

    /// Checksum of the file at `path` (what discovery calls: no URL per file). Bytes that are not text in
    /// `encoding` throw the reader's `SQLScriptError`, at their line and column.
    public static func ofFile(atPath path: String, encoding: String.Encoding = .utf8, displayName name: String) throws -> Int32 {
        do {
            var reader = try SQLScriptReader(path: path, displayName: name, encoding: encoding)
            return try reader.checksum()
        } catch let error as SQLScriptError where error.line == 0 {
            throw ChecksumError(file: name, message: error.message)
        }
    }

    /// Checksum of a UTF-8 file held in memory, the common case, without a reader: lines end at `\n`, `\r\n`
    /// or a lone `\r` and are fed without their terminators, a leading BOM is dropped. nil when the bytes are
    /// not valid UTF-8 (the reader then says where).
    static func ofUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        let count = bytes.count
        guard TextDecoding.firstInvalidUTF8(base, count) == nil else { return nil }
        var start = count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF ? 3 : 0
        var crc = State()
        var index = start
        while index < count {
            let byte = base[index]
            if byte == 0x0A || byte == 0x0D {
                crc.feed(UnsafeBufferPointer(start: base + start, count: index - start))
                index += byte == 0x0D && index + 1 < count && base[index + 1] == 0x0A ? 2 : 1
                start = index
            } else {
                index += 1
            }
        }
        crc.feed(UnsafeBufferPointer(start: base + start, count: count - start))
        return crc.value
    }

    /// Checksum of text already in memory.
    public static func of(_ text: String) -> Int32 {
        var reader = SQLScriptReader(text: text, displayName: "text")
        // An in-memory reader without placeholders has nothing that can fail: no I/O, no decoding.
        return try! reader.checksum()
    }

    /// Running CRC-32 over the lines' bytes (fed without their terminators).
    struct State {
        private var crc: UInt32 = 0xFFFF_FFFF

        mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            crc = CRC32Table.update(crc, base, bytes.count)
        }

        var value: Int32 { Int32(bitPattern: ~crc) }
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

import FoundationEssentials
import Glibc

/// Byte-level helpers for the script reader: UTF-8 validation, scalar counting and the two single-byte
/// encodings the reader transcodes on the fly.
enum TextDecoding {
    /// True when none of the `n` bytes has its high bit set.
    static func isASCII(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if p[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// Offset of the first byte that does not start a well-formed UTF-8 sequence, or nil when all are valid.
    /// Rejects overlong forms, surrogates and code points above U+10FFFF, like a strict decoder.
    static func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let raw = UnsafeRawPointer(p)
        @inline(__always) func isContinuation(_ k: Int) -> Bool { k < n && p[k] & 0xC0 == 0x80 }
        var i = 0
        while i < n {
            while i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < n else { return nil }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            switch b0 {
            case 0xC2...0xDF:
                guard isContinuation(i + 1) else { return i }
                i += 2
            case 0xE0...0xEF:
                guard i + 1 < n else { return i }
                let b1 = p[i + 1]
                let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
                let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF
                guard b1 >= low, b1 <= high, isContinuation(i + 2) else { return i }
                i += 3
            case 0xF0...0xF4:
                guard i + 1 < n else { return i }
                let b1 = p[i + 1]
                let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
                let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
                guard b1 >= low, b1 <= high, isContinuation(i + 2), isContinuation(i + 3) else { return i }
                i += 4
            default:
                return i
            }
        }
        return nil
    }

    /// `0xE9`-style spelling of a byte, for error messages.
    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }

    /// Number of unicode scalars in `n` bytes of valid UTF-8 (bytes that are not continuation bytes).
    static func scalarCount(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var scalars = 0
        for i in 0..<n where p[i] & 0xC0 != 0x80 { scalars += 1 }
        return scalars
    }

    /// Appends the UTF-8 form of ISO-8859-1 (`cp1252 == false`) or windows-1252 bytes to `out`.
    /// Returns the offset of a byte windows-1252 leaves undefined, or nil on success.
    static func transcodeSingleByte(
        _ p: UnsafePointer<UInt8>, _ n: Int, cp1252: Bool, into out: ByteBuffer
    ) -> Int? {
        let dst = out.spareRoom(n * 3)
        var o = 0
        for i in 0..<n {
            let b = p[i]
            var scalar = UInt32(b)
            if b < 0x80 {
                dst[o] = b
                o += 1
                continue
            }
            if cp1252, b < 0xA0 {
                scalar = UInt32(windows1252High[Int(b) - 0x80])
                if scalar == 0 {
                    out.didAppend(o)
                    return i
                }
            }
            if scalar < 0x800 {
                dst[o] = UInt8(0xC0 | (scalar >> 6))
                dst[o + 1] = UInt8(0x80 | (scalar & 0x3F))
                o += 2
            } else {
                dst[o] = UInt8(0xE0 | (scalar >> 12))
                dst[o + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                dst[o + 2] = UInt8(0x80 | (scalar & 0x3F))
                o += 3
            }
        }
        out.didAppend(o)
        return nil
    }

    /// Code points of windows-1252 bytes 0x80…0x9F; 0 marks the five bytes the code page leaves undefined.
    private static let windows1252High: [UInt16] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]
}

import Glibc

/// The version after the highest one, in the style the files already use, for `migrate new`.
///
/// The highest version is taken as spelt in its file name (`009`, `1_2`, `1.2`, `20261130120000`) and the
/// next one keeps its number of parts, its separators and its zero padding, counting up its last part:
/// `009` → `010`, `099` → `100`, `1_2` → `1_3`. A last part that is a UTC timestamp (`yyyyMMddHHmmss` or
/// `yyyyMMddHHmm`) becomes the current time in the same format; alone, it is moved one second (or minute)
/// past the highest when the clock is not ahead of it, and after other parts (Flyway's `add` style,
/// `002_20240829162505`), the part before it counts up instead (`003_<now>`).
public enum VersionNumbering {
    /// The version after `highest` (as written in a file name), or `1` when there is none; `now` in
    /// seconds since 1970.
    public static func next(after highest: String?, now: Int) -> String {
        guard let highest, !highest.isEmpty else { return "1" }
        var parts = split(highest)
        let last = parts.count - 1
        if let stamp = Timestamp(parts[last].text) {
            if last == 0 {
                let current = Timestamp(seconds: now, width: stamp.width)
                parts[0].text = current.text > stamp.text ? current.text : stamp.advanced().text
            } else {
                parts[last - 1].text = incremented(parts[last - 1].text)
                parts[last].text = Timestamp(seconds: now, width: stamp.width).text
            }
        } else {
            parts[last].text = incremented(parts[last].text)
        }
        return parts.map { $0.separator + $0.text }.joined()
    }

    /// The digits of each part, each with the separator written before it ("" for the first).
    private static func split(_ version: String) -> [(separator: String, text: String)] {
        var parts: [(separator: String, text: String)] = [("", "")]
        for character in version {
            if character == "." || character == "_" { parts.append((String(character), "")) } else { parts[parts.count - 1].text.append(character) }
        }
        return parts
    }

    /// `digits` plus one, as wide as before unless it carries over (`009` → `010`, `99` → `100`); any length.
    static func incremented(_ digits: String) -> String {
        var result = Array(digits.utf8)
        var index = result.count - 1
        while index >= 0 {
            if result[index] == UInt8(ascii: "9") {
                result[index] = UInt8(ascii: "0")
                index -= 1
            } else {
                result[index] += 1
                return String(decoding: result, as: UTF8.self)
            }
        }
        return "1" + String(decoding: result, as: UTF8.self)
    }

    /// A version part that reads as a UTC date and time: 14 digits to the second, or 12 to the minute.
    struct Timestamp {
        /// 14 or 12.
        let width: Int
        let seconds: Int

        init?(_ text: String) {
            let digits = Array(text.utf8)
            guard digits.count == 14 || digits.count == 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            func number(_ start: Int, _ count: Int) -> Int32 {
                digits[start..<(start + count)].reduce(0) { $0 * 10 + Int32($1 - 0x30) }
            }
            var fields = tm()
            fields.tm_year = number(0, 4) - 1900
            fields.tm_mon = number(4, 2) - 1
            fields.tm_mday = number(6, 2)
            fields.tm_hour = number(8, 2)
            fields.tm_min = number(10, 2)
            fields.tm_sec = digits.count == 14 ? number(12, 2) : 0
            var copy = fields
            let seconds = timegm(&copy)
            // timegm normalises out-of-range fields (month 13, second 60): a counter such as 000000000042 is no date.
            guard fields.tm_year >= 0, copy.tm_year == fields.tm_year, copy.tm_mon == fields.tm_mon, copy.tm_mday == fields.tm_mday,
                  copy.tm_hour == fields.tm_hour, copy.tm_min == fields.tm_min, copy.tm_sec == fields.tm_sec else { return nil }
            self.width = digits.count
            self.seconds = Int(seconds)
        }

        init(seconds: Int, width: Int) {
            self.width = width
            // Whole minutes for the 12-digit format, so that advancing and comparing stay in its unit.
            self.seconds = width == 12 ? seconds - seconds % 60 : seconds
        }

        /// One unit of the format later: a second, or a minute.
        func advanced() -> Timestamp { Timestamp(seconds: seconds + (width == 12 ? 60 : 1), width: width) }

        var text: String {
            var time = time_t(seconds)
            var fields = tm()
            gmtime_r(&time, &fields)
            func padded(_ value: Int32, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            var text = padded(fields.tm_year + 1900, 4) + padded(fields.tm_mon + 1, 2) + padded(fields.tm_mday, 2)
                + padded(fields.tm_hour, 2) + padded(fields.tm_min, 2)
            if width == 14 { text += padded(fields.tm_sec, 2) }
            return text
        }
    }
}

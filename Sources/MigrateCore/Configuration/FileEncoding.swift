import FoundationEssentials
import PostgresClient
import Glibc

/// The encodings `encoding` (and a script's `.sql.conf`) may name.
enum FileEncoding {
    /// For messages.
    static let supportedNames = "UTF-8, ISO-8859-1, windows-1252, UTF-16, UTF-16LE, UTF-16BE or US-ASCII"

    static func named(_ name: String) -> String.Encoding? {
        switch name.lowercased().replacing("_", with: "-") {
        case "utf-8", "utf8": return .utf8
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1": return .isoLatin1
        case "windows-1252", "cp1252": return .windowsCP1252
        case "utf-16", "utf16": return .utf16
        case "utf-16le": return .utf16LittleEndian
        case "utf-16be": return .utf16BigEndian
        case "us-ascii", "ascii": return .ascii
        default: return nil
        }
    }
}

import FoundationEssentials
import Glibc

extension Migrator {
    /// `new`: writes the next versioned migration (see `NextMigration`) into the first location, and with
    /// `undo` its undo file, creating the folder when missing. Never overwrites: when a file is already
    /// there, nothing is written. Needs no database.
    public func newMigration(description: String, undo: Bool) throws -> NewMigrationResult {
        let scanner = try scanner
        let next = try NextMigration(description: description, undo: undo, scanner: scanner,
                                     undoPrefix: configuration.undoSqlMigrationPrefix,
                                     baselinePrefix: configuration.baselineMigrationPrefix, now: Int(time(nil)))
        var files = [(path: next.directory + "/" + next.fileName, header: "-- Migration \(next.version): \(next.description)\n")]
        if let undoFileName = next.undoFileName {
            files.append((next.directory + "/" + undoFileName, "-- Undo of migration \(next.version): \(next.description)\n"))
        }
        // Checked before anything is created; opening with O_EXCL below still refuses a file that appears meanwhile.
        if let existing = files.first(where: { FileSystem.kind(of: $0.path) != nil }) {
            throw NewMigrationError.fileExists(path: scanner.displayPath(existing.path))
        }
        try createDirectories(next.directory, display: scanner.displayPath)
        let encoding = try configuration.fileEncoding
        var written: [String] = []
        do {
            for file in files {
                try writeNewFile(file.path, bytes: Self.encoded(file.header, encoding, fallback: "-- Migration \(next.version)\n"),
                                 display: scanner.displayPath)
                written.append(file.path)
            }
        } catch {
            // Both files or neither.
            for path in written { unlink(path) }
            throw error
        }
        return NewMigrationResult(version: next.version, description: next.description, filepath: files[0].path,
                                  undoFilepath: files.count > 1 ? files[1].path : nil)
    }

    /// `text` in the files' encoding; `fallback` (ASCII) when the encoding cannot hold it (an emoji in a
    /// Latin-1 project): the header is a comment, the name already carries the description.
    static func encoded(_ text: String, _ encoding: String.Encoding, fallback: String) -> [UInt8] {
        let asciiCompatible: [String.Encoding] = [.utf8, .ascii, .isoLatin1, .windowsCP1252]
        if encoding == .utf8 || (asciiCompatible.contains(encoding) && text.utf8.allSatisfy { $0 < 0x80 }) { return Array(text.utf8) }
        if let data = text.data(using: encoding) { return Array(data) }
        return text == fallback ? Array(text.utf8) : encoded(fallback, encoding, fallback: fallback)
    }

    /// Creates `path` and the folders above it that are missing (`mkdir -p`).
    private func createDirectories(_ path: String, display: (String) -> String) throws {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw NewMigrationError.cannotWrite(path: display(current), reason: String(cString: strerror(errno)))
            }
        }
        guard FileSystem.kind(of: path) == .directory else {
            throw NewMigrationError.cannotWrite(path: display(path), reason: "not a directory")
        }
    }

    /// Creates the file at `path` with `bytes`, refusing one that already exists.
    private func writeNewFile(_ path: String, bytes: [UInt8], display: (String) -> String) throws {
        do {
            try FileSystem.createNewFile(path, bytes: bytes)
        } catch let error as FileSystemError {
            if error.code == EEXIST { throw NewMigrationError.fileExists(path: display(path)) }
            throw NewMigrationError.cannotWrite(path: display(path), reason: error.reason)
        }
    }
}

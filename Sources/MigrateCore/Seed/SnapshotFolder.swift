import FoundationEssentials
import Glibc
import PostgresClient

/// A snapshot on disk: a folder with a manifest and one `<table>.csv` per table.
struct SnapshotFolder: Sendable {
    /// Absolute path of the folder.
    let path: String
    /// How messages and results name it: relative to the working directory when below it.
    let displayPath: String
    let manifest: SnapshotManifest

    func file(of table: String) -> String { path + "/" + table + ".csv" }
    func displayFile(of table: String) -> String { displayPath + "/" + table + ".csv" }

    /// Reads the folder at `path`.
    init(path: String, displayPath: String) throws(SeedError) {
        self.path = path
        self.displayPath = displayPath
        let manifestPath = displayPath + "/" + SnapshotManifest.fileName
        let text: String
        do {
            text = try FileSystem.utf8Text(at: path + "/" + SnapshotManifest.fileName)
        } catch {
            throw SeedError.manifest(path: manifestPath, line: nil, "cannot be read: \(error.reason)")
        }
        manifest = try SnapshotManifest(parsing: text, path: manifestPath)
    }

    /// Every table's file is there and starts with a header line of column names: what can be checked
    /// before the database is touched. Returns each table's header columns.
    func checkedHeaders() throws(SeedError) -> [String: [String]] {
        var headers: [String: [String]] = [:]
        for table in manifest.tables {
            guard FileSystem.kind(of: file(of: table)) == .file else {
                throw SeedError.missingFile(path: displayFile(of: table), table: table)
            }
            headers[table] = try Self.header(of: file(of: table), display: displayFile(of: table))
        }
        return headers
    }

    /// The column names of a CSV file's first line (quoted names may hold commas and doubled quotes).
    static func header(of path: String, display: String) throws(SeedError) -> [String] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SeedError.badHeader(path: display, "cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        let count = read(descriptor, &bytes, bytes.count)
        let line = bytes[..<max(count, 0)].split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        guard let text = String(validating: line, as: UTF8.self), !text.trimmed().isEmpty else {
            throw SeedError.badHeader(path: display, "expected a header line naming the columns")
        }
        var names: [String] = []
        var current = "", quoted = false, wasQuoted = false
        var characters = Array(text.hasSuffix("\r") ? String(text.dropLast()) : text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { current.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true; wasQuoted = true
            } else if character == "," {
                names.append(current); current = ""; wasQuoted = false
            } else {
                current.append(character)
            }
        }
        guard !quoted else { throw SeedError.badHeader(path: display, "the header line ends inside a quoted name") }
        names.append(current)
        if let empty = names.firstIndex(where: \.isEmpty), !wasQuoted || empty < names.count - 1 {
            throw SeedError.badHeader(path: display, "column \(empty + 1) of the header line has no name")
        }
        return names
    }
}

/// The snapshots under the seed location.
struct SnapshotShelf {
    /// Absolute path of the seed location, and how messages name it.
    let path: String
    let displayPath: String

    init(configuration: Configuration) {
        let url = URL(fileURLWithPath: configuration.seedLocation, relativeTo: configuration.workingDirectory).standardizedFileURL
        path = url.path
        displayPath = FileSystem.displayPath(path, from: configuration.workingDirectory)
    }


    /// The folder a snapshot of `versionText` is written to.
    func folder(forVersion versionText: String) -> (path: String, display: String) {
        (path + "/v" + versionText, displayPath + "/v" + versionText)
    }

    /// Every folder holding a manifest, read; one whose manifest is broken is an error only when it would be
    /// picked, so it is returned as the error.
    func snapshots() -> [Result<SnapshotFolder, SeedError>] {
        guard let entries = try? FileSystem.visibleEntries(of: path) else { return [] }
        return entries.sorted { $0.name < $1.name }.compactMap { entry in
            let folder = path + "/" + entry.name
            guard FileSystem.kind(of: folder + "/" + SnapshotManifest.fileName) == .file else { return nil }
            do throws(SeedError) {
                return .success(try SnapshotFolder(path: folder, displayPath: displayPath + "/" + entry.name))
            } catch {
                return .failure(error)
            }
        }
    }

    /// `seed.snapshot`: a folder name under the seed location, or a path (relative to the working directory).
    func named(_ name: String, _ configuration: Configuration) throws(SeedError) -> SnapshotFolder {
        let candidates = [path + "/" + name,
                          URL(fileURLWithPath: name, relativeTo: configuration.workingDirectory).standardizedFileURL.path]
        guard let folder = candidates.first(where: { FileSystem.kind(of: $0 + "/" + SnapshotManifest.fileName) == .file }) else {
            throw SeedError.snapshotNotFound(name, folder: displayPath)
        }
        return try SnapshotFolder(path: folder, displayPath: FileSystem.displayPath(folder, from: configuration.workingDirectory))
    }
}

import Foundation

/// Finds migration files in the configured locations.
public struct MigrationScanner: Sendable {
    public var locations: [String]
    public var naming: MigrationNaming
    public var encoding: String.Encoding
    public var workingDirectory: URL

    public init(locations: [String], naming: MigrationNaming, encoding: String.Encoding = .utf8, workingDirectory: URL) {
        self.locations = locations
        self.naming = naming
        self.encoding = encoding
        self.workingDirectory = workingDirectory
    }

    public struct Result: Sendable {
        /// Versioned migrations sorted by version, then repeatables sorted by description.
        public var migrations: [MigrationFile]
        /// Files with a migration suffix whose names are not valid migration names, with the reason.
        public var misnamed: [(path: String, reason: String)]
        /// Locations that do not exist.
        public var missingLocations: [String]
    }

    public func scan() throws -> Result {
        var migrations: [MigrationFile] = []
        var misnamed: [(String, String)] = []
        var missing: [String] = []
        for location in locations {
            let directory = try resolve(location)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                missing.append(location)
                continue
            }
            let directoryPath = directory.path
            for relativePath in try filesBelow(directory) {
                let fileName = (relativePath as NSString).lastPathComponent
                let url = directory.appendingPathComponent(relativePath)
                switch naming.parse(fileName) {
                case .notAMigration:
                    continue
                case .invalid(let reason):
                    misnamed.append((displayPath(url), reason))
                case .versioned(let version, let description):
                    let checksum = try checksum(of: url)
                    migrations.append(MigrationFile(kind: .versioned(version), description: description, script: relativePath, url: url, filepath: directoryPath + "/" + relativePath, checksum: checksum))
                case .repeatable(let description):
                    let checksum = try checksum(of: url)
                    migrations.append(MigrationFile(kind: .repeatable, description: description, script: relativePath, url: url, filepath: directoryPath + "/" + relativePath, checksum: checksum))
                }
            }
        }
        try rejectDuplicates(migrations)
        migrations.sort(by: Self.executionOrder)
        return Result(migrations: migrations, misnamed: misnamed, missingLocations: missing)
    }

    /// Versioned by version, then repeatables by description (Flyway's order).
    static func executionOrder(_ a: MigrationFile, _ b: MigrationFile) -> Bool {
        switch (a.version, b.version) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.description < b.description
        }
    }

    private func checksum(of url: URL) throws -> Int32 {
        do {
            return try Checksum.ofFile(at: url, encoding: encoding, displayName: "")
        } catch let error as ChecksumError {
            throw MigrationError.unreadableFile(path: displayPath(url), reason: error.message)
        }
    }

    private func rejectDuplicates(_ migrations: [MigrationFile]) throws {
        var byVersion: [MigrationVersion: [MigrationFile]] = [:]
        var byDescription: [String: [MigrationFile]] = [:]
        for migration in migrations {
            if let version = migration.version { byVersion[version, default: []].append(migration) }
            else { byDescription[migration.description, default: []].append(migration) }
        }
        if let (version, files) = byVersion.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw MigrationError.duplicateVersion(version.text, files: files.map { displayPath($0.url) }.sorted())
        }
        if let (description, files) = byDescription.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw MigrationError.duplicateRepeatable(description, files: files.map { displayPath($0.url) }.sorted())
        }
    }

    /// `filesystem:sql` → `<workingDirectory>/sql`; other schemes are not supported.
    func resolve(_ location: String) throws -> URL {
        var path = location
        if path.hasPrefix("filesystem:") { path.removeFirst("filesystem:".count) }
        else if let colon = path.firstIndex(of: ":"), path[..<colon].count > 1, !path[..<colon].contains("/") {
            throw MigrationError.unsupportedLocation(location)
        }
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return workingDirectory.appendingPathComponent(path).standardizedFileURL
    }

    /// Regular files below `directory`, recursively, skipping hidden entries; relative paths, sorted.
    private func filesBelow(_ directory: URL) throws -> [String] {
        var result: [String] = []
        func walk(_ relative: String) throws {
            let absolute = relative.isEmpty ? directory.path : directory.path + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: absolute).sorted() where !name.hasPrefix(".") {
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: directory.path + "/" + childRelative, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue { try walk(childRelative) } else { result.append(childRelative) }
            }
        }
        try walk("")
        return result
    }

    /// A path for messages: relative to the working directory when below it.
    func displayPath(_ url: URL) -> String {
        let base = workingDirectory.standardizedFileURL.path
        let path = url.path
        if path.hasPrefix(base + "/") { return String(path.dropFirst(base.count + 1)) }
        return path
    }
}

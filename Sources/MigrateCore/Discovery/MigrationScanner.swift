import FoundationEssentials
import Glibc

/// Finds migration files in the configured locations.
public struct MigrationScanner: Sendable {
    public var locations: [String]
    public var naming: MigrationNaming
    public var encoding: String.Encoding
    /// False: versioned files larger than `inMemoryChecksumBytes` are not checksummed by the scan (their
    /// checksum is 0 and their paths are in `Result.uncheckedLargeFiles`), for a caller that computes them
    /// only where they are needed.
    public var checksumsLargeFiles = true
    public var workingDirectory: URL
    /// Where SQL callbacks are also read (only callbacks: other files there are not looked at).
    public var callbackLocations: [String] = []
    /// skipDefaultCallbacks: callbacks in `locations` are left out (they are still not migrations).
    public var skipsCallbacksInLocations = false
    /// Only callbacks are looked for (commands that run no migration).
    public var callbacksOnly = false

    public init(locations: [String], naming: MigrationNaming, encoding: String.Encoding = .utf8, workingDirectory: URL) {
        self.locations = locations
        self.naming = naming
        self.encoding = encoding
        self.workingDirectory = workingDirectory
    }

    public struct Result: Sendable {
        /// Versioned migrations sorted by version, then repeatables sorted by description.
        public var migrations: [MigrationFile]
        /// Undo files (`U<version>__…`), sorted by version: apart from `migrations`, so that nothing that
        /// runs migrations ever sees them.
        public var undoFiles: [MigrationFile] = []
        /// Files with a migration suffix whose names are not valid migration names, with the reason.
        public var misnamed: [(path: String, reason: String)]
        /// Locations that do not exist.
        public var missingLocations: [String]
        /// Versioned files left without their checksum (see `checksumsLargeFiles`).
        public var uncheckedLargeFiles: [String] = []
        /// SQL callbacks, by event (in Flyway's order of the event list), then description (none first).
        public var callbacks: [MigrationFile] = []
        /// Files named like callbacks that name no event, with the reason: errors.
        public var misnamedCallbacks: [(path: String, reason: String)] = []
        /// What looks like a migration but is none, with the reason: folders named like migrations, script
        /// configurations (`V9__x.sql.conf`) whose migration is missing.
        public var strays: [(path: String, reason: String)] = []
        /// Links to a folder that holds them, not followed, with where they point.
        public var linkLoops: [(path: String, target: String)] = []
        /// Links that lead nowhere and are not named like migrations (those are errors), with the reason.
        public var brokenLinks: [(path: String, target: String, reason: String)] = []
    }

    public func scan() throws -> Result {
        var migrations: [MigrationFile] = []
        var undoFiles: [MigrationFile] = []
        var misnamed: [(String, String)] = []
        var missing: [String] = []
        var unchecked: [String] = []
        var callbacks: [MigrationFile] = []
        var misnamedCallbacks: [(String, String)] = []
        var callbackPaths = Set<String>()
        let buffer = ByteBuffer(capacity: 64 * 1024)
        var strays: [(String, String)] = []
        var linkLoops: [(String, String)] = []
        var brokenLinks: [(String, String, String)] = []
        let callbackOnly = callbackLocations.filter { !locations.contains($0) }
        // One walk for the locations, so that a folder they share is read once; callback-only locations
        // each their own (they take only callbacks, which `callbackPaths` keeps from being found twice).
        var walk = LocationWalk()
        for (index, location) in (locations + callbackOnly).enumerated() {
            let onlyCallbacks = callbacksOnly || index >= locations.count
            let takesCallbacks = onlyCallbacks || !skipsCallbacksInLocations || callbackLocations.contains(location)
            let directory = try resolve(location).path
            switch FileSystem.kind(of: directory) {
            case .directory: break
            case nil:
                missing.append(location)
                continue
            case .file, .other:
                throw MigrationError.locationNotAFolder(location)
            }
            if index >= locations.count { walk = LocationWalk() }
            let listing = try list(directory, with: &walk)
            for file in listing.files {
                let path = directory + "/" + file.relativePath
                let parsed = naming.parse(file.name)
                switch parsed {
                case .callback(let event, let description):
                    if takesCallbacks && callbackPaths.insert(path).inserted {
                        callbacks.append(MigrationFile(kind: .callback(event), description: description, script: file.relativePath,
                                                       filepath: path, checksum: 0))
                    }
                    continue
                case .misnamedCallback(let reason):
                    misnamedCallbacks.append((displayPath(path), reason))
                    continue
                default:
                    if onlyCallbacks { continue }
                }
                switch parsed {
                case .notAMigration, .callback, .misnamedCallback:
                    continue
                case .invalid(let reason):
                    misnamed.append((displayPath(path), reason))
                case .versioned(let version, let description):
                    // The size is looked at only for a file the in-memory checksum did not take (large, or not UTF-8).
                    var checksum = inMemoryChecksum(of: path, buffer: buffer)
                    if checksum == nil && !checksumsLargeFiles && (FileSystem.size(of: path) ?? 0) > Self.inMemoryChecksumBytes {
                        unchecked.append(path)
                    } else if checksum == nil {
                        checksum = try streamedChecksum(of: path)
                    }
                    migrations.append(MigrationFile(kind: .versioned(version), description: description, script: file.relativePath,
                                                    filepath: path, checksum: checksum ?? 0))
                case .baseline(let version, let description):
                    migrations.append(MigrationFile(kind: .baseline(version), description: description, script: file.relativePath,
                                                    filepath: path, checksum: try checksum(of: path, buffer: buffer)))
                case .repeatable(let description):
                    migrations.append(MigrationFile(kind: .repeatable, description: description, script: file.relativePath,
                                                    filepath: path, checksum: try checksum(of: path, buffer: buffer)))
                case .undo(let version, let description):
                    undoFiles.append(MigrationFile(kind: .undo(version), description: description, script: file.relativePath,
                                                   filepath: path, checksum: try checksum(of: path, buffer: buffer)))
                }
            }
            if onlyCallbacks { continue }
            strays += self.strays(in: listing, below: directory)
            linkLoops += listing.loops.map { (displayPath(directory + "/" + $0.link.relativePath), $0.target) }
            for (link, target, reason) in listing.brokenLinks {
                let path = displayPath(directory + "/" + link.relativePath)
                guard case .notAMigration = naming.parse(link.name) else {
                    throw MigrationError.unreadableFile(path: path, reason: "it is a symbolic link to '\(target)', which cannot be followed (\(reason))")
                }
                brokenLinks.append((path, target, reason))
            }
        }
        misnamed.sort { $0.0 < $1.0 }
        misnamedCallbacks.sort { $0.0 < $1.0 }
        strays.sort { $0.0 < $1.0 }
        try rejectDuplicates(migrations)
        try rejectDuplicates(undoFiles)
        try rejectDuplicateCallbacks(callbacks)
        migrations = Self.inExecutionOrder(migrations)
        return Result(migrations: migrations, undoFiles: Self.inExecutionOrder(undoFiles), misnamed: misnamed,
                      missingLocations: missing, uncheckedLargeFiles: unchecked,
                      callbacks: Self.inCallbackOrder(callbacks), misnamedCallbacks: misnamedCallbacks,
                      strays: strays, linkLoops: linkLoops, brokenLinks: brokenLinks)
    }

    /// By event, then by description, the one without a description first (Flyway's order).
    static func inCallbackOrder(_ callbacks: [MigrationFile]) -> [MigrationFile] {
        let rank = Dictionary(uniqueKeysWithValues: CallbackEvent.allCases.enumerated().map { ($1, $0) })
        return callbacks.sorted { a, b in
            let (rankA, rankB) = (rank[a.callbackEvent!]!, rank[b.callbackEvent!]!)
            return rankA != rankB ? rankA < rankB : a.description < b.description
        }
    }

    /// Two callbacks with the same name (in two locations, or differing only in suffix) would run twice.
    private func rejectDuplicateCallbacks(_ callbacks: [MigrationFile]) throws {
        var byName: [String: [MigrationFile]] = [:]
        for callback in callbacks {
            byName["\(callback.callbackEvent!.rawValue)|\(callback.description)", default: []].append(callback)
        }
        if let (_, files) = byName.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw MigrationError.duplicateCallback(files: files.map { displayPath($0.filepath) }.sorted())
        }
    }

    /// `files` in execution order, sorted through their keys: comparing whole files copies them, which cost
    /// more than the rest of a no-op run's discovery.
    static func inExecutionOrder(_ files: [MigrationFile]) -> [MigrationFile] {
        // The common case: every version fits four plain numbers.
        var versioned: [(key: (UInt64, UInt64, UInt64, UInt64), index: Int)] = []
        var repeatables: [(description: String, index: Int)] = []
        var compact = true
        versioned.reserveCapacity(files.count)
        for index in files.indices where compact {
            if let version = files[index].version {
                if let key = version.compactKey { versioned.append((key, index)) } else { compact = false }
            } else {
                repeatables.append((files[index].description, index))
            }
        }
        if compact {
            versioned.sort { $0.key < $1.key }
            repeatables.sort { $0.description < $1.description }
            return versioned.map { files[$0.index] } + repeatables.map { files[$0.index] }
        }
        let versions = files.map(\.version)
        let descriptions = files.map(\.description)
        let order = versions.withUnsafeBufferPointer { versions in
            descriptions.withUnsafeBufferPointer { descriptions in
                files.indices.sorted { a, b in
                    switch (versions[a] != nil, versions[b] != nil) {
                    case (true, true): return versions[a]! < versions[b]!
                    case (true, false): return true
                    case (false, true): return false
                    case (false, false): return descriptions[a] < descriptions[b]
                    }
                }
            }
        }
        return order.map { files[$0] }
    }

    /// Files up to this size are checksummed from memory (one read into a buffer shared by all files); larger
    /// ones, and other encodings, stream through the script reader.
    static let inMemoryChecksumBytes = 1 << 20

    /// The checksum of a file too large to be read whole (the scan's `uncheckedLargeFiles`).
    func checksum(ofLargeFileAt path: String) throws -> Int32 {
        try streamedChecksum(of: path)
    }

    private func checksum(of path: String, buffer: ByteBuffer) throws -> Int32 {
        try inMemoryChecksum(of: path, buffer: buffer) ?? streamedChecksum(of: path)
    }

    /// The checksum of a UTF-8 file small enough to be read whole into `buffer`; nil for any other.
    private func inMemoryChecksum(of path: String, buffer: ByteBuffer) -> Int32? {
        guard encoding == .utf8, let bytes = try? FileSystem.readSmallFile(path, into: buffer, limit: Self.inMemoryChecksumBytes) else {
            return nil
        }
        return Checksum.ofUTF8(bytes)
    }

    private func streamedChecksum(of path: String) throws -> Int32 {
        do {
            return try Checksum.ofFile(atPath: path, encoding: encoding, displayName: displayPath(path))
        } catch let error as SQLScriptError {
            throw MigrationError.script(error)
        } catch let error as ChecksumError {
            throw MigrationError.unreadableFile(path: displayPath(path), reason: error.message)
        }
    }

    private func rejectDuplicates(_ migrations: [MigrationFile]) throws {
        // Sets first: duplicates are rare, so the files of each are only gathered once one is found.
        // A B file may share its version with a V file (it stands for that file and those before it).
        var versions = Set<MigrationVersion>(minimumCapacity: migrations.count)
        var baselineVersions = Set<MigrationVersion>()
        var descriptions = Set<String>()
        var clash = false
        for migration in migrations {
            if let version = migration.version {
                clash = !(migration.isBaselineMigration ? baselineVersions.insert(version) : versions.insert(version)).inserted || clash
            } else {
                clash = !descriptions.insert(migration.description).inserted || clash
            }
        }
        guard clash else { return }
        var byVersion: [MigrationVersion: [MigrationFile]] = [:]
        var byBaselineVersion: [MigrationVersion: [MigrationFile]] = [:]
        var byDescription: [String: [MigrationFile]] = [:]
        for migration in migrations {
            if let version = migration.version, migration.isBaselineMigration { byBaselineVersion[version, default: []].append(migration) }
            else if let version = migration.version { byVersion[version, default: []].append(migration) }
            else { byDescription[migration.description, default: []].append(migration) }
        }
        if let (version, files) = byBaselineVersion.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw MigrationError.duplicateVersion(version.text, undo: false, files: files.map { displayPath($0.filepath) }.sorted())
        }
        if let (version, files) = byVersion.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw MigrationError.duplicateVersion(version.text, undo: files[0].isUndo, files: files.map { displayPath($0.filepath) }.sorted())
        }
        if let (description, files) = byDescription.filter({ $0.value.count > 1 }).min(by: { $0.key < $1.key }) {
            throw MigrationError.duplicateRepeatable(description, files: files.map { displayPath($0.filepath) }.sorted())
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

    /// Regular files below `directory`, recursively, skipping hidden entries, in no particular order.
    func filesBelow(_ directory: String) throws -> [LocationWalk.Entry] {
        var walk = LocationWalk()
        return try list(directory, with: &walk).files
    }

    private func list(_ directory: String, with walk: inout LocationWalk) throws -> LocationWalk.Listing {
        do {
            return try walk.list(directory)
        } catch {
            throw MigrationError.unreadableFile(path: displayPath(error.path), reason: "cannot list the directory: \(error.reason)")
        }
    }

    /// Folders named like migrations (a file was meant, or their files are not where they seem), and script
    /// configurations whose migration is missing (renamed or deleted without its `.conf`).
    private func strays(in listing: LocationWalk.Listing, below directory: String) -> [(String, String)] {
        var strays: [(String, String)] = []
        for folder in listing.folders {
            if case .notAMigration = naming.parse(folder.name) { continue }
            strays.append((displayPath(directory + "/" + folder.relativePath),
                           "a folder named like a migration: a migration is a file (the files inside are scanned as usual)"))
        }
        let configurations = listing.files.filter { $0.name.hasSuffix(".conf") }
        guard !configurations.isEmpty else { return strays }
        let files = Set(listing.files.map(\.relativePath))
        for configuration in configurations {
            let script = String(configuration.name.dropLast(".conf".count))
            guard naming.suffixes.contains(where: { script.hasSuffix($0) }), !files.contains(String(configuration.relativePath.dropLast(".conf".count))) else {
                continue
            }
            if case .notAMigration = naming.parse(script) { continue }
            strays.append((displayPath(directory + "/" + configuration.relativePath),
                           "a script configuration without its migration: there is no \(script) beside it"))
        }
        return strays
    }

    /// A path for messages: relative to the working directory when below it.
    func displayPath(_ path: String) -> String { FileSystem.displayPath(path, from: workingDirectory) }
}

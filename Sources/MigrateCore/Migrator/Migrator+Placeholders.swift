import FoundationEssentials
import Glibc

extension Migrator {
    /// Scans the files (before connecting, so file errors need no database), connects, and finishes the
    /// repeatables' checksums, which depend on placeholder values known only once connected.
    /// The files are read on a thread of their own while connecting: on a no-op run that is most of the
    /// work, and the connection mostly waits for the server. A misnamed file or a missing location is still
    /// the error when the connection fails too, as it was when the files were read first.
    func openSessionWithMigrations() throws -> (Session, [MigrationFile]) {
        let (session, files, _) = try openSessionWithMigrations(largeChecksumsLater: false)
        return (session, files)
    }

    /// With `largeChecksumsLater`, large versioned files come with checksum 0, their checksums being
    /// computed on a thread of their own (see `LargeFileChecksums`).
    func openSessionWithMigrations(largeChecksumsLater: Bool) throws -> (Session, [MigrationFile], LargeFileChecksums?) {
        var configured = try self.scanner
        configured.checksumsLargeFiles = !largeChecksumsLater
        let scanner = configured
        let scan = BackgroundWork { [sharedScan] in try sharedScan ?? scanner.scan() }
        let session: Session
        do {
            session = try openSession()
        } catch {
            _ = try resolved(try scan.value())
            throw error
        }
        let result = try scan.value()
        let scanned = try resolved(result)
        let large = result.uncheckedLargeFiles.isEmpty ? nil : LargeFileChecksums(paths: result.uncheckedLargeFiles, scanner: scanner)
        session.undoFiles = result.undoFiles
        let files = try withPlaceholderChecksums(scanned, session: session)
        try startCallbacks(result.callbacks, session)
        return (session, files, large)
    }

    /// The locations scanned and every checksum computed, what is wrong in them reported: for runs that open
    /// several sessions over the same files (a fleet's targets, seed's steps) as their `sharedScan`.
    func resolvedScan() throws -> MigrationScanner.Result {
        var scanner = try self.scanner
        scanner.checksumsLargeFiles = true
        let scan = try scanner.scan()
        _ = try resolved(scan)
        return scan
    }

    /// For commands that run no migration (clean, baseline): a session with its callbacks only.
    func openSessionWithCallbacks() throws -> Session {
        var configured = try self.scanner
        configured.callbacksOnly = true
        let scanner = configured
        let scan = BackgroundWork { [sharedScan] in try sharedScan ?? scanner.scan() }
        let session = try openSession()
        let result = try scan.value()
        try rejectMisnamedCallbacks(result)
        try startCallbacks(result.callbacks, session)
        return session
    }

    /// Plans every callback of the session, then runs afterConnect's.
    private func startCallbacks(_ files: [MigrationFile], _ session: Session) throws {
        guard !files.isEmpty else { return }
        session.callbacks = try planCallbacks(files, session: session)
        try runCallbacks(.afterConnect, session)
    }

    /// Flyway's built-in placeholders (`${flyway:defaultSchema}` …) plus the configured ones; `filename` is per file.
    func placeholderValues(_ session: Session) -> [String: String] {
        var values = configuration.placeholders
        values["flyway:defaultSchema"] = session.defaultSchema
        values["flyway:user"] = session.userName
        values["flyway:database"] = session.databaseName
        values["flyway:timestamp"] = Self.localTimestamp()
        values["flyway:table"] = session.history.table
        values["flyway:workingDirectory"] = configuration.workingDirectory.path
        values["flyway:environment"] = configuration.environment
        return values
    }

    /// Flyway checksums repeatable migrations after placeholder replacement (so a changed value re-runs them);
    /// versioned ones keep the checksum of the raw file. Recomputes the repeatables' checksums that way.
    func withPlaceholderChecksums(_ files: [MigrationFile], session: Session) throws -> [MigrationFile] {
        guard files.contains(where: \.isRepeatable) else { return files }
        return try files.map { file in
            guard file.isRepeatable else { return file }
            let settings = try scriptSettings(for: file, session: session)
            guard settings.placeholders != nil else { return file }
            var updated = file
            do {
                var reader = try settings.reader(file)
                updated.checksum = try reader.checksum()
            } catch let error as SQLScriptError {
                throw MigrationError.script(error)
            }
            return updated
        }
    }

    /// Now as `yyyy-MM-dd HH:mm:ss` in local time, Flyway's format.
    static func localTimestamp() -> String {
        formattedNow(utc: false)
    }

    /// Now as `yyyy-MM-dd HH:mm:ss`, local or UTC (strftime: no date formatter, no ICU).
    static func formattedNow(utc: Bool) -> String {
        var now = time(nil)
        var parts = tm()
        if utc { gmtime_r(&now, &parts) } else { localtime_r(&now, &parts) }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

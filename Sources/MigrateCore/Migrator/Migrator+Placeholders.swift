import Foundation

extension Migrator {
    /// Scans the files (before connecting, so file errors need no database), connects, and finishes the
    /// repeatables' checksums, which depend on placeholder values known only once connected.
    func openSessionWithMigrations() throws -> (Session, [MigrationFile]) {
        let scanned = try resolveMigrations()
        let session = try openSession()
        return (session, try withPlaceholderChecksums(scanned, session: session))
    }

    /// Flyway's built-in placeholders (`${flyway:defaultSchema}` …) plus the configured ones; `filename` is per file.
    func placeholderValues(_ session: Session) -> [String: String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var values = configuration.placeholders
        values["flyway:defaultSchema"] = session.defaultSchema
        values["flyway:user"] = session.userName
        values["flyway:database"] = session.databaseName
        values["flyway:timestamp"] = formatter.string(from: Date())
        values["flyway:table"] = session.history.table
        values["flyway:workingDirectory"] = configuration.workingDirectory.path
        values["flyway:environment"] = "default"
        return values
    }

    /// The replacer for one file, or nil when replacement is off (globally or in its `.sql.conf`).
    func placeholderReplacer(for file: MigrationFile, scriptConfig: ScriptConfig?, values: [String: String]) -> PlaceholderReplacer? {
        guard scriptConfig?.placeholderReplacement ?? configuration.placeholderReplacement else { return nil }
        var values = values
        values["flyway:filename"] = (file.script as NSString).lastPathComponent
        return PlaceholderReplacer(values: values, prefix: configuration.placeholderPrefix, suffix: configuration.placeholderSuffix)
    }

    /// Flyway checksums repeatable migrations after placeholder replacement (so a changed value re-runs them);
    /// versioned ones keep the checksum of the raw file. Recomputes the repeatables' checksums that way.
    func withPlaceholderChecksums(_ files: [MigrationFile], session: Session) throws -> [MigrationFile] {
        guard files.contains(where: \.isRepeatable) else { return files }
        let values = placeholderValues(session)
        let scanner = try scanner
        return try files.map { file in
            guard file.isRepeatable else { return file }
            let displayPath = scanner.displayPath(file.url)
            let scriptConfig = try ScriptConfig.load(for: file.url, displayPath: displayPath)
            guard let replacer = placeholderReplacer(for: file, scriptConfig: scriptConfig, values: values) else { return file }
            var encoding = try fileEncoding
            if let name = scriptConfig?.encoding, let named = FileEncoding.named(name) { encoding = named }
            guard let data = FileManager.default.contents(atPath: file.url.path), let text = String(data: data, encoding: encoding) else {
                throw MigrationError.unreadableFile(path: displayPath, reason: "cannot read the file as \(configuration.encoding)")
            }
            var lines: [String] = []
            var number = 0
            for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
                number += 1
                do {
                    lines.append(try replacer.replace(in: String(line), file: displayPath, lineNumber: number))
                } catch let error as SQLScriptError {
                    throw MigrationError.script(error)
                }
            }
            var updated = file
            updated.checksum = Checksum.of(lines.joined(separator: "\n"))
            return updated
        }
    }
}

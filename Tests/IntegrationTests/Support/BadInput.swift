import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// One row of the bad-input catalogue: what is given (files in the project, arguments, environment, the
/// database's state), and the one answer expected from the built binary.
struct BadInput {
    /// What a path in the project holds.
    enum Entry {
        case text(String)
        case bytes([UInt8])
        case folder
        /// A symbolic link with this target, as written.
        case link(String)
        /// A file its owner cannot read (the row runs as `nobody`).
        case unreadable(String)
        /// A folder nobody can list (the row runs as `nobody`).
        case unlistable
    }

    enum Outcome {
        /// Exits with `status`; the output has every word; the database is as before.
        case fails(status: Int32 = 1, words: [String], at: (path: String, line: Int)? = nil)
        /// Exits 0, the output has every word, and `check` holds.
        case succeeds(words: [String] = [], check: (MigrateProject) throws -> Void = { _ in })
    }

    var name: String
    var files: [(String, Entry)] = []
    var arguments: [String] = ["migrate"]
    var environment: [String: String] = [:]
    /// Statements run on the project's database first.
    var setup: [String] = []
    var withURL = true
    var outcome: Outcome

    /// A row that runs `migrate`.
    init(_ name: String, files: [(String, Entry)] = [], environment: [String: String] = [:], setup: [String] = [],
         _ outcome: Outcome) {
        self.init(name, files: files, ["migrate"], environment: environment, setup: setup, outcome)
    }

    init(_ name: String, files: [(String, Entry)] = [], _ arguments: [String], environment: [String: String] = [:],
         setup: [String] = [], withURL: Bool = true, _ outcome: Outcome) {
        self.name = name
        self.files = files
        self.arguments = arguments
        self.environment = environment
        self.setup = setup
        self.withURL = withURL
        self.outcome = outcome
    }

    /// Text that belongs to the runtime, never to a message for the user.
    static let frameworkText = ["NSCocoaErrorDomain", "Error Domain=", "UserInfo=", "MigrateCore.", "PostgresClient.", "Swift.",
                                "Foundation.", "Fatal error", "Optional("]

    private var runsAsNobody: Bool {
        files.contains { if case .unreadable = $0.1 { return true }; if case .unlistable = $0.1 { return true }; return false }
    }

    /// Runs the row in a new project and records every way the answer differs from the expected one.
    func check(file: StaticString = #filePath, line: UInt = #line) throws {
        let project = try MigrateProject()
        for statement in setup { try project.db().query(statement) }
        for (path, entry) in files { try write(entry, at: path, in: project) }
        let before = try Self.snapshot(project)
        let user = runsAsNobody && getuid() == 0 ? "nobody" : nil
        if user != nil { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: project.directory.path) }
        let socketAccess = try user.map { _ in try SocketAccess(project.cluster.socketDirectory) }
        defer { socketAccess?.restore() }
        let run = try project.migrate(arguments, environment: environment, withURL: withURL, asUser: user)
        let context = "[\(name)] exit \(run.status)\n\(run.output)"
        for text in Self.frameworkText {
            XCTAssertFalse(run.output.contains(text), "\(context)\nprints '\(text)'", file: file, line: line)
        }
        switch outcome {
        case let .fails(status, words, at):
            try expectFailure(run, status: status, words: words, at: at, project: project, user: user, context: context, file: file, line: line)
            XCTAssertEqual(try Self.snapshot(project), before, "\(context)\nthe database changed", file: file, line: line)
        case let .succeeds(words, check):
            XCTAssertEqual(run.status, 0, context, file: file, line: line)
            for word in words { XCTAssertTrue(run.output.contains(word), "\(context)\nlacks '\(word)'", file: file, line: line) }
            try check(project)
        }
    }

    private func expectFailure(_ run: MigrateProject.Run, status: Int32, words: [String], at: (path: String, line: Int)?,
                               project: MigrateProject, user: String?, context: String, file: StaticString, line: UInt) throws {
        XCTAssertEqual(run.status, status, context, file: file, line: line)
        for word in words { XCTAssertTrue(run.stderr.contains(word), "\(context)\nlacks '\(word)'", file: file, line: line) }
        guard status == 1 else { return }  // usage errors are the argument parser's, in its own form
        XCTAssertEqual(run.stderr.components(separatedBy: "ERROR:").count - 1, 1, "\(context)\nnot one error", file: file, line: line)
        guard !arguments.contains(where: { $0.hasPrefix("-outputType=") }) else { return }  // the row's own output type wins
        // The same answer as a JSON document: the message, a code, and the file and line where there is one.
        let json = try project.migrate(["-outputType=json"] + arguments, environment: environment, withURL: withURL, asUser: user)
        XCTAssertEqual(json.status, 1, "[\(name)] JSON\n\(json.output)", file: file, line: line)
        let error = try XCTUnwrap(try json.document(file: file, line: line)["error"] as? [String: Any], json.stdout, file: file, line: line)
        let message = error["message"] as? String ?? ""
        for word in words { XCTAssertTrue(message.contains(word), "[\(name)] JSON message lacks '\(word)': \(message)", file: file, line: line) }
        XCTAssertFalse((error["errorCode"] as? String ?? "").isEmpty, "[\(name)] \(error)", file: file, line: line)
        if let at {
            XCTAssertEqual(error["path"] as? String, at.path, "[\(name)] \(error)", file: file, line: line)
            XCTAssertEqual(error["lineNumber"] as? Int, at.line, "[\(name)] \(error)", file: file, line: line)
        }
    }

    private func write(_ entry: Entry, at path: String, in project: MigrateProject) throws {
        let url = project.directory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        switch entry {
        case .text(let text): try project.write(path, text)
        case .bytes(let bytes): try project.write(path, bytes: bytes)
        case .folder: try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        case .link(let target): try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        case .unreadable(let text):
            try project.write(path, text)
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: url.path)
        case .unlistable:
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: url.path)
        }
    }

    /// Every relation, schema and function outside the system schemas, with each table's row count.
    static func snapshot(_ project: MigrateProject) throws -> [String] {
        let rows = try project.column("""
            SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text
                   || CASE WHEN c.relkind = 'r' THEN ' rows ' || (xpath('/row/c/text()', query_to_xml(
                          format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
                      ELSE '' END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
            UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
            UNION ALL SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
            """)
        return rows.compactMap { $0 }.sorted()
    }
}

/// Lets other users reach the test cluster's socket while a row runs as `nobody` (the cluster's folder
/// is its owner's only); restores the folder's mode afterwards.
private struct SocketAccess {
    let path: String
    let mode: mode_t

    init(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TemporaryClusterError("stat \(path) failed") }
        self.path = path
        mode = info.st_mode & 0o7777
        chmod(path, mode | 0o001)
    }

    func restore() { chmod(path, mode) }
}

extension MigrateBinary {
    /// A copy of the binary that any user can run (the build folder may be below a home only root enters),
    /// made once and deleted at exit.
    static func pathForOtherUsers() throws -> String {
        try sharedCopy.get()
    }

    private static let sharedCopy = Result<String, Error> {
        let directory = sharedCopyDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let copy = directory + "/migrate"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        atexit { try? FileManager.default.removeItem(atPath: MigrateBinary.sharedCopyDirectory) }
        return copy
    }

    private static let sharedCopyDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("migrate-shared-\(UUID().uuidString)").path
}

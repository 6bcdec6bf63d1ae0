import PostgresClient

/// What a running command reports as it goes; the CLI decides how to show it.
public enum MigrationEvent: Sendable {
    /// Connected: which server and database this run touches (never a password).
    case connected(DatabaseTarget)
    case warning(Diagnostic)
    /// A NOTICE/WARNING/INFO from the server, with the script that was running (if any).
    case serverNotice(Notice, script: String?)
    case waitingForLock(holderPID: Int?)
    /// A migration file failed on a lock timeout or deadlock, was rolled back, and runs again shortly.
    case lockConflict(LockConflict)
    case connectionRetry(attempt: Int, of: Int, waitSeconds: Int, error: String)
    case createdSchema(String)
    case createdHistoryTable(String)
    case applying(script: String, version: String?, description: String)
    case applied(script: String, version: String?, description: String, milliseconds: Int)
    /// A SQL callback starts (`description` is "" when its name has none).
    case callbackRunning(event: CallbackEvent, description: String, script: String)
    case callbackExecuted(event: CallbackEvent, description: String, script: String, milliseconds: Int)
    /// `undo` runs the U file `script` to revert `version`.
    case undoing(script: String, version: String, description: String)
    case undone(script: String, version: String, description: String, milliseconds: Int)
    /// A statement (or batch) migrate sent, with the server's time: shown with `-X`.
    case statementSent(sql: String, milliseconds: Double)
}

/// Something the user should know, located where possible: a warning, or one problem of many.
public struct Diagnostic: Sendable, Equatable, Encodable {
    /// A stable name for the kind of problem (`LOCATION_MISSING`, `MISNAMED_MIGRATION`…).
    public var code: String
    public var message: String
    public var path: String?
    public var line: Int?
    public var column: Int?

    public init(code: String, message: String, path: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.code = code; self.message = message; self.path = path; self.line = line; self.column = column
    }
}

/// The server and database a command runs against, as shown to the user.
public struct DatabaseTarget: Sendable, Equatable, Encodable {
    /// `postgresql://host:port/database`, without user or password.
    public var url: String
    public var database: String
    public var user: String
    /// `15.20`, from the server's `server_version`.
    public var serverVersion: String
}

import PostgresClient

/// What a running command reports as it goes; the CLI decides how to show it.
public enum MigrationEvent: Sendable {
    case warning(String)
    /// A NOTICE/WARNING/INFO from the server, with the script that was running (if any).
    case serverNotice(Notice, script: String?)
    case waitingForLock(holderPID: Int?)
    case connectionRetry(attempt: Int, of: Int, waitSeconds: Int, error: String)
    case createdSchema(String)
    case createdHistoryTable(String)
    case applying(script: String, version: String?, description: String)
    case applied(script: String, version: String?, description: String, milliseconds: Int)
}

import Glibc
import PostgresClient

extension Migrator {
    /// Connects, retrying up to `connectRetries` times what may pass on a later try (no server answering
    /// yet, a server starting up or out of connection slots), waiting 1, 2, 4… seconds up to
    /// `connectRetriesInterval`, as Flyway does. A refusal that will not change (wrong password, unknown
    /// user or database, no pg_hba.conf rule, TLS trouble) fails at once, with a hint naming the setting to check.
    func connect() throws -> Connection {
        let parameters = try configuration.connectionParameters()
        var retries = 0
        while true {
            do {
                return try Connection(parameters: parameters)
            } catch let error as PostgresError {
                guard error.mayPassOnRetry, retries < configuration.connectRetries else {
                    throw MigrationError.connectionFailed(
                        target: configuration.redactedURL ?? "the database from PG* environment variables",
                        error: error, retries: retries, hint: configuration.connectionHint(for: error))
                }
                retries += 1
                let wait = min(1 << min(retries - 1, 30), max(configuration.connectRetriesInterval, 1))
                onEvent(.connectionRetry(attempt: retries, of: configuration.connectRetries, waitSeconds: wait, error: error.message))
                sleep(UInt32(wait))
            }
        }
    }
}

extension PostgresError {
    /// Whether the same connection attempt may pass later: nothing answered (not up yet, restarting), or
    /// the server said it cannot take the session now.
    var mayPassOnRetry: Bool {
        switch connectionFailure {
        case .unreachable: return true
        case .refusedByServer:
            switch sqlState {
            case .cannotConnectNow, .tooManyConnections, .adminShutdown, .crashShutdown: return true
            default: return false
            }
        case .passwordMissing, .rejectedByClient, nil: return false
        }
    }
}

extension Configuration {
    /// What to check after a failed connection, naming the settings involved and where they were set.
    func connectionHint(for error: PostgresError) -> String? {
        let urlSetting = url == nil ? "the PG* environment variables (no url is set)" : "the url (\(label(of: "url")))"
        switch error.connectionFailure {
        case .passwordMissing:
            return "the server asks for a password: set -password (or FLYWAY_PASSWORD, or flyway.password in a configuration file)"
        case .refusedByServer where error.sqlState == .invalidPassword:
            return "the password was rejected: check \(passwordOrigin) and \(userOrigin)"
        case .refusedByServer where error.sqlState == .invalidAuthorizationSpecification:
            return "the server does not let this user in to this database from here: check \(userOrigin) and the database "
                + "in \(urlSetting); if the server takes only SSL connections, add sslmode=require to the url"
        case .refusedByServer where error.sqlState == .invalidCatalogName:
            return "check the database named in \(urlSetting)"
        case .refusedByServer where error.mayPassOnRetry:
            return "the server was not ready: raise connectRetries (now \(connectRetries)) or connectRetriesInterval"
        case .rejectedByClient where error.message.contains("SSL") || error.message.contains("certificate"):
            return "check sslmode (and sslrootcert, sslcert, sslkey) in \(urlSetting)"
        case .unreachable:
            return "check the host and port in \(urlSetting)"
                + (connectRetries == 0 ? "; set connectRetries to wait for a server that is still starting" : "")
        default:
            return nil
        }
    }

    /// Where the user name came from.
    private var userOrigin: String {
        if let source = source(of: "user") { return "the user (\(source))" }
        return user != nil ? "the user setting" : "the user (-user, or the url's)"
    }

    /// Where the password libpq sent came from.
    private var passwordOrigin: String {
        if let source = source(of: "password") { return "the password (\(source))" }
        if password != nil { return "the password setting" }
        if let url, !SecretMasker.secrets(in: url).isEmpty { return "the password in the url (\(label(of: "url")))" }
        return "PGPASSWORD or ~/.pgpass (no password is configured)"
    }
}

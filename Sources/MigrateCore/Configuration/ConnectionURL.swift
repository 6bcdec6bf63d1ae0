import FoundationEssentials
import Glibc
import PostgresClient

/// `flyway.url` turned into libpq keyword/value pairs.
///
/// Three forms are accepted:
/// - `jdbc:postgresql://host[:port][,host2[:port2]…]/database?params`, plus pgjdbc's short forms
///   `jdbc:postgresql:database` and `jdbc:postgresql:/`. It is translated the way pgjdbc reads it:
///   no host means `localhost` and no port `5432` (pgjdbc always connects over TCP; a libpq-style
///   `?host=/socket/dir` parameter overrides that), no database means the user's name, and libpq's
///   `PG*` variables never fill what the url leaves out; query values are form-decoded (`%XX`, and `+` is a space), and
///   parameters with a libpq equivalent are mapped. Others are ignored with a warning.
/// - `postgres://…` / `postgresql://…` URIs, passed to libpq untouched as `dbname` (libpq expands
///   it, so every libpq URI feature works).
/// - A libpq keyword string (`host=… dbname=…`), passed the same way.
///
/// The pairs must be given to `PQconnectdbParams` with `expand_dbname` on and in order: a later
/// keyword overrides one expanded from the URI.
public struct ConnectionURL: Sendable {
    public enum Form: Sendable, Equatable { case jdbc, uri, keywords }

    public let form: Form
    /// libpq keywords and values, in the order libpq should apply them.
    public let parameters: [(keyword: String, value: String)]
    /// JDBC parameters that were dropped or only approximated, one sentence each.
    public let warnings: [String]

    /// Parses `string`; errors describe the problem without repeating the URL or its password.
    public init(_ string: String) throws(ConfigurationError) {
        // libpq takes C strings: a NUL would silently cut the url (or a value) short.
        guard !string.utf8.contains(0) else { throw ConfigurationError("the url contains a NUL character") }
        // Forms are told apart by bytes, as libpq does: as Characters, `//` and a combining mark after it
        // would not start with `//`.
        let lowered = string.lowercased()
        func starts(with prefix: String) -> Bool { lowered.utf8.starts(with: prefix.utf8) }
        if starts(with: "jdbc:") {
            guard starts(with: Self.jdbcPrefix) else {
                let subprotocol = lowered.dropFirst(5).prefix { $0 != ":" }
                throw ConfigurationError(
                    "unsupported JDBC URL 'jdbc:\(subprotocol):…': migrate connects only to PostgreSQL "
                        + "(expected \(Self.expectedForms))")
            }
            let rest = Substring(string.utf8.dropFirst(Self.jdbcPrefix.utf8.count))
            // The JDBC form is split on Characters, in which a combining mark joins the delimiter before it.
            if let joined = rest.first(where: { $0.unicodeScalars.count > 1 && ":/?&=@,[]%+".unicodeScalars.contains($0.unicodeScalars.first!) }) {
                throw ConfigurationError("the url has a combining character right after '\(joined.unicodeScalars.first!)': "
                    + "percent-encode it (%XX)")
            }
            let jdbc = try JDBCURL(rest)
            if let cut = jdbc.parameters.first(where: { $0.value.utf8.contains(0) }) {
                throw ConfigurationError("the url's \(cut.keyword) decodes to a NUL character (%00), which libpq cannot take")
            }
            form = .jdbc
            parameters = jdbc.parameters
            warnings = jdbc.warnings
        } else if starts(with: "postgres://") || starts(with: "postgresql://") {
            form = .uri
            parameters = [("dbname", string)]
            warnings = []
        } else if let scheme = Self.scheme(of: string) {
            throw ConfigurationError("unsupported URL scheme '\(scheme)' (expected \(Self.expectedForms))")
        } else if string.utf8.contains(UInt8(ascii: "=")) {
            try Self.checkKeywords(in: string)
            form = .keywords
            parameters = [("dbname", string)]
            warnings = []
        } else {
            throw ConfigurationError("not a connection URL (expected \(Self.expectedForms))")
        }
    }

    static let jdbcPrefix = "jdbc:postgresql:"
    private static let expectedForms =
        "jdbc:postgresql://host:port/database, postgres://…, postgresql://… or a libpq string like 'host=… dbname=…'"

    /// `http` for `http://x`; nil for a keyword string (`host=a`), whose first `=` comes before any `:`.
    private static func scheme(of string: String) -> Substring? {
        guard let colon = string.firstIndex(of: ":") else { return nil }
        let candidate = string[..<colon]
        guard let first = candidate.first, first.isASCII, first.isLetter,
              candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
        else { return nil }
        return candidate
    }

    // MARK: libpq keyword strings

    /// Rejects what libpq would not parse (see `Conninfo`).
    private static func checkKeywords(in string: String) throws(ConfigurationError) {
        switch Conninfo.pairs(in: string.unicodeScalars).stop {
        case nil: return
        case .missingEquals(let keyword)?: throw ConfigurationError("libpq connection string: missing '=' after '\(keyword)'")
        case .unterminatedQuote(let keyword)?: throw ConfigurationError("libpq connection string: unterminated quoted value for '\(keyword)'")
        }
    }
}

/// The pieces of a `jdbc:postgresql:` URL, read as pgjdbc reads them, mapped to libpq keywords.
private struct JDBCURL {
    private(set) var parameters: [(keyword: String, value: String)] = []
    private(set) var warnings: [String] = []

    /// `rest` is everything after `jdbc:postgresql:`.
    init(_ rest: Substring) throws(ConfigurationError) {
        var hosts: [(host: String, port: String?)] = []
        var userInfo: (user: String, password: String?)?
        var location = rest
        var query: Substring = ""

        if location.hasPrefix("//") {
            let afterSlashes = location.dropFirst(2)
            let authorityEnd = afterSlashes.firstIndex { $0 == "/" || $0 == "?" } ?? afterSlashes.endIndex
            var authority = afterSlashes[..<authorityEnd]
            location = afterSlashes[authorityEnd...]
            if let at = authority.lastIndex(of: "@") {
                userInfo = try Self.userInfo(authority[..<at])
                authority = authority[authority.index(after: at)...]
            }
            if !authority.isEmpty {
                hosts = try authority.split(separator: ",", omittingEmptySubsequences: false).map(Self.hostAndPort)
            }
        }
        if let question = location.firstIndex(of: "?") {
            query = location[location.index(after: question)...]
            location = location[..<question]
        }
        if location.hasPrefix("/") { location = location.dropFirst() }
        guard let database = PercentEncoding.decoded(location, plusIsSpace: true) else {
            throw ConfigurationError("invalid percent-encoding in the database name")
        }

        var settings = try Self.queryParameters(query)
        func take(_ name: String) -> String? {
            guard let index = settings.lastIndex(where: { $0.name.lowercased() == name }) else { return nil }
            let value = settings[index].value
            settings.removeAll { $0.name.lowercased() == name }
            return value
        }

        // Host and port: pgjdbc's defaults are localhost and 5432 (for each host); a libpq-style host/port
        // parameter overrides. Both are always given, so PGHOST and PGPORT cannot change a JDBC url.
        let hostParameter = take("host"), portParameter = take("port")
        if let hostParameter {
            set("host", hostParameter)
        } else {
            set("host", hosts.isEmpty ? "localhost" : hosts.map { $0.host }.joined(separator: ","))
        }
        if let portParameter {
            set("port", portParameter)
        } else {
            // libpq wants one port for all hosts, or one per host.
            let perHost = hosts.count > 1 && hosts.contains { $0.port != nil }
            set("port", perHost ? hosts.map { $0.port ?? "5432" }.joined(separator: ",") : hosts.first?.port ?? "5432")
        }
        // No database: pgjdbc's is the user's name, which Configuration.connectionParameters() fills in.
        if !database.isEmpty { set("dbname", database) }
        if let user = take("user") ?? userInfo?.user, !user.isEmpty { set("user", user) }
        if let password = take("password") ?? userInfo?.password { set("password", password) }

        // TLS. pgjdbc: an sslmode wins; otherwise ssl=true (or a bare `ssl`) means verify-full,
        // unless the NonValidatingFactory is configured, which skips verification (= require).
        let sslFactory = take("sslfactory")
        let nonValidating = sslFactory?.hasSuffix("NonValidatingFactory") ?? false
        if let sslFactory, !nonValidating {
            warnings.append("JDBC parameter sslfactory=\(sslFactory) has no libpq equivalent and is ignored")
        }
        let ssl = take("ssl")
        if let mode = take("sslmode") {
            let allowed = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
            guard allowed.contains(mode.lowercased()) else {
                throw ConfigurationError("sslmode must be one of \(allowed.joined(separator: ", ")), got '\(mode)'")
            }
            set("sslmode", mode.lowercased())
        } else if let ssl, ssl.isEmpty || ssl.lowercased() == "true" {
            set("sslmode", nonValidating ? "require" : "verify-full")
        }

        var options = take("options")
        if let schema = take("currentschema") {
            let searchPath = "-c search_path=" + Self.escapedOption(schema)
            options = options.map { $0 + " " + searchPath } ?? searchPath
        }

        if let type = take("targetservertype"), let attributes = try targetSessionAttributes(type) {
            set("target_session_attrs", attributes)
        }

        let renamed = ["sslrootcert": "sslrootcert", "sslcert": "sslcert", "sslkey": "sslkey",
                       "sslpassword": "sslpassword", "connecttimeout": "connect_timeout",
                       "applicationname": "application_name", "gssencmode": "gssencmode"]
        for setting in settings {
            if let keyword = renamed[setting.name.lowercased()] {
                set(keyword, setting.value)
            } else {
                warnings.append("JDBC parameter '\(setting.name)' has no libpq equivalent and is ignored")
            }
        }
        if let options { set("options", options) }
    }

    /// Sets a keyword, replacing an earlier value (pgjdbc keeps the last of repeated parameters).
    private mutating func set(_ keyword: String, _ value: String) {
        parameters.removeAll { $0.keyword == keyword }
        parameters.append((keyword, value))
    }

    /// pgjdbc's targetServerType → libpq's target_session_attrs (pgjdbc tells primaries from
    /// standbys by `transaction_read_only`, which is what read-write/read-only test).
    private mutating func targetSessionAttributes(_ type: String) throws(ConfigurationError) -> String? {
        switch type.lowercased() {
        case "any": return "any"
        case "primary", "master": return "read-write"
        case "secondary", "slave": return "read-only"
        case "prefersecondary", "preferslave": return "prefer-standby"
        case "preferprimary":
            warnings.append("targetServerType=preferPrimary has no libpq equivalent; any server is accepted")
            return nil
        default:
            throw ConfigurationError("targetServerType must be any, primary, secondary, preferSecondary or "
                + "preferPrimary, got '\(type)'")
        }
    }

    /// Backslash-escapes what libpq's `options` splits on.
    private static func escapedOption(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == "\\" || character == " " { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    private static func userInfo(_ text: Substring) throws(ConfigurationError) -> (String, String?) {
        let colon = text.firstIndex(of: ":")
        guard let user = PercentEncoding.decoded(text[..<(colon ?? text.endIndex)], plusIsSpace: false) else {
            throw ConfigurationError("invalid percent-encoding in the URL's user name")
        }
        guard let colon else { return (user, nil) }
        guard let password = PercentEncoding.decoded(text[text.index(after: colon)...], plusIsSpace: false) else {
            throw ConfigurationError("invalid percent-encoding in the URL's password")
        }
        return (user, password)
    }

    /// `host`, `host:5432`, `[::1]`, `[::1]:5432`.
    private static func hostAndPort(_ text: Substring) throws(ConfigurationError) -> (host: String, port: String?) {
        var host: Substring
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigurationError("unterminated IPv6 address '\(text)'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ConfigurationError("unexpected '\(after)' after '\(text[...close])'") }
                port = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") {
                throw ConfigurationError("IPv6 address '\(text)' must be written in brackets, like [::1]:5432")
            }
        } else {
            host = text
        }
        guard !host.isEmpty else { throw ConfigurationError("empty host name in the host list") }
        if let port {
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port),
                  (1...65535).contains(number) else {
                throw ConfigurationError("invalid port '\(port)' for host '\(host)' (expected 1-65535)")
            }
        }
        guard let decoded = PercentEncoding.decoded(host, plusIsSpace: false) else {
            throw ConfigurationError("invalid percent-encoding in host '\(host)'")
        }
        return (decoded, port.map(String.init))
    }

    private static func queryParameters(_ query: Substring) throws(ConfigurationError) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=")
            let rawName = pair[..<(equals ?? pair.endIndex)]
            guard let name = PercentEncoding.decoded(rawName, plusIsSpace: true) else {
                throw ConfigurationError("invalid percent-encoding in a URL parameter name")
            }
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? ""
            guard let value = PercentEncoding.decoded(rawValue, plusIsSpace: true) else {
                let secret = SecretMasker.isSecretName(name)
                throw ConfigurationError("invalid percent-encoding in the value of URL parameter '\(name)'"
                    + (secret ? "" : " ('\(rawValue)')"))
            }
            result.append((name, value))
        }
        return result
    }
}

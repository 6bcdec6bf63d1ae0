import XCTest

@testable import MigrateCore

/// `flyway.url` → libpq keywords, redaction and secrets; no database needed.
final class ConnectionURLTests: XCTestCase {
    /// `keyword=value` strings, in order, for easy comparison.
    private func pairs(_ url: String) throws -> [String] {
        try ConnectionURL(url).parameters.map { "\($0.keyword)=\($0.value)" }
    }

    private func problem(_ url: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try ConnectionURL(url)
            XCTFail("expected an error for \(url)", file: file, line: line)
            return ""
        } catch {
            return error.message
        }
    }

    // MARK: JDBC

    func testHostPortDatabase() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://db.example.com:5433/app"),
                       ["host=db.example.com", "port=5433", "dbname=app"])
        XCTAssertEqual(try ConnectionURL("jdbc:postgresql://h/app").form, .jdbc)
    }

    /// pgjdbc's default port is given explicitly, so libpq's PGPORT cannot replace it.
    func testNoPortMeans5432() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://db.example.com/app"), ["host=db.example.com", "port=5432", "dbname=app"])
    }

    func testNoDatabase() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://db.example.com:5433/"), ["host=db.example.com", "port=5433"])
        XCTAssertEqual(try pairs("jdbc:postgresql://db.example.com"), ["host=db.example.com", "port=5432"])
    }

    func testSeveralHosts() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://a.example:5433,b.example,c.example:6000/app"),
                       ["host=a.example,b.example,c.example", "port=5433,5432,6000", "dbname=app"])
        XCTAssertEqual(try pairs("jdbc:postgresql://a,b/app"), ["host=a,b", "port=5432", "dbname=app"])
    }

    func testIPv6() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://[::1]:5433/app"), ["host=::1", "port=5433", "dbname=app"])
        XCTAssertEqual(try pairs("jdbc:postgresql://[2001:db8::7],10.0.0.2:5433/app"),
                       ["host=2001:db8::7,10.0.0.2", "port=5432,5433", "dbname=app"])
    }

    func testShortFormsConnectToLocalhostLikePgjdbc() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql:app"), ["host=localhost", "port=5432", "dbname=app"])
        XCTAssertEqual(try pairs("jdbc:postgresql:/"), ["host=localhost", "port=5432"])
        XCTAssertEqual(try pairs("jdbc:postgresql:app?user=u"), ["host=localhost", "port=5432", "dbname=app", "user=u"])
        XCTAssertEqual(try pairs("jdbc:postgresql:///app"), ["host=localhost", "port=5432", "dbname=app"])
    }

    func testLibpqStyleHostParameterForUnixSockets() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql:///app?host=/var/run/postgresql"),
                       ["host=/var/run/postgresql", "port=5432", "dbname=app"])
        XCTAssertEqual(try pairs("jdbc:postgresql:///app?host=%2Ftmp&port=5499"), ["host=/tmp", "port=5499", "dbname=app"])
    }

    func testUserAndPasswordParametersArePercentDecoded() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://h/my%20db?user=d%C3%A9ploy&password=p%40ss%2Bw%26rd+x"),
                       ["host=h", "port=5432", "dbname=my db", "user=déploy", "password=p@ss+w&rd x"])
    }

    func testUserInfoInTheAuthority() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://app%40corp:s%3Acret@h:5433/db"),
                       ["host=h", "port=5433", "dbname=db", "user=app@corp", "password=s:cret"])
    }

    func testSSL() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?ssl=true"), ["host=h", "port=5432", "dbname=db", "sslmode=verify-full"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?ssl"), ["host=h", "port=5432", "dbname=db", "sslmode=verify-full"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?ssl=false"), ["host=h", "port=5432", "dbname=db"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?ssl=true&sslmode=require"), ["host=h", "port=5432", "dbname=db", "sslmode=require"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?sslmode=VERIFY-CA"), ["host=h", "port=5432", "dbname=db", "sslmode=verify-ca"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory"),
                       ["host=h", "port=5432", "dbname=db", "sslmode=require"])
        XCTAssertEqual(
            try pairs("jdbc:postgresql://h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&sslcert=c.pem&sslkey=k.pem"),
            ["host=h", "port=5432", "dbname=db", "sslmode=verify-full", "sslrootcert=/etc/ca.pem", "sslcert=c.pem", "sslkey=k.pem"])
    }

    func testCurrentSchemaAndOptions() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?currentSchema=app"),
                       ["host=h", "port=5432", "dbname=db", "options=-c search_path=app"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?currentSchema=app,public&options=-c%20statement_timeout%3D5s"),
                       ["host=h", "port=5432", "dbname=db", "options=-c statement_timeout=5s -c search_path=app,public"])
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?currentSchema=my%20schema"),
                       ["host=h", "port=5432", "dbname=db", #"options=-c search_path=my\ schema"#])
    }

    func testOtherMappedParameters() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?ApplicationName=deploy&connectTimeout=7&targetServerType=primary"),
                       ["host=h", "port=5432", "dbname=db", "target_session_attrs=read-write", "application_name=deploy", "connect_timeout=7"])
        XCTAssertEqual(try pairs("jdbc:postgresql://a,b/db?targetServerType=preferSecondary"),
                       ["host=a,b", "port=5432", "dbname=db", "target_session_attrs=prefer-standby"])
        XCTAssertEqual(try pairs("jdbc:postgresql://a,b/db?targetServerType=secondary"),
                       ["host=a,b", "port=5432", "dbname=db", "target_session_attrs=read-only"])
    }

    func testRepeatedParameterKeepsTheLast() throws {
        XCTAssertEqual(try pairs("jdbc:postgresql://h/db?user=a&user=b"), ["host=h", "port=5432", "dbname=db", "user=b"])
    }

    func testJDBCOnlyParametersAreWarningsNotErrors() throws {
        let url = try ConnectionURL("jdbc:postgresql://h/db?prepareThreshold=0&reWriteBatchedInserts=true&targetServerType=preferPrimary")
        XCTAssertEqual(url.parameters.map(\.keyword), ["host", "port", "dbname"])
        XCTAssertEqual(url.warnings, [
            "targetServerType=preferPrimary has no libpq equivalent; any server is accepted",
            "JDBC parameter 'prepareThreshold' has no libpq equivalent and is ignored",
            "JDBC parameter 'reWriteBatchedInserts' has no libpq equivalent and is ignored",
        ])
    }

    // MARK: Malformed

    func testOtherDatabasesAndSchemesAreRefused() {
        let expected = "jdbc:postgresql://host:port/database, postgres://…, postgresql://… or a libpq string like 'host=… dbname=…'"
        XCTAssertEqual(problem("jdbc:mysql://h:3306/db"),
                       "unsupported JDBC URL 'jdbc:mysql:…': migrate connects only to PostgreSQL (expected \(expected))")
        XCTAssertEqual(problem("http://h/db"), "unsupported URL scheme 'http' (expected \(expected))")
        XCTAssertEqual(problem("mydb"), "not a connection URL (expected \(expected))")
    }

    func testBadHostsAndPorts() {
        XCTAssertEqual(problem("jdbc:postgresql://h:abc/db"), "invalid port 'abc' for host 'h' (expected 1-65535)")
        XCTAssertEqual(problem("jdbc:postgresql://h:70000/db"), "invalid port '70000' for host 'h' (expected 1-65535)")
        XCTAssertEqual(problem("jdbc:postgresql://h:/db"), "invalid port '' for host 'h' (expected 1-65535)")
        XCTAssertEqual(problem("jdbc:postgresql://a,,b/db"), "empty host name in the host list")
        XCTAssertEqual(problem("jdbc:postgresql://::1/db"), "IPv6 address '::1' must be written in brackets, like [::1]:5432")
        XCTAssertEqual(problem("jdbc:postgresql://[::1/db"), "unterminated IPv6 address '[::1'")
        XCTAssertEqual(problem("jdbc:postgresql://h/db?sslmode=on"),
                       "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got 'on'")
        XCTAssertEqual(problem("jdbc:postgresql://h/db?targetServerType=leader"),
                       "targetServerType must be any, primary, secondary, preferSecondary or preferPrimary, got 'leader'")
    }

    func testBadPercentEncodingNeverShowsThePassword() {
        XCTAssertEqual(problem("jdbc:postgresql://h/db?password=Sec%ZZret"),
                       "invalid percent-encoding in the value of URL parameter 'password'")
        XCTAssertEqual(problem("jdbc:postgresql://u:Sec%ZZret@h/db"), "invalid percent-encoding in the URL's password")
        XCTAssertEqual(problem("jdbc:postgresql://h/db?password=Sec%+1ret"),
                       "invalid percent-encoding in the value of URL parameter 'password'")
    }

    // MARK: libpq forms

    func testPostgresURIsArePassedThrough() throws {
        let uri = "postgresql://u:p%40ss@db1:5432,db2:5433/app?sslmode=require&target_session_attrs=read-write"
        XCTAssertEqual(try pairs(uri), ["dbname=" + uri])
        XCTAssertEqual(try pairs("postgres:///app?host=/var/run/postgresql"), ["dbname=postgres:///app?host=/var/run/postgresql"])
        XCTAssertEqual(try ConnectionURL("POSTGRES://h/db").form, .uri)
    }

    func testKeywordStringsArePassedThrough() throws {
        XCTAssertEqual(try pairs("host=/tmp dbname=app"), ["dbname=host=/tmp dbname=app"])
        XCTAssertEqual(try ConnectionURL("host = h  password='a b\\' c'").form, .keywords)
        XCTAssertEqual(problem("host=h password='open"), "libpq connection string: unterminated quoted value for 'password'")
        XCTAssertEqual(problem("host=h dbname"), "libpq connection string: missing '=' after 'dbname'")
    }

    // MARK: Secrets and redaction

    /// The secrets and redacted form of `url` through a Configuration (the loader would reject some of these).
    private func secrets(_ url: String) -> [String] {
        var configuration = Configuration()
        configuration.url = url
        return configuration.secrets
    }

    private func redacted(_ url: String) -> String? {
        var configuration = Configuration()
        configuration.url = url
        return configuration.redactedURL
    }

    func testSecretsInEveryForm() {
        XCTAssertEqual(secrets("jdbc:postgresql://h/db?user=u&password=p%40ss+x"), ["p%40ss+x", "p@ss+x", "p@ss x"])
        XCTAssertEqual(secrets("postgres://u:s3cr%3At@h/db"), ["s3cr%3At", "s3cr:t"])
        XCTAssertEqual(secrets("postgresql://h/db?sslpassword=keypass&password=pw"), ["keypass", "pw"])
        XCTAssertEqual(secrets("host=h password='a b\\'c'"), ["'a b\\'c'", "a b'c"])
        XCTAssertEqual(secrets("jdbc:postgresql://h/db?pass%77ord=encoded-name"), ["encoded-name"])
        XCTAssertEqual(secrets("postgres://h/db"), [])
    }

    func testRedaction() {
        XCTAssertEqual(redacted("jdbc:postgresql://h/db?user=u&password=p%40ss&ssl=true"),
                       "jdbc:postgresql://h/db?user=u&password=***&ssl=true")
        XCTAssertEqual(redacted("postgres://u:p%40ss@h:5432/db?sslmode=require"), "postgres://u:***@h:5432/db?sslmode=require")
        XCTAssertEqual(redacted("postgres://u:p@ss@h/db?Password=x"), "postgres://u:***@h/db?Password=***")
        XCTAssertEqual(redacted("postgres://u@h/db"), "postgres://u@h/db")
        XCTAssertEqual(redacted("host=h password='a b' user=u"), "host=h password=*** user=u")
        XCTAssertEqual(redacted("host=h password = 'a b\\' c' user=u"), "host=h password = *** user=u")
        XCTAssertEqual(redacted("jdbc:postgresql://h:bad/db?password=secret"), "jdbc:postgresql://h:bad/db?password=***")
        XCTAssertEqual(redacted("jdbc:postgresql:db?password=e&user=e"), "jdbc:postgresql:db?password=***&user=e")
    }
}

/// The URL as seen through a loaded Configuration: overrides, sources and masking.
final class ConnectionURLConfigurationTests: ConfigurationTestCase {
    func testUserAndPasswordKeysOverrideTheJDBCURL() throws {
        let configuration = try load([("url", "jdbc:postgresql://h/db?user=url_user&password=url_pw&ssl=true"),
                                      ("user", "key_user"), ("password", "key_pw")])
        XCTAssertEqual(try configuration.connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["host=h", "port=5432", "dbname=db", "sslmode=verify-full", "user=key_user", "password=key_pw"])
    }

    func testUserAndPasswordKeysComeAfterAURISoLibpqLetsThemWin() throws {
        let configuration = try load(environment: ["FLYWAY_URL": "postgres://url_user:url_pw@h/db", "FLYWAY_PASSWORD": "key_pw"])
        XCTAssertEqual(try configuration.connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["dbname=postgres://url_user:url_pw@h/db", "password=key_pw"])
    }

    /// What a JDBC url leaves out gets pgjdbc's defaults, never libpq's PG* variables: the operating system's
    /// user, and a database named after the user.
    func testJDBCURLWithoutUserOrDatabaseGetsPgjdbcDefaults() throws {
        let systemUser = String(cString: getpwuid(geteuid()).pointee.pw_name)
        XCTAssertEqual(try load([("url", "jdbc:postgresql://h/")]).connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["host=h", "port=5432", "user=\(systemUser)", "dbname=\(systemUser)"])
        XCTAssertEqual(try load([("url", "jdbc:postgresql://h/?user=u")]).connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["host=h", "port=5432", "user=u", "dbname=u"])
        XCTAssertEqual(try load([("url", "jdbc:postgresql://h/?user=u"), ("user", "me")]).connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["host=h", "port=5432", "user=me", "dbname=me"])
        XCTAssertEqual(try load([("url", "jdbc:postgresql://h:6000/app"), ("user", "me")]).connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["host=h", "port=6000", "dbname=app", "user=me"])
    }

    /// libpq would send a JDBC url's connection to PGHOSTADDR whatever host it names: refused.
    func testPGHOSTADDRIsRefusedForAJDBCURL() throws {
        setenv("PGHOSTADDR", "10.9.8.7", 1)
        defer { unsetenv("PGHOSTADDR") }
        let configuration = try load([("url", "jdbc:postgresql://h/db")])
        XCTAssertThrowsError(try configuration.connectionParameters()) { error in
            XCTAssertEqual("\(error)", "command line -url: PGHOSTADDR=10.9.8.7 is set, and libpq would connect there instead of "
                + "the JDBC url's host; unset it (or use a postgres:// url, which takes PG* variables)")
        }
        XCTAssertNoThrow(try load([("url", "postgresql://h/db")]).connectionParameters())
    }

    /// A URI or keyword string is handed to libpq as written: what it names stays, what it leaves out
    /// comes from libpq's defaults (PG* variables), as with psql.
    func testURIAndKeywordStringsAreNotCompletedByMigrate() throws {
        XCTAssertEqual(try load([("url", "postgresql://h/")]).connectionParameters().map { "\($0.0)=\($0.1)" },
                       ["dbname=postgresql://h/"])
        XCTAssertEqual(try load([("url", "host=h")]).connectionParameters().map { "\($0.0)=\($0.1)" }, ["dbname=host=h"])
    }

    func testNoURLMeansNoHostOrDatabase() throws {
        XCTAssertEqual(try load([("user", "me")]).connectionParameters().map { "\($0.0)=\($0.1)" }, ["user=me"])
    }

    func testMalformedURLNamesWhereItWasSet() throws {
        try write("conf/x.conf", "\nflyway.url=jdbc:mysql://h/db\n")
        XCTAssertEqual(loadError([("configFiles", "conf/x.conf")]), "conf/x.conf:2: flyway.url: unsupported JDBC URL "
            + "'jdbc:mysql:…': migrate connects only to PostgreSQL (expected jdbc:postgresql://host:port/database, "
            + "postgres://…, postgresql://… or a libpq string like 'host=… dbname=…')")
        XCTAssertEqual(loadError([("url", "jdbc:postgresql://h:99999/db")]),
                       "command line -url: invalid port '99999' for host 'h' (expected 1-65535)")
        XCTAssertEqual(loadError(environment: ["FLYWAY_URL": "http://h"]).hasPrefix(
            "environment variable FLYWAY_URL: unsupported URL scheme 'http'"), true)
    }

    func testJDBCWarningsNameWhereTheURLWasSet() throws {
        try write("flyway.conf", "flyway.url=jdbc:postgresql://h/db?prepareThreshold=0\n")
        XCTAssertEqual(try load().warnings,
                       ["flyway.conf:1: flyway.url: JDBC parameter 'prepareThreshold' has no libpq equivalent and is ignored"])
    }

    func testRedactedURLAndSecrets() throws {
        let configuration = try load([("url", "jdbc:postgresql://h/db?password=url%2Fpw"), ("password", "key_pw")])
        XCTAssertEqual(configuration.redactedURL, "jdbc:postgresql://h/db?password=***")
        XCTAssertEqual(configuration.secrets, ["key_pw", "url%2Fpw", "url/pw"])
        XCTAssertNil(try load().redactedURL)
    }
}

/// A distinctive password, set through every source, must not appear in any error, warning or description.
final class ConfigurationPasswordTests: ConfigurationTestCase {
    let password = "Zq9-hunter2-ßecret"
    let encoded = "Zq9-hunter2-%C3%9Fecret"

    private func assertHidden(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(text.contains(password), "password leaked in: \(text)", file: file, line: line)
        XCTAssertFalse(text.contains(encoded), "encoded password leaked in: \(text)", file: file, line: line)
    }

    private func assertHidden(in configuration: Configuration, file: StaticString = #filePath, line: UInt = #line) {
        assertHidden(configuration.description, file: file, line: line)
        assertHidden(String(reflecting: configuration), file: file, line: line)
        var dumped = ""
        dump(configuration, to: &dumped)
        assertHidden(dumped, file: file, line: line)
        assertHidden(configuration.warnings.joined(separator: "\n"), file: file, line: line)
        assertHidden(configuration.redactedURL ?? "", file: file, line: line)
        XCTAssertTrue(configuration.secrets.contains(password), file: file, line: line)
    }

    func testPasswordFromAFile() throws {
        try write("flyway.conf", "flyway.password=\(password)\nflyway.url=jdbc:postgresql://h/db?prepareThreshold=1\n")
        let configuration = try load()
        assertHidden(in: configuration)
        XCTAssertTrue(configuration.description.contains("flyway.password=*** (set)"))
        try write("flyway.conf", "flyway.password=\(password)\nflyway.cleanDisabled=nope\n")
        assertHidden(loadError())
    }

    func testPasswordFromTheEnvironmentAndCommandLine() throws {
        assertHidden(in: try load(environment: ["FLYWAY_PASSWORD": password]))
        assertHidden(in: try load([("password", password)]))
        assertHidden(loadError([("password", password), ("mixed", "sometimes")]))
        assertHidden(loadError([("passwrd", password)]))
    }

    func testPasswordInsideJDBCAndPostgresURLs() throws {
        for url in ["jdbc:postgresql://h/db?user=u&password=\(encoded)&bogus=1",
                    "jdbc:postgresql://u:\(encoded)@h/db?bogus=1",
                    "postgres://u:\(encoded)@h/db", "host=h password=\(password)"] {
            let configuration = try load([("url", url)])
            assertHidden(in: configuration)
            assertHidden(loadError([("url", url), ("group", "yes")]))
        }
    }

    func testPasswordInAMalformedURL() {
        for url in ["jdbc:postgresql://u:\(encoded)@h:notaport/db", "jdbc:postgresql://h:0/db?password=\(encoded)",
                    "jdbc:postgresql://h/db?password=\(encoded)&targetServerType=\(password)"] {
            assertHidden(loadError([("url", url)]))
        }
    }

    func testAShortPasswordLeavesMessagesIntact() throws {
        XCTAssertEqual(loadError([("password", "e"), ("cleanDisable", "false")]),
                       "unknown configuration key 'cleanDisable' on the command line; did you mean 'cleanDisabled'?")
        XCTAssertEqual(try load([("password", "e"), ("licenseKey", "key")]).warnings,
                       ["command line -licenseKey: flyway.licenseKey has no effect in migrate and is ignored"])
        XCTAssertEqual(loadError([("password", "e"), ("mixed", "e")]), "command line -mixed: expected true or false, got '***'")
    }

    func testAStrayLineHoldingThePasswordIsMasked() throws {
        // A broken continuation can leave the password on a line of its own, where it reads as a key.
        try write("flyway.conf", "flyway.password=\(password)\n\(password)\n")
        let message = loadError()
        assertHidden(message)
        XCTAssertEqual(message, "flyway.conf:2: '***' is not a Flyway setting: keys in configuration files start with 'flyway.'")
    }
}

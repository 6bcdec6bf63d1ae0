import XCTest

/// The bad-input catalogue: malformed configuration, URLs, locations, file names, file contents, script
/// configurations and history tables, each run through the built binary against a fresh database. Every
/// failure must be one message naming what is wrong and where, exit non-zero, print nothing of the runtime
/// and leave the database as it was (checked in text and in JSON); inputs a serious tool accepts (CRLF
/// files, an empty migration, `-configFiles=/dev/null`) must work.
final class BadInputCatalogueTests: XCTestCase {
    private let v1: (String, BadInput.Entry) = ("sql/V1__a.sql", .text("CREATE TABLE a (id int);\n"))
    private let history = "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), "
        + "description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, "
        + "installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, "
        + "success BOOLEAN NOT NULL)"

    private func run(_ rows: [BadInput], file: StaticString = #filePath, line: UInt = #line) throws {
        for row in rows { try row.check(file: file, line: line) }
    }

    /// The history has `count` rows.
    private func applied(_ count: Int) -> (MigrateProject) throws -> Void {
        { project in XCTAssertEqual(try project.history().count, count) }
    }

    func testConfigurationFiles() throws {
        try run([
            BadInput("unknown key in a .conf", files: [("flyway.conf", .text("flyway.tabel=x\n")), v1],
                     .fails(words: ["flyway.conf:1", "flyway.tabel", "did you mean 'flyway.table'?"])),
            BadInput("key without flyway.", files: [("flyway.conf", .text("url=postgres://h/db\n")), v1],
                     .fails(words: ["flyway.conf:1", "'url' is not a Flyway setting", "did you mean 'flyway.url'?"])),
            BadInput("bad boolean", files: [("flyway.conf", .text("flyway.locations=sql\nflyway.cleanDisabled=maybe\n")), v1],
                     .fails(words: ["flyway.conf:2", "flyway.cleanDisabled", "expected true or false", "'maybe'"])),
            BadInput("bad number", files: [("flyway.conf", .text("flyway.connectRetries=ten\n")), v1],
                     .fails(words: ["flyway.conf:1", "flyway.connectRetries", "non-negative integer", "'ten'"])),
            BadInput("duration with a unit", files: [("flyway.conf", .text("flyway.connectRetriesInterval=10s\n")), v1],
                     .fails(words: ["flyway.conf:1", "flyway.connectRetriesInterval", "'10s'"])),
            BadInput("empty value", files: [("flyway.conf", .text("flyway.table=\n")), v1],
                     .fails(words: ["flyway.conf:1", "flyway.table", "non-empty"])),
            BadInput("key without a value", files: [("flyway.conf", .text("# history\nflyway.table\n")), v1],
                     .fails(words: ["flyway.conf:2", "flyway.table", "non-empty"])),
            BadInput("${VAR} unset", files: [("flyway.conf", .text("flyway.table=${MIGRATE_CATALOGUE_UNSET}\n")), v1],
                     .fails(words: ["flyway.conf:1", "flyway.table", "MIGRATE_CATALOGUE_UNSET is not set"])),
            BadInput("not UTF-8, on line 3",
                     files: [("flyway.conf", .bytes(Array("flyway.table=h\n# note\nflyway.baselineDescription=caf".utf8) + [0xE9, 0x0A])), v1],
                     .fails(words: ["flyway.conf:3", "not valid UTF-8", "0xE9"])),
            BadInput("conf/flyway.conf is a folder", files: [("conf/flyway.conf", .folder), v1],
                     .fails(words: ["conf/flyway.conf", "is a folder"])),
            BadInput("-configFiles names a folder", files: [("conf", .folder), v1], ["-configFiles=conf", "migrate"],
                     .fails(words: ["conf", "is a folder"])),
            BadInput("-configFiles names nothing", files: [v1], ["-configFiles=conf/missing.conf", "migrate"],
                     .fails(words: ["conf/missing.conf", "does not exist"])),
            BadInput("-configFiles mixes TOML and .conf", files: [("a.toml", .text("")), ("b.conf", .text("")), v1],
                     ["-configFiles=a.toml,b.conf", "migrate"], .fails(words: ["TOML", "never both"])),
            BadInput("-configFiles=- (standard input)", files: [v1], ["-configFiles=-", "migrate"],
                     .fails(words: ["standard input", "not supported"])),
            BadInput("unreadable .conf", files: [("flyway.conf", .unreadable("flyway.table=h\n")), v1],
                     .fails(words: ["flyway.conf", "Permission denied"])),
            BadInput("a Flyway key migrate refuses", files: [("flyway.conf", .text("flyway.callbacks=com.example.Audit\n")), v1],
                     .fails(words: ["flyway.conf:1", "callbacks", "not supported by migrate"])),
            BadInput("placeholder without a name", files: [("flyway.conf", .text("flyway.placeholders.=x\n")), v1],
                     .fails(words: ["flyway.conf:1", "placeholder name is empty"])),
            BadInput("CRLF line ends work", files: [("flyway.conf", .text("flyway.table=crlf_history\r\nflyway.locations=filesystem:sql\r\n")), v1],
                     .succeeds { project in XCTAssertEqual(try project.history(table: "crlf_history").count, 1) }),
            BadInput("a BOM works", files: [("flyway.conf", .text("\u{FEFF}flyway.table=bom_history\n")), v1],
                     .succeeds { project in XCTAssertEqual(try project.history(table: "bom_history").count, 1) }),
            BadInput("-configFiles=/dev/null reads nothing", files: [("flyway.conf", .text("flyway.table=unread\n")), v1],
                     ["-configFiles=/dev/null", "migrate"], .succeeds(check: applied(1))),
        ])
    }

    func testTOMLFiles() throws {
        try run([
            BadInput("unclosed table header", files: [("flyway.toml", .text("[flyway\nlocations = [\"sql\"]\n")), v1],
                     .fails(words: ["flyway.toml:1:", "expected ']'"])),
            BadInput("unterminated string", files: [("flyway.toml", .text("[flyway]\ntable = \"abc\n")), v1],
                     .fails(words: ["flyway.toml:2:"])),
            BadInput("key given twice", files: [("flyway.toml", .text("[flyway]\ntable = \"a\"\ntable = \"b\"\n")), v1],
                     .fails(words: ["flyway.toml:3:", "table"])),
            BadInput("string for a boolean", files: [("flyway.toml", .text("[flyway]\ncleanDisabled = \"yes\"\n")), v1],
                     .fails(words: ["flyway.toml:2", "cleanDisabled", "expected true or false"])),
            BadInput("unknown key", files: [("flyway.toml", .text("[flyway]\ntabel = \"x\"\n")), v1],
                     .fails(words: ["flyway.toml:2", "tabel", "did you mean"])),
            BadInput("environment not defined", files: [("flyway.toml", .text("[flyway]\nlocations = [\"sql\"]\n")), v1],
                     ["-environment=prod", "migrate"], .fails(words: ["environment 'prod' is not defined"])),
            BadInput("${env.VAR} unset", files: [("flyway.toml", .text("[environments.default]\nuser = \"${env.MIGRATE_CATALOGUE_UNSET}\"\n")), v1],
                     .fails(words: ["flyway.toml:2", "MIGRATE_CATALOGUE_UNSET is not set"])),
        ])
    }

    func testCommandLineAndEnvironment() throws {
        try run([
            BadInput("unknown option", files: [v1], ["-tabel=x", "migrate"],
                     .fails(words: ["unknown configuration key 'tabel' on the command line", "did you mean 'table'?"])),
            BadInput("bad boolean option", files: [v1], ["-cleanDisabled=yes", "migrate"],
                     .fails(words: ["command line -cleanDisabled", "expected true or false", "'yes'"])),
            BadInput("negative count", files: [v1], ["-connectRetries=-3", "migrate"],
                     .fails(words: ["command line -connectRetries", "'-3'"])),
            BadInput("count that is a word", files: [v1], ["-lockRetryCount=abc", "migrate"],
                     .fails(words: ["command line -lockRetryCount", "'abc'"])),
            BadInput("unknown encoding", files: [v1], ["-encoding=klingon", "migrate"],
                     .fails(words: ["command line -encoding", "'klingon'", "UTF-8"])),
            BadInput("empty table", files: [v1], ["-table=", "migrate"], .fails(words: ["command line -table", "non-empty"])),
            BadInput("target that is no version", files: [v1], ["-target=abc", "migrate"],
                     .fails(words: ["command line -target", "'abc'"])),
            BadInput("baseline version that is no version", files: [v1], ["-baselineVersion=x.y", "baseline"],
                     .fails(words: ["command line -baselineVersion", "'x.y'"])),
            BadInput("ignore pattern without a status", files: [v1], ["-ignoreMigrationPatterns=foo", "migrate"],
                     .fails(words: ["command line -ignoreMigrationPatterns", "type:status", "'foo'"])),
            BadInput("output type that does not exist", files: [v1], ["-outputType=xml", "info"],
                     .fails(words: ["command line -outputType", "'xml'"])),
            BadInput("cherryPick with an empty item", files: [v1], ["-cherryPick=1,,2", "migrate"],
                     .fails(words: ["command line -cherryPick", "'1,,2'"])),
            BadInput("unknown command", files: [v1], ["frobnicate"], .fails(status: 64, words: ["frobnicate"])),
            BadInput("misspelt FLYWAY_URL", files: [v1], environment: ["FLYWAY_ULR": "postgresql://elsewhere/db"],
                     .fails(words: ["environment variable FLYWAY_ULR is not a Flyway setting", "did you mean FLYWAY_URL?"])),
            BadInput("FLYWAY_* that is no setting at all", files: [v1], environment: ["FLYWAY_FROBNICATE": "1"],
                     .fails(words: ["FLYWAY_FROBNICATE is not a Flyway setting"])),
            BadInput("placeholder variable without a name", files: [v1], environment: ["FLYWAY_PLACEHOLDERS_": "x"],
                     .fails(words: ["FLYWAY_PLACEHOLDERS_"])),
            BadInput("bad boolean in a variable", files: [v1], environment: ["FLYWAY_CLEAN_DISABLED": "maybe"],
                     .fails(words: ["environment variable FLYWAY_CLEAN_DISABLED", "expected true or false"])),
            BadInput("bad number in a variable", files: [v1], environment: ["FLYWAY_CONNECT_RETRIES": "lots"],
                     .fails(words: ["environment variable FLYWAY_CONNECT_RETRIES", "'lots'"])),
            BadInput("FLYWAY_CONFIG_FILES names nothing", files: [v1], environment: ["FLYWAY_CONFIG_FILES": "nowhere.conf"],
                     .fails(words: ["FLYWAY_CONFIG_FILES", "nowhere.conf", "does not exist"])),
            BadInput("Flyway's own variables are left alone", files: [v1],
                     environment: ["FLYWAY_HOME": "/opt/flyway", "FLYWAY_EDITION": "community", "JAVA_ARGS": "-Xmx1g"],
                     .succeeds(check: applied(1))),
        ])
    }

    func testURLs() throws {
        func url(_ name: String, _ url: String, _ words: [String]) -> BadInput {
            BadInput(name, files: [v1], ["-url=\(url)", "migrate"], withURL: false, .fails(words: words))
        }
        try run([
            url("not a URL", "nonsense", ["not a connection URL"]),
            url("JDBC URL of another database", "jdbc:mysql://localhost/db", ["jdbc:mysql", "PostgreSQL"]),
            url("URL of another scheme", "http://localhost/db", ["unsupported URL scheme 'http'"]),
            url("port that is a word", "jdbc:postgresql://localhost:notaport/db", ["'notaport'", "port"]),
            url("port out of range", "jdbc:postgresql://localhost:99999/db", ["'99999'", "port"]),
            url("conninfo with an open quote", "host=/tmp dbname='db", ["unterminated quoted value"]),
            url("conninfo port that is a word", "host=/tmp port=x dbname=db", ["port", "\"x\""]),
            url("bad percent-encoding", "postgresql://%zz@localhost/db", ["percent-encoded"]),
            url("unclosed IPv6 host", "postgresql://[::1/db", ["IPv6"]),
            url("unknown sslmode", "postgresql://localhost/db?sslmode=bogus", ["sslmode", "bogus"]),
            BadInput("port 0, with a password that must not show", files: [v1], ["-url=postgres://u:s3cr3tpw@localhost:0/db", "migrate"],
                     withURL: false, .fails(words: ["port", "***"])),
        ])
    }

    func testLocations() throws {
        try run([
            BadInput("missing location, failOnMissingLocations", files: [v1], ["-locations=nowhere", "-failOnMissingLocations=true", "migrate"],
                     .fails(words: ["location 'nowhere' does not exist"])),
            BadInput("missing location warns", files: [v1], ["-locations=nowhere", "info"],
                     .succeeds(words: ["WARNING: location 'nowhere' does not exist"])),
            BadInput("location that is a file", files: [v1], ["-locations=sql/V1__a.sql", "migrate"],
                     .fails(words: ["location 'sql/V1__a.sql' is a file, not a folder"])),
            BadInput("unsupported scheme", files: [v1], ["-locations=s3:bucket/sql", "migrate"],
                     .fails(words: ["location 's3:bucket/sql' is not supported"])),
            BadInput("unreadable location", files: [v1, ("locked", .unlistable)], ["-locations=sql,locked", "migrate"],
                     .fails(words: ["locked", "cannot list the directory", "Permission denied"])),
            BadInput("unreadable migration", files: [v1, ("sql/V2__b.sql", .unreadable("SELECT 1;\n"))],
                     .fails(words: ["sql/V2__b.sql", "Permission denied"])),
            BadInput("unreadable folder below a location", files: [v1, ("sql/2024", .unlistable)],
                     .fails(words: ["sql/2024", "cannot list the directory", "Permission denied"])),
            BadInput("the same folder twice", files: [v1], ["-locations=sql,./sql,filesystem:sql/", "migrate"],
                     .succeeds(check: applied(1))),
            BadInput("a folder and its sub-folder", files: [v1, ("sql/2024/V2__b.sql", .text("CREATE TABLE b (id int);\n"))],
                     ["-locations=sql/2024,sql", "migrate"], .succeeds(check: applied(2))),
            BadInput("link back to the location", files: [v1, ("sql/loop", .link("../sql"))],
                     .succeeds(words: ["WARNING: sql/loop is a symbolic link to '../sql', a folder that holds it"], check: applied(1))),
            BadInput("link from a sub-folder to its parent", files: [v1, ("sql/2024/V2__b.sql", .text("SELECT 1;\n")), ("sql/2024/up", .link(".."))],
                     .succeeds(words: ["WARNING: sql/2024/up is a symbolic link to '..'"], check: applied(2))),
            BadInput("two links to one folder outside", files: [v1, ("shared/V2__b.sql", .text("SELECT 1;\n")),
                                                                 ("sql/one", .link("../shared")), ("sql/two", .link("../shared"))],
                     .succeeds(check: applied(2))),
            BadInput("dangling link", files: [v1, ("sql/notes.txt", .link("missing.txt"))],
                     .succeeds(words: ["WARNING: sql/notes.txt is a symbolic link to 'missing.txt'", "No such file"], check: applied(1))),
            BadInput("dangling link named like a migration", files: [v1, ("sql/V2__b.sql", .link("gone.sql"))],
                     .fails(words: ["sql/V2__b.sql", "symbolic link to 'gone.sql'", "No such file"])),
            BadInput("loop of two broken links", files: [v1, ("sql/a", .link("b")), ("sql/b", .link("a"))],
                     .succeeds(words: ["WARNING: sql/a is a symbolic link to 'b'", "WARNING: sql/b is a symbolic link to 'a'",
                                       "Too many levels of symbolic links"], check: applied(1))),
            BadInput("loop of two broken links named like migrations", files: [v1, ("sql/V2__a.sql", .link("V3__b.sql")),
                                                                              ("sql/V3__b.sql", .link("V2__a.sql"))],
                     .fails(words: ["sql/V2__a.sql", "Too many levels of symbolic links"])),
        ])
    }

    func testFileNames() throws {
        func misnamed(_ name: String, _ words: [String]) -> BadInput {
            BadInput(name, files: [v1, ("sql/\(name)", .text("SELECT 1;\n"))], ["-validateMigrationNaming=true", "migrate"],
                     .fails(words: ["sql/\(name)"] + words))
        }
        try run([
            misnamed("V1_x.sql", ["no '__' separator"]),
            misnamed("V__x.sql", ["missing version"]),
            misnamed("v1__x.sql", ["case-sensitive"]),
            misnamed("V1.__x.sql", ["'1.' is not a version"]),
            BadInput("misnamed file warns", files: [v1, ("sql/V2-x.sql", .text("SELECT 1;\n"))],
                     .succeeds(words: ["WARNING: sql/V2-x.sql is not a valid migration name and was NOT run"], check: applied(1))),
            BadInput("V1__.sql: no description, as Flyway allows", files: [("sql/V1__.sql", .text("CREATE TABLE a (id int);\n"))],
                     .succeeds(check: applied(1))),
            BadInput("folder named like a migration", files: [v1, ("sql/V2__dir.sql", .folder)],
                     .succeeds(words: ["WARNING: sql/V2__dir.sql: a folder named like a migration"], check: applied(1))),
            BadInput("folder named like a migration, validateMigrationNaming", files: [v1, ("sql/V2__dir.sql", .folder)],
                     ["-validateMigrationNaming=true", "migrate"], .fails(words: ["sql/V2__dir.sql", "a folder named like a migration"])),
            BadInput("versions differing in the description's case", files: [v1, ("sql/V1__A.sql", .text("SELECT 1;\n"))],
                     .fails(words: ["more than one migration with version 1", "sql/V1__A.sql", "sql/V1__a.sql"])),
            BadInput("1 and 1.0 are one version", files: [v1, ("sql/V1_0__b.sql", .text("SELECT 1;\n"))],
                     .fails(words: ["more than one migration with version 1", "sql/V1_0__b.sql", "sql/V1__a.sql"])),
            BadInput("repeatables differing in case are two, as in Flyway",
                     files: [("sql/R__view.sql", .text("SELECT 1;\n")), ("sql/R__View.sql", .text("SELECT 2;\n"))],
                     .succeeds(check: applied(2))),
            BadInput("callback naming no event", files: [v1, ("sql/afterMigrat.sql", .text("SELECT 1;\n"))],
                     .fails(words: ["sql/afterMigrat.sql", "did you mean afterMigrate"])),
        ])
    }

    func testFileContents() throws {
        func content(_ name: String, _ bytes: [UInt8], _ words: [String], line: Int) -> BadInput {
            BadInput(name, files: [v1, ("sql/V2__b.sql", .bytes(bytes))], .fails(words: words, at: ("sql/V2__b.sql", line)))
        }
        try run([
            BadInput("empty file: an empty migration", files: [v1, ("sql/V2__b.sql", .text(""))], .succeeds(check: applied(2))),
            BadInput("BOM only: an empty migration", files: [v1, ("sql/V2__b.sql", .bytes([0xEF, 0xBB, 0xBF]))], .succeeds(check: applied(2))),
            content("NUL byte", Array("SELECT 1;\n".utf8) + [0x00, 0x0A], ["sql/V2__b.sql:2:1", "NUL byte"], line: 2),
            content("not UTF-8 on line 3", Array("SELECT 1;\nSELECT 2;\nSELECT 'caf".utf8) + [0xE9, 0x27, 0x3B, 0x0A],
                    ["sql/V2__b.sql:3:12", "invalid UTF-8", "0xE9"], line: 3),
            content("unterminated quote", Array("SELECT 1;\nSELECT 'abc;\n".utf8), ["sql/V2__b.sql:2:8", "unterminated quoted string"], line: 2),
            content("unterminated dollar quote", Array("SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n".utf8),
                    ["sql/V2__b.sql:2:36", "unterminated dollar-quoted string"], line: 2),
            content("unterminated tagged dollar quote", Array("DO $body$ BEGIN END $bod$;\n".utf8),
                    ["sql/V2__b.sql:1:4", "unterminated dollar-quoted string $body$"], line: 1),
            content("unterminated comment", Array("SELECT 1;\n/* TODO\nSELECT 2;\n".utf8), ["sql/V2__b.sql:2:1", "unterminated /* comment"], line: 2),
            content("unterminated identifier", Array("SELECT 1;\nSELECT \"abc;\n".utf8),
                    ["sql/V2__b.sql:2:8", "unterminated quoted identifier"], line: 2),
            content("placeholder never defined", Array("SELECT 1;\nSELECT '${owner}';\n".utf8),
                    ["sql/V2__b.sql:2:9", "No value provided for placeholder ${owner}"], line: 2),
            content("transactional and not in one file", Array("CREATE TABLE b (id int);\nCREATE INDEX CONCURRENTLY b_id ON b (id);\n".utf8),
                    ["sql/V2__b.sql:2", "both transactional and non-transactional"], line: 2),
            content("placeholder never closed", Array("SELECT 1;\nSELECT ${owner;\n".utf8),
                    ["sql/V2__b.sql:2:8", "placeholder ${owner is not closed"], line: 2),
            BadInput("placeholder never closed in a quoted string: text, as in Flyway",
                     files: [("sql/V1__a.sql", .text("CREATE TABLE a (t text);\nINSERT INTO a VALUES ('${owner');\n"))],
                     .succeeds { project in XCTAssertEqual(try project.scalar("SELECT t FROM a"), "${owner") }),
            BadInput("COPY data without \\. ends at the end of the file, as in psql",
                     files: [("sql/V1__a.sql", .text("CREATE TABLE a (id int);\nCOPY a FROM stdin;\n1\n2\n"))],
                     .succeeds { project in XCTAssertEqual(try project.scalar("SELECT count(*) FROM a"), "2") }),
        ])
    }

    func testScriptConfigurations() throws {
        try run([
            BadInput("bad value", files: [v1, ("sql/V1__a.sql.conf", .text("executeInTransaction=perhaps\n"))],
                     .fails(words: ["sql/V1__a.sql.conf:1", "executeInTransaction", "expected true or false", "'perhaps'"],
                            at: ("sql/V1__a.sql.conf", 1))),
            BadInput("unknown key", files: [v1, ("sql/V1__a.sql.conf", .text("encoding=UTF-8\nfoo=bar\n"))],
                     .fails(words: ["sql/V1__a.sql.conf:2", "unknown script configuration key 'foo'"], at: ("sql/V1__a.sql.conf", 2))),
            BadInput("unknown encoding", files: [v1, ("sql/V1__a.sql.conf", .text("encoding=klingon\n"))],
                     .fails(words: ["sql/V1__a.sql.conf:1", "encoding", "'klingon'"])),
            BadInput("a folder", files: [v1, ("sql/V1__a.sql.conf", .folder)], .fails(words: ["sql/V1__a.sql.conf", "is a folder"])),
            BadInput("not UTF-8", files: [v1, ("sql/V1__a.sql.conf", .bytes(Array("encoding=UTF-8\n# caf".utf8) + [0xE9, 0x0A]))],
                     .fails(words: ["sql/V1__a.sql.conf:2", "not valid UTF-8"], at: ("sql/V1__a.sql.conf", 2))),
            BadInput("syntax error", files: [v1, ("sql/V1__a.sql.conf", .text("executeInTransaction=\\u12\n"))],
                     .fails(words: ["sql/V1__a.sql.conf:1"])),
            BadInput("without its migration", files: [v1, ("sql/V9__x.sql.conf", .text("executeInTransaction=false\n"))],
                     .succeeds(words: ["WARNING: sql/V9__x.sql.conf: a script configuration without its migration"], check: applied(1))),
            BadInput("without its migration, validateMigrationNaming", files: [v1, ("sql/V9__x.sql.conf", .text("executeInTransaction=false\n"))],
                     ["-validateMigrationNaming=true", "migrate"], .fails(words: ["sql/V9__x.sql.conf", "without its migration"])),
        ])
    }

    func testHistoryTables() throws {
        let row = "INSERT INTO flyway_schema_history VALUES (1, '1', 'a', %@, 'V1__a.sql', 0, 'me', now(), 1, %@)"
        try run([
            BadInput("a table with Flyway's name and other columns", files: [v1], setup: ["CREATE TABLE flyway_schema_history (id int, name text)"],
                     .fails(words: ["\"public\".\"flyway_schema_history\" is not a schema history table", "installed_rank", "id, name"])),
            BadInput("the same, for info", files: [v1], ["info"], setup: ["CREATE TABLE flyway_schema_history (id int, name text)"],
                     .fails(words: ["is not a schema history table"])),
            BadInput("a failed row", files: [v1], setup: [history, String(format: row, "'SQL'", "false")],
                     .fails(words: ["failed migration", "version 1", "repair"])),
            BadInput("a row of a type nobody writes", files: [v1], setup: [history, String(format: row, "'SNOWFLAKE'", "true")],
                     .fails(words: ["type 'SNOWFLAKE'", "installed_rank 1", "another tool or a newer version"])),
            BadInput("the same, for validate", files: [v1], ["validate"], setup: [history, String(format: row, "'SNOWFLAKE'", "true")],
                     .fails(words: ["type 'SNOWFLAKE'"])),
        ])
    }
}

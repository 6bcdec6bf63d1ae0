import Foundation
import PostgresClient
import TestSupport
import XCTest

/// A fresh database in the shared cluster, and a connection to it.
func connectToFreshDatabase(prefix: String = "pc") throws -> (Connection, database: String) {
    let cluster = try TemporaryCluster.shared()
    let database = try cluster.createDatabase(prefix: prefix)
    return (try Connection(parameters: cluster.connectionParameters(database: database)), database)
}

final class ConnectionTests: XCTestCase {
    func testConnectAndSelectOne() throws {
        let (connection, database) = try connectToFreshDatabase()
        let results = try connection.execute("select 1")
        XCTAssertEqual(results, [QueryResult(columns: ["?column?"], rows: [["1"]], commandTag: "SELECT 1")])
        XCTAssertEqual(results[0].affectedRows, 1)
        XCTAssertTrue(connection.isConnected)
        XCTAssertEqual(connection.databaseName, database)
        XCTAssertEqual(connection.userName, "postgres")
        XCTAssertEqual(connection.transactionStatus, .idle)
    }

    func testSessionFacts() throws {
        let (connection, _) = try connectToFreshDatabase()
        let row = try connection.query("""
            select current_setting('server_version_num'), pg_backend_pid()::text,
                   current_setting('application_name'), current_setting('client_encoding')
            """).rows[0]
        XCTAssertEqual(row, [String(connection.serverVersion), String(connection.backendPID), "migrate", "UTF8"])
        XCTAssertGreaterThanOrEqual(connection.serverVersion, 90_600)
        XCTAssertEqual(connection.parameterStatus("client_encoding"), "UTF8")
        XCTAssertEqual(connection.parameterStatus("application_name"), "migrate")
        XCTAssertNotNil(connection.parameterStatus("server_version"))
        XCTAssertNil(connection.parameterStatus("no_such_parameter"))
    }

    func testConnectWithURLAndOverrides() throws {
        let cluster = try TemporaryCluster.shared()
        let database = try cluster.createDatabase(prefix: "url")
        // A URI in "dbname" is expanded; its settings win over our defaults.
        let url = cluster.url(database: database) + "&application_name=from_url"
        let connection = try Connection(url: url)
        XCTAssertEqual(connection.databaseName, database)
        XCTAssertEqual(connection.parameterStatus("application_name"), "from_url")
        XCTAssertEqual(connection.parameterStatus("client_encoding"), "UTF8")
        // A conninfo string works too, and an explicit keyword wins over the fallback name.
        let conninfo = "host='\(cluster.socketDirectory)' port=\(cluster.port) user=postgres dbname=\(database)"
        let second = try Connection(parameters: [("dbname", conninfo), ("application_name", "explicit")])
        XCTAssertEqual(second.parameterStatus("application_name"), "explicit")
        XCTAssertEqual(try second.query("select current_database()").scalar, database)
        // Even client_encoding, which we add when it is not given as a keyword.
        let latin1 = try Connection(url: cluster.url(database: database) + "&client_encoding=LATIN1")
        XCTAssertEqual(latin1.parameterStatus("client_encoding"), "LATIN1")
    }

    func testForEachRowReadsValuesWithoutCopyingTheResult() throws {
        let (connection, _) = try connectToFreshDatabase()
        var seen: [[String?]] = []
        try connection.forEachRow("SELECT n, CASE WHEN n = 2 THEN NULL ELSE 'é' || n END, -n * 1000 FROM generate_series(1, 3) n WHERE n >= $1", ["1"]) { row in
            seen.append([row.integer(0).map(String.init), row.string(1), row.integer(2).map(String.init), String(row.isNull(1))])
        }
        XCTAssertEqual(seen, [["1", "é1", "-1000", "false"], ["2", nil, "-2000", "true"], ["3", "é3", "-3000", "false"]])
        // An error in the body stops the visit and is thrown; the connection stays usable.
        struct Stop: Error {}
        XCTAssertThrowsError(try connection.forEachRow("SELECT generate_series(1, 5)") { _ in throw Stop() })
        XCTAssertThrowsError(try connection.forEachRow("SELECT * FROM missing_table") { _ in }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .undefinedTable)
        }
        XCTAssertEqual(try connection.query("SELECT 42").scalar, "42")
    }

    func testQueryParametersWithNullAndUnicode() throws {
        let (connection, _) = try connectToFreshDatabase()
        let text = "héllo wörld 🎉 日本語 'quoted' \"double\" \\back"
        let result = try connection.query(
            "select $1::text as t, $2::text as n, $3::int + 1 as i, length($1) as len, $1 = $4 as same",
            [text, nil, "41", text])
        XCTAssertEqual(result.columns, ["t", "n", "i", "len", "same"])
        XCTAssertEqual(result.rows, [[text, nil, "42", String(text.unicodeScalars.count), "t"]])
        XCTAssertEqual(result.value("t"), text)
        XCTAssertNil(result.value("n"))
        XCTAssertEqual(result.value("i"), "42")
        XCTAssertNil(result.value("missing"))
        XCTAssertNil(result.value("t", row: 1))
        XCTAssertEqual(result.columnIndex(of: "len"), 3)

        try connection.execute("create table p (id int primary key, note text)")
        let insert = try connection.query("insert into p values ($1, $2), ($3, $4)", ["1", "ünï", "2", nil])
        XCTAssertEqual(insert.commandTag, "INSERT 0 2")
        XCTAssertEqual(insert.affectedRows, 2)
        XCTAssertEqual(insert.columns, [])
        let rows = try connection.query("select id, note from p where note is not distinct from $1", [nil]).rows
        XCTAssertEqual(rows, [["2", nil]])
    }

    func testMultiStatementExecuteReturnsOneResultPerStatement() throws {
        let (connection, _) = try connectToFreshDatabase()
        let results = try connection.execute("""
            create table t (a int);
            insert into t values (1), (2);
            select a from t order by a;
            update t set a = a + 10;
            delete from t where a = 11
            """)
        XCTAssertEqual(results.map(\.commandTag), ["CREATE TABLE", "INSERT 0 2", "SELECT 2", "UPDATE 2", "DELETE 1"])
        XCTAssertEqual(results.map(\.affectedRows), [nil, 2, 2, 2, 1])
        XCTAssertEqual(results[2].rows, [["1"], ["2"]])
        XCTAssertEqual(results[0].columns, [])
        XCTAssertEqual(results[0].rows.count, 0)
        XCTAssertEqual(try connection.execute(""), [])
        XCTAssertEqual(try connection.execute("-- nothing but a comment"), [])
        XCTAssertEqual(try connection.execute("select 1;;; select 2").count, 2)
    }

    func testSyntaxErrorHasSQLStateAndPosition() throws {
        let (connection, _) = try connectToFreshDatabase()
        let sql = "select 1 from pg_class whre true"
        XCTAssertThrowsError(try connection.execute(sql)) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .syntaxError)
            XCTAssertEqual(error.severity, "ERROR")
            XCTAssertEqual(error.message, #"syntax error at or near "true""#)
            XCTAssertEqual(error.position, 29)
            XCTAssertEqual(error.description, #"syntax error at or near "true" (SQLSTATE 42601)"#)
        }
        // The extended protocol reports positions the same way.
        XCTAssertThrowsError(try connection.query(sql)) { error in
            XCTAssertEqual((error as? PostgresError)?.position, 29)
        }
        XCTAssertEqual(connection.transactionStatus, .idle)
    }

    func testPositionIsRelativeToTheWholeMultiStatementString() throws {
        let (connection, _) = try connectToFreshDatabase()
        // Non-ASCII before the error: the server counts characters, not bytes.
        let sql = "select 'é🎉日本';\nselect 2;\n  select * from missing_table_x;\nselect 4;"
        XCTAssertThrowsError(try connection.execute(sql)) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .undefinedTable)
            let offset = sql.unicodeScalars.distance(
                from: sql.unicodeScalars.startIndex, to: sql.range(of: "missing_table_x")!.lowerBound)
            XCTAssertEqual(error.position, offset + 1)
            XCTAssertEqual(error.position, 42)
        }
        XCTAssertEqual(try connection.execute("select 5").first?.scalar, "5")
    }

    func testUndefinedTableMatchesAsCatchPatternAndInSwitch() throws {
        let (connection, _) = try connectToFreshDatabase()
        do {
            try connection.query("select * from no_such_table")
            XCTFail("no error")
        } catch SQLState.undefinedTable {
            // expected
        }
        do {
            try connection.execute("select * from no_such_table")
            XCTFail("no error")
        } catch let error as PostgresError where error.sqlState == .undefinedTable {
            XCTAssertEqual(error.message, #"relation "no_such_table" does not exist"#)
            XCTAssertEqual(error.position, 15)
            switch error.sqlState {
            case .syntaxError: XCTFail("wrong case")
            case .syntaxErrorOrAccessRuleViolation: break  // class 42 matches 42P01
            default: XCTFail("no case matched")
            }
        }
    }

    func testDetailHintAndContextFromRaiseException() throws {
        let (connection, _) = try connectToFreshDatabase()
        XCTAssertThrowsError(try connection.execute("""
            DO $$
            BEGIN
              RAISE EXCEPTION 'custom failure %', 42 USING DETAIL = 'the detail', HINT = 'the hint';
            END
            $$
            """)) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .raiseException)
            XCTAssertEqual(error.message, "custom failure 42")
            XCTAssertEqual(error.detail, "the detail")
            XCTAssertEqual(error.hint, "the hint")
            XCTAssertNil(error.position)
            XCTAssertEqual(error.context, "PL/pgSQL function inline_code_block line 3 at RAISE")
            XCTAssertEqual(error.description, """
                custom failure 42 (SQLSTATE P0001)
                DETAIL: the detail
                HINT: the hint
                """)
        }
    }

    func testInternalQueryAndPosition() throws {
        let (connection, _) = try connectToFreshDatabase()
        XCTAssertThrowsError(try connection.execute("DO $$ BEGIN EXECUTE 'select * from nowhere_x'; END $$")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .undefinedTable)
            XCTAssertEqual(error.internalQuery, "select * from nowhere_x")
            XCTAssertEqual(error.internalPosition, 15)
            XCTAssertNil(error.position)
            XCTAssertEqual(error.context, "PL/pgSQL function inline_code_block line 1 at EXECUTE")
        }
    }

    func testConstraintViolationFields() throws {
        let (connection, _) = try connectToFreshDatabase()
        try connection.execute("create table u (a int constraint u_a_key unique, b int not null)")
        try connection.execute("insert into u values (1, 1)")
        XCTAssertThrowsError(try connection.execute("insert into u values (1, 2)")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .uniqueViolation)
            XCTAssertTrue(SQLState.integrityConstraintViolation ~= error.sqlState)
            XCTAssertEqual(error.schemaName, "public")
            XCTAssertEqual(error.tableName, "u")
            XCTAssertEqual(error.constraintName, "u_a_key")
            XCTAssertEqual(error.detail, "Key (a)=(1) already exists.")
            XCTAssertTrue(error.description.hasSuffix("(SQLSTATE 23505)\nDETAIL: Key (a)=(1) already exists."))
        }
        XCTAssertThrowsError(try connection.query("insert into u values ($1, $2)", ["2", nil])) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .notNullViolation)
            XCTAssertEqual(error.columnName, "b")
        }
    }

    func testNoticesAndWarningsReachTheHandler() throws {
        let (connection, _) = try connectToFreshDatabase()
        var notices: [Notice] = []
        connection.noticeHandler = { notices.append($0) }
        try connection.execute("""
            DO $$
            BEGIN
              RAISE NOTICE 'hello %', 'world';
              RAISE WARNING 'careful' USING DETAIL = 'some detail', HINT = 'some hint';
              RAISE INFO 'for your information';
            END
            $$;
            drop table if exists not_there;
            """)
        XCTAssertEqual(notices.map(\.severity), ["NOTICE", "WARNING", "INFO", "NOTICE"])
        XCTAssertEqual(notices.map(\.message), [
            "hello world", "careful", "for your information", #"table "not_there" does not exist, skipping"#,
        ])
        XCTAssertEqual(notices[1].detail, "some detail")
        XCTAssertEqual(notices[1].hint, "some hint")
        XCTAssertEqual(notices[1].sqlState, "01000")
        XCTAssertNil(notices[0].detail)
        XCTAssertEqual(notices[3].sqlState, "00000")

        // Server-side warnings outside PL/pgSQL too (no transaction to commit).
        notices = []
        try connection.execute("commit")
        XCTAssertEqual(notices.map(\.severity), ["WARNING"])
        XCTAssertEqual(notices.first?.sqlState, .noActiveSQLTransaction)
    }

    func testNoticesWithoutHandlerAreNotPrintedByLibpq() throws {
        let (connection, _) = try connectToFreshDatabase()
        let printed = try capturingStandardError {
            try connection.execute("DO $$ BEGIN RAISE WARNING 'must not be printed'; END $$")
            try connection.execute("commit")
        }
        XCTAssertEqual(printed, "")
    }

    func testTransactionStatus() throws {
        let (connection, _) = try connectToFreshDatabase()
        XCTAssertEqual(connection.transactionStatus, .idle)
        try connection.execute("begin")
        XCTAssertEqual(connection.transactionStatus, .inTransaction)
        XCTAssertThrowsError(try connection.execute("select 1 / 0")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .divisionByZero)
        }
        XCTAssertEqual(connection.transactionStatus, .inFailedTransaction)
        XCTAssertThrowsError(try connection.execute("select 1")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .inFailedSQLTransaction)
        }
        try connection.execute("rollback")
        XCTAssertEqual(connection.transactionStatus, .idle)
        // An implicit transaction (several statements in one string) ends with the string.
        XCTAssertThrowsError(try connection.execute("create index concurrently i on pg_class (oid); select 1")) {
            error in XCTAssertEqual((error as? PostgresError)?.sqlState, .activeSQLTransaction)
        }
        XCTAssertEqual(connection.transactionStatus, .idle)
    }

    func testEscapeIdentifierAndLiteral() throws {
        let (connection, _) = try connectToFreshDatabase()
        let name = #"we"ird Näme"#
        let identifier = connection.escapeIdentifier(name)
        XCTAssertEqual(identifier, #""we""ird Näme""#)
        XCTAssertEqual(connection.escapeLiteral("it's"), "'it''s'")
        XCTAssertEqual(connection.escapeLiteral(#"back\slash"#), #" E'back\\slash'"#)

        let literal = connection.escapeLiteral(#"it's a \ test"#)
        try connection.execute("create table \(identifier) (v text); insert into \(identifier) values (\(literal))")
        let result = try connection.query("select v from \(identifier)")
        XCTAssertEqual(result.scalar, #"it's a \ test"#)
        let tables = try connection.query("select relname from pg_class where relname = $1", [name])
        XCTAssertEqual(tables.rows, [[name]])
    }

    func testConnectionFailureDoesNotLeakThePassword() throws {
        let cluster = try TemporaryCluster.shared()
        let password = "s3cr3t-Pa55"
        var wrongPort = cluster.port == 1 ? 2 : 1
        if wrongPort == cluster.port { wrongPort += 1 }
        let attempts: [[(String, String)]] = [
            [("host", cluster.socketDirectory), ("port", String(wrongPort)), ("user", "postgres"),
             ("password", password), ("dbname", "postgres")],
            [("dbname", "postgresql://postgres:\(password)@/postgres?host=/nonexistent-dir&port=\(wrongPort)")],
            // libpq echoes a malformed percent-encoding, and a bad port, from the URI itself.
            [("dbname", "postgresql://postgres:\(password)%zz@/postgres?host=/nonexistent-dir")],
            [("dbname", "postgresql://postgres:\(password)@localhost:notaport/postgres")],
            [("dbname", "host=/nonexistent-dir port=\(wrongPort) password='\(password)' user=postgres")],
            [("dbname", "host=/nonexistent-dir password=\(password) port=bad")],
        ]
        for parameters in attempts {
            XCTAssertThrowsError(try Connection(parameters: parameters)) { error in
                guard let error = error as? PostgresError else { return XCTFail("\(error)") }
                XCTAssertNil(error.sqlState)
                XCTAssertFalse(error.message.isEmpty)
                XCTAssertEqual(error.message, error.message.trimmingCharacters(in: .whitespacesAndNewlines))
                for text in [error.description, error.message, String(reflecting: error), "\(error)"] {
                    XCTAssertFalse(text.contains(password), "password leaked: \(text)")
                    XCTAssertFalse(text.contains("s3cr3t"), "password leaked: \(text)")
                }
            }
        }
        // libpq quoted the password there; it is masked.
        XCTAssertThrowsError(try Connection(parameters: attempts[2])) { error in
            XCTAssertEqual("\(error)", #"invalid percent-encoded token: "***""#)
        }
        // The plain wrong-port case says what libpq says.
        XCTAssertThrowsError(try Connection(parameters: attempts[0])) { error in
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
    }

    /// A short password is masked where it sits, not wherever its letters appear in libpq's message.
    func testConnectionFailureWithAShortPasswordKeepsTheMessageIntact() throws {
        let cluster = try TemporaryCluster.shared()
        let wrongPort = String(cluster.port == 1 ? 2 : 1)
        func failure(_ parameters: [(String, String)]) -> String {
            do {
                _ = try Connection(parameters: parameters)
                XCTFail("connected")
            } catch {
                return "\(error)"
            }
            return ""
        }
        let withoutPassword = failure([("host", cluster.socketDirectory), ("port", wrongPort), ("user", "postgres")])
        XCTAssertEqual(failure([("host", cluster.socketDirectory), ("port", wrongPort), ("user", "postgres"), ("password", "e")]),
                       withoutPassword)
        XCTAssertEqual(failure([("dbname", "host=\(cluster.socketDirectory) port=\(wrongPort) user=postgres password=e")]),
                       withoutPassword)
        XCTAssertTrue(withoutPassword.contains("e"), withoutPassword)
        // libpq quotes the stray piece of an unquoted password with a space in it.
        XCTAssertEqual(failure([("dbname", "host=/nonexistent-dir password=se cret")]),
                       #"missing "=" after "***" in connection info string"#)
    }

    func testClosedConnectionThrowsAndCloseIsIdempotent() throws {
        let (connection, _) = try connectToFreshDatabase()
        connection.close()
        connection.close()
        XCTAssertFalse(connection.isConnected)
        XCTAssertEqual(connection.transactionStatus, .unknown)
        XCTAssertEqual(connection.serverVersion, 0)
        XCTAssertThrowsError(try connection.execute("select 1")) { error in
            XCTAssertEqual("\(error)", "the connection is closed")
        }
        XCTAssertEqual(connection.escapeIdentifier(#"a"b"#), #""a""b""#)
        XCTAssertEqual(connection.escapeLiteral("a'b"), "'a''b'")
    }

    func testLostConnectionGivesMessageOnlyErrorAndLaterCallsFail() throws {
        let (connection, _) = try connectToFreshDatabase()
        XCTAssertThrowsError(try connection.execute("select pg_terminate_backend(pg_backend_pid())")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            // The server says FATAL 57P01 before closing; libpq may instead report the closed socket.
            if let state = error.sqlState { XCTAssertEqual(state, .adminShutdown) }
            XCTAssertFalse(error.message.isEmpty)
        }
        XCTAssertFalse(connection.isConnected)
        XCTAssertThrowsError(try connection.execute("select 1"))
    }
}

/// Runs `body` with file descriptor 2 sent to a temporary file, and returns what was written there.
func capturingStandardError(_ body: () throws -> Void) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
    let file = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
    XCTAssertGreaterThanOrEqual(file, 0)
    defer { close(file); unlink(path) }
    fflush(nil)
    let saved = dup(2)
    dup2(file, 2)
    do {
        try body()
    } catch {
        fflush(nil); dup2(saved, 2); close(saved)
        throw error
    }
    fflush(nil)
    dup2(saved, 2)
    close(saved)
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

final class FailedStatementIndexTests: XCTestCase {
    /// In a multi-statement string, the error says which statement failed (for errors without a position),
    /// whether the results are kept (`execute`) or not (`run`).
    func testFailedStatementIndexWithAndWithoutResults() throws {
        let (connection, _) = try connectToFreshDatabase()
        try connection.run("CREATE TABLE t (id int); INSERT INTO t VALUES (1); SELECT * FROM t")
        for send in [{ (sql: String) in try connection.run(sql) }, { (sql: String) in _ = try connection.execute(sql) }] {
            XCTAssertThrowsError(try send("SELECT 1; SELECT 2; SELECT 1/0; SELECT 4")) { error in
                XCTAssertEqual((error as? PostgresError)?.failedStatementIndex, 2)
                XCTAssertEqual((error as? PostgresError)?.sqlState, .divisionByZero)
            }
        }
        XCTAssertEqual(try connection.query("SELECT count(*) FROM t").scalar, "1")
        XCTAssertEqual(connection.transactionStatus, .idle)
    }
}

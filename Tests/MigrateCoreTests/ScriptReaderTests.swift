import XCTest
@testable import MigrateCore

/// The reader around the splitter: COPY data, psql meta-commands, errors, encodings, files and chunks.
final class ScriptReaderTests: XCTestCase {
    // MARK: COPY … FROM STDIN

    func testCopyFromStdinPassesDataThroughThenContinues() throws {
        let script = """
            CREATE TABLE t (a int, b text);
            COPY public.t (a, b) FROM stdin;
            1\tx;y
            2\t'quoted' $$ "dq" /* not a comment
            \\.
            SELECT 3;
            """
        XCTAssertEqual(try SQLScriptReader.elements(in: script), [
            statement("CREATE TABLE t (a int, b text)", line: 1),
            statement("COPY public.t (a, b) FROM stdin", line: 2, copy: true),
            .copyData("1\tx;y\n"),
            .copyData("2\t'quoted' $$ \"dq\" /* not a comment\n"),
            .copyEnd(line: 5),
            statement("SELECT 3", line: 6),
        ])
    }

    func testCopyRowsAppendedToTheCallersBufferThenStatementsGoOn() throws {
        var reader = SQLScriptReader(text: "COPY t FROM stdin;\r\n1\t${v}\r\n2\tb\n\\.\nSELECT 3;\nCOPY u FROM stdin;\n9\n",
                                     displayName: "c.sql", placeholders: PlaceholderReplacer(values: ["v": "a"]))
        var buffer: [UInt8] = []
        XCTAssertEqual(try reader.appendCopyRow(to: &buffer), false, "no COPY yet")
        XCTAssertEqual(try reader.next(), statement("COPY t FROM stdin", line: 1, copy: true))
        while try reader.appendCopyRow(to: &buffer) {}
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "1\ta\n2\tb\n")
        XCTAssertEqual(try reader.next(), statement("SELECT 3", line: 5))
        XCTAssertEqual(try reader.next(), statement("COPY u FROM stdin", line: 6, copy: true))
        buffer.removeAll()
        while try reader.appendCopyRow(to: &buffer) {}
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "9\n", "data running to the end of the file")
        XCTAssertNil(try reader.next())

        var broken = SQLScriptReader(text: "COPY t FROM stdin;\n1\n${nope}\n", displayName: "c.sql",
                                     placeholders: PlaceholderReplacer(values: [:]))
        _ = try broken.next()
        XCTAssertThrowsError(try { while try broken.appendCopyRow(to: &buffer) {} }()) { error in
            XCTAssertEqual((error as? SQLScriptError)?.line, 3)
        }
    }

    func testCopyDataLineEndingsAreNormalised() throws {
        XCTAssertEqual(try SQLScriptReader.elements(in: "copy t from STDIN with (format csv);\r\n1,\"a\"\r\n\\.\r\nSELECT 1"), [
            statement("copy t from STDIN with (format csv)", line: 1, copy: true),
            .copyData("1,\"a\"\n"),
            .copyEnd(line: 3),
            statement("SELECT 1", line: 4),
        ])
    }

    func testCopyDataRunningToEndOfFile() throws {
        XCTAssertEqual(try SQLScriptReader.elements(in: "COPY t FROM STDIN WITH (FORMAT csv);\n1,2\n3,4\n"), [
            statement("COPY t FROM STDIN WITH (FORMAT csv)", line: 1, copy: true),
            .copyData("1,2\n"), .copyData("3,4\n"), .copyEnd(line: 3),
        ])
        XCTAssertEqual(try SQLScriptReader.elements(in: "SELECT 1;\nCOPY t FROM stdin"), [
            statement("SELECT 1", line: 1), statement("COPY t FROM stdin", line: 2, copy: true), .copyEnd(line: 2),
        ])
    }

    func testEmptyCopyData() throws {
        XCTAssertEqual(try SQLScriptReader.elements(in: "COPY t FROM stdin;\n\\.\n"), [
            statement("COPY t FROM stdin", line: 1, copy: true), .copyEnd(line: 2),
        ])
    }

    func testRestOfCopyLineRunsAfterTheData() throws {
        // psql sends the COPY at its `;`, reads data from the next line, then lexes the rest of the line.
        XCTAssertEqual(try SQLScriptReader.elements(in: "COPY t FROM stdin; SELECT 'é', 9;\n1\n\\.\nSELECT 10;"), [
            statement("COPY t FROM stdin", line: 1, copy: true),
            .copyData("1\n"), .copyEnd(line: 3),
            statement("SELECT 'é', 9", line: 1, column: 20),
            statement("SELECT 10", line: 4),
        ])
    }

    func testOtherCopyFormsAreOrdinaryStatements() throws {
        let statements = try scriptStatements("""
            COPY t TO STDOUT;
            COPY t FROM '/tmp/t.csv';
            COPY (SELECT * FROM stdin_log) TO STDOUT;
            COPY t FROM PROGRAM 'cat stdin';
            COPYRIGHT;
            SELECT 'COPY t FROM stdin';
            """)
        XCTAssertEqual(statements.count, 6)
        XCTAssertFalse(statements.contains(where: \.isCopyFromStdin))
        XCTAssertEqual(try SQLScriptReader.elements(in: "/* c */ COPY \"from\" (\"to\") FROM  StdIn;\n\\."), [
            statement("COPY \"from\" (\"to\") FROM  StdIn", line: 1, column: 9, copy: true), .copyEnd(line: 2),
        ])
    }

    // MARK: psql meta-commands

    func testRestrictAndUnrestrictAreIgnored() throws {
        let script = "\\restrict Abc123\n-- dump\nSELECT 1;\n\n\\unrestrict Abc123\n"
        XCTAssertEqual(try scriptStatements(script), [SQLStatement(text: "SELECT 1", line: 3)])
    }

    func testOtherMetaCommandsAreRefused() throws {
        var reader = SQLScriptReader(text: "SELECT 1;\n  \\connect other\nSELECT 2;", displayName: "V2__x.sql")
        XCTAssertEqual(try reader.next(), statement("SELECT 1", line: 1))
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual(error as? SQLScriptError, SQLScriptError(
                file: "V2__x.sql", line: 2, column: 3,
                message: "psql meta-command \\connect is not supported in migrations"))
            XCTAssertEqual("\(error)", "V2__x.sql:2:3: psql meta-command \\connect is not supported in migrations")
        }
        XCTAssertNil(try reader.next(), "a reader stops after an error")

        XCTAssertEqual(scriptError("\\set ON_ERROR_STOP 1\n")?.message, "psql meta-command \\set is not supported in migrations")
        XCTAssertEqual(scriptError("SELECT 1 \\gexec")?.column, 10)
        // \restrict in the middle of a statement is not something pg_dump writes.
        XCTAssertEqual(scriptError("SELECT\n\\restrict x\n1;")?.line, 2)
    }

    func testBackslashInsideQuotesIsNotAMetaCommand() throws {
        XCTAssertEqual(try scriptTexts("SELECT '\\connect';\nSELECT $$\n\\i x\n$$; -- \\set\n/* \\x */"),
                       ["SELECT '\\connect'", "SELECT $$\n\\i x\n$$"])
    }

    // MARK: Unterminated constructs

    func testUnterminatedThingsReportWhereTheyStarted() {
        let dollar = scriptError("SELECT 1;\n\nCREATE FUNCTION f() AS $body$\nSELECT 1;\n", displayName: "V3__x.sql")
        XCTAssertEqual(dollar?.description, "V3__x.sql:3:24: unterminated dollar-quoted string $body$ (started here)")
        XCTAssertEqual(dollar?.line, 3)
        XCTAssertEqual(dollar?.column, 24)

        XCTAssertEqual(scriptError("SELECT 1;\nSELECT 'abc;\n\n")?.description,
                       "test.sql:2:8: unterminated quoted string (started here)")
        XCTAssertEqual(scriptError("SELECT E'abc\\';")?.description,
                       "test.sql:1:8: unterminated escape string E'…' (started here)")
        XCTAssertEqual(scriptError("SELECT 'é' AS \"abc")?.description,
                       "test.sql:1:15: unterminated quoted identifier (started here)")
        XCTAssertEqual(scriptError("SELECT 1; /* a /* b */\nSELECT 2;")?.description,
                       "test.sql:1:11: unterminated /* comment (started here)")
        XCTAssertEqual(scriptError("SELECT $$")?.message, "unterminated dollar-quoted string $$ (started here)")
    }

    // MARK: Encodings

    func testValidUTF8SplitAcrossChunksAndLaterBadByteInTheSameChunk() throws {
        // Checked ahead in one run per buffer: multi-byte characters cut by chunk boundaries are fine, and a bad
        // byte several lines on is still reported by its own line.
        let good = Array(String(repeating: "SELECT 'café Дмитрий';\n", count: 20).utf8)
        for chunkSize in [5, 7, 64, 4096] {
            XCTAssertEqual(try scriptElements(bytes: good, chunkSize: chunkSize).count, 20, "chunk \(chunkSize)")
            XCTAssertThrowsError(try scriptElements(bytes: good + Array("SELECT 1;\nSELECT 'x".utf8) + [0xC3, 0x28] + Array("';\n".utf8),
                                                    chunkSize: chunkSize)) { error in
                XCTAssertEqual((error as? SQLScriptError)?.line, 22, "chunk \(chunkSize)")
                XCTAssertEqual((error as? SQLScriptError)?.column, 10, "chunk \(chunkSize)")
            }
        }
    }

    func testInvalidUTF8IsReportedWithItsLine() {
        let bytes = Array("SELECT 1;\nSELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8)
        XCTAssertThrowsError(try scriptElements(bytes: bytes, chunkSize: 4096)) { error in
            let error = error as? SQLScriptError
            XCTAssertEqual(error?.line, 2)
            XCTAssertEqual(error?.column, 12)
            XCTAssertEqual(error?.message, "invalid UTF-8 (byte 0xE9); the file is not UTF-8, set the correct encoding")
        }
        // Bad bytes in a comment are refused too, and overlong forms and surrogates are not UTF-8.
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]] {
            let script = Array("-- ok\n-- ".utf8) + bad + Array("\nSELECT 1".utf8)
            XCTAssertThrowsError(try scriptElements(bytes: script, chunkSize: 4096)) {
                XCTAssertEqual(($0 as? SQLScriptError)?.line, 2, "\(bad)")
            }
        }
    }

    func testLatin1IsTranscoded() throws {
        let bytes = Array("SELECT 'caf".utf8) + [0xE9] + Array("', '".utf8) + [0x80, 0xFF] + Array("';\nSELECT 2".utf8)
        XCTAssertEqual(try scriptElements(bytes: bytes, encoding: .isoLatin1, chunkSize: 3), [
            statement("SELECT 'café', '\u{80}ÿ'", line: 1), statement("SELECT 2", line: 2),
        ])
        XCTAssertEqual(try scriptElements(bytes: bytes, encoding: .windowsCP1252, chunkSize: 5), [
            statement("SELECT 'café', '€ÿ'", line: 1), statement("SELECT 2", line: 2),
        ])
        XCTAssertThrowsError(try scriptElements(bytes: Array("SELECT 1;\n'x".utf8) + [0x81], encoding: .windowsCP1252, chunkSize: 64)) {
            XCTAssertEqual(($0 as? SQLScriptError)?.description,
                           "test.sql:2:3: byte 0x81 is not a windows-1252 character; set the correct encoding")
        }
    }

    // MARK: Files and chunks

    func testReadsFilesInAnyChunkSize() throws {
        let script = """
            -- V1__init.sql
            CREATE TABLE "naïve" (id int);\r
            DO $body$ BEGIN PERFORM 'x;'; END $body$;
            COPY "naïve" FROM stdin;
            1
            \\.
            SELECT 'done'
            """
        let url = try temporaryFile(Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array(script.utf8)))
        var reader = try SQLScriptReader(url: url, displayName: "V1__init.sql")
        let expected = try reader.allElements()
        XCTAssertEqual(expected, [
            statement("CREATE TABLE \"naïve\" (id int)", line: 2),
            statement("DO $body$ BEGIN PERFORM 'x;'; END $body$", line: 3),
            statement("COPY \"naïve\" FROM stdin", line: 4, copy: true),
            .copyData("1\n"), .copyEnd(line: 6),
            statement("SELECT 'done'", line: 7),
        ])
        for chunkSize in 1...9 {
            var chunked = try SQLScriptReader(url: url, displayName: "V1__init.sql", encoding: .utf8, placeholders: nil, chunkSize: chunkSize)
            XCTAssertEqual(try chunked.allElements(), expected, "chunk size \(chunkSize)")
        }
    }

    func testChunkBoundariesAnywhereGiveTheSameResult() throws {
        let script = """
            \u{FEFF}SELECT $fn_tag$ ; $fn_tag$, 'ünïcödé 😀 ;', E'\\'';\r
            /* /* ; */ */ CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;\r
            COPY t FROM stdin;\r
            a\tb😀\r
            \\.\r
            SELECT ${v}; -- ${v}\r\r\n
            SELECT "x;""y" FROM t WHERE a = $1
            """
        let bytes = Array(script.utf8)
        let placeholders = PlaceholderReplacer(values: ["v": "42"])
        let whole = try scriptElements(bytes: bytes, chunkSize: bytes.count, placeholders: placeholders)
        XCTAssertEqual(whole.count, 7)
        XCTAssertEqual(whole.last, statement("SELECT \"x;\"\"y\" FROM t WHERE a = $1", line: 9))
        for chunkSize in [1, 2, 3, 4, 5, 6, 7, 64] {
            XCTAssertEqual(try scriptElements(bytes: bytes, chunkSize: chunkSize, placeholders: placeholders), whole, "chunk size \(chunkSize)")
        }
    }

    func testLongLinesComeInPiecesWithTheSameResult() throws {
        // One line, many statements; tiny chunks make the reader cut the line after every blank. Columns count
        // the text after placeholder replacement.
        let line = "SELECT 'a b; c', E'x\\ y\\';' /* d e; */ , $t$ f; g $t$; SELECT \"h i;\" -- j; k ' l\n"
            + "SELECT ${v} AS \"ü ${v}\"; COPY t FROM stdin; SELECT 'after copy', 2; SELECT 3; -- tail\n"
            + "1\t2 3\n\\.\n\\restrict a b c d\nSELECT 'é' , 4"
        let bytes = Array(line.utf8)
        let placeholders = PlaceholderReplacer(values: ["v": "value with blanks"])
        let whole = try scriptElements(bytes: bytes, chunkSize: 1 << 20, placeholders: placeholders)
        XCTAssertEqual(whole, [
            statement("SELECT 'a b; c', E'x\\ y\\';' /* d e; */ , $t$ f; g $t$", line: 1),
            statement("SELECT \"h i;\" -- j; k ' l\nSELECT value with blanks AS \"ü value with blanks\"", line: 1, column: 56),
            statement("COPY t FROM stdin", line: 2, column: 52, copy: true),
            .copyData("1\t2 3\n"), .copyEnd(line: 4),
            statement("SELECT 'after copy', 2", line: 2, column: 71),
            statement("SELECT 3", line: 2, column: 95),
            statement("SELECT 'é' , 4", line: 6),
        ])
        for chunkSize in 1...24 {
            XCTAssertEqual(try scriptElements(bytes: bytes, chunkSize: chunkSize, placeholders: placeholders), whole,
                           "chunk size \(chunkSize)")
        }
    }

    func testErrorsInLaterPiecesOfALongLineHaveTheRightColumn() {
        let cases: [(String, String)] = [
            ("SELECT 1; SELECT 2; SELECT 'open and never closed", "test.sql:1:28: unterminated quoted string (started here)"),
            ("SELECT 1; SELECT 2; SELECT ${nope}", "test.sql:1:28: No value provided for placeholder ${nope}"),
            ("SELECT 1; SELECT 2; \\connect x", "test.sql:1:21: psql meta-command \\connect is not supported in migrations"),
        ]
        for (script, expected) in cases {
            for chunkSize in [1, 2, 3, 7, 1 << 20] {
                XCTAssertThrowsError(try scriptElements(bytes: Array(script.utf8), chunkSize: chunkSize,
                                                        placeholders: PlaceholderReplacer(values: [:]))) {
                    XCTAssertEqual("\($0)", expected, "chunk size \(chunkSize)")
                }
            }
        }
        let bad = Array("SELECT 1; SELECT 'é".utf8) + [0xFF] + Array("';".utf8)
        for chunkSize in [1, 4, 1 << 20] {
            XCTAssertThrowsError(try scriptElements(bytes: bad, chunkSize: chunkSize)) {
                XCTAssertEqual(($0 as? SQLScriptError)?.column, 20, "chunk size \(chunkSize)")
            }
        }
    }

    /// Random scripts built from tricky pieces give the same elements (or the same error) whatever the chunk size.
    func testRandomScriptsAreChunkSizeIndependent() throws {
        let pieces = [
            "SELECT 1", ";", " ", "\n", "\r\n", "\r", "'a;b'", "'it''s'", "E'\\''", "E'x'", "\"q;\"\"\"", "$$ ; $$",
            "$fn$ $$ ' $fn$", "$1", "/* c /* n */ ; */", "-- c ;", "(", ")", "é😀", "${v}", "${", "BEGIN", "END", "CASE",
            "CREATE FUNCTION f() BEGIN ATOMIC", "COPY t FROM stdin;", "\\.", "x$y$", "U&'\\0041'",
        ]
        var rng = SplitMix64(seed: 42)
        let placeholders = PlaceholderReplacer(values: ["v": "V ; v"])
        func outcome(_ bytes: [UInt8], _ chunkSize: Int) -> String {
            do {
                return "\(try scriptElements(bytes: bytes, chunkSize: chunkSize, placeholders: placeholders))"
            } catch {
                return "error: \(error)"
            }
        }
        for _ in 0..<300 {
            let script = (0..<Int.random(in: 1...40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let bytes = Array(script.utf8)
            let whole = outcome(bytes, 1 << 20)
            for chunkSize in [1, 2, 3, 5, 8, 13] {
                XCTAssertEqual(outcome(bytes, chunkSize), whole, "chunk size \(chunkSize) for \(script.debugDescription)")
            }
        }
    }

    func testLatin1FileIsTranscodedWhileStreaming() throws {
        let bytes = Array("-- caf".utf8) + [0xE9] + Array("\nSELECT 'na".utf8) + [0xEF] + Array("ve';".utf8)
        let url = try temporaryFile(Data(bytes))
        for chunkSize in [2, 1 << 20] {
            var reader = try SQLScriptReader(url: url, displayName: "l1.sql", encoding: .isoLatin1, placeholders: nil, chunkSize: chunkSize)
            XCTAssertEqual(try reader.allElements(), [statement("SELECT 'naïve'", line: 2)])
        }
        var utf8Reader = try SQLScriptReader(url: url, displayName: "l1.sql")
        XCTAssertThrowsError(try utf8Reader.next()) {
            XCTAssertEqual("\($0)", "l1.sql:1:7: invalid UTF-8 (byte 0xE9); the file is not UTF-8, set the correct encoding")
        }
    }

    func testOtherEncodingsAreDecodedByFoundation() throws {
        let text = "SELECT 'ü';\nSELECT 2"
        let url = try temporaryFile(text.data(using: .utf16)!)
        var reader = try SQLScriptReader(url: url, displayName: "u16.sql", encoding: .utf16)
        XCTAssertEqual(try reader.allElements(), [statement("SELECT 'ü'", line: 1), statement("SELECT 2", line: 2)])
    }

    func testMissingFileIsAScriptError() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString).sql")
        XCTAssertThrowsError(try SQLScriptReader(url: url, displayName: "V9__missing.sql")) { error in
            let error = error as? SQLScriptError
            XCTAssertEqual(error?.file, "V9__missing.sql")
            XCTAssertEqual(error?.line, 0)
            XCTAssertTrue(error?.description.hasPrefix("V9__missing.sql: could not open the file") ?? false, "\(String(describing: error))")
        }
    }

    /// Not timed: lexes a generated script of 50 000 INSERTs and checks every statement came out.
    func testManyStatementsThroughput() throws {
        var script = "-- generated\n"
        for i in 0..<50_000 {
            script += "INSERT INTO t (id, name, note) VALUES (\(i), 'name \(i); ''q''', E'x\\'y'); -- row \(i)\n"
        }
        var reader = SQLScriptReader(text: script, displayName: "big.sql")
        var count = 0
        var last: SQLStatement?
        while let element = try reader.next() {
            guard case .statement(let s) = element else { return XCTFail("unexpected \(element)") }
            count += 1
            last = s
        }
        XCTAssertEqual(count, 50_000)
        XCTAssertEqual(last?.line, 50_001)
        XCTAssertEqual(last?.text, "INSERT INTO t (id, name, note) VALUES (49999, 'name 49999; ''q''', E'x\\'y')")
    }

    private func temporaryFile(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).sql")
        try data.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// A small deterministic generator, so the random-script test is repeatable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

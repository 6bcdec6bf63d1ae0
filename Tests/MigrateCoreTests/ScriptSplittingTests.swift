import XCTest
@testable import MigrateCore

/// Where statements end: psql's lexical rules.
final class ScriptSplittingTests: XCTestCase {
    func testSplitsAtSemicolonsWithLineAndColumn() throws {
        let statements = try scriptStatements("SELECT 1; SELECT 2;\n  SELECT 3 ;")
        XCTAssertEqual(statements, [
            SQLStatement(text: "SELECT 1", line: 1, column: 1),
            SQLStatement(text: "SELECT 2", line: 1, column: 11),
            SQLStatement(text: "SELECT 3 ", line: 2, column: 3),
        ])
    }

    func testSemicolonInsideStandardString() throws {
        let statements = try scriptStatements("SELECT 'a;b'; SELECT 'it''s; ok';")
        XCTAssertEqual(statements.map(\.text), ["SELECT 'a;b'", "SELECT 'it''s; ok'"])
        XCTAssertEqual(statements.map(\.column), [1, 15])
    }

    func testBackslashIsLiteralInStandardString() throws {
        XCTAssertEqual(try scriptTexts(#"SELECT 'C:\'; SELECT 2"#), [#"SELECT 'C:\'"#, "SELECT 2"])
    }

    func testEscapeStringWithBackslashQuote() throws {
        XCTAssertEqual(try scriptTexts(#"SELECT E'it\'s; fine'; SELECT e'\\'; SELECT 3"#),
                       [#"SELECT E'it\'s; fine'"#, #"SELECT e'\\'"#, "SELECT 3"])
    }

    func testEscapeStringContinuesAfterNewline() throws {
        // 'a' <newline> 'b' is one literal; the continuation keeps E'…' rules (psql's xqs state).
        XCTAssertEqual(try scriptTexts("SELECT E'a'\n'b\\'c;d'; SELECT 2"), ["SELECT E'a'\n'b\\'c;d'", "SELECT 2"])
        XCTAssertEqual(try scriptTexts("SELECT E'a' -- note\n  'b\\'c;d'; SELECT 2"),
                       ["SELECT E'a' -- note\n  'b\\'c;d'", "SELECT 2"])
    }

    func testIdentifierEndingInEIsNotAnEscapeStringPrefix() throws {
        // `somE'…'` is the identifier somE followed by a standard string, in which \ is literal.
        XCTAssertEqual(try scriptTexts(#"SELECT somE'\'; SELECT 2"#), [#"SELECT somE'\'"#, "SELECT 2"])
    }

    func testNumberFollowedByEscapeString() throws {
        // psql lexes `1E'…'` as the number 1 and an escape string, so \' does not close it.
        XCTAssertEqual(try scriptTexts(#"SELECT 1E'\';'; SELECT 2"#), [#"SELECT 1E'\';'"#, "SELECT 2"])
    }

    func testUnicodeEscapeStringsAndIdentifiers() throws {
        XCTAssertEqual(try scriptTexts(#"SELECT U&'d\0061t\+000061;' AS U&"a;b"; SELECT u&'x;'"#),
                       [#"SELECT U&'d\0061t\+000061;' AS U&"a;b""#, "SELECT u&'x;'"])
    }

    func testBitAndNationalStrings() throws {
        XCTAssertEqual(try scriptTexts("SELECT B'1;0', X'1;F', N'n;'; SELECT 2"),
                       ["SELECT B'1;0', X'1;F', N'n;'", "SELECT 2"])
    }

    func testQuotedIdentifiers() throws {
        XCTAssertEqual(try scriptTexts(#"SELECT 1 AS "x;y", 2 AS "a""b;c"; SELECT 3"#),
                       [#"SELECT 1 AS "x;y", 2 AS "a""b;c""#, "SELECT 3"])
    }

    func testDollarQuotedBodyWithSemicolons() throws {
        let script = """
            CREATE FUNCTION f() RETURNS int AS $$
              SELECT 1;
            $$ LANGUAGE sql;
            SELECT 2;
            """
        let statements = try scriptStatements(script)
        XCTAssertEqual(statements.map(\.text), ["CREATE FUNCTION f() RETURNS int AS $$\n  SELECT 1;\n$$ LANGUAGE sql", "SELECT 2"])
        XCTAssertEqual(statements.map(\.line), [1, 4])
    }

    func testTaggedDollarQuoteContainingOtherTagsAndQuotes() throws {
        let script = """
            DO $fn$
            BEGIN
              RAISE NOTICE '$$;';
              PERFORM 'x''';  -- ;
              EXECUTE $q$ SELECT ';' $q$;
            END
            $fn$;
            SELECT $body$ ' " $$ ; $body$, $fn_1$;$fn_1$;
            """
        XCTAssertEqual(try scriptTexts(script), [
            "DO $fn$\nBEGIN\n  RAISE NOTICE '$$;';\n  PERFORM 'x''';  -- ;\n  EXECUTE $q$ SELECT ';' $q$;\nEND\n$fn$",
            "SELECT $body$ ' \" $$ ; $body$, $fn_1$;$fn_1$",
        ])
    }

    func testDollarQuoteClosesOnlyAtIdenticalTag() throws {
        // `$ab$` does not close `$a$`; psql gives back its last `$`, which then starts the real `$a$`.
        XCTAssertEqual(try scriptTexts("SELECT $a$ x $ab$; $a$; SELECT 2"), ["SELECT $a$ x $ab$; $a$", "SELECT 2"])
        XCTAssertEqual(try scriptTexts("SELECT $a$ x $junk$a$; SELECT 2"), ["SELECT $a$ x $junk$a$", "SELECT 2"])
    }

    func testPositionalParametersAreNotDollarQuotes() throws {
        XCTAssertEqual(try scriptTexts("PREPARE p(int, int) AS SELECT $1 + $2; EXECUTE p(1, 2)"),
                       ["PREPARE p(int, int) AS SELECT $1 + $2", "EXECUTE p(1, 2)"])
    }

    func testDollarInsideIdentifierIsNotAQuote() throws {
        XCTAssertEqual(try scriptTexts("SELECT a$b$ FROM t; SELECT 2"), ["SELECT a$b$ FROM t", "SELECT 2"])
        // A `$` followed by an identifier but no closing `$` is just a `$`.
        XCTAssertEqual(try scriptTexts("SELECT $x; SELECT 2"), ["SELECT $x", "SELECT 2"])
    }

    func testNestedBlockComments() throws {
        let statements = try scriptStatements("/* a /* b; */ c; */ SELECT 1; SELECT /* x; /* y */ ; */ 2;")
        XCTAssertEqual(statements.map(\.text), ["SELECT 1", "SELECT /* x; /* y */ ; */ 2"])
        XCTAssertEqual(statements.first?.column, 21)
    }

    func testLineCommentsWithSemicolonsAndQuotes() throws {
        let statements = try scriptStatements("-- it's; a comment\nSELECT 1; -- trailing ' ; \"\nSELECT 2 -- x;\n;")
        XCTAssertEqual(statements.map(\.text), ["SELECT 1", "SELECT 2 -- x;\n"])
        XCTAssertEqual(statements.map(\.line), [2, 3])
    }

    func testOperatorsNextToCommentStarts() throws {
        XCTAssertEqual(try scriptTexts("SELECT 1 +-- c;\n 2; SELECT 3 */*x;*/ 4"), ["SELECT 1 +-- c;\n 2", "SELECT 3 */*x;*/ 4"])
    }

    func testLeadingCommentsAreNotPartOfTheText() throws {
        let statements = try scriptStatements("/* lead */ -- x\n  SELECT 1 -- keep\n  + 2;")
        XCTAssertEqual(statements, [SQLStatement(text: "SELECT 1 -- keep\n  + 2", line: 2, column: 3)])
    }

    func testBeginAtomicBodyWithCase() throws {
        let script = """
            CREATE FUNCTION f(x int) RETURNS text LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END;
              SELECT 'done';
            END;
            SELECT 2;
            """
        let statements = try scriptStatements(script)
        XCTAssertEqual(statements.map(\.text), [
            "CREATE FUNCTION f(x int) RETURNS text LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END;\n  SELECT 'done';\nEND",
            "SELECT 2",
        ])
        XCTAssertEqual(statements.map(\.line), [1, 6])
    }

    func testCreateOrReplaceProcedureBeginAtomicIsCaseInsensitive() throws {
        let script = "create or replace procedure p() language sql begin atomic insert into t values (1); case; end; select 1"
        // `case; end` makes no sense to the server, but it is how psql counts: CASE opens, END closes.
        XCTAssertEqual(try scriptTexts(script + "; end; select 2"),
                       ["create or replace procedure p() language sql begin atomic insert into t values (1); case; end; select 1; end",
                        "select 2"])
    }

    func testBeginOutsideRoutineIsATransactionStatement() throws {
        XCTAssertEqual(try scriptTexts("BEGIN; SELECT 1; END; COMMIT"), ["BEGIN", "SELECT 1", "END", "COMMIT"])
        // CASE … END in a function without BEGIN does not change the depth.
        XCTAssertEqual(try scriptTexts("CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END; SELECT 2"),
                       ["CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END", "SELECT 2"])
        // Keywords inside strings and quoted identifiers don't count.
        XCTAssertEqual(try scriptTexts("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'begin'; SELECT \"begin\"; SELECT 3"),
                       ["CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'begin'", "SELECT \"begin\"", "SELECT 3"])
    }

    func testParenthesesKeepSemicolons() throws {
        let script = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;"
        XCTAssertEqual(try scriptTexts(script), [
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))", "SELECT 1",
        ])
        // An unbalanced `)` does not go below zero.
        XCTAssertEqual(try scriptTexts("SELECT 1); SELECT 2"), ["SELECT 1)", "SELECT 2"])
    }

    func testLastStatementWithoutSemicolon() throws {
        let statements = try scriptStatements("SELECT 1;\nSELECT 2\n  -- end\n\n")
        XCTAssertEqual(statements, [SQLStatement(text: "SELECT 1", line: 1), SQLStatement(text: "SELECT 2\n  -- end", line: 2)])
    }

    func testWhitespaceAndCommentOnlyInputHasNoStatements() throws {
        XCTAssertEqual(try scriptTexts(""), [])
        XCTAssertEqual(try scriptTexts("\n\n  \t\n"), [])
        XCTAssertEqual(try scriptTexts("-- only\n/* c /* d */ */\n\n  ;  ;\n-- end"), [])
    }

    func testCRLFLineNumbersAndBytesInsideStrings() throws {
        let statements = try scriptStatements("SELECT 1;\r\nSELECT 'a\r\nb';\r\n\r\nSELECT\r\n 3\r\n")
        XCTAssertEqual(statements, [
            SQLStatement(text: "SELECT 1", line: 1),
            SQLStatement(text: "SELECT 'a\r\nb'", line: 2),
            SQLStatement(text: "SELECT\r\n 3", line: 5),
        ])
    }

    func testLoneCarriageReturnIsALineBreak() throws {
        let statements = try scriptStatements("SELECT 1;\rSELECT 2;\r\rSELECT 3")
        XCTAssertEqual(statements.map(\.line), [1, 2, 4])
    }

    func testByteOrderMarkIsDropped() throws {
        XCTAssertEqual(try scriptStatements("\u{FEFF}SELECT 1;"), [SQLStatement(text: "SELECT 1", line: 1, column: 1)])
        // Only at the very start.
        XCTAssertEqual(try scriptTexts("SELECT 1;\n\u{FEFF}SELECT 2"), ["SELECT 1", "\u{FEFF}SELECT 2"])
    }

    func testColumnsCountUnicodeScalars() throws {
        let statements = try scriptStatements("SELECT 'é😀'; SELECT 2;\n/* ü */ SELECT 3")
        XCTAssertEqual(statements.map(\.column), [1, 14, 9])
    }

    func testStatementTextIsExactSourceBytes() throws {
        let text = "INSERT INTO t VALUES ('tab\there', 'naïve',\n   E'\\n', $$x$$)"
        XCTAssertEqual(try scriptTexts(text + ";"), [text])
    }
}

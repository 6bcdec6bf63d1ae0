import PostgresClient
import TOML
import XCTest
@testable import MigrateCore

/// Inputs the fuzz targets (fuzz/, run by fuzz/run.sh) found: each was a defect, or pins down behaviour the
/// targets' properties rely on.
final class FuzzFindingsTests: XCTestCase {
    // MARK: fuzz-toml: toml++ stopped the process (a failed assertion) on these instead of throwing

    private func syntaxError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> TOMLSyntaxError? {
        do {
            _ = try TOMLDocument(parsing: text)
            XCTFail("expected a syntax error", file: file, line: line)
        } catch {
            return error
        }
        return nil
    }

    func testATableHeaderThatStartsWithNoKeyIsASyntaxError() {
        let cases: [(text: String, line: Int, column: Int, saw: String)] = [
            ("[\u{FFFD}\u{FFFD}&ents.default]\nurl = \"postgresql://h/db\"\n", 1, 2, "saw '\u{FFFD}'"),  // as found
            ("a = 1\n[é]\n", 2, 2, "saw 'é'"),
            ("[ =x]\n", 1, 3, "saw '='"),
            ("[[\t.a]]\n", 1, 4, "saw '.'"),
            ("[[[a]]]\n", 1, 3, "saw '['"),
            ("[\nx = 1\n", 1, 2, "saw a line break"),
            ("\u{FEFF}[\u{0B}a]\n", 1, 2, "saw U+000B"),
        ]
        for (text, line, column, saw) in cases {
            let error = syntaxError(text)
            XCTAssertEqual(error?.line, line, text.debugDescription)
            XCTAssertEqual(error?.column, column, text.debugDescription)
            XCTAssertEqual(error?.message, "Error while parsing table header: expected bare key starting character or string "
                + "delimiter, \(saw)", text.debugDescription)
        }
    }

    func testAnArrayItemThatStartsWithABraceIsASyntaxError() {
        let found = "x = { a = [1, 2.5, -inf, nan, }1979-05-17[ayfyl]w\u{FFFD}][enviro, \"b c\" = 'x' }\n"
        XCTAssertEqual(syntaxError(found)?.message, "Error while parsing array: expected value or closing ']', saw '}'")
        XCTAssertEqual(syntaxError(found)?.column, 31)
        XCTAssertEqual(syntaxError("a = [\n  1,\n  }\n")?.line, 3)
        XCTAssertEqual(syntaxError("a = [\u{2028}]\n")?.message, "Error while parsing array: expected value or closing ']', saw U+2028")
    }

    func testADateFollowedByTAndNoTimeIsASyntaxError() throws {
        let found = "s = \"text\"\ni = -7\nf = 2.5\nb =1979-06-27T(7:32:nan00Z05-27]{envi[environ\t\0\0\0s.default]ro, \"btoml\"\n"
        let error = syntaxError(found)
        XCTAssertEqual(error?.line, 4)
        XCTAssertEqual(error?.column, 15)
        XCTAssertEqual(error?.message, "Error while parsing date-time: expected 2-digit hour, saw '('")
        XCTAssertEqual(syntaxError("a = [1979-05-27T 07:32:00]\n")?.message,
                       "Error while parsing date-time: expected 2-digit hour, saw U+0020")
        XCTAssertNotNil(syntaxError("d = 1979-05-27t"), "toml++'s own error at the end of the text")
        XCTAssertEqual(try TOMLDocument(parsing: "d = 1979-05-27T07:32:00Z\ne = 1979-05-27 07:32:00\n").root["e"], .dateTime)
    }

    func testWhatLooksLikeThoseInStringsAndCommentsIsNot() throws {
        let document = try TOMLDocument(parsing: """
            a = \"\"\"
            [é]
            \"\"\"
            b = ['}', "[=]"]  # [é] and [1, }
            [ "quoted" ]
            [[t]]
            """)
        XCTAssertEqual(document.root["a"], .string("[é]\n"))
        XCTAssertEqual(document.root["b"], .array([.string("}"), .string("[=]")]))
        XCTAssertEqual(document.line(of: ["quoted"]), 5)
        // toml++'s own errors are untouched: brackets apart, an item where a comma belongs.
        XCTAssertEqual(syntaxError("[ [a]]\n")?.message.contains("brackets must be contiguous"), true)
        XCTAssertEqual(syntaxError("a = [1 }]\n")?.message.contains("expected comma or closing ']'"), true)
    }

    // MARK: fuzz-url

    func testANULInAURLIsRefusedRatherThanCutShort() {
        // libpq takes C strings: it would have read the first of these as "\u{1}", the second without its password.
        for url in ["\u{1}\0=", "host=h\0 password=secret", "jdbc:postgresql://h/db\0?password=secret"] {
            XCTAssertThrowsError(try ConnectionURL(url), url.debugDescription) { error in
                XCTAssertEqual((error as? ConfigurationError)?.message, "the url contains a NUL character")
            }
        }
        for (url, keyword) in [("jdbc:postgresql://h/db%00x", "dbname"), ("jdbc:postgresql://h/db?password=a%00b", "password")] {
            XCTAssertThrowsError(try ConnectionURL(url), url) { error in
                XCTAssertEqual((error as? ConfigurationError)?.message,
                               "the url's \(keyword) decodes to a NUL character (%00), which libpq cannot take")
            }
        }
    }

    func testTheFormOfAURLIsReadFromItsBytes() throws {
        // As Characters, `//` and a combining mark after it are not `//`: the URI was refused as an unknown scheme.
        XCTAssertEqual(try ConnectionURL("postgresql://\u{5A0}\\=").form, .uri)
        // The JDBC form is split on Characters, where the mark would hide the `=`: it must be percent-encoded.
        XCTAssertThrowsError(try ConnectionURL("jdbc:postgresql://h/db?user=\u{301}u")) { error in
            XCTAssertEqual((error as? ConfigurationError)?.message,
                           "the url has a combining character right after '=': percent-encode it (%XX)")
        }
        XCTAssertEqual(try ConnectionURL("jdbc:postgresql://h/db?user=%CC%81u").parameters.last?.value, "\u{301}u")
        // libpq's blanks are C's isspace: a no-break space belongs to the value, `=` with a mark after it is `=`.
        XCTAssertEqual(try ConnectionURL("host=a\u{A0}b").form, .keywords)
        XCTAssertEqual(try ConnectionURL("host=\u{301}x port=5432").form, .keywords)
        XCTAssertThrowsError(try ConnectionURL("host=h port"))
    }

    private func configuration(url: String) -> Configuration {
        var configuration = Configuration()
        configuration.url = url
        return configuration
    }

    func testAPasswordWithBlanksInAURLIsMaskedWhole() {
        // pgjdbc and libpq take these as they are, blanks and all; the masker used to stop at the first blank.
        let query = configuration(url: "jdbc:postgresql://h/db?user=u&password=correct horse battery&ssl=true")
        XCTAssertEqual(query.redactedURL, "jdbc:postgresql://h/db?user=u&password=***&ssl=true")
        XCTAssertEqual(query.secrets, ["correct horse battery"])
        let found = configuration(url: "jdbc:postgresql://u:Nd19hwe@:P5433,[::1]:5/df?password=Nd1ePw&sslpassword=Nd1e9Pd=Nearch=-c c "
            + "%search_paons=ord=nt\u{FFFD}cherd=Nd1e9Pw&password=nt\u{FFFD}cheprimary")
        XCTAssertEqual(found.redactedURL, "jdbc:postgresql://u:***@:P5433,[::1]:5/df?password=***&sslpassword=***&password=***")
        let userinfo = configuration(url: "postgres://u:correct horse@h/db")
        XCTAssertEqual(userinfo.redactedURL, "postgres://u:***@h/db")
        XCTAssertEqual(userinfo.secrets, ["correct horse"])
    }

    func testAConninfoPasswordWithLineBreaksAroundTheEqualsSignIsMasked() {
        // libpq allows any white space around `=`.
        let found = configuration(url: "hoqt=h port=\u{FFFD}271 password\r\r\u{0B}\r='Nd1e9Pw\\' x' dbna")
        XCTAssertEqual(found.redactedURL, "hoqt=h port=\u{FFFD}271 password\r\r\u{0B}\r=*** dbna")
        XCTAssertEqual(configuration(url: "host=h password\n=\ts3cret dbname=d").redactedURL, "host=h password\n=\t*** dbname=d")
    }

    func testAKeywordStringIsMaskedPairByPairAsLibpqReadsIt() {
        // The masker took `uhpassword='…` inside another keyword's value for a pair, and its quoted value ran on
        // over the real `password=`, which was then skipped.
        let found = "jdbcaA9postgredrd = *uhpassword='Nd1e9gPw\\tas\u{FFFD}:2 password='Nd1e9Pw\\dbnaee"
        XCTAssertEqual(configuration(url: found).redactedURL, "jdbcaA9postgredrd = *uhpassword=***")
        XCTAssertTrue(configuration(url: found).secrets.contains("'Nd1e9Pw\\dbnaee"))
        XCTAssertEqual(configuration(url: "host=h options='-c x=password=a' password=secret").redactedURL,
                       "host=h options='-c x=password=*** password=***")
    }

    func testAURLQueryIsMaskedPairByPairAsPgjdbcReadsIt() {
        // Found in a 2 KB url: a look-alike `password=` inside another parameter's value made the masker read
        // `d=secret` as a pair of its own, though pgjdbc reads it in the password (the query splits at `&` only).
        let url = "jdbc:postgresql://h/db?a=password=x&password=b\tpassword=\tc d=secret&ssl=true"
        XCTAssertEqual(configuration(url: url).redactedURL, "jdbc:postgresql://h/db?a=password=***&ssl=true")
        XCTAssertTrue(configuration(url: url).secrets.contains("b\tpassword=\tc d=secret"))
    }

    func testAPasswordStartingWithACombiningMarkIsMasked() {
        // As Characters, `=` and the mark after it are one, so the masker found no `password=` (libpq reads bytes).
        let found = ".1ost=@h password=\u{593}\u{FFFD}\u{FFFD}yNd1e9Pw''''a.s'\u{FFFD}453'ssjdbc'?ps3''a.s'"
        XCTAssertEqual(configuration(url: found).redactedURL, ".1ost=@h password=***")
        XCTAssertEqual(configuration(url: "jdbc:postgresql://h/db?password=\u{301}secret&user=u").redactedURL,
                       "jdbc:postgresql://h/db?password=***&user=u")
        XCTAssertEqual(configuration(url: "postgres://u:\u{301}secret@h/db").redactedURL, "postgres://u:***@h/db")
        XCTAssertEqual(configuration(url: "host=h password='\u{301}se cret' dbname=d").secrets, ["'\u{301}se cret'"])
        XCTAssertEqual(SecretMasker(secrets: ["\u{301}se cret"]).maskMessage("missing \"=\" after \"\u{301}se\""),
                       "missing \"=\" after \"***\"")
    }

    // MARK: fuzz-splitter

    func testANULAfterACopyOnALineReadInPiecesIsRefused() throws {
        // The rest of a line after `COPY … FROM stdin;` is split after the data; read in pieces (a line longer
        // than a chunk), it skipped the NUL check and the statement went to libpq cut short.
        let script = Array("COPY t FROM stdin; SELECT\u{1}\0\0\0', 9;\n1\n\\.\nSELECT 10;".utf8)
        for chunkSize in [2, 8, 4096] {
            XCTAssertThrowsError(try scriptElements(bytes: script, chunkSize: chunkSize), "chunk \(chunkSize)") { error in
                let error = error as? SQLScriptError
                XCTAssertEqual(error?.line, 1, "chunk \(chunkSize)")
                XCTAssertEqual(error?.column, 27, "chunk \(chunkSize)")
                XCTAssertEqual(error?.message.hasPrefix("NUL byte (0x00)"), true, "chunk \(chunkSize)")
            }
        }
    }

    func testAStatementBegunAfterACopyOnItsLineGoesOnAfterTheData() throws {
        // As psql: the rest of the COPY's line is lexed once the data is over.
        let script = "COPY t FROM stdin; SELECT 'é' 9;J11\n\\.\nSELECT 10;"
        for chunkSize in [2, 4096] {
            XCTAssertEqual(try scriptElements(bytes: Array(script.utf8), chunkSize: chunkSize), [
                statement("COPY t FROM stdin", line: 1, copy: true),
                .copyEnd(line: 2),
                statement("SELECT 'é' 9", line: 1, column: 20),
                statement("J11\nSELECT 10", line: 1, column: 33),
            ], "chunk \(chunkSize)")
        }
    }

    func testAByteOrderMarkAfterTheFirstLineBelongsToTheStatement() throws {
        XCTAssertEqual(try scriptTexts("SELECT 1;\n\u{FEFF}SELECT 2"), ["SELECT 1", "\u{FEFF}SELECT 2"])
        XCTAssertEqual(try scriptTexts("\u{FEFF}SELECT 1"), ["SELECT 1"])
    }

    /// conf: `flyway<FF>` then a value starting with U+0356 was written back as `flyway=\u{356}…`, which read
    /// as one key: in Characters `=` and a combining mark after it are one, so the separator was not seen.
    /// Java's Properties reads chars; the parser now reads unicode scalars.
    func testASeparatorFollowedByACombiningMarkStillSeparates() throws {
        func entries(_ text: String, _ environment: [String: String] = [:]) throws -> [String] {
            try PropertiesFile(parsing: text, environment: environment).entries.map { "\($0.key)|\($0.value)" }
        }
        XCTAssertEqual(try entries("flyway\u{0C}\u{356}x\n"), ["flyway|\u{356}x"])
        XCTAssertEqual(try entries("flyway=\u{356}x\n"), ["flyway|\u{356}x"])
        XCTAssertEqual(try entries("flyway.user:\u{301}\n"), ["flyway.user|\u{301}"])
        XCTAssertEqual(try entries("flyway.user \u{301}\n"), ["flyway.user|\u{301}"])
        XCTAssertEqual(try entries("#\u{301} a comment\nk=v\n"), ["k|v"])
        // Flyway doubles every backslash before Properties reads the line (so Windows paths survive): a backslash
        // is kept, with a combining mark after it as with anything else.
        XCTAssertEqual(try entries("k=a\\\u{301}\n"), ["k|a\\\u{301}"], "a backslash before a combining mark is kept")
        XCTAssertEqual(try entries("k=${A}\u{301}\n", ["A": "x"]), ["k|x\u{301}"])
        XCTAssertEqual(try entries("k\\\\\u{356}=v\n"), ["k\\\\\u{356}|v"], "backslashes before a combining mark are kept")
    }

    /// toml: a password from `${env.…}` right after a `:` in a JDBC url's host part, and a look-alike `…_PASSWORD=`
    /// earlier: the masker's secret ended where the password began, the parser's port ran on past it, and the
    /// error quoted the port (the password and what follows). Echoed pieces that run on from a secret are masked.
    func testAnEchoedPieceThatRunsOnFromASecretIsMasked() throws {
        // The masker's secret for that url ended with the password; the parser's port began with it.
        let masker = SecretMasker(secrets: ["jj ORD}jjjj jpostgresql:Nd1e9PwWORD}jjjj"])
        XCTAssertEqual(masker.maskMessage("url: invalid port 'Nd1e9PwWORD}jjjj    jjjj+jjjjj.local' for host 'h'"),
                       "url: invalid port '***' for host 'h'")
        let short = SecretMasker(secrets: ["s3cret-value"])
        XCTAssertEqual(short.maskMessage("got 'value and more'"), "got '***'", "a piece starting with the secret's last 5 scalars")
        XCTAssertEqual(short.maskMessage("got 'lue'"), "got '***'", "inside the secret")
        XCTAssertEqual(short.maskMessage("got 'ue x'"), "got 'ue x'", "an overlap of 2 is a coincidence")
    }
}

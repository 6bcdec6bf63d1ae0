import XCTest

/// What the fuzz targets (fuzz/) found, from the built binary: one clear error, nothing written, no secret shown.
final class FuzzFindingsCommandLineTests: XCTestCase {
    /// toml++ used to stop the process (a failed assertion, SIGABRT) on these.
    func testATOMLFileTheParserUsedToAbortOnIsASyntaxError() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let files = [
            ("[é]\nurl = \"x\"\n", "flyway.toml:1:2: Error while parsing table header: expected bare key starting character "
                + "or string delimiter, saw 'é'"),
            ("[flyway]\nlocations = [\"filesystem:sql\", }\n", "flyway.toml:2:32: Error while parsing array: expected value "
                + "or closing ']', saw '}'"),
        ]
        for (text, message) in files {
            try project.write("flyway.toml", text)
            let run = try project.migrate(["-outputType=json", "migrate"])
            XCTAssertEqual(run.status, 1, run.output)
            let error = try XCTUnwrap(try run.document()["error"] as? [String: Any], run.output)
            XCTAssertEqual(error["errorCode"] as? String, "CONFIGURATION", run.output)
            XCTAssertEqual(error["message"] as? String, message)
            XCTAssertFalse(try project.tableExists("flyway_schema_history"))
            XCTAssertFalse(try project.tableExists("t"))
        }
    }

    /// pgjdbc takes a password with blanks in the url as it is; it used to be shown from its first blank on.
    func testAPassphraseInTheURLIsNeverShown() throws {
        let project = try MigrateProject()
        for format in [["-outputType=json"], []] {
            let run = try project.migrate(["-url=jdbc:postgresql://127.0.0.1:1/db?user=u&password=correct horse battery&ssl=false",
                                           "info"] + format, withURL: false)
            XCTAssertEqual(run.status, 1, run.output)
            XCTAssertFalse(run.output.contains("horse") || run.output.contains("battery"), run.output)
        }
    }
}

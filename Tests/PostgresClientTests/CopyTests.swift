import Foundation
import PostgresClient
import TestSupport
import XCTest

final class CopyTests: XCTestCase {
    func testCopyInOfThousandsOfRows() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        try connection.execute("create table items (id int primary key, name text, note text)")
        try connection.beginCopy("COPY items (id, name, note) FROM STDIN")
        XCTAssertEqual(connection.transactionStatus, .active)
        let rowCount = 5000
        var batch = ""
        for id in 1...rowCount {
            // Text format: tab-separated, \N for NULL, backslash escapes.
            let note = id % 10 == 0 ? "\\N" : "line\\tone\\nline two é🎉"
            batch += "\(id)\tname \(id)\t\(note)\n"
            if id % 1000 == 0 {
                try connection.sendCopyData(batch)
                batch = ""
            }
        }
        // A row split across two calls, sent as raw bytes.
        let split = Array("\(rowCount + 1)\tlast\tsplit row\n".utf8)
        try split[..<5].withUnsafeBytes { try connection.sendCopyData($0) }
        try split[5...].withUnsafeBytes { try connection.sendCopyData($0) }
        let result = try connection.endCopy()
        XCTAssertEqual(result.commandTag, "COPY \(rowCount + 1)")
        XCTAssertEqual(result.affectedRows, rowCount + 1)
        XCTAssertEqual(connection.transactionStatus, .idle)

        let summary = try connection.query("""
            select count(*), sum(id), count(note), max(note) filter (where id = 1), max(note) filter (where id = $1)
            from items
            """, [String(rowCount + 1)])
        XCTAssertEqual(summary.rows, [[
            String(rowCount + 1), String((rowCount + 1) * (rowCount + 2) / 2), String(rowCount + 1 - rowCount / 10),
            "line\tone\nline two é🎉", "split row",
        ]])
    }

    func testCopyWithBadDataThrowsTheServerErrorNamingTheLine() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        try connection.execute("create table numbers (n int, label text)")
        try connection.beginCopy("COPY numbers FROM STDIN")
        try connection.sendCopyData("1\tone\n2\ttwo\nthree\tthree\n4\tfour\n")
        XCTAssertThrowsError(try connection.endCopy()) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .invalidTextRepresentation)
            XCTAssertEqual(error.message, #"invalid input syntax for type integer: "three""#)
            XCTAssertEqual(error.context, #"COPY numbers, line 3, column n: "three""#)
        }
        // Nothing was kept, and the connection is ready for more.
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertEqual(try connection.query("select count(*) from numbers").scalar, "0")
    }

    func testCopyWithTooManyColumnsThrows() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        try connection.execute("create table pairs (a int, b int)")
        try connection.beginCopy("COPY pairs FROM STDIN (FORMAT csv)")
        try connection.sendCopyData("1,2\n3,4,5\n")
        XCTAssertThrowsError(try connection.endCopy()) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .badCopyFileFormat)
            XCTAssertEqual(error.message, "extra data after last expected column")
            XCTAssertEqual(error.context, #"COPY pairs, line 2: "3,4,5""#)
        }
    }

    func testEndCopyWithErrorMessageAbortsTheCopy() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        try connection.execute("create table aborted (n int)")
        try connection.beginCopy("COPY aborted FROM STDIN")
        try connection.sendCopyData("1\n2\n")
        XCTAssertThrowsError(try connection.endCopy(errorMessage: "stopped by the test")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .queryCanceled)
            XCTAssertTrue(error.message.contains("stopped by the test"), error.message)
        }
        XCTAssertEqual(try connection.query("select count(*) from aborted").scalar, "0")
    }

    func testBeginCopyRejectsOtherStatementsAndLeavesTheConnectionUsable() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        try connection.execute("create table c (n int); insert into c values (7)")
        XCTAssertThrowsError(try connection.beginCopy("select 1")) { error in
            XCTAssertTrue("\(error)".contains("COPY … FROM STDIN"), "\(error)")
            XCTAssertTrue("\(error)".contains("SELECT 1"), "\(error)")
        }
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertThrowsError(try connection.beginCopy("COPY c TO STDOUT"))
        XCTAssertEqual(connection.transactionStatus, .idle)
        XCTAssertThrowsError(try connection.beginCopy("COPY missing_table FROM STDIN")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .undefinedTable)
        }
        XCTAssertThrowsError(try connection.sendCopyData("1\n")) { error in
            XCTAssertTrue("\(error)".contains("no COPY in progress"), "\(error)")
        }
        XCTAssertThrowsError(try connection.endCopy())
        XCTAssertEqual(try connection.query("select n from c").scalar, "7")
    }

    func testExecuteAbortsCopyFromStdinWithAClearError() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        try connection.execute("create table c (n int)")
        XCTAssertThrowsError(try connection.execute("COPY c FROM STDIN")) { error in
            XCTAssertTrue("\(error)".contains("beginCopy"), "\(error)")
        }
        XCTAssertEqual(connection.transactionStatus, .idle)
        // Statements after it in the same string are not run either.
        XCTAssertThrowsError(try connection.execute("insert into c values (1); COPY c FROM STDIN; insert into c values (2)"))
        XCTAssertEqual(try connection.query("select count(*) from c").scalar, "0")
        XCTAssertThrowsError(try connection.query("COPY c FROM STDIN"))
        XCTAssertEqual(try connection.execute("select 1").first?.scalar, "1")
    }

    func testExecuteReadsAndDropsCopyToStdout() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copy")
        let results = try connection.execute("COPY (select generate_series(1, 1000)) TO STDOUT; select 2")
        XCTAssertEqual(results.map(\.commandTag), ["COPY 1000", "SELECT 1"])
        XCTAssertEqual(results.last?.scalar, "2")
    }
}

import Foundation
import PostgresClient
import TestSupport
import XCTest

/// `copyOut` (COPY … TO STDOUT in chunks to a sink) and `copyIn` (COPY … FROM STDIN from a file).
final class CopyStreamTests: XCTestCase {
    func testCopyOutStreamsChunksAndCopyInLoadsThemBack() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copystream")
        try connection.execute("""
            CREATE TABLE items (id int PRIMARY KEY, name text);
            INSERT INTO items SELECT n, 'item ' || n || E',\\n"quoted"' FROM generate_series(1, 20000) n;
            CREATE TABLE copied (LIKE items)
            """)
        var chunks = 0, largest = 0
        var data = Data()
        let result = try connection.copyOut("COPY (SELECT * FROM items ORDER BY id) TO STDOUT (FORMAT csv, HEADER true)") { chunk in
            chunks += 1
            largest = max(largest, chunk.count)
            data.append(contentsOf: chunk)
        }
        XCTAssertEqual(result.affectedRows, 20000)
        XCTAssertGreaterThan(chunks, 1000, "one chunk per row or so, never the whole table")
        XCTAssertLessThan(largest, 1000)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("copy-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try data.write(to: file)
        let loaded = try connection.copyIn("COPY copied FROM STDIN (FORMAT csv, HEADER true)", fromFileAt: file.path)
        XCTAssertEqual(loaded.affectedRows, 20000)
        XCTAssertEqual(try connection.query("SELECT count(*) FROM (SELECT * FROM items EXCEPT SELECT * FROM copied) d").rows, [["0"]])
    }

    func testErrorsLeaveTheConnectionUsable() throws {
        let (connection, _) = try connectToFreshDatabase(prefix: "copystream")
        try connection.execute("CREATE TABLE t (n int)")
        XCTAssertThrowsError(try connection.copyOut("SELECT 1") { _ in }) { error in
            XCTAssertTrue("\(error)".contains("COPY … TO STDOUT"), "\(error)")
        }
        XCTAssertThrowsError(try connection.copyOut("COPY nope TO STDOUT") { _ in }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .undefinedTable)
        }
        struct Full: Error {}
        XCTAssertThrowsError(try connection.copyOut("COPY (SELECT generate_series(1, 100)) TO STDOUT") { _ in throw Full() }) { error in
            XCTAssertTrue(error is Full)
        }
        XCTAssertThrowsError(try connection.copyIn("COPY t FROM STDIN", fromFileAt: "/nonexistent/file.csv")) { error in
            XCTAssertTrue("\(error)".contains("cannot open /nonexistent/file.csv"), "\(error)")
        }
        XCTAssertEqual(try connection.query("SELECT 42").rows, [["42"]])
        XCTAssertEqual(connection.transactionStatus, .idle)
    }
}

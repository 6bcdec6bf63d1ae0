import Foundation
import PostgresClient
import TestSupport
import XCTest

/// `PostgresError.connectionLost`: what migrate needs to tell "the server refused" from "the connection is
/// gone, and with it the answers to what was sent".
final class ConnectionLossTests: XCTestCase {
    func testAnOrdinaryErrorKeepsTheConnection() throws {
        let (connection, _) = try connectToFreshDatabase()
        XCTAssertThrowsError(try connection.execute("SELECT 1; SELECT 1 / 0")) { error in
            let server = error as? PostgresError
            XCTAssertEqual(server?.sqlState, .divisionByZero)
            XCTAssertEqual(server?.failedStatementIndex, 1)
            XCTAssertEqual(server?.connectionLost, false)
        }
        XCTAssertTrue(connection.isConnected)
    }

    /// Terminated by another session: the server says so (57P01) at the statement it was running, and the
    /// connection is gone once the error is read.
    func testATerminatedSessionReportsTheServersErrorAndTheLoss() throws {
        let (connection, database) = try connectToFreshDatabase()
        let other = try Connection(parameters: TemporaryCluster.shared().connectionParameters(database: database))
        XCTAssertThrowsError(try connection.execute("SELECT 1; SELECT pg_terminate_backend(pg_backend_pid()); SELECT 3")) { error in
            let server = error as? PostgresError
            XCTAssertEqual(server?.sqlState, .adminShutdown)
            XCTAssertEqual(server?.failedStatementIndex, 1)
            XCTAssertEqual(server?.connectionLost, true)
        }
        XCTAssertFalse(connection.isConnected)
        // What is sent afterwards fails at once, as a loss libpq reports itself.
        XCTAssertThrowsError(try connection.execute("SELECT 1")) { error in
            let lost = error as? PostgresError
            XCTAssertNil(lost?.sqlState)
            XCTAssertEqual(lost?.connectionLost, true)
        }
        XCTAssertEqual(try other.query("SELECT 1").rows, [["1"]])
    }
}

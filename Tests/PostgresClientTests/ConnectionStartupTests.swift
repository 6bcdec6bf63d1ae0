import Foundation
import TestSupport
import XCTest

@testable import PostgresClient

/// Opening a connection step by step: the server's SQLSTATE of a refusal, the kind of failure, connect_timeout.
final class ConnectionStartupTests: XCTestCase {
    func testARefusalCarriesItsSQLStateAndReadsAsLibpqWritesIt() throws {
        let cluster = try TemporaryCluster.shared()
        XCTAssertThrowsError(try Connection(parameters: cluster.connectionParameters(database: "no_such_database"))) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sqlState, .invalidCatalogName)
            XCTAssertEqual(error.connectionFailure, .refusedByServer)
            XCTAssertEqual(error.message, "connection to server on socket \"\(cluster.socketDirectory)/.s.PGSQL.\(cluster.port)\" "
                + "failed: FATAL:  database \"no_such_database\" does not exist")
        }
        // Once connected, errors are as usual (the verbosity is back to libpq's default).
        let (connection, _) = try connectToFreshDatabase()
        XCTAssertThrowsError(try connection.execute("SELECT * FROM missing")) { error in
            XCTAssertEqual((error as? PostgresError)?.message, "relation \"missing\" does not exist")
        }
    }

    func testNoServerIsUnreachable() throws {
        let cluster = try TemporaryCluster.shared()
        var parameters = cluster.connectionParameters(database: "postgres")
        parameters[1].1 = String(cluster.port + 1)
        XCTAssertThrowsError(try Connection(parameters: parameters)) { error in
            XCTAssertEqual((error as? PostgresError)?.connectionFailure, .unreachable)
            XCTAssertNil((error as? PostgresError)?.sqlState)
        }
    }

    func testBadOptionsAreTheClientsRefusal() throws {
        XCTAssertThrowsError(try Connection(parameters: [("host", "/tmp"), ("sslmode", "sometimes")])) { error in
            XCTAssertEqual((error as? PostgresError)?.connectionFailure, .rejectedByClient, "\(error)")
            XCTAssertEqual("\(error)", "invalid sslmode value: \"sometimes\"")
        }
        // libpq reads connect_timeout once the first address is being tried.
        let listener = try SilentListener()
        defer { listener.close() }
        XCTAssertThrowsError(try Connection(parameters: [("host", "127.0.0.1"), ("port", String(listener.port)), ("connect_timeout", "soon")])) { error in
            XCTAssertEqual((error as? PostgresError)?.connectionFailure, .rejectedByClient, "\(error)")
            XCTAssertEqual("\(error)", "connection to server at \"127.0.0.1\", port \(listener.port) failed: "
                + "invalid integer value \"soon\" for connection option \"connect_timeout\"")
        }
    }

    /// A server that accepts the TCP connection and never answers: connect_timeout (at least 2 s, as in
    /// libpq) ends the wait, where without it the attempt would hang.
    func testConnectTimeoutEndsTheWaitForAServerThatNeverAnswers() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let parameters = [("host", "127.0.0.1"), ("port", String(listener.port)), ("user", "u"), ("dbname", "d"),
                          ("connect_timeout", "1"), ("sslmode", "disable")]
        XCTAssertThrowsError(try Connection(parameters: parameters)) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.message, "connection to server at \"127.0.0.1\", port \(listener.port) failed: timeout expired")
            XCTAssertEqual(error.connectionFailure, .unreachable)
        }
    }

    func testVerboseMessagesLoseTheirCodeAndLocation() {
        let verbose = """
            connection to server at "a", port 1 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?
            connection to server at "b", port 2 failed: FATAL:  57P03: the database system is starting up
            LOCATION:  ProcessStartupPacket, postmaster.c:2410
            """
        let plain = ConnectionStartup.plainMessage(verbose)
        XCTAssertEqual(plain.sqlState, "57P03")
        XCTAssertEqual(plain.message, """
            connection to server at "a", port 1 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?
            connection to server at "b", port 2 failed: FATAL:  the database system is starting up
            """)
        // A translated severity keeps its place; a message without a code is left alone.
        XCTAssertEqual(ConnectionStartup.plainMessage("FATAL:  28P01: Passwort-Authentifizierung fehlgeschlagen").message,
                       "FATAL:  Passwort-Authentifizierung fehlgeschlagen")
        XCTAssertNil(ConnectionStartup.plainMessage("fe_sendauth: no password supplied").sqlState)
    }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts: the kernel completes the handshake, and
/// nothing ever answers.
private struct SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 4) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard descriptor >= 0, listening else { throw TemporaryClusterError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))") }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}

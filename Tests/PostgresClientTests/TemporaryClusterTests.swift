import Foundation
import TestSupport
import XCTest

final class TemporaryClusterTests: XCTestCase {
    func testSharedClusterAnswersPsql() throws {
        let cluster = try TemporaryCluster.shared()
        XCTAssertIdentical(cluster, try TemporaryCluster.shared())
        let database = try cluster.createDatabase(prefix: "Cluster Test")
        XCTAssertTrue(database.hasPrefix("clustertest_"), database)
        let result = try cluster.psql(database: database, arguments: ["-At", "-c", "select current_database(), 1 + 1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "\(database)|2\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: cluster.socketDirectory + "/.s.PGSQL.\(cluster.port)"))
    }
}

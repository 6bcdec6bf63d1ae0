import Glibc
import XCTest
@testable import MigrateCore

final class BackgroundWorkTests: XCTestCase {
    struct Failure: Error, Equatable { var code: Int }

    func testValueComesFromAnotherThreadAndErrorsAreRethrown() throws {
        let caller = pthread_self()
        let work = BackgroundWork { () -> Bool in pthread_equal(pthread_self(), caller) != 0 }
        XCTAssertEqual(try work.value(), false, "ran on a thread of its own")
        XCTAssertEqual(try work.value(), false, "asked twice, same answer")

        let failing = BackgroundWork { () -> Int in throw Failure(code: 7) }
        XCTAssertThrowsError(try failing.value()) { XCTAssertEqual($0 as? Failure, Failure(code: 7)) }
    }
}

import Foundation
import XCTest
@testable import MigrateCore

final class ChecksumTests: XCTestCase {
    /// Flyway's documentation publishes -722651034 for its tutorial file V3__Couple.sql (trailing spaces on lines 3 and 4).
    let couple = "create table COUPLE (\n    ID int not null,\n    PERSON1 int not null references PERSON(ID), \n    PERSON2 int not null references PERSON(ID) \n);\n"

    func testFlywayPublishedValue() {
        XCTAssertEqual(Checksum.of(couple), -722651034)
        XCTAssertEqual(Checksum.of(couple.replacingOccurrences(of: " \n", with: "\n")), 824101511)
    }

    func testVectors() {
        XCTAssertEqual(Checksum.of(""), 0)
        XCTAssertEqual(Checksum.of("\n"), 0)
        XCTAssertEqual(Checksum.of("SELECT 1;"), 78787420)
        XCTAssertEqual(Checksum.of("SELECT 1;\n"), 78787420)
        XCTAssertEqual(Checksum.of("SELECT 1;\r\n"), 78787420)
        XCTAssertEqual(Checksum.of("\u{FEFF}SELECT 1;\n"), 78787420)
        XCTAssertEqual(Checksum.of("CREATE TABLE t (id INT);\n"), 1556295178)
        XCTAssertEqual(Checksum.of("CREATE TABLE t (id INT);\n\n"), 1556295178)
        XCTAssertEqual(Checksum.of("SELECT 1;\nSELECT 2;\n"), -1665099012)
        XCTAssertEqual(Checksum.of("SELECT 1;SELECT 2;"), -1665099012)
        XCTAssertEqual(Checksum.of("CREATE TABLE person (\n    id INT NOT NULL,\n    name VARCHAR(100) NOT NULL\n);\n"), -1455529326)
        XCTAssertEqual(Checksum.of("INSERT INTO t VALUES ('café');\n"), -36497513)
    }

    /// Discovery checksums small UTF-8 files from memory; it must agree with the reader on every vector.
    func testInMemoryChecksumAgreesWithTheReader() {
        let texts = ["", "\n", "\r", "\r\n", "SELECT 1;", "SELECT 1;\r\n", "\u{FEFF}SELECT 1;\n", "a\r\rb\n\r\nc", "\u{FEFF}",
                     "x\r", couple, couple.replacingOccurrences(of: "\n", with: "\r"), "INSERT INTO t VALUES ('café');\n", "é\r\n😀"]
        for text in texts {
            var bytes = Array(text.utf8)
            let inMemory = bytes.withUnsafeMutableBufferPointer { Checksum.ofUTF8(UnsafeBufferPointer($0)) }
            XCTAssertEqual(inMemory, Checksum.of(text), "\(text.debugDescription)")
        }
        var invalid: [UInt8] = [0x61, 0xFF, 0x0A]
        XCTAssertNil(invalid.withUnsafeMutableBufferPointer { Checksum.ofUTF8(UnsafeBufferPointer($0)) })
    }

    func testFilesWithLFCRLFAndBOMAgreeWithFlyway() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("checksum-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let variants: [String: [UInt8]] = [
            "lf": Array(couple.utf8),
            "crlf": Array(couple.replacingOccurrences(of: "\n", with: "\r\n").utf8),
            "bom": [0xEF, 0xBB, 0xBF] + Array(couple.utf8),
            "bom-crlf": [0xEF, 0xBB, 0xBF] + Array(couple.replacingOccurrences(of: "\n", with: "\r\n").utf8),
            "cr": Array(couple.replacingOccurrences(of: "\n", with: "\r").utf8),
        ]
        for (name, bytes) in variants {
            let url = directory.appendingPathComponent("\(name).sql")
            try Data(bytes).write(to: url)
            XCTAssertEqual(try Checksum.ofFile(at: url), -722651034, name)
        }
        // A BOM that is only a prefix, and a file shorter than a BOM.
        let short = directory.appendingPathComponent("short.sql")
        try Data([0xEF, 0xBB]).write(to: short)
        XCTAssertThrowsError(try Checksum.ofFile(at: short)) // truncated UTF-8
        let latin = directory.appendingPathComponent("latin1.sql")
        try Data("INSERT INTO t VALUES ('caf\u{E9}');\n".data(using: .isoLatin1)!).write(to: latin)
        XCTAssertEqual(try Checksum.ofFile(at: latin, encoding: .isoLatin1), -36497513)
        XCTAssertThrowsError(try Checksum.ofFile(at: latin)) { error in
            XCTAssertEqual((error as? SQLScriptError)?.line, 1, String(describing: error))
        }
    }

    func testLargeFileStreamsAcrossChunks() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: url) }
        var text = ""
        for index in 0..<60_000 { text += "INSERT INTO t VALUES (\(index), 'é\(index)');\r\n" }
        try Data(text.utf8).write(to: url)
        XCTAssertEqual(try Checksum.ofFile(at: url), Checksum.of(text))
    }
}

final class AdvisoryLockKeyTests: XCTestCase {
    func testFlywayKeyForDefaultTable() {
        XCTAssertEqual(AdvisoryLock.javaHashCode("\"public\".\"flyway_schema_history\""), 2125624436)
        XCTAssertEqual(AdvisoryLock.key(forQuotedTable: "\"public\".\"flyway_schema_history\""), 77433833903597)
        XCTAssertEqual(AdvisoryLock.javaHashCode(""), 0)
        XCTAssertEqual(AdvisoryLock.javaHashCode("hello"), 99162322)
    }
}

final class ChecksumSpeedPathTests: XCTestCase {
    /// The slicing-by-8 CRC agrees with the byte-at-a-time definition.
    func testFastPathsAgreeWithTheDefinition() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab\n\r\t\u{0B} é€😀;'$x".unicodeScalars)
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000] {
            var text = ""
            for _ in 0..<length { text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in text.utf8 where byte != 0x0A && byte != 0x0D {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            XCTAssertEqual(Checksum.of(text), Int32(bitPattern: ~crc), text.debugDescription)
        }
    }

    func testInvalidByteLineIsReportedAfterLongASCIIRuns() throws {
        var bytes = Array(String(repeating: "SELECT 1;\n", count: 37).utf8)
        bytes += [0x41, 0xFF, 0x0A]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try Checksum.ofFile(at: url)) { error in
            XCTAssertEqual((error as? SQLScriptError)?.line, 38, String(describing: error))
            XCTAssertTrue(String(describing: error).contains("invalid UTF-8"), String(describing: error))
        }
    }
}

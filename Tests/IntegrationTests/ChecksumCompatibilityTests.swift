import XCTest
import MigrateCore

final class ChecksumCompatibilityTests: XCTestCase {
    /// The tutorial file from Flyway's documentation, whose published checksum is -722651034.
    let couple = "create table COUPLE (\n    ID int not null,\n    PERSON1 int not null references PERSON(ID), \n    PERSON2 int not null references PERSON(ID) \n);\n"

    func testRecordedChecksumsEqualFlywaysForLFCRLFAndBOMFiles() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__Person.sql", "create table PERSON (ID int primary key);\n")
        try project.write("sql/V3__Couple.sql", couple)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.scalar("SELECT checksum::text FROM flyway_schema_history WHERE version = '3'"), "-722651034")

        // The same content with CRLF endings and a BOM validates against that row.
        try project.write("sql/V3__Couple.sql", bytes: [0xEF, 0xBB, 0xBF] + Array(couple.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        try project.migrateOK(["validate"])
    }

    func testAdoptsAHistoryTableWrittenByFlyway() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__Person.sql", "create table PERSON (ID int primary key);\n")
        try project.write("sql/V3__Couple.sql", couple)
        try project.write("sql/V4__later.sql", "create table LATER (ID int);\n")
        // Exactly what Flyway leaves behind (its DDL, its rows, its checksums).
        try project.db().execute("""
            CREATE TABLE "public"."flyway_schema_history" (
                "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
                "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER,
                "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
                "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL);
            ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
            CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
            create table PERSON (ID int primary key);
            create table COUPLE (ID int not null, PERSON1 int not null references PERSON(ID), PERSON2 int not null references PERSON(ID));
            INSERT INTO flyway_schema_history VALUES
              (1, '1', 'Person', 'SQL', 'V1__Person.sql', \(checksumOfPerson), 'flyway', now(), 12, true),
              (2, '3', 'Couple', 'SQL', 'V3__Couple.sql', -722651034, 'flyway', now(), 8, true);
            """)
        try project.migrateOK(["validate", "-ignoreMigrationPatterns=*:pending"])
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "3", "4"])
        XCTAssertEqual(try project.scalar("SELECT installed_rank::text FROM flyway_schema_history WHERE version = '4'"), "3")
    }

    /// CRC-32 of "create table PERSON (ID int primary key);" as Flyway computes it.
    var checksumOfPerson: Int32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in "create table PERSON (ID int primary key);".utf8 {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return Int32(bitPattern: ~crc)
    }

    func testLargeFileChecksumIsRecordedAndValidated() throws {
        // Above the scan's in-memory size, a pending file's checksum is computed beside the plan's reading.
        let project = try MigrateProject()
        try project.write("sql/V1__small.sql", "CREATE TABLE big (id int, note text);\n")
        var large = "INSERT INTO big VALUES\n"
        for row in 1...40_000 { large += "(\(row), 'row number \(row) of the large migration'),\n" }
        large += "(0, 'last');\n"
        XCTAssertGreaterThan(large.utf8.count, 1 << 20)
        let url = try project.write("sql/V2__large.sql", large)
        try project.migrateOK(["migrate"])
        let recorded = try XCTUnwrap(project.history().last?[4])
        XCTAssertEqual(recorded, String(try Checksum.ofFile(at: url)))
        XCTAssertNotEqual(recorded, "0")
        try project.migrateOK(["validate"])
        // Applied and unchanged: migrate validates it against its real checksum, not a placeholder.
        try project.migrateOK(["migrate"])

        // Changed after it was applied: the next migrate finds the mismatch.
        try project.write("sql/V2__large.sql", large + "-- edited\n")
        try project.write("sql/V3__more.sql", "CREATE TABLE more (id int);\n")
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("checksum mismatch for migration version 2"), run.stderr)
        XCTAssertFalse(try project.tableExists("more"))
    }
}

import PostgresClient
import XCTest

/// Secrets are masked where they sit as values, never as text inside other words.
final class SecretMaskerTests: XCTestCase {
    func testAShortPasswordLeavesOtherTextAlone() {
        let masker = SecretMasker(secrets: ["e"])
        for line in [#"Created schema "s2""#, "Successfully applied 3 migrations to schema \"public\", now at version 3",
                     "WARNING: location 'sql/extra' does not exist"] {
            XCTAssertEqual(masker.mask(line), line)
        }
    }

    func testPasswordsInURLsAndConninfoStrings() {
        let masker = SecretMasker(secrets: ["e", "a b'c"])
        XCTAssertEqual(masker.mask("cannot connect to postgres://u:e@h/db"), "cannot connect to postgres://u:***@h/db")
        XCTAssertEqual(masker.mask("jdbc:postgresql://h/db?user=u&password=e"), "jdbc:postgresql://h/db?user=u&password=***")
        XCTAssertEqual(masker.mask(#"host=h password='a b\'c' user=u"#), "host=h password=*** user=u")
        XCTAssertEqual(masker.mask("jdbc:postgresql://u:p@ss@h:5432/db?sslpassword=k&ssl=true"),
                       "jdbc:postgresql://u:***@h:5432/db?sslpassword=***&ssl=true")
        XCTAssertEqual(masker.mask("PGPASSWORD=e PGUSER=u"), "PGPASSWORD=*** PGUSER=u")
        XCTAssertEqual(masker.mask("flyway.password=e"), "flyway.password=***")
        XCTAssertEqual(masker.mask("postgres://u@h/db?sslmode=require user=e"), "postgres://u@h/db?sslmode=require user=e")
    }

    func testMessagesAlsoMaskQuotedPiecesOfASecret() {
        let masker = SecretMasker(secrets: ["se cret", "e"])
        XCTAssertEqual(masker.maskMessage(#"missing "=" after "cret" in connection info string"#),
                       #"missing "=" after "***" in connection info string"#)
        XCTAssertEqual(masker.maskMessage("command line -mixed: expected true or false, got 'e'"),
                       "command line -mixed: expected true or false, got '***'")
        XCTAssertEqual(masker.maskMessage(#"password authentication failed for user "postgres""#),
                       #"password authentication failed for user "postgres""#)
        XCTAssertEqual(masker.maskMessage("it's Flyway's 'e' setting"), "it's Flyway's '***' setting")
        XCTAssertEqual(masker.mask(#"column "e" does not exist"#), #"column "e" does not exist"#, "output keeps quoted words")
    }

    func testSecretsInEveryForm() {
        XCTAssertEqual(SecretMasker.secrets(in: "jdbc:postgresql://h/db?password=p%40ss+x"), ["p%40ss+x", "p@ss+x", "p@ss x"])
        XCTAssertEqual(SecretMasker.secrets(in: "postgres://u:s3cr%3At@h/db"), ["s3cr%3At", "s3cr:t"])
        XCTAssertEqual(SecretMasker.secrets(in: #"host=h password='a b\'c'"#), [#"'a b\'c'"#, "a b'c"])
        XCTAssertEqual(SecretMasker.secrets(in: "postgresql://u:pw@/db?password=x%zz"), ["pw", "x%zz"])
        XCTAssertEqual(SecretMasker.secrets(in: "host=h password=se cret port=5"), ["se cret"], "libpq rejects the space")
        XCTAssertEqual(SecretMasker.secrets(in: "postgres://h/db"), [])
    }
}

// `flyway.url` in its three forms: ConnectionURL, the masker that hides its passwords, and libpq's own
// conninfo parser as the reference for keyword strings.
import CLibPQConninfo
import FuzzSupport
@testable import MigrateCore
import PostgresClient

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    // Masked the way every message is: by shape, and by the secrets a Configuration finds in its url.
    let masker = SecretMasker(secrets: SecretMasker.secrets(in: text))
    let hidden = PasswordSlots(text).hold(everyOccurrenceOf: secretNeedle, in: text) ? [secretNeedle] : []
    let shown = SecretMasker.maskedURL(text)  // how `info`, errors and the JSON output show the url
    require(hidden.allSatisfy { !shown.contains($0) }, "the url as shown keeps its password: \(shown)")

    let url: ConnectionURL
    do throws(ConfigurationError) {
        url = try ConnectionURL(text)
    } catch {
        requireCleanMessage(masker.maskMessage("url: \(error.message)"), context: "url error", secrets: hidden)
        // (libpq would read a string with a NUL only up to it.)
        require(!isKeywordString(text) || text.utf8.contains(0) || libpqRejection(of: text) != nil,
                "libpq parses this keyword string, migrate refuses it: \(error.message)")
        return
    }
    for warning in url.warnings {
        requireCleanMessage(masker.maskMessage(warning), context: "url warning", secrets: hidden)
    }
    switch url.form {
    case .jdbc:
        // The parameters written back as a JDBC URL read the same.
        let written = jdbcURL(url.parameters)
        do throws(ConfigurationError) {
            let reread = try ConnectionURL(written)
            require(sorted(reread.parameters) == sorted(url.parameters),
                    "\(sorted(url.parameters)) written as \(written) reads \(sorted(reread.parameters))")
        } catch {
            require(false, "\(sorted(url.parameters)) written as \(written): \(error.message)")
        }
    case .keywords:
        if let libpqError = libpqRejection(of: text) {
            require(libpqError.hasPrefix("invalid connection option"),
                    "migrate accepts this keyword string, libpq refuses it: \(libpqError)")
        }
    case .uri:
        break
    }
}

func sorted(_ parameters: [(keyword: String, value: String)]) -> [String] {
    parameters.map { "\($0.keyword)=\($0.value)" }.sorted()
}

/// Neither a JDBC URL nor a URI: what libpq reads as `keyword=value` pairs.
func isKeywordString(_ text: String) -> Bool {
    let lowered = text.lowercased().utf8
    return text.utf8.contains(UInt8(ascii: "=")) && !["jdbc:", "postgres://", "postgresql://"].contains { lowered.starts(with: $0.utf8) }
}

/// libpq's message when it cannot parse `text` as connection parameters; nil when it can.
func libpqRejection(of text: String) -> String? {
    var message: UnsafeMutablePointer<CChar>?
    guard let options = PQconninfoParse(text, &message) else {
        defer { PQfreemem(message) }
        return message.map { String(cString: $0) } ?? "out of memory"
    }
    PQconninfoFree(options)
    return nil
}

/// `parameters` as a `jdbc:postgresql:` URL with every value in the query.
func jdbcURL(_ parameters: [(keyword: String, value: String)]) -> String {
    let jdbcNames = ["connect_timeout": "connectTimeout", "application_name": "ApplicationName",
                     "target_session_attrs": "targetServerType"]
    let serverTypes = ["any": "any", "read-write": "primary", "read-only": "secondary", "prefer-standby": "preferSecondary"]
    var database = ""
    var query: [String] = []
    for (keyword, value) in parameters {
        if keyword == "dbname" {
            database = value
            continue
        }
        let value = keyword == "target_session_attrs" ? serverTypes[value] ?? value : value
        query.append(PercentEncoding.encoded(jdbcNames[keyword] ?? keyword) + "=" + PercentEncoding.encoded(value))
    }
    return "jdbc:postgresql:///" + PercentEncoding.encoded(database) + "?" + query.joined(separator: "&")
}

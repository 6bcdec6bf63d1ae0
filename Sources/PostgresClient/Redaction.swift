import Foundation

/// What replaces a password in messages.
let redactedPassword = "********"

/// Passwords found in connection parameters: the `password` keyword, and the password inside a URI
/// (`postgres://user:secret@host`) or a conninfo string (`password=secret`) given as "dbname".
/// Both the raw and the decoded form are returned, since libpq may echo either.
func passwords(in parameters: [(String, String)]) -> [String] {
    var secrets: [String] = []
    for (keyword, value) in parameters {
        switch keyword {
        case "password":
            secrets.append(value)
        case "dbname":
            if let password = uriPassword(value) {
                secrets.append(password)
                if let decoded = password.removingPercentEncoding { secrets.append(decoded) }
            }
            for password in conninfoPasswords(value) {
                secrets.append(password.raw)
                secrets.append(password.unescaped)
            }
        default:
            break
        }
    }
    return secrets
}

/// Masks every secret in `message`, then anything that still looks like a URI password or a
/// `password=` setting.
func redact(_ message: String, secrets: [String]) -> String {
    var text = message
    // Longest first, so a secret that contains another is masked whole.
    for secret in Set(secrets).filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
        text = text.replacingOccurrences(of: secret, with: redactedPassword)
    }
    text = replace(#"(://[^:/?#@\s]*:)[^@\s]*@"#, in: text, with: "$1\(redactedPassword)@")
    text = replace(#"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)"#, in: text, with: "$1\(redactedPassword)")
    return text
}

private func replace(_ pattern: String, in text: String, with template: String) -> String {
    guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
    let range = NSRange(text.startIndex..., in: text)
    return regex.stringByReplacingMatches(in: text, range: range, withTemplate: template)
}

/// The password part of `scheme://user:password@host…`, split the way libpq does (userinfo ends at
/// the first '@' before any '/').
private func uriPassword(_ value: String) -> String? {
    guard value.hasPrefix("postgresql://") || value.hasPrefix("postgres://"),
          let schemeEnd = value.range(of: "://") else { return nil }
    let rest = value[schemeEnd.upperBound...]
    guard let at = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[at] == "@" else { return nil }
    let userinfo = rest[..<at]
    guard let colon = userinfo.firstIndex(of: ":") else { return nil }
    let password = userinfo[userinfo.index(after: colon)...]
    return password.isEmpty ? nil : String(password)
}

/// `password=` values of a `key=value` conninfo string: bare, or single-quoted with `\` escapes.
private func conninfoPasswords(_ value: String) -> [(raw: String, unescaped: String)] {
    guard value.contains("="), !value.contains("://") else { return [] }
    var found: [(String, String)] = []
    var scalars = Substring(value)
    while let range = scalars.range(of: "password") {
        var rest = scalars[range.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
        scalars = rest
        guard rest.first == "=" else { continue }
        rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        var raw = ""
        var unescaped = ""
        if rest.first == "'" {
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex, rest[index] != "'" {
                if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                    raw.append(rest[index])
                    index = rest.index(after: index)
                }
                raw.append(rest[index])
                unescaped.append(rest[index])
                index = rest.index(after: index)
            }
        } else {
            for character in rest.prefix(while: { !$0.isWhitespace }) {
                raw.append(character)
                unescaped.append(character)
            }
        }
        if !raw.isEmpty { found.append((raw, unescaped)) }
    }
    return found
}

import PostgresClient

/// Flyway's property resolvers, as they apply to string values in TOML files (Flyway does not resolve them
/// in .conf files, which have `${NAME}` instead):
/// - `${env.NAME}` is environment variable NAME, and an error when it is not set (as in Flyway);
///   `${env.NAME:D}` keeps only some of its characters (`D` digits, `A` letters, `d`/`a` ASCII ones);
/// - `$${env.NAME}` is the text `${env.NAME}`, and a whole value `!{…}` is taken verbatim;
/// - Flyway's other resolvers read secret stores (vault, localSecret, googlesecrets…) and are refused.
/// Like Flyway, the value loses its surrounding white space.
enum TOMLResolvers {
    static func resolve(_ value: String, environment: [String: String]) throws(TOMLValueError) -> String {
        let text = value.trimmed()
        if text.hasPrefix("!{") && text.hasSuffix("}") { return String(text.dropFirst(2).dropLast()) }
        var result = ""
        var rest = Substring(text)
        while let opening = rest.firstRange(of: "${"),
              let closing = rest[opening.upperBound...].firstIndex(of: "}") {
            let reference = rest[opening.upperBound..<closing]
            let end = rest.index(after: closing)
            let escaped = opening.lowerBound > rest.startIndex && rest[rest.index(before: opening.lowerBound)] == "$"
            // Flyway's pattern: `${resolver.key}`, neither part empty nor holding a dot; anything else is text.
            let parts = reference.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                result += rest[..<end]
                rest = rest[end...]
                continue
            }
            if escaped {
                result += rest[..<rest.index(before: opening.lowerBound)] + rest[opening.lowerBound..<end]
            } else {
                result += rest[..<opening.lowerBound]
                result += try resolved(resolver: parts[0].trimmed(), key: parts[1], environment: environment)
            }
            rest = rest[end...]
        }
        return result + rest
    }

    private static func resolved(resolver: String, key: Substring, environment: [String: String]) throws(TOMLValueError) -> String {
        let (name, filter) = key.firstIndex(of: ":").map { (key[..<$0].trimmed(), Optional(key[key.index(after: $0)...].trimmed())) }
            ?? (key.trimmed(), nil)
        guard resolver.lowercased() == "env" else {
            throw TOMLValueError(message: "'${\(resolver).\(key)}' uses Flyway's '\(resolver)' resolver, which migrate does not "
                + "support; migrate resolves ${env.NAME} (environment variables) only")
        }
        guard let value = environment[name] else {
            throw TOMLValueError(message: "environment variable \(name) is not set (${env.\(key)})")
        }
        guard let filter else { return value }
        return String(value.filter { character in
            (filter.contains("D") && character.isNumber) || (filter.contains("A") && character.isLetter)
                || (filter.contains("d") && character.isASCII && character.isNumber)
                || (filter.contains("a") && character.isASCII && character.isLetter)
        })
    }
}

/// A bad configuration: says which key, what was wrong, and where it was set.
///
/// When several settings are wrong at once, `message` holds one problem per line, so a user with a
/// long Flyway file fixes every typo in one go. Messages never contain a password: they name the
/// setting instead, and the loader masks every known secret before throwing.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import FoundationEssentials
import PostgresClient
import Glibc

/// An `ignoreMigrationPatterns` entry, `type:status`: which migrations validate does not complain about.
public struct IgnorePattern: Sendable, Equatable, CustomStringConvertible {
    /// `*`, `versioned` or `repeatable`.
    public var type: String
    /// `*`, `missing`, `pending`, `ignored` or `future`.
    public var status: String

    public var description: String { "\(type):\(status)" }

    /// What a pattern looks like, for messages.
    static let expected = "type:status with type *, versioned or repeatable and status *, missing, pending, ignored or future"

    func matches(repeatable: Bool, status: String) -> Bool {
        (type == "*" || type == (repeatable ? "repeatable" : "versioned")) && (self.status == "*" || self.status == status)
    }
}

extension IgnorePattern {
    /// Parses `type:status` in any case, blanks around either part allowed; nil for anything else.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false)
            .map { $0.trimmingBlanks() }
        guard parts.count == 2, ["*", "versioned", "repeatable"].contains(parts[0]),
              ["*", "missing", "pending", "ignored", "future"].contains(parts[1]) else { return nil }
        self.init(type: parts[0], status: parts[1])
    }

    public static func parse(_ patterns: [String]) throws(ConfigurationError) -> [IgnorePattern] {
        try patterns.map { text throws(ConfigurationError) in
            guard let pattern = IgnorePattern(text) else {
                throw ConfigurationError("ignoreMigrationPatterns: expected \(expected), got '\(text)'")
            }
            return pattern
        }
    }
}

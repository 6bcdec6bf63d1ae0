// Migration file names (MigrationNaming.parse) and versions (MigrationVersion).
//
// The first byte picks a naming (Flyway's default or a customised one); the rest is a file name, whose lines
// are also read as versions and compared with a plain model of Flyway's version order.
import FuzzSupport
@testable import MigrateCore

let namings = [
    MigrationNaming(),
    MigrationNaming(suffixes: [".sql", ".psql", ".SQL.txt"]),
    MigrationNaming(versionedPrefix: "M", repeatablePrefix: "RR", baselinePrefix: "Base", undoPrefix: "Un", separator: "-"),
    MigrationNaming(versionedPrefix: "V", repeatablePrefix: "V_R", separator: "_"),
    MigrationNaming(separator: "."),
    MigrationNaming(versionedPrefix: "before", separator: "--", suffixes: [".sql", ""]),
]

fuzz { bytes in
    guard let selector = bytes.first else { return }
    let naming = namings[Int(selector) % namings.count]
    let name = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let parsed = naming.parse(name)
    require(naming.parse(name) == parsed, "\(name.debugDescription) parsed twice differently")
    checkRoundTrip(parsed, of: name, naming: naming)

    let versions = name.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).compactMap { MigrationVersion(String($0)) }
    for version in versions {
        require(!version.text.contains("_"), "version text \(version.text) keeps an underscore")
        let reread = MigrationVersion(version.text)
        require(reread == version && reread?.hashValue == version.hashValue, "\(version.text) reads back as \(String(describing: reread))")
    }
    for a in versions {
        for b in versions {
            let expected = modelOrder(a.text, b.text)
            require((a < b) == (expected < 0) && (a == b) == (expected == 0),
                    "\(a.text) vs \(b.text): < \(a < b), == \(a == b), model \(expected)")
            if a == b { require(a.hashValue == b.hashValue, "\(a.text) == \(b.text) but their hashes differ") }
        }
    }
}

/// A name rebuilt from what was parsed (versions written with `.`, descriptions with `_`) parses the same.
func checkRoundTrip(_ parsed: MigrationNaming.Parsed, of name: String, naming: MigrationNaming) {
    guard let suffix = naming.suffixes.filter({ !$0.isEmpty && name.lowercased().hasSuffix($0.lowercased()) })
        .max(by: { $0.utf8.count < $1.utf8.count }) else { return }
    // A `.` in the separator, or a digit starting it, would merge with the rebuilt version.
    guard !naming.separator.contains("."), !(naming.separator.first?.isNumber ?? false) else { return }
    func rebuilt(_ prefix: String, _ version: MigrationVersion?, _ description: String) -> String {
        prefix + (version?.text ?? "") + naming.separator + description.replacing(" ", with: "_") + suffix
    }
    let copy: String
    switch parsed {
    case let .versioned(version, description): copy = rebuilt(naming.versionedPrefix, version, description)
    case let .baseline(version, description): copy = rebuilt(naming.baselinePrefix, version, description)
    case let .undo(version, description): copy = rebuilt(naming.undoPrefix, version, description)
    case let .repeatable(description): copy = rebuilt(naming.repeatablePrefix, nil, description)
    case let .invalid(message), let .misnamedCallback(message):
        requireCleanMessage(message, context: name.debugDescription)
        return
    case let .callback(event, description):
        copy = event.rawValue + (description.isEmpty ? "" : naming.separator + description.replacing(" ", with: "_")) + suffix
    case .notAMigration:
        return
    }
    require(naming.parse(copy) == parsed, "\(name.debugDescription) → \(parsed); rebuilt \(copy.debugDescription) → \(naming.parse(copy))")
}

/// Flyway's order on plain digit strings: parts compared as numbers of any size, trailing zero parts ignored.
/// Negative, zero or positive as `a` sorts before, with or after `b`.
func modelOrder(_ a: String, _ b: String) -> Int {
    func parts(_ text: String) -> [Substring] {
        var parts = text.split(whereSeparator: { $0 == "." || $0 == "_" }).map { $0.drop { $0 == "0" } }
        while parts.last?.isEmpty == true { parts.removeLast() }
        return parts
    }
    let left = parts(a), right = parts(b)
    for index in 0..<max(left.count, right.count) {
        let x = index < left.count ? left[index] : "", y = index < right.count ? right[index] : ""
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        if x != y { return x < y ? -1 : 1 }
    }
    return 0
}

import FoundationEssentials
import PostgresClient

/// The targets of one run, listed by `targets` or `targetsQuery`, each checked before any is touched: its
/// settings load, and it is listed once (a target listed again with the same settings is run once).
public struct Fleet: Sendable {
    public var targets: [FleetTarget]
    /// Duplicates dropped, an empty list: said once, before the run.
    public var warnings: [String] = []
    /// Every password the targets' urls and settings hold, for the masker.
    public var secrets: [String] = []
    /// Targets whose configuration keeps `cleanDisabled=true`: clean refuses the whole fleet while there is one.
    public var cleanDisabledTargets: [String] = []

    /// The fleet `configuration` lists; nil when it lists none (a single-target run). Reads the targets file or
    /// runs the targets query (connecting to `url`).
    public static func load(_ configuration: Configuration) throws -> Fleet? {
        let settings = configuration.fleet
        guard settings.isFleet else { return nil }
        if settings.targets != nil && settings.targetsQuery != nil {
            throw ConfigurationError("\(configuration.label(of: "targets")) and \(configuration.label(of: "targetsQuery")): "
                + "give one list of targets, a file or a query")
        }
        guard (1...FleetSettings.maximumParallel).contains(settings.parallel) else {
            throw ConfigurationError("\(configuration.label(of: "parallel")): expected 1 to \(FleetSettings.maximumParallel) targets at once, got \(settings.parallel)")
        }
        let listed: [FleetTarget]
        if let path = settings.targets {
            let file = URL(fileURLWithPath: path, relativeTo: configuration.workingDirectory).path
            listed = try TargetsFile.read(file, shownAs: path)
        } else {
            listed = try TargetsQuery.targets(settings.targetsQuery ?? "", on: Migrator(configuration: configuration))
        }
        return try Fleet(checking: listed, over: configuration)
    }

    /// Builds each target's configuration once, to report every mistake before the first target runs; keeps none.
    init(checking listed: [FleetTarget], over configuration: Configuration) throws {
        targets = []
        var seen: [String: (target: FleetTarget, settings: Configuration)] = [:]
        var knownSecrets = Set(configuration.secrets)
        for target in listed {
            let own = try target.configuration(over: configuration)
            for secret in own.secrets where knownSecrets.insert(secret).inserted { secrets.append(secret) }
            let identity = FleetTarget.identity(of: own)
            if let first = seen[identity] {
                guard Self.sameSettings(first.settings, own) else {
                    throw ConfigurationError("\(target.origin): lists the same target as \(first.target.origin) (\(target.name)) with "
                        + "other settings; list each target once")
                }
                warnings.append("\(target.origin): the same target as \(first.target.origin) (\(target.name)): run once")
                continue
            }
            seen[identity] = (target, own)
            targets.append(target)
            if own.cleanDisabled { cleanDisabledTargets.append(target.name) }
        }
        if targets.isEmpty {
            warnings.append("\(configuration.fleet.targets.map { "targets file \($0)" } ?? "targetsQuery") lists no target: nothing to do")
        }
    }

    /// Two listings of one target agree when what they would run with is the same, wherever it was written
    /// (the url may be spelt with or without its password).
    private static func sameSettings(_ a: Configuration, _ b: Configuration) -> Bool {
        comparable(a) == comparable(b)
    }

    private static func comparable(_ configuration: Configuration) -> Configuration {
        var configuration = configuration
        configuration.sources = [:]
        configuration.url = configuration.url.map(FleetTarget.withoutPassword)
        configuration.password = nil
        return configuration
    }

    /// What output calls a target listed by its url: the url with its password masked, and the schema it names.
    static func displayName(url: String, settings: [FleetTarget.Setting]) -> String {
        let masked = SecretMasker.maskedURL(url)
        let schema = settings.last { ["defaultschema", "schemas"].contains(ConfigurationKey.folded($0.key)) }
        return schema.map { "\(masked) (schema \($0.value))" } ?? masked
    }
}

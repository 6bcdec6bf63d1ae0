/// The settings that turn one run into a fleet's: where the targets come from and how they are run.
public struct FleetSettings: Sendable, Equatable {
    /// A file listing one target per line (a url, then optional `key=value` settings for that target).
    public var targets: String?
    /// A query run on `url` whose single column lists the targets: urls (databases) or schema names (in that database).
    public var targetsQuery: String?
    /// How many targets run at once, each on its own connection.
    public var parallel: Int = 1
    /// How many targets, first in the list, run before the others; any failure among them stops the run.
    public var canary: Int = 0
    /// "stop": after a failure no new target starts; "continue": every target is tried.
    public var onError: String = "stop"

    public init() {}

    /// Whether the run is over many targets.
    public var isFleet: Bool { targets != nil || targetsQuery != nil }

    /// The most targets run at once: one cancellation slot each, the first kept for the main thread.
    static let maximumParallel = 63
}

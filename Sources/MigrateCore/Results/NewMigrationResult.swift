/// What `new` wrote: the versioned file and, with `-undo`, its undo file (absolute paths).
public struct NewMigrationResult: CommandResult {
    public var operation = "new"
    /// As `info` will show it (`1.3` for `V1_3__…`).
    public var version: String
    /// As `info` will show it (the name's `_` read back as spaces).
    public var description: String
    public var filepath: String
    public var undoFilepath: String?
    public var warnings: [String] = []
}

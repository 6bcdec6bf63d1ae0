/// The lines that differ between two definitions, in order: what a reader needs to see of a changed function
/// body or table, without the lines both share.
public enum LineDiff {
    public enum Change: Equatable, Sendable {
        case removed(String)
        case added(String)
    }

    /// The changes that turn `before` into `after`, from a longest common subsequence of their lines
    /// (definitions are short: quadratic is fine).
    public static func changes(from before: String, to after: String) -> [Change] {
        let old = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // common[i][j]: length of the longest common subsequence of old[i...] and new[j...].
        var common = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                common[i][j] = old[i] == new[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var changes: [Change] = []
        var (i, j) = (0, 0)
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                i += 1; j += 1
            } else if i < old.count, j == new.count || common[i + 1][j] >= common[i][j + 1] {
                changes.append(.removed(old[i])); i += 1
            } else {
                changes.append(.added(new[j])); j += 1
            }
        }
        return changes
    }
}

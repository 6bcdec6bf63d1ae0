/// Flyway's callback events, by the names SQL callback files start with (`afterMigrate__grants.sql`).
public enum CallbackEvent: String, Sendable, CaseIterable, Encodable {
    case beforeMigrate, beforeRepeatables, beforeEachMigrate, beforeEachMigrateStatement, afterEachMigrateStatement,
         afterEachMigrateStatementError, afterEachMigrate, afterEachMigrateError, afterMigrate, afterMigrateApplied,
         afterVersioned, afterMigrateError
    case beforeUndo, beforeEachUndo, beforeEachUndoStatement, afterEachUndoStatement, afterEachUndoStatementError,
         afterEachUndo, afterEachUndoError, afterUndo, afterUndoError
    case beforeClean, afterClean, afterCleanError
    case beforeValidate, afterValidate, afterValidateError
    case beforeBaseline, afterBaseline, afterBaselineError
    case beforeRepair, afterRepair, afterRepairError
    case beforeInfo, afterInfo, afterInfoError
    case afterConnect
    /// `createSchema` is Flyway's older name for it; both run at the same point.
    case beforeCreateSchema, createSchema

    /// Event names, longest first: a file name is matched against the longest one it starts with
    /// (`beforeEachMigrateStatement` is not `beforeEachMigrate` followed by text).
    static let longestFirst: [CallbackEvent] = allCases.sorted { $0.rawValue.utf8.count > $1.rawValue.utf8.count }

    /// The events whose callbacks run inside a migration's (or undo's) own transaction, around its statements.
    var runsInsideMigration: Bool {
        switch self {
        case .beforeEachMigrate, .beforeEachMigrateStatement, .afterEachMigrateStatement, .afterEachMigrate,
             .beforeEachUndo, .beforeEachUndoStatement, .afterEachUndoStatement, .afterEachUndo:
            return true
        default:
            return false
        }
    }

    /// Inside a migration, or right after one failed.
    var runsForEachMigration: Bool {
        runsInsideMigration || [.afterEachMigrateError, .afterEachMigrateStatementError, .afterEachUndoError, .afterEachUndoStatementError].contains(self)
    }

    /// The event nearest to a name that is none (`afterMigrat` → `afterMigrate`), for the error message.
    static func closest(to name: String) -> CallbackEvent {
        let folded = Array(name.lowercased().utf8)
        // One distance per event: min(by:) over distances computed in the comparison would take two per step.
        return allCases.map { ($0, editDistance(folded, Array($0.rawValue.lowercased().utf8))) }.min { $0.1 < $1.1 }!.0
    }

    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        var current = previous
        for (i, x) in a.enumerated() {
            current[0] = i + 1
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j] + (x == y ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Whether a file name's first part looks like an attempt at a callback: it starts with `before` or
    /// `after` (any case), or is an event name spelt in another case.
    static func looksLikeCallback(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("before") || lower.hasPrefix("after") || allCases.contains { $0.rawValue.lowercased() == lower }
    }
}

/// The command whose before/after/error callbacks wrap a run (migrate and undo have more of their own).
public enum CallbackCommand: Sendable {
    case migrate, undo, clean, validate, baseline, repair, info

    var before: CallbackEvent {
        switch self {
        case .migrate: return .beforeMigrate
        case .undo: return .beforeUndo
        case .clean: return .beforeClean
        case .validate: return .beforeValidate
        case .baseline: return .beforeBaseline
        case .repair: return .beforeRepair
        case .info: return .beforeInfo
        }
    }

    var after: CallbackEvent {
        switch self {
        case .migrate: return .afterMigrate
        case .undo: return .afterUndo
        case .clean: return .afterClean
        case .validate: return .afterValidate
        case .baseline: return .afterBaseline
        case .repair: return .afterRepair
        case .info: return .afterInfo
        }
    }

    var afterError: CallbackEvent {
        switch self {
        case .migrate: return .afterMigrateError
        case .undo: return .afterUndoError
        case .clean: return .afterCleanError
        case .validate: return .afterValidateError
        case .baseline: return .afterBaselineError
        case .repair: return .afterRepairError
        case .info: return .afterInfoError
        }
    }
}

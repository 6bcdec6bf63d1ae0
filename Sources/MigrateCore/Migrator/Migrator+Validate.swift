import Foundation

/// One reason validation failed, with Flyway's wording.
public struct ValidationProblem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case checksumMismatch, descriptionMismatch, failedMigration, missingLocally, notApplied, pending, outdatedRepeatable
    }
    public var kind: Kind
    public var version: String?
    public var message: String
}

/// `ignoreMigrationPatterns` entries: `type:status`, type ∈ {*, versioned, repeatable}, status ∈ {*, missing, pending, ignored, future}.
public struct IgnorePattern: Sendable, Equatable {
    public var type: String
    public var status: String

    public static func parse(_ patterns: [String]) throws -> [IgnorePattern] {
        try patterns.map { raw in
            let parts = raw.lowercased().split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["*", "versioned", "repeatable"].contains(parts[0]),
                  ["*", "missing", "pending", "ignored", "future"].contains(parts[1]) else {
                throw ConfigurationError("ignoreMigrationPatterns: '\(raw)' is not a pattern; expected type:status with type *, versioned or repeatable and status *, missing, pending, ignored or future")
            }
            return IgnorePattern(type: parts[0], status: parts[1])
        }
    }

    func matches(repeatable: Bool, status: String) -> Bool {
        (type == "*" || type == (repeatable ? "repeatable" : "versioned")) && (self.status == "*" || self.status == status)
    }
}


extension MigrationStatus {
    /// What validate complains about. `allowPending` is true inside migrate (pending work is what it is for).
    public func validationProblems(allowPending: Bool, ignore: [IgnorePattern]) -> [ValidationProblem] {
        func ignored(_ info: MigrationInfo, _ status: String) -> Bool {
            ignore.contains { $0.matches(repeatable: info.isRepeatable, status: status) }
        }
        var problems: [ValidationProblem] = []
        for info in entries {
            let name = info.version ?? info.description
            switch info.state {
            case .failed, .failedMissing, .failedFuture:
                if info.state == .failedFuture && ignored(info, "future") { continue }
                let message = info.isRepeatable
                    ? "Detected failed repeatable migration: \(info.description).\nPlease remove any half-completed changes then run repair to fix the schema history."
                    : "Detected failed migration to version \(name) (\(info.description)).\nPlease remove any half-completed changes then run repair to fix the schema history."
                problems.append(ValidationProblem(kind: .failedMigration, version: info.version, message: message))
            case .missing:
                if ignored(info, "missing") { continue }
                problems.append(ValidationProblem(kind: .missingLocally, version: info.version,
                    message: "Detected applied migration not resolved locally: \(name).\nIf you removed this migration intentionally, run repair to mark the migration as deleted."))
            case .future:
                if ignored(info, "future") { continue }
                problems.append(ValidationProblem(kind: .missingLocally, version: info.version,
                    message: "Detected applied migration not resolved locally: \(name) (newer than any local migration).\nIf you removed this migration intentionally, run repair to mark the migration as deleted."))
            case .ignored:
                if ignored(info, "ignored") { continue }
                problems.append(ValidationProblem(kind: .notApplied, version: info.version,
                    message: "Detected resolved migration not applied to database: \(name).\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true."))
            case .pending:
                if allowPending || ignored(info, "pending") { continue }
                problems.append(ValidationProblem(kind: .pending, version: info.version,
                    message: "Detected resolved migration not applied to database: \(name).\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'."))
            case .outdated:
                if !allowPending {
                    problems.append(ValidationProblem(kind: .outdatedRepeatable, version: nil,
                        message: "Detected outdated resolved repeatable migration that should be re-applied to database: \(info.description).\nRun migrate to execute this migration."))
                }
            case .success, .outOfOrder:
                guard let file = info.file, let applied = info.applied, !applied.isBaseline else { continue }
                if let baseline = baselineVersion, let version = file.version, version <= baseline { continue }
                if file.version != nil, applied.checksum != file.checksum {
                    problems.append(ValidationProblem(kind: .checksumMismatch, version: info.version,
                        message: "Migration checksum mismatch for migration version \(name)\n-> Applied to database : \(applied.checksum.map(String.init) ?? "null")\n-> Resolved locally    : \(file.checksum)\nEither revert the changes to the migration, or run repair to update the schema history."))
                }
                if applied.description != file.description {
                    problems.append(ValidationProblem(kind: .descriptionMismatch, version: info.version,
                        message: "Migration description mismatch for migration \(info.version.map { "version \($0)" } ?? info.script)\n-> Applied to database : \(applied.description)\n-> Resolved locally    : \(file.description)\nEither revert the changes to the migration, or run repair to update the schema history."))
                }
            case .aboveTarget, .belowBaseline, .baseline, .superseded, .deleted:
                continue
            }
        }
        return problems
    }
}

/// What `validate` found.
public struct ValidationReport: Sendable {
    public var problems: [ValidationProblem]
    public var validatedCount: Int
    public var isValid: Bool { problems.isEmpty }
}

extension Migrator {
    public func validate() throws -> ValidationReport {
        let (session, resolved) = try openSessionWithMigrations()
        let rows = try session.history.exists() ? try session.history.allRows() : []
        let problems = try validationProblems(try status(resolved, rows), allowPending: false)
        return ValidationReport(problems: problems, validatedCount: resolved.count)
    }

    /// The files and history rows matched up under this configuration's target and outOfOrder.
    func status(_ resolved: [MigrationFile], _ rows: [AppliedMigration]) throws -> MigrationStatus {
        MigrationStatus(resolved: resolved, applied: rows, target: try target(), outOfOrder: configuration.outOfOrder)
    }

    func validationProblems(_ status: MigrationStatus, allowPending: Bool) throws -> [ValidationProblem] {
        status.validationProblems(allowPending: allowPending, ignore: try IgnorePattern.parse(configuration.ignoreMigrationPatterns))
    }

    func target() throws -> MigrationTarget {
        guard var text = configuration.target?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return .latest }
        if text.hasSuffix("?") { text.removeLast() }
        switch text.lowercased() {
        case "latest": return .latest
        case "current": return .current
        default: return .version(try version(setting: "target", text))
        }
    }
}

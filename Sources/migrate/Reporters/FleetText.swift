import MigrateCore

/// The text a fleet run prints: a line per target as it finishes, then the summary.
enum FleetText {
    /// `postgresql://…/tenant_3: 1 → 20, 19 migrations applied (412 ms)`; info: `…: version 3, 17 pending`.
    static func progressLine(_ target: FleetTargetResult, operation: String) -> String {
        let before = target.initialSchemaVersion ?? "<< Empty Schema >>", after = target.targetSchemaVersion ?? "<< Empty Schema >>"
        let time = formatDuration(target.executionTime)
        switch target.status {
        case .failed:
            let applied = target.migrationsExecuted == 0 ? "" : " after \(count(target.migrationsExecuted, operation)) (now at \(after))"
            return "\(target.target): FAILED\(applied) (\(time)): \(target.error?.message.split(separator: "\n").first.map(String.init) ?? "")"
        case .untouched:
            return "\(target.target): not started"
        case .succeeded, .upToDate:
            if let pending = target.pendingCount { return "\(target.target): version \(after), \(pending) pending" }
            if target.status == .upToDate { return "\(target.target): up to date at \(after) (\(time))" }
            if operation == "migrate" || operation == "undo" {
                return "\(target.target): \(before) → \(after), \(count(target.migrationsExecuted, operation)) (\(time))"
            }
            return "\(target.target): \(operation) done (\(time))"
        }
    }

    private static func count(_ migrations: Int, _ operation: String) -> String {
        "\(migrations) migration\(migrations == 1 ? "" : "s") \(operation == "undo" ? "undone" : "applied")"
    }

    /// The counts in a table, then the targets that need a look (failed, not started); `info` lists every target.
    static func summary(_ result: FleetResult) -> [String] {
        var lines: [String] = []
        if result.operation == "info" {
            let rows = result.targets.map { target -> [String] in
                let error = target.status == .untouched ? "not started" : target.error.map { String($0.message.prefix { $0 != "\n" }) } ?? ""
                return [target.target, target.targetSchemaVersion ?? "<< Empty Schema >>", target.pendingCount.map(String.init) ?? "", error]
            }
            lines.append(TextTable.render(header: ["Target", "Version", "Pending", "Error"], rows: rows))
            let pending = result.targets.reduce(0) { $0 + ($1.pendingCount ?? 0) }
            lines.append("Fleet info: \(result.targets.count) targets, \(result.upToDate) up to date, \(result.succeeded) behind "
                + "(\(pending) migration\(pending == 1 ? "" : "s") pending in all), \(result.failed) failed")
            return lines
        }
        let counts = [["Succeeded", "\(result.succeeded)"], ["Already up to date", "\(result.upToDate)"],
                      ["Failed", "\(result.failed)"], ["Untouched", "\(result.untouched)"], ["Targets", "\(result.targets.count)"]]
        lines.append("Fleet \(result.operation)\(result.canary > 0 ? " (\(result.canary) canar\(result.canary == 1 ? "y" : "ies") first)" : ""):")
        lines.append(TextTable.render(header: ["Targets", "Count"], rows: counts))
        for target in result.targets where target.status == .failed {
            lines.append("FAILED \(target.target): \(target.error?.message ?? "")")
        }
        let untouched = result.targets.filter { $0.status == .untouched }.map(\.target)
        if !untouched.isEmpty {
            lines.append("Not started (\(untouched.count)): " + untouched.prefix(10).joined(separator: ", ") + (untouched.count > 10 ? ", …" : ""))
        }
        return lines
    }
}

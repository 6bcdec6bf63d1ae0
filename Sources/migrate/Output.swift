import Foundation
import MigrateCore
import PostgresClient

/// Everything the tool prints goes through here, so secrets are masked in one place.
struct Output {
    var secrets: [String]
    var quiet: Bool

    func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty { result = result.replacingOccurrences(of: secret, with: "***") }
        return result
    }

    func line(_ text: String) {
        guard !quiet else { return }
        print(redact(text))
    }

    func warning(_ text: String) {
        FileHandle.standardError.write(Data(redact("WARNING: \(text)\n").utf8))
    }

    func error(_ error: Error) {
        FileHandle.standardError.write(Data(redact("ERROR: \(String(describing: error))\n").utf8))
    }

    func show(_ event: MigrationEvent) {
        switch event {
        case .warning(let text):
            warning(text)
        case .serverNotice(let notice, let script):
            var text = "\(notice.severity)"
            if let script { text += " (\(script))" }
            text += ": \(notice.message)"
            if let detail = notice.detail { text += "\n  DETAIL: \(detail)" }
            if let hint = notice.hint { text += "\n  HINT: \(hint)" }
            FileHandle.standardError.write(Data(redact(text + "\n").utf8))
        case .waitingForLock(let pid):
            warning("another migration is running\(pid.map { " (server process \($0))" } ?? ""); waiting for it to finish…")
        case .connectionRetry(let attempt, let total, let seconds, let message):
            warning("connection failed (\(message)); retry \(attempt) of \(total) in \(seconds) s")
        case .createdSchema(let name):
            line("Created schema \"\(name)\"")
        case .createdHistoryTable(let name):
            line("Created schema history table \(name)")
        case .applying:
            break
        case .applied(let script, let version, let description, let milliseconds):
            let what = version.map { "version \($0) - \(description)" } ?? "repeatable \(description)"
            line("Applied \(what) (\(script)) in \(formatDuration(milliseconds))")
        }
    }
}

func formatDuration(_ milliseconds: Int) -> String {
    milliseconds < 10_000 ? "\(milliseconds) ms" : String(format: "%.1f s", Double(milliseconds) / 1000)
}

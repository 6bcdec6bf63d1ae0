import MigrateCore

/// `migrate <command> --help` (or `migrate help <command>`): what one command does, the settings it reads
/// and the callbacks it runs.
enum CommandHelp {
    /// The one command named next to `--help`, if exactly one is.
    static func command(asked arguments: [String]) -> CommandName? {
        let named = arguments.compactMap(CommandName.init(rawValue:))
        return named.count == 1 ? named[0] : nil
    }

    static func text(for command: CommandName) -> String {
        var lines = ["USAGE: migrate \(command.rawValue) \(usage(command))", "", "\(command.rawValue): \(command.abstract).", ""]
        lines += details(command).map { "  " + $0 }
        let events = callbackEvents(command)
        if !events.isEmpty {
            lines += ["", "SQL callbacks it runs (<event>.sql or <event>__<description>.sql in the locations or callbackLocations):"]
            lines += wrapped(events.map(\.rawValue).joined(separator: ", "), width: 100).map { "  " + $0 }
        }
        if Invocation.fleetCommands.contains(command) {
            lines += ["", command == .lint ? "On a fleet (-targets=FILE or -targetsQuery=SQL): runs once, on the first target."
                                           : "On a fleet (-targets=FILE or -targetsQuery=SQL): runs on every target (-parallel, -canary, -onError)."]
        }
        lines += ["", "Settings: -key=value on the command line, FLYWAY_* variables, or conf/TOML files (see migrate --help)."]
        return lines.joined(separator: "\n")
    }

    /// Every callback event the command fires, in the order Flyway lists them (afterConnect for all).
    static func callbackEvents(_ command: CommandName) -> [CallbackEvent] {
        let all = CallbackEvent.allCases
        switch command {
        case .migrate:
            return [.afterConnect, .beforeValidate, .afterValidate, .afterValidateError, .createSchema, .beforeCreateSchema]
                + all.filter { $0.rawValue.contains("Migrate") || $0 == .afterVersioned || $0 == .beforeRepeatables }
        case .undo:
            return [.afterConnect, .beforeValidate, .afterValidateError] + all.filter { $0.rawValue.contains("Undo") }
        case .info: return [.afterConnect, .beforeInfo, .afterInfo, .afterInfoError]
        case .validate: return [.afterConnect, .beforeValidate, .afterValidate, .afterValidateError]
        case .clean: return [.afterConnect, .beforeClean, .afterClean, .afterCleanError]
        case .baseline: return [.afterConnect, .beforeBaseline, .afterBaseline, .afterBaselineError]
        case .repair: return [.afterConnect, .beforeRepair, .afterRepair, .afterRepairError]
        case .new: return []
        case .check, .lint, .snapshot: return [.afterConnect]
        case .seed: return callbackEvents(.migrate)
        }
    }

    private static func usage(_ command: CommandName) -> String {
        switch command {
        case .new: return "<description words> [-undo] [-key=value ...] [-q]"
        case .check: return "-drift [-check.buildUrl=URL] [-key=value ...] [-X] [-q]"
        default: return "[-key=value ...] [-X] [-q]"
        }
    }

    private static func details(_ command: CommandName) -> [String] {
        switch command {
        case .migrate:
            return ["Reads and checks everything first (history, validation, every pending file in full), then applies",
                    "each pending file in a transaction with its history row. On an empty database the newest",
                    "B<version>__ file at or below the target replaces the versioned files up to its version.",
                    "A file outside a transaction is recorded as failed before it runs and as succeeded after, so one",
                    "cut short (crash, kill, lost connection) stops the next run; INVALID indexes it left are named.",
                    "Settings: target, cherryPick, outOfOrder, validateOnMigrate, baselineOnMigrate, group, mixed,",
                    "executeInTransaction, skipExecutingMigrations, placeholders.<name>, dryRunOutput, outputType."]
        case .info:
            return ["Lists every migration (files and history rows) with its state, as Flyway names them.",
                    "Settings: target, outOfOrder, outputType=json."]
        case .validate:
            return ["Checks applied migrations against the files: checksums, descriptions, failed, missing and",
                    "pending migrations. Exits 1 when validation fails. Settings: ignoreMigrationPatterns, target."]
        case .clean:
            return ["Drops every object in the configured schemas, of every kind pg_dump knows (tables, views,",
                    "sequences, routines, types, domains, operators and their classes and families, collations,",
                    "conversions, text search objects, statistics, extensions, event triggers of its functions), the",
                    "history table included; schemas migrate created are dropped whole. Refused unless",
                    "cleanDisabled=false (dev and CI only)."]
        case .baseline:
            return ["Records baselineVersion (baselineDescription) so that only later migrations apply to an existing",
                    "database. Settings: baselineVersion, baselineDescription."]
        case .repair:
            return ["Removes failed rows, realigns checksums and descriptions with the files, and marks migrations",
                    "whose files are gone as deleted."]
        case .undo:
            return ["Reverts the most recently applied versioned migration with its U<version>__<description>.sql file,",
                    "or with -target=V every applied migration above V, newest first, each in a transaction with an",
                    "UNDO_SQL history row (as Flyway Teams writes it); the version is pending again afterwards.",
                    "Every U file is checked first: one missing stops the run before anything is undone.",
                    "Settings: target, cherryPick, group, undoSqlMigrationPrefix, dryRunOutput, outputType."]
        case .check:
            return ["-drift: builds the schema the database should have, by applying the migrations its history lists",
                    "to a scratch database (check.buildUrl, or a temporary database created and dropped on the same",
                    "server), then compares the two catalogs: schemas, tables and columns, constraints, indexes, views,",
                    "functions and procedures, triggers, sequences, types, extensions, grants. Reports what is only in",
                    "the migrations, only in the database, or different; exits 1 on drift (check.failOnDrift).",
                    "Settings: check.buildUrl, check.buildUser, check.buildPassword, check.failOnDrift, schemas."]
        case .lint:
            return ["Parses each pending file (-lint.all=true: every file) statement by statement with PostgreSQL's own",
                    "grammar (libpg_query), after placeholder replacement, and reports statements that lock a live",
                    "table or break running code: rule id, file:line:column, why, and the safe form. Knows what the",
                    "same run created (an index on a table created earlier is fine). Exits 1 on findings. A statement",
                    "the grammar cannot parse is a note, never a failure. -- migrate:lint-ignore <rule> <reason> on the",
                    "line before a statement (or on its line) silences a rule; the reason is required.",
                    "migrate lints before its first write too: -lint=warn (default) prints findings, -lint=error stops.",
                    "Settings: lint.all, lint.format=github (GitHub Actions annotations), outputType=json, lint."]
        case .snapshot:
            return ["Writes the tables of the configured schemas (not the history table) to <seedLocation>/v<version>/,",
                    "tagged with the database's schema version (its highest applied migration; a failed migration in the",
                    "history stops it, pending files are a warning): one <table>.csv per table (header line, generated",
                    "columns left out, rows in primary key order) streamed with COPY in one repeatable-read, read-only",
                    "transaction, and a manifest (schema_version, created, tables in foreign-key load order, rows.<table>,",
                    "masked.<table>, excluded). Columns named like secrets (password, passwd, pwd, secret, token, api_key,",
                    "apikey, access_key, private_key, credential) and snapshot.mask columns are written as md5 hashes of",
                    "the same type (text, varchar, char, bytea, uuid, json, jsonb), so UNIQUE and NOT NULL still hold.",
                    "Written to a temporary folder and renamed: a failure leaves nothing. An existing folder is kept",
                    "unless snapshot.replace=true.",
                    "Settings: seedLocation, snapshot.tables, snapshot.exclude, snapshot.mask, snapshot.replace, schemas."]
        case .seed:
            return ["Picks the newest snapshot under seedLocation whose version is not newer than the newest migration",
                    "(or target), or seed.snapshot; checks its manifest, files and header lines; migrates the database",
                    "to exactly the snapshot's version (as migrate -target=<version> would, callbacks included), loads",
                    "every table in one transaction (COPY, manifest order, deferrable foreign keys checked at commit,",
                    "user triggers off, identity and serial sequences moved past the loaded ids), then migrates the rest.",
                    "The migration lock is held across the three steps. Tables holding rows are refused unless",
                    "seed.replace=true (TRUNCATE … CASCADE in the load's transaction); a database at a newer version",
                    "than the snapshot is refused (clean it first). A failed load rolls back whole and names file:line.",
                    "Settings: seedLocation, seed.snapshot, seed.replace, target, and those of migrate."]
        case .new:
            return ["Writes the next versioned file into the first location, numbered like the files already there",
                    "(V001__ -> V002__, V1_2__ -> V1_3__, timestamps -> the current UTC time), and prints its path.",
                    "-undo also writes the matching U file. Never overwrites a file; never connects.",
                    "Settings: locations, sqlMigrationPrefix, sqlMigrationSeparator, sqlMigrationSuffixes,",
                    "undoSqlMigrationPrefix, encoding."]
        }
    }

    private static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + word.count + 1 > width {
                lines.append(current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

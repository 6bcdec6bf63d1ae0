import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// The commands, written once: their names on the command line and what each one calls.
enum CommandName: String, CaseIterable, ExpressibleByArgument {
    case migrate, info, validate, undo, clean, baseline, repair, new, check, lint, snapshot, seed

    var abstract: String {
        switch self {
        case .migrate: return "apply pending migrations, each file with its history row (lock timeouts retried; -targets: on a fleet)"
        case .info: return "list every migration with its state (on a fleet: each target's version and pending count)"
        case .validate: return "check applied migrations against the files (exit 1 on drift)"
        case .undo: return "revert the latest migration by its U file (-target=V: all above V)"
        case .clean: return "drop every object in the schemas (needs cleanDisabled=false)"
        case .baseline: return "mark an existing database as being at baselineVersion"
        case .repair: return "remove failed rows and realign the history with the files"
        case .new: return "write the next versioned migration file (-undo: its U file too)"
        case .check: return "-drift: compare the database with a build of its applied migrations"
        case .lint: return "find statements in pending migrations that lock or break a live database (exit 1 on findings)"
        case .snapshot: return "write the data to <seedLocation>/v<schema version>/ (CSV per table, secrets masked)"
        case .seed: return "load the newest fitting snapshot at its version, then migrate the rest over its rows"
        }
    }

    /// Whether the command changes the database (and so has a dry run).
    var writes: Bool { self != .info && self != .validate && self != .new && self != .check && self != .lint && self != .snapshot }

    /// Whether `-dryRunOutput` can show what the command would do (seed's data files cannot go in a script).
    var hasDryRun: Bool { writes && self != .seed }

    /// Runs the command. `validate` finding problems, or `check` finding drift, is a failure too (after its result
    /// is reported; see `Invocation.findings`).
    func run(_ migrator: Migrator, _ invocation: Invocation) throws -> any CommandResult {
        switch self {
        case .migrate: return try migrator.migrate()
        case .info: return try migrator.info()
        case .validate: return try migrator.validate()
        case .undo: return try migrator.undo()
        case .clean: return try migrator.clean()
        case .baseline: return try migrator.baseline()
        case .repair: return try migrator.repair()
        case .new: return try migrator.newMigration(description: invocation.descriptions.first ?? "", undo: invocation.undo)
        case .check: return try migrator.checkDrift()  // -drift, the only mode (see Invocation.usageProblem)
        case .lint: return try migrator.lint()
        case .snapshot: return try migrator.snapshot()
        case .seed: return try migrator.seed()
        }
    }
}

struct MigrateTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Versioned SQL migrations for PostgreSQL, compatible with Flyway's files, configuration and history table.",
        discussion: """
            Commands: \(CommandName.allCases.map { "\n  \($0.rawValue.padded(to: 9)) \($0.abstract)" }.joined())
            Several commands run in order and stop at the first failure: migrate -cleanDisabled=false clean migrate validate
            new runs alone and needs no database: migrate new add orders [-undo] writes V<next>__add_orders.sql (the words \
            after new, options aside, are the description) into the first location, numbered after the highest version in \
            the locations in the same style (V009 → V010, V1_2 → V1_3, a yyyyMMddHHmmss timestamp → the current UTC time).

            Files in the locations: V<version>__<desc>.sql (versioned), R__<desc>.sql (repeatable), \
            U<version>__<desc>.sql (undo: reverts that version), \
            B<version>__<desc>.sql (baseline migration: used instead of the versioned files up to its version on an \
            empty database), and SQL callbacks <event>.sql or <event>__<desc>.sql for Flyway's events (beforeMigrate, \
            beforeEachMigrate, afterEachMigrate, afterMigrate, afterMigrateError, beforeClean, afterInfo, afterConnect, …; \
            also read from callbackLocations).

            Locations are read recursively, each folder once (a location named twice or inside another gives its \
            files once); symbolic links are followed, except one leading back to a folder that holds it (a warning \
            names it). A broken link is a warning, or an error when named like a migration; a folder named like a \
            migration and a V9__x.sql.conf without its migration are warnings (errors with \
            validateMigrationNaming=true); a location that is a file is an error. Unknown keys, in files, on the \
            command line and as FLYWAY_* variables (FLYWAY_ULR), are errors naming the closest key.

            Undo: U<version>__<description>.sql reverts V<version>__<description>.sql. undo runs the U file of the most \
            recently applied migration (with -target=V, of every applied one above V, newest first; with -cherryPick, of \
            the listed versions), each in its own transaction with an UNDO_SQL history row; every U file is checked \
            before the first one runs. info then shows the migration Undone and pending again; migrate re-applies it.

            Faults: a file in a transaction is applied with its history row or not at all, even if the server stops, \
            the connection drops or migrate is killed; when the connection is lost after a COMMIT was sent, the error \
            says the outcome is unknown (info tells; the next migrate applies only what is missing). A file outside a \
            transaction is recorded as failed before it runs, so an interrupted one stops the next migrate until it is \
            checked and repaired; INVALID indexes left by CREATE INDEX CONCURRENTLY are named with DROP INDEX CONCURRENTLY.

            Locks: each migration file runs with lock_timeout=lockTimeout (default 5s; 500ms, 2min, 0 = none) and \
            statement_timeout=statementTimeout (default none), set LOCAL in its transaction (SET for a file outside one, \
            reset after it). A transactional file that times out on a lock or hits a deadlock is rolled back and run again \
            after a growing back-off, up to lockRetries times (default 10); each conflict names the blocking session (pid, \
            user, application, state, transaction age, query). SIGINT/SIGTERM cancel the running statement on the server, \
            roll back its file, release the lock and exit 1; a second signal exits at once.

            Poolers: through a pooler in transaction mode (PgBouncer pool_mode=transaction), where a session-level \
            advisory lock would outlive the run on a pooled server connection, commands that take the lock refuse to \
            run, with nothing changed. Connect directly or through a session pool, or use -lockMode=transaction: \
            migrate then locks with pg_try_advisory_xact_lock inside each migration's transaction, reads the history \
            again under it (a file another run applied meanwhile is skipped), and refuses files that cannot run in a \
            transaction (CREATE INDEX CONCURRENTLY) before writing anything.

            Fleets: -targets=FILE (one url per line, then key=value settings for that target: placeholders.<name>, \
            schemas, user, password…; # comments) or -targetsQuery=SQL (run on url; a column of urls, or of schema names \
            in url's database, each schema with its own history table) run one command — migrate, info, validate, undo, \
            repair, baseline, clean (cleanDisabled=false for every target) or lint (once) — on every target, each on its \
            own connection and lock. -parallel=N runs N at once (default 1); -canary=K runs the first K first and stops if \
            one fails; -onError=stop (default: no new target after a failure) or continue. The files are read once; a line \
            per target as it finishes, then a summary (JSON: targets[]); exit 1 if any target failed. Run again to resume.

            check -drift builds the schema the database should have in a scratch database (a temporary one on the same \
            server, created and dropped, or -check.buildUrl=… with check.buildUser and check.buildPassword) by applying the \
            migrations its history lists, compares the two catalogs and lists what is only in the migrations, only in the \
            database, or different. It exits 1 on drift (check.failOnDrift=false: 0).

            lint parses each pending file (-lint.all=true: every file) with PostgreSQL's own grammar (libpg_query) and \
            reports statements that lock a live table or break running code (CREATE INDEX without CONCURRENTLY, ADD \
            FOREIGN KEY without NOT VALID, DDL without lock_timeout, …): rule id, file:line:column, why, and the safe \
            form; exits 1 on findings. -lint.format=github writes GitHub Actions annotations. A statement is excused by \
            -- migrate:lint-ignore <rule> <reason> on the line before it. migrate lints before its first write: \
            -lint=warn (default) prints findings, -lint=error stops the run, -lint=off skips the lint.

            Seed data: snapshot writes the configured schemas' tables (snapshot.tables, snapshot.exclude) to \
            <seedLocation>/v<schema version>/ (default seed/v006/): one CSV file per table, streamed with COPY in one \
            repeatable-read transaction, and a manifest with the version, the time, the row counts and the load order \
            from foreign keys. Columns named like secrets (password, token, secret, api_key…) and snapshot.mask=table.column \
            are written as hashes; no url, user or password goes in. seed picks the newest snapshot whose version is not \
            newer than the newest migration (or target; seed.snapshot names one), migrates an empty database to exactly \
            that version, loads it in one transaction (sequences moved past the loaded ids) and migrates the rest over \
            the loaded rows, holding the migration lock throughout. Tables that already hold rows are refused unless \
            -seed.replace=true; a database newer than the snapshot is refused (clean it first).

            Settings use Flyway's names and come from, highest first: the command line (-key=value or --key value, \
            before or after the commands), FLYWAY_* environment variables, then configuration files \
            (-configFiles=a.toml,b.toml; by default flyway.toml and flyway.user.toml in conf/, ~ and ., or, when there \
            is none, conf/flyway.conf, ~/flyway.conf and ./flyway.conf). Common keys: url, user, password, schemas, \
            defaultSchema, table, locations, target, targets, targetsQuery, parallel, canary, onError, cherryPick, undoSqlMigrationPrefix, baselineVersion, baselineOnMigrate, outOfOrder, \
            validateOnMigrate, validateMigrationNaming, cleanDisabled, placeholders.<name>, connectRetries, \
            outputType=json, dryRunOutput=FILE (or - for standard output).

            Connecting: a jdbc:postgresql:// url is complete, as in Flyway: what it leaves out gets pgjdbc's defaults \
            (localhost, port 5432, the database named after the user), never libpq's PG* variables. A postgres:// URI or \
            a 'host=… dbname=…' string keeps what it names and takes the rest from PG* variables, as psql does; with \
            no url, PG* variables and ~/.pgpass decide. connectRetries=N retries, waiting 1, 2, 4… seconds up to \
            connectRetriesInterval, only what may pass later (no server answering yet, starting up, too many \
            connections); a wrong password, unknown user or database, missing pg_hba.conf rule or TLS problem fails \
            at once with a hint naming the setting to check.

            TOML files hold [flyway] settings and one [environments.<name>] per database (url, user, password, \
            schemas…), whose [environments.<name>.flyway] table replaces top-level settings for it; ${env.NAME} is \
            an environment variable. Pick one with -environment=<name> or FLYWAY_ENVIRONMENT (default: "default", \
            which -url/-user/-password make up), or define one with -environments.<name>.url=….
            """,
        version: version
    )

    @Argument(help: ArgumentHelp("The commands to run, in order.", valueName: "command"))
    var commands: [CommandName] = []

    /// Settings arrive as `--setting key=value` (see FlywayArguments).
    @Option(name: .customLong("setting"), help: ArgumentHelp("A configuration setting, key=value (same as -key=value).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(name: [.customShort("q"), .long], help: "Print only warnings and errors.")
    var quiet = false

    @Flag(name: [.customShort("X"), .long], help: "Debug: show every statement migrate sends, with its time.")
    var debug = false

    /// `new`'s description, from the words after it (see FlywayArguments) or `-description=…`.
    @Option(name: .customLong("description"), help: ArgumentHelp("new: the migration's description (the words after new).", valueName: "text"))
    var descriptions: [String] = []

    @Flag(name: .customLong("undo"), help: "new: also write the undo migration (U file) of the same version.")
    var undo = false
    /// Flyway's `check -drift` (also written --drift).
    @Flag var checkModes: [CheckMode] = []

    mutating func validate() throws {
        if commands.isEmpty {
            throw ValidationError("no command given; expected one or more of: \(CommandName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let problem = invocation.usageProblem { throw ValidationError(problem) }
    }

    /// What to do, as parsed.
    var invocation: Invocation {
        Invocation(commands: commands, settings: settings, quiet: quiet, debug: debug, descriptions: descriptions, undo: undo,
                   checkModes: checkModes)
    }

    func loadConfiguration() throws -> Configuration { try invocation.loadConfiguration() }

    func run() throws { try invocation.run() }
}

/// A problem found by the tool itself (not the core): one sentence.
struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What `check` does: Flyway's modes, of which migrate has `-drift`.
enum CheckMode: String, EnumerableFlag {
    case drift, changes, dryrun, code

    var isSupported: Bool { self == .drift }

    static func help(for value: CheckMode) -> ArgumentHelp? {
        value.isSupported ? "With check: compare the database with a scratch database built from the migrations it has applied." : .hidden
    }
}

/// A command ran but found problems (validate's invalid migrations, check's drift): reported with its result,
/// and the run exits 1.
protocol FindingsFailure: Error, CustomStringConvertible {
    /// Flyway's error code for the document's `error`.
    var errorCode: String { get }
}

/// `validate` found problems.
struct ValidationFailed: FindingsFailure {
    var details: ErrorDetails?
    var description: String { details?.errorMessage ?? "Validate failed" }
    var errorCode: String { details?.errorCode ?? "VALIDATE_ERROR" }
}

/// `lint` found statements that break its rules.
struct LintFindings: FindingsFailure {
    var result: LintResult
    var errorCode: String { "LINT_FINDINGS" }
    var description: String {
        let count = result.findings.count
        return "Lint found \(count) problem\(count == 1 ? "" : "s") in \(result.files.count) file\(result.files.count == 1 ? "" : "s") "
            + "(fix them, or add -- migrate:lint-ignore <rule> <reason> before a statement that is safe)"
    }
}

/// `check -drift` found drift, and check.failOnDrift is true.
struct DriftDetected: FindingsFailure {
    var result: CheckResult
    var errorCode: String { "CHECK_DRIFT_DETECTED" }
    var description: String {
        let counts = result.individualResults.reduce(into: (0, 0, 0)) {
            $0.0 += $1.onlyInSourceCount; $0.1 += $1.onlyInTargetCount; $0.2 += $1.differencesCount
        }
        return "Drift detected in database \"\(result.database)\": \(counts.0) object\(counts.0 == 1 ? "" : "s") only in the migrations, "
            + "\(counts.1) only in the database, \(counts.2) different (check.failOnDrift=false reports drift without failing)"
    }
}

extension MigrateTool {
    static let commandNames = Set(CommandName.allCases.map(\.rawValue))

    /// What `--version` prints.
    static let version = "0.2.0"

    /// Flyway's spellings of help: `-?`, `help`, `-h`.
    static func helpAliases(_ arguments: [String]) -> [String] {
        arguments.map { ["-?", "help", "-h"].contains($0) ? "--help" : $0 }
    }
}

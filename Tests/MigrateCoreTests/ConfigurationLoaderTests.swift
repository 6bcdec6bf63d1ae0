import Foundation
import XCTest

@testable import MigrateCore

/// Sources, precedence, value checking, unknown and unsupported keys, placeholders.
final class ConfigurationLoaderTests: ConfigurationTestCase {
    // MARK: Sources and precedence

    func testNothingConfiguredGivesFlywayDefaults() throws {
        let configuration = try load()
        var expected = Configuration()
        expected.workingDirectory = directory.standardizedFileURL
        XCTAssertEqual(configuration, expected)
        XCTAssertEqual(configuration.table, "flyway_schema_history")
        XCTAssertEqual(configuration.locations, ["filesystem:sql"])
        XCTAssertTrue(configuration.cleanDisabled)
        XCTAssertEqual(configuration.lockRetryCount, 50)
        XCTAssertEqual(configuration.ignorePatterns.map(\.description), ["*:future"])
        XCTAssertEqual(try configuration.migrationTarget, .latest)
        XCTAssertEqual(try configuration.baselineMigrationVersion, MigrationVersion("1"))
        XCTAssertEqual(try configuration.fileEncoding, .utf8)
        XCTAssertEqual(configuration.outputType, "")
        XCTAssertNil(configuration.url)
        XCTAssertNil(configuration.source(of: "table"))
        XCTAssertEqual(configuration.loadedFiles, [])
        XCTAssertEqual(configuration.warnings, [])
        XCTAssertEqual(try configuration.connectionParameters().count, 0)
    }

    func testFileThenEnvironmentThenCommandLine() throws {
        try write("flyway.conf", "flyway.table=from_file\nflyway.schemas=file_schema\nflyway.user=file_user\n")
        let configuration = try load([("table", "from_cli")],
                                     environment: ["FLYWAY_TABLE": "from_env", "FLYWAY_SCHEMAS": "env_a, env_b"])
        XCTAssertEqual(configuration.table, "from_cli")
        XCTAssertEqual(configuration.schemas, ["env_a", "env_b"])
        XCTAssertEqual(configuration.user, "file_user")
        XCTAssertEqual(configuration.source(of: "table"), "command line -table")
        XCTAssertEqual(configuration.source(of: "flyway.schemas"), "environment variable FLYWAY_SCHEMAS")
        XCTAssertEqual(configuration.source(of: "USER"), "flyway.conf:3")
        XCTAssertNil(configuration.source(of: "outOfOrder"))
    }

    func testDefaultSearchReadsConfThenHomeThenWorkingDirectory() throws {
        try write("conf/flyway.conf", "flyway.table=install\nflyway.schemas=install\nflyway.target=1\n")
        try write("home/flyway.conf", "flyway.table=home\nflyway.schemas=home\n")
        try write("flyway.conf", "flyway.table=working\n")
        let configuration = try load()
        XCTAssertEqual(configuration.table, "working")
        XCTAssertEqual(configuration.schemas, ["home"])
        XCTAssertEqual(configuration.target, "1")
        XCTAssertEqual(configuration.loadedFiles.map(\.path), [
            directory.appendingPathComponent("conf/flyway.conf").standardizedFileURL.path,
            home.appendingPathComponent("flyway.conf").standardizedFileURL.path,
            directory.appendingPathComponent("flyway.conf").standardizedFileURL.path,
        ])
        XCTAssertEqual(configuration.source(of: "table"), "flyway.conf:1")
        XCTAssertEqual(configuration.source(of: "schemas"), home.standardizedFileURL.path + "/flyway.conf:2")
        XCTAssertEqual(configuration.source(of: "target"), "conf/flyway.conf:3")
    }

    func testDefaultSearchSkipsMissingFiles() throws {
        try write("home/flyway.conf", "flyway.table=home\n")
        let configuration = try load()
        XCTAssertEqual(configuration.table, "home")
        XCTAssertEqual(configuration.loadedFiles.count, 1)
    }

    func testConfigFilesReplacesTheSearchAndLaterFilesWin() throws {
        try write("flyway.conf", "flyway.table=default_search\nflyway.mixed=true\n")
        try write("conf/base.conf", "flyway.table=base\nflyway.schemas=base\n")
        try write("conf/prod.conf", "flyway.table=prod\n")
        let configuration = try load([("configFiles", "conf/base.conf, conf/prod.conf")])
        XCTAssertEqual(configuration.table, "prod")
        XCTAssertEqual(configuration.schemas, ["base"])
        XCTAssertFalse(configuration.mixed, "the default search must not run when files are named")
        XCTAssertEqual(configuration.loadedFiles.map(\.lastPathComponent), ["base.conf", "prod.conf"])
        XCTAssertEqual(configuration.source(of: "table"), "conf/prod.conf:1")
        XCTAssertEqual(configuration.source(of: "schemas"), "conf/base.conf:2")
    }

    func testConfigFilesFromEnvironmentAndCommandLineWins() throws {
        try write("a.conf", "flyway.table=a\n")
        try write("b.conf", "flyway.table=b\n")
        XCTAssertEqual(try load(environment: ["FLYWAY_CONFIG_FILES": "a.conf"]).table, "a")
        XCTAssertEqual(try load([("config-files", "b.conf")], environment: ["FLYWAY_CONFIG_FILES": "a.conf"]).table, "b")
    }

    func testConfigFilesAcceptsAbsoluteAndHomeRelativePaths() throws {
        try write("home/mine.conf", "flyway.table=mine\n")
        XCTAssertEqual(try load([("configFiles", "~/mine.conf")]).table, "mine")
        XCTAssertEqual(try load([("configFiles", home.appendingPathComponent("mine.conf").path)]).table, "mine")
    }

    func testNamedConfigFileThatDoesNotExistIsAnError() {
        let expectedPath = directory.appendingPathComponent("conf/missing.conf").standardizedFileURL.path
        XCTAssertEqual(loadError([("configFiles", "conf/missing.conf")]),
                       "command line -configFiles: configuration file 'conf/missing.conf' does not exist (looked for \(expectedPath))")
        XCTAssertEqual(loadError(environment: ["FLYWAY_CONFIG_FILES": "nope.conf"]).hasPrefix(
            "environment variable FLYWAY_CONFIG_FILES: configuration file 'nope.conf' does not exist"), true)
    }

    func testConfigFilesInsideAFileHasNoEffect() throws {
        try write("flyway.conf", "flyway.configFiles=other.conf\n")
        XCTAssertEqual(try load().warnings, [
            "flyway.conf:1 has no effect inside a configuration file and is ignored; use -configFiles or FLYWAY_CONFIG_FILES",
        ])
    }

    // MARK: Keys

    func testCommandLineKeysAreCaseInsensitiveAndKebabCase() throws {
        let configuration = try load([
            ("baseline-version", "3"), ("BASELINEONMIGRATE", "true"), ("--out-of-order", "true"),
            ("flyway.validate-migration-naming", "TRUE"), ("connect-retries-interval", "5"),
        ])
        XCTAssertEqual(configuration.baselineVersion, "3")
        XCTAssertTrue(configuration.baselineOnMigrate)
        XCTAssertTrue(configuration.outOfOrder)
        XCTAssertTrue(configuration.validateMigrationNaming)
        XCTAssertEqual(configuration.connectRetriesInterval, 5)
        XCTAssertEqual(configuration.source(of: "baselineVersion"), "command line -baseline-version")
        XCTAssertEqual(configuration.source(of: "out-of-order"), "command line -out-of-order")
    }

    func testFileKeysAreCaseInsensitive() throws {
        try write("flyway.conf", "flyway.CLEANDISABLED=False\nFlyway.Table=t\n")
        let configuration = try load()
        XCTAssertFalse(configuration.cleanDisabled)
        XCTAssertEqual(configuration.table, "t")
    }

    func testEveryEnvironmentVariableName() throws {
        let environment = [
            "FLYWAY_URL": "postgres://h/db", "FLYWAY_USER": "u", "FLYWAY_PASSWORD": "p", "FLYWAY_SCHEMAS": "a,b",
            "FLYWAY_DEFAULT_SCHEMA": "b", "FLYWAY_TABLE": "t", "FLYWAY_TABLESPACE": "ts", "FLYWAY_LOCATIONS": "db/x",
            "FLYWAY_SQL_MIGRATION_PREFIX": "M", "FLYWAY_SQL_MIGRATION_SEPARATOR": "--",
            "FLYWAY_SQL_MIGRATION_SUFFIXES": ".sql,.pgsql", "FLYWAY_REPEATABLE_SQL_MIGRATION_PREFIX": "RR",
            "FLYWAY_ENCODING": "UTF8", "FLYWAY_BASELINE_VERSION": "0", "FLYWAY_BASELINE_DESCRIPTION": "start",
            "FLYWAY_BASELINE_ON_MIGRATE": "true", "FLYWAY_TARGET": "5", "FLYWAY_OUT_OF_ORDER": "true",
            "FLYWAY_VALIDATE_ON_MIGRATE": "false", "FLYWAY_VALIDATE_MIGRATION_NAMING": "true",
            "FLYWAY_CLEAN_DISABLED": "false", "FLYWAY_CREATE_SCHEMAS": "false", "FLYWAY_INSTALLED_BY": "ci",
            "FLYWAY_CONNECT_RETRIES": "3", "FLYWAY_CONNECT_RETRIES_INTERVAL": "10", "FLYWAY_MIXED": "true",
            "FLYWAY_GROUP": "true", "FLYWAY_EXECUTE_IN_TRANSACTION": "false", "FLYWAY_PLACEHOLDER_REPLACEMENT": "false",
            "FLYWAY_PLACEHOLDER_PREFIX": "#[", "FLYWAY_PLACEHOLDER_SUFFIX": "]", "FLYWAY_INIT_SQL": "SET x = 1",
            "FLYWAY_LOCK_RETRY_COUNT": "-1", "FLYWAY_IGNORE_MIGRATION_PATTERNS": "*:missing,versioned:future",
            "FLYWAY_SKIP_EXECUTING_MIGRATIONS": "true", "FLYWAY_FAIL_ON_MISSING_LOCATIONS": "true",
            "FLYWAY_CHERRY_PICK": "2, 1.1,Add view", "FLYWAY_DRYRUN_OUTPUT": "/tmp/dry.sql", "FLYWAY_OUTPUT_TYPE": "JSON",
            "FLYWAY_OUTPUT_FILE": "out.json",
        ]
        let configuration = try load(environment: environment)
        var expected = Configuration()
        expected.url = "postgres://h/db"; expected.user = "u"; expected.password = "p"; expected.schemas = ["a", "b"]
        expected.defaultSchema = "b"; expected.table = "t"; expected.tablespace = "ts"; expected.locations = ["db/x"]
        expected.sqlMigrationPrefix = "M"; expected.sqlMigrationSeparator = "--"
        expected.sqlMigrationSuffixes = [".sql", ".pgsql"]; expected.repeatableSqlMigrationPrefix = "RR"
        expected.encoding = "UTF8"; expected.baselineVersion = "0"; expected.baselineDescription = "start"
        expected.baselineOnMigrate = true; expected.target = "5"; expected.outOfOrder = true
        expected.validateOnMigrate = false; expected.validateMigrationNaming = true; expected.cleanDisabled = false
        expected.createSchemas = false; expected.installedBy = "ci"; expected.connectRetries = 3
        expected.connectRetriesInterval = 10; expected.mixed = true; expected.group = true
        expected.executeInTransaction = false; expected.placeholderReplacement = false; expected.placeholderPrefix = "#["
        expected.placeholderSuffix = "]"; expected.initSql = "SET x = 1"; expected.lockRetryCount = -1
        expected.ignorePatterns = [IgnorePattern(type: "*", status: "missing"), IgnorePattern(type: "versioned", status: "future")]
        expected.skipExecutingMigrations = true; expected.failOnMissingLocations = true
        expected.cherryPick = ["2", "1.1", "Add view"]; expected.dryRunOutput = "/tmp/dry.sql"; expected.outputType = "json"
        expected.outputFile = "out.json"
        expected.workingDirectory = directory.standardizedFileURL
        expected.sources = configuration.sources
        XCTAssertEqual(configuration, expected)
        XCTAssertEqual(configuration.sources.count, environment.count)
        XCTAssertEqual(configuration.source(of: "connect-retries-interval"), "environment variable FLYWAY_CONNECT_RETRIES_INTERVAL")
        XCTAssertEqual(configuration.warnings, [])
    }

    func testListsAreTrimmedAndEmptyItemsDropped() throws {
        try write("flyway.conf", "flyway.schemas= a , b,,c ,\nflyway.locations=\nflyway.ignoreMigrationPatterns=\n")
        let configuration = try load()
        XCTAssertEqual(configuration.schemas, ["a", "b", "c"])
        XCTAssertEqual(configuration.locations, ["filesystem:sql"], "an empty locations means the default")
        XCTAssertEqual(configuration.ignorePatterns, [], "an empty pattern list switches ignoring off")
    }

    func testEmptyOptionalValueUnsetsIt() throws {
        try write("flyway.conf", "flyway.user=file_user\nflyway.defaultSchema=app\n")
        let configuration = try load([("user", "")], environment: ["FLYWAY_DEFAULT_SCHEMA": ""])
        XCTAssertNil(configuration.user)
        XCTAssertNil(configuration.defaultSchema)
    }

    func testDefaultSchemaName() throws {
        XCTAssertNil(try load().defaultSchemaName)
        XCTAssertEqual(try load([("schemas", "first,second")]).defaultSchemaName, "first")
        XCTAssertEqual(try load([("schemas", "first,second"), ("defaultSchema", "other")]).defaultSchemaName, "other")
    }

    // MARK: Bad values

    func testBadBooleanInAFileNamesFileLineKeyAndValue() throws {
        try write("conf/factory_prod.conf", "# Factory\n\nflyway.url=postgres://h/db\n\n\n# danger zone\nflyway.cleanDisabled=yes\n")
        XCTAssertEqual(loadError([("configFiles", "conf/factory_prod.conf")]),
                       "conf/factory_prod.conf:7: flyway.cleanDisabled: expected true or false, got 'yes'")
    }

    func testBadIntegerFromEnvironmentAndCommandLine() {
        XCTAssertEqual(loadError(environment: ["FLYWAY_CONNECT_RETRIES": "-1"]),
                       "environment variable FLYWAY_CONNECT_RETRIES: expected a non-negative integer, got '-1'")
        XCTAssertEqual(loadError([("connectRetries", "ten")]),
                       "command line -connectRetries: expected a non-negative integer, got 'ten'")
        XCTAssertEqual(loadError([("lock-retry-count", "-2")]),
                       "command line -lock-retry-count: expected a non-negative integer or -1, got '-2'")
        XCTAssertEqual(loadError([("connectRetriesInterval", "99999999999999999999999")]),
                       "command line -connectRetriesInterval: expected a non-negative integer, got '99999999999999999999999'")
    }

    func testEmptyValuesWhereOneIsRequired() {
        XCTAssertEqual(loadError([("table", "")]), "command line -table: expected a non-empty value, got ''")
        XCTAssertEqual(loadError([("mixed", "")]), "command line -mixed: expected true or false, got ''")
        XCTAssertEqual(loadError([("mixed", " true")]), "command line -mixed: expected true or false, got ' true'")
        XCTAssertEqual(loadError([("connectRetries", "+3")]), "command line -connectRetries: expected a non-negative integer, got '+3'")
    }

    /// Flyway's table is a bare name; a dot would make a table literally named "app.history".
    func testTableWithADotPointsAtSchemas() throws {
        XCTAssertEqual(loadError([("table", "app.history")]),
                       "command line -table: 'app.history' contains a dot, but table is the history table's name without "
                        + "a schema; set the schema with schemas or defaultSchema (e.g. -defaultSchema=app -table=history)")
        try write("flyway.conf", "flyway.table=a.b\n")
        XCTAssertTrue(loadError().hasPrefix("flyway.conf:1: flyway.table: 'a.b' contains a dot"), loadError())
    }

    func testEveryProblemIsReportedAtOnce() throws {
        try write("flyway.conf", "flyway.outOfOrder=maybe\nflyway.cleanDisable=true\n")
        XCTAssertEqual(loadError([("group", "1")]), """
            unknown configuration key 'flyway.cleanDisable' at flyway.conf:2; did you mean 'flyway.cleanDisabled'?
            flyway.conf:1: flyway.outOfOrder: expected true or false, got 'maybe'
            command line -group: expected true or false, got '1'
            """)
    }

    func testAnOverriddenBadValueIsNotReported() throws {
        try write("flyway.conf", "flyway.mixed=perhaps\n")
        XCTAssertTrue(try load(environment: ["FLYWAY_MIXED": "false"]).mixed == false)
    }

    // MARK: Unknown keys

    func testUnknownKeyInAFileSuggestsTheClosestKey() throws {
        try write("conf/x.conf", "flyway.url=postgres://h/db\nflyway.user=u\n\nflyway.cleanDisable=false\n")
        XCTAssertEqual(loadError([("configFiles", "conf/x.conf")]),
                       "unknown configuration key 'flyway.cleanDisable' at conf/x.conf:4; did you mean 'flyway.cleanDisabled'?")
    }

    func testUnknownKeyOnTheCommandLine() {
        XCTAssertEqual(loadError([("cleanDisable", "false")]),
                       "unknown configuration key 'cleanDisable' on the command line; did you mean 'cleanDisabled'?")
        XCTAssertEqual(loadError([("baseline-versoin", "2")]),
                       "unknown configuration key 'baseline-versoin' on the command line; did you mean 'baselineVersion'?")
        XCTAssertEqual(loadError([("frobnicate", "1")]), "unknown configuration key 'frobnicate' on the command line")
    }

    func testMisspeltPlaceholderFamilyIsSuggested() throws {
        try write("flyway.conf", "flyway.placeholder.owner=bob\n")
        XCTAssertEqual(loadError(),
                       "unknown configuration key 'flyway.placeholder.owner' at flyway.conf:1; did you mean 'flyway.placeholders.owner'?")
    }

    func testFlywaysOwnVariablesAreIgnored() throws {
        let configuration = try load(environment: ["FLYWAY_HOME": "/opt/flyway", "FLYWAY_EDITION": "community",
                                                   "FLYWAY_JAVA_CMD": "java", "JAVA_ARGS": "-Xmx1g"])
        XCTAssertTrue(configuration.cleanDisabled)
        XCTAssertEqual(configuration.warnings, [])
    }

    func testOtherFlywayVariablesAreErrorsNamingTheClosestSetting() throws {
        XCTAssertEqual(loadError(environment: ["FLYWAY_ULR": "postgres://h/db", "FLYWAY_CLEAN_DISABLE": "false"]), """
            environment variable FLYWAY_CLEAN_DISABLE is not a Flyway setting; did you mean FLYWAY_CLEAN_DISABLED?
            environment variable FLYWAY_ULR is not a Flyway setting; did you mean FLYWAY_URL?
            """)
        XCTAssertEqual(loadError(environment: ["FLYWAY_FROBNICATE": "1"]),
                       "environment variable FLYWAY_FROBNICATE is not a Flyway setting (a setting's variable is FLYWAY_ and its key in upper snake case, as FLYWAY_BASELINE_VERSION); unset it")
    }

    func testTranspositionsCountAsOneEdit() {
        XCTAssertEqual(ConfigurationKey.editDistance("ulr", "url"), 1)
        XCTAssertEqual(ConfigurationKey.editDistance("tabel", "table"), 1)
        XCTAssertEqual(ConfigurationKey.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(ConfigurationKey.editDistance("", "abc"), 3)
    }

    func testKeysWithoutTheFlywayPrefixAreErrorsInFiles() throws {
        try write("flyway.conf", "url=postgres://h/db\nspring.datasource.url=x\n")
        XCTAssertEqual(loadError(), """
            flyway.conf:1: 'url' is not a Flyway setting: keys in configuration files start with 'flyway.'; did you mean 'flyway.url'?
            flyway.conf:2: 'spring.datasource.url' is not a Flyway setting: keys in configuration files start with 'flyway.'
            """)
    }

    // MARK: One way to match keys

    func testEverySpellingOfAKeyIsTheSameKey() throws {
        let spellings: [([(String, String)], [String: String])] = [
            ([("-baselineVersion", "2")], [:]), ([("--baseline-version", "2")], [:]), ([("--baseline_version", "2")], [:]),
            ([("--BASELINE_VERSION", "2")], [:]), ([("flyway.baselineVersion", "2")], [:]),
            ([], ["FLYWAY_BASELINE_VERSION": "2"]),
        ]
        for (commandLine, environment) in spellings {
            let configuration = try load(commandLine, environment: environment)
            XCTAssertEqual(configuration.baselineVersion, "2", "\(commandLine) \(environment)")
            XCTAssertNotNil(configuration.source(of: "baseline_version"))
        }
        try write("flyway.conf", "flyway.Baseline_Version=2\n")
        XCTAssertEqual(try load().baselineVersion, "2")
    }

    func testDottedKeysAndPlaceholderNamesKeepTheirShape() throws {
        let configuration = try load([("--placeholders.My_Name", "a"), ("placeholders.myname", "b"),
                                      ("-postgresql.transactional.lock", "false")],
                                     environment: ["FLYWAY_PLACEHOLDERS_OTHER_ONE": "c"])
        XCTAssertEqual(configuration.placeholders, ["My_Name": "a", "myname": "b", "other_one": "c"])
        XCTAssertEqual(configuration.source(of: "placeholders.my_name"), "command line -placeholders.My_Name")
    }

    func testNoTwoKeysFoldAlike() {
        let keys = ConfigurationKey.all + ConfigurationKey.families
        XCTAssertEqual(Set(keys.map { ConfigurationKey.folded($0.name) }).count, keys.count)
        // A family's variables always have a member after the prefix (FLYWAY_RESOLVERS_X), so only keys can clash.
        let all = ConfigurationKey.all
        XCTAssertEqual(Set(all.map { ConfigurationKey.folded(ConfigurationKey.upperSnake($0.name)) }).count, all.count)
    }

    // MARK: Flyway settings migrate does not implement

    func testSettingsWithNoEffectAreWarningsWithTheirSource() throws {
        try write("flyway.conf", "flyway.licenseKey=FL01-XXXX\nflyway.reportFilename=r\nflyway.table=t\n")
        let configuration = try load([("color", "always")],
                                     environment: ["FLYWAY_BATCH": "true", "FLYWAY_ORACLE_SQLPLUS": "true"])
        XCTAssertEqual(configuration.table, "t")
        XCTAssertEqual(configuration.warnings, [
            "flyway.conf:1: flyway.licenseKey has no effect in migrate and is ignored",
            "flyway.conf:2: flyway.reportFilename has no effect in migrate and is ignored",
            "environment variable FLYWAY_BATCH: flyway.batch has no effect in migrate and is ignored",
            "environment variable FLYWAY_ORACLE_SQLPLUS: flyway.oracle.sqlplus has no effect in migrate and is ignored (it applies to Oracle only)",
            "command line -color: flyway.color has no effect in migrate and is ignored",
        ])
    }

    func testSettingsThatWouldChangeWhatRunsAreErrorsWithTheirSource() throws {
        try write("flyway.conf", """
            flyway.cleanOnValidationError=true
            flyway.jdbcProperties.socketTimeout=30
            flyway.ignoreMissingMigrations=true
            flyway.postgresql.transactional.lock=true
            """)
        XCTAssertEqual(loadError([("sqlMigrationSuffix", ".pgsql"), ("callbacks", "db/callbacks")],
                                 environment: ["FLYWAY_VAULT_TOKEN": "s.vault-token"]), """
            flyway.conf:1: flyway.cleanOnValidationError=true is not supported by migrate: run clean before migrate instead
            flyway.conf:2: flyway.jdbcProperties.socketTimeout is not supported by migrate: give connection parameters in the url
            flyway.conf:3: flyway.ignoreMissingMigrations is not supported by migrate: use ignoreMigrationPatterns
            flyway.conf:4: flyway.postgresql.transactional.lock=true is not supported by migrate: migrate holds a session-level advisory lock (as with false); behind a transaction pooler use lockMode=transaction
            environment variable FLYWAY_VAULT_TOKEN: flyway.vault.token is not supported by migrate: pass the password with FLYWAY_PASSWORD, ${VAR} in a .conf file or ${env.VAR} in a TOML file
            command line -sqlMigrationSuffix: flyway.sqlMigrationSuffix is not supported by migrate: use sqlMigrationSuffixes
            command line -callbacks: flyway.callbacks is not supported by migrate: migrate runs SQL callbacks only: put <event>.sql files in the locations or callbackLocations
            """)
    }

    func testValuesMigrateFollowsAnywayAreAccepted() throws {
        try write("flyway.conf", """
            flyway.postgresql.transactional.lock=false
            flyway.detectEncoding=false
            flyway.placeholderSeparator=:
            flyway.environment=default
            flyway.configFileEncoding=utf-8
            flyway.callbacks=
            """)
        XCTAssertEqual(try load().warnings, [])
        try write("flyway.conf", "flyway.postgresql.transactional.lock=true\n")
        XCTAssertEqual(try load(environment: ["FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK": "false"]).warnings, [],
                       "an overridden value is not reported")
    }

    // MARK: Settings with a typed value

    func testTypedSettings() throws {
        let configuration = try load([("target", "5_1?"), ("baselineVersion", "0.9"), ("encoding", "windows-1252"),
                                      ("cherryPick", "2, 1.1 ,Add view"), ("outputType", "JSON"),
                                      ("ignoreMigrationPatterns", "Repeatable:Missing,*:pending")])
        XCTAssertEqual(try configuration.migrationTarget, .version(MigrationVersion("5.1")!))
        XCTAssertTrue(configuration.targetMayBeMissing)
        XCTAssertEqual(try configuration.baselineMigrationVersion, MigrationVersion("0.9"))
        XCTAssertEqual(try configuration.fileEncoding, .windowsCP1252)
        XCTAssertEqual(configuration.cherryPick, ["2", "1.1", "Add view"])
        XCTAssertEqual(configuration.outputType, "json")
        XCTAssertEqual(configuration.ignorePatterns.map(\.description), ["repeatable:missing", "*:pending"])
        XCTAssertEqual(try load([("target", "Current")]).migrationTarget, .current)
        XCTAssertFalse(try load([("target", "3")]).targetMayBeMissing)
    }

    func testBadTypedValuesNameKeyValueAndSource() throws {
        XCTAssertEqual(loadError(environment: ["FLYWAY_TARGET": "?"]),
                       "environment variable FLYWAY_TARGET: expected latest, current or a version (digits separated by '.' or '_'), optionally followed by '?', got '?'")
        try write("flyway.conf", "flyway.target=next\nflyway.ignoreMigrationPatterns=*:future, versioned:gone\n")
        XCTAssertEqual(loadError([("baselineVersion", "1.x"), ("encoding", "EBCDIC"), ("output-type", "xml")],
                                 environment: ["FLYWAY_CHERRY_PICK": "1,,2"]), """
            flyway.conf:2: flyway.ignoreMigrationPatterns: expected \(IgnorePattern.expected), got 'versioned:gone'
            environment variable FLYWAY_CHERRY_PICK: expected a comma-separated list without empty items, got '1,,2'
            command line -output-type: expected json or an empty value, got 'xml'
            flyway.conf:1: flyway.target: expected latest, current or a version (digits separated by '.' or '_'), optionally followed by '?', got 'next'
            command line -baselineVersion: expected a version (digits separated by '.' or '_'), got '1.x'
            command line -encoding: expected \(FileEncoding.supportedNames), got 'EBCDIC'
            """)
    }

    func testTypedValuesSetByCodeAreCheckedOnUse() {
        var configuration = Configuration()
        configuration.baselineVersion = "one"
        XCTAssertThrowsError(try configuration.baselineMigrationVersion) { error in
            XCTAssertEqual("\(error)", "flyway.baselineVersion: expected a version (digits separated by '.' or '_'), got 'one'")
        }
    }

    func testRequestsJSONReadsEverySourceWithoutLoading() throws {
        try write("flyway.conf", "flyway.outputType=json\nflyway.mixed=perhaps\n")
        func requestsJSON(_ commandLine: [(key: String, value: String)], _ environment: [String: String] = [:]) -> Bool {
            ConfigurationLoader.requestsJSON(commandLine: commandLine, environment: environment.merging(["HOME": home.path]) { $1 },
                                             workingDirectory: directory)
        }
        XCTAssertTrue(requestsJSON([]))
        XCTAssertFalse(requestsJSON([], ["FLYWAY_OUTPUT_TYPE": ""]))
        XCTAssertTrue(requestsJSON([("--output_type", "JSON")], ["FLYWAY_OUTPUT_TYPE": ""]))
    }

    // MARK: ${VAR} in files

    func testEnvironmentVariablesInFilesAndMissingOnesWarn() throws {
        try write("flyway.conf", "# ${COMMENTED_OUT}\nflyway.user=${DB_USER}\nflyway.password=${DB_PASSWORD}\n")
        let configuration = try load(environment: ["DB_USER": "deployer"])
        XCTAssertEqual(configuration.user, "deployer")
        XCTAssertNil(configuration.password)
        XCTAssertEqual(configuration.warnings, [
            "flyway.conf:3: environment variable DB_PASSWORD is not set; ${DB_PASSWORD} was replaced by an empty string",
        ])
    }

    // MARK: Placeholders

    func testPlaceholdersFromAllThreeSources() throws {
        try write("flyway.conf", "flyway.placeholders.TableOwner=file_owner\nflyway.placeholders.Region=eu\nflyway.placeholders.env=file\n")
        let configuration = try load([("placeholders.Env", "cli"), ("placeholders.Feature-Flag", "on")],
                                     environment: ["FLYWAY_PLACEHOLDERS_TABLEOWNER": "env_owner"])
        XCTAssertEqual(configuration.placeholders, ["tableowner": "env_owner", "Region": "eu", "Env": "cli", "Feature-Flag": "on"])
        XCTAssertEqual(configuration.placeholderValue(named: "TABLEOWNER"), "env_owner")
        XCTAssertEqual(configuration.placeholderValue(named: "region"), "eu")
        XCTAssertEqual(configuration.placeholderValue(named: "env"), "cli")
        XCTAssertEqual(configuration.placeholderValue(named: "feature-flag"), "on")
        XCTAssertNil(configuration.placeholderValue(named: "missing"))
        XCTAssertEqual(configuration.source(of: "placeholders.tableOwner"), "environment variable FLYWAY_PLACEHOLDERS_TABLEOWNER")
        XCTAssertEqual(configuration.source(of: "flyway.placeholders.REGION"), "flyway.conf:2")
        XCTAssertEqual(configuration.source(of: "placeholders.env"), "command line -placeholders.Env")
    }

    func testEmptyPlaceholderValueIsKeptAndEmptyNameIsAnError() throws {
        XCTAssertEqual(try load([("placeholders.suffix", "")]).placeholderValue(named: "suffix"), "")
        XCTAssertEqual(loadError([("placeholders.", "x")]),
                       "command line -placeholders.: placeholder name is empty (expected placeholders.<name>)")
    }

    func testLoadingTwiceGivesEqualConfigurations() throws {
        try write("flyway.conf", "flyway.schemas=a\nflyway.placeholders.x=1\n")
        XCTAssertEqual(try load([("table", "t")]), try load([("table", "t")]))
    }
}

/// Base for configuration tests: a fresh working directory per test (with its own `home/`, passed
/// as HOME so the real ~/flyway.conf is never read), and helpers to write files and load.
class ConfigurationTestCase: XCTestCase {
    var directory: URL!
    var home: URL { directory.appendingPathComponent("home") }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("migrate-conf-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `text` to `path` (relative to the working directory), creating folders.
    func write(_ path: String, _ text: String) throws {
        let file = directory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    func load(_ commandLine: [(String, String)] = [], environment: [String: String] = [:]) throws -> Configuration {
        var environment = environment
        environment["HOME"] = environment["HOME"] ?? home.path
        return try ConfigurationLoader.load(
            commandLine: commandLine.map { (key: $0.0, value: $0.1) },
            environment: environment,
            workingDirectory: directory)
    }

    /// The message of the ConfigurationError that loading throws (fails the test if it loads).
    func loadError(
        _ commandLine: [(String, String)] = [], environment: [String: String] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) -> String {
        do {
            _ = try load(commandLine, environment: environment)
            XCTFail("expected a ConfigurationError", file: file, line: line)
            return ""
        } catch let error as ConfigurationError {
            XCTAssertEqual(error.description, error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }
}

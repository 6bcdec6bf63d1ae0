import Foundation
import XCTest

@testable import MigrateCore

/// TOML configuration files (Flyway 10+): where they are found, `[flyway]`, environments and their overrides,
/// `${env.VAR}` resolvers, how values map onto settings, and the errors, each with its file and line.
final class ConfigurationTOMLTests: ConfigurationTestCase {
    // MARK: Settings

    func testFlywayTableSettingsWithTheirLines() throws {
        try write("flyway.toml", """
            # a project
            [flyway]
            locations = ["filesystem:sql", "filesystem:more sql"]
            cleanDisabled = false
            baselineVersion = 3
            lockRetryCount = -1
            table = "history"

            [flyway.placeholders]
            Owner = "app"
            "with.dot" = 'x'

            [flyway.postgresql]
            transactional.lock = false
            """)
        let configuration = try load()
        XCTAssertEqual(configuration.locations, ["filesystem:sql", "filesystem:more sql"])
        XCTAssertFalse(configuration.cleanDisabled)
        XCTAssertEqual(configuration.baselineVersion, "3")
        XCTAssertEqual(configuration.lockRetryCount, -1)
        XCTAssertEqual(configuration.table, "history")
        XCTAssertEqual(configuration.placeholders, ["Owner": "app", "with.dot": "x"])
        XCTAssertEqual(configuration.environment, "default")
        XCTAssertEqual(configuration.warnings, [])
        XCTAssertEqual(configuration.loadedFiles.map(\.lastPathComponent), ["flyway.toml"])
        XCTAssertEqual(configuration.source(of: "locations"), "flyway.toml:3")
        XCTAssertEqual(configuration.source(of: "table"), "flyway.toml:7")
        XCTAssertEqual(configuration.source(of: "placeholders.owner"), "flyway.toml:10")
    }

    func testArraysBooleansAndIntegersMapOntoSettings() throws {
        try write("flyway.toml", """
            [flyway]
            cherryPick = ["2", "my, view", 3]
            sqlMigrationSuffixes = ".sql,.pgsql"
            outOfOrder = "true"
            ignoreMigrationPatterns = ["*:missing", "repeatable:pending"]
            [environments.default]
            schemas = ["app", "audit"]
            connectRetries = 4
            """)
        let configuration = try load()
        XCTAssertEqual(configuration.cherryPick, ["2", "my, view", "3"], "an array item is never split at commas")
        XCTAssertEqual(configuration.sqlMigrationSuffixes, [".sql", ".pgsql"], "a string is a comma-separated list, as in .conf")
        XCTAssertTrue(configuration.outOfOrder)
        XCTAssertEqual(configuration.ignorePatterns.map(\.description), ["*:missing", "repeatable:pending"])
        XCTAssertEqual(configuration.schemas, ["app", "audit"])
        XCTAssertEqual(configuration.connectRetries, 4)
    }

    func testBadValuesAreCheckedLikeEveryOtherSource() throws {
        try write("flyway.toml", """
            [flyway]
            table = ["a", "b"]
            cleanDisabled = "maybe"
            validateOnMigrate = 1979-05-27
            locations = [["nested"]]
            [environments.default]
            connectRetries = 1.5
            """)
        XCTAssertEqual(loadError(), """
            flyway.toml:2: flyway.table: expected a single value, got an array
            flyway.toml:3: flyway.cleanDisabled: expected true or false, got 'maybe'
            flyway.toml:4: flyway.validateOnMigrate: expected a string, a number, a boolean or an array, got a date or time
            flyway.toml:5: flyway.locations: expected an array of strings, got an array holding an array
            flyway.toml:7: environments.default.connectRetries: expected a non-negative integer, got '1.5'
            """)
    }

    func testSyntaxErrorsGiveLineAndColumn() throws {
        try write("flyway.toml", "[flyway]\nlocations = [\"sql\"\ntable = \"x\"\n")
        let message = loadError()
        XCTAssertTrue(message.hasPrefix("flyway.toml:3:1: "), message)
        try write("flyway.toml", "[flyway]\ntable = \"a\"\ntable = \"b\"\n")
        XCTAssertTrue(loadError().hasPrefix("flyway.toml:3:"), "a key given twice is a syntax error in TOML")
    }

    func testUnknownAndMisplacedKeysNameFileAndLine() throws {
        try write("flyway.toml", """
            url = "postgresql://h/db"
            [flyway]
            cleanDisabeld = false
            user = "app"
            [environments.dev]
            url = "postgresql://h/dev"
            locations = ["sql"]
            cherryPick = "2"
            urll = "x"
            [environments.dev.flyway]
            url = "postgresql://h/other"
            cherryPick = ["2"]
            environment = "prod"
            postgresql.transactional.lock = false
            tablee = "x"
            """)
        XCTAssertEqual(loadError(), """
            flyway.toml:1: 'url' is not a Flyway setting: in a TOML file, settings go in [flyway] and connections in [environments.<name>]; did you mean 'environments.default.url'?
            unknown configuration key 'flyway.cleanDisabeld' at flyway.toml:3; did you mean 'flyway.cleanDisabled'?
            flyway.toml:4: flyway.user: user is a setting of an environment: in a TOML file it goes in [environments.<name>], for the environment that -environment selects ('default' when none is)
            flyway.toml:7: environments.dev.locations: locations is not a setting of an environment: for one environment it goes in environments.dev.flyway
            flyway.toml:8: environments.dev.cherryPick: cherryPick is not a setting of an environment: set it at the top level (flyway.cherryPick)
            unknown configuration key 'environments.dev.urll' at flyway.toml:9; did you mean 'environments.dev.url'?
            flyway.toml:11: environments.dev.flyway.url: url is a setting of the environment itself: set it in environments.dev, not in its flyway table
            flyway.toml:12: environments.dev.flyway.cherryPick: cherryPick cannot be set for one environment (Flyway allows it only at the top level)
            flyway.toml:13: environments.dev.flyway.environment: environment cannot be set for one environment (Flyway allows it only at the top level)
            flyway.toml:14: environments.dev.flyway.postgresql.transactional.lock: postgresql.transactional.lock cannot be set for one environment (Flyway allows it only at the top level)
            unknown configuration key 'environments.dev.flyway.tablee' at flyway.toml:15; did you mean 'environments.dev.flyway.table'?
            """)
    }

    func testRefusedAndIgnoredSettingsNameTheirPlace() throws {
        try write("flyway.toml", """
            databaseType = "PostgreSql"
            id = "1d9b"
            [flyway]
            licenseKey = "FL01"
            callbacks = ["com.example.Callback"]
            [environments.default]
            url = "postgresql://h/db"
            displayName = "Local"
            provisioner = "clean"
            resolvers.vault.url = "https://vault"
            """)
        XCTAssertEqual(loadError(), """
            flyway.toml:5: flyway.callbacks is not supported by migrate: migrate runs SQL callbacks only: put <event>.sql files in the locations or callbackLocations
            flyway.toml:9: environments.default.provisioner is not supported by migrate: migrate does not provision databases: create the database first
            flyway.toml:10: environments.default.resolvers.vault.url is not supported by migrate: migrate resolves ${env.NAME} in TOML files, with no resolver settings
            """)
        try write("flyway.toml", """
            databaseType = "PostgreSql"
            [flyway]
            licenseKey = "FL01"
            [environments.default]
            displayName = "Local"
            """)
        XCTAssertEqual(try load().warnings, [
            "flyway.toml:1: databaseType has no effect in migrate and is ignored (it is a Flyway Desktop setting)",
            "flyway.toml:3: flyway.licenseKey has no effect in migrate and is ignored",
            "flyway.toml:5: environments.default.displayName has no effect in migrate and is ignored (it names an environment in Flyway Desktop)",
        ])
    }

    // MARK: Environments

    private let twoEnvironments = """
        [flyway]
        locations = ["filesystem:sql"]

        [environments.dev]
        url = "postgresql://dev-host/app"
        user = "dev_user"
        schemas = ["dev_schema"]
        initSql = "SET work_mem = '64MB'"

        [environments.prod]
        url = "postgresql://prod-host/app"
        user = "deployer"
        password = "s3cr3t-value"
        connectRetries = 5
        connectRetriesInterval = 10

        [environments.prod.flyway]
        locations = ["filesystem:sql", "filesystem:prod"]
        validateMigrationNaming = true
        """

    func testEnvironmentPickedOnTheCommandLine() throws {
        try write("flyway.toml", twoEnvironments)
        let prod = try load([("environment", "prod")])
        XCTAssertEqual(prod.environment, "prod")
        XCTAssertEqual(prod.url, "postgresql://prod-host/app")
        XCTAssertEqual(prod.user, "deployer")
        XCTAssertEqual(prod.password, "s3cr3t-value")
        XCTAssertEqual(prod.schemas, [])
        XCTAssertEqual(prod.connectRetries, 5)
        XCTAssertEqual(prod.connectRetriesInterval, 10)
        XCTAssertNil(prod.initSql)
        XCTAssertEqual(prod.locations, ["filesystem:sql", "filesystem:prod"], "an override replaces the list whole")
        XCTAssertTrue(prod.validateMigrationNaming)
        XCTAssertEqual(prod.source(of: "url"), "flyway.toml:11")
        XCTAssertEqual(prod.source(of: "locations"), "flyway.toml:18")

        let dev = try load([("environment", "dev")])
        XCTAssertEqual(dev.url, "postgresql://dev-host/app")
        XCTAssertEqual(dev.schemas, ["dev_schema"])
        XCTAssertEqual(dev.initSql, "SET work_mem = '64MB'")
        XCTAssertNil(dev.password)
        XCTAssertEqual(dev.locations, ["filesystem:sql"])
        XCTAssertFalse(dev.validateMigrationNaming)
    }

    func testEnvironmentPickedByFileThenVariableThenCommandLine() throws {
        try write("flyway.toml", twoEnvironments)
        try write("flyway.user.toml", "[flyway]\nenvironment = \"dev\"\n")
        XCTAssertEqual(try load().url, "postgresql://dev-host/app")
        XCTAssertEqual(try load(environment: ["FLYWAY_ENVIRONMENT": "prod"]).url, "postgresql://prod-host/app")
        XCTAssertEqual(try load(environment: ["flyway_environment": "prod"]).url, "postgresql://prod-host/app",
                       "Flyway documents the variable in lower case")
        XCTAssertEqual(try load([("environment", "dev")], environment: ["FLYWAY_ENVIRONMENT": "prod"]).url,
                       "postgresql://dev-host/app")
    }

    func testDefaultEnvironmentIsMadeOfTheTopLevelConnectionSettings() throws {
        try write("flyway.toml", "[flyway]\nlocations = [\"filesystem:db\"]\n")
        let configuration = try load([("url", "postgresql://h/db"), ("user", "me")])
        XCTAssertEqual(configuration.environment, "default")
        XCTAssertEqual(configuration.url, "postgresql://h/db")
        XCTAssertEqual(configuration.user, "me")

        try write("flyway.toml", "[environments.default]\nurl = \"postgresql://from-toml/db\"\nuser = \"toml\"\n")
        XCTAssertEqual(try load().url, "postgresql://from-toml/db", "the default environment may be defined too")
    }

    func testCommandLineAndVariablesWinOverTheSelectedEnvironmentsFile() throws {
        try write("flyway.toml", twoEnvironments)
        let configuration = try load([("environment", "prod"), ("url", "postgresql://override/app"), ("locations", "filesystem:cli")],
                                     environment: ["FLYWAY_PASSWORD": "from-variable"])
        XCTAssertEqual(configuration.url, "postgresql://override/app", "-url sets the selected environment's url, as in Flyway")
        XCTAssertEqual(configuration.password, "from-variable")
        XCTAssertEqual(configuration.user, "deployer")
        XCTAssertEqual(configuration.locations, ["filesystem:cli"], "the command line wins over a file, overrides included")
        XCTAssertEqual(configuration.source(of: "password"), "environment variable FLYWAY_PASSWORD")
    }

    func testEnvironmentsOnTheCommandLine() throws {
        let configuration = try load([
            ("environments.ci.url", "postgresql://ci/db"), ("-environments.ci.schemas", "a,b"),
            ("environments.ci.flyway.table", "ci_history"), ("environment", "ci"), ("table", "top_history"),
        ])
        XCTAssertEqual(configuration.environment, "ci")
        XCTAssertEqual(configuration.url, "postgresql://ci/db")
        XCTAssertEqual(configuration.schemas, ["a", "b"])
        XCTAssertEqual(configuration.table, "ci_history", "an override given on the command line wins there too")
        XCTAssertEqual(configuration.source(of: "url"), "command line -environments.ci.url")

        try write("flyway.toml", twoEnvironments)
        let prod = try load([("environment", "prod"), ("environments.prod.user", "cli_user"),
                             ("environments.prod.flyway.locations", "filesystem:hotfix")])
        XCTAssertEqual(prod.user, "cli_user")
        XCTAssertEqual(prod.url, "postgresql://prod-host/app")
        XCTAssertEqual(prod.locations, ["filesystem:hotfix"])

        XCTAssertEqual(loadError([("environments.prod", "x"), ("environments.ci.locations", "sql")]), """
            command line -environments.prod: expected -environments.<name>.<setting>=value or -environments.<name>.flyway.<setting>=value
            command line -environments.ci.locations: locations is not a setting of an environment: for one environment it goes in environments.ci.flyway
            """)
    }

    func testPlaceholderOverridesReplaceTheWholeMap() throws {
        try write("flyway.toml", """
            [flyway.placeholders]
            owner = "app"
            schema = "public"
            [environments.prod]
            url = "postgresql://h/db"
            [environments.prod.flyway.placeholders]
            owner = "prod_owner"
            """)
        XCTAssertEqual(try load().placeholders, ["owner": "app", "schema": "public"])
        XCTAssertEqual(try load([("environment", "prod")]).placeholders, ["owner": "prod_owner"])
        XCTAssertEqual(try load([("environment", "prod"), ("placeholders.extra", "1")]).placeholders,
                       ["owner": "prod_owner", "extra": "1"], "a command-line placeholder still wins over the file")
    }

    func testUnknownEnvironmentIsAnError() throws {
        try write("flyway.toml", twoEnvironments)
        XCTAssertEqual(loadError([("environment", "Prod")]),
                       "command line -environment: environment 'Prod' is not defined; defined: dev, prod (did you mean 'prod'?)")
        try write("flyway.toml", "[flyway]\nenvironment = \"staging\"\n")
        XCTAssertEqual(loadError(), "flyway.toml:2: flyway.environment: environment 'staging' is not defined; define it in "
            + "flyway.toml ([environments.staging] with its url) or on the command line (-environments.staging.url=…)")
    }

    func testEmptyEnvironmentTableDefinesTheEnvironment() throws {
        try write("flyway.toml", "[environments.local]\n")
        let configuration = try load([("environment", "local"), ("url", "postgresql://h/db")])
        XCTAssertEqual(configuration.environment, "local")
        XCTAssertEqual(configuration.url, "postgresql://h/db")
        XCTAssertEqual(try load([("environment", "")]).environment, "default", "an empty environment is Flyway's default")
    }

    func testOtherEnvironmentsAreNotChecked() throws {
        try write("flyway.toml", """
            [environments.dev]
            url = "postgresql://h/dev"
            [environments.prod]
            url = "http://not-a-database"
            password = "${env.PROD_PASSWORD}"
            connectRetries = "many"
            """)
        XCTAssertEqual(try load([("environment", "dev")]).url, "postgresql://h/dev",
                       "values are checked (and resolved) only for the environment in use, as in Flyway")
        XCTAssertEqual(loadError([("environment", "prod")]), """
            flyway.toml:5: environments.prod.password: environment variable PROD_PASSWORD is not set (${env.PROD_PASSWORD})
            flyway.toml:6: environments.prod.connectRetries: expected a non-negative integer, got 'many'
            flyway.toml:4: environments.prod.url: unsupported URL scheme 'http' (expected jdbc:postgresql://host:port/database, postgres://…, postgresql://… or a libpq string like 'host=… dbname=…')
            """)
    }

    // MARK: Resolvers

    func testEnvironmentVariableResolvers() throws {
        try write("flyway.toml", """
            [environments.default]
            url = "postgresql://${env.DB_HOST}/app"
            user = "  ${env.DB_USER}  "
            password = "${env.DB_PASSWORD}"
            [flyway]
            installedBy = "${env.CI_PIPELINE:A}"
            locations = ["filesystem:${env.MIGRATIONS}", "filesystem:common"]
            baselineDescription = "$${env.LITERAL} and ${notAResolver}"
            placeholderPrefix = "!{${env.KEEP}}"
            """)
        let configuration = try load(environment: [
            "DB_HOST": "db.internal", "DB_USER": "deployer", "DB_PASSWORD": "s3cret", "CI_PIPELINE": "build-42",
            "MIGRATIONS": "db/sql",
        ])
        XCTAssertEqual(configuration.url, "postgresql://db.internal/app")
        XCTAssertEqual(configuration.user, "deployer", "values lose their surrounding white space, as in Flyway")
        XCTAssertEqual(configuration.password, "s3cret")
        XCTAssertEqual(configuration.installedBy, "build", "the :A filter keeps letters only")
        XCTAssertEqual(configuration.locations, ["filesystem:db/sql", "filesystem:common"])
        XCTAssertEqual(configuration.baselineDescription, "${env.LITERAL} and ${notAResolver}")
        XCTAssertEqual(configuration.placeholderPrefix, "${env.KEEP}", "!{…} is verbatim")
        XCTAssertTrue(configuration.secrets.contains("s3cret"))
    }

    func testResolverErrorsNameTheSetting() throws {
        try write("flyway.toml", """
            [environments.default]
            password = "${vault.db-password}"
            user = "${env.MISSING_USER}"
            """)
        XCTAssertEqual(loadError(), """
            flyway.toml:2: environments.default.password: '${vault.db-password}' uses Flyway's 'vault' resolver, which migrate does not support; migrate resolves ${env.NAME} (environment variables) only
            flyway.toml:3: environments.default.user: environment variable MISSING_USER is not set (${env.MISSING_USER})
            """)
    }

    func testConfFilesDoNotResolveTOMLResolvers() throws {
        try write("flyway.conf", "flyway.installedBy=${env.USER}\nflyway.table=${TABLE_NAME}\n")
        let configuration = try load(environment: ["USER": "me", "TABLE_NAME": "t"])
        XCTAssertEqual(configuration.installedBy, "${env.USER}", "Flyway resolves ${env.…} in TOML files only")
        XCTAssertEqual(configuration.table, "t")
    }

    func testPasswordsOfEveryEnvironmentAreMaskedInErrors() throws {
        try write("flyway.toml", """
            [environments.dev]
            url = "postgresql://u:dev-pass-123@h/db?sslmode=bogus"
            [environments.prod]
            password = "prod-pass-456"
            [flyway]
            table = "prod-pass-456"
            environment = "dev"
            """)
        let message = loadError([("target", "dev-pass-123")])
        XCTAssertFalse(message.contains("dev-pass-123") || message.contains("prod-pass-456"), message)
        XCTAssertTrue(message.contains("***"), message)
    }

    // MARK: Files

    func testWorkedExampleLoadsForEachEnvironment() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try write("conf/factory.toml", String(contentsOf: repository.appendingPathComponent("conf/factory.toml"), encoding: .utf8))
        let variables = ["FACTORY_DEV_PASSWORD": "d", "FACTORY_CI_URL": "postgresql://ci/factory_ci", "FACTORY_CI_USER": "ci_user",
                         "FACTORY_CI_PASSWORD": "c", "FACTORY_PROD_PASSWORD": "p"]
        let files = ("configFiles", "conf/factory.toml")
        let dev = try load([files], environment: variables)
        XCTAssertEqual(dev.environment, "dev")
        XCTAssertEqual(dev.url, "jdbc:postgresql://localhost:5432/factory_dev")
        XCTAssertEqual(dev.schemas, ["factory"])
        XCTAssertFalse(dev.cleanDisabled)
        let ci = try load([files, ("environment", "test_ci")], environment: variables)
        XCTAssertEqual(ci.url, "postgresql://ci/factory_ci")
        XCTAssertEqual(ci.installedBy, "ci")
        XCTAssertEqual(ci.connectRetries, 10)
        let prod = try load([files, ("environment", "prod")], environment: variables)
        XCTAssertTrue(prod.cleanDisabled)
        XCTAssertEqual(prod.password, "p")
        XCTAssertEqual(prod.baselineDescription, "factory schema before migrate took over")
        XCTAssertEqual(prod.warnings, [])
    }

    func testSearchReadsTOMLFilesAndUserFilesWin() throws {
        try write("conf/flyway.toml", "[flyway]\ntable = \"install\"\ntarget = \"1\"\n")
        try write("home/flyway.toml", "[flyway]\ntable = \"home\"\nbaselineVersion = \"5\"\n")
        try write("flyway.toml", "[flyway]\ntable = \"project\"\nmixed = true\n")
        try write("flyway.user.toml", "[flyway]\ntable = \"mine\"\n")
        let configuration = try load()
        XCTAssertEqual(configuration.table, "mine")
        XCTAssertEqual(configuration.target, "1")
        XCTAssertEqual(configuration.baselineVersion, "5")
        XCTAssertTrue(configuration.mixed)
        XCTAssertEqual(configuration.loadedFiles.map(\.path), [
            directory.appendingPathComponent("conf/flyway.toml").standardizedFileURL.path,
            home.appendingPathComponent("flyway.toml").standardizedFileURL.path,
            directory.appendingPathComponent("flyway.toml").standardizedFileURL.path,
            directory.appendingPathComponent("flyway.user.toml").standardizedFileURL.path,
        ])
        XCTAssertEqual(configuration.source(of: "table"), "flyway.user.toml:2")
        XCTAssertEqual(configuration.source(of: "target"), "conf/flyway.toml:3")
    }

    func testAFoundTOMLFileMeansConfFilesAreNotRead() throws {
        try write("flyway.conf", "flyway.table=from_conf\n")
        try write("home/flyway.user.toml", "[flyway]\nmixed = true\n")
        let configuration = try load()
        XCTAssertEqual(configuration.table, "flyway_schema_history")
        XCTAssertTrue(configuration.mixed)
        XCTAssertEqual(configuration.warnings, [
            "flyway.conf is not read: when TOML files are found (\(home.standardizedFileURL.path)/flyway.user.toml), Flyway reads only those",
        ])
    }

    func testNamedFilesAreOneKindOrTheOther() throws {
        try write("flyway.toml", "[flyway]\ntable = \"default_search\"\n")
        try write("conf/ci.toml", "[flyway]\ntable = \"ci\"\n[environments.ci]\nurl = \"postgresql://ci/db\"\n")
        try write("conf/ci.conf", "flyway.table=conf\n")
        let configuration = try load([("configFiles", "conf/ci.toml"), ("environment", "ci")])
        XCTAssertEqual(configuration.table, "ci", "named files replace the search")
        XCTAssertEqual(configuration.url, "postgresql://ci/db")
        XCTAssertEqual(try load(environment: ["FLYWAY_CONFIG_FILES": "conf/ci.toml"]).table, "ci")
        XCTAssertEqual(try load([("configFiles", "conf/ci.conf")]).table, "conf", "a .conf file named means no TOML search")
        XCTAssertEqual(loadError([("configFiles", "conf/ci.toml,conf/ci.conf")]),
                       "command line -configFiles: names TOML files (conf/ci.toml) and .conf files (conf/ci.conf); "
                       + "Flyway reads one kind or the other, never both")
    }

    func testConfFilesAndVariablesCannotDefineEnvironments() throws {
        try write("flyway.conf", "flyway.environments.prod.url=postgresql://h/db\n")
        XCTAssertEqual(loadError(environment: ["FLYWAY_ENVIRONMENTS_PROD_USER": "x"]), """
            flyway.conf:1: flyway.environments.prod.url is not supported by migrate: environments are defined in TOML files ([environments.<name>]) or on the command line (-environments.<name>.url=…), not in .conf files or environment variables
            environment variable FLYWAY_ENVIRONMENTS_PROD_USER: flyway.environments.prod_user is not supported by migrate: environments are defined in TOML files ([environments.<name>]) or on the command line (-environments.<name>.url=…), not in .conf files or environment variables
            """)
    }
}

// swift-tools-version:6.0
import PackageDescription

// TOMLKit imports Foundation. Without this, Foundation's extensions (String.range(of:options:) …) would be
// visible in every module that loads TOMLKit, even indirectly, and be picked over FoundationEssentials' own,
// linking all of Foundation and ICU (+43 MiB) into the release binary. With it, a file sees only the members
// of the modules it imports itself.
let memberImportVisibility: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "migrate",
    products: [
        .executable(name: "migrate", targets: ["migrate"]),
        // For fuzz/, a separate package that runs the parsers under libFuzzer; the tool does not use it.
        .library(name: "MigrateCore", targets: ["MigrateCore", "PostgresClient", "TOML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Tests only: reads docker-compose.yml and the CI templates, whose steps the tests run.
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // libpq, found through pkg-config; the only C we touch.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // libpg_query: PostgreSQL's own parser as a library (no pkg-config file; header in /usr/include).
        .systemLibrary(name: "CPgQuery", providers: [.apt(["libpg-query-dev"])]),
        // Thin Swift wrapper over libpg_query: SQL text to a parse tree. Knows nothing of migrations.
        .target(name: "PostgresParser", dependencies: ["CPgQuery"]),
        // Thin Swift wrapper over libpq: connection, results, errors. Knows nothing of migrations.
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        // TOML text to plain Swift values: the only user of TOMLKit.
        .target(
            name: "TOML",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: memberImportVisibility
        ),
        // Configuration, discovery, SQL scripts, history table, commands. Knows nothing of the terminal.
        .target(name: "MigrateCore", dependencies: ["PostgresClient", "PostgresParser", "TOML"], swiftSettings: memberImportVisibility),
        // The command-line tool: parses arguments, prints.
        .executableTarget(
            name: "migrate",
            dependencies: [
                "MigrateCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: memberImportVisibility
        ),
        // Starts and stops a throwaway PostgreSQL cluster for tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MigrateCoreTests", dependencies: ["MigrateCore", "TOML"]),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MigrateCore", "PostgresClient", "TestSupport", "migrate",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

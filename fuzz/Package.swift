// swift-tools-version:6.0
import PackageDescription

/// migrate's parsers under libFuzzer: one executable per fuzz target. Built and run by run.sh only, with
/// `-sanitize=fuzzer,address` and `-enable-testing` (the targets reach internal parsers through
/// `@testable import`); the root package, its tests and CI never build it.
let fuzzTargets = ["conf", "toml", "url", "name", "splitter"]

let core: Target.Dependency = .product(name: "MigrateCore", package: "migrate")

let package = Package(
    name: "migrate-fuzz",
    dependencies: [.package(name: "migrate", path: "..")],
    targets: [
        // libFuzzer's entry point for programs with their own main.
        .target(name: "CFuzzer"),
        // libpq's own conninfo parser, the reference the url target checks against.
        .systemLibrary(name: "CLibPQConninfo", pkgConfig: "libpq"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer", core]),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["FuzzSupport", core] + (name == "url" ? ["CLibPQConninfo"] : [])
        )
    },
    swiftLanguageModes: [.v6]
)

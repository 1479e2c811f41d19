// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Confidant",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "VaultCrypto", targets: ["VaultCrypto"]),
        .library(name: "VaultCore", targets: ["VaultCore"]),
        .library(name: "VaultStoreSQLite", targets: ["VaultStoreSQLite"]),
        .executable(name: "confidant", targets: ["confidant"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "Clibsodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "VaultCrypto", dependencies: ["Clibsodium"]),
        .target(name: "CSystemShim"),
        .target(
            name: "VaultCore",
            dependencies: ["VaultCrypto", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Mustache", package: "swift-mustache")]
        ),
        // The SQLite store (a vault file). The only program target that depends on GRDB.
        .target(
            name: "VaultStoreSQLite",
            dependencies: ["VaultCore", "VaultCrypto", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "confidant",
            dependencies: ["VaultCore", "VaultCrypto", "VaultStoreSQLite", "VaultStorePostgres", "CSystemShim", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The PostgreSQL store (SPEC §7). The only target that depends on PostgresNIO.
        .target(
            name: "VaultStorePostgres",
            dependencies: ["VaultCore", "VaultCrypto", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .executableTarget(name: "confidant-bench", dependencies: ["VaultCore", "VaultStoreSQLite", "VaultStorePostgres", "VaultCrypto"], path: "Benchmarks"),
        .target(name: "VaultTestSupport", dependencies: ["VaultCore", "VaultStoreSQLite", "VaultStorePostgres", "VaultCrypto", .product(name: "GRDB", package: "GRDB.swift")], path: "Tests/VaultTestSupport"),
        .testTarget(name: "VaultCryptoTests", dependencies: ["VaultCrypto"]),
        .testTarget(name: "VaultCoreTests", dependencies: ["VaultCore", "VaultStoreSQLite", "VaultCrypto", "VaultTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "VaultStorePostgresTests", dependencies: ["confidant", "VaultStorePostgres", "VaultStoreSQLite", "VaultCore", "VaultCrypto", "VaultTestSupport",
                                                              .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "confidantTests", dependencies: ["confidant", "VaultCore", "VaultStoreSQLite", "VaultCrypto", "VaultTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)

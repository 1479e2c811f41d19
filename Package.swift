// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Confidant",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "VaultCrypto", targets: ["VaultCrypto"]),
        .library(name: "VaultCore", targets: ["VaultCore"]),
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
            dependencies: ["VaultCrypto", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Mustache", package: "swift-mustache")]
        ),
        .executableTarget(
            name: "confidant",
            dependencies: ["VaultCore", "VaultCrypto", "VaultStorePostgres", "CSystemShim", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The PostgreSQL store (SPEC §7). The only target that depends on PostgresNIO. GRDB only
        // because VaultCore's `StateStorage` still names GRDB's `Row` (restore between stores).
        .target(
            name: "VaultStorePostgres",
            dependencies: ["VaultCore", "VaultCrypto", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(name: "confidant-bench", dependencies: ["VaultCore", "VaultCrypto", "VaultStorePostgres"], path: "Benchmarks"),
        .target(name: "VaultTestSupport", dependencies: ["VaultCore", "VaultCrypto", .product(name: "GRDB", package: "GRDB.swift")], path: "Tests/VaultTestSupport"),
        .testTarget(name: "VaultCryptoTests", dependencies: ["VaultCrypto"]),
        .testTarget(name: "VaultCoreTests", dependencies: ["VaultCore", "VaultCrypto", "VaultTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "VaultStorePostgresTests", dependencies: ["confidant", "VaultStorePostgres", "VaultCore", "VaultCrypto", "VaultTestSupport",
                                                              .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "confidantTests", dependencies: ["confidant", "VaultCore", "VaultCrypto", "VaultTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)

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
        // The embedded SQLite backend of VaultCore's store protocol; the only target that imports GRDB
        // (besides tests that edit a vault file as an attacker would).
        .target(
            name: "VaultStoreSQLite",
            dependencies: ["VaultCore", "VaultCrypto", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "confidant",
            dependencies: ["VaultCore", "VaultStoreSQLite", "VaultCrypto", "CSystemShim", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .executableTarget(name: "confidant-bench", dependencies: ["VaultCore", "VaultStoreSQLite", "VaultCrypto"], path: "Benchmarks"),
        .target(name: "VaultTestSupport", dependencies: ["VaultCore", "VaultStoreSQLite", "VaultCrypto", .product(name: "GRDB", package: "GRDB.swift")], path: "Tests/VaultTestSupport"),
        .testTarget(name: "VaultCryptoTests", dependencies: ["VaultCrypto"]),
        .testTarget(name: "VaultCoreTests", dependencies: ["VaultCore", "VaultStoreSQLite", "VaultCrypto", "VaultTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "confidantTests", dependencies: ["confidant", "VaultCore", "VaultStoreSQLite", "VaultCrypto", "VaultTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)

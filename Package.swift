// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Linux (glibc) only: the daemon is built on epoll, eventfd, inotify and Linux's /proc.
let package = Package(
    name: "maximize",
    products: [
        .executable(name: "maximize", targets: ["maximize"]),
        .executable(name: "maxctl", targets: ["maxctl"]),
        .library(name: "MaximizeCore", targets: ["MaximizeCore"]),
        .library(name: "MaximizePostgres", targets: ["MaximizePostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Sources/CCurlShim"),
        // libcrypto for SHA-256: libcurl (OpenSSL flavour) maps it already; libpq-dev pulls the headers in.
        .systemLibrary(
            name: "CCrypto",
            path: "Sources/CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            path: "Sources/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CInotifyTools",
            path: "Sources/CInotifyTools",
            providers: [.apt(["libinotifytools0-dev"])]
        ),
        .target(
            name: "MaximizeCore",
            dependencies: [
                "CCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Core",
            exclude: ["Postgres", "Upstream", "Watch"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MaximizeCurl",
            dependencies: [
                "MaximizeCore",
                "CCurl",
                "CCurlShim",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Core/Upstream",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MaximizeWatch",
            dependencies: [
                "MaximizeCore",
                "CInotifyTools",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Core/Watch",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MaximizePostgres",
            dependencies: [
                "MaximizeCore",
                "CLibPQ",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Core/Postgres",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MaximizeControl",
            dependencies: ["MaximizeCore"],
            path: "Sources/Control",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MaximizeSidecar",
            dependencies: [
                "MaximizeCore",
                "MaximizeCurl",
                "MaximizeWatch",
                "MaximizeControl",
                "MaximizePostgres",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            path: "Sources/Sidecar",
            exclude: ["Executable"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "maximize",
            dependencies: [
                "MaximizeSidecar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Sidecar/Executable",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "maxctl",
            dependencies: [
                "MaximizeCore",
                "MaximizeControl",
                "MaximizePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/maxctl",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaximizeCoreTests",
            dependencies: [
                "MaximizeCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/MaximizeCoreTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaximizeCurlTests",
            dependencies: [
                "MaximizeCurl",
                "MaximizeCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/MaximizeCurlTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaximizePostgresTests",
            dependencies: [
                "MaximizePostgres",
                "MaximizeCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/MaximizePostgresTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaximizeControlTests",
            dependencies: ["MaximizeControl", "MaximizeCore"],
            path: "Tests/MaximizeControlTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaximizeSidecarTests",
            dependencies: [
                "MaximizeSidecar",
                "MaximizeCore",
                "MaximizeCurl",
                "MaximizeControl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/MaximizeSidecarTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MaximizeCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/IntegrationTests",
            exclude: ["Python"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.0
import PackageDescription

/// The benchmark: a separate package so the main build and CI do not compile its dependencies.
let package = Package(
    name: "maximize-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "maximize-bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/MaximizeBench"
        )
    ],
    swiftLanguageModes: [.v6]
)

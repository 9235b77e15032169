// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets over the parsers and translators: a separate package, built with
/// `-sanitize=fuzzer,address` by `fuzz/run`.
let package = Package(
    name: "maximize-fuzz",
    platforms: [.macOS(.v15)],
    // The repository through a link with a fixed name (made by fuzz/run), so the package identity
    // does not depend on the name of the folder the repository was cloned into.
    dependencies: [.package(path: "root/maximize")],
    targets: [
        .executableTarget(
            name: "fuzz-maximize",
            dependencies: [.product(name: "MaximizeCore", package: "maximize")],
            path: "Sources/FuzzMaximize"
        )
    ],
    swiftLanguageModes: [.v6]
)

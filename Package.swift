// swift-tools-version:6.0
// Skannr: an external port-scanning and exposure-monitoring service.
// C libraries are wrapped in thin system-library modules (C…); everything else is Swift 6.
import PackageDescription

func systemLibrary(_ name: String, pkg: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkg, providers: [.apt([apt])])
}

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

let package = Package(
    name: "Skannr",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "skannr-api", targets: ["skannr-api"]),
        .executable(name: "skannr-scanner", targets: ["skannr-scanner"]),
        .executable(name: "skannr-notifier", targets: ["skannr-notifier"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
    ],
    targets: [
        systemLibrary("CFastCGI", pkg: "fcgi", apt: "libfcgi-dev"),
        systemLibrary("CMariaDB", pkg: "libmariadb", apt: "libmariadb-dev"),
        systemLibrary("COpenSSL", pkg: "openssl", apt: "libssl-dev"),
        systemLibrary("CArgon2", pkg: "libargon2", apt: "libargon2-dev"),
        systemLibrary("CQREncode", pkg: "libqrencode", apt: "libqrencode-dev"),
        systemLibrary("CCurl", pkg: "libcurl", apt: "libcurl4-openssl-dev"),
        systemLibrary("CAres", pkg: "libcares", apt: "libc-ares-dev"),
        // Linux headers Swift's Glibc module lacks (epoll); no library to link.
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),

        // The system-wrapper tier: the one owner of mappings (MappedFile) and raw file I/O.
        .target(name: "SystemIO", dependencies: [.product(name: "Atomics", package: "swift-atomics")]),
        .target(name: "Observability", dependencies: ["SystemIO", logging]),
        .target(name: "SkannrSettings", dependencies: ["SkannrCore"]),
        .target(name: "HTTPMessage"),   // APIRequest/APIResponse: the values FastCGI carries and the API handles
        .target(name: "FastCGI", dependencies: ["CFastCGI", "HTTPMessage", logging]),
        .target(name: "MariaDB", dependencies: ["CMariaDB"]),
        .target(name: "SkannrCrypto", dependencies: ["COpenSSL", "CArgon2", "CQREncode"]),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        .target(name: "SkannrCore", dependencies: ["SkannrCrypto"], exclude: ["Data/README.md"],
                resources: [.embedInCode("Data/top-tcp-ports.txt"), .embedInCode("Data/tcp-service-names.txt")]),   // scripts/gen-top-ports
        .target(name: "SkannrStore", dependencies: ["MariaDB", "SkannrSettings", "SkannrCore", "SkannrCrypto"]),
        .target(name: "ScanEngine", dependencies: ["COpenSSL", "CAres", "CSystem", "SkannrCore"]),
        .target(name: "ScanRunner", dependencies: ["SkannrSettings", "ScanEngine", "SkannrStore", "SkannrCore", "Observability", logging]),
        .target(name: "Billing", dependencies: ["HTTPClient", "SkannrCrypto", "SkannrCore"]),
        .target(name: "Notifications", dependencies: ["SkannrSettings", "HTTPClient", "SkannrStore", "SkannrCore", "ScanEngine", "ScanRunner", "Observability", logging]),
        .target(name: "SkannrAPI", dependencies: ["SkannrSettings", "SystemIO", "HTTPMessage", "SkannrStore", "SkannrCore", "SkannrCrypto", "Billing", "Observability", logging]),
        .executableTarget(name: "skannr-api", dependencies: ["SkannrSettings", "SkannrAPI", "FastCGI", "MariaDB", "SkannrStore", "Observability", argumentParser, logging]),
        .executableTarget(name: "skannr-scanner", dependencies: ["SkannrSettings", "ScanRunner", "SkannrStore", "Observability", argumentParser, logging]),
        .executableTarget(name: "skannr-notifier", dependencies: ["SkannrSettings", "Notifications", "ScanRunner", "Observability", argumentParser, logging]),
        .executableTarget(name: "scan-bench", dependencies: ["ScanEngine"]),   // scripts/bench-scan
        .executableTarget(name: "skannr-retention", dependencies: ["SkannrSettings", "SkannrStore", argumentParser]),

        .target(name: "TestSupport", dependencies: ["HTTPClient", "MariaDB", "SkannrCore"], path: "Tests/TestSupport"),
        .testTarget(name: "SkannrCoreTests", dependencies: ["SkannrCore"]),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability"]),
        .testTarget(name: "SkannrSettingsTests", dependencies: ["SkannrSettings", "SkannrCore"]),
        .testTarget(name: "SkannrCryptoTests", dependencies: ["SkannrCrypto", "HTTPClient", "TestSupport"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"]),
        .testTarget(name: "MariaDBTests", dependencies: ["MariaDB", "TestSupport"]),
        .testTarget(name: "SkannrStoreTests", dependencies: ["SkannrStore", "SkannrCore", "SkannrCrypto", "MariaDB", "TestSupport"]),
        .testTarget(name: "SkannrAPITests", dependencies: ["SkannrAPI", "SkannrSettings", "SkannrStore", "SkannrCore", "FastCGI", "Observability", "MariaDB", "TestSupport"]),
        .testTarget(name: "ScanEngineTests", dependencies: ["ScanEngine", "COpenSSL", "TestSupport"]),
        .testTarget(name: "ScanRunnerTests", dependencies: ["SkannrSettings", "ScanRunner", "TestSupport"]),
        .testTarget(name: "BillingTests", dependencies: ["Billing", "TestSupport"]),
        .testTarget(name: "NotificationsTests", dependencies: ["Notifications", "HTTPClient", "SkannrStore", "SkannrCore", "ScanRunner", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "SkannrCore", "SkannrCrypto", "SkannrAPI"]),   // SkannrAPI: RouteTable for ContractEndpoints
        // Suites that need the stack to themselves (a live scan-runner, injected faults):
        // scripts/test runs this target alone, after the others.
        .testTarget(name: "FaultTests", dependencies: ["TestSupport", "SkannrCore"]),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Yakuba",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "yakuba", targets: ["yakuba"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.115.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "YakubaCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "YakubaInsights",
            dependencies: ["YakubaCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "YakubaApps",
            dependencies: ["YakubaCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The face kiosk's pipeline (detection, landmarks, alignment, embedding): pure Swift, no Foundation.
        .target(
            name: "YakubaFace",
            // optimised in debug builds too: unoptimised, a descriptor takes seconds and the golden tests minutes
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // JPEG and PNG decoding by Debian's libjpeg-turbo and libpng (apt-get install libjpeg62-turbo-dev libpng-dev).
        .target(
            name: "CYakubaImage",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]
        ),
        .target(
            name: "YakubaImageIO",
            dependencies: ["YakubaFace", "CYakubaImage"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "YakubaServer",
            dependencies: [
                "YakubaCore",
                "YakubaFace",
                "YakubaImageIO",
                "YakubaInsights",
                "YakubaApps",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Plot", package: "Plot"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "yakuba",
            dependencies: ["YakubaServer"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YakubaCoreTests",
            dependencies: ["YakubaCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YakubaInsightsTests",
            dependencies: ["YakubaInsights"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YakubaAppsTests",
            dependencies: ["YakubaApps"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YakubaFaceTests",
            dependencies: ["YakubaFace", "YakubaImageIO", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "YakubaServerTests",
            dependencies: [
                "YakubaServer", "YakubaFace", "YakubaImageIO",
                .product(name: "VaporTesting", package: "vapor"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

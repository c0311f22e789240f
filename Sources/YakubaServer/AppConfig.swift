import Foundation
import Vapor

/// Configuration, read once from the environment and passed in. Nothing deeper calls `Environment.get`.
public struct AppConfig: Sendable {
    public enum DatabaseLocation: Sendable, Equatable {
        case sqliteFile(String)
        case postgres(String)
    }

    public var database: DatabaseLocation
    /// Secure cookies (set when served over TLS, directly or behind a proxy)
    public var secureCookies: Bool
    /// the zone days are computed in; the municipality's own setting wins where it has one
    public var defaultTimeZone: TimeZone
    /// how long a batch may wait for more punches before it commits (group commit)
    public var maxBatch: Int
    /// created on first run when the database has no administrator
    public var bootstrapAdmin: Bool
    public var logSQL: Bool
    /// the face kiosk's model files (`scripts/install-face-models`); missing or damaged: the kiosk offers PIN and IC card only
    public var faceModels: String = "face-models"
    /// the key that seals face embeddings: base64 of 32 bytes, or nil to use (and on first use make) `faceKeyFile`
    public var faceKey: String? = nil
    public var faceKeyFile: String? = nil
    /// seconds a face attempt has, from its first face, to pass the head-turn challenge
    public var faceChallengeSeconds: Double = 12
    /// Where the face key is kept: the configured file, else beside the SQLite file, else ./yakuba-face.key.
    public var faceKeyPath: String {
        if let f = faceKeyFile { return f }
        if case .sqliteFile(let path) = database { return path + ".face-key" }
        return "yakuba-face.key"
    }

    public init(database: DatabaseLocation = .sqliteFile("yakuba.sqlite"), secureCookies: Bool = false, defaultTimeZone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!,
                maxBatch: Int = 512, bootstrapAdmin: Bool = true, logSQL: Bool = false) {
        self.database = database; self.secureCookies = secureCookies; self.defaultTimeZone = defaultTimeZone
        self.maxBatch = maxBatch; self.bootstrapAdmin = bootstrapAdmin; self.logSQL = logSQL
    }

    /// `YAKUBA_DATABASE`: a file path (default `yakuba.sqlite`) or a `postgres://` URL. There is no in-memory
    /// mode: the SQLite build has no shared cache, so each pooled connection would see a database of its own.
    /// `YAKUBA_SECURE_COOKIES=1` when served over TLS. `YAKUBA_TIME_ZONE` (default Asia/Tokyo).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> AppConfig {
        var c = AppConfig()
        c.database = parseDatabase(env["YAKUBA_DATABASE"] ?? "yakuba.sqlite")
        c.secureCookies = ["1", "true", "yes"].contains((env["YAKUBA_SECURE_COOKIES"] ?? "").lowercased())
        if let z = env["YAKUBA_TIME_ZONE"], let tz = TimeZone(identifier: z) { c.defaultTimeZone = tz }
        if let b = env["YAKUBA_MAX_BATCH"], let n = Int(b), n > 0 { c.maxBatch = n }
        c.logSQL = env["YAKUBA_LOG_SQL"] == "1"
        // `YAKUBA_FACE_MODELS` (default ./face-models), `YAKUBA_FACE_KEY` or `YAKUBA_FACE_KEY_FILE` (default: beside the
        // SQLite file, `<file>.face-key`; ./yakuba-face.key for PostgreSQL)
        if let m = env["YAKUBA_FACE_MODELS"], !m.isEmpty { c.faceModels = m }
        if let k = env["YAKUBA_FACE_KEY"], !k.isEmpty { c.faceKey = k }
        if let f = env["YAKUBA_FACE_KEY_FILE"], !f.isEmpty { c.faceKeyFile = f }
        return c
    }

    public static func parseDatabase(_ s: String) -> DatabaseLocation {
        if s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") { return .postgres(s) }
        return .sqliteFile(s)
    }

    public var isPostgres: Bool { if case .postgres = database { return true } else { return false } }
}

struct AppConfigKey: StorageKey { typealias Value = AppConfig }

extension Application {
    public var yakubaConfig: AppConfig {
        get { storage[AppConfigKey.self] ?? AppConfig() }
        set { storage[AppConfigKey.self] = newValue }
    }
}

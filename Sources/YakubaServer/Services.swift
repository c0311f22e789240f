import Foundation
import Vapor
import Synchronization
import YakubaCore

/// The long-lived parts of the app, made once in `configure` and shared by every request.
final class YakubaServices: Sendable {
    let writer: LedgerWriter
    let tokens: TokenCache
    let throttle: LoginThrottle
    let config: AppConfig
    /// the 見える化 pages' monthly aggregates, in memory
    let stats = StatsCache()
    /// apps' calculated fields computed again in the background after an expression changed
    let recalculator = AppRecalculator()
    /// the face kiosk: models, enrolments in memory, kiosks, attempts
    let face: FaceService
    private let municipalities = Mutex<[UUID: MunicipalityRow]>([:])
    private let contexts = Mutex<[UUID: MunicipalityContext]>([:])

    /// A municipality with its places and zone decoded once, for the punch path.
    struct MunicipalityContext: Sendable { var row: MunicipalityRow; var places: [String]; var zone: TimeZone }

    func cachedContext(_ id: UUID) -> MunicipalityContext? { contexts.withLock { $0[id] } }

    /// The SQLite file, when the database is one (bulk reads go to it directly).
    var sqlitePath: String? { if case .sqliteFile(let p) = config.database { return p }; return nil }

    func context(_ id: UUID, _ req: Request) async throws -> MunicipalityContext {
        if let c = contexts.withLock({ $0[id] }) { return c }
        let m = try await municipality(id, req)
        let c = MunicipalityContext(row: m, places: m.placeList, zone: m.zone)
        contexts.withLock { $0[id] = c }
        return c
    }

    /// Where notifications also go once committed (a chat bridge later); none by default.
    let notificationHook: (any NotificationHook)?

    init(writer: LedgerWriter, tokens: TokenCache, throttle: LoginThrottle, config: AppConfig, face: FaceService, notificationHook: (any NotificationHook)? = nil) {
        self.face = face; self.writer = writer; self.tokens = tokens; self.throttle = throttle; self.config = config; self.notificationHook = notificationHook
    }

    func municipality(_ id: UUID, _ req: Request) async throws -> MunicipalityRow {
        if let m = municipalities.withLock({ $0[id] }) { return m }
        guard let m = try await MunicipalityRepository.find(req.sql, id: id) else { throw Abort(.forbidden) }
        municipalities.withLock { $0[id] = m }
        return m
    }
    func forgetMunicipality(_ id: UUID) {
        municipalities.withLock { _ = $0.removeValue(forKey: id) }
        contexts.withLock { _ = $0.removeValue(forKey: id) }
    }
}

struct ServicesKey: StorageKey { typealias Value = YakubaServices }
extension Application {
    var yakuba: YakubaServices {
        guard let s = storage[ServicesKey.self] else { fatalError("configure(app) was not called") }
        return s
    }
}
extension Request { var yakuba: YakubaServices { application.yakuba } }

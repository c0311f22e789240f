import Foundation
import Vapor
import Fluent
import FluentSQLiteDriver
import FluentPostgresDriver
import SQLKit
import YakubaCore

/// Builds the app: database, migrations, sessions, middleware, routes, the ledger writer.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.yakubaConfig = config
    let sqlLog: Logger.Level? = config.logSQL ? .info : nil
    func factory() throws -> (DatabaseConfigurationFactory, DatabaseID) {
        switch config.database {
        case .sqliteFile(let path): return (.sqlite(.file(path), sqlLogLevel: sqlLog), .sqlite)
        case .postgres(let url): return (try .postgres(url: url, maxConnectionsPerEventLoop: 4, sqlLogLevel: sqlLog ?? .debug), .psql)
        }
    }
    let (f, dbID) = try factory()
    app.databases.use(f, as: dbID)
    if case .sqliteFile = config.database, let sql = app.db as? any SQLDatabase {
        // WAL: readers do not block the writer; synchronous=FULL: a commit is on disk before we answer 201.
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        try await sql.raw("PRAGMA synchronous=FULL").run()
    }
    app.migrations.add(Migrations.all)
    try await app.autoMigrate()

    app.routes.defaultMaxBodySize = "256kb"
    // no metrics backend is configured, so Vapor's per-request metric labels would be made for nothing
    app.http.server.configuration.reportMetrics = false
    // no client of ours compresses what it sends; one handler fewer on every request
    app.http.server.configuration.requestDecompression = .disabled
    app.sessions.use(.fluent)
    app.sessions.configuration.cookieName = "yakuba_session"
    let secure = config.secureCookies
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(string: id.string, expires: Date().addingTimeInterval(12 * 3600), maxAge: 12 * 3600, path: "/",
                          isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    // The writer has its own connection on its own event loop: its commits are not queued behind HTTP work
    // on the request loops, which is what bounds a group-commit pipeline.
    let writerLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let writerPool = NIOThreadPool(numberOfThreads: 1)
    writerPool.start()
    let writerDatabases = Databases(threadPool: writerPool, on: writerLoop)
    let (wf, _) = try factory()
    writerDatabases.use(wf, as: dbID)
    var store: SQLitePunchStore? = nil
    if case .sqliteFile(let path) = config.database { store = try SQLitePunchStore(path: path) }
    app.lifecycle.use(WriterShutdown(databases: writerDatabases, loop: writerLoop, pool: writerPool, store: store))
    guard let writerDB = writerDatabases.database(logger: app.logger, on: writerLoop.next()) else { throw YakubaError.internal("no writer database") }
    let writer = LedgerWriter(db: writerDB, maxBatch: config.maxBatch, logger: app.logger, direct: store.map { ($0, writerPool) })
    let tokens = TokenCache()
    try await tokens.load(app.db as! any SQLDatabase)
    // the punch cache serves the clock-in page and API: commands (demo, close, calendar, …) do not need it warm
    let command = app.environment.arguments.dropFirst().first
    if command == nil || command == "serve" || command?.hasPrefix("-") == true { try await writer.warm() }
    if case .sqliteFile = config.database {
        // the writer's own connection (records, requests, approvals) keeps 64 MB of pages: an app of 200,000 records has
        // some twenty indexes, and a bulk of 100 touches pages of each; SQLite's default 2 MB cache reread them every time
        try await writer.perform { _, sql in try await sql.raw("PRAGMA cache_size=-65536").run(); return [] }
    }
    // the face kiosk: models and sealed enrolments are read for the server only (commands do not need them)
    let serving = command == nil || command == "serve" || command?.hasPrefix("-") == true
    let face = FaceService(config: config, logger: app.logger, serving: serving)
    app.lifecycle.use(FaceShutdown(face: face))
    if serving { try await face.load(app.db as! any SQLDatabase, logger: app.logger) }
    if serving { face.startSweeping(writer, logger: app.logger) }
    let services = YakubaServices(writer: writer, tokens: tokens, throttle: LoginThrottle(), config: config, face: face)
    app.storage[ServicesKey.self] = services
    // registered after the writer's: stopped before it closes
    app.lifecycle.use(RecalculatorShutdown(recalculator: services.recalculator))
    if command == nil || command == "serve" || command?.hasPrefix("-") == true {
        try await services.recalculator.resume(writer, app.db as! any SQLDatabase, logger: app.logger)
    }

    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .debug))
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ProblemMiddleware())
    app.middleware.use(SessionsUnlessBearer(sessions: app.sessions.middleware))
    app.middleware.use(AuthenticateMiddleware(tokens: tokens))
    try routes(app)
}

func routes(_ app: Application) throws {
    let r = app.routes
    // answered on the request's event loop (no async task): load balancers and monitors call it often
    r.on(.GET, ["healthz"], access: .anonymous, future: { req in
        let res = Response(status: .ok, body: .init(string: "{\"status\":\"ok\"}"))
        res.headers.add(name: .contentType, value: "application/json; charset=utf-8")
        return req.eventLoop.makeSucceededFuture(res)
    })
    Assets.register(r)
    AuthController.register(r, throttle: app.yakuba.throttle)
    PunchController.register(r)
    KioskController.register(r)
    FaceController.register(r)
    OpenAPI.register(r)
    BookController.register(r)
    CorrectionController.register(r)
    OvertimeController.register(r)
    SwapController.register(r)
    TimeOffController.register(r)
    TeamController.register(r)
    DashboardController.register(r)
    IndicatorController.register(r)
    PersonalController.register(r)
    RiskController.register(r)
    ConditionController.register(r)
    RankingController.register(r)
    RosterController.register(r)
    LeaveController.register(r)
    CloseController.register(r)
    CalendarController.register(r)
    RulesController.register(r)
    NotificationController.register(r)
    TodayController.register(r)
    TokenController.register(r)
    AdminController.register(r)
    ImportController.register(r)
    AppAPIController.register(r)
    AppBuilderController.register(r)
    AppsController.register(r)
    AppCSVController.register(r)
    DXDashboardController.register(r)
}

/// Creates the first administrator when the database has none, and prints a one-time password.
public func bootstrapAdministrator(_ app: Application) async throws -> (staffNumber: String, password: String)? {
    let sql = app.db as! any SQLDatabase
    let admins = try await sql.select().column("id").from("staff").where("roles", .like, SQLBind("%admin%")).limit(1).all()
    guard admins.isEmpty else { return nil }
    let muni: MunicipalityRow
    if let m = try await MunicipalityRepository.all(sql).first { muni = m } else {
        muni = Seed.municipality(code: "000001", name: "（未設定）")
        try await Seed.insertMunicipality(app, muni)
    }
    let password = PasswordPolicy.oneTime()
    let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(password)
    let admin = StaffRow(id: UUID(), municipalityId: muni.id, staffNumber: "admin", familyName: "管理者", givenName: "", familyKana: "カンリシャ",
                         givenKana: "", employmentType: EmploymentType.regular.rawValue, departmentId: nil, position: "システム管理者",
                         schedule: Seed.json(WeeklySchedule.standard), startDate: CalendarDate(Date(), in: muni.zone).iso, endDate: nil,
                         active: true, roles: "admin,hr", passwordHash: hash, mustChangePassword: true, locale: "ja", updatedAtMs: nowMs())
    try await StaffWrites.insert(app.yakuba.writer, staff: admin, approverOf: [], actor: nil)
    return ("admin", password)
}

/// Closes the writer's own connection, loop and thread pool when the app shuts down.
struct FaceShutdown: LifecycleHandler {
    let face: FaceService
    func shutdownAsync(_ application: Application) async { face.shutdown() }
}

struct WriterShutdown: LifecycleHandler {
    let databases: Databases
    let loop: MultiThreadedEventLoopGroup
    let pool: NIOThreadPool
    let store: SQLitePunchStore?
    func shutdownAsync(_ application: Application) async {
        await databases.shutdownAsync()
        try? await pool.shutdownGracefully()
        store?.close()
        try? await loop.shutdownGracefully()
    }
}

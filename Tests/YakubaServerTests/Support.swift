import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import NIOCore
@testable import YakubaServer
import YakubaCore

/// One app per test, on its own SQLite file; or, with YAKUBA_TEST_POSTGRES_URL set, on that PostgreSQL
/// database, reset before each test and used by one test at a time.
struct TestCity {
    var app: Application
    var muni: MunicipalityRow
    var deptA: DepartmentRow, deptA1: DepartmentRow, deptB: DepartmentRow
    var admin: StaffRow, hr: StaffRow, approverA: StaffRow, staffA: StaffRow, staffA2: StaffRow, staffB: StaffRow, partTimeA: StaffRow
    /// another municipality in the same installation
    var otherMuni: MunicipalityRow, otherHR: StaffRow
    static let password = "correct-horse-battery"
}

actor PostgresGate {
    static let shared = PostgresGate()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

func withCity(_ body: (TestCity) async throws -> Void) async throws {
    let pgURL = ProcessInfo.processInfo.environment["YAKUBA_TEST_POSTGRES_URL"]
    if pgURL != nil { await PostgresGate.shared.acquire() }
    let app = try await Application.make(.testing)
    let path = NSTemporaryDirectory() + "yakuba-test-\(UUID().uuidString).sqlite"
    do {
        app.passwords.use(.bcrypt(cost: 4))
        var config = AppConfig()
        // the face models when the face suite's data are given (scripts/face-golden), else none: the kiosk then offers PIN and card
        config.faceModels = ProcessInfo.processInfo.environment["YAKUBA_FACE_MODELS"] ?? "/nonexistent-face-models"
        config.faceChallengeSeconds = 3
        config.faceKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        if let url = pgURL {
            config.database = .postgres(url)
            try await resetPostgres(url)
        } else {
            config.database = .sqliteFile(path)
        }
        try await configure(app, config: config)
        let city = try await makeCity(app)
        try await body(city)
    } catch {
        try? await app.asyncShutdown()
        for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
        if pgURL != nil { await PostgresGate.shared.release() }
        throw error
    }
    try await app.asyncShutdown()
    for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
    if pgURL != nil { await PostgresGate.shared.release() }
}

func resetPostgres(_ url: String) async throws {
    let app = try await Application.make(.testing)
    app.databases.use(try .postgres(url: url), as: .psql)
    do {
        let sql = app.db as! any SQLDatabase
        try await sql.raw("DROP SCHEMA IF EXISTS public CASCADE").run()
        try await sql.raw("CREATE SCHEMA public").run()
    } catch { try? await app.asyncShutdown(); throw error }
    try await app.asyncShutdown()
}

func makeCity(_ app: Application) async throws -> TestCity {
    let writer = app.yakuba.writer
    let muni = Seed.municipality(code: "172065", name: "加賀市")
    try await Seed.insertMunicipality(app, muni)
    let other = Seed.municipality(code: "131016", name: "千代田区")
    try await Seed.insertMunicipality(app, other)
    let a = DepartmentRow(id: UUID(), municipalityId: muni.id, parentId: nil, code: "01", name: "総務部", level: 1, active: true)
    let a1 = DepartmentRow(id: UUID(), municipalityId: muni.id, parentId: a.id, code: "0101", name: "人事課", level: 2, active: true)
    let b = DepartmentRow(id: UUID(), municipalityId: muni.id, parentId: nil, code: "02", name: "建設部", level: 1, active: true)
    let ob = DepartmentRow(id: UUID(), municipalityId: other.id, parentId: nil, code: "01", name: "政策経営部", level: 1, active: true)
    try await writer.perform { _, sql in
        try await sql.insert(into: "departments").models([a, a1, b, ob], with: rowEncoder).run()
        return []
    }
    let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(TestCity.password)
    func staff(_ n: String, _ name: String, _ m: UUID, _ d: UUID?, _ roles: String, _ type: EmploymentType = .regular, schedule: WeeklySchedule = .standard) -> StaffRow {
        StaffRow(id: UUID(), municipalityId: m, staffNumber: n, familyName: name, givenName: "太郎", familyKana: "テスト", givenKana: "タロウ",
                 employmentType: type.rawValue, departmentId: d, position: "主事", schedule: Seed.json(schedule), startDate: "2020-04-01",
                 endDate: nil, active: true, roles: roles, passwordHash: hash, mustChangePassword: false, locale: "ja", updatedAtMs: 1)
    }
    let admin = staff("A001", "管理", muni.id, nil, "admin")
    let hr = staff("H001", "人事", muni.id, a1.id, "hr")
    let approver = staff("M001", "課長", muni.id, a.id, "approver")
    let sa = staff("S001", "職員", muni.id, a1.id, "")
    let sa2 = staff("S002", "同僚", muni.id, a1.id, "")
    let sb = staff("S101", "他部", muni.id, b.id, "")
    let pt = staff("P001", "短時間", muni.id, a1.id, "", .fiscalYearPartTime,
                   schedule: .make(weekdays: [1, 2, 3, 4, 5], day: DailySchedule(start: 540, end: 960, breakWindow: MinuteRange(start: 720, end: 780))))
    let ohr = staff("H001", "他市人事", other.id, ob.id, "hr")
    for s in [admin, hr, approver, sa, sa2, sb, pt, ohr] {
        try await StaffWrites.insert(writer, staff: s, approverOf: s.id == approver.id ? [a.id] : [], actor: nil)
    }
    return TestCity(app: app, muni: muni, deptA: a, deptA1: a1, deptB: b, admin: admin, hr: hr, approverA: approver, staffA: sa, staffA2: sa2,
                    staffB: sb, partTimeA: pt, otherMuni: other, otherHR: ohr)
}

/// A browser-like client: keeps the session cookie and reads CSRF tokens from pages.
final class Browser: @unchecked Sendable {
    let app: Application
    var cookie: String?
    var csrf: String?
    var lang: String?

    init(_ app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var h = headers
        h.replaceOrAdd(name: .accept, value: "text/html")
        if let c = cookie { h.replaceOrAdd(name: .cookie, value: c) }
        let res = try await app.testing().sendRequest(.GET, path, headers: h)
        absorb(res)
        return res
    }

    @discardableResult
    func post(_ path: String, _ form: [String: String], csrf useCSRF: Bool = true) async throws -> TestingHTTPResponse {
        let (h, body) = formPost(form, csrf: useCSRF)
        let res = try await app.testing().sendRequest(.POST, path, headers: h, body: ByteBuffer(string: body))
        absorb(res)
        return res
    }

    /// The headers and url-encoded body of a form post with the session cookie and (unless told not to) the CSRF token.
    func formPost(_ form: [String: String], csrf useCSRF: Bool = true) -> (HTTPHeaders, String) {
        var h: HTTPHeaders = [:]
        h.replaceOrAdd(name: .accept, value: "text/html")
        h.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
        if let c = cookie { h.replaceOrAdd(name: .cookie, value: c) }
        var f = form
        if useCSRF, f["_csrf"] == nil, let t = csrf { f["_csrf"] = t }
        return (h, f.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
    }

    func absorb(_ res: TestingHTTPResponse) { absorb(headers: res.headers, body: res.body.string) }

    func absorb(headers: HTTPHeaders, body: String) {
        for v in headers[.setCookie] {
            let pair = v.split(separator: ";")[0]
            if pair.hasPrefix("yakuba_session=") {
                cookie = v.contains("Max-Age=0") || v.contains("1970") ? nil : String(pair)
            }
        }
        if let r = body.range(of: "name=\"_csrf\" value=\"") {
            let rest = body[r.upperBound...]
            if let end = rest.firstIndex(of: "\"") { csrf = String(rest[..<end]) }
        }
    }

    /// A multipart form (fields and files) with the session cookie and the CSRF token, as a browser sends a file upload.
    @discardableResult
    func postMultipart(_ path: String, _ fields: [(String, String)], files: [(field: String, filename: String, type: String, bytes: [UInt8])]) async throws -> TestingHTTPResponse {
        let boundary = "----yakuba\(UUID().uuidString)"
        var body = ByteBuffer()
        for (k, v) in fields + [("_csrf", csrf ?? "")] { body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n") }
        for f in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.field)\"; filename=\"\(f.filename)\"\r\nContent-Type: \(f.type)\r\n\r\n")
            body.writeBytes(f.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        var h: HTTPHeaders = [:]
        h.replaceOrAdd(name: .accept, value: "text/html")
        h.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        if let c = cookie { h.replaceOrAdd(name: .cookie, value: c) }
        let res = try await app.testing().sendRequest(.POST, path, headers: h, body: body)
        absorb(res)
        return res
    }

    func login(_ number: String, _ password: String = TestCity.password) async throws -> TestingHTTPResponse {
        try await get("/login")
        return try await post("/login", ["staff_number": number, "password": password])
    }
}

extension TestingHTTPResponse {
    var location: String? { headers.first(name: .location) }
}

/// JSON API calls with a bearer token.
func api(_ app: Application, _ method: HTTPMethod, _ path: String, token: String?, json: String? = nil, headers extra: [(String, String)] = []) async throws -> TestingHTTPResponse {
    var h: HTTPHeaders = [:]
    if let t = token { h.replaceOrAdd(name: .authorization, value: "Bearer \(t)") }
    if json != nil { h.replaceOrAdd(name: .contentType, value: "application/json") }
    for (k, v) in extra { h.replaceOrAdd(name: k, value: v) }
    return try await app.testing().sendRequest(method, path, headers: h, body: json.map { ByteBuffer(string: $0) })
}

func token(_ city: TestCity, _ staff: StaffRow) async throws -> String {
    try await TokenController.issue(city.app.yakuba, staff: staff, name: "test", actor: staff.id)
}

func decodeJSON<T: Decodable>(_ res: TestingHTTPResponse, as: T.Type) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(res.body.string.utf8))
}

import Foundation
import Testing
import Vapor
import VaporTesting
@testable import YakubaServer
import YakubaCore

@Suite("Sign-in, sessions, CSRF, throttling")
struct AuthTests {
    @Test func loginSucceedsAndSetsAHardenedCookie() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            let page = try await b.get("/login")
            #expect(page.status == .ok)
            let cookie = page.headers[.setCookie].first { $0.hasPrefix("yakuba_session=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            let res = try await b.post("/login", ["staff_number": "S001", "password": TestCity.password])
            #expect(res.status == .seeOther)
            #expect(res.location == "/punch")
            let punch = try await b.get("/punch")
            #expect(punch.status == .ok)
            #expect(punch.body.string.contains("出勤"))
        }
    }

    @Test func aFormThatArrivesInManyReadsKeepsItsCSRFToken() async throws {
        // over a real socket a form of more than a couple of kilobytes comes in several reads; its token must still be
        // found (it was once read before the body was there, and the form refused as expired)
        try await withCity { city in
            let app = city.app
            app.http.client.configuration.redirectConfiguration = .disallow
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let base = "http://127.0.0.1:\(try #require(app.http.server.shared.localAddress?.port))"
            let hr = Browser(app)
            func send(_ method: HTTPMethod, _ path: String, _ form: [String: String] = [:]) async throws -> HTTPStatus {
                var headers: HTTPHeaders = [:]
                if let c = hr.cookie { headers.replaceOrAdd(name: .cookie, value: c) }
                var body: String? = nil
                if method == .POST { (headers, body) = hr.formPost(form) }
                let res = try await app.client.send(method, headers: headers, to: URI(string: base + path)) { req in
                    if let body { req.body = ByteBuffer(string: body) }
                }
                hr.absorb(headers: res.headers, body: res.body.map { String(buffer: $0) } ?? "")
                return res.status
            }
            do {
                #expect(try await send(.GET, "/login") == .ok)
                #expect(try await send(.POST, "/login", ["staff_number": "H001", "password": TestCity.password, "padding": String(repeating: "あ", count: 20_000)]) == .seeOther,
                        "a 60 kB sign-in form")
                #expect(try await send(.GET, "/admin/leave-types") == .ok)
                var form = LeaveCatalogue.formValues(LeaveCatalogue.common)
                form["summer-yearly"] = "4"
                form["padding"] = String(repeating: "x", count: 100_000)
                #expect(try await send(.POST, "/admin/leave-types", form) == .seeOther)
                #expect(LeaveCatalogue.find("summer", in: try #require(try await MunicipalityRepository.find(app.db.sql, id: city.muni.id)).leaveTypes)?.yearlyLimitDays == 4)
                // beyond the limit: refused as too large, not as expired and not with a 500
                form["padding"] = String(repeating: "x", count: 300_000)
                #expect(try await send(.POST, "/admin/leave-types", form) == .payloadTooLarge)
            } catch {
                Issue.record(error)
            }
            await app.server.shutdown()
        }
    }

    @Test func sessionIdChangesAtSignIn() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.get("/login")
            let before = b.cookie
            try await b.post("/login", ["staff_number": "S001", "password": TestCity.password])
            #expect(b.cookie != nil)
            #expect(b.cookie != before)
        }
    }

    @Test func wrongPasswordIsRefusedWithAMessage() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            let res = try await b.login("S001", "wrong-password")
            #expect(res.status == .unauthorized)
            #expect(res.body.string.contains("職員番号またはパスワードが違います"))
            #expect(try await b.get("/punch").status == .seeOther)
        }
    }

    @Test func emptyFieldsAreRefused() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.get("/login")
            let res = try await b.post("/login", ["staff_number": "", "password": ""])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("入力してください"))
        }
    }

    @Test func loginIsThrottledPerAccount() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            for _ in 0..<5 { _ = try await b.login("S002", "nope-nope-nope") }
            // even the right password waits now
            let res = try await b.login("S002")
            #expect(res.status == .tooManyRequests)
            // another account is not affected
            #expect(try await Browser(city.app).login("S001").status == .seeOther)
        }
    }

    @Test func formPostWithoutCSRFTokenIsRefused() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.login("S001")
            let res = try await b.post("/punch", ["kind": "in", "place": "本庁舎", "_csrf": "forged"])
            #expect(res.status == .forbidden)
            let rows = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(rows.isEmpty)
        }
    }

    @Test func firstSignInMustChangeThePassword() async throws {
        try await withCity { city in
            let admin = try await bootstrapAdministrator(city.app)
            #expect(admin == nil, "an administrator exists already, so none is created")
            // a staff member created by HR gets a one-time password and must change it
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/staff/new")
            let created = try await hr.post("/admin/staff", ["staff_number": "N001", "family_name": "新人", "given_name": "花子", "family_kana": "シンジン",
                                                             "given_kana": "ハナコ", "employment_type": "regular", "department": city.deptA1.id.uuidString,
                                                             "position": "主事", "weekdays": "月-金", "start": "8:30", "end": "17:15", "break_minutes": "60",
                                                             "start_date": "2025-04-01"])
            #expect(created.status == .seeOther)
            let list = try await hr.get("/admin/staff")
            let text = list.body.string
            let pw = try #require(text.range(of: "初回パスワード：").map { String(text[$0.upperBound...].prefix(16)) })
            let n = Browser(city.app)
            let res = try await n.login("N001", pw)
            #expect(res.location == "/password")
            #expect(try await n.get("/punch").location == "/password")
            try await n.get("/password")
            let weak = try await n.post("/password", ["current": pw, "new_password": "short", "confirm": "short"])
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.body.string.contains("12文字以上"))
            let ok = try await n.post("/password", ["current": pw, "new_password": "a-much-longer-password", "confirm": "a-much-longer-password"])
            #expect(ok.status == .ok)
            #expect(try await n.get("/punch").status == .ok)
        }
    }

    @Test func bootstrapCreatesAnAdministratorOnAnEmptyDatabase() async throws {
        let app = try await Application.make(.testing)
        let path = NSTemporaryDirectory() + "yakuba-boot-\(UUID().uuidString).sqlite"
        do {
            app.passwords.use(.bcrypt(cost: 4))
            try await configure(app, config: AppConfig(database: .sqliteFile(path)))
            let first = try #require(try await bootstrapAdministrator(app))
            #expect(first.password.count == 16)
            #expect(try await bootstrapAdministrator(app) == nil)
            let b = Browser(app)
            #expect(try await b.login("admin", first.password).location == "/password")
        } catch { try? await app.asyncShutdown(); throw error }
        try await app.asyncShutdown()
        for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
    }
}

@Suite("API token keys")
struct TokenKeyTests {
    /// Tokens are stored as SHA-256 hex and looked up in memory by the digest's bytes: the two must name the same key.
    @Test func theStoredHexAndTheDigestGiveTheSameKey() {
        for _ in 0..<50 {
            let token = TokenCache.newToken()
            let hex = TokenCache.hash(token)
            #expect(TokenCache.Key(hex: hex) == TokenCache.Key(TokenCache.digest(token)))
            #expect(TokenCache.Key(hex: hex.uppercased()) == TokenCache.Key(TokenCache.digest(token)))
            #expect(TokenCache.Key(hex: TokenCache.hash(token + "x")) != TokenCache.Key(TokenCache.digest(token)))
        }
        #expect(TokenCache.Key(hex: "") == nil)
        #expect(TokenCache.Key(hex: String(repeating: "g", count: 64)) == nil)
        #expect(TokenCache.Key(hex: String(repeating: "a", count: 63)) == nil)
    }
}

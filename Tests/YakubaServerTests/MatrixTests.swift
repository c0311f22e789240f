import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaApps

/// The authorization matrix: every route the server registers, called by every kind of caller, against one table.
/// A route missing from the table, or a table entry without a route, fails the test.
@Suite("Authorization matrix")
struct MatrixTests {
    /// Callers, in the order of the letters in `expected`.
    enum Caller: Int, CaseIterable, CustomStringConvertible {
        case anonymous, staff, otherDepartmentStaff, approver, hr, admin, otherMunicipalityHR
        var description: String { ["anonymous", "staff", "staff of another department", "approver", "HR", "admin", "HR of another municipality"][rawValue] }
    }

    /// A = allowed (reaches the handler: 2xx, a redirect elsewhere, or a validation error), S = sent to sign in
    /// (303 to /login for a page, 401 otherwise), F = forbidden (403), H = hidden (404: outside the caller's scope).
    /// Letters per caller: anonymous, staff (人事課), staff of 建設部, approver of 総務部, HR, admin, HR of 千代田区.
    /// Targets: `:staffId` is the 人事課 staff member; `/admin/staff/:id` a colleague of theirs; `:id` of a correction
    /// is one the 人事課 staff member asked for; `:id` of a token is the colleague's.
    static let expected: [String: String] = [
        "GET /": "AAAAAAA", "GET /login": "AAAAAAA", "POST /login": "AAAAAAA", "GET /healthz": "AAAAAAA",
        "GET /assets/app.css": "AAAAAAA", "GET /assets/app.js": "AAAAAAA", "GET /api/openapi.json": "AAAAAAA",

        "GET /punch": "SAAAAAA", "POST /punch": "SAAAAAA", "GET /password": "SAAAAAA", "POST /password": "SAAAAAA",
        "GET /corrections": "SAAAAAA", "GET /corrections/new": "SAAAAAA", "POST /corrections": "SAAAAAA",
        "GET /tokens": "SAAAAAA", "POST /tokens": "SAAAAAA", "POST /logout": "SAAAAAA",
        "GET /api/v1/me": "SAAAAAA", "POST /api/v1/punches": "SAAAAAA",

        "GET /books/:staffId": "SAHAAAH", "GET /books/:staffId/print": "SAHAAAH", "GET /books/:staffId/csv": "SAHAAAH",
        "GET /api/v1/punches": "SAHAAAH", "GET /api/v1/days": "SAHAAAH",
        "POST /tokens/:id/revoke": "SHHHHAH",

        "GET /books": "SFFAAAA", "GET /today": "SFFAAAA", "GET /team": "SFFAAAA",
        "GET /dashboard": "SFFFAAA", "GET /dashboard/people": "SFFFAAA", "GET /risk": "SFFAAAA", "GET /admin/risk": "SFFFAAA",
        "POST /admin/risk": "SFFFAAA", "GET /rankings": "SAAAAAA", "GET /stats/status": "SFFAAAA",
        // sensitive personal data and the indicators made from it: the 人事課 only, not the system administrator
        "GET /indicators": "SFFFAFA", "GET /indicators.csv": "SFFFAFA", "GET /admin/rank-classes": "SFFFAFA", "POST /admin/rank-classes": "SFFFAFA",
        "GET /admin/staff/:id/personal": "SFFFAFH", "POST /admin/staff/:id/personal/sex": "SFFFAFH", "POST /admin/staff/:id/personal/births": "SFFFAFH",
        "POST /admin/staff/:id/personal/births/withdraw": "SFFFAFH",
        "GET /condition": "SAAAAAA", "GET /condition/departments": "SFFAAFA", "POST /admin/condition": "SFFFAAA",
        "POST /books/:staffId/proxy-punch": "SFFAAAH", "POST /corrections/:id/decision": "SFFAAAH",

        "GET /admin/staff": "SFFFAAA", "GET /admin/staff/new": "SFFFAAA", "POST /admin/staff": "SFFFAAA",
        "GET /admin/departments": "SFFFAAA", "POST /admin/departments": "SFFFAAA",
        "GET /admin/import": "SFFFAAA", "GET /admin/import/template.csv": "SFFFAAA", "POST /admin/import": "SFFFAAA",
        "GET /admin/staff/:id/edit": "SFFFAAH", "POST /admin/staff/:id": "SFFFAAH", "POST /admin/staff/:id/password": "SFFFAAH",

        "GET /admin/municipality": "SFFFFAF", "POST /admin/municipality": "SFFFFAF",

        "GET /overtime": "SAAAAAA", "GET /overtime/new": "SFFAAAA", "POST /overtime": "SFFAAAA",
        "POST /overtime/:id/report": "SAHFFFH", "POST /overtime/:id/confirm": "SFFAAAH", "POST /overtime/:id/cancel": "SFFAAAH",
        "GET /overtime/time-off": "SAAAAAA", "POST /overtime/time-off": "SFFAAAA", "POST /overtime/time-off/:id/accept": "SAHFFFH",
        "POST /overtime/time-off/:id/decline": "SAHFFFH", "POST /overtime/time-off/:id/cancel": "SFFAAAH",
        "GET /swaps": "SFFAAAA", "POST /swaps": "SFFAAAA", "POST /swaps/:id/cancel": "SFFHHHH",
        "GET /roster": "SFFAAAA", "POST /roster": "SFFAAAA",
        "GET /admin/shift-patterns": "SFFFAAA", "POST /admin/shift-patterns": "SFFFAAA", "POST /admin/shift-patterns/remove": "SFFFHHH",
        "POST /overtime/exemptions": "SFFFAAA", "POST /overtime/analyses": "SFFAAAA", "POST /admin/departments/workload": "SFFFAAA", "POST /admin/departments/employer": "SFFFAAA",

        "GET /leave": "SAAAAAA", "GET /leave/new": "SAAAAAA", "POST /leave": "SAAAAAA", "GET /approvals": "SAAAAAA",
        "POST /leave/:id/withdraw": "SAHFFFH", "POST /leave/:id/decision": "SFHAFFH", "GET /leave/book/:staffId": "SAHAAAH",
        "POST /approvals/delegations": "SFFAAAA", "GET /admin/routes": "SFFFAAA", "POST /admin/routes": "SFFFAAA",
        "GET /notifications": "SAAAAAA", "GET /calendar": "SAAAAAA", "POST /calendar/days": "SFFFAAA", "POST /calendar/days/remove": "SFFFAAA",
        "GET /admin/rules": "SFFFAAA", "POST /admin/rules": "SFFFAAA", "GET /admin/leave-types": "SFFFAAA", "POST /admin/leave-types": "SFFFAAA",
        "GET /close": "SFFFAAA", "POST /close": "SFFFAAA", "POST /close/reopen": "SFFFAAA", "GET /close/payroll.csv": "SFFFAAA",

        // the app engine: `:code` is the shipped デジタル化相談案件 (everyone may view, add and edit; only the DX office —
        // nobody here — deletes), `:id` a request the 人事課 staff member filed: their own department and its 所属長 see it,
        // 建設部 and the administrator (no department, not in the DX office) do not
        "GET /api/v1/apps": "SAAAAAA", "GET /api/v1/apps/:code": "SAAAAAH", "GET /api/v1/apps/:code/records": "SAAAAAH", "GET /api/v1/apps/:code/aggregate": "SAAAAAH",
        "POST /api/v1/apps/:code/records": "SAAAAAH", "PATCH /api/v1/apps/:code/records": "SAAAAAH",
        "GET /api/v1/apps/:code/records/:id": "SAHAAHH", "PATCH /api/v1/apps/:code/records/:id": "SAAAAAH",
        "DELETE /api/v1/apps/:code/records/:id": "SFFFFHH", "POST /api/v1/apps/:code/records/:id/actions": "SAAAAAH",
        "POST /api/v1/apps/:code/records/:id/comments": "SAAAAAH",
        "GET /apps": "SAAAAAA", "GET /apps/:code": "SAAAAAH", "GET /apps/:code/records/new": "SAAAAAH", "POST /apps/:code/records": "SAAAAAH",
        "GET /apps/:code/records/:id": "SAHAAHH", "GET /apps/:code/records/:id/edit": "SAHHHHH", "POST /apps/:code/records/:id": "SAHHHHH",
        "POST /apps/:code/records/:id/actions": "SAHAAHH", "POST /apps/:code/records/:id/comments": "SAHAAHH",
        // building apps: the DX office role (nobody here) and the administrator; an app's settings: whoever manages it
        "GET /apps/build": "SFFFFAF", "POST /apps/build": "SFFFFAF", "GET /apps/import": "SFFFFAF", "POST /apps/import": "SFFFFAF",
        // the DX dashboard: whoever sees the request app; the target is set by the DX office or the administrator
        "GET /dx": "SAAAAAH", "POST /dx/target": "SFFFFAH",
        "GET /apps/:code/settings": "SFFFFAH", "POST /apps/:code/settings": "SFFFFAH", "GET /apps/:code/template.json": "SFFFFAH",
        // CSV of records: export and import rights (the request app gives them to the DX office only)
        "GET /apps/:code/csv": "SFFFFAH", "GET /apps/:code/records.csv": "SFFFFAH", "POST /apps/:code/csv": "SFFFFAH",
        // a file: only through a record holding it (none here: 404 for everyone who may see the app)
        "GET /apps/:code/files/:file": "SHHHHHH",

        // the face kiosk: its page is public (it holds nothing); its API answers a registered kiosk's token only, never a person
        "GET /kiosk": "AAAAAAA", "GET /assets/kiosk.js": "AAAAAAA",
        "GET /api/v1/kiosk": "SSSSSSS", "POST /api/v1/kiosk/attempts": "SSSSSSS", "POST /api/v1/kiosk/attempts/:attempt/frames": "SSSSSSS",
        "POST /api/v1/kiosk/attempts/:attempt/punch": "SSSSSSS",
        // one's own enrolment and PIN; HR's list of who is enrolled (never the data) and IC cards; the administrator's devices
        "GET /face": "SAAAAAA", "POST /face/enrol": "SAAAAAA", "POST /face/withdraw": "SAAAAAA", "POST /face/pin": "SAAAAAA",
        "GET /admin/face": "SFFFAAA", "POST /admin/face/:staff/delete": "SFFFAAH", "POST /admin/face/cards": "SFFFAAA",
        "GET /admin/kiosks": "SFFFFAF", "POST /admin/kiosks": "SFFFFAF", "POST /admin/kiosks/:id/revoke": "SFFFFHF",
        // unverified face punches: managers and HR review those in their scope (none here: 404)
        "GET /kiosk-reviews": "SFFAAAA", "POST /kiosk-reviews/:punch": "SFFHHHH", "GET /kiosk-reviews/:punch/photo": "SFFHHHH",
        // the smile score: one's own choice (409 where the municipality does not use it); the options: the administrator's
        "POST /face/smile": "SAAAAAA", "POST /admin/kiosks/settings": "SFFFFAF",
    ]

    static func key(_ r: Route) -> String { "\(r.method.rawValue) /" + r.path.map(\.description).joined(separator: "/") }

    @Test func everyRouteForEveryCaller() async throws {
        try await withCity { city in
            let routes = city.app.routes.all
            let keys = Set(routes.map(Self.key))
            #expect(keys.subtracting(Self.expected.keys).isEmpty, "routes missing from the matrix: \(keys.subtracting(Self.expected.keys).sorted())")
            #expect(Set(Self.expected.keys).subtracting(keys).isEmpty, "matrix entries without a route: \(Set(Self.expected.keys).subtracting(keys).sorted())")

            // the other municipality's HR shares the staff number H001; a password of its own tells the two apart
            let otherPassword = "other-city-password-1"
            let otherHash = try await city.app.password.async(on: city.app.threadPool, hopTo: city.app.eventLoopGroup.next()).hash(otherPassword)
            let otherHR = city.otherHR
            try await city.app.yakuba.writer.perform { _, sql in
                try await sql.update("staff").set("password_hash", to: SQLBind(otherHash)).where("id", .equal, SQLBind(otherHR.id)).run()
                return []
            }
            // targets
            let target = city.staffA, colleague = city.staffA2
            let correctionId = try await Self.requestCorrection(city)
            let colleagueToken = try await TokenController.issue(city.app.yakuba, staff: colleague, name: "colleague", actor: colleague.id)
            _ = colleagueToken
            let leaveToWithdraw = try await LeaveTests.placeRequest(city, staff: target, date: LeaveTests.workDay(city, after: 3))
            let leaveToDecide = try await LeaveTests.placeRequest(city, staff: target, date: LeaveTests.workDay(city, after: 10))
            let orderId = try await OvertimeTests.placeOrder(city, staff: target, date: CalendarDate(Date(), in: city.muni.zone), start: 1035, end: 1155)
            // an offer of 超勤代休時間 to the 人事課 staff member, next week
            let timeOffId = UUID.timeOrdered()
            let offer = TimeOffRow(id: timeOffId, municipalityId: city.muni.id, staffId: target.id, sourceMonth: YearMonth(CalendarDate(Date(), in: city.muni.zone)).previous.iso,
                                   date: LeaveTests.workDay(city, after: 7).iso, part: "start", minutes: 240, topUpMinutes: 0, note: "",
                                   offeredBy: city.approverA.id, offeredAtMs: nowMs())
            try await city.app.yakuba.writer.perform { _, sql in try await sql.insert(into: "overtime_time_off").model(offer, with: rowEncoder).run(); return [] }
            let tokenId = try await city.app.db.sql.select().column("id").from("api_tokens").where("staff_id", .equal, SQLBind(colleague.id))
                .first(decodingColumn: "id", as: UUID.self)!

            try await AppAPITests.install(city)
            let appRecord = try decodeJSON(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: try await token(city, target),
                                                         json: AppAPITests.request(city)), as: AppAPITests.Rec.self).id

            let people: [Caller: StaffRow] = [.staff: target, .otherDepartmentStaff: city.staffB, .approver: city.approverA, .hr: city.hr,
                                              .admin: city.admin, .otherMunicipalityHR: otherHR]
            var failures: [String] = []
            for caller in Caller.allCases {
                let browser = Browser(city.app)
                var bearer: String? = nil
                if let who = people[caller] {
                    let res = try await browser.login(who.staffNumber, caller == .otherMunicipalityHR ? otherPassword : TestCity.password)
                    #expect(res.status == .seeOther, "\(caller) signs in")
                    bearer = try await token(city, who)
                }
                // signing out ends the session, so it comes last
                for route in routes.sorted(by: { (Self.key($0) == "POST /logout" ? 1 : 0, Self.key($0)) < (Self.key($1) == "POST /logout" ? 1 : 0, Self.key($1)) }) {
                    let key = Self.key(route)
                    guard let letters = Self.expected[key] else { continue }
                    let want = Array(letters)[caller.rawValue]
                    var path = "/" + route.path.map { c -> String in
                        guard case .parameter(let name) = c else { return c.description }
                        switch (name, key) {
                        case ("staffId", _): return target.id.uuidString
                        case ("code", _): return ShippedApps.requestsCode
                        case ("id", let k) where k.contains("/apps/"): return appRecord
                        case ("id", let k) where k.hasPrefix("POST /corrections"): return correctionId.uuidString
                        case ("id", let k) where k.hasPrefix("POST /tokens"): return tokenId.uuidString
                        case ("id", let k) where k.hasPrefix("POST /overtime/time-off"): return timeOffId.uuidString
                        case ("id", let k) where k.hasPrefix("POST /overtime"): return orderId.uuidString
                        case ("id", "POST /leave/:id/withdraw"): return leaveToWithdraw.uuidString
                        case ("id", "POST /leave/:id/decision"): return leaveToDecide.uuidString
                        default: return colleague.id.uuidString
                        }
                    }.joined(separator: "/")
                    if key == "GET /api/v1/punches" || key == "GET /api/v1/days" { path += "?staff_id=\(target.id)" }
                    let res: TestingHTTPResponse
                    if path.hasPrefix("/api/v1/") {
                        res = try await api(city.app, route.method, path, token: bearer, json: route.method == .POST ? "{}" : nil)
                    } else if route.method == .GET {
                        res = try await browser.get(path)
                    } else {
                        // a fresh CSRF token from a page with a form, then an empty form: allowed callers get a validation answer
                        try await browser.get(caller == .anonymous ? "/login" : "/password")
                        res = try await browser.post(path, [:])
                    }
                    let got: Character
                    switch res.status.code {
                    case 401: got = "S"
                    case 303 where res.location?.hasPrefix("/login") == true && caller == .anonymous && !letters.allSatisfy({ $0 == "A" }): got = "S"
                    case 403: got = "F"
                    case 404: got = "H"
                    case 500...: got = "!"
                    default: got = "A"
                    }
                    if got != want { failures.append("\(key) as \(caller): expected \(want), got \(got) (\(res.status.code))") }
                }
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }

    /// A correction asked for by the 人事課 staff member (a missing clock-out yesterday).
    static func requestCorrection(_ city: TestCity) async throws -> UUID {
        let day = try await CorrectionTests().forgottenClockOut(city)
        let b = Browser(city.app)
        try await b.login(city.staffA.staffNumber)
        try await b.get("/corrections/new")
        let res = try await b.post("/corrections", ["action": "add", "kind": "out", "date": day.iso, "time": "17:15", "reason": "退勤の打刻を忘れました"])
        #expect(res.status == .seeOther, "correction requested: \(res.status) \(res.body.string.prefix(300))")
        return try await city.app.db.sql.select().column("id").from("corrections").where("staff_id", .equal, SQLBind(city.staffA.id))
            .first(decodingColumn: "id", as: UUID.self)!
    }
}

@Suite("OpenAPI document")
struct OpenAPITests {
    /// Every JSON route is documented at /api/openapi.json, and nothing the server lacks is.
    @Test func documentsEveryAPIRoute() async throws {
        try await withCity { city in
            let api = Set(city.app.routes.all.filter { $0.path.first?.description == "api" }.map(MatrixTests.key))
            #expect(api == OpenAPI.operations)
            let res = try await city.app.testing().sendRequest(.GET, "/api/openapi.json")
            #expect(res.status == .ok)
            let doc = try JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [String: Any]
            let paths = doc?["paths"] as? [String: [String: Any]] ?? [:]
            // OpenAPI writes a path parameter as {code}, Vapor as :code
            let documented = Set(paths.flatMap { path, ops in ops.keys.map { "\($0.uppercased()) \(path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: ""))" } })
            #expect(documented == OpenAPI.operations)
        }
    }
}

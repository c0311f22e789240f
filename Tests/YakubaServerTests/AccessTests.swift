import Foundation
import Testing
import Vapor
import VaporTesting
@testable import YakubaServer
import YakubaCore

@Suite("Authorization: deny by default, scoped views")
struct AccessTests {
    @Test func everyRouteDeclaresWhoMayCallIt() async throws {
        try await withCity { city in
            let undeclared = city.app.routes.all.filter { $0.userInfo["access"] as? Access == nil }
            #expect(undeclared.isEmpty, "routes without an access rule: \(undeclared.map { "\($0.method) /\($0.path.map(\.description).joined(separator: "/"))" })")
            let anonymous = city.app.routes.all.filter { if case .anonymous = $0.userInfo["access"] as? Access { true } else { false } }
                .map { "/" + $0.path.map(\.description).joined(separator: "/") }
            #expect(Set(anonymous) == ["/healthz", "/assets/app.css", "/assets/app.js", "/login", "/", "/api/openapi.json", "/kiosk", "/assets/kiosk.js"])
        }
    }

    @Test func anonymousCallersAreSentToSignInOrRefused() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            for path in ["/punch", "/books", "/books/\(city.staffA.id)", "/corrections", "/today", "/admin/staff", "/tokens"] {
                let res = try await b.get(path)
                #expect(res.status == .seeOther, "\(path)")
                #expect(res.location?.hasPrefix("/login") == true)
            }
            #expect(try await api(city.app, .GET, "/api/v1/punches", token: nil).status == .unauthorized)
            #expect(try await b.post("/corrections", ["reason": "x"], csrf: false).status == .unauthorized)
        }
    }

    /// (who, whose book) → may see
    @Test func attendanceBooksAreScoped() async throws {
        try await withCity { city in
            let cases: [(StaffRow, StaffRow, Bool)] = [
                (city.staffA, city.staffA, true), (city.staffA, city.staffA2, false), (city.staffA, city.staffB, false),
                (city.approverA, city.staffA, true), (city.approverA, city.partTimeA, true), (city.approverA, city.staffB, false),
                (city.hr, city.staffB, true), (city.hr, city.staffA, true), (city.admin, city.staffB, true),
                (city.otherHR, city.staffA, false),
            ]
            for (who, whose, allowed) in cases {
                let t = try await token(city, who)
                let res = try await api(city.app, .GET, "/api/v1/days?staff_id=\(whose.id)", token: t)
                #expect((res.status == .ok) == allowed, "\(who.familyName) → \(whose.familyName): \(res.status)")
                if !allowed { #expect(res.status == .notFound) }
                let b = Browser(city.app)
                // the other municipality's HR shares the number H001: sign in works for the matching password only
                if who.municipalityId == city.muni.id {
                    try await b.login(who.staffNumber)
                    #expect((try await b.get("/books/\(whose.id)").status == .ok) == allowed)
                    #expect((try await b.get("/books/\(whose.id)/csv").status == .ok) == allowed)
                }
            }
        }
    }

    @Test func roleRestrictedPages() async throws {
        try await withCity { city in
            let staff = Browser(city.app)
            try await staff.login("S001")
            for path in ["/books", "/today", "/admin/staff", "/admin/departments"] {
                #expect(try await staff.get(path).status == .forbidden, "\(path)")
            }
            let approver = Browser(city.app)
            try await approver.login("M001")
            #expect(try await approver.get("/books").status == .ok)
            #expect(try await approver.get("/today").status == .ok)
            #expect(try await approver.get("/admin/staff").status == .forbidden)
            let list = try await approver.get("/books").body.string
            #expect(list.contains("職員"))           // 総務部 staff
            #expect(!list.contains("他部"))          // 建設部 is not theirs
            let hr = Browser(city.app)
            try await hr.login("H001")
            let all = try await hr.get("/books").body.string
            #expect(all.contains("他部"))
            #expect(!all.contains("他市人事"))        // never another municipality
        }
    }
}

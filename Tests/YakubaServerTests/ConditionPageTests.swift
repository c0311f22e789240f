import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaInsights

@Suite("The condition check at clock-in (issue 5)", .serialized)
struct ConditionPageTests {
    static func answers(_ city: TestCity, _ staff: StaffRow) async throws -> [Int] {
        try await city.app.db.sql.select().column("score").from("condition_checks").where("staff_id", .equal, SQLBind(staff.id))
            .all(decodingColumn: "score", as: Int.self)
    }

    @Test func askedAtClockInOnceADayWhenHRTurnsItOnAndSeenOnlyByThePersonAndHR() async throws {
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let s = Browser(city.app)
            try await s.login("S001")
            var page = try await s.get("/punch")
            #expect(!page.body.string.contains("今日のコンディション"), "off unless the municipality turns it on")
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/admin/risk").body.string.contains("出勤時にコンディションを尋ねる"))
            #expect(try await hr.post("/admin/condition", ["enabled": "1"]).status == .seeOther)
            #expect(try await IndicatorPageTests.ledger(city, "condition.settings_updated").count == 1)

            page = try await s.get("/punch")
            let html = page.body.string
            #expect(html.contains("今日のコンディション（任意）") && html.contains("同僚には表示されません"))
            #expect(html.contains("id=\"condition-skip\" checked"), "skipping is the default")
            // a value that is not on the scale: 422 and nothing recorded, not even the punch
            var res = try await s.post("/punch", ["kind": "in", "place": "本庁舎", "condition": "9"])
            #expect(res.status == .unprocessableEntity && res.body.string.contains("コンディションは1〜5から選ぶか"))
            #expect(try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: .max).isEmpty)
            try await s.get("/punch")
            res = try await s.post("/punch", ["kind": "in", "place": "本庁舎", "condition": "2"])
            #expect(res.status == .seeOther)
            #expect(try await Self.answers(city, city.staffA) == [2])
            #expect(try await IndicatorPageTests.ledger(city, "condition.recorded").count == 1)
            // on duty: not asked again; a second answer the same day is not kept
            #expect(!(try await s.get("/punch")).body.string.contains("今日のコンディション"))
            let again = ConditionRow(id: UUID.timeOrdered(), municipalityId: city.muni.id, staffId: city.staffA.id, date: today.iso, score: 5, recordedAtMs: nowMs())
            #expect(try await ConditionRepository.record(city.app.yakuba.writer, again) == false)
            #expect(try await Self.answers(city, city.staffA) == [2])

            // their own trend
            page = try await s.get("/condition")
            #expect(page.status == .ok && page.body.string.contains("自分のコンディション") && page.body.string.contains("<td class=\"num\">2.0</td>"))
            // nobody else but HR sees a person's
            for who in ["S002", "M001", "A001"] {
                let b = Browser(city.app)
                try await b.login(who)
                #expect(try await b.get("/condition?staff=\(city.staffA.id.uuidString)").status == .forbidden, "\(who)")
            }
            let views = try await IndicatorPageTests.ledger(city, "personal.viewed").count
            page = try await hr.get("/condition?staff=\(city.staffA.id.uuidString)")
            #expect(page.status == .ok && page.body.string.contains("台帳に記録"))
            #expect(try await IndicatorPageTests.ledger(city, "personal.viewed").count == views + 1)
            #expect(try await hr.get("/condition?staff=\(city.otherHR.id.uuidString)").status == .notFound)
        }
    }

    @Test func managersSeeTheirSectionOnlyAsAnAverageOfFivePeopleOrMore() async throws {
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let hrBrowser = Browser(city.app)
            try await hrBrowser.login("H001")
            try await hrBrowser.get("/admin/risk")
            #expect(try await hrBrowser.post("/admin/condition", ["enabled": "1"]).status == .seeOther)
            // 人事課 has four people: H001, S001, S002, P001
            func answer(_ s: StaffRow, _ score: Int) async throws {
                try await ConditionRepository.record(city.app.yakuba.writer, ConditionRow(id: UUID.timeOrdered(), municipalityId: city.muni.id, staffId: s.id,
                                                                                         date: today.iso, score: score, recordedAtMs: nowMs()))
            }
            for s in [city.hr, city.staffA, city.staffA2, city.partTimeA] { try await answer(s, 1) }
            let m = Browser(city.app)
            try await m.login("M001")
            var page = try await m.get("/condition/departments")
            #expect(page.status == .ok && page.body.string.contains("表示できる集計はありません"), "four people: nothing shown")
            // a fifth member of the section answers: the week's average appears
            let fifth = StaffRow(id: UUID(), municipalityId: city.muni.id, staffNumber: "S009", familyName: "五人", givenName: "目", familyKana: "ゴニン",
                                 givenKana: "メ", employmentType: "regular", departmentId: city.deptA1.id, position: "主事", schedule: Seed.json(WeeklySchedule.standard),
                                 startDate: "2020-04-01", endDate: nil, active: true, roles: "", passwordHash: nil, mustChangePassword: false, locale: "ja", updatedAtMs: 1)
            try await StaffWrites.insert(city.app.yakuba.writer, staff: fifth, approverOf: [], actor: nil)
            try await answer(fifth, 5)
            page = try await m.get("/condition/departments")
            let html = page.body.string
            #expect(html.contains("人事課") && html.contains("<td class=\"num\">1.8</td>"), "(1+1+1+1+5)/5")
            #expect(html.contains("role=\"img\""), "drawn, with the table beside it")
            // a manager's team page and early warnings never use one person's condition, not even as a factor; HR's do
            #expect(try await m.get("/team").status == .ok)
            #expect(!(try await m.get("/risk")).body.string.contains("コンディションの低下"))
            #expect(try await hrBrowser.get("/risk").body.string.contains("コンディションの低下"))
            // the system administrator does not see the sections' condition
            let admin = Browser(city.app)
            try await admin.login("A001")
            #expect(try await admin.get("/condition/departments").status == .forbidden)
            #expect(try await ConditionRepository.declines(city.app.db.sql, municipalityId: city.muni.id, through: today, departments: [city.deptB.id]).isEmpty)
            #expect(try await ConditionRepository.declines(city.app.db.sql, municipalityId: city.muni.id, through: today, departments: []).isEmpty)
            // a member of staff cannot open it
            let s = Browser(city.app)
            try await s.login("S001")
            #expect(try await s.get("/condition/departments").status == .forbidden)
        }
    }
}

import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("Leave: requests, routes, 代決, the book", .serialized)
struct LeaveTests {
    /// The first work day at least `after` days from today.
    static func workDay(_ city: TestCity, after: Int) -> CalendarDate {
        var d = CalendarDate(Date(), in: city.muni.zone).adding(days: after)
        while d.weekday == 0 || d.weekday == 6 || city.muni.holidays.isHoliday(d) { d = d.adding(days: 1) }
        return d
    }

    /// A pending request made directly (the matrix uses it).
    static func placeRequest(_ city: TestCity, staff: StaffRow, date: CalendarDate) async throws -> UUID {
        let days = [LeaveDay(date: date, minutes: 465, range: nil)]
        let row = LeaveRequestRow(id: UUID.timeOrdered(), municipalityId: staff.municipalityId, staffId: staff.id, typeCode: "annual", fromDate: date.iso,
                                  toDate: date.iso, unit: "day", half: nil, startMinute: nil, endMinute: nil, relationship: nil,
                                  days: String(decoding: try JSONEncoder().encode(days), as: UTF8.self), minutes: 465, reason: "", requestedAtMs: nowMs())
        try await city.app.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "leave_requests").model(row, with: rowEncoder).run()
            return []
        }
        return row.id
    }

    func latestRequest(_ city: TestCity, _ staff: StaffRow) async throws -> UUID {
        try await city.app.db.sql.select().column("id").from("leave_requests").where("staff_id", .equal, SQLBind(staff.id))
            .orderBy("requested_at_ms", .descending).first(decodingColumn: "id", as: UUID.self)!
    }

    @Test func requestApproveAndTheBookShowsIt() async throws {
        try await withCity { city in
            let day = Self.workDay(city, after: 3)
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/leave/new")
            var res = try await staff.post("/leave", ["type": "annual", "unit": "day", "from": day.iso, "to": day.iso, "reason": "私用"])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(400))")
            var page = try await staff.get("/leave")
            #expect(page.body.string.contains("承認待ち（所属長）"))
            // 20 days this year and 20 carried from last year (S001 was hired in 2020), less this one
            #expect(page.body.string.contains("<th scope=\"row\">残り</th><td>39日</td>"))
            // the same day again overlaps; 25 days is beyond the balance; 1h30m of hourly leave is not whole hours
            res = try await staff.post("/leave", ["type": "annual", "unit": "day", "from": day.iso, "to": day.iso])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("すでに休暇の申請があります"))
            let far = Self.workDay(city, after: 10)
            res = try await staff.post("/leave", ["type": "annual", "unit": "day", "from": far.iso, "to": far.adding(days: 70).iso])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("年次休暇の残りが足りません"))
            res = try await staff.post("/leave", ["type": "annual", "unit": "hour", "from": far.iso, "to": far.iso, "start": "15:15", "end": "16:45"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("1時間単位"))
            res = try await staff.post("/leave", ["type": "nonsense", "unit": "day", "from": far.iso, "to": far.iso])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("休暇の種類を選んでください"))
            #expect(res.body.string.contains("aria-invalid=\"true\""))
            let count = try await city.app.db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("leave_requests")
                .first(decodingColumn: "n", as: Int.self)
            #expect(count == 1)

            let id = try await latestRequest(city, city.staffA)
            // a colleague cannot decide it; the staff member cannot decide their own
            #expect(try await staff.post("/leave/\(id)/decision", ["decision": "approve"]).status == .forbidden)
            let manager = Browser(city.app)
            try await manager.login("M001")
            // the approver is told, inside Yakuba: the menu of any page counts it until the お知らせ page is opened
            let before = try await manager.get("/approvals").body.string
            #expect(before.contains("<span class=\"badge\" aria-hidden=\"true\">1</span>"))
            #expect(before.contains("（未読1件）"))
            #expect(try await manager.get("/api/v1/me").body.string.contains("badge") == false)
            let news = try await manager.get("/notifications")
            #expect(news.body.string.contains("新しいお知らせが1件あります"))
            #expect(news.body.string.contains("職員 太郎さんから休暇の申請があります"))
            #expect(!news.body.string.contains("class=\"badge\""))   // seen now, on the page that shows them
            #expect(try await manager.get("/notifications").body.string.contains("新しいお知らせはありません"))
            #expect(!(try await manager.get("/approvals").body.string.contains("class=\"badge\"")))
            page = try await manager.get("/approvals")
            #expect(page.body.string.contains("職員 太郎（S001）"))
            #expect(try await manager.post("/leave/\(id)/decision", ["decision": "reject"]).status == .unprocessableEntity) // a reason is needed
            res = try await manager.post("/leave/\(id)/decision", ["decision": "approve"])
            #expect(res.status == .seeOther)
            #expect(try await manager.post("/leave/\(id)/decision", ["decision": "approve"]).status == .conflict)
            let marks = try await city.app.db.sql.select().column("code").from("day_marks").where("staff_id", .equal, SQLBind(city.staffA.id))
                .where("date", .equal, SQLBind(day.iso)).all(decodingColumn: "code", as: String.self)
            #expect(marks == ["annual_leave"])
            #expect(try await staff.get("/notifications").body.string.contains("休暇が承認されました"))
            let book = try await staff.get("/books/\(city.staffA.id)?month=\(YearMonth(day).iso)")
            #expect(book.body.string.contains("年休"))
            let record = try await staff.get("/leave/book/\(city.staffA.id)")
            #expect(record.body.string.contains("承認済"))
            // a decided request cannot be withdrawn
            #expect(try await staff.post("/leave/\(id)/withdraw", [:]).status == .conflict)
        }
    }

    @Test func twoStepRouteWithADeputy() async throws {
        try await withCity { city in
            // HR sets 人事課's route: 係長 (S002) then 課長 (M001)
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/routes")
            var res = try await hr.post("/admin/routes", ["department": city.deptA1.id.uuidString, "steps": "係長: S999"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("職員番号 S999 の職員がいません"))
            res = try await hr.post("/admin/routes", ["department": city.deptA1.id.uuidString, "steps": "係長"])
            #expect(res.status == .unprocessableEntity)
            res = try await hr.post("/admin/routes", ["department": city.deptA1.id.uuidString, "steps": "係長: S002\n課長: M001"])
            #expect(res.status == .seeOther)
            #expect(try await hr.get("/admin/routes").body.string.contains("係長（同僚 太郎） → 課長（課長 太郎）"))

            let day = Self.workDay(city, after: 5)
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/leave/new")
            res = try await staff.post("/leave", ["type": "annual", "unit": "half_day", "half": "afternoon", "from": day.iso, "to": day.iso])
            #expect(res.status == .seeOther)
            let id = try await latestRequest(city, city.staffA)
            // the 課長 cannot decide before the 係長
            let kacho = Browser(city.app)
            try await kacho.login("M001")
            try await kacho.get("/approvals")
            #expect(try await kacho.post("/leave/\(id)/decision", ["decision": "approve"]).status == .forbidden)
            let kakaricho = Browser(city.app)
            try await kakaricho.login("S002")
            #expect(try await kakaricho.get("/approvals").body.string.contains("職員 太郎（S001）"))
            #expect(try await kakaricho.post("/leave/\(id)/decision", ["decision": "approve"]).status == .seeOther)
            // the 課長 is away: S101 decides for them (代決) — set by the 課長
            try await kacho.get("/approvals")
            let today = CalendarDate(Date(), in: city.muni.zone)
            res = try await kacho.post("/approvals/delegations", ["deputy": "M001", "from": today.iso, "to": today.adding(days: 3).iso])
            #expect(res.status == .unprocessableEntity) // not oneself
            res = try await kacho.post("/approvals/delegations", ["deputy": "S101", "from": today.iso, "to": today.adding(days: 3).iso])
            #expect(res.status == .seeOther)
            let deputy = Browser(city.app)
            try await deputy.login("S101")
            #expect(try await deputy.get("/approvals").body.string.contains("職員 太郎（S001）"))
            #expect(try await deputy.post("/leave/\(id)/decision", ["decision": "approve"]).status == .seeOther)
            let decisions = try await LeaveRepository.decisions(city.app.db.sql, requestIds: [id])[id] ?? []
            #expect(decisions.count == 2)
            #expect(decisions.first { $0.step == 1 }?.onBehalfOf == city.approverA.id)
            let marks = try await city.app.db.sql.select().column("minutes").from("day_marks").where("staff_id", .equal, SQLBind(city.staffA.id))
                .all(decodingColumn: "minutes", as: Int?.self)
            #expect(marks == [255]) // the afternoon block, 13:00–17:15
        }
    }

    @Test func withdrawingIsTheRequestersOnly() async throws {
        try await withCity { city in
            let id = try await Self.placeRequest(city, staff: city.staffA, date: Self.workDay(city, after: 7))
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/approvals")
            #expect(try await manager.post("/leave/\(id)/withdraw", [:]).status == .forbidden)
            let other = Browser(city.app)
            try await other.login("S101")
            try await other.get("/leave")
            #expect(try await other.post("/leave/\(id)/withdraw", [:]).status == .notFound)
            #expect(try await other.post("/leave/\(id)/decision", ["decision": "approve"]).status == .notFound)
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/leave")
            #expect(try await staff.post("/leave/\(id)/withdraw", [:]).status == .seeOther)
            #expect(try await staff.get("/leave").body.string.contains("取下げ"))
            #expect(try await manager.post("/leave/\(id)/decision", ["decision": "approve"]).status == .conflict)
        }
    }

    @Test func aFiscalYearAppointeeUnder80PercentLastYearIsGrantedNothingThisYear() async throws {
        // 会計年度任用職員 (work-rules §3.2): the later year's days need 80% attendance in the year before (LSA 39条).
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            // P001 (since 2020, no punches at all): last fiscal year unattended
            var page = try await hr.get("/leave/book/\(city.partTimeA.id)").body.string
            #expect(page.contains("8割に満たないため、今年度の年次休暇は付与されません"))
            #expect(page.contains("今年の付与</th><td>0日"))
            // every work day of last fiscal year taken as 年休 counts as attended: the grant comes back
            let last = FiscalYear(containing: CalendarDate(Date(), in: city.muni.zone)).previous
            let marks = stride(from: last.first.dayNumber, through: last.last.dayNumber, by: 1).compactMap { n -> DayMarkRow? in
                let d = last.first.adding(days: n - last.first.dayNumber)
                guard (1...5).contains(d.weekday), !city.muni.holidays.isHoliday(d) else { return nil }
                return DayMarkRow(id: UUID(), municipalityId: city.muni.id, staffId: city.partTimeA.id, date: d.iso, code: DayMarkCode.annualLeave.rawValue,
                                  minutes: nil, recordedBy: city.hr.id, recordedAtMs: nowMs())
            }
            for chunk in marks.chunked(100) { try await city.app.db.sql.insert(into: "day_marks").models(chunk, with: rowEncoder).run() }
            page = try await hr.get("/leave/book/\(city.partTimeA.id)").body.string
            #expect(page.contains("（100%）"))
            #expect(!page.contains("8割に満たない"))
            #expect(!page.contains("今年の付与</th><td>0日"))
            // a regular member of staff is not measured this way
            #expect(try await !hr.get("/leave/book/\(city.staffA.id)").body.string.contains("出勤率"))
        }
    }
}

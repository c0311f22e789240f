import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("Monthly close and payroll export", .serialized)
struct CloseTests {
    @Test func closeChecksFreezesExportsAndReopens() async throws {
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let month = YearMonth(today).previous
            var day = month.first
            while day.weekday == 0 || day.weekday == 6 || city.muni.holidays.isHoliday(day) { day = day.adding(days: 1) }
            let hr = Browser(city.app)
            try await hr.login("H001")
            // the current month cannot be closed yet
            try await hr.get("/close")
            var res = try await hr.post("/close", ["month": YearMonth(today).iso])
            #expect(res.status == .conflict); #expect(res.body.string.contains("締めは月が終わってからです"))
            // nobody punched last month: every work day is an absence, which must be acknowledged
            let page = try await hr.get("/close?month=\(month.iso)")
            #expect(page.body.string.contains("打刻漏れ・無断欠勤のある職員"))
            res = try await hr.post("/close", ["month": month.iso])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("確認したらチェックしてください"))
            // a pending leave request in the month blocks the close, acknowledged or not
            let leave = try await LeaveTests.placeRequest(city, staff: city.staffA, date: day)
            res = try await hr.post("/close", ["month": month.iso, "acknowledge": "1"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("承認待ち・確認待ちの申請が1件あります"))
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/approvals")
            #expect(try await manager.post("/leave/\(leave)/decision", ["decision": "approve"]).status == .seeOther)
            // the payroll CSV needs a closed month
            #expect(try await hr.get("/close/payroll.csv?month=\(month.iso)").status == .conflict)
            try await hr.get("/close?month=\(month.iso)")
            res = try await hr.post("/close", ["month": month.iso, "acknowledge": "1"])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(300))")
            #expect(try await hr.post("/close", ["month": month.iso, "acknowledge": "1"]).status == .conflict) // already closed

            let csv = try await hr.get("/close/payroll.csv?month=\(month.iso)&encoding=utf8")
            #expect(csv.status == .ok)
            let text = csv.body.string
            #expect(text.hasPrefix("\u{FEFF}対象年月,職員番号,氏名"))
            let lines = text.split(separator: "\r\n")
            let s001 = try #require(lines.first { $0.contains(",S001,") })
            #expect(s001.contains(",給料,"))
            let fields = s001.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields[9] == "1") // the approved day of annual leave
            #expect(try #require(lines.first { $0.contains(",P001,") }).contains(",報酬,"))
            let sjis = try await hr.get("/close/payroll.csv?month=\(month.iso)&encoding=sjis")
            #expect(sjis.headers.contentType?.description.contains("Shift_JIS") == true)
            #expect(JapaneseTextEncoding.decode(Array(sjis.body.readableBytesView))?.text.contains("対象年月") == true)

            // the closed month is frozen: no new leave, no corrections
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/leave/new")
            var other = day.adding(days: 1)
            while other.weekday == 0 || other.weekday == 6 || city.muni.holidays.isHoliday(other) { other = other.adding(days: 1) }
            if YearMonth(other) == month, other >= today.adding(days: -LeaveController.maxAgeDays) {
                res = try await staff.post("/leave", ["type": "annual", "unit": "day", "from": other.iso, "to": other.iso])
                #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("締め済みです"))
            }
            // re-opening needs a reason and is recorded
            res = try await hr.post("/close/reopen", ["month": month.iso])
            #expect(res.status == .unprocessableEntity)
            res = try await hr.post("/close/reopen", ["month": month.iso, "reason": "給与担当からの修正依頼"])
            #expect(res.status == .seeOther)
            #expect(try await hr.get("/close/payroll.csv?month=\(month.iso)").status == .conflict)
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.contains("month.closed") && types.contains("month.reopened"))
        }
    }
}

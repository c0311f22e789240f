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

@Suite("The close's bulk reads on SQLite agree with the repositories", .serialized)
struct CloseBulkReadTests {
    /// `SQLiteBulkReader` reads the close's facts by column position through one joined walk; the repositories read the
    /// same rows through SQLKit. Orders in every state (ordered, reported, confirmed, cancelled, urgent), several events
    /// each, and punches of every kind and source must come out the same both ways.
    @Test func ordersAndPunchesReadTheSameBothWays() async throws {
        try await withCity { city in
            guard let path = city.app.yakuba.sqlitePath else { return } // PostgreSQL has no bulk reader
            let sql = city.app.db.sql
            let month = YearMonth(CalendarDate(Date(), in: city.muni.zone)).previous
            var orders: [OvertimeOrderRow] = [], events: [OvertimeEventRow] = []
            let people = [city.staffA, city.staffA2, city.staffB, city.partTimeA]
            for (i, day) in month.days.enumerated() {
                let s = people[i % people.count]
                let o = OvertimeOrderRow(id: UUID(), municipalityId: city.muni.id, staffId: s.id, departmentId: s.departmentId, date: day.iso,
                                         startMinute: 1035 + i, endMinute: 1100 + 3 * i, reason: "窓口対応", urgent: i % 5 == 4, specialCase: false,
                                         specialReason: nil, orderedBy: city.approverA.id, orderedAtMs: nowMs())
                orders.append(o)
                func event(_ kind: String, _ range: MinuteRange?) {
                    events.append(OvertimeEventRow(id: UUID(), orderId: o.id, kind: kind, startMinute: range?.start, endMinute: range?.end, note: "",
                                                   actorId: city.approverA.id, atMs: nowMs()))
                }
                switch i % 5 {
                case 0: break                                                      // ordered, never reported
                case 1: event("reported", MinuteRange(start: 1040, end: 1090 + i))  // reported, waiting for confirmation
                case 2: event("reported", MinuteRange(start: 1035, end: 1200)); event("confirmed", MinuteRange(start: 1035, end: 1150))
                case 3: event("cancelled", nil)
                default: event("reported", MinuteRange(start: 1020, end: 1130)); event("confirmed", MinuteRange(start: 1020, end: 1130)) // urgent
                }
            }
            for o in orders { try await sql.insert(into: "overtime_orders").model(o, with: rowEncoder).run() }
            for e in events { try await sql.insert(into: "overtime_order_events").model(e, with: rowEncoder).run() }
            let bulk = SQLiteBulkReader(path: path)
            let fast = try bulk.closeOrders(municipalityId: city.muni.id, from: month.first, to: month.last)
            let slow = try await OvertimeRepository.orders(sql, municipalityId: city.muni.id, staffIds: nil, from: month.first, to: month.last)
                .compactMap(CloseOrder.init)
            #expect(fast.count == orders.count)
            #expect(Set(fast) == Set(slow))
            #expect(Set(fast.map(\.status)).count == 4) // ordered, reported, confirmed, cancelled all present
            #expect(fast.map(\.date) == fast.map(\.date).sorted())

            // punches: every kind, source and place, several people, read for a span
            let start = month.first.instant(atMinute: 0, in: city.muni.zone)
            var punches: [PunchRow] = []
            let kinds = ["in", "break_start", "break_end", "out"], sources = ["self", "proxy", "correction"]
            for (i, s) in people.enumerated() {
                for k in 0..<12 {
                    punches.append(PunchRow(id: UUID(), municipalityId: city.muni.id, staffId: s.id, kind: kinds[k % 4], atMs: nowMs(start) + Int64(k * 3_600_000 + i),
                                            deviceAtMs: nil, place: ["本庁舎", "在宅", "出先機関"][k % 3], source: sources[(k + i) % 3], recordedBy: city.hr.id,
                                            idempotencyKey: nil, note: nil))
                }
            }
            try await LedgerWriter.insert(punches: punches, sql)
            let ids = people.map(\.id)
            let fromMs = nowMs(start), toMs = fromMs + 86_400_000
            let read = try bulk.closeFacts(ids: ids, fromMs: fromMs, toMs: toMs, firstDay: month.first, lastDay: month.last)
            let rows = try await PunchRepository.punches(sql, staffIds: ids, fromMs: fromMs, toMs: toMs)
            #expect(read.punches.values.reduce(0) { $0 + $1.count } == punches.count)
            for s in people {
                #expect(read.punches[s.id] == rows.filter { $0.staffId == s.id }.map { EffectivePunch(raw: $0.punch) }, "\(s.staffNumber)")
            }
        }
    }
}

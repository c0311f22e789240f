import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("超勤代休時間: offered, answered, on the book and in the close (work-rules §2.5)", .serialized)
struct TimeOffTests {
    /// Last month for S001: in at 8:30 and out at 21:45 every work day, with a confirmed order for 17:15–21:45: 4h30m a day.
    static func overtimeMonth(_ city: TestCity) async throws -> (month: YearMonth, minutes: Int) {
        let zone = city.muni.zone
        let month = YearMonth(CalendarDate(Date(), in: zone)).previous
        let s = city.staffA
        var punches: [PunchRow] = [], orders: [OvertimeOrderRow] = [], events: [OvertimeEventRow] = []
        for day in month.days where (1...5).contains(day.weekday) && !city.muni.holidays.isHoliday(day) {
            for (kind, minute) in [("in", 510), ("out", 1305)] {
                punches.append(PunchRow(id: UUID(), municipalityId: city.muni.id, staffId: s.id, kind: kind, atMs: nowMs(day.instant(atMinute: minute, in: zone)),
                                        deviceAtMs: nil, place: "本庁舎", source: "self", recordedBy: s.id, idempotencyKey: nil, note: nil))
            }
            let o = OvertimeOrderRow(id: UUID(), municipalityId: city.muni.id, staffId: s.id, departmentId: s.departmentId, date: day.iso,
                                     startMinute: 1035, endMinute: 1305, reason: "予算編成", urgent: false, specialCase: false, specialReason: nil,
                                     orderedBy: city.approverA.id, orderedAtMs: nowMs())
            orders.append(o)
            for kind in ["reported", "confirmed"] {
                events.append(OvertimeEventRow(id: UUID(), orderId: o.id, kind: kind, startMinute: 1035, endMinute: 1305, note: "", actorId: city.approverA.id, atMs: nowMs()))
            }
        }
        let (p, o, e) = (punches, orders, events)
        try await city.app.yakuba.writer.perform { _, sql in
            try await LedgerWriter.insert(punches: p, sql)
            for o in o { try await sql.insert(into: "overtime_orders").model(o, with: rowEncoder).run() }
            for e in e { try await sql.insert(into: "overtime_order_events").model(e, with: rowEncoder).run() }
            return []
        }
        return (month, orders.count * 270)
    }

    @Test func offeredAcceptedMarkedAndPaidInTheClose() async throws {
        try await withCity { city in
            let (month, minutes) = try await Self.overtimeMonth(city)
            let over = minutes - 3600
            let earned = over * 25 / 100                  // 25/100 of the hours over 60
            let second = try #require(OvertimeCompensatoryTime.amounts(part: .end, dayMinutes: 465, balance: earned - 240))
            let today = CalendarDate(Date(), in: city.muni.zone)
            let day = LeaveTests.workDay(city, after: 7), day2 = LeaveTests.workDay(city, after: 9)
            let manager = Browser(city.app)
            try await manager.login("M001")
            var page = try await manager.get("/overtime/time-off?month=\(month.iso)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains(city.staffA.fullName))
            #expect(page.body.string.contains(hoursJa(earned)), "what the month converts to")

            // bad input, each beside its field, nothing saved
            var form = ["month": month.iso, "staff_number": "S001", "date": today.iso, "part": "start"]
            var res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("明日以降の日を指定してください"))
            form["date"] = month.next.next.next.first.iso
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("2か月以内"))
            form["date"] = day.iso; form["part"] = "half"
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("1日・4時間（始業から）・4時間（終業まで）から選んでください"))
            form["part"] = "start"; form["staff_number"] = "S101"
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("指定できる職員ではありません"))
            var sat = day
            while sat.weekday != 6 { sat = sat.adding(days: 1) }
            form["staff_number"] = "S001"; form["date"] = sat.iso
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("勤務日に指定します"))
            // this month's hours are not known yet
            form["date"] = day.iso; form["month"] = month.next.iso
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("月が終わってから確定します"))
            form["month"] = "2026-13"
            #expect(try await manager.post("/overtime/time-off", form).status == .unprocessableEntity)
            #expect(try await TimeOffRepository.records(city.app.db.sql, municipalityId: city.muni.id).isEmpty)

            // 4 hours from the start, then what is left to the end of another day, topped up with 年休
            form["month"] = month.iso
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .seeOther, "\(res.body.string.prefix(400))")
            form["date"] = day2.iso; form["part"] = "end"
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .seeOther, "\(res.body.string.prefix(400))")
            let offers = try await TimeOffRepository.records(city.app.db.sql, municipalityId: city.muni.id, sourceMonth: month)
            #expect(offers.map(\.offer.minutes) == [240, second.timeOff])
            #expect(offers[1].offer.topUpMinutes == second.topUp)
            // nothing is left for a third
            // a day of its own (after: 11 can fall on day2's Monday when day2 skips a weekend)
            var third = day2.adding(days: 1)
            while third.weekday == 0 || third.weekday == 6 || city.muni.holidays.isHoliday(third) { third = third.adding(days: 1) }
            form["date"] = third.iso
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("残っていません") || res.body.string.contains("代休時間が残らないため"), "\(res.body.string.prefix(2000))")

            // only the person answers; the manager cannot accept for them
            #expect(try await manager.post("/overtime/time-off/\(offers[0].offer.id)/accept", [:]).status == .forbidden)
            let staff = Browser(city.app)
            try await staff.login("S001")
            page = try await staff.get("/overtime/time-off")
            #expect(page.body.string.contains("承諾する") && page.body.string.contains("回答待ち"))
            #expect(try await staff.get("/notifications").body.string.contains("超勤代休時間の提示があります"))
            try await staff.get("/overtime/time-off")
            res = try await staff.post("/overtime/time-off/\(offers[0].offer.id)/accept", [:])
            #expect(res.status == .seeOther)
            #expect(try await staff.post("/overtime/time-off/\(offers[0].offer.id)/decline", [:]).status == .conflict, "answered once")

            // an unanswered offer holds the close of the month it is for
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/close?month=\(month.iso)")
            res = try await hr.post("/close", ["month": month.iso, "acknowledge": "1"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("超勤代休時間（本人の回答待ち）"))
            try await staff.get("/overtime/time-off")
            #expect(try await staff.post("/overtime/time-off/\(offers[1].offer.id)/decline", [:]).status == .seeOther)

            // the accepted day is on the book, and hourly 年休 may make up the unit beside it but not overlap it
            let book = try await staff.get("/books/\(city.staffA.id)?month=\(YearMonth(day).iso)")
            #expect(book.body.string.contains("超勤代休"))
            try await staff.get("/leave/new")
            res = try await staff.post("/leave", ["type": "annual", "unit": "hour", "from": day.iso, "to": day.iso, "start": "09:00", "end": "10:00"])
            #expect(res.status == .unprocessableEntity, "inside the 4 hours of time off")
            try await staff.get("/leave/new")
            res = try await staff.post("/leave", ["type": "annual", "unit": "hour", "from": day.iso, "to": day.iso, "start": "13:30", "end": "14:30"])
            #expect(res.status == .seeOther, "after them: \(res.body.string.prefix(300))")

            // the close pays the replaced hours at 125 and the payroll row says so
            try await hr.get("/close?month=\(month.iso)")
            res = try await hr.post("/close", ["month": month.iso, "acknowledge": "1"])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(400))")
            let csv = try await hr.get("/close/payroll.csv?month=\(month.iso)&encoding=utf8").body.string
            let lines = csv.split(separator: "\r\n")
            let header = lines[0].split(separator: ",").map(String.init)
            let row = try #require(lines.first { $0.contains(",S001,") }).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func col(_ h: String) -> String { row[header.firstIndex(of: h)!] }
            #expect(col("超勤代休時間指定（分）") == "240")
            #expect(col("代休時間に代えた60時間超（分）") == "960")
            #expect(col("超勤150") == "\(payRounded(over - 960) / 60)" && col("超勤125") == "\(payRounded(3600 + 960) / 60)")

            // once closed, no new offers for the month and the given one stands
            form["date"] = LeaveTests.workDay(city, after: 12).iso; form["part"] = "day"
            try await manager.get("/overtime/time-off?month=\(month.iso)")
            res = try await manager.post("/overtime/time-off", form)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("締め済み"))
            try await manager.get("/overtime/time-off?month=\(month.iso)")
            #expect(try await manager.post("/overtime/time-off/\(offers[0].offer.id)/cancel", [:]).status == .conflict)
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.contains("overtime.time_off_offered") && types.contains("overtime.time_off_accept") && types.contains("overtime.time_off_decline"))
        }
    }

    @Test func theManagerWithdrawsOrCancelsBeforeTheDay() async throws {
        try await withCity { city in
            let (month, _) = try await Self.overtimeMonth(city)
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/overtime/time-off?month=\(month.iso)")
            let form = ["month": month.iso, "staff_number": "S001", "date": LeaveTests.workDay(city, after: 7).iso, "part": "day"]
            #expect(try await manager.post("/overtime/time-off", form).status == .seeOther)
            // the same day twice is refused while the first stands
            let again = try await manager.post("/overtime/time-off", form)
            #expect(again.status == .unprocessableEntity); #expect(again.body.string.contains("すでに超勤代休時間の提示か指定があります"))
            let offer = try #require(try await TimeOffRepository.records(city.app.db.sql, municipalityId: city.muni.id).first)
            #expect(try await manager.post("/overtime/time-off/\(offer.offer.id)/cancel", [:]).status == .seeOther)
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/overtime/time-off")
            #expect(try await staff.post("/overtime/time-off/\(offer.offer.id)/accept", [:]).status == .conflict, "withdrawn")
            // offered again, accepted, then cancelled before the day: the balance comes back
            try await manager.get("/overtime/time-off?month=\(month.iso)")
            #expect(try await manager.post("/overtime/time-off", form).status == .seeOther)
            let second = try #require(try await TimeOffRepository.records(city.app.db.sql, municipalityId: city.muni.id).first { $0.offer.id != offer.offer.id })
            try await staff.get("/overtime/time-off")
            #expect(try await staff.post("/overtime/time-off/\(second.offer.id)/accept", [:]).status == .seeOther)
            try await manager.get("/overtime/time-off?month=\(month.iso)")
            #expect(try await manager.post("/overtime/time-off/\(second.offer.id)/cancel", [:]).status == .seeOther)
            let after = try #require(try await TimeOffRepository.record(city.app.db.sql, id: second.offer.id))
            #expect(after.state(today: CalendarDate(Date(), in: city.muni.zone)) == .cancelled && !after.isGiven)
            #expect(try await staff.get("/notifications").body.string.contains("取り消されました"))
        }
    }
}

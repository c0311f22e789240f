import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("週休日の振替 and 代休日 (work-rules §1.4)")
struct SwapTests {
    @Test func theManagerSwapsARestDayTheBookFollowsAndACancelUndoesIt() async throws {
        try await withCity { city in
            let zone = city.muni.zone
            let holidays = city.muni.holidays
            // the next Saturday (not a 休日) whose following Wednesday is an ordinary work day
            var sat = CalendarDate(Date(), in: zone).adding(days: 1)
            while sat.weekday != 6 || holidays.isHoliday(sat) || holidays.isHoliday(sat.adding(days: 4)) { sat = sat.adding(days: 1) }
            let wed = sat.adding(days: 4)
            let m = Browser(city.app)
            try await m.login("M001")
            #expect(try await m.get("/swaps").body.string.contains("週休日の振替"))
            var form = ["staff_number": "S001", "work_on": sat.adding(days: 2).iso, "rest_on": wed.iso, "reason": "窓口の臨時開庁"]
            var res = try await m.post("/swaps", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("この日は勤務日です"), "a Monday is not a rest day to be worked")
            form["work_on"] = sat.iso; form["rest_on"] = sat.adding(days: 60).iso
            res = try await m.post("/swaps", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("4週間前から8週間後まで"))
            form["rest_on"] = sat.adding(days: 1).iso
            res = try await m.post("/swaps", form)
            #expect(res.body.string.contains("振替先は勤務日にしてください"), "a Sunday is not a work day to give up")
            form["rest_on"] = wed.iso; form["staff_number"] = "S101"
            res = try await m.post("/swaps", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("振替や代休日を命じられる職員ではありません"), "建設部 is not this manager's")
            form["staff_number"] = "S001"; form["work_on"] = "来週の土曜"
            #expect(try await m.post("/swaps", form).body.string.contains("YYYY-MM-DD"))
            #expect(try await ScheduleRepository.swapRows(city.app.db.sql, municipalityId: city.muni.id).isEmpty, "nothing saved")

            form["work_on"] = sat.iso
            #expect(try await m.post("/swaps", form).status == .seeOther)
            #expect(try await m.get("/swaps?month=\(YearMonth(sat).iso)").body.string.contains("を週休日に振り替えました"), "the confirmation is shown")
            #expect(try await m.post("/swaps", form).body.string.contains("すでに振替か代休日の対象"), "the same day twice")
            func day(_ d: CalendarDate) async throws -> AttendanceDay {
                let staff = try #require(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id))
                let book = try await BookService.books(city.app.db.sql, municipality: city.muni, staff: [staff], month: YearMonth(d))[0]
                return try #require(book.days.first { $0.date == d })
            }
            #expect(try await day(sat).kind.isWorkDay)
            #expect(try await day(sat).schedule?.start == 510)
            #expect(try await !day(wed).kind.isWorkDay)
            let page = try await m.get("/books/\(city.staffA.id)?month=\(YearMonth(sat).iso)").body.string
            #expect(page.contains("振替勤務（\(showDate(wed, .ja))と振替）"))
            let list = try await m.get("/swaps?month=\(YearMonth(sat).iso)").body.string
            #expect(list.contains("窓口の臨時開庁") && list.contains("有効"))

            // staff cannot see or make swaps; a cancellation is a new fact and restores the days
            let s = Browser(city.app)
            try await s.login("S001")
            #expect(try await s.get("/swaps").status == .forbidden)
            #expect(try await s.get("/notifications").body.string.contains("週休日の振替：\(showDate(sat, .ja, weekday: true))に勤務し"), "the person is told")
            let swap = try #require(try await ScheduleRepository.swapRows(city.app.db.sql, municipalityId: city.muni.id).first)
            #expect(try await m.post("/swaps/\(swap.id)/cancel", [:]).status == .seeOther)
            #expect(try await !day(sat).kind.isWorkDay)
            #expect(try await day(wed).kind.isWorkDay)
            #expect(try await m.get("/swaps?month=\(YearMonth(sat).iso)").body.string.contains("取消済み"))
            let ledger = try await city.app.db.sql.select().column("type").from("ledger").where("type", .like, "schedule.%")
                .all(decodingColumn: "type", as: String.self)
            #expect(ledger == ["schedule.rest_day_swapped", "schedule.rest_day_swap_cancelled"])
            #expect(try await m.post("/swaps/\(UUID())/cancel", [:]).status == .notFound)
        }
    }

    @Test func theManagerNamesACompensatoryDayOffForAHolidayWorked() async throws {
        // 代休日 (work-rules §1.4, 対馬市): a work day within the 8 weeks after the 休日 worked, named from today on.
        try await withCity { city in
            let zone = city.muni.zone
            let holidays = city.muni.holidays
            let today = CalendarDate(Date(), in: zone)
            // the next 休日 on a weekday (S001 works Mon–Fri), and the next ordinary work day after it
            var holiday = today.adding(days: 1)
            while !holidays.isHoliday(holiday) || !(1...5).contains(holiday.weekday) { holiday = holiday.adding(days: 1) }
            var off = holiday.adding(days: 1)
            while holidays.isHoliday(off) || !(1...5).contains(off.weekday) { off = off.adding(days: 1) }
            var weekday = today.adding(days: 1)
            while holidays.isHoliday(weekday) || !(1...5).contains(weekday.weekday) { weekday = weekday.adding(days: 1) }
            var sunday = off
            while sunday.weekday != 0 { sunday = sunday.adding(days: 1) }
            let m = Browser(city.app)
            try await m.login("M001")
            #expect(try await m.get("/swaps?kind=compensatory").body.string.contains("代休日の指定"))
            var form = ["kind": "compensatory", "staff_number": "S001", "work_on": weekday.iso, "rest_on": off.iso, "reason": "選挙事務"]
            func refused(_ why: String) async throws -> Bool {
                let res = try await m.post("/swaps", form)
                return res.status == .unprocessableEntity && res.body.string.contains(why) && res.body.string.contains("<h1>代休日の指定</h1>")
            }
            #expect(try await refused("休日（祝日・年末年始など）の勤務に指定します"), "an ordinary work day is not a 休日")
            form["work_on"] = holiday.iso; form["rest_on"] = holiday.adding(days: 60).iso
            #expect(try await refused("8週間以内"))
            form["rest_on"] = sunday.iso
            #expect(try await refused("代休日は勤務日にしてください"), "a Sunday is not a work day to give")
            form["rest_on"] = today.adding(days: -1).iso
            #expect(try await refused("今日以降"))
            // a day with leave asked for is not given as a 代休日
            var leaveDay = off.adding(days: 1)
            while holidays.isHoliday(leaveDay) || !(1...5).contains(leaveDay.weekday) { leaveDay = leaveDay.adding(days: 1) }
            let s1 = Browser(city.app)
            try await s1.login("S001")
            try await s1.get("/leave/new")
            let asked = try await s1.post("/leave", ["type": "sick", "unit": "day", "from": leaveDay.iso, "to": leaveDay.iso, "reason": "通院"])
            #expect(asked.status == .seeOther, "\(asked.body.string.components(separatedBy: "class=\"error\"").dropFirst().first?.prefix(200) ?? "")")
            form["rest_on"] = leaveDay.iso
            #expect(try await refused("この日には休暇（申請中を含む）があります"))
            form["rest_on"] = off.iso; form["staff_number"] = "S101"
            #expect(try await refused("命じられる職員ではありません"))
            #expect(try await ScheduleRepository.swapRows(city.app.db.sql, municipalityId: city.muni.id).isEmpty, "nothing saved")

            form["staff_number"] = "S001"
            let res = try await m.post("/swaps", form)
            #expect(res.status == .seeOther)
            #expect(res.headers.first(name: .location)?.contains("kind=compensatory") == true)
            #expect(try await m.get("/swaps?kind=compensatory&month=\(YearMonth(holiday).iso)").body.string.contains("代休日として指定しました"))
            #expect(try await refused("すでに振替か代休日の対象"), "the same holiday twice")
            form["kind"] = "rest_day"; form["work_on"] = sunday.adding(days: -1).iso
            #expect(try await m.post("/swaps", form).body.string.contains("すでに振替か代休日の対象"), "a swap cannot take the day off either")

            func day(_ d: CalendarDate) async throws -> AttendanceDay {
                let staff = try #require(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id))
                let book = try await BookService.books(city.app.db.sql, municipality: city.muni, staff: [staff], month: YearMonth(d))[0]
                return try #require(book.days.first { $0.date == d })
            }
            #expect(try await day(holiday).kind.isWorkDay, "the holiday's hours are ordinary hours now")
            #expect(try await day(off).marks.map(\.code) == [.compensatoryDayOff])
            let page = try await m.get("/books/\(city.staffA.id)?month=\(YearMonth(off).iso)").body.string
            #expect(page.contains("の休日勤務の代休日"))
            // the person is told, and cannot take leave on a day that is already off
            let s = Browser(city.app)
            try await s.login("S001")
            #expect(try await s.get("/notifications").body.string.contains("代休日の指定"))
            #expect(try await s.post("/leave", ["type": "annual", "unit": "day", "from": off.iso, "to": off.iso]).status == .unprocessableEntity)

            // the close reads the same facts its own way: the day off is a paid day there too
            let staff = try #require(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id))
            let facts = BookService.CloseFacts(try await BookService.facts(city.app.db.sql, municipality: city.muni, staffIds: [staff.id], month: YearMonth(off)))
            var closed: MonthlyFigures?
            BookService.closeFigures(facts, municipality: city.muni, staff: [staff][...], month: YearMonth(off), schedules: BookService.weeklySchedules(of: [staff]),
                                     paidOrders: [:]) { _, f, _ in closed = f }
            #expect(closed?.paidLeaveDays == 1)

            let row = try #require(try await ScheduleRepository.swapRows(city.app.db.sql, municipalityId: city.muni.id).first)
            #expect(row.kind == "compensatory")
            #expect(try await m.post("/swaps/\(row.id)/cancel", [:]).status == .seeOther)
            #expect(try await !day(holiday).kind.isWorkDay)
            #expect(try await day(off).marks.isEmpty)
            #expect(try await m.get("/swaps?kind=compensatory&month=\(YearMonth(holiday).iso)").body.string.contains("取消済み"))
            let ledger = try await city.app.db.sql.select().column("type").from("ledger").where("type", .like, "schedule.%")
                .all(decodingColumn: "type", as: String.self)
            #expect(ledger == ["schedule.compensatory_day_off_named", "schedule.compensatory_day_off_cancelled"])
        }
    }
}

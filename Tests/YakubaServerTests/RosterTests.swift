import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("勤務割 and shift patterns (work-rules §1.4–1.5: 早出遅出, 交替制 and its limits)")
struct RosterTests {
    @Test func theManagerRostersADepartmentWithinTheLimitsOfShiftWork() async throws {
        try await withCity { city in
            let month = YearMonth(CalendarDate(Date(), in: city.muni.zone)).next
            let dept = city.deptA1.id.uuidString
            let m = Browser(city.app)
            try await m.login("M001")
            let page = try await m.get("/roster?department=\(dept)&month=\(month.iso)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("name=\"c_S001_1\"") && page.body.string.contains("夜勤"))
            #expect(!page.body.string.contains("c_M001_1"), "nobody rosters themselves")
            #expect(try await m.get("/roster?department=\(city.deptB.id.uuidString)").status == .notFound, "建設部 is not this manager's")
            #expect(try await m.get("/roster?department=\(dept)&month=来月").status == .badRequest)

            // 13 days in a row from the 1st: refused with the case named, nothing saved
            var form = ["department": dept, "month": month.iso]
            for day in 1...13 { form["c_S001_\(day)"] = "D" }
            var res = try await m.post("/roster", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("日連続の勤務になります（連続勤務は12日まで）"))
            #expect(res.body.string.contains("職員 太郎："))
            // a code that is no pattern
            form = ["department": dept, "month": month.iso, "c_S001_2": "Z"]
            res = try await m.post("/roster", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("「Z」という勤務パターンはありません"))
            #expect(try await ScheduleRepository.rosterRows(city.app.db.sql, municipalityId: city.muni.id).isEmpty)

            // the first Saturday on a night shift, the Monday after it off
            var sat = month.first
            while sat.weekday != 6 { sat = sat.adding(days: 1) }
            let mon = sat.adding(days: 2)
            form = ["department": dept, "month": month.iso, "c_S001_\(sat.day)": "N", "c_S001_\(mon.day)": RosterDay.restCode]
            res = try await m.post("/roster", form)
            #expect(res.status == .seeOther)
            #expect(try await m.get(res.location ?? "/roster").body.string.contains("1人の勤務割（2日分）を保存しました"))
            #expect(try await ScheduleRepository.rosterRows(city.app.db.sql, municipalityId: city.muni.id).count == 2)
            let staff = try #require(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id))
            let book = try await BookService.books(city.app.db.sql, municipality: city.muni, staff: [staff], month: month)[0]
            #expect(book.days.first { $0.date == sat }?.schedule?.end == 1980, "the night shift ends at 9:00 the next morning")
            #expect(book.days.first { $0.date == mon }?.kind.isWeeklyRestDay == true)
            let s = Browser(city.app)
            try await s.login("S001")
            #expect(try await s.get("/books/\(city.staffA.id)?month=\(month.iso)").body.string.contains("勤務割：N"))
            #expect(try await s.get("/notifications").body.string.contains("勤務割が変わりました"))
            #expect(try await s.get("/roster").status == .forbidden)
            // the same roster again changes nothing; clearing the Monday returns it to the weekly schedule
            #expect(try await m.post("/roster", form).status == .seeOther)
            #expect(try await ScheduleRepository.rosterRows(city.app.db.sql, municipalityId: city.muni.id).count == 2)
            // every Saturday worked as well, with no day off for it: over 40h a week on average in the month, refused
            var saturdays = form
            for d in month.days where d.weekday == 6 { saturdays["c_S001_\(d.day)"] = "D" }
            saturdays["c_S001_\(mon.day)"] = ""
            res = try await m.post("/roster", saturdays)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("平均40時間まで"))
            // both days back to the weekly schedule
            form["c_S001_\(mon.day)"] = ""
            form["c_S001_\(sat.day)"] = ""
            #expect(try await m.post("/roster", form).status == .seeOther)
            let after = try await BookService.books(city.app.db.sql, municipality: city.muni, staff: [staff], month: month)[0]
            #expect(after.days.first { $0.date == mon }?.kind.isWorkDay == true)
            #expect(after.days.first { $0.date == sat }?.kind.isWorkDay == false)
            let ledger = try await city.app.db.sql.select().column("type").from("ledger").where("type", .equal, "schedule.roster_set")
                .all(decodingColumn: "type", as: String.self)
            #expect(ledger.count == 4)
        }
    }

    @Test func theRosterRefusesOverlappingShiftsMovedDaysAndOtherPeople() async throws {
        try await withCity { city in
            let month = YearMonth(CalendarDate(Date(), in: city.muni.zone)).next
            let dept = city.deptA1.id.uuidString
            let m = Browser(city.app)
            try await m.login("M001")
            try await m.get("/roster?department=\(dept)&month=\(month.iso)")
            // the first Tuesday and Wednesday that are ordinary work days
            var tue = month.first
            while tue.weekday != 2 || city.muni.holidays.isHoliday(tue) || city.muni.holidays.isHoliday(tue.adding(days: 1)) { tue = tue.adding(days: 1) }
            let wed = tue.adding(days: 1)
            // a night shift to 9:00, then an 早出 at 7:30 the next morning
            var res = try await m.post("/roster", ["department": dept, "month": month.iso, "c_S001_\(tue.day)": "N", "c_S001_\(wed.day)": "E"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("前日からの勤務の終わる前に始まります"))
            // someone of another department in the same post is not touched; another department is not this manager's
            res = try await m.post("/roster", ["department": dept, "month": month.iso, "c_S101_\(tue.day)": "N"])
            #expect(res.status == .seeOther)
            #expect(try await ScheduleRepository.rosterRows(city.app.db.sql, municipalityId: city.muni.id).isEmpty)
            #expect(try await m.post("/roster", ["department": city.deptB.id.uuidString, "month": month.iso, "c_S101_\(tue.day)": "N"]).status == .notFound)
            // a day already moved by a swap is changed there, not here
            var sat = tue
            while sat.weekday != 6 { sat = sat.adding(days: 1) }
            try await m.get("/swaps")
            #expect(try await m.post("/swaps", ["staff_number": "S001", "work_on": sat.iso, "rest_on": wed.iso]).status == .seeOther)
            res = try await m.post("/roster", ["department": dept, "month": month.iso, "c_S001_\(wed.day)": "E"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("振替か代休日の対象です"))
            // and the other way round: a rostered day cannot be swapped
            #expect(try await m.post("/roster", ["department": dept, "month": month.iso, "c_S001_\(tue.day)": "E"]).status == .seeOther)
            res = try await m.post("/swaps", ["staff_number": "S001", "work_on": sat.adding(days: 7).iso, "rest_on": tue.iso])
            #expect(res.body.string.contains("勤務割で勤務が決まっています"))
            // a pattern removed later: the days made with it keep it, and saving the sheet again changes nothing
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/shift-patterns")
            #expect(try await hr.post("/admin/shift-patterns/remove", ["code": "E"]).status == .seeOther)
            let page = try await m.get("/roster?department=\(dept)&month=\(month.iso)").body.string
            #expect(page.contains("<option value=\"E\" selected>E</option>"), "the removed pattern's day still shows it")
            #expect(try await m.post("/roster", ["department": dept, "month": month.iso, "c_S001_\(tue.day)": "E"]).status == .seeOther)
            #expect(try await ScheduleRepository.rosterRows(city.app.db.sql, municipalityId: city.muni.id).count == 1)
            // a day gone by is corrected through punches, not rostered again
            let today = CalendarDate(Date(), in: city.muni.zone)
            if today.day > 1 {
                res = try await m.post("/roster", ["department": dept, "month": YearMonth(today).iso, "c_S001_\(today.day - 1)": RosterDay.restCode])
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("過ぎた日です"))
            }
        }
    }

    @Test func hrKeepsTheShiftPatterns() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/admin/shift-patterns").body.string.contains("夜勤"))
            var form = ["code": "休", "name": "早出2", "kind": "early_late", "start": "7:00", "end": "16:00", "break_start": "12:00", "break_end": "13:00"]
            var res = try await hr.post("/admin/shift-patterns", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("「休」は週休日の記号です"))
            form["code"] = "E2"; form["break_start"] = ""; form["break_end"] = ""
            #expect(try await hr.post("/admin/shift-patterns", form).body.string.contains("休憩が60分以上必要です"), "9 hours of work with no break")
            form["start"] = "6:50"
            res = try await hr.post("/admin/shift-patterns", form)
            #expect(res.body.string.contains("15分単位"))
            form["start"] = "6:45"; form["end"] = "15:30"; form["break_start"] = "12:00"; form["break_end"] = "12:45"
            #expect(try await hr.post("/admin/shift-patterns", form).status == .seeOther)
            var muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(muni.shiftPatterns.first { $0.code == "E2" }?.day.scheduledMinutes == 480)
            #expect(try await hr.post("/admin/shift-patterns", form).body.string.contains("すでに使われています"))
            // a night shift typed as 17:00 to 9:00 runs to the next morning
            form = ["code": "N2", "name": "夜勤2", "kind": "rotating", "start": "17:00", "end": "9:00", "break_start": "1:00", "break_end": "2:00"]
            #expect(try await hr.post("/admin/shift-patterns", form).status == .seeOther)
            muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(muni.shiftPatterns.first { $0.code == "N2" }?.day == DailySchedule(start: 1020, end: 1980, breakWindow: MinuteRange(start: 1500, end: 1560)))
            #expect(try await hr.post("/admin/shift-patterns/remove", ["code": "E2"]).status == .seeOther)
            #expect(try await hr.post("/admin/shift-patterns/remove", ["code": "E2"]).status == .notFound)
            muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(!muni.shiftPatterns.contains { $0.code == "E2" })
        }
    }
}

import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("勤務条件: HR sets the municipality's own rules", .serialized)
struct RulesTests {
    @Test func hrSetsTheRulesAndTheyApply() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            let page = try await hr.get("/admin/rules")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("勤務条件の設定"))
            var form = WorkRulesSettings.default.formValues
            #expect(page.body.string.contains("value=\"6:00\"") && page.body.string.contains("value=\"12/29\""))

            // bad input: refused beside the field, nothing saved, the typed values kept
            form["late_grace"] = "90"; form["year_end_start"] = "11/30"
            var res = try await hr.post("/admin/rules", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("遅刻とみなすまでの猶予を0〜60分で入力してください。"))
            #expect(res.body.string.contains("年末年始の初日を 12/29 のように12月の日付で入力してください。"))
            #expect(res.body.string.contains("value=\"11/30\""))
            #expect(res.body.string.contains("aria-invalid=\"true\""))
            var muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(muni.workRules == .default && muni.policies == nil)

            // a 条例 of its own: 年末年始 12/28–1/4, a fiscal leave year, a 5-day hourly cap, 60 minutes' break after 7h45m
            form = WorkRulesSettings.default.formValues
            form["year_end_start"] = "12/28"; form["year_end_end"] = "1/4"; form["leave_year"] = "fiscal_year"; form["hourly_cap"] = "5"
            form["long_day"] = "7:45"
            res = try await hr.post("/admin/rules", form)
            #expect(res.status == .seeOther)
            muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(muni.attendanceRules.longDayThresholdMinutes == 465)
            #expect(muni.annualLeavePolicy.yearBasis == .fiscalYear && muni.annualLeavePolicy.hourlyUseCapDays == 5)
            #expect(muni.holidays.holidayName(CalendarDate(year: 2026, month: 12, day: 28)!) == "年末年始")
            #expect(muni.holidays.holidayName(CalendarDate(year: 2027, month: 1, day: 4)!) == "年末年始")
            #expect(try await hr.get("/admin/rules").body.string.contains("勤務条件を保存しました。"))
            // the calendar shows the new range, the 有休管理簿 runs by fiscal year
            #expect(try await hr.get("/calendar?year=2026").body.string.contains("令和8年12月28日"))
            let today = CalendarDate(Date(), in: city.muni.zone)
            let book = try await hr.get("/leave/book/\(city.staffA.id.uuidString)")
            #expect(book.body.string.contains("date=\(FiscalYear(containing: today).first.adding(days: -1).iso)"))
            // on the ledger
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.contains("municipality.rules_updated"))
            // the calendar's own closed days are kept when the rules change
            #expect(try await hr.post("/calendar/days", ["date": "2026-06-23", "label": "慰霊の日", "repeats": "1"]).status == .seeOther)
            #expect(try await hr.post("/admin/rules", form).status == .seeOther)
            muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(muni.holidays.holidayName(CalendarDate(year: 2027, month: 6, day: 23)!) == "慰霊の日")

            // staff and approvers may not
            let staff = Browser(city.app)
            try await staff.login("S001")
            #expect(try await staff.get("/admin/rules").status == .forbidden)
            #expect(try await staff.post("/admin/rules", form).status == .forbidden)
        }
    }

    @Test func hrSetsTheLeaveTypesAndRequestsFollowThem() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            let page = try await hr.get("/admin/leave-types")
            #expect(page.status == .ok && page.body.string.contains("休暇の種類の設定"))
            var form = LeaveCatalogue.formValues(LeaveCatalogue.common)

            // bad input: a law-given leave withdrawn, a limit of 0 days: both refused, nothing saved
            form["prenatal-offered"] = ""; form["summer-yearly"] = "0"
            var res = try await hr.post("/admin/leave-types", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("産前休暇は法律で定められた休暇のため、やめることはできません。"))
            #expect(res.body.string.contains("夏季休暇の日数を1〜366日で入力するか、上限がなければ空欄にしてください。"))
            #expect(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id)?.policies == nil)

            // this 条例 has no 結婚休暇 and 1 day of 子の看護 a year (an unusual choice, to see it bite)
            form = LeaveCatalogue.formValues(LeaveCatalogue.common)
            form["marriage-offered"] = ""; form["child_nursing-yearly"] = "1"
            res = try await hr.post("/admin/leave-types", form)
            #expect(res.status == .seeOther)
            let types = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id)).leaveTypes
            #expect(LeaveCatalogue.find("marriage", in: types)?.offered == false)
            let types2 = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types2.contains("municipality.leave_types_updated"))

            let staff = Browser(city.app)
            try await staff.login("S001")
            let newForm = try await staff.get("/leave/new")
            #expect(!newForm.body.string.contains("value=\"marriage\""))
            #expect(newForm.body.string.contains("value=\"summer\""))
            let day = LeaveTests.workDay(city, after: 3)
            res = try await staff.post("/leave", ["type": "marriage", "unit": "day", "from": day.iso, "to": day.iso])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("休暇の種類を選んでください。"))
            var two = day.adding(days: 1)
            while two.weekday == 0 || two.weekday == 6 || city.muni.holidays.isHoliday(two) { two = two.adding(days: 1) }
            res = try await staff.post("/leave", ["type": "child_nursing", "unit": "day", "from": day.iso, "to": two.iso])
            #expect(res.status == .unprocessableEntity, "two days of 子の看護 over a 1-day limit")
            // 配偶者出産休暇 only for 会計年度任用職員 here: S001 (常勤) is refused with the reason; 病気休暇 unpaid
            form["spouse_birth-for-regular"] = ""; form["spouse_birth-for-reappointedShortTime"] = ""; form["sick-paid"] = ""
            #expect(try await hr.post("/admin/leave-types", form).status == .seeOther)
            #expect(try await !staff.get("/leave/new").body.string.contains("value=\"spouse_birth\""))
            res = try await staff.post("/leave", ["type": "spouse_birth", "unit": "day", "from": day.iso, "to": day.iso])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("あなたの任用形態では取得できません"))
            let saved = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id)).leaveTypes
            #expect(LeaveCatalogue.find("sick", in: saved)?.markCode == .unpaidLeave)
            let page2 = try await hr.get("/admin/leave-types").body.string
            #expect(page2.contains("id=\"spouse_birth-for-fiscalYearPartTime\" checked"))
            #expect(!page2.contains("id=\"spouse_birth-for-regular\" checked"))
            #expect(!page2.contains("id=\"sick-paid\" checked"))
            // the rules page leaves the leave types as they are
            #expect(try await hr.post("/admin/rules", WorkRulesSettings.default.formValues).status == .seeOther)
            #expect(LeaveCatalogue.find("marriage", in: try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id)).leaveTypes)?.offered == false)
        }
    }
}

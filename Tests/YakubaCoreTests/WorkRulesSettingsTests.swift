import Foundation
import Testing
@testable import YakubaCore

// work-rules-ja.md marks the break threshold (§1.2), the leave year, carry-over and hourly cap (§3, the LSA 39条4項
// 5-day cap ⚠️), the Sunday rule of the 60-hour count (§2.4) and the 年末年始 range as the municipality's to set.
@Suite("勤務条件: the municipality's own settings of the rules")
struct WorkRulesSettingsTests {
    let base = WorkRulesSettings.default

    @Test("the form shows the defaults and reading them back changes nothing")
    func defaultsRoundTrip() throws {
        let v = base.formValues
        #expect(v["break_after"] == "6:00" && v["long_day"] == "8:00" && v["year_end_start"] == "12/29" && v["year_end_end"] == "1/3")
        #expect(v["hourly_cap"] == "" && v["leave_year"] == "calendar_year" && v["auto_break"] == "1" && v["sixty_excludes_sunday"] == "1")
        #expect(try base.applying(v).get() == base)
    }

    @Test("a municipality counting from 7h45m, a fiscal leave year, a 5-day hourly cap, 12/28–1/4, Sunday counted")
    func aMunicipalitysOwnValues() throws {
        var v = base.formValues
        v["long_day"] = "7:45"; v["leave_year"] = "fiscal_year"; v["hourly_cap"] = "5"; v["carry_over"] = "10"
        v["year_end_start"] = "12/28"; v["year_end_end"] = "1/4"; v["sixty_excludes_sunday"] = nil; v["late_grace"] = "5"; v["auto_break"] = ""
        v["standard_day"] = "8:00"; v["standard_week"] = "40:00"   // 勤務時間条例 of 8h a day, 40h a week
        let s = try base.applying(v).get()
        #expect(s.pay.standardDayMinutes == 480 && s.pay.standardWeekMinutes == 2400)
        #expect(s.attendance.longDayThresholdMinutes == 465)
        #expect(s.attendance.requiredBreak(worked: 470) == 60) // over 7h45m: 60 min under this 条例
        #expect(s.attendance.lateGraceMinutes == 5 && !s.attendance.autoDeductScheduledBreak)
        #expect(s.annualLeave.yearBasis == .fiscalYear && s.annualLeave.hourlyUseCapDays == 5 && s.annualLeave.carryOverMaxDays == 10)
        #expect(!s.pay.sixtyHourCountExcludesSunday)
        #expect(s.yearEndStart == MonthDay(month: 12, day: 28) && s.yearEndEnd == MonthDay(month: 1, day: 4))
        // and an empty cap is no cap again
        v["hourly_cap"] = " "
        #expect(try s.applying(v).get().annualLeave.hourlyUseCapDays == nil)
    }

    @Test("full-width digits, colons and slashes typed with a Japanese input method are read")
    func fullWidthInput() throws {
        var v = base.formValues
        v["break_after"] = "６：００"; v["year_end_start"] = "１２／２９"; v["carry_over"] = "２０"; v["year_end_end"] = "1月3日"
        #expect(try base.applying(v).get() == base)
    }

    @Test("each bad field is refused with its own message, and nothing is taken", arguments: [
        ("late_grace", "61"), ("late_grace", "-1"), ("late_grace", "五"), ("early_grace", ""),
        ("break_after", "25:00"), ("break_after", "0:30"), ("break_after", "6時間"), ("short_break", "10"), ("short_break", "121"),
        ("long_day", "17:00"), ("long_break", "200"), ("leave_year", "weekly"), ("leave_year", ""),
        ("carry_over", "21"), ("carry_over", "x"), ("hourly_cap", "0"), ("hourly_cap", "41"),
        ("standard_day", "3:00"), ("standard_day", "8:30"), ("standard_week", "41:00"), ("standard_week", "38時間"),
        ("year_end_start", "11/29"), ("year_end_start", "12/32"), ("year_end_start", "1229"), ("year_end_end", "2/1"), ("year_end_end", "1/0"),
    ])
    func badFields(field: String, value: String) {
        var v = base.formValues
        v[field] = value
        guard case .failure(let problems) = base.applying(v) else { Issue.record("\(field)=\(value) was taken"); return }
        #expect(problems.all.map(\.field) == [field])
        #expect(problems.all.allSatisfy { !$0.messageJa.isEmpty && !$0.messageEn.isEmpty })
    }

    @Test("the long day must be longer than the first threshold, and its break no shorter")
    func consistency() throws {
        var v = base.formValues
        v["break_after"] = "8:00"; v["long_day"] = "6:00"
        guard case .failure(let p1) = base.applying(v) else { Issue.record("taken"); return }
        #expect(p1.all.map(\.field) == ["long_day"])
        v = base.formValues
        v["short_break"] = "60"; v["long_break"] = "45"
        guard case .failure(let p2) = base.applying(v) else { Issue.record("taken"); return }
        #expect(p2.all.map(\.field) == ["long_break"])
        v = base.formValues
        v["standard_day"] = "8:00"; v["standard_week"] = "20:00"
        #expect(try base.applying(v).get().pay.standardWeekMinutes == 1200)
    }

    @Test("a form with nothing in it names every required field")
    func emptyForm() {
        guard case .failure(let problems) = base.applying([:]) else { Issue.record("taken"); return }
        let named = Set(problems.all.map(\.field))
        #expect(named == Set(WorkRulesSettings.fields).subtracting(["auto_break", "sixty_excludes_sunday", "hourly_cap"]))
    }
}

// work-rules-ja.md §3.3: the common catalogue is pre-filled and the municipality's 条例 sets which special leave it has
// and their days (夏季 3 days, 結婚 5, …); leave the law gives cannot be withdrawn.
@Suite("休暇の種類: a municipality's leave types")
struct LeaveTypeSettingsTests {
    @Test("the catalogue's own values read back unchanged")
    func roundTrip() throws {
        let s = try LeaveCatalogue.settings(from: LeaveCatalogue.formValues(LeaveCatalogue.common)).get()
        #expect(LeaveCatalogue.applying(s) == LeaveCatalogue.common)
    }

    @Test("夏季 5 days a year, 結婚 no longer offered, 配偶者出産 without a limit")
    func ownValues() throws {
        var v = LeaveCatalogue.formValues(LeaveCatalogue.common)
        v["summer-yearly"] = "５"; v["marriage-offered"] = ""; v["spouse_birth-event"] = ""
        let types = LeaveCatalogue.applying(try LeaveCatalogue.settings(from: v).get())
        #expect(LeaveCatalogue.find("summer", in: types)?.yearlyLimitDays == 5)
        #expect(LeaveCatalogue.find("marriage", in: types)?.offered == false)
        #expect(LeaveCatalogue.find("spouse_birth", in: types)?.eventLimitDays == nil)
        // what the form cannot change stays: 忌引 by relationship, 年次休暇 by the balance, the months of 夏季
        #expect(LeaveCatalogue.find("bereavement", in: types)?.needsRelationship == true)
        #expect(LeaveCatalogue.find("annual", in: types)?.usesAnnualBalance == true)
        #expect(LeaveCatalogue.find("summer", in: types)?.months == 7...9)
    }

    @Test("病気休暇 unpaid, 介護休暇 paid, 夏季 for regular staff only, 子の看護 by the day only (work-rules §3.3: units, pay and who it applies to are the 条例's)")
    func unitsPayAndAppointments() throws {
        var v = LeaveCatalogue.formValues(LeaveCatalogue.common)
        v["sick-paid"] = ""; v["care_leave-paid"] = "1"
        for e in EmploymentType.allCases where e != .regular { v["summer-for-\(e.rawValue)"] = "" }
        v["child_nursing-unit-half_day"] = ""; v["child_nursing-unit-hour"] = ""
        // what the law fixes is not taken from the form: 年次休暇 stays paid, 欠勤 unpaid, 産前休暇 for everyone
        v["annual-paid"] = ""; v["absence-paid"] = "1"; v["prenatal-for-regular"] = ""
        let types = LeaveCatalogue.applying(try LeaveCatalogue.settings(from: v).get())
        let sick = try #require(LeaveCatalogue.find("sick", in: types))
        #expect(!sick.paid && sick.markCode == .unpaidLeave && !sick.markCode.isPaid, "deducted in the close")
        let care = try #require(LeaveCatalogue.find("care_leave", in: types))
        #expect(care.paid && care.markCode.isPaid)
        #expect(LeaveCatalogue.find("summer", in: types)?.appliesTo == [.regular])
        #expect(LeaveCatalogue.find("summer", in: types)?.applies(to: .fiscalYearPartTime) == false)
        #expect(LeaveCatalogue.find("child_nursing", in: types)?.units == [.day])
        #expect(LeaveCatalogue.find("annual", in: types)?.paid == true)
        #expect(LeaveCatalogue.find("absence", in: types)?.markCode == .absence)
        #expect(LeaveCatalogue.find("prenatal", in: types)?.appliesTo == nil)
        #expect(LeaveCatalogue.find("bereavement", in: types)?.markCode == .specialLeave, "untouched types keep their code")
    }

    @Test("no unit, 年次休暇 without whole days, or a type for nobody is refused beside its field")
    func badUnitsAndAppointments() {
        var v = LeaveCatalogue.formValues(LeaveCatalogue.common)
        for u in LeaveUnit.allCases { v["sick-unit-\(u.rawValue)"] = "" }
        v["annual-unit-day"] = ""
        for e in EmploymentType.allCases { v["marriage-for-\(e.rawValue)"] = "" }
        guard case .failure(let p) = LeaveCatalogue.settings(from: v) else { Issue.record("taken"); return }
        #expect(Set(p.all.map(\.field)) == ["sick-unit-day", "annual-unit-day", "marriage-for-regular"])
        #expect(p.all.contains { $0.messageJa.contains("労働基準法39条") })
        // a type no longer offered need not name anyone
        v = LeaveCatalogue.formValues(LeaveCatalogue.common)
        v["marriage-offered"] = ""
        for e in EmploymentType.allCases { v["marriage-for-\(e.rawValue)"] = "" }
        #expect((try? LeaveCatalogue.settings(from: v).get()) != nil)
    }

    @Test("leave the law gives cannot be withdrawn", arguments: ["annual", "prenatal", "postnatal", "nursing_time", "child_nursing", "short_care",
                                                                  "care_leave", "care_time", "childcare_leave", "partial_childcare", "absence"])
    func requiredTypes(code: String) {
        var v = LeaveCatalogue.formValues(LeaveCatalogue.common)
        v["\(code)-offered"] = ""
        guard case .failure(let p) = LeaveCatalogue.settings(from: v) else { Issue.record("\(code) withdrawn"); return }
        #expect(p.all.map(\.field) == ["\(code)-offered"])
        // and a setting stored without it still offers it
        let types = LeaveCatalogue.applying([code: LeaveTypeSetting(offered: false, yearlyLimitDays: nil, eventLimitDays: nil)])
        #expect(LeaveCatalogue.find(code, in: types)?.offered == true)
    }

    @Test("a limit out of range or not a number is refused beside its field", arguments: [("summer-yearly", "0"), ("summer-yearly", "367"),
                                                                                           ("marriage-event", "五日"), ("sick-yearly", "-3")])
    func badLimits(field: String, value: String) {
        var v = LeaveCatalogue.formValues(LeaveCatalogue.common)
        v[field] = value
        guard case .failure(let p) = LeaveCatalogue.settings(from: v) else { Issue.record("taken"); return }
        #expect(p.all.map(\.field) == [field])
    }
}

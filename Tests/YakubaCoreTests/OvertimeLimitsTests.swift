import Foundation
import Testing
@testable import YakubaCore

private func ym(_ y: Int, _ m: Int) -> YearMonth { YearMonth(year: y, month: m)! }
private func h(_ hours: Int, _ minutes: Int = 0) -> Int { hours * 60 + minutes }
private let selfPaced = OvertimeRegime.workload(.selfPaced)
private let external = OvertimeRegime.workload(.externallyDriven)

private func level(_ s: LimitStanding, _ kind: LimitFinding.Kind) -> LimitFinding.Level? {
    s.findings.first { $0.kind == kind }?.level
}

@Suite("Overtime limits (人事院規則15-14 16条の2の2, work-rules §2.3)")
struct OvertimeLimitsTests {
    @Test func selfPacedMonthIs45HoursWithWarningAt80Percent() {
        // 自律部署 (号1イ): 1箇月 45時間以下.
        let m = ym(2026, 6)
        #expect(level(OvertimeLimits.standing(month: m, minutes: [m: h(35, 59)], regime: selfPaced), .monthly) == .ok)
        #expect(level(OvertimeLimits.standing(month: m, minutes: [m: h(36)], regime: selfPaced), .monthly) == .approaching)
        #expect(level(OvertimeLimits.standing(month: m, minutes: [m: h(45)], regime: selfPaced), .monthly) == .atLimit)
        let over = OvertimeLimits.standing(month: m, minutes: [m: h(45, 1)], regime: selfPaced)
        #expect(level(over, .monthly) == .exceeded)
        #expect(over.needsSpecialCase)
        #expect(!over.doctorInterview)
    }

    @Test func selfPacedYearIs360HoursOverTheFiscalYear() {
        // 自律部署: 1年 360時間以下; 1年 = 4/1–3/31 (大仙市 訓令 definition).
        var minutes: [YearMonth: Int] = [ym(2026, 3): h(44)] // the previous fiscal year: not counted
        var m = ym(2026, 4)
        for _ in 0..<8 { minutes[m] = h(45); m = m.next } // 2026-04 … 2026-11: 360h
        let nov = OvertimeLimits.standing(month: ym(2026, 11), minutes: minutes, regime: selfPaced)
        #expect(nov.findings.first { $0.kind == .yearly }?.value == h(360))
        #expect(level(nov, .yearly) == .atLimit)
        minutes[ym(2026, 12)] = h(1)
        #expect(level(OvertimeLimits.standing(month: ym(2026, 12), minutes: minutes, regime: selfPaced), .yearly) == .exceeded)
        // the next fiscal year starts again
        minutes[ym(2027, 4)] = h(10)
        #expect(OvertimeLimits.standing(month: ym(2027, 4), minutes: minutes, regime: selfPaced).findings.first { $0.kind == .yearly }?.value == h(10))
    }

    @Test func calendarYearWhenTheEmployerSetsJanuary() {
        var rules = OvertimeLimitRules(); rules.yearStartMonth = 1
        let minutes = [ym(2026, 1): h(40), ym(2025, 12): h(40), ym(2026, 2): h(40)]
        let s = OvertimeLimits.standing(month: ym(2026, 2), minutes: minutes, regime: selfPaced, rules: rules)
        #expect(s.findings.first { $0.kind == .yearly }?.value == h(80))
    }

    @Test func externallyDrivenMonthMustStayUnder100Hours() {
        // 他律部署 (号2イ): 1箇月 100時間未満 — 100h itself breaks it, and is a 医師の面接指導 case.
        let m = ym(2026, 7)
        let under = OvertimeLimits.standing(month: m, minutes: [m: h(99, 59)], regime: external)
        #expect(level(under, .monthly) == .approaching)
        #expect(!under.doctorInterview)
        let at = OvertimeLimits.standing(month: m, minutes: [m: h(100)], regime: external)
        #expect(level(at, .monthly) == .exceeded)
        #expect(at.doctorInterview)
    }

    @Test func externallyDrivenYearIs720Hours() {
        var minutes: [YearMonth: Int] = [:]
        var m = ym(2026, 4)
        for _ in 0..<12 { minutes[m] = h(60); m = m.next } // 720h over FY2026
        #expect(level(OvertimeLimits.standing(month: ym(2027, 3), minutes: minutes, regime: external), .yearly) == .atLimit)
        minutes[ym(2027, 3)] = h(61)
        #expect(level(OvertimeLimits.standing(month: ym(2027, 3), minutes: minutes, regime: external), .yearly) == .exceeded)
    }

    @Test func externallyDrivenTwoToSixMonthAveragesAtMost80Hours() {
        // 他律部署 (号2ロ): 2, 3, 4, 5 and 6 months ending in the month checked, each averaging 80h or less.
        let m = ym(2026, 9)
        let fine = OvertimeLimits.standing(month: m, minutes: [ym(2026, 8): h(70), m: h(90)], regime: external)
        #expect(level(fine, .average(months: 2)) == .atLimit) // exactly 80h
        #expect(!fine.doctorInterview)
        let over = OvertimeLimits.standing(month: m, minutes: [ym(2026, 8): h(70), m: h(90, 1)], regime: external)
        #expect(level(over, .average(months: 2)) == .exceeded) // 80h 0.5m
        #expect(over.doctorInterview)
        // a 6-month window: 5 months of 85h then 55h averages 80h; 56h breaks it
        var minutes: [YearMonth: Int] = [:]
        var x = ym(2026, 4)
        for _ in 0..<5 { minutes[x] = h(85); x = x.next }
        minutes[x] = h(55)
        let six = OvertimeLimits.standing(month: x, minutes: minutes, regime: external)
        #expect(level(six, .average(months: 6)) == .atLimit)
        #expect(level(six, .average(months: 2)) == .approaching) // 70h: 87%
        minutes[x] = h(56)
        #expect(level(OvertimeLimits.standing(month: x, minutes: minutes, regime: external), .average(months: 6)) == .exceeded)
    }

    @Test func averagesReachBackOverTheFiscalYearBoundary() {
        // The windows run back month by month (福岡市: 直前の1か月…5か月), across 3/31.
        let s = OvertimeLimits.standing(month: ym(2026, 4), minutes: [ym(2026, 3): h(90), ym(2026, 4): h(80)], regime: external)
        #expect(level(s, .average(months: 2)) == .exceeded)
    }

    @Test func externallyDrivenAtMostSixMonthsOver45Hours() {
        // 他律部署 (号2ハ): months over 45h at most 6 in the year.
        var minutes: [YearMonth: Int] = [:]
        var m = ym(2026, 4)
        for _ in 0..<6 { minutes[m] = h(46); m = m.next }
        #expect(level(OvertimeLimits.standing(month: ym(2026, 9), minutes: minutes, regime: external), .monthsOver) == .atLimit)
        minutes[m] = h(45) // exactly 45h is not over
        #expect(level(OvertimeLimits.standing(month: m, minutes: minutes, regime: external), .monthsOver) == .atLimit)
        minutes[m] = h(45, 1)
        #expect(level(OvertimeLimits.standing(month: m, minutes: minutes, regime: external), .monthsOver) == .exceeded)
    }

    @Test func anOrderThatWouldCrossALimitNeedsASpecialCase() {
        // The manager sees it before confirming (issue 4): 40h so far, 6h more crosses 45h.
        let m = ym(2026, 11)
        let r = OvertimeLimits.prospective(month: m, minutes: [m: h(40)], adding: h(6), regime: selfPaced)
        #expect(r.before.worst == .approaching)
        #expect(r.newlyExceeded.map(\.kind) == [.monthly])
        let ok = OvertimeLimits.prospective(month: m, minutes: [m: h(40)], adding: h(5), regime: selfPaced)
        #expect(ok.newlyExceeded.isEmpty)
        #expect(ok.after.worst == .atLimit)
        // once past, a further order adds nothing new (it is already 特例)
        let again = OvertimeLimits.prospective(month: m, minutes: [m: h(50)], adding: h(1), regime: selfPaced)
        #expect(again.newlyExceeded.isEmpty)
        #expect(again.after.needsSpecialCase)
    }

    @Test func laborAgreement36IsData() {
        // 36協定 (LSA 36条) for 公営企業 / 別表第一 units (work-rules §2.2).
        let m = ym(2026, 5)
        let plain = OvertimeRegime.agreement(LaborAgreement36())
        #expect(level(OvertimeLimits.standing(month: m, minutes: [m: h(46)], regime: plain), .monthly) == .exceeded)
        let special = OvertimeRegime.agreement(LaborAgreement36(special: .init()))
        let s = OvertimeLimits.standing(month: m, minutes: [m: h(70)], regime: special)
        #expect(level(s, .monthly) == .ok || level(s, .monthly) == .approaching)
        #expect(s.findings.contains { $0.kind == .average(months: 6) })
    }

    @Test func anAgreementIsReadWithinWhatLSA36Allows() throws {
        // 36協定 (work-rules §2.2, LSA 36条4–6項): 限度時間 ≤ 45h/month and 360h/year; 特別条項 < 100h, ≤ 720h, average ≤ 80h, ≤ 6 months.
        var v = LaborAgreement36().formValues
        #expect(v["ag_month"] == "45" && v["ag_year"] == "360" && v["ag_special"] == "")
        v["ag_month"] = "３０"; v["ag_year"] = "300"
        let plain = try LaborAgreement36.from(form: v).get()
        #expect(plain.monthlyMaxMinutes == 1800 && plain.yearlyMaxMinutes == 18000 && plain.special == nil)
        #expect(plain.labelJa == "36協定（月30時間・年300時間）")
        v["ag_special"] = "1"; v["ag_sp_month"] = "80"; v["ag_sp_year"] = "600"; v["ag_sp_avg"] = "70"; v["ag_sp_times"] = "4"
        let special = try LaborAgreement36.from(form: v).get()
        #expect(special.special?.monthlyBelowMinutes == 4800 && special.special?.monthsOverOrdinaryMax == 4)
        #expect(special.formValues["ag_sp_avg"] == "70")
        #expect(LaborAgreement36.from(form: special.formValues) == .success(special), "the form reads back")
        // beyond the law: 46h a month, a 100h-or-more special month, 7 months, an average of 90h, a year under the ordinary one
        v["ag_month"] = "46"; v["ag_sp_month"] = "101"; v["ag_sp_times"] = "7"; v["ag_sp_avg"] = "90"; v["ag_sp_year"] = "200"
        guard case .failure(let p) = LaborAgreement36.from(form: v) else { Issue.record("taken"); return }
        #expect(Set(p.all.map(\.field)) == ["ag_month", "ag_sp_month", "ag_sp_times", "ag_sp_avg", "ag_sp_year"])
        #expect(p.all[0].messageJa.contains("労働基準法36条"))
    }

    @Test func labelsNameTheRule() {
        let s = OvertimeLimits.standing(month: ym(2026, 5), minutes: [:], regime: external)
        #expect(s.findings.map(\.labelJa) == ["月100時間未満", "年720時間", "2か月平均80時間", "3か月平均80時間", "4か月平均80時間",
                                               "5か月平均80時間", "6か月平均80時間", "月45時間超は年6回まで"])
    }
}

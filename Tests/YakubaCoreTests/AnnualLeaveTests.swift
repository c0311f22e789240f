import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }

@Suite("Annual leave (年次休暇, work-rules §3.1–3.2)")
struct AnnualLeaveTests {
    @Test func theEightyPercentRuleCountsFromTheBooks() {
        // LSA 39条 80% (work-rules §3.2): 全労働日 are the work days that are not 休日; worked days count (late or not),
        // so do whole days of 年休・特休・育休; unpaid leave leaves the denominator; 欠勤 and a day with nothing stay in it.
        let zone = TimeZone(identifier: "Asia/Tokyo")!
        let month = YearMonth(year: 2026, month: 6)!           // 22 work days, no 休日
        let work = month.days.filter { (1...5).contains($0.weekday) }
        var punches: [EffectivePunch] = []
        for d in work.prefix(12) {   // 12 days worked, one of them late
            punches.append(EffectivePunch(id: UUID(), kind: .clockIn, at: d.instant(atMinute: d == work[0] ? 600 : 510, in: zone), place: "", source: .selfService, correctionId: nil))
            punches.append(EffectivePunch(id: UUID(), kind: .clockOut, at: d.instant(atMinute: 1035, in: zone), place: "", source: .selfService, correctionId: nil))
        }
        let marks = [DayMark(date: work[12], code: .annualLeave), DayMark(date: work[13], code: .childcareLeave), DayMark(date: work[14], code: .specialLeave),
                     DayMark(date: work[15], code: .unpaidLeave), DayMark(date: work[16], code: .absence), DayMark(date: work[17], code: .annualLeave, minutes: 120)]
        let days = AttendanceCalculator.days(dates: month.days, schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                             dayKind: { DayKind(holidayName: nil, hasHours: WeeklySchedule.standard.schedule(weekday: $0.weekday) != nil) },
                                             punches: punches, marks: marks, isPartTime: true, rules: .default, zone: zone,
                                             now: CalendarDate(year: 2026, month: 7, day: 1)!.instant(atMinute: 0, in: zone))
        let a = LaborStandardsLeave.attendance(days)
        #expect(a == LaborStandardsLeave.Attendance(scheduledDays: 22, workedDays: 12, deemedAttendedDays: 3, removedDays: 1))
        #expect(!a.meetsEightyPercent, "15 of 21 days is 71%")
        let more = LaborStandardsLeave.attendance(days + days.filter { $0.workedMinutes > 0 })
        #expect(more.meetsEightyPercent, "27 of 33 days is 82%")
    }

    @Test func twentyDaysAYearAndTheHireYearTable() {
        // 20日 per calendar year; the year of hiring by 規則15-14 別表第1.
        let p = AnnualLeavePolicy()
        #expect(p.grantDays(hired: d(2015, 4, 1), yearContaining: d(2026, 6, 1)) == 20)
        #expect(p.hireYearDays(hired: d(2026, 4, 1)) == 15)   // 9 months to 12/31
        #expect(p.hireYearDays(hired: d(2026, 12, 1)) == 2)   // 1 month
        #expect(p.hireYearDays(hired: d(2026, 1, 1)) == 20)   // 12 months
        #expect(p.hireYearDays(hired: d(2026, 2, 15)) == 18)  // 10.5 months → 11
        #expect(p.hireYearDays(hired: d(2026, 7, 1)) == 10)   // 6 months
        #expect(p.grantDays(hired: d(2026, 4, 1), yearContaining: d(2026, 5, 1)) == 15)
        #expect(p.grantDays(hired: d(2027, 4, 1), yearContaining: d(2026, 5, 1)) == 0)
    }

    @Test func fiscalYearBasisWhereTheBodySetsIt() {
        // 群馬県: 一の年度において20日.
        var p = AnnualLeavePolicy(); p.yearBasis = .fiscalYear
        #expect(p.yearBasis.yearStart(of: d(2027, 2, 1)) == d(2026, 4, 1))
        #expect(p.hireYearDays(hired: d(2026, 4, 1)) == 20)
        #expect(p.hireYearDays(hired: d(2026, 10, 1)) == 10) // 6 months to 3/31
    }

    @Test func carriedDaysAreUsedFirstAndAtMost20CarryOver() {
        // 繰越は20日まで、保有は最大40日; 繰越分から先に使う (毛呂山).
        var b = AnnualLeaveBalance(minutesPerDay: 465, carriedDays: 20, grantedDays: 20)
        #expect(b.remainingMinutes == 40 * 465)
        try? b.use(minutes: 3 * 465, hourly: false)
        #expect(b.usedFromCarried == 3 * 465 && b.usedFromGrant == 0)
        #expect(b.carryOver() == 20 * 465) // the carried 17 lapse; all 20 new ones carry
        try? b.use(minutes: 25 * 465, hourly: false)
        #expect(b.usedFromCarried == 20 * 465 && b.usedFromGrant == 8 * 465)
        #expect(b.carryOver() == 12 * 465)
        let next = b.nextYear(grantedDays: 20)
        #expect(next.remainingMinutes == 32 * 465)
        #expect(next.remainingMinutes <= 40 * 465)
    }

    @Test func hoursAndDaysAtTheStandardDayAndTheSubHourRemainder() {
        // 7時間45分 = 1日; 1時間単位; 1時間未満の端数はその全てを使用できる.
        var b = AnnualLeaveBalance(minutesPerDay: 465, grantedDays: 1)
        #expect(b.check(minutes: 90, hourly: true) == .notWholeHours)
        #expect(b.check(minutes: 420, hourly: true) == nil)
        try? b.use(minutes: 420, hourly: true)
        #expect(b.remainingMinutes == 45)
        #expect(b.subHourRemainder == 45)
        #expect(b.check(minutes: 45, hourly: true) == nil)
        #expect(b.check(minutes: 60, hourly: true) == .notEnough(remainingMinutes: 45))
        #expect(b.check(minutes: 30, hourly: true) == .notWholeHours)
    }

    @Test func aBalanceNeverGoesBelowZero() {
        var g = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            var b = AnnualLeaveBalance(minutesPerDay: [465, 360, 240].randomElement(using: &g)!, carriedDays: Int.random(in: 0...20, using: &g),
                                       grantedDays: Int.random(in: 0...20, using: &g))
            for _ in 0..<40 {
                let m = Int.random(in: 1...600, using: &g)
                let hourly = Bool.random(using: &g)
                if b.check(minutes: m, hourly: hourly) == nil { try? b.use(minutes: m, hourly: hourly) }
                else if m > b.remainingMinutes { #expect(throws: AnnualLeaveBalance.UseProblem.self) { try b.use(minutes: m, hourly: hourly) } }
                #expect(b.remainingMinutes >= 0)
                #expect(b.usedFromCarried <= b.carriedMinutes)
            }
            #expect(b.carryOver() <= 20 * b.minutesPerDay)
        }
    }

    @Test func optionalCapOnHourlyUse() {
        var p = AnnualLeavePolicy(); p.hourlyUseCapDays = 5
        var b = AnnualLeaveBalance(minutesPerDay: 465, grantedDays: 20)
        for _ in 0..<38 { try? b.use(minutes: 60, hourly: true) } // 38h of 38h45m
        #expect(b.check(minutes: 60, hourly: true, policy: p) == .hourlyCapReached(capMinutes: 5 * 465))
        #expect(b.check(minutes: 60, hourly: true) == nil) // no cap by default
    }

    @Test func switchingToShortTimeKeepsTheDaysHeld() {
        // osaka-shikyo: keep the days and hours held; convert the leftover at the new hours per day.
        var b = AnnualLeaveBalance(minutesPerDay: 465, grantedDays: 10)
        try? b.use(minutes: 465 * 2 + 120, hourly: true)
        let next = b.nextYear(grantedDays: 16, minutesPerDay: 372)
        // 7 days and 345 minutes carried → 7 days and 276 minutes at 6h12m a day
        #expect(next.carriedMinutes == 7 * 372 + 276)
    }

    @Test func lsa39StandardAndProportionalTables() {
        // LSA 39条: 10 days after 6 months; 比例付与 = floor(standard × weekly days / 5.2) — every cell of the table.
        let expected: [Int: [Int]] = [5: [10, 11, 12, 14, 16, 18, 20], 4: [7, 8, 9, 10, 12, 13, 15], 3: [5, 6, 6, 8, 9, 10, 11],
                                      2: [3, 4, 4, 5, 6, 6, 7], 1: [1, 2, 2, 2, 3, 3, 3]]
        for (days, row) in expected {
            for (i, want) in row.enumerated() {
                #expect(LaborStandardsLeave.days(serviceMonths: 6 + 12 * i, weeklyDays: days, weeklyMinutes: days * 300) == want, "\(days) days, step \(i)")
            }
        }
        #expect(LaborStandardsLeave.standardDays(serviceMonths: 5) == 0)
        #expect(LaborStandardsLeave.standardDays(serviceMonths: 200) == 20)
        // 30h a week counts as the full column even on 4 days
        #expect(LaborStandardsLeave.days(serviceMonths: 6, weeklyDays: 4, weeklyMinutes: 30 * 60) == 10)
        // an irregular schedule by yearly days: 150 days → the 3-day column
        #expect(LaborStandardsLeave.days(serviceMonths: 6, weeklyDays: nil, weeklyMinutes: 20 * 60, yearlyDays: 150) == 5)
    }

    @Test func eightyPercentAttendance() {
        // 出勤率8割: 年休・産前産後・育休 count as attended; shutdown days are removed from both sides.
        #expect(LaborStandardsLeave.Attendance(scheduledDays: 100, workedDays: 80).meetsEightyPercent)
        #expect(!LaborStandardsLeave.Attendance(scheduledDays: 100, workedDays: 79).meetsEightyPercent)
        #expect(LaborStandardsLeave.Attendance(scheduledDays: 100, workedDays: 70, deemedAttendedDays: 10).meetsEightyPercent)
        #expect(LaborStandardsLeave.Attendance(scheduledDays: 100, workedDays: 72, removedDays: 10).meetsEightyPercent)
        #expect(!LaborStandardsLeave.Attendance(scheduledDays: 100, workedDays: 71, removedDays: 10).meetsEightyPercent)
    }

    @Test func frontLoadedFiscalYearStaff() {
        // 国頭村: granted on the appointment day; 29h a week is the 5-day column; first-year table by term.
        let p = FrontLoadedLeavePolicy()
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2027, 3, 31), weeklyDays: 5, weeklyMinutes: 1860, yearsAfterFirst: 0) == 10)
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2027, 3, 31), weeklyDays: 4, weeklyMinutes: 29 * 60, yearsAfterFirst: 0) == 10)
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2027, 3, 31), weeklyDays: 4, weeklyMinutes: 28 * 60, yearsAfterFirst: 0) == 7)
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2026, 9, 30), weeklyDays: 5, weeklyMinutes: 1860, yearsAfterFirst: 0) == 7)  // 6 months: over 5 up to 6
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2026, 10, 15), weeklyDays: 5, weeklyMinutes: 1860, yearsAfterFirst: 0) == 10) // over 6
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2026, 5, 31), weeklyDays: 5, weeklyMinutes: 1860, yearsAfterFirst: 0) == 1)  // 2 months
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2026, 4, 30), weeklyDays: 5, weeklyMinutes: 1860, yearsAfterFirst: 0) == 0)  // 1 month
        #expect(p.grantDays(start: d(2026, 4, 1), end: d(2026, 7, 31), weeklyDays: 3, weeklyMinutes: 18 * 60, yearsAfterFirst: 0) == 1) // over 3 up to 4, 3 days
        // later years by years of continuous service
        #expect(p.grantDays(start: d(2027, 4, 1), end: d(2028, 3, 31), weeklyDays: 5, weeklyMinutes: 1860, yearsAfterFirst: 1) == 11)
        #expect(p.grantDays(start: d(2032, 4, 1), end: d(2033, 3, 31), weeklyDays: 2, weeklyMinutes: 600, yearsAfterFirst: 9) == 7)
    }

    @Test func fiscalYearStaffCarryOverOnlyWithoutAGap() {
        // 繰越は空白期間なく再度任用された場合のみ (sshokurou).
        let p = FrontLoadedLeavePolicy()
        #expect(p.carryOver(unusedDays: 8, previousEnd: d(2027, 3, 31), nextStart: d(2027, 4, 1)) == 8)
        #expect(p.carryOver(unusedDays: 8, previousEnd: d(2027, 3, 31), nextStart: d(2027, 4, 2)) == 0)
        #expect(p.carryOver(unusedDays: 25, previousEnd: d(2027, 3, 31), nextStart: d(2027, 4, 1)) == 20)
    }

    @Test func termMonths() {
        #expect(FrontLoadedLeavePolicy.termMonths(start: d(2026, 4, 1), end: d(2027, 3, 31)) == (12, 0))
        #expect(FrontLoadedLeavePolicy.termMonths(start: d(2026, 4, 1), end: d(2026, 9, 30)) == (6, 0))
        #expect(FrontLoadedLeavePolicy.termMonths(start: d(2026, 1, 31), end: d(2026, 3, 30)) == (2, 0)) // 1/31 + 2 months is clamped to 3/31
        #expect(FrontLoadedLeavePolicy.termMonths(start: d(2026, 4, 10), end: d(2026, 6, 30)) == (2, 21))
        #expect(d(2026, 1, 31).addingMonths(1) == d(2026, 2, 28))
        #expect(d(2026, 11, 15).addingMonths(-12) == d(2025, 11, 15))
    }
}

import Foundation
import Testing
@testable import YakubaCore

private func cd(_ y: Int, _ m: Int, _ dd: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: dd)! }

@Suite("超勤代休時間: time off instead of the over-60h premium (work-rules §2.5)")
struct OvertimeCompensatoryTimeTests {
    typealias T = OvertimeCompensatoryTime
    let nov = YearMonth(year: 2026, month: 11)!

    @Test func timeOffReplacesThePremiumOfWorkDayHoursAt25Per100() {
        // 20h over 60 on work days (超勤150): 20h × 25/100 = 5h of time off. Giving 4h replaces 16h: paid at 125, not 150.
        var t = ClassTotals()
        t[MinuteClass(.overtimeWorkDay)] = 3600
        t[MinuteClass(.overtimeWorkDay, overSixty: true)] = 1200
        #expect(T.minutes(t) == 300)
        let r = T.replacement(of: 240, in: t)
        #expect(r.replacedMinutes == 960)
        #expect(r.moves == [.p150: -960, .p125: 960])
        // at night (175) it is paid at 150; on other days 150 → 135 and 175 → 160 at 15/100; the 振替 band 50 → 25
        var n = ClassTotals()
        n[MinuteClass(.overtimeWorkDay, night: true, overSixty: true)] = 480
        #expect(T.replacement(of: 120, in: n).moves == [.p175: -480, .p150: 480])
        var o = ClassTotals()
        o[MinuteClass(.overtimeOtherDay, overSixty: true)] = 800
        o[MinuteClass(.overtimeOtherDay, night: true, overSixty: true)] = 800
        #expect(T.replacement(of: 240, in: o).moves == [.p150: -800, .p135: 800, .p175: -800, .p160: 800])
        var s = ClassTotals()
        s[MinuteClass(.swapWeeklyExcess, overSixty: true)] = 240
        #expect(T.replacement(of: 60, in: s).moves == [.p50: -240, .p25: 240])
    }

    @Test func shortTimeStaffsBandConvertsAt50And75AtNight() {
        // 再任用短時間 within 7h45m (100 → 150, 175 at night): 50/100 and 75/100; replaced hours are paid at 100.
        var t = ClassTotals()
        t[MinuteClass(.withinStandardDay, overSixty: true)] = 120
        t[MinuteClass(.withinStandardDay, night: true, overSixty: true)] = 80
        #expect(T.minutes(t) == 60 + 60)
        #expect(T.replacement(of: 120, in: t).moves == [.p150: -120, .p175: -80, .p100: 200])
    }

    @Test func classesAreUsedInOrderAndTheLastMinuteRoundsUp() {
        var t = ClassTotals()
        t[MinuteClass(.withinStandardDay, overSixty: true)] = 100    // 50 min of time off
        t[MinuteClass(.overtimeWorkDay, overSixty: true)] = 300      // 75 min
        let r = T.replacement(of: 100, in: t)
        #expect(r.moves == [.p150: -300, .p100: 100, .p125: 200])
        // one minute at 15/100 replaces 6⅔ minutes: 7
        var o = ClassTotals()
        o[MinuteClass(.overtimeOtherDay, overSixty: true)] = 600
        #expect(T.replacement(of: 1, in: o).replacedMinutes == 7)
        // nothing over 60, nothing moves
        #expect(T.replacement(of: 240, in: ClassTotals()) == .init())
    }

    @Test func replacementConservesMinutesAndGivesUpExactlyTheTimeOff() {
        // property: over random months, for any time off up to what the month converts to, the moves add up to zero, no
        // bucket goes below zero, the replaced minutes are at most the month's over-60 minutes, and the premium given up
        // (replaced × rate) covers the time off by less than one minute's rate per class used
        var g = SeededGenerator(seed: 2_025)
        let over = MinuteClass.all.filter { $0.overSixty && T.ratePer100($0) > 0 }
        for _ in 0..<500 {
            var t = ClassTotals()
            for c in over where Bool.random(using: &g) { t[c] = Int.random(in: 0...2_000, using: &g) }
            let earned = T.minutes(t)
            let give = Int.random(in: 0...max(0, earned), using: &g)
            let r = T.replacement(of: give, in: t)
            #expect(r.moves.values.reduce(0, +) == 0)
            let pay = t.byPayClass
            for (c, d) in r.moves { #expect((pay[c] ?? 0) + d >= 0, "\(c)") }
            #expect(r.replacedMinutes <= over.map { t[$0] }.reduce(0, +))
            // the premium given up, class by class in the same order
            var remaining = give * 100, givenUp = 0, classes = 0
            for c in over where remaining > 0 && t[c] > 0 {
                let take = min(t[c] * T.ratePer100(c), remaining)
                let replaced = min(t[c], (take + T.ratePer100(c) - 1) / T.ratePer100(c))
                givenUp += replaced * T.ratePer100(c); remaining -= take; classes += 1
            }
            #expect(givenUp >= give * 100 && givenUp < give * 100 + 100 * max(1, classes))
        }
    }

    @Test func aUnitIsADayOrFourHoursToppedUpWithWholeHoursOfAnnualLeave() {
        // a whole day or 4h joined to the start or end (expydoc 8118713, osaka-shikyo): short of it, hourly 年休 makes it up
        #expect(T.amounts(part: .day, dayMinutes: 465, balance: 600) == .init(unit: 465, timeOff: 465))
        #expect(T.amounts(part: .start, dayMinutes: 465, balance: 240) == .init(unit: 240, timeOff: 240))
        let short = T.amounts(part: .end, dayMinutes: 465, balance: 150)!  // 2h30m left: 2h of 年休, 2h of time off
        #expect(short.timeOff == 120 && short.topUp == 120)
        let day = T.amounts(part: .day, dayMinutes: 465, balance: 400)!    // 6h40m: 2h of 年休, 5h45m of time off
        #expect(day.timeOff == 345 && day.topUp == 120)
        #expect(T.amounts(part: .start, dayMinutes: 465, balance: 45) == nil)   // all of it would be 年休
        #expect(T.amounts(part: .start, dayMinutes: 240, balance: 600) == nil)  // 4h on a 4h day is the whole day
        #expect(T.mark(date: cd(2026, 12, 10), part: .day, amounts: .init(unit: 465, timeOff: 465)).minutes == nil)
        #expect(T.mark(date: cd(2026, 12, 10), part: .day, amounts: day).minutes == 345)
        #expect(T.mark(date: cd(2026, 12, 10), part: .start, amounts: short).code == .overtimeTimeOff)
        // the hours it covers on 8:30–17:15 with 12:00–13:00: 4h from the start ends at 13:30, past the break
        let std = DailySchedule.standard
        #expect(T.range(part: .start, amounts: .init(unit: 240, timeOff: 240), schedule: std) == MinuteRange(start: 510, end: 810))
        #expect(T.range(part: .end, amounts: .init(unit: 240, timeOff: 240), schedule: std) == MinuteRange(start: 795, end: 1035))
        #expect(T.range(part: .end, amounts: short, schedule: std) == MinuteRange(start: 915, end: 1035))
        #expect(T.range(part: .day, amounts: day, schedule: std) == MinuteRange(start: 510, end: 915))
        #expect(T.range(part: .day, amounts: .init(unit: 465, timeOff: 465), schedule: std) == nil)
    }

    @Test func offersAreRefusedOutsideTheRules() {
        let today = cd(2026, 12, 3)
        func problem(_ date: CalendarDate, part: T.Part = .start, day: Int? = 465, balance: Int = 300, source: YearMonth? = nil, on: CalendarDate? = nil) -> T.OfferProblem? {
            T.offerProblem(source: source ?? nov, date: date, part: part, dayMinutes: day, balance: balance, today: on ?? today)
        }
        #expect(problem(cd(2026, 12, 10)) == nil)
        // the window: from the 1st of the next month for 2 months (expydoc 7896761)
        #expect(problem(cd(2027, 1, 31)) == nil)
        #expect(problem(cd(2027, 2, 1)) == .outsideWindow(from: cd(2026, 12, 1), to: cd(2027, 1, 31)))
        #expect(problem(cd(2026, 12, 10), source: YearMonth(year: 2026, month: 12)!) == .monthNotEnded(YearMonth(year: 2026, month: 12)!))
        #expect(problem(cd(2026, 12, 3)) == .notAhead)
        #expect(problem(cd(2026, 12, 5), day: nil) == .notAWorkDay)
        #expect(problem(cd(2026, 12, 10), day: 240) == .halfOfShortDay)
        #expect(problem(cd(2026, 12, 10), part: .day, day: 240) == nil)
        #expect(problem(cd(2026, 12, 10), balance: 0) == .nothingLeft)
        #expect(problem(cd(2026, 12, 10), balance: 30) == .tooLittle(balance: 30))
        #expect(T.OfferProblem.tooLittle(balance: 30).messageJa.contains("30分"))
        #expect(T.OfferProblem.outsideWindow(from: cd(2026, 12, 1), to: cd(2027, 1, 31)).messageJa.contains("2026-12-01〜2027-01-31"))
    }

    @Test func anOfferIsAcceptedDeclinedWithdrawnOrCancelledAndLapsesUnanswered() {
        let day = cd(2026, 12, 10), before = cd(2026, 12, 4)
        #expect(T.state(after: [], date: day, today: before) == .offered)
        #expect(T.state(after: [.accept], date: day, today: before) == .accepted)
        #expect(T.state(after: [.decline], date: day, today: before) == .declined)
        #expect(T.state(after: [.withdraw], date: day, today: before) == .withdrawn)
        #expect(T.state(after: [.accept, .cancel], date: day, today: before) == .cancelled)
        // a second answer changes nothing; an accepted day stays given once it comes
        #expect(T.state(after: [.decline, .accept], date: day, today: before) == .declined)
        #expect(T.state(after: [.accept], date: day, today: day) == .accepted)
        #expect(T.state(after: [], date: day, today: day) == .lapsed)
        #expect(T.transition(.declined, .cancel) == nil && T.transition(.accepted, .withdraw) == nil)
        #expect(T.State.allCases.filter(\.holdsBalance) == [.offered, .accepted])
    }

    /// A Mon–Fri 8:30–17:15 person in November 2026 with 4h of ordered overtime every work day: 80h, 20h of it over 60.
    func november() -> (days: [AttendanceDay], orders: [CalendarDate: [MinuteRange]]) {
        var punches: [EffectivePunch] = []
        var orders: [CalendarDate: [MinuteRange]] = [:]
        let holiday = cd(2026, 11, 23)
        for date in nov.days where (1...5).contains(date.weekday) && date != holiday {
            punches.append(punch(.clockIn, date, 510)); punches.append(punch(.clockOut, date, 1275))
            orders[date] = [MinuteRange(start: 1035, end: 1275)]
        }
        let days = AttendanceCalculator.days(dates: nov.days, schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                             dayKind: { $0 == holiday ? .holiday(name: "勤労感謝の日") : ([0, 6].contains($0.weekday) ? .weeklyRestDay : .workDay) },
                                             punches: punches, marks: [], isPartTime: false, rules: .default, zone: tokyo,
                                             now: cd(2026, 12, 5).instant(atMinute: 0, in: tokyo))
        return (days, orders)
    }

    @Test func theCloseMovesTheReplacedHoursAndThePayrollRowShowsThem() {
        let (days, orders) = november()
        let plain = MonthlyComputation.figures(days: days, paidOrders: orders, shortTime: false)
        #expect(plain.payMinutes[.p125] == 3600 && plain.payMinutes[.p150] == 1200)
        #expect(plain.timeOffEarnedMinutes == 300 && plain.timeOffMinutes == 0)
        let given = MonthlyComputation.figures(days: days, paidOrders: orders, shortTime: false, timeOffMinutes: 240)
        #expect(given.payMinutes[.p125] == 3600 + 960 && given.payMinutes[.p150] == 240)
        #expect(given.timeOffMinutes == 240 && given.timeOffReplacedMinutes == 960)
        #expect(given.overtimeMinutes == plain.overtimeMinutes, "the limits still count every hour worked")
        // never more than the month converts to
        #expect(MonthlyComputation.figures(days: days, paidOrders: orders, shortTime: false, timeOffMinutes: 900).timeOffMinutes == 300)
        let row = PayrollExport.row(.init(staffNumber: "1", name: "市役所 太郎", departmentCode: "01", departmentName: "人事課",
                                          employment: .regular, figures: given), month: nov)
        #expect(row.count == PayrollExport.columns.count)
        let at = { (h: String) in row[PayrollExport.header().firstIndex(of: h)!] }
        #expect(at("超勤125") == "76" && at("超勤150") == "4")
        #expect(at("超勤代休時間指定（分）") == "240" && at("代休時間に代えた60時間超（分）") == "960")
    }

    @Test func theDayOffIsExcusedAndPaidNotLeave() {
        // December: 4h from the start on the 10th (in at 13:30, after the 12:00–13:00 break: 8:30–12:00 + 13:00–13:30 = 4h),
        // and the 11th as a whole day made up of 5h45m of time off and 2h of hourly 年休
        let tenth = cd(2026, 12, 10), eleventh = cd(2026, 12, 11)
        let punches = [punch(.clockIn, tenth, 810), punch(.clockOut, tenth, 1035)]
        let marks = [T.mark(date: tenth, part: .start, amounts: .init(unit: 240, timeOff: 240)),
                     T.mark(date: eleventh, part: .day, amounts: .init(unit: 465, timeOff: 345)),
                     DayMark(date: eleventh, code: .annualLeave, minutes: 120)]
        let days = AttendanceCalculator.days(dates: [tenth, eleventh], schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                             dayKind: { _ in .workDay }, punches: punches, marks: marks, isPartTime: false, rules: .default,
                                             zone: tokyo, now: cd(2026, 12, 20).instant(atMinute: 0, in: tokyo))
        #expect(days[0].lateMinutes == 0 && !days[0].flags.contains(.late))
        #expect(!days[1].flags.contains(.absent), "parts making up the whole day excuse it")
        let f = MonthlyComputation.figures(days: days, paidOrders: [:], shortTime: false)
        #expect(f.timeOffTakenMinutes == 240 + 345)
        #expect(f.paidLeaveDays == 0 && f.paidLeavePartMinutes == 120 && f.unpaidMinutes == 0)
    }

    @Test func lateArrivalCountsScheduledMinutesNotTheBreak() {
        // in at 13:10 on an 8:30–17:15 day with 12:00–13:00 break: 3h30m + 10m late, not 4h40m
        let day = cd(2026, 12, 10)
        let days = AttendanceCalculator.days(dates: [day], schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                             dayKind: { _ in .workDay }, punches: [punch(.clockIn, day, 790), punch(.clockOut, day, 1035)],
                                             marks: [], isPartTime: false, rules: .default, zone: tokyo, now: cd(2026, 12, 20).instant(atMinute: 0, in: tokyo))
        #expect(days[0].lateMinutes == 220)
        // out at 12:30: 30m of break is no time owed; 13:00–17:15 is
        let early = AttendanceCalculator.days(dates: [day], schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                              dayKind: { _ in .workDay }, punches: [punch(.clockIn, day, 510), punch(.clockOut, day, 750)],
                                              marks: [], isPartTime: false, rules: .default, zone: tokyo, now: cd(2026, 12, 20).instant(atMinute: 0, in: tokyo))
        #expect(early[0].earlyLeaveMinutes == 255)
    }
}

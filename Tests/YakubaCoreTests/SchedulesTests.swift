import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }

@Suite("Schedules, swaps, rosters, 超勤代休時間 (work-rules §1, §2.5)")
struct SchedulesTests {
    @Test func theStandardWeekIs38h45m() {
        // 常勤: 7h45m × 5 = 38h45m (舞鶴市条例2条).
        #expect(Schedules.check(.standard, for: .regular).isEmpty)
        let long = WeeklySchedule.make(weekdays: [1, 2, 3, 4, 5], day: DailySchedule(start: 510, end: 1050, breakWindow: MinuteRange(start: 720, end: 780)))
        #expect(Schedules.check(long, for: .regular) == [.fullTimeWeek(minutes: 2400, required: 2325)])
        #expect(Schedules.check(long, for: .regular)[0].messageJa.contains("週38:45"))
    }

    @Test func shortAndPartTimeWeeks() {
        // 再任用短時間: 15h30m–31h (4 days × 7h45m = 31h); パートタイム: under 38h45m.
        let four = WeeklySchedule.make(weekdays: [1, 2, 3, 4], day: .standard)
        #expect(Schedules.check(four, for: .reappointedShortTime).isEmpty)
        #expect(Schedules.check(.standard, for: .reappointedShortTime) == [.partTimeWeek(minutes: 2325, range: 930...1860)])
        let sixHours = WeeklySchedule.make(weekdays: [1, 2, 3, 4, 5], day: DailySchedule(start: 540, end: 900))
        #expect(Schedules.check(sixHours, for: .fiscalYearPartTime).isEmpty)           // 6h with no break: allowed (not over 6h)
        #expect(Schedules.check(.standard, for: .fiscalYearPartTime) == [.partTimeWeek(minutes: 2325, range: 60...2324)])
    }

    @Test func breaksFollowTheHoursOfTheDay() {
        // LSA 34条: over 6h → 45 min; over 8h → 60 min.
        let noBreak = WeeklySchedule.make(weekdays: [1, 2, 3, 4, 5], day: DailySchedule(start: 540, end: 960))
        #expect(Schedules.check(noBreak, for: .fiscalYearPartTime).contains(.breakTooShort(weekday: 1, minutes: 420, required: 45)))
        let odd = WeeklySchedule.make(weekdays: [1], day: DailySchedule(start: 545, end: 900))
        #expect(Schedules.check(odd, for: .fiscalYearPartTime).contains(.notInQuarterHours(weekday: 1)))
        #expect(Schedules.check(WeeklySchedule(days: Array(repeating: nil, count: 7)), for: .regular) == [.noWorkDay])
    }

    @Test func staggeredPatternsKeepTheDay() {
        // 時差出勤: the 7h45m moves, the length does not.
        let p = ShiftPattern.staggered(startingAt: 450)
        #expect(p.day.scheduledMinutes == 465)
        #expect(p.day.start == 450 && p.day.end == 975)
        #expect(Schedules.check(.make(weekdays: [1, 2, 3, 4, 5], day: p.day), for: .regular).isEmpty)
    }

    @Test func datedAssignmentsChangeTheHoursFromTheirDateOnly() {
        // 勤務時間の割振りの変更 from a date (work-rules §1): the days before it keep the schedule they had.
        let four = WeeklySchedule.make(weekdays: [1, 2, 3, 4], day: .standard)
        let base = WeeklySchedule.make(weekdays: [1, 2, 3], day: .standard)
        let t = ScheduleTimeline(base: base, assignments: [ScheduleAssignment(from: d(2026, 10, 1), week: four),
                                                           ScheduleAssignment(from: d(2026, 4, 1), week: .standard)])
        #expect(t.week(on: d(2026, 3, 31)) == base)                 // before any assignment: the schedule given
        #expect(t.week(on: d(2026, 4, 1)) == .standard)
        #expect(t.week(on: d(2026, 9, 30)) == .standard)            // given out of order, applied in date order
        #expect(t.week(on: d(2026, 10, 1)) == four)
        // Friday 2 Oct 2026 is a 週休日 under the new hours; Friday 25 Sep was a work day
        #expect(t.day(on: d(2026, 10, 2)) == nil)
        #expect(t.day(on: d(2026, 9, 25)) == .standard)
        // two assignments on one date: the one recorded later (last given) applies — a mistake is mended by a new fact
        let mended = ScheduleTimeline(base: base, assignments: [ScheduleAssignment(from: d(2026, 10, 1), week: four),
                                                                ScheduleAssignment(from: d(2026, 10, 1), week: .standard)])
        #expect(mended.week(on: d(2026, 10, 5)) == .standard)
        // no assignments: every day from the base
        #expect(ScheduleTimeline(base: base).day(on: d(2026, 9, 30)) == .standard)   // a Wednesday
        #expect(ScheduleTimeline(base: base).day(on: d(2026, 10, 1)) == nil)         // a Thursday
    }

    @Test func aSwappedRestDayIsWorkedWithTheHoursOfTheDayItWasSwappedWith() {
        // 週休日の振替 (work-rules §1.4): Saturday 28 Nov is worked, Wednesday 2 Dec (the next week) becomes the 週休日.
        let swap = RestDaySwap(workOn: d(2026, 11, 28), restOn: d(2026, 12, 2))
        let t = ScheduleTimeline(base: .standard, swaps: [swap])
        #expect(t.day(on: d(2026, 11, 28)) == .standard)
        #expect(t.day(on: d(2026, 12, 2)) == nil)
        #expect(t.day(on: d(2026, 12, 3)) == .standard)
        // the Saturday's week (Sun 22 Nov – Sat 28 Nov) gets more than 38h45m: that week is marked for the 25/100 band
        #expect(t.swapWeekStarts == [d(2026, 11, 22).dayNumber])
        // swapped within one week, the week keeps 38h45m: no band
        #expect(ScheduleTimeline(base: .standard, swaps: [RestDaySwap(workOn: d(2026, 11, 28), restOn: d(2026, 11, 23))]).swapWeekStarts.isEmpty)
        // the hours worked on the swapped day are those of the day given up, under the schedule in force then
        let four = WeeklySchedule.make(weekdays: [1, 2, 3, 4, 5], day: DailySchedule(start: 540, end: 1065, breakWindow: MinuteRange(start: 720, end: 780)))
        let changed = ScheduleTimeline(base: .standard, assignments: [ScheduleAssignment(from: d(2026, 12, 1), week: four)], swaps: [swap])
        #expect(changed.day(on: d(2026, 11, 28))?.start == 540)
    }

    @Test func aSwapIntoAnotherWeekPaysTheWeeksExcessAt25() {
        // 振替 that crosses a week (work-rules §1.4, §2.4): Mon–Fri and the swapped Saturday worked 8:30–17:15 come to
        // 46h30m of 正規 time in the week of 22 Nov; the 7h45m beyond 38h45m is 超過勤務 paid at 25/100 (振替超過), not at 125/100.
        let swap = RestDaySwap(workOn: d(2026, 11, 28), restOn: d(2026, 12, 2))
        let t = ScheduleTimeline(base: .standard, swaps: [swap])
        let zone = TimeZone(identifier: "Asia/Tokyo")!
        let nov = YearMonth(year: 2026, month: 11)!
        var punches: [EffectivePunch] = []
        for date in (23...28).map({ d(2026, 11, $0) }) {
            punches.append(EffectivePunch(id: UUID(), kind: .clockIn, at: date.instant(atMinute: 510, in: zone), place: "本庁舎", source: .selfService, correctionId: nil))
            punches.append(EffectivePunch(id: UUID(), kind: .clockOut, at: date.instant(atMinute: 1035, in: zone), place: "本庁舎", source: .selfService, correctionId: nil))
        }
        let days = AttendanceCalculator.days(dates: nov.days, schedule: { t.day(on: $0) },
                                             dayKind: { DayKind(holidayName: nil, hasHours: t.day(on: $0) != nil) },
                                             punches: punches, marks: [], isPartTime: false, rules: .default, zone: zone,
                                             now: d(2026, 12, 5).instant(atMinute: 0, in: zone))
        #expect(days.first { $0.date == d(2026, 11, 28) }?.kind.isWorkDay == true)
        let banded = MonthlyComputation.figures(days: days, paidOrders: [:], shortTime: false, swapWeeks: t.swapWeekStarts)
        #expect(banded.payMinutes[.p25] == 465)
        #expect(banded.payMinutes[.p125] == nil || banded.payMinutes[.p125] == 0)
        #expect(banded.overtimeMinutes == 465)
        let unbanded = MonthlyComputation.figures(days: days, paidOrders: [:], shortTime: false)
        #expect(unbanded.payMinutes[.p25] == nil || unbanded.payMinutes[.p25] == 0)
    }

    @Test func restDaySwapWithinMinus4PlusEightWeeks() {
        // 週休日の振替: [the work day − 4 weeks, + 8 weeks] (見附市規則3条).
        let work = d(2026, 11, 28) // a Saturday worked
        let weekday = { (x: CalendarDate) in (1...5).contains(x.weekday) }
        #expect(Schedules.swapProblem(workOn: work, restOn: d(2026, 12, 2), isWorkDay: weekday) == nil)
        #expect(Schedules.swapProblem(workOn: work, restOn: work.adding(days: 56), isWorkDay: { _ in true }) == nil)
        #expect(Schedules.swapProblem(workOn: work, restOn: work.adding(days: 57), isWorkDay: { _ in true }) == .outsideWindow(from: d(2026, 10, 31), to: d(2027, 1, 23)))
        #expect(Schedules.swapProblem(workOn: work, restOn: work.adding(days: -28), isWorkDay: { _ in true }) == nil)
        #expect(Schedules.swapProblem(workOn: work, restOn: work.adding(days: -29), isWorkDay: { _ in true }) != nil)
        #expect(Schedules.swapProblem(workOn: work, restOn: d(2026, 11, 29), isWorkDay: weekday) == .notAWorkDay)
        #expect(Schedules.swapProblem(workOn: work, restOn: work, isWorkDay: weekday) == .sameDay)
    }

    @Test func compensatoryDayWithinEightWeeksAfter() {
        // 代休日: within 8 weeks after the 休日 worked (対馬市).
        let holiday = d(2026, 11, 23)
        #expect(Schedules.compensatoryDayProblem(holidayWorked: holiday, dayOff: d(2026, 11, 24), isWorkDay: { _ in true }) == nil)
        #expect(Schedules.compensatoryDayProblem(holidayWorked: holiday, dayOff: holiday.adding(days: 56), isWorkDay: { _ in true }) == nil)
        #expect(Schedules.compensatoryDayProblem(holidayWorked: holiday, dayOff: holiday.adding(days: 57), isWorkDay: { _ in true }) != nil)
        #expect(Schedules.compensatoryDayProblem(holidayWorked: holiday, dayOff: holiday.adding(days: -1), isWorkDay: { _ in true }) != nil)
        #expect(Schedules.compensatoryDayProblem(holidayWorked: holiday, dayOff: d(2026, 11, 29), isWorkDay: { (1...5).contains($0.weekday) }) == .notAWorkDay)
        #expect(Schedules.compensatoryDayProblem(holidayWorked: holiday, dayOff: holiday.adding(days: 57), isWorkDay: { _ in true })?.messageJa
                .contains("2026-11-24〜2027-01-18") == true)
    }

    @Test func aHolidayWorkedAgainstADayOffIsOrdinaryTimeAndTheDayOffIsPaid() {
        // 代休日 (work-rules §1.4, 対馬市; §2.4 休日勤務手当 "no 代休日 named"): 勤労感謝の日 (Mon 23 Nov 2026) worked
        // 8:30–17:15. Without a 代休日 its 7h45m are 休日勤務 at 135/100; with Wed 2 Dec named as the 代休日 they are
        // ordinary hours (no premium), and 2 Dec is excused with pay (代休, not 欠勤) though nobody clocks in.
        let holiday = d(2026, 11, 23), off = d(2026, 12, 2)
        let zone = TimeZone(identifier: "Asia/Tokyo")!
        let holidays = MunicipalHolidayRules.standard
        let punches = [EffectivePunch(id: UUID(), kind: .clockIn, at: holiday.instant(atMinute: 510, in: zone), place: "本庁舎", source: .selfService, correctionId: nil),
                       EffectivePunch(id: UUID(), kind: .clockOut, at: holiday.instant(atMinute: 1035, in: zone), place: "本庁舎", source: .selfService, correctionId: nil)]
        func figures(_ t: ScheduleTimeline, _ month: YearMonth) -> (MonthlyFigures, [AttendanceDay]) {
            let days = AttendanceCalculator.days(dates: month.days, schedule: { t.day(on: $0) },
                                                 dayKind: { t.dayKind(on: $0, holidayName: holidays.holidayName($0)) },
                                                 punches: punches, marks: t.dayOffMarks(from: month.first, to: month.last), isPartTime: false,
                                                 rules: .default, zone: zone, now: d(2026, 12, 31).instant(atMinute: 0, in: zone))
            return (MonthlyComputation.figures(days: days, paidOrders: [:], shortTime: false), days)
        }
        let nov = YearMonth(year: 2026, month: 11)!, dec = YearMonth(year: 2026, month: 12)!
        let plain = ScheduleTimeline(base: .standard)
        #expect(figures(plain, nov).0.payMinutes[.holiday] == 465)
        #expect(plain.requiredHours(on: holiday, isHoliday: true) == nil)

        let named = ScheduleTimeline(base: .standard, daysOff: [CompensatoryDayOff(holidayWorked: holiday, dayOff: off)])
        let (withDayOff, novDays) = figures(named, nov)
        #expect(withDayOff.payMinutes[.holiday] ?? 0 == 0)
        #expect(withDayOff.overtimeMinutes == 0)
        #expect(novDays.first { $0.date == holiday }?.kind.isWorkDay == true)
        #expect(named.requiredHours(on: holiday, isHoliday: true) != nil, "the holiday's hours are now to be worked")
        #expect(named.requiredHours(on: off, isHoliday: false) == nil, "the day off has none")
        let (december, decDays) = figures(named, dec)
        let offDay = decDays.first { $0.date == off }!
        #expect(offDay.marks.map(\.code) == [.compensatoryDayOff])
        #expect(!offDay.flags.contains(.absent))
        // nobody clocks in all December here: every other work day is 欠勤 and deducted, the 代休日 is not
        #expect(december.unpaidMinutes == decDays.filter { $0.flags.contains(.absent) }.count * 465, "a 代休日 is paid")
        #expect(december.paidLeaveDays == 1)
        #expect(named.dayOff(on: off)?.worked == false && named.dayOff(on: holiday)?.worked == true)
        #expect(named.dayOffMarks(from: nov.first, to: nov.last).isEmpty)
    }

    @Test func rotatingRosterLimits() {
        // 交替制: ≤12 consecutive days, a shift ≤16h, ≥4 週休日 per 4 weeks, 40h a week on average.
        let shift = DailySchedule(start: 480, end: 1020, breakWindow: MinuteRange(start: 720, end: 780)) // 8h
        let start = d(2026, 11, 2)
        var days = (0..<28).map { i -> (CalendarDate, DailySchedule?) in (start.adding(days: i), i % 7 >= 5 ? nil : shift) }
        #expect(Schedules.checkRoster(days).isEmpty)
        for i in 0..<13 { days[i].1 = shift }
        var p = Schedules.checkRoster(days)
        #expect(p == [.tooManyConsecutive(from: start, days: 13), .averageTooHigh(minutesPerWeek: 2760)])   // 5 rest days remain; 23 days × 7h
        for i in 0..<21 { days[i].1 = shift }                         // only 2 left
        p = Schedules.checkRoster(days)
        #expect(p.contains { if case .tooFewRestDays(_, 2) = $0 { return true }; return false })
        #expect(p.contains { if case .averageTooHigh = $0 { return true }; return false })
        var long = (0..<7).map { i -> (CalendarDate, DailySchedule?) in (start.adding(days: i), nil) }
        long[0].1 = DailySchedule(start: 480, end: 480 + 17 * 60)
        #expect(Schedules.checkRoster(long).contains(.shiftTooLong(start, minutes: 1020)))
    }

    @Test func aRosterSetsEachDaysShiftANightShiftIsOneDayAndTheLimitsNameTheirCase() {
        // 交替制 (work-rules §1.4): the roster's shift replaces the week's day for that date; a rostered 週休日 has no hours.
        let night = ShiftPattern.defaults.first { $0.code == "N" }!.day    // 17:00–翌9:00, break 0:00–1:00: 15h
        let sat = d(2026, 11, 28), mon = d(2026, 11, 30)
        let t = ScheduleTimeline(base: .standard, roster: [RosterDay(date: sat, code: "N", shift: night),
                                                           RosterDay(date: mon, code: RosterDay.restCode, shift: nil)])
        #expect(t.day(on: sat) == night && t.day(on: mon) == nil && t.day(on: d(2026, 12, 1)) == .standard)
        #expect(t.dayKind(on: sat, holidayName: nil).isWorkDay && t.dayKind(on: mon, holidayName: nil).isWeeklyRestDay)
        // the night shift worked 17:00–翌9:00 is one day of 15h, all 正規, 6h of it at night (22:00–5:00 less the break)
        let zone = TimeZone(identifier: "Asia/Tokyo")!
        let punches = [EffectivePunch(id: UUID(), kind: .clockIn, at: sat.instant(atMinute: 1020, in: zone), place: "", source: .selfService, correctionId: nil),
                       EffectivePunch(id: UUID(), kind: .clockOut, at: sat.instant(atMinute: 1980, in: zone), place: "", source: .selfService, correctionId: nil)]
        let nov = YearMonth(year: 2026, month: 11)!
        let days = AttendanceCalculator.days(dates: nov.days, schedule: { t.day(on: $0) }, dayKind: { t.dayKind(on: $0, holidayName: nil) },
                                             punches: punches, marks: [], isPartTime: false, rules: .default, zone: zone,
                                             now: d(2026, 12, 5).instant(atMinute: 0, in: zone))
        let worked = days.first { $0.date == sat }!
        #expect(worked.workedMinutes == 900 && worked.withinScheduleMinutes == 900 && !worked.flags.contains(.outsideSchedule))
        #expect(!days.first { $0.date == mon }!.flags.contains(.absent), "a rostered rest day is not an absence")
        let f = MonthlyComputation.figures(days: days.filter { $0.date == sat }, paidOrders: [:], shortTime: false)
        #expect(f.overtimeMinutes == 0 && f.payMinutes[.nightAllowance] == 360)
        // one shift of 16h is the most (見附市); the messages name the limit
        #expect(Schedules.checkRoster([(sat, night)]).filter { if case .shiftTooLong = $0 { true } else { false } }.isEmpty)
        let problem = Schedules.RosterProblem.tooManyConsecutive(from: sat, days: 13)
        #expect(problem.messageJa() == "2026-11-28から13日連続の勤務になります（連続勤務は12日まで）。")
        #expect(Schedules.RosterProblem.tooFewRestDays(from: sat, restDays: 2).messageEn().contains("at least 4"))
    }

    @Test func overtimeCompensatoryTimeConversion() {
        // 超勤代休時間: hours over 60 × 25/100 (assigned days), 15/100 (other days), 50/100 (short-time, 75 at night).
        var t = ClassTotals()
        t[MinuteClass(.overtimeWorkDay, overSixty: true)] = 600     // 10h → 2h30m
        t[MinuteClass(.overtimeOtherDay, overSixty: true)] = 400    // 6h40m → 1h
        t[MinuteClass(.withinStandardDay, night: true, overSixty: true)] = 60 // 1h → 45m
        t[MinuteClass(.overtimeWorkDay)] = 3600                      // the first 60h convert to nothing
        #expect(OvertimeCompensatoryTime.minutes(t) == 150 + 60 + 45)
        let w = OvertimeCompensatoryTime.window(after: YearMonth(year: 2026, month: 11)!)
        #expect(w.from == d(2026, 12, 1) && w.to == d(2027, 1, 31))
        #expect(OvertimeCompensatoryTime.isAllowedUnit(240, dayMinutes: 465))
        #expect(OvertimeCompensatoryTime.isAllowedUnit(465, dayMinutes: 465))
        #expect(!OvertimeCompensatoryTime.isAllowedUnit(120, dayMinutes: 465))
    }
}

import Foundation
import Testing
@testable import YakubaCore

// The close computes 600,000 person-days: the fast paths it takes (one clock per zone, flags in a word, classes added
// straight to totals, days found by walking sorted lists) must give exactly what the plain definitions give.

@Suite("Fast paths of the day computation agree with the plain definitions")
struct FastPathTests {
    @Test func localClockAgreesWithTheZoneInTokyo() {
        let from = CalendarDate(year: 2025, month: 3, day: 1)!, to = CalendarDate(year: 2025, month: 3, day: 31)!
        let clock = LocalClock(zone: tokyo, from: from, to: to)
        var t = from.adding(days: -1).instant(atMinute: 0, in: tokyo).timeIntervalSince1970
        while t < to.adding(days: 2).instant(atMinute: 0, in: tokyo).timeIntervalSince1970 {
            let instant = Date(timeIntervalSince1970: t)
            let date = CalendarDate(instant, in: tokyo)
            #expect(clock.date(of: instant) == date)
            #expect(clock.dayNumber(of: instant) == date.dayNumber)
            #expect(clock.minute(of: instant, from: date) == Int((instant.timeIntervalSince(date.instant(atMinute: 0, in: tokyo)) / 60).rounded(.down)))
            t += 3_599.5   // not on minute boundaries, to check the rounding down
        }
    }

    @Test func localClockAsksTheZoneAcrossADaylightSavingChange() throws {
        // Europe/Berlin moves its clocks on 2025-03-30: no fixed offset, each conversion asks the zone
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let from = CalendarDate(year: 2025, month: 3, day: 1)!, to = CalendarDate(year: 2025, month: 3, day: 31)!
        let clock = LocalClock(zone: berlin, from: from, to: to)
        for day in [from, CalendarDate(year: 2025, month: 3, day: 30)!, to] {
            for minute in [0, 150, 510, 1035, 1439] {
                let instant = day.instant(atMinute: minute, in: berlin)
                #expect(clock.date(of: instant) == CalendarDate(instant, in: berlin))
                #expect(clock.dayNumber(of: instant) == CalendarDate(instant, in: berlin).dayNumber)
            }
        }
        let after = CalendarDate(year: 2025, month: 3, day: 31)!.instant(atMinute: 510, in: berlin)
        #expect(clock.minute(of: after, from: to) == 510)
    }

    /// work-rules §1.1: a 休日 is a 休日 even on a Saturday (no hours) or a part-timer's working weekday; otherwise the
    /// person's week decides between 勤務日 and 週休日.
    @Test func dayKindFromTheCalendarAndTheWeek() {
        #expect(DayKind(holidayName: "元日", hasHours: true) == .holiday(name: "元日"))
        #expect(DayKind(holidayName: "年末年始", hasHours: false) == .holiday(name: "年末年始"))
        #expect(DayKind(holidayName: nil, hasHours: true) == .workDay && DayKind(holidayName: nil, hasHours: true).isWorkDay)
        #expect(DayKind(holidayName: nil, hasHours: false) == .weeklyRestDay && DayKind(holidayName: nil, hasHours: false).isWeeklyRestDay)
        #expect(!DayKind.holiday(name: "元日").isWorkDay && !DayKind.holiday(name: "元日").isWeeklyRestDay)
    }

    @Test func flagsBehaveAsASetInTheirDeclaredOrder() {
        var f: AttendanceFlags = [.late, .absent]
        #expect(f.contains(.late) && f.contains(.absent) && !f.contains(.corrected))
        #expect(f.insert(.late).inserted == false)
        #expect(f.insert(.corrected).inserted)
        #expect(Array(f) == [.absent, .late, .corrected])      // allCases order, as the book lists them
        #expect(f.count == 3)
        #expect(f.remove(.absent) == .absent && f.remove(.absent) == nil)
        #expect(f.isDisjoint(with: MonthlyComputation.openAnomalies))
        #expect(f.isSuperset(of: [.late]) && !f.isSuperset(of: [.late, .openBreak]))
        #expect(f.intersection([.corrected, .openBreak]) == [.corrected])
        #expect(AttendanceFlags().isEmpty)
        for flag in AttendanceFlag.allCases { #expect(AttendanceFlags([flag]).map(\.self) == [flag]) }
    }

    @Test func classifyingIntoTotalsEqualsAddingTheSpans() {
        // a seeded walk over many shapes of day: the spans' totals and the direct totals agree, and both cover the worked time
        var rng = SeededGenerator(seed: 7)
        for n in 0..<500 {
            let date = CalendarDate(year: 2025, month: 5, day: 1 + n % 28)!
            let kinds: [DayKind] = [.workDay, .weeklyRestDay, .holiday(name: "祝日")]
            let start = 300 + Int.random(in: 0..<600, using: &rng), end = start + Int.random(in: 0..<900, using: &rng)
            let worked = [MinuteRange(start: start, end: start + (end - start) / 2), MinuteRange(start: start + (end - start) / 2 + 30, end: end + 30)]
            let ordered = Int.random(in: 0..<2, using: &rng) == 0 ? [] : [MinuteRange(start: 1035, end: 1035 + Int.random(in: 0..<400, using: &rng))]
            let wd = WorkedDay(date: date, kind: kinds[n % 3], scheduled: n % 3 == 1 ? [] : DailySchedule.standard.scheduledRanges,
                               worked: worked, ordered: ordered, shortTime: n % 5 == 0, swapWeek: n % 7 == 0)
            var a = PayClassifier(), b = PayClassifier()
            var spans = ClassTotals(), direct = ClassTotals()
            // the same month's running count on both sides: classify a few days before
            for _ in 0..<(n % 4) { _ = a.classify(wd); b.classify(wd, into: &direct) }
            direct = ClassTotals()
            spans.add(a.classify(wd))
            b.classify(wd, into: &direct)
            #expect(spans == direct)
            #expect(direct.total == worked.map(\.length).reduce(0, +))
        }
    }

    @Test func daysOutOfOrderGetTheSameFiguresAsInOrder() {
        let month = YearMonth(year: 2025, month: 6)!
        var punches: [EffectivePunch] = []
        for d in month.days where d.weekday != 0 && d.weekday != 6 {
            punches.append(punch(.clockIn, d, 500 + d.day))
            punches.append(punch(.clockOut, d, 1035 + d.day * 3))
        }
        let marks = [DayMark(date: CalendarDate(year: 2025, month: 6, day: 12)!, code: .annualLeave),
                     DayMark(date: CalendarDate(year: 2025, month: 6, day: 3)!, code: .annualLeave, minutes: 60)]
        func compute(_ dates: [CalendarDate]) -> [CalendarDate: AttendanceDay] {
            let days = AttendanceCalculator.days(dates: dates, schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                                 dayKind: { WeeklySchedule.standard.schedule(weekday: $0.weekday) == nil ? .weeklyRestDay : .workDay },
                                                 punches: punches, marks: marks, isPartTime: false, rules: .default, zone: tokyo,
                                                 now: month.last.adding(days: 5).instant(atMinute: 0, in: tokyo))
            return Dictionary(uniqueKeysWithValues: days.map { ($0.date, $0) })
        }
        let inOrder = compute(month.days), shuffled = compute(month.days.reversed())
        // without the detail the close skips, every figure and flag is the same
        let lean = AttendanceCalculator.days(dates: month.days, schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                             dayKind: { WeeklySchedule.standard.schedule(weekday: $0.weekday) == nil ? .weeklyRestDay : .workDay },
                                             punches: punches, marks: marks, isPartTime: false, rules: .default,
                                             clock: LocalClock(zone: tokyo, from: month.first, to: month.last),
                                             now: month.last.adding(days: 5).instant(atMinute: 0, in: tokyo), detail: false)
        for l in lean {
            var full = inOrder[l.date]!
            full.punches = []; full.places = []
            #expect(l == full)
        }
        #expect(inOrder == shuffled)
        #expect(inOrder[CalendarDate(year: 2025, month: 6, day: 12)!]?.marks.count == 1)
        #expect(inOrder[CalendarDate(year: 2025, month: 6, day: 2)!]?.workedRanges.count == 2)   // the lunch hour cut out
    }

    /// The close folds each day into the figures as it is computed (`MonthlyComputation.closeMonth`), reusing one day's
    /// storage for the next: over seeded months of every shape (breaks, forgotten clock-outs, stray punches, night work,
    /// holidays, part-time, orders, leave marks, 振替 weeks) it gives exactly the figures and open days of the plain path.
    @Test func theClosesFoldedMonthEqualsDaysThenFigures() {
        var rng = SeededGenerator(seed: 11)
        let month = YearMonth(year: 2025, month: 11)!
        let clock = LocalClock(zone: tokyo, from: month.first, to: month.last)
        let now = month.last.adding(days: 3).instant(atMinute: 600, in: tokyo)
        let holidays: Set<Int> = [CalendarDate(year: 2025, month: 11, day: 3)!.dayNumber, CalendarDate(year: 2025, month: 11, day: 24)!.dayNumber]
        for n in 0..<300 {
            let ws = n % 4 == 0 ? WeeklySchedule.make(weekdays: [1, 2, 3, 4], day: DailySchedule(start: 540, end: 900, breakWindow: MinuteRange(start: 720, end: 765)))
                                : WeeklySchedule.standard
            var punches: [EffectivePunch] = []
            var marks: [DayMark] = []
            var orders: [CalendarDate: [MinuteRange]] = [:]
            for d in month.days {
                let roll = Int.random(in: 0..<20, using: &rng)
                if roll == 0 { marks.append(DayMark(date: d, code: .annualLeave)); continue }
                if roll == 1 { marks.append(DayMark(date: d, code: .sickLeave, minutes: 60)) }
                if roll == 2 { continue }   // absent
                let start = 480 + Int.random(in: 0..<90, using: &rng)
                let end = 1000 + Int.random(in: 0..<(roll == 3 ? 700 : 240), using: &rng)
                punches.append(punch(.clockIn, d, start))
                if roll == 4 { punches.append(punch(.breakStart, d, 730)); punches.append(punch(.breakEnd, d, 770)) }
                if roll == 5 { punches.append(punch(.breakEnd, d, 700)) }           // a stray break end
                if roll != 6 { punches.append(punch(.clockOut, d, end)) }           // 6: a forgotten clock-out
                if roll == 7 || roll == 3 { orders[d] = [MinuteRange(start: 1035, end: 1035 + Int.random(in: 30..<600, using: &rng))] }
            }
            let schedule: (CalendarDate) -> DailySchedule? = { ws.schedule(weekday: $0.weekday) }
            let dayKind: (CalendarDate) -> DayKind = { d in
                DayKind(holidayName: holidays.contains(d.dayNumber) ? "祝日" : nil, hasHours: ws.schedule(weekday: d.weekday) != nil)
            }
            let swapWeeks: Set<Int> = n % 5 == 0 ? [CalendarDate(year: 2025, month: 11, day: 9)!.dayNumber] : []
            let partTime = n % 4 == 0
            let days = AttendanceCalculator.days(dates: month.days, schedule: schedule, dayKind: dayKind, punches: punches, marks: marks,
                                                 isPartTime: partTime, rules: .default, clock: clock, now: now, detail: false)
            let plain = MonthlyComputation.figures(days: days, paidOrders: orders, shortTime: partTime, swapWeeks: swapWeeks)
            let folded = MonthlyComputation.closeMonth(dates: month.days, schedule: schedule, dayKind: dayKind, punches: punches, marks: marks,
                                                       isPartTime: partTime, attendanceRules: .default, clock: clock, now: now,
                                                       paidOrders: orders, swapWeeks: swapWeeks)
            #expect(folded.figures == plain)
            #expect(folded.openDays == days.filter { !$0.flags.isDisjoint(with: MonthlyComputation.openAnomalies) })
        }
    }

    @Test func aDatesStoredDayNumberAgreesWithItsParts() {
        // 1955–2099, the span the holiday calendar covers: built from parts or from a day number, the same date
        var previous: CalendarDate?
        var wrong: [Int] = []
        for n in CalendarDate(year: 1955, month: 1, day: 1)!.dayNumber...CalendarDate(year: 2099, month: 12, day: 31)!.dayNumber {
            let a = CalendarDate(dayNumber: n)
            let b = CalendarDate(year: a.year, month: a.month, day: a.day)!
            var ok = a.dayNumber == n && b.dayNumber == n && a == b && a.hashValue == b.hashValue && CalendarDate(iso: a.iso) == a
            if let p = previous { ok = ok && p < a && p != a && p.adding(days: 1) == a && p.month * 100 + p.day != a.month * 100 + a.day }
            if !ok { wrong.append(n) }
            previous = a
        }
        #expect(wrong.isEmpty)
        #expect(CalendarDate(dayNumber: 0).iso == "1970-01-01" && CalendarDate(year: 2025, month: 4, day: 1)!.weekday == 2)
    }
}

@Suite("The stored form of a month's figures")
struct StoredFiguresTests {
    @Test func storedJSONReadsBackAsTheSameFiguresAsCodableWrites() throws {
        // every field set to a different value, so a field added to MonthlyFigures but not to storedJSON fails to decode
        var f = MonthlyFigures()
        f.scheduledDays = 20; f.scheduledMinutes = 9300; f.daysWorked = 19; f.workedMinutes = 9012; f.paidLeaveDays = 1
        f.paidLeavePartMinutes = 60; f.unpaidMinutes = 15; f.overtimeMinutes = 1830; f.anomalyDays = 2
        f.timeOffEarnedMinutes = 300; f.timeOffMinutes = 240; f.timeOffReplacedMinutes = 960; f.timeOffTakenMinutes = 465
        f.payMinutes = [.p125: 1200, .p150: 630, .nightAllowance: 45, .unordered: 7]
        let decoded = try JSONDecoder().decode(MonthlyFigures.self, from: Data(f.storedJSON.utf8))
        #expect(decoded == f)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let viaCodable = try JSONDecoder().decode(MonthlyFigures.self, from: encoder.encode(f))
        #expect(viaCodable == decoded)
        // empty buckets and an empty month too
        #expect(try JSONDecoder().decode(MonthlyFigures.self, from: Data(MonthlyFigures().storedJSON.utf8)) == MonthlyFigures())
        // figures frozen before the 超勤代休時間 fields existed read them as 0
        let old = #"{"anomalyDays":0,"daysWorked":19,"overtimeMinutes":0,"paidLeaveDays":0,"paidLeavePartMinutes":0,"payMinutes":["p125",60],"scheduledDays":20,"scheduledMinutes":9300,"unpaidMinutes":0,"workedMinutes":8835}"#
        let before = try JSONDecoder().decode(MonthlyFigures.self, from: Data(old.utf8))
        #expect(before.daysWorked == 19 && before.payMinutes == [.p125: 60] && before.timeOffMinutes == 0 && before.timeOffTakenMinutes == 0)
    }
}

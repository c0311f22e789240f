import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }
private func hm(_ h: Int, _ m: Int = 0) -> Int { h * 60 + m }
private func r(_ a: Int, _ b: Int) -> MinuteRange { MinuteRange(start: a, end: b) }

/// 8:30–17:15 less 12:00–13:00: the standard 正規の勤務時間 (work-rules §1.1).
private let standardScheduled = [r(hm(8, 30), hm(12)), r(hm(13), hm(17, 15))]

private func totals(_ spans: [ClassifiedSpan]) -> [PayClass: Int] {
    var t = ClassTotals(); t.add(spans); return t.byPayClass
}

/// A deterministic generator for the property tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Pay classification (work-rules §2.4)")
struct PayClassificationTests {
    // 2026-11-04 is a Wednesday, 11-07 a Saturday, 11-08 a Sunday, 11-23 勤労感謝の日 (Monday).
    let wed = d(2026, 11, 4), sat = d(2026, 11, 7), sun = d(2026, 11, 8), holiday = d(2026, 11, 23)

    @Test func standardDayIsAllRegular() {
        var c = PayClassifier()
        let spans = c.classify(WorkedDay(date: wed, kind: .workDay, scheduled: standardScheduled, worked: standardScheduled))
        #expect(totals(spans) == [.regular: 465])
    }

    @Test func orderedOvertimeOnAWorkDayIs125AndNightIs150() {
        var c = PayClassifier()
        let worked = standardScheduled + [r(hm(17, 15), hm(23))]
        let spans = c.classify(WorkedDay(date: wed, kind: .workDay, scheduled: standardScheduled, worked: worked,
                                         ordered: [r(hm(17, 15), hm(23))]))
        // 17:15–22:00 is 285 min at 125/100; 22:00–23:00 (深夜) at 150/100.
        #expect(totals(spans) == [.regular: 465, .p125: 285, .p150: 60])
    }

    @Test func onlyOrderedTimeIsPaidTheRestIsUnordered() {
        // 超過勤務命令 (work-rules §2.1): pay only the overlap of ordered and actual time.
        var c = PayClassifier()
        let worked = standardScheduled + [r(hm(17, 15), hm(18))]
        let spans = c.classify(WorkedDay(date: wed, kind: .workDay, scheduled: standardScheduled, worked: worked,
                                         ordered: [r(hm(17, 15), hm(17, 45)), r(hm(19), hm(20))]))
        #expect(totals(spans) == [.regular: 465, .p125: 30, .unordered: 15])

        var free = PayClassifier(rules: { var p = PayRules(); p.overtimeNeedsOrder = false; return p }())
        #expect(totals(free.classify(WorkedDay(date: wed, kind: .workDay, scheduled: standardScheduled, worked: worked))) == [.regular: 465, .p125: 45])
    }

    @Test func weeklyRestDayWorkIs135AndNight160() {
        var c = PayClassifier()
        let spans = c.classify(WorkedDay(date: sat, kind: .weeklyRestDay, scheduled: [], worked: [r(hm(9), hm(12)), r(hm(21), hm(23))],
                                         ordered: [r(hm(0), hm(24))]))
        #expect(totals(spans) == [.p135: 240, .p160: 60])
    }

    @Test func holidayInsideScheduleIsHolidayWorkBeyondIs135() {
        // 休日勤務 (work-rules §1.3, §2.4): inside 正規 on a 祝日 → 休日給 135/100; beyond 正規 → 135/100 overtime.
        var c = PayClassifier()
        let worked = standardScheduled + [r(hm(17, 15), hm(18, 15))]
        let spans = c.classify(WorkedDay(date: holiday, kind: .holiday(name: "勤労感謝の日"), scheduled: standardScheduled,
                                         worked: worked, ordered: [r(hm(17, 15), hm(18, 15))]))
        #expect(totals(spans) == [.holiday: 465, .p135: 60])
        // 休日給 is not 超過勤務: it does not count toward the limits or the 60 hours.
        #expect(c.monthCounted == 60)
    }

    @Test func shortTimeStaffGet100UpTo7h45mThen125() {
        // 再任用短時間 / part-time (給与法16条2項, work-rules §2.4): beyond their own 6h until the day reaches 7h45m → 100/100.
        var c = PayClassifier()
        let sched = [r(hm(9), hm(15))]
        let spans = c.classify(WorkedDay(date: wed, kind: .workDay, scheduled: sched, worked: [r(hm(9), hm(17, 30))],
                                         ordered: [r(hm(15), hm(17, 30))], shortTime: true))
        #expect(totals(spans) == [.regular: 360, .p100: 105, .p125: 45])
    }

    @Test func overSixtyHoursInAMonthEscalatesTo150And175() {
        // 月60時間超 (給与法16条, work-rules §2.4): 125 → 150, 150 (night) → 175, 135 → 150.
        var c = PayClassifier()
        var t = ClassTotals()
        let nov = YearMonth(year: 2026, month: 11)!
        for date in nov.days {
            let kind: DayKind = [0, 6].contains(date.weekday) ? .weeklyRestDay : (date == holiday ? .holiday(name: "勤労感謝の日") : .workDay)
            guard kind.isWorkDay else { continue }
            // 4h of ordered overtime every work day: 17:15–21:15.
            let ot = r(hm(17, 15), hm(21, 15))
            t.add(c.classify(WorkedDay(date: date, kind: kind, scheduled: standardScheduled, worked: standardScheduled + [ot], ordered: [ot])))
        }
        // 20 work days in 2026-11 (23rd is a holiday): 80h of overtime, the first 60h at 125, the rest at 150.
        #expect(t.byPayClass == [.regular: 465 * 20, .p125: 3600, .p150: 1200])
        #expect(c.monthCounted == 4800)

        // After 60h: a night hour is 175, a Saturday hour 150.
        let late = r(hm(22), hm(23))
        let n = c.classify(WorkedDay(date: d(2026, 11, 30), kind: .workDay, scheduled: [], worked: [late], ordered: [late]))
        #expect(totals(n) == [.p175: 60])
        let s = c.classify(WorkedDay(date: d(2026, 11, 28), kind: .weeklyRestDay, scheduled: [], worked: [r(hm(9), hm(10))], ordered: [r(hm(9), hm(10))]))
        #expect(totals(s) == [.p150: 60])
    }

    @Test func sundayWorkIsOutsideTheSixtyHourCountByDefault() {
        // "日曜日の勤務は60時間算定の対象外" (work-rules §2.4, one prefecture's guide; configurable).
        var c = PayClassifier()
        let ot = r(hm(17, 15), hm(24, 15))
        for day in 2...13 { // 7h a day on the ten work days 11/2–11/13: 70h
            let date = d(2026, 11, day)
            guard ![0, 6].contains(date.weekday) else { continue }
            _ = c.classify(WorkedDay(date: date, kind: .workDay, scheduled: [], worked: [ot], ordered: [ot]))
        }
        #expect(c.monthCounted > 3600)
        let sunday = d(2026, 11, 15)
        let spans = c.classify(WorkedDay(date: sunday, kind: .weeklyRestDay, scheduled: [], worked: [r(hm(9), hm(10))], ordered: [r(hm(9), hm(10))]))
        #expect(totals(spans) == [.p135: 60])

        var counting = PayRules(); counting.sixtyHourCountExcludesSunday = false
        var c2 = PayClassifier(rules: counting)
        _ = c2.classify(WorkedDay(date: d(2026, 11, 1), kind: .weeklyRestDay, scheduled: [], worked: [r(0, 3600)], ordered: [r(0, 3600)]))
        #expect(c2.monthCounted == 3600)
    }

    @Test func sixtyHoursRestartEachMonth() {
        var c = PayClassifier()
        let big = r(hm(0), hm(0) + 3700)
        _ = c.classify(WorkedDay(date: d(2026, 10, 31), kind: .weeklyRestDay, scheduled: [], worked: [big], ordered: [big]))
        let spans = c.classify(WorkedDay(date: d(2026, 11, 2), kind: .workDay, scheduled: [], worked: [r(hm(18), hm(19))], ordered: [r(hm(18), hm(19))]))
        #expect(totals(spans) == [.p125: 60])
    }

    @Test func swapWeekExcessOver38h45mIs25() {
        // 週休日の振替 into the week (work-rules §1.4): a 6th day of 7h45m → 46h30m of 正規; the 7h45m over 38h45m is 25/100.
        var c = PayClassifier()
        var t = ClassTotals()
        for day in 2...7 { // Mon 11/2 – Sat 11/7, Saturday swapped in
            t.add(c.classify(WorkedDay(date: d(2026, 11, day), kind: .workDay, scheduled: standardScheduled, worked: standardScheduled, swapWeek: true)))
        }
        #expect(t.byPayClass == [.regular: 2325, .p25: 465])
        // Without a swap in the week nothing is reclassified (rotating rosters average over four weeks instead).
        var c2 = PayClassifier()
        var t2 = ClassTotals()
        for day in 2...7 { t2.add(c2.classify(WorkedDay(date: d(2026, 11, day), kind: .workDay, scheduled: standardScheduled, worked: standardScheduled))) }
        #expect(t2.byPayClass == [.regular: 2790])
    }

    @Test func nightShiftAcrossMidnightIsOneWorkDay() {
        // 16:30–翌1:15 with 20:00–21:00 break: 正規 night minutes (22:00–1:15) earn 夜間勤務手当 (25/100).
        var c = PayClassifier()
        let sched = [r(hm(16, 30), hm(20)), r(hm(21), hm(25, 15))]
        let spans = c.classify(WorkedDay(date: wed, kind: .workDay, scheduled: sched, worked: sched + [r(hm(25, 15), hm(26, 15))],
                                         ordered: [r(hm(25, 15), hm(26, 15))]))
        #expect(totals(spans) == [.regular: 270, .nightAllowance: 195, .p150: 60])
    }

    @Test func earlyMorningBeforeFiveIsNight() {
        var c = PayClassifier()
        let spans = c.classify(WorkedDay(date: wed, kind: .workDay, scheduled: standardScheduled, worked: [r(hm(4), hm(8, 30))] + standardScheduled,
                                         ordered: [r(hm(4), hm(8, 30))]))
        #expect(totals(spans) == [.p150: 60, .p125: 210, .regular: 465])
    }

    @Test func monthlyRoundingRule() {
        // 1時間未満の端数: 30分以上は1時間に切り上げ、30分未満は切り捨て (work-rules §2.4).
        #expect(payRounded(0) == 0)
        #expect(payRounded(29) == 0)
        #expect(payRounded(30) == 60)
        #expect(payRounded(89) == 60)
        #expect(payRounded(90) == 120)
        #expect(payRounded(600) == 600)
    }

    @Test func minuteClassIndexRoundTrips() {
        for (i, c) in MinuteClass.all.enumerated() { #expect(c.index == i) }
        #expect(Set(MinuteClass.all.map(\.payClass)) == Set(PayClass.allCases))
    }

    // MARK: - Properties

    private func randomDay(_ g: inout SeededGenerator, date: CalendarDate) -> WorkedDay {
        let kinds: [DayKind] = [.workDay, .workDay, .workDay, .weeklyRestDay, .holiday(name: "祝日")]
        let kind = kinds.randomElement(using: &g)!
        let start = Int.random(in: 0...900, using: &g)
        let sched = kind == .weeklyRestDay ? [] : [r(start, start + Int.random(in: 60...300, using: &g)),
                                                   r(start + 360, start + 360 + Int.random(in: 0...300, using: &g))]
        var worked: [MinuteRange] = []
        var t = Int.random(in: 0...1200, using: &g)
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            let len = Int.random(in: 1...600, using: &g)
            worked.append(r(t, t + len))
            t += len + Int.random(in: 1...120, using: &g)
        }
        var ordered: [MinuteRange] = []
        for _ in 0..<Int.random(in: 0...3, using: &g) {
            let a = Int.random(in: 0...2400, using: &g)
            ordered.append(r(a, a + Int.random(in: 1...600, using: &g)))
        }
        return WorkedDay(date: date, kind: kind, scheduled: sched, worked: worked, ordered: ordered,
                         shortTime: Bool.random(using: &g), swapWeek: Bool.random(using: &g))
    }

    @Test func propertyEveryWorkedMinuteIsClassifiedExactlyOnce() {
        var g = SeededGenerator(seed: 42)
        for trial in 0..<100 {
            var c = PayClassifier()
            for day in 1...30 {
                let wd = randomDay(&g, date: d(2026, 11, day))
                let spans = c.classify(wd)
                let workedMinutes = Set(wd.worked.flatMap { $0.start..<$0.end })
                var seen: [Int] = []
                for s in spans { seen += Array(s.range.start..<s.range.end) }
                #expect(seen.count == workedMinutes.count, "trial \(trial) day \(day): \(spans.count) spans")
                #expect(Set(seen) == workedMinutes, "trial \(trial) day \(day)")
                #expect(seen == seen.sorted(), "trial \(trial) day \(day): spans in time order")
            }
        }
    }

    @Test func propertyRecomputingGivesTheSameAnswer() {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<100 {
            let days = (1...30).map { randomDay(&g, date: d(2026, 11, $0)) }
            var a = PayClassifier(), b = PayClassifier()
            let first = days.map { a.classify($0) }
            let second = days.map { b.classify($0) }
            #expect(first == second)
            #expect(a.monthCounted == b.monthCounted)
        }
    }

    @Test func propertyMovingAPunchByAMinuteChangesOnlyNearbyClasses() {
        // Moving the clock-out one minute later adds exactly one minute, to one class; the running thresholds
        // (7h45m band, the week's 38h45m, the month's 60h) can each move one minute from one class to the next.
        var g = SeededGenerator(seed: 2026)
        for trial in 0..<500 {
            let prefix = (1...Int.random(in: 1...20, using: &g)).map { randomDay(&g, date: d(2026, 11, $0)) }
            var day = prefix.last!
            let before = prefix.dropLast()
            func run(_ last: WorkedDay) -> ClassTotals {
                var c = PayClassifier(); for p in before { _ = c.classify(p) }
                var t = ClassTotals(); t.add(c.classify(last)); return t
            }
            let base = run(day)
            var later = day
            let i = later.worked.indices.max(by: { later.worked[$0].end < later.worked[$1].end })!
            later.worked[i].end += 1
            let moved = run(later)
            #expect(moved.total == base.total + 1, "trial \(trial)")
            let l1 = zip(moved.minutes, base.minutes).map { abs($0 - $1) }.reduce(0, +)
            #expect(l1 <= 7, "trial \(trial): \(l1)")
            // and the clock-in one minute later removes exactly one minute
            let j = day.worked.indices.min(by: { day.worked[$0].start < day.worked[$1].start })!
            guard day.worked[j].length > 1 else { continue }
            day.worked[j].start += 1
            let shifted = run(day)
            #expect(shifted.total == base.total - 1, "trial \(trial)")
            #expect(zip(shifted.minutes, base.minutes).map { abs($0 - $1) }.reduce(0, +) <= 7, "trial \(trial)")
        }
    }
}

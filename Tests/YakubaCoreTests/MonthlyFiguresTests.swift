import Foundation
import Testing
@testable import YakubaCore

private func cd(_ y: Int, _ m: Int, _ dd: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: dd)! }

@Suite("Monthly figures and the payroll row (締め)")
struct MonthlyFiguresTests {
    /// November 2026 for a Mon–Fri 8:30–17:15 person: ordered overtime on the 4th, annual leave on the 5th, absent on
    /// the 6th, an unpaid hour on the 9th, work on the 23rd (勤労感謝の日) and on Saturday the 28th.
    func month() -> [AttendanceDay] {
        let nov = YearMonth(year: 2026, month: 11)!
        var punches: [EffectivePunch] = []
        for date in nov.days where (1...5).contains(date.weekday) && ![cd(2026, 11, 5), cd(2026, 11, 6)].contains(date) {
            punches.append(punch(.clockIn, date, 510))
            punches.append(punch(.clockOut, date, date == cd(2026, 11, 4) ? 1155 : 1035))
        }
        punches.append(punch(.clockIn, cd(2026, 11, 28), 540)); punches.append(punch(.clockOut, cd(2026, 11, 28), 720))
        let marks = [DayMark(date: cd(2026, 11, 5), code: .annualLeave), DayMark(date: cd(2026, 11, 9), code: .unpaidLeave, minutes: 60)]
        return AttendanceCalculator.days(dates: nov.days, schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                         dayKind: { $0 == cd(2026, 11, 23) ? .holiday(name: "勤労感謝の日") : ([0, 6].contains($0.weekday) ? .weeklyRestDay : .workDay) },
                                         punches: punches.sorted { $0.at < $1.at }, marks: marks, isPartTime: false, rules: .default, zone: tokyo,
                                         now: cd(2026, 12, 5).instant(atMinute: 0, in: tokyo))
    }

    @Test func figuresOfAMonth() {
        let days = month()
        for d in days { #expect(d.workedRanges.map(\.length).reduce(0, +) == d.workedMinutes, "\(d.date)") }
        let f = MonthlyComputation.figures(days: days, paidOrders: [cd(2026, 11, 4): [MinuteRange(start: 1035, end: 1155)],
                                                                    cd(2026, 11, 28): [MinuteRange(start: 540, end: 720)]], shortTime: false)
        #expect(f.scheduledDays == 20)            // 21 weekdays less the 休日
        #expect(f.daysWorked == 20)               // 19 weekdays worked + Saturday (the 23rd too: 18 + 23rd + 28th)
        #expect(f.paidLeaveDays == 1)
        #expect(f.unpaidMinutes == 465 + 60)      // absent on the 6th, one unpaid hour on the 9th
        #expect(f.payMinutes[.p125] == 120)       // the ordered 17:15–19:15
        #expect(f.payMinutes[.p135] == 180)       // Saturday 9:00–12:00
        #expect(f.payMinutes[.holiday] == 465)    // 勤労感謝の日 inside scheduled time
        #expect(f.overtimeMinutes == 300)
        #expect(f.holidayHours == 8)              // 7h45m rounds up
        #expect(f.anomalyDays == 1)               // the absence
        let row = PayrollExport.row(.init(staffNumber: "100001", name: "市役所 太郎", departmentCode: "0101", departmentName: "総務部 人事課",
                                          employment: .regular, figures: f), month: YearMonth(year: 2026, month: 11)!)
        #expect(row.count == PayrollExport.columns.count)
        #expect(row[6] == "給料")
        #expect(row[13] == "2" && row[14] == "3")  // 超勤125, 超勤135 in whole hours
    }

    @Test func theMonthsDayCountsForTheDashboard() throws {
        // issue 5's 打刻率: days with both punches and nothing corrected ÷ past work days that needed punches (leave excluded)
        var days = month()
        var f = MonthlyComputation.figures(days: days, paidOrders: [:], shortTime: false).counts
        #expect(f.punchDays == 19)          // 20 work days less the 5th's whole-day 年休
        #expect(f.completeDays == 18)       // less the 6th, absent
        #expect(f.absentDays == 1 && f.missingDays == 0 && f.correctedDays == 0)
        #expect(f.annualLeaveDays == 1 && f.annualLeaveMinutes == 0)
        #expect(f.lateNightDays == 0)
        // a forgotten clock-out, a corrected day and work past 22:00
        days[1].flags.insert(.missingClockOut); days[1].lastOut = nil
        days[2].flags.insert(.corrected)
        days[3].workedRanges.append(MinuteRange(start: 1300, end: 1350))
        f = MonthlyComputation.figures(days: days, paidOrders: [:], shortTime: false).counts
        #expect(f.completeDays == 16 && f.missingDays == 1 && f.correctedDays == 1 && f.lateNightDays == 1)
        // a day yet to come (no punches, no flags) is not a day that needed punches
        var future = days[days.count - 2]
        future.flags = []; future.firstIn = nil; future.lastOut = nil; future.workedRanges = []
        var counts = DayCounts()
        counts.add(future)
        #expect(counts.punchDays == 0)
        // the stored form reads back, and figures frozen before the counts existed read them as zero
        var g = MonthlyFigures(); g.counts = f
        #expect(try JSONDecoder().decode(MonthlyFigures.self, from: Data(g.storedJSON.utf8)) == g)
        #expect(try JSONDecoder().decode(DayCounts.self, from: Data("{\"punchDays\":3}".utf8)).punchDays == 3)
    }

    @Test func aSwapWeekThatBeganLastMonthCountsItsHoursFromItsSunday() {
        // 週休日の振替 band (work-rules §1.4, §2.4): Sat 12/5 is worked instead of Mon 12/7, so the week of Sun 11/29–Sat 12/5
        // has six days of 7h45m: Mon 11/30 in November and Tue 12/1–Sat 12/5 in December. Its 7h45m over 38h45m is 25/100 on
        // the Saturday; December's close must count Monday's hours, which lie in November.
        let dec = YearMonth(year: 2026, month: 12)!
        let swap = RestDaySwap(workOn: cd(2026, 12, 5), restOn: cd(2026, 12, 7))
        let timeline = ScheduleTimeline(base: .standard, swaps: [swap])
        let dates = YearMonth(year: 2026, month: 11)!.days + dec.days
        var punches: [EffectivePunch] = []
        for date in dates where timeline.day(on: date) != nil && !(date == cd(2026, 11, 3) || date == cd(2026, 11, 23)) {
            punches.append(punch(.clockIn, date, 510)); punches.append(punch(.clockOut, date, 1035))
        }
        let kind = { (d: CalendarDate) -> DayKind in
            timeline.dayKind(on: d, holidayName: [cd(2026, 11, 3), cd(2026, 11, 23)].contains(d) ? "祝日" : nil)
        }
        let weeks = RestDaySwap.weekStarts([swap])
        let november = AttendanceCalculator.days(dates: YearMonth(year: 2026, month: 11)!.days, schedule: { timeline.day(on: $0) }, dayKind: kind,
                                                 punches: punches, marks: [], isPartTime: false, rules: .default, zone: tokyo,
                                                 now: cd(2027, 1, 5).instant(atMinute: 0, in: tokyo))
        let before = MonthlyComputation.weekRegularBefore(dec, days: november)
        #expect(before == 465, "Monday 11/30 only")
        func close(_ prime: Int) -> MonthlyFigures {
            MonthlyComputation.closeMonth(dates: dec.days, schedule: { timeline.day(on: $0) }, dayKind: kind, punches: punches, marks: [],
                                          isPartTime: false, attendanceRules: .default, clock: LocalClock(zone: tokyo, from: dec.first, to: dec.last),
                                          now: cd(2027, 1, 5).instant(atMinute: 0, in: tokyo), paidOrders: [:], swapWeeks: weeks,
                                          weekRegularBefore: prime).figures
        }
        #expect(close(before).payMinutes[.p25] == 465)
        #expect(close(0).payMinutes[.p25] == nil, "counted from the 1st, the week looks short and the excess is lost")
    }

    @Test func partTimeStaffArePaidRemuneration() {
        #expect(PayKind(.fiscalYearPartTime) == .remuneration)
        #expect(PayKind(.fiscalYearFullTime) == .salary)
        #expect(PayKind(.regular).labelJa == "給料" && PayKind(.fiscalYearPartTime).labelJa == "報酬")
    }

    @Test func workedRangesAlwaysAddUpToWorkedMinutes() {
        // a property of the day computation the classifier relies on: random punch days
        var g = SeededGenerator(seed: 99)
        for _ in 0..<300 {
            var ps: [EffectivePunch] = []
            var t = Int.random(in: 300...700, using: &g)
            ps.append(punch(.clockIn, d, t))
            for _ in 0..<Int.random(in: 0...2, using: &g) {
                t += Int.random(in: 10...200, using: &g); ps.append(punch(.breakStart, d, t))
                t += Int.random(in: 5...90, using: &g); ps.append(punch(.breakEnd, d, t))
            }
            t += Int.random(in: 10...500, using: &g); ps.append(punch(.clockOut, d, t))
            let day = day(ps, on: d)
            #expect(day.workedRanges.map(\.length).reduce(0, +) == day.workedMinutes)
        }
    }
}

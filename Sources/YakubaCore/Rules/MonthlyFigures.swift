import Foundation

// 締め (glossary `MonthlyClose`): a person's month reduced to the figures payroll needs, computed from the days of
// the attendance book, the paid part of their overtime orders and their leave marks.

/// 給料 (full-time staff) or 報酬 (part-time 会計年度任用職員): labelled apart in exports (work-rules-ja.md §6.3).
public enum PayKind: String, Sendable, Codable, Hashable {
    case salary
    case remuneration

    public init(_ t: EmploymentType) { self = t == .fiscalYearPartTime ? .remuneration : .salary }
    public var labelJa: String { self == .salary ? "給料" : "報酬" }
}

/// A person's month, frozen at the close.
public struct MonthlyFigures: Sendable, Codable, Hashable {
    public var scheduledDays = 0
    public var scheduledMinutes = 0
    public var daysWorked = 0
    public var workedMinutes = 0
    /// whole days of paid leave, and paid leave taken in part days (half days, hours)
    public var paidLeaveDays = 0
    public var paidLeavePartMinutes = 0
    /// time deducted: unpaid leave, 欠勤 (including days absent without leave), late arrival and early leave not excused
    public var unpaidMinutes = 0
    /// minutes per payroll bucket, before rounding
    public var payMinutes: [PayClass: Int] = [:]
    /// 超過勤務 as the limits count it
    public var overtimeMinutes = 0
    /// days with an anomaly still open at the close (missing punches, absence without leave, …)
    public var anomalyDays = 0
    /// 超勤代休時間 (work-rules §2.5): what the month's hours over 60 convert to, what was given (accepted) for them, and
    /// the over-60 minutes whose premium it replaces (already moved down a bucket in `payMinutes`)
    public var timeOffEarnedMinutes = 0
    public var timeOffMinutes = 0
    public var timeOffReplacedMinutes = 0
    /// 超勤代休時間 taken on this month's days (paid, not leave)
    public var timeOffTakenMinutes = 0
    /// how the month was worked, for the 見える化 pages: complete punches, corrections, late nights, 年休 taken, …
    public var counts = DayCounts()

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case scheduledDays, scheduledMinutes, daysWorked, workedMinutes, paidLeaveDays, paidLeavePartMinutes, unpaidMinutes, payMinutes
        case overtimeMinutes, anomalyDays, timeOffEarnedMinutes, timeOffMinutes, timeOffReplacedMinutes, timeOffTakenMinutes, counts
    }

    /// Figures frozen before a field was added read it as 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ k: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? 0 }
        scheduledDays = try int(.scheduledDays); scheduledMinutes = try int(.scheduledMinutes); daysWorked = try int(.daysWorked)
        workedMinutes = try int(.workedMinutes); paidLeaveDays = try int(.paidLeaveDays); paidLeavePartMinutes = try int(.paidLeavePartMinutes)
        unpaidMinutes = try int(.unpaidMinutes); overtimeMinutes = try int(.overtimeMinutes); anomalyDays = try int(.anomalyDays)
        payMinutes = try c.decodeIfPresent([PayClass: Int].self, forKey: .payMinutes) ?? [:]
        timeOffEarnedMinutes = try int(.timeOffEarnedMinutes); timeOffMinutes = try int(.timeOffMinutes)
        timeOffReplacedMinutes = try int(.timeOffReplacedMinutes); timeOffTakenMinutes = try int(.timeOffTakenMinutes)
        counts = try c.decodeIfPresent(DayCounts.self, forKey: .counts) ?? DayCounts()
    }

    /// The stored form: the JSON `JSONEncoder` with sorted keys writes (and `JSONDecoder` reads back), written directly
    /// (a close stores one per person: 20,000 encodings through `Codable` take half a second). `payMinutes` is a list
    /// of bucket, minutes pairs, as `Codable` writes a dictionary whose keys are not strings, in `PayClass` order.
    public var storedJSON: String {
        var pay = ""
        for c in PayClass.allCases { if let m = payMinutes[c] { pay += (pay.isEmpty ? "" : ",") + "\"\(c.rawValue)\",\(m)" } }
        return "{\"anomalyDays\":\(anomalyDays),\"counts\":\(counts.storedJSON),\"daysWorked\":\(daysWorked),\"overtimeMinutes\":\(overtimeMinutes),"
            + "\"paidLeaveDays\":\(paidLeaveDays),\"paidLeavePartMinutes\":\(paidLeavePartMinutes),\"payMinutes\":[\(pay)],"
            + "\"scheduledDays\":\(scheduledDays),\"scheduledMinutes\":\(scheduledMinutes),\"timeOffEarnedMinutes\":\(timeOffEarnedMinutes),"
            + "\"timeOffMinutes\":\(timeOffMinutes),\"timeOffReplacedMinutes\":\(timeOffReplacedMinutes),\"timeOffTakenMinutes\":\(timeOffTakenMinutes),"
            + "\"unpaidMinutes\":\(unpaidMinutes),"
            + "\"workedMinutes\":\(workedMinutes)}"
    }

    /// A bucket's hours for payroll: the month's total rounded by the 30-minute rule.
    public func roundedHours(_ c: PayClass) -> Int { payRounded(payMinutes[c] ?? 0) / 60 }
    /// 夜間勤務手当 hours (night inside 正規の勤務時間, 休日 included), rounded.
    public var nightAllowanceHours: Int { payRounded((payMinutes[.nightAllowance] ?? 0) + (payMinutes[.holidayNight] ?? 0)) / 60 }
    /// 休日勤務手当 hours, rounded.
    public var holidayHours: Int { payRounded((payMinutes[.holiday] ?? 0) + (payMinutes[.holidayNight] ?? 0)) / 60 }
}

public enum MonthlyComputation {
    /// What the close asks HR to resolve or acknowledge: missing punches and absence without leave.
    public static let openAnomalies: AttendanceFlags = [.missingClockOut, .missingClockIn, .openBreak, .absent]

    /// The figures of one person's month.
    /// - days: the month's attendance days, in order (from `AttendanceCalculator`).
    /// - paidOrders: per date, the paid ranges of confirmed (or reported) overtime orders.
    /// - shortTime: short-time or part-time staff (the 100/100 band up to 7h45m).
    /// - swapWeeks: the weeks (their Sunday's day number) a 週休日の振替 brings work into (`ScheduleTimeline.swapWeekStarts`)
    /// - timeOffMinutes: 超勤代休時間 given for the month's hours over 60 (at most what they convert to)
    public static func figures(days: [AttendanceDay], paidOrders: [CalendarDate: [MinuteRange]], shortTime: Bool,
                               rules: PayRules = .default, swapWeeks: Set<Int> = [], timeOffMinutes: Int = 0) -> MonthlyFigures {
        var b = MonthlyFiguresBuilder(paidOrders: paidOrders, shortTime: shortTime, rules: rules, swapWeeks: swapWeeks, timeOffMinutes: timeOffMinutes)
        for i in days.indices { b.add(days[i]) }
        return b.figures
    }
}

extension MonthlyComputation {
    /// The 正規 minutes worked in the days of `month.first`'s week that lie in the month before (for `weekRegularBefore`):
    /// the 振替 band counts a week from its Sunday, not from the 1st. `days` are any days, the earlier month's among them.
    public static func weekRegularBefore(_ month: YearMonth, days: [AttendanceDay]) -> Int {
        let first = month.first.dayNumber, weekStart = first - month.first.weekday
        var sum = 0
        for d in days where d.date.dayNumber >= weekStart && d.date.dayNumber < first && d.kind.isWorkDay { sum += d.withinScheduleMinutes }
        return sum
    }

    /// A person's month for the close: each day computed (as `AttendanceCalculator.days` does, without the list of punches)
    /// and folded straight into the figures; only the days with an anomaly still open are kept, for the list HR checks.
    public static func closeMonth(dates: [CalendarDate], schedule: (CalendarDate) -> DailySchedule?, dayKind: (CalendarDate) -> DayKind,
                                  punches: [EffectivePunch], marks: [DayMark], isPartTime: Bool, attendanceRules: AttendanceRules,
                                  clock: LocalClock, now: Date, paidOrders: [CalendarDate: [MinuteRange]], payRules: PayRules = .default,
                                  swapWeeks: Set<Int> = [], timeOffMinutes: Int = 0, weekRegularBefore: Int = 0)
        -> (figures: MonthlyFigures, openDays: [AttendanceDay]) {
        var sink = CloseSink(builder: MonthlyFiguresBuilder(paidOrders: paidOrders, shortTime: isPartTime, rules: payRules, swapWeeks: swapWeeks,
                                                            timeOffMinutes: timeOffMinutes))
        if weekRegularBefore > 0, let first = dates.first { sink.builder.primeWeek(containing: first, regularMinutes: weekRegularBefore) }
        AttendanceCalculator.forEachDay(dates: dates, schedule: schedule, dayKind: dayKind, punches: punches, marks: marks, isPartTime: isPartTime,
                                        rules: attendanceRules, clock: clock, now: now, detail: false, into: &sink)
        return (sink.builder.figures, sink.open)
    }

    private struct CloseSink: AttendanceDaySink {
        var builder: MonthlyFiguresBuilder
        var open: [AttendanceDay] = []
        mutating func add(_ day: borrowing AttendanceDay) {
            builder.add(day)
            if !day.flags.isDisjoint(with: MonthlyComputation.openAnomalies) { open.append(copy day) }
        }
    }
}

/// A person's month folded into `MonthlyFigures` one day at a time, in date order: `MonthlyComputation.figures(days:…)`
/// over a list, or the close straight from `AttendanceCalculator.forEachDay` without keeping the days.
public struct MonthlyFiguresBuilder: AttendanceDaySink {
    private var f = MonthlyFigures()
    private var classifier: PayClassifier
    private var totals = ClassTotals()
    private let shortTime: Bool
    private let swapWeeks: Set<Int>
    private let paidOrders: [CalendarDate: [MinuteRange]]
    private let timeOffMinutes: Int
    /// the dates with paid orders as day numbers: a person has a few a month, so a worked day is looked up in the orders
    /// only when it is one of them (hashing every worked date, or walking the dictionary, costs for nothing)
    private let orderDays: [Int]
    // most days share one schedule: its ranges are made once
    private var lastSchedule: DailySchedule?
    private var lastRanges: [MinuteRange] = []

    public init(paidOrders: [CalendarDate: [MinuteRange]], shortTime: Bool, rules: PayRules = .default, swapWeeks: Set<Int> = [],
                timeOffMinutes: Int = 0) {
        classifier = PayClassifier(rules: rules)
        self.timeOffMinutes = timeOffMinutes
        self.shortTime = shortTime
        self.swapWeeks = swapWeeks
        self.paidOrders = paidOrders
        orderDays = paidOrders.isEmpty ? [] : paidOrders.keys.map(\.dayNumber)
    }

    private func ordered(_ date: CalendarDate) -> [MinuteRange] {
        orderDays.contains(date.dayNumber) ? paidOrders[date] ?? [] : []
    }

    /// Counts `regularMinutes` of 正規 time already worked in the week holding `date` (the first day to come) before it.
    public mutating func primeWeek(containing date: CalendarDate, regularMinutes: Int) {
        classifier.primeWeek(containing: date, regularMinutes: regularMinutes)
    }

    /// Adds the next day (read in place: a copy of it would retain its arrays and the holiday's name).
    public mutating func add(_ d: borrowing AttendanceDay) {
        let sched = d.schedule
        let restDay = d.kind.isWeeklyRestDay
        if !restDay, let sc = sched, sc != lastSchedule { lastSchedule = sc; lastRanges = sc.scheduledRanges }
        if d.kind.isWorkDay && sched != nil { f.scheduledDays += 1; f.scheduledMinutes += d.scheduledMinutes }
        if d.workedMinutes > 0 || d.firstIn != nil { f.daysWorked += 1 }
        f.workedMinutes += d.workedMinutes
        if !d.workedRanges.isEmpty {
            let dn = d.date.dayNumber
            classifier.classify(date: d.date, kind: d.kind, scheduled: restDay || sched == nil ? [] : lastRanges, worked: d.workedRanges,
                                ordered: orderDays.isEmpty ? [] : ordered(d.date), shortTime: shortTime,
                                swapWeek: !swapWeeks.isEmpty && swapWeeks.contains(dn - d.date.weekday), into: &totals)
        }
        // leave and deductions, on days with hours assigned
        if d.kind.isWorkDay, sched != nil {
            for m in d.marks {
                if m.code == .overtimeTimeOff {
                    f.timeOffTakenMinutes += m.minutes ?? d.scheduledMinutes
                } else if m.code.isPaid {
                    if let part = m.minutes { f.paidLeavePartMinutes += part } else if !m.code.countsAsPresence { f.paidLeaveDays += 1 }
                } else {
                    f.unpaidMinutes += m.minutes ?? d.scheduledMinutes
                }
            }
            if d.flags.contains(.absent) { f.unpaidMinutes += d.scheduledMinutes }
            f.unpaidMinutes += d.lateMinutes + d.earlyLeaveMinutes
        }
        if !d.flags.isDisjoint(with: MonthlyComputation.openAnomalies) { f.anomalyDays += 1 }
        f.counts.add(d)
    }

    /// The month so far.
    public var figures: MonthlyFigures {
        var out = f
        out.payMinutes = totals.byPayClass
        out.overtimeMinutes = totals.overtimeMinutes
        // 超勤代休時間 given for the month's hours over 60: the premium it replaces is not paid
        out.timeOffEarnedMinutes = OvertimeCompensatoryTime.minutes(totals)
        if timeOffMinutes > 0 {
            out.timeOffMinutes = min(timeOffMinutes, out.timeOffEarnedMinutes)
            let r = OvertimeCompensatoryTime.replacement(of: out.timeOffMinutes, in: totals)
            for (c, delta) in r.moves { out.payMinutes[c, default: 0] += delta }
            out.payMinutes = out.payMinutes.filter { $0.value != 0 }
            out.timeOffReplacedMinutes = r.replacedMinutes
        }
        return out
    }
}

/// The payroll export: one row per person, a documented column layout HR maps to their payroll package.
public enum PayrollExport {
    public struct Person: Sendable {
        public var staffNumber: String
        public var name: String
        public var departmentCode: String
        public var departmentName: String
        public var employment: EmploymentType
        public var figures: MonthlyFigures
        public init(staffNumber: String, name: String, departmentCode: String, departmentName: String, employment: EmploymentType, figures: MonthlyFigures) {
            self.staffNumber = staffNumber; self.name = name; self.departmentCode = departmentCode; self.departmentName = departmentName
            self.employment = employment; self.figures = figures
        }
    }

    /// The columns, in order: (header, what it holds). Hours of allowances are whole hours after the month's
    /// 30-minute rounding; other durations are minutes.
    public static let columns: [(header: String, meaning: String)] = [
        ("対象年月", "YYYY-MM"),
        ("職員番号", "staff number"),
        ("氏名", "name"),
        ("所属コード", "department code"),
        ("所属", "department"),
        ("任用区分", "employment type (常勤職員, 再任用短時間勤務職員, 会計年度任用職員（フルタイム／パートタイム）)"),
        ("給与区分", "給料 (full-time) or 報酬 (part-time)"),
        ("所定勤務日数", "days with hours assigned"),
        ("出勤日数", "days worked"),
        ("有給休暇日数", "whole days of paid leave"),
        ("有給休暇時間（分）", "paid leave in half days and hours, minutes"),
        ("無給時間（分）", "unpaid leave, absence, late arrival and early leave, minutes"),
        ("超勤100", "hours at 100/100 (short-time staff up to 7h45m)"),
        ("超勤125", "hours at 125/100"),
        ("超勤135", "hours at 135/100"),
        ("超勤150", "hours at 150/100"),
        ("超勤160", "hours at 160/100"),
        ("超勤175", "hours at 175/100"),
        ("振替超過25", "hours at 25/100 (week over 38h45m from a 振替)"),
        ("振替超過50", "the same over 60 hours a month"),
        ("夜間勤務時間", "night hours inside scheduled time (夜間勤務手当)"),
        ("休日勤務時間", "hours inside scheduled time on a 休日 (休日勤務手当)"),
        ("超過勤務時間（分）", "overtime as the limits count it, minutes"),
        ("命令なし時間外（分）", "time outside the schedule with no order, minutes (for checking, not paid)"),
        ("超勤代休時間指定（分）", "超勤代休時間 given for this month's hours over 60, minutes"),
        ("代休時間に代えた60時間超（分）", "the over-60 minutes whose premium that time off replaces, minutes (already moved from 超勤150/175/振替超過50 to 超勤100/125/135/150/160/振替超過25)"),
        ("超勤代休時間取得（分）", "超勤代休時間 taken on this month's days (paid, no deduction), minutes"),
    ]

    public static func header() -> [String] { columns.map(\.header) }

    public static func row(_ p: Person, month: YearMonth) -> [String] {
        let f = p.figures
        return [month.iso, p.staffNumber, p.name, p.departmentCode, p.departmentName, p.employment.labelJa, PayKind(p.employment).labelJa,
                "\(f.scheduledDays)", "\(f.daysWorked)", "\(f.paidLeaveDays)", "\(f.paidLeavePartMinutes)", "\(f.unpaidMinutes)",
                "\(f.roundedHours(.p100))", "\(f.roundedHours(.p125))", "\(f.roundedHours(.p135))", "\(f.roundedHours(.p150))",
                "\(f.roundedHours(.p160))", "\(f.roundedHours(.p175))", "\(f.roundedHours(.p25))", "\(f.roundedHours(.p50))",
                "\(f.nightAllowanceHours)", "\(f.holidayHours)", "\(f.overtimeMinutes)", "\(f.payMinutes[.unordered] ?? 0)",
                "\(f.timeOffMinutes)", "\(f.timeOffReplacedMinutes)", "\(f.timeOffTakenMinutes)"]
    }
}

import Foundation

// Classification of worked minutes into pay classes (work-rules-ja.md §2.4, glossary `PayClass`).
//
// Every worked minute of a 勤務日 gets exactly one `MinuteClass`: what kind of time it is
// (`WorkCategory`), whether it falls in the night (22:00–5:00) and whether it comes after the
// month's 60 hours. Minutes are handled as ranges, never one by one, so a person's year takes
// microseconds.

/// What kind of time a worked minute is.
public enum WorkCategory: String, CaseIterable, Sendable, Codable, Hashable {
    /// inside 正規の勤務時間 on a 勤務日
    case regular
    /// inside 正規の勤務時間 on a 休日 (祝日, 年末年始): 休日勤務, paid as 休日給
    case holidayWork = "holiday_work"
    /// short-time and part-time staff: ordered time beyond their own schedule until the day reaches
    /// the standard 7h45m, on a day with hours assigned (給与法16条2項, 100/100)
    case withinStandardDay = "within_standard_day"
    /// ordered time outside 正規の勤務時間 on a day with hours assigned (125/100)
    case overtimeWorkDay = "overtime_work_day"
    /// ordered time on a 週休日, or beyond 正規の勤務時間 on a 休日 (135/100)
    case overtimeOtherDay = "overtime_other_day"
    /// 正規の勤務時間 over the week's 38h45m because a 週休日 was swapped into the week (25/100)
    case swapWeeklyExcess = "swap_weekly_excess"
    /// time outside 正規の勤務時間 with no order: recorded, not paid as overtime until an order covers it
    case unordered

    /// Its position in `allCases`.
    @inline(__always) var ordinal: Int {
        switch self {
        case .regular: 0; case .holidayWork: 1; case .withinStandardDay: 2; case .overtimeWorkDay: 3; case .overtimeOtherDay: 4
        case .swapWeeklyExcess: 5; case .unordered: 6
        }
    }

    /// Whether it is 超過勤務 (time the limits of 人事院規則15-14 count, and the 60-hour rule escalates).
    public var isOvertime: Bool {
        switch self {
        case .withinStandardDay, .overtimeWorkDay, .overtimeOtherDay, .swapWeeklyExcess: true
        case .regular, .holidayWork, .unordered: false
        }
    }
}

/// The class of a worked minute: its category, night or not, after the month's 60 hours or not.
public struct MinuteClass: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var category: WorkCategory
    public var night: Bool
    public var overSixty: Bool

    public init(_ category: WorkCategory, night: Bool = false, overSixty: Bool = false) {
        self.category = category; self.night = night; self.overSixty = overSixty && category.isOvertime
    }

    /// A dense index 0..<`MinuteClass.count`, for totals kept in a flat array.
    @inline(__always) public var index: Int {
        (category.ordinal * 2 + (night ? 1 : 0)) * 2 + (overSixty ? 1 : 0)
    }
    public static let count = WorkCategory.allCases.count * 4
    public static let all: [MinuteClass] = (0..<count).map { MinuteClass(index: $0) }
    private static let categories = WorkCategory.allCases

    init(index: Int) {
        category = MinuteClass.categories[index / 4]
        night = (index / 2) % 2 == 1
        overSixty = index % 2 == 1
    }

    /// The payroll bucket this minute is paid in.
    public var payClass: PayClass {
        switch category {
        case .regular: night ? .nightAllowance : .regular
        case .holidayWork: night ? .holidayNight : .holiday
        case .unordered: .unordered
        case .withinStandardDay: overSixty ? (night ? .p175 : .p150) : (night ? .p125 : .p100)
        case .overtimeWorkDay: overSixty ? (night ? .p175 : .p150) : (night ? .p150 : .p125)
        case .overtimeOtherDay: overSixty ? (night ? .p175 : .p150) : (night ? .p160 : .p135)
        case .swapWeeklyExcess: overSixty ? .p50 : .p25
        }
    }

    public var description: String { "\(category.rawValue)\(night ? "+night" : "")\(overSixty ? "+60h" : "")" }

    public static func < (a: MinuteClass, b: MinuteClass) -> Bool { a.index < b.index }
}

/// The payroll buckets (超過勤務手当の支給割合 and the other time-based allowances), named by their
/// common national rates (work-rules-ja.md §2.4). A municipality that pays other rates keeps the buckets
/// and sets the percentages in `PayRateTable`.
public enum PayClass: String, CaseIterable, Sendable, Codable, Hashable {
    /// 正規の勤務時間: covered by the monthly pay, no allowance
    case regular
    /// 夜間勤務手当: night inside 正規の勤務時間 (25/100)
    case nightAllowance = "night_allowance"
    /// 休日勤務手当 (休日給): inside 正規の勤務時間 on a 休日 (135/100)
    case holiday
    /// 休日給 at night: 休日勤務手当 plus 夜間勤務手当
    case holidayNight = "holiday_night"
    case p100, p125, p135, p150, p160, p175
    /// 振替 weekly excess, and the same over 60 hours
    case p25, p50
    /// outside 正規の勤務時間 with no order
    case unordered

    public var labelJa: String {
        switch self {
        case .regular: "正規勤務"; case .nightAllowance: "夜間勤務"; case .holiday: "休日勤務"; case .holidayNight: "休日勤務（夜間）"
        case .p100: "超勤100"; case .p125: "超勤125"; case .p135: "超勤135"; case .p150: "超勤150"; case .p160: "超勤160"
        case .p175: "超勤175"; case .p25: "振替超過25"; case .p50: "振替超過50"; case .unordered: "命令なし時間外"
        }
    }
    public var labelEn: String {
        switch self {
        case .regular: "Regular"; case .nightAllowance: "Night (regular)"; case .holiday: "Holiday work"; case .holidayNight: "Holiday work (night)"
        case .p100: "OT 100"; case .p125: "OT 125"; case .p135: "OT 135"; case .p150: "OT 150"; case .p160: "OT 160"
        case .p175: "OT 175"; case .p25: "Swap excess 25"; case .p50: "Swap excess 50"; case .unordered: "Unordered"
        }
    }
    /// The buckets paid as 時間外勤務手当 (超過勤務手当).
    public var isOvertimePay: Bool {
        switch self { case .p100, .p125, .p135, .p150, .p160, .p175, .p25, .p50: true; default: false }
    }
}

/// The percentage paid for each bucket, with the national defaults (work-rules-ja.md §2.4).
public struct PayRateTable: Hashable, Sendable, Codable {
    public var percent: [PayClass: Int]
    public init(percent: [PayClass: Int] = PayRateTable.nationalDefaults) { self.percent = percent }
    public static let nationalDefaults: [PayClass: Int] = [
        .regular: 0, .nightAllowance: 25, .holiday: 135, .holidayNight: 160, .p100: 100, .p125: 125, .p135: 135,
        .p150: 150, .p160: 160, .p175: 175, .p25: 25, .p50: 50, .unordered: 0,
    ]
    public func rate(_ c: PayClass) -> Int { percent[c] ?? PayRateTable.nationalDefaults[c] ?? 0 }
}

/// Municipality settings of the classification, with the common defaults.
public struct PayRules: Hashable, Sendable, Codable {
    /// the standard day (7h45m): short-time staff's 100/100 band ends here
    public var standardDayMinutes: Int = 465
    /// the standard week (38h45m): 正規の勤務時間 above it in a week with a 振替 is paid 25/100
    public var standardWeekMinutes: Int = 2325
    /// the month's overtime after which rates rise (60h)
    public var escalationThresholdMinutes: Int = 3600
    /// whether Sunday work is left out of the 60-hour count and its escalation (as LSA 37条 does for 法定休日;
    /// ⚠️ one prefecture's guide, work-rules-ja.md §2.4)
    public var sixtyHourCountExcludesSunday: Bool = true
    /// pay outside 正規の勤務時間 only where an order covers it (超過勤務命令, work-rules-ja.md §2.1)
    public var overtimeNeedsOrder: Bool = true
    /// night: 22:00–5:00
    public var nightStartMinute: Int = 1320
    public var nightEndMinute: Int = 300

    public init() {}
    public static let `default` = PayRules()
}

/// One worked day as the classifier needs it. Minutes are counted from the 勤務日's midnight; a shift past
/// midnight runs on past 1440 and stays one 勤務日 (work-rules-ja.md §7.2).
public struct WorkedDay: Hashable, Sendable {
    public var date: CalendarDate
    public var kind: DayKind
    /// 正規の勤務時間 of the day (the schedule's window less its break); empty on a 週休日
    public var scheduled: [MinuteRange]
    /// the time actually worked, breaks removed
    public var worked: [MinuteRange]
    /// the time covered by approved overtime orders (an urgent after-the-fact order covers its actual time)
    public var ordered: [MinuteRange]
    /// a short-time or part-time person (their time beyond the schedule up to 7h45m is 100/100)
    public var shortTime: Bool
    /// the week holds a 週休日の振替, so 正規 time above 38h45m in it is paid 25/100
    public var swapWeek: Bool

    public init(date: CalendarDate, kind: DayKind, scheduled: [MinuteRange], worked: [MinuteRange],
                ordered: [MinuteRange] = [], shortTime: Bool = false, swapWeek: Bool = false) {
        self.date = date; self.kind = kind; self.scheduled = scheduled; self.worked = worked
        self.ordered = ordered; self.shortTime = shortTime; self.swapWeek = swapWeek
    }
}

/// A stretch of one class.
public struct ClassifiedSpan: Hashable, Sendable {
    public var range: MinuteRange
    public var minuteClass: MinuteClass
    public init(_ range: MinuteRange, _ c: MinuteClass) { self.range = range; minuteClass = c }
}

/// Minutes per `MinuteClass`, kept flat.
public struct ClassTotals: Hashable, Sendable {
    public var minutes: [Int]
    public init() { minutes = Array(repeating: 0, count: MinuteClass.count) }

    public subscript(_ c: MinuteClass) -> Int {
        get { minutes[c.index] }
        set { minutes[c.index] = newValue }
    }
    public mutating func add(_ spans: [ClassifiedSpan]) { for s in spans { minutes[s.minuteClass.index] += s.range.length } }
    public mutating func add(_ other: ClassTotals) { for i in 0..<minutes.count { minutes[i] += other.minutes[i] } }
    public var total: Int { minutes.reduce(0, +) }
    public func total(where keep: (MinuteClass) -> Bool) -> Int {
        var t = 0
        for i in 0..<minutes.count where minutes[i] != 0 && keep(MinuteClass(index: i)) { t += minutes[i] }
        return t
    }
    /// Minutes per payroll bucket.
    public var byPayClass: [PayClass: Int] {
        var out: [PayClass: Int] = [:]
        for i in 0..<minutes.count where minutes[i] != 0 { out[MinuteClass(index: i).payClass, default: 0] += minutes[i] }
        return out
    }
    /// 超過勤務 minutes (what the limits count).
    public var overtimeMinutes: Int { total { $0.category.isOvertime } }
    /// Night minutes of any class (22:00–5:00).
    public var nightMinutes: Int { total { $0.night } }
}

/// The month's rounding of time-based pay (work-rules-ja.md §2.4): each bucket's total is rounded to whole
/// hours, a remainder of 30 minutes or more up, less than 30 down. Returns minutes (a multiple of 60).
public func payRounded(_ minutes: Int) -> Int {
    let h = minutes / 60, r = minutes % 60
    return (r >= 30 ? h + 1 : h) * 60
}

/// Classifies a person's days in date order, carrying the month's 60-hour count and the week's 正規 time.
/// Feed one person's days of one month (or a longer run: the count restarts on the 1st and each Sunday).
public struct PayClassifier: Sendable {
    public let rules: PayRules
    private var month: YearMonth?
    private var weekStart: Int = .min
    /// overtime minutes so far this month that count toward the 60 hours
    public private(set) var monthCounted = 0
    /// 正規 minutes worked so far this week
    private var weekRegular = 0

    public init(rules: PayRules = .default) { self.rules = rules }

    /// Starts the week holding `date` with the 正規 minutes already worked in it before `date`: a month's close begins on
    /// the 1st, but a week that began in the month before counts its 38h45m from its Sunday (the 振替 band, work-rules §2.4).
    public mutating func primeWeek(containing date: CalendarDate, regularMinutes: Int) {
        weekStart = date.dayNumber - date.weekday
        weekRegular = regularMinutes
    }

    /// The classes of one day's worked time, in time order. The spans cover `day.worked` exactly.
    public mutating func classify(_ day: WorkedDay) -> [ClassifiedSpan] {
        var out: [ClassifiedSpan] = []
        out.reserveCapacity(day.worked.count * 3 + 2)
        walk(day) { a, end, c in
            if let last = out.last, last.minuteClass == c, last.range.end == a {
                out[out.count - 1].range.end = end
            } else {
                out.append(ClassifiedSpan(MinuteRange(start: a, end: end), c))
            }
        }
        return out
    }

    /// The same, added straight to `totals` (the close classifies every day of every person; no spans are kept).
    public mutating func classify(_ day: WorkedDay, into totals: inout ClassTotals) {
        walk(day) { a, end, c in totals.minutes[c.index] += end - a }
    }

    /// The same, the day given by its parts (the close's days are read in place: no `WorkedDay` is made, which would
    /// copy its lists).
    public mutating func classify(date: CalendarDate, kind: DayKind, scheduled: [MinuteRange], worked: [MinuteRange], ordered: [MinuteRange],
                                  shortTime: Bool, swapWeek: Bool = false, into totals: inout ClassTotals) {
        walk(date: date, kind: kind, scheduled: scheduled, worked: worked, ordered: ordered, shortTime: shortTime, swapWeek: swapWeek) { a, end, c in
            totals.minutes[c.index] += end - a
        }
    }

    private mutating func walk(_ day: WorkedDay, _ emitSpan: (Int, Int, MinuteClass) -> Void) {
        walk(date: day.date, kind: day.kind, scheduled: day.scheduled, worked: day.worked, ordered: day.ordered, shortTime: day.shortTime,
             swapWeek: day.swapWeek, emitSpan)
    }

    /// Walks the day's worked time in order, handing each stretch of one class to `emitSpan`.
    private mutating func walk(date: CalendarDate, kind: DayKind, scheduled: [MinuteRange], worked: [MinuteRange], ordered: [MinuteRange],
                               shortTime: Bool, swapWeek: Bool, _ emitSpan: (Int, Int, MinuteClass) -> Void) {
        let ym = YearMonth(date)
        if ym != month { month = ym; monthCounted = 0 }
        let ws = date.dayNumber - date.weekday
        if ws != weekStart { weekStart = ws; weekRegular = 0 }

        let workDay = kind.isWorkDay
        let holidayWithHours: Bool = { if case .holiday = kind { return !scheduled.isEmpty }; return false }()
        let countsTowardSixty = !(rules.sixtyHourCountExcludesSunday && date.weekday == 0)
        var paidToday = 0 // regular + paid outside minutes so far today (short-time 7h45m band)

        // Emits [a, b) of one class, splitting where a running count crosses its threshold.
        func emit(_ a: Int, _ b: Int, _ category: WorkCategory, night: Bool) {
            var a = a
            while a < b {
                var cat = category
                var end = b
                switch category {
                case .regular:
                    if swapWeek {
                        let room = rules.standardWeekMinutes - weekRegular
                        if room <= 0 { cat = .swapWeeklyExcess } else { end = min(b, a + room) }
                    }
                case .withinStandardDay:
                    let room = rules.standardDayMinutes - paidToday
                    if room <= 0 { cat = .overtimeWorkDay } else { end = min(b, a + room) }
                default: break
                }
                var over = false
                if cat.isOvertime && countsTowardSixty {
                    let room = rules.escalationThresholdMinutes - monthCounted
                    if room <= 0 { over = true } else { end = min(end, a + room) }
                }
                let len = end - a
                if cat == .regular { weekRegular += len }
                if cat != .unordered && cat != .holidayWork { paidToday += len }
                if cat.isOvertime && countsTowardSixty { monthCounted += len }
                emitSpan(a, end, MinuteClass(cat, night: night, overSixty: over))
                a = end
            }
        }

        for w in normalized(worked) {
            var t = w.start
            while t < w.end {
                // the next boundary: a schedule, order or night edge after t
                var next = w.end
                let inSched = contains(scheduled, t, nextEdge: &next)
                let inOrder = !rules.overtimeNeedsOrder || contains(ordered, t, nextEdge: &next)
                let night = isNight(t, nextEdge: &next)
                let category: WorkCategory
                if inSched {
                    category = holidayWithHours ? .holidayWork : (workDay ? .regular : .overtimeOtherDay)
                } else if !inOrder {
                    category = .unordered
                } else if workDay {
                    category = shortTime ? .withinStandardDay : .overtimeWorkDay
                } else {
                    category = .overtimeOtherDay
                }
                emit(t, next, category, night: night)
                t = next
            }
        }
    }

    /// Whether `t` lies in one of `ranges`; lowers `nextEdge` to the next edge of `ranges` after `t`.
    private func contains(_ ranges: [MinuteRange], _ t: Int, nextEdge: inout Int) -> Bool {
        var inside = false
        for r in ranges {
            if r.start > t { nextEdge = min(nextEdge, r.start) }
            else if t < r.end { inside = true; nextEdge = min(nextEdge, r.end) }
        }
        return inside
    }

    private func isNight(_ t: Int, nextEdge: inout Int) -> Bool {
        let dayStart = (t >= 0 ? t / 1440 : (t - 1439) / 1440) * 1440
        let m = t - dayStart
        if m < rules.nightEndMinute { nextEdge = min(nextEdge, dayStart + rules.nightEndMinute); return true }
        if m >= rules.nightStartMinute { nextEdge = min(nextEdge, dayStart + 1440 + rules.nightEndMinute); return true }
        nextEdge = min(nextEdge, dayStart + rules.nightStartMinute)
        return false
    }

    /// Sorted, merged, empty ranges dropped.
    private func normalized(_ ranges: [MinuteRange]) -> [MinuteRange] {
        if ranges.count <= 1 { return ranges.allSatisfy { $0.length > 0 } ? ranges : [] } // no new array for the usual one range
        // the day computation hands them over sorted and apart: keep them as they are
        if ranges.allSatisfy({ $0.length > 0 }) && zip(ranges, ranges.dropFirst()).allSatisfy({ $0.end < $1.start }) { return ranges }
        var out: [MinuteRange] = []
        for r in ranges.sorted(by: { $0.start < $1.start }) where r.length > 0 {
            if let last = out.last, r.start <= last.end { out[out.count - 1].end = max(last.end, r.end) } else { out.append(r) }
        }
        return out
    }
}

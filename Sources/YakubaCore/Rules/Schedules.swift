import Foundation

// 勤務時間の割振り (work-rules-ja.md §1): shift patterns, a person's dated schedule assignments, the checks a schedule
// must pass for its employment type, 週休日の振替 (−4/+8 weeks), 代休日 (within 8 weeks), and the limits of 交替制.

/// A named pattern of the day: 早出遅出, 時差出勤 (staggered), a rotating shift (glossary `ShiftPattern`).
public struct ShiftPattern: Sendable, Codable, Hashable, Identifiable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case standard, staggered, earlyLate = "early_late", rotating }
    public var code: String
    public var name: String
    public var kind: Kind
    public var day: DailySchedule
    /// the employment types it may be assigned to (nil: all)
    public var appliesTo: [EmploymentType]?
    public var id: String { code }
    public init(code: String, name: String, kind: Kind, day: DailySchedule, appliesTo: [EmploymentType]? = nil) {
        self.code = code; self.name = name; self.kind = kind; self.day = day; self.appliesTo = appliesTo
    }

    /// The patterns a new municipality starts with (HR edits them): the standard day, 早出 and 遅出 (§1.5), and a 交替制
    /// night shift of 16 hours with a 1-hour break (the longest one shift may be, §1.4).
    public static let defaults: [ShiftPattern] = [
        ShiftPattern(code: "D", name: "日勤", kind: .standard, day: .standard),
        ShiftPattern(code: "E", name: "早出", kind: .earlyLate, day: DailySchedule(start: 450, end: 975, breakWindow: MinuteRange(start: 720, end: 780))),
        ShiftPattern(code: "L", name: "遅出", kind: .earlyLate, day: DailySchedule(start: 600, end: 1125, breakWindow: MinuteRange(start: 780, end: 840))),
        ShiftPattern(code: "N", name: "夜勤", kind: .rotating, day: DailySchedule(start: 1020, end: 1980, breakWindow: MinuteRange(start: 1440, end: 1500))),
    ]

    /// 時差出勤: the day's 7h45m moved earlier or later, in 15-minute steps (時差区分, work-rules-ja.md §1.5).
    public static func staggered(startingAt start: Int, breakMinutes: Int = 60, standardMinutes: Int = 465) -> ShiftPattern {
        let end = start + standardMinutes + breakMinutes
        let bs = min(max(720, start + 150), end - breakMinutes - 60)
        return ShiftPattern(code: "T\(start / 60)\(pad(start % 60, 2))", name: "時差出勤 \(formatDuration(start))〜\(formatDuration(end))", kind: .staggered,
                            day: DailySchedule(start: start, end: end, breakWindow: MinuteRange(start: bs, end: bs + breakMinutes)))
    }
}

/// A person's schedule from a date on (dated assignment; the latest one on or before a day applies).
public struct ScheduleAssignment: Sendable, Codable, Hashable {
    public var from: CalendarDate
    public var week: WeeklySchedule
    public init(from: CalendarDate, week: WeeklySchedule) { self.from = from; self.week = week }

}

/// A day of a roster (勤務割, 交替制): the shift the person works on `date` from the pattern `code`, or none (a 週休日). It
/// replaces, for that day, what the weekly schedule says.
public struct RosterDay: Sendable, Codable, Hashable {
    public var date: CalendarDate
    public var code: String
    public var shift: DailySchedule?
    public init(date: CalendarDate, code: String, shift: DailySchedule?) { self.date = date; self.code = code; self.shift = shift }
    /// the code of a rostered 週休日
    public static let restCode = "休"
}

/// 週休日の振替 (work-rules-ja.md §1.4): the person works the 週休日 `workOn`, with the hours `restOn` had, and `restOn`
/// (a work day) becomes their 週休日 instead.
public struct RestDaySwap: Sendable, Codable, Hashable {
    public var workOn: CalendarDate
    public var restOn: CalendarDate
    public init(workOn: CalendarDate, restOn: CalendarDate) { self.workOn = workOn; self.restOn = restOn }

    /// The first day (a Sunday, as a day number) of each week that a swap brings a 週休日's work into from another
    /// week: in such a week, 正規 time beyond 38h45m is paid at 25/100 (週休日の振替による週超過).
    public static func weekStarts(_ swaps: [RestDaySwap]) -> Set<Int> {
        Set(swaps.filter { $0.workOn.dayNumber - $0.workOn.weekday != $0.restOn.dayNumber - $0.restOn.weekday }
            .map { $0.workOn.dayNumber - $0.workOn.weekday })
    }
}

/// 代休日 (work-rules-ja.md §1.4; 対馬市, f-kenshokuro h003, glossary `CompensatoryDayOff`): the person works the 休日
/// `holidayWorked`, whose 正規の勤務時間 are then ordinary hours (no 休日勤務手当), and `dayOff`, a work day within the 8 weeks
/// after, is excused with pay instead (the whole day's hours). Naming none, or cancelling it, leaves the 休日勤務手当.
public struct CompensatoryDayOff: Sendable, Codable, Hashable {
    public var holidayWorked: CalendarDate
    public var dayOff: CalendarDate
    public init(holidayWorked: CalendarDate, dayOff: CalendarDate) { self.holidayWorked = holidayWorked; self.dayOff = dayOff }
}

/// Which weekly schedule is in force on each day for one person: the schedule they were given, replaced from a date on by
/// each dated assignment (勤務時間の割振りの変更), and the days moved by 週休日の振替. Changing a person's hours from a
/// date leaves the days before it as they were: their books, leave hours and overtime checks keep the schedule those days had.
public struct ScheduleTimeline: Sendable, Hashable {
    public let base: WeeklySchedule
    /// in date order; of two on the same date, the later one recorded (last in the given list) applies
    public let assignments: [ScheduleAssignment]
    /// the swaps in force (cancelled ones left out)
    public let swaps: [RestDaySwap]
    /// the 代休日 in force (cancelled ones left out)
    public let daysOff: [CompensatoryDayOff]
    /// the days a roster sets, by day number (the latest entry for a day)
    public let roster: [Int: RosterDay]

    public init(base: WeeklySchedule, assignments: [ScheduleAssignment] = [], swaps: [RestDaySwap] = [], daysOff: [CompensatoryDayOff] = [],
                roster: [RosterDay] = []) {
        self.base = base
        var byDay: [Int: RosterDay] = [:]
        for r in roster { byDay[r.date.dayNumber] = r }
        self.roster = byDay
        // a stable sort: on one date the assignment recorded last stays last, and wins
        self.assignments = assignments.enumerated().sorted { $0.element.from != $1.element.from ? $0.element.from < $1.element.from : $0.offset < $1.offset }.map(\.element)
        self.swaps = swaps
        self.daysOff = daysOff
    }

    /// How a 代休日 touches `date`: the 休日 worked for it, the day off itself, or neither.
    public func dayOff(on date: CalendarDate) -> (CompensatoryDayOff, worked: Bool)? {
        for c in daysOff {
            if c.holidayWorked == date { return (c, true) }
            if c.dayOff == date { return (c, false) }
        }
        return nil
    }

    /// The kind of `date` for this person, given the calendar's 休日 name for it: a 休日 worked against a 代休日 is an
    /// ordinary work day for them (its hours are not 休日勤務).
    public func dayKind(on date: CalendarDate, holidayName: String?) -> DayKind {
        let hasHours = day(on: date) != nil
        if holidayName != nil, !daysOff.isEmpty, daysOff.contains(where: { $0.holidayWorked == date }) { return hasHours ? .workDay : .weeklyRestDay }
        return DayKind(holidayName: holidayName, hasHours: hasHours)
    }

    /// The hours the person must work on `date`: none on a 週休日, on a 休日 (unless worked against a 代休日) or on a 代休日.
    public func requiredHours(on date: CalendarDate, isHoliday: Bool) -> DailySchedule? {
        if !daysOff.isEmpty, let (_, worked) = dayOff(on: date) { return worked ? day(on: date) : nil }
        return isHoliday ? nil : day(on: date)
    }

    /// The 代休 mark of each day off from `from` through `to` (a whole day excused with pay).
    public func dayOffMarks(from: CalendarDate, to: CalendarDate) -> [DayMark] {
        daysOff.filter { $0.dayOff >= from && $0.dayOff <= to }.map { DayMark(date: $0.dayOff, code: .compensatoryDayOff) }
    }

    /// The weeks whose 正規 time beyond 38h45m is paid at 25/100 (`RestDaySwap.weekStarts`).
    public var swapWeekStarts: Set<Int> { RestDaySwap.weekStarts(swaps) }

    /// How a swap touches `date`: the day worked instead of a 週休日, the day off instead, or neither.
    public func swap(on date: CalendarDate) -> (RestDaySwap, worked: Bool)? {
        for s in swaps {
            if s.workOn == date { return (s, true) }
            if s.restOn == date { return (s, false) }
        }
        return nil
    }

    /// The weekly schedule in force on `date`: the latest assignment from that date or before, else the base.
    public func week(on date: CalendarDate) -> WeeklySchedule {
        var found = base
        for a in assignments {
            if a.from > date { break }
            found = a.week
        }
        return found
    }

    /// The day's 正規の勤務時間 on `date` (nil: a 週休日 by the roster or the schedule in force then, or the day off of a
    /// swap); a rostered day has its shift; a 週休日 swapped into work has the hours of the work day it was swapped with.
    public func day(on date: CalendarDate) -> DailySchedule? {
        if !roster.isEmpty, let r = roster[date.dayNumber] { return r.shift }
        if !swaps.isEmpty, let (s, worked) = swap(on: date) {
            return worked ? week(on: s.restOn).schedule(weekday: s.restOn.weekday) : nil
        }
        return week(on: date).schedule(weekday: date.weekday)
    }
}

/// What is wrong with a weekly schedule for a kind of appointment.
public enum ScheduleProblem: Hashable, Sendable {
    /// 常勤: the week must come to 38h45m
    case fullTimeWeek(minutes: Int, required: Int)
    /// part-time (パートタイム会計年度任用職員, 再任用短時間): under 38h45m, and within the body's range
    case partTimeWeek(minutes: Int, range: ClosedRange<Int>)
    /// a day with work but a break shorter than the hours need (over 6h → 45 min, over 8h → 60 min)
    case breakTooShort(weekday: Int, minutes: Int, required: Int)
    case noWorkDay
    /// the schedule's step is 15 minutes (割振りの単位)
    case notInQuarterHours(weekday: Int)

    public var messageJa: String {
        let wd = ["日", "月", "火", "水", "木", "金", "土"]
        switch self {
        case .fullTimeWeek(let m, let r): return "常勤の勤務時間は週\(formatDuration(r))です（この割振りは週\(formatDuration(m))）。"
        case .partTimeWeek(let m, let r): return "短時間・パートタイムの勤務時間は週\(formatDuration(r.lowerBound))〜\(formatDuration(r.upperBound))です（この割振りは週\(formatDuration(m))）。"
        case .breakTooShort(let w, let m, let r): return "\(wd[w])曜日は勤務が\(formatDuration(m))あるので休憩が\(r)分以上必要です。"
        case .noWorkDay: return "勤務日がありません。"
        case .notInQuarterHours(let w): return "\(wd[w])曜日の時刻は15分単位にしてください。"
        }
    }
    public var messageEn: String {
        let wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        switch self {
        case .fullTimeWeek(let m, let r): return "Full-time staff work \(formatDuration(r)) a week (this schedule: \(formatDuration(m)))."
        case .partTimeWeek(let m, let r): return "Short-time and part-time staff work \(formatDuration(r.lowerBound))–\(formatDuration(r.upperBound)) a week (this schedule: \(formatDuration(m)))."
        case .breakTooShort(let w, let m, let r): return "\(wd[w]) has \(formatDuration(m)) of work, so it needs a break of at least \(r) minutes."
        case .noWorkDay: return "There is no work day."
        case .notInQuarterHours(let w): return "Use 15-minute steps on \(wd[w])."
        }
    }
}

public enum Schedules {
    public static let standardWeekMinutes = 2325
    /// 定年前再任用短時間勤務職員: 15h30m–31h a week (舞鶴・茨城 条例2条3項)
    public static let reappointedRange = 930...1860

    /// Checks a weekly schedule for an employment type (bad input: a schedule whose hours do not add up).
    public static func check(_ w: WeeklySchedule, for type: EmploymentType, rules: AttendanceRules = .default) -> [ScheduleProblem] {
        var out: [ScheduleProblem] = []
        if w.workingWeekdays.isEmpty { return [.noWorkDay] }
        for wd in w.workingWeekdays {
            guard let d = w.schedule(weekday: wd) else { continue }
            if d.start % 15 != 0 || d.end % 15 != 0 || (d.breakWindow.map { $0.start % 15 != 0 || $0.end % 15 != 0 } ?? false) {
                out.append(.notInQuarterHours(weekday: wd))
            }
            let worked = d.scheduledMinutes
            let breakMinutes = d.breakWindow.map { $0.overlap(d.window) } ?? 0
            let required = rules.requiredBreak(worked: worked)
            if breakMinutes < required { out.append(.breakTooShort(weekday: wd, minutes: worked, required: required)) }
        }
        let week = w.weeklyMinutes
        switch type {
        case .regular, .fiscalYearFullTime:
            if week != standardWeekMinutes { out.append(.fullTimeWeek(minutes: week, required: standardWeekMinutes)) }
        case .reappointedShortTime:
            if !reappointedRange.contains(week) { out.append(.partTimeWeek(minutes: week, range: reappointedRange)) }
        case .fiscalYearPartTime:
            if !(60...(standardWeekMinutes - 1)).contains(week) { out.append(.partTimeWeek(minutes: week, range: 60...(standardWeekMinutes - 1))) }
        }
        return out
    }

    /// 週休日の振替: the new 週休日 must fall within 4 weeks before and 8 weeks after the day work is ordered on
    /// (見附市規則3条, f-kenshokuro h003), be a work day now, and not be the same day.
    public static func swapProblem(workOn: CalendarDate, restOn: CalendarDate, isWorkDay: (CalendarDate) -> Bool) -> SwapProblem? {
        if restOn == workOn { return .sameDay }
        let diff = restOn.dayNumber - workOn.dayNumber
        if diff < -28 || diff > 56 { return .outsideWindow(from: workOn.adding(days: -28), to: workOn.adding(days: 56)) }
        if !isWorkDay(restOn) { return .notAWorkDay }
        return nil
    }

    public enum SwapProblem: Hashable, Sendable {
        case sameDay, notAWorkDay
        case outsideWindow(from: CalendarDate, to: CalendarDate)
        public var messageJa: String {
            switch self {
            case .sameDay: "同じ日には振り替えられません。"
            case .notAWorkDay: "振替先は勤務日にしてください（週休日・休日には振り替えられません）。"
            case .outsideWindow(let f, let t): "振替先は勤務する日の4週間前から8週間後まで（\(f.iso)〜\(t.iso)）です。"
            }
        }
        public var messageEn: String {
            switch self {
            case .sameDay: "A day cannot be swapped with itself."
            case .notAWorkDay: "Swap to a work day (not a rest day or holiday)."
            case .outsideWindow(let f, let t): "The day off must fall within 4 weeks before and 8 weeks after the work day (\(f.iso) to \(t.iso))."
            }
        }
    }

    public enum DayOffProblem: Hashable, Sendable {
        case outsideWindow(from: CalendarDate, to: CalendarDate)
        case notAWorkDay

        public var messageJa: String {
            switch self {
            case .outsideWindow(let f, let t): "代休日は休日に勤務した日の翌日から8週間以内（\(f.iso)〜\(t.iso)）の勤務日です。"
            case .notAWorkDay: "代休日は勤務日にしてください（週休日・休日は代休日になりません）。"
            }
        }
        public var messageEn: String {
            switch self {
            case .outsideWindow(let f, let t): "The day off must be a work day within the 8 weeks after the holiday worked (\(f.iso) to \(t.iso))."
            case .notAWorkDay: "The day off must be a work day (not a rest day or holiday)."
            }
        }
    }

    /// 代休日: a work day within the 8 weeks after the 休日 worked (対馬市, f-kenshokuro h003). Nil when allowed.
    public static func compensatoryDayProblem(holidayWorked: CalendarDate, dayOff: CalendarDate, isWorkDay: (CalendarDate) -> Bool) -> DayOffProblem? {
        let diff = dayOff.dayNumber - holidayWorked.dayNumber
        if diff < 1 || diff > 56 { return .outsideWindow(from: holidayWorked.adding(days: 1), to: holidayWorked.adding(days: 56)) }
        if !isWorkDay(dayOff) { return .notAWorkDay }
        return nil
    }

    /// The limits of a rotating roster (交替制, 見附市・高島市・利根町): at most 12 consecutive work days, one shift at most
    /// `maxShiftMinutes` (16h; some bodies 15h30m), at least 4 週休日 in every 4 weeks, and 40h a week on average.
    public struct RosterLimits: Sendable, Hashable, Codable {
        public var maxConsecutiveWorkDays = 12
        public var maxShiftMinutes = 960
        public var minRestDaysPer4Weeks = 4
        public var maxAverageWeekMinutes = 2400
        public init() {}
    }

    /// One day of a roster as its limits read it.
    public struct RosterCheckDay: Hashable, Sendable {
        public var date: CalendarDate
        /// the hours assigned (割振り): the rostered shift or the weekly schedule's day; nil on a 週休日
        public var assigned: DailySchedule?
        /// the hours to be worked: none on a 休日 or 代休日 that is not rostered
        public var toWork: DailySchedule?
        /// the shift of the day before runs past midnight into this day (明け)
        public var spill: Bool
        /// worked: hours of its own, or the night before still running
        public var worked: Bool { toWork != nil || spill }
        /// a 週休日 is a whole calendar day without work (LSA 35条): not the morning after a night shift
        public var weeklyRest: Bool { assigned == nil && !spill }

        /// The days in date order from what each has assigned and to be worked; a shift past midnight spills into the next.
        public static func days(_ list: [(date: CalendarDate, assigned: DailySchedule?, toWork: DailySchedule?)]) -> [RosterCheckDay] {
            var out: [RosterCheckDay] = []
            var spill = false
            for x in list {
                out.append(RosterCheckDay(date: x.date, assigned: x.assigned, toWork: x.toWork, spill: spill))
                spill = (x.toWork?.end ?? 0) > 1440
            }
            return out
        }
    }

    public enum RosterProblem: Hashable, Sendable {
        case tooManyConsecutive(from: CalendarDate, days: Int)
        case shiftTooLong(CalendarDate, minutes: Int)
        case tooFewRestDays(from: CalendarDate, restDays: Int)
        case averageTooHigh(minutesPerWeek: Int)
        /// the day's shift starts before the night shift of the day before has ended
        case overlapsPreviousShift(CalendarDate)

        public func messageJa(_ limits: RosterLimits = RosterLimits()) -> String {
            switch self {
            case .tooManyConsecutive(let f, let n): "\(f.iso)から\(n)日連続の勤務になります（連続勤務は\(limits.maxConsecutiveWorkDays)日まで）。"
            case .shiftTooLong(let d, let m): "\(d.iso)の勤務が\(hoursJa(m))あります（1回の勤務は\(hoursJa(limits.maxShiftMinutes))まで）。"
            case .tooFewRestDays(let f, let n): "\(f.iso)からの4週間の週休日が\(n)日です（4週間に\(limits.minRestDaysPer4Weeks)日以上）。"
            case .averageTooHigh(let m): "1週間あたりの勤務時間が平均\(hoursJa(m))になります（平均\(hoursJa(limits.maxAverageWeekMinutes))まで）。"
            case .overlapsPreviousShift(let d): "\(d.iso)の勤務が、前日からの勤務の終わる前に始まります。"
            }
        }
        public func messageEn(_ limits: RosterLimits = RosterLimits()) -> String {
            switch self {
            case .tooManyConsecutive(let f, let n): "\(n) days in a row from \(f.iso) (at most \(limits.maxConsecutiveWorkDays))."
            case .shiftTooLong(let d, let m): "The shift on \(d.iso) is \(hoursEn(m)) long (at most \(hoursEn(limits.maxShiftMinutes)))."
            case .tooFewRestDays(let f, let n): "Only \(n) rest days in the 4 weeks from \(f.iso) (at least \(limits.minRestDaysPer4Weeks))."
            case .averageTooHigh(let m): "An average of \(hoursEn(m)) a week (at most \(hoursEn(limits.maxAverageWeekMinutes)))."
            case .overlapsPreviousShift(let d): "The shift on \(d.iso) starts before the one from the day before has ended."
            }
        }
    }

    /// Checks a roster: `days` maps each date of the period to the shift worked (nil = 週休日), in date order.
    public static func checkRoster(_ days: [(CalendarDate, DailySchedule?)], limits: RosterLimits = RosterLimits()) -> [RosterProblem] {
        checkRoster(RosterCheckDay.days(days.map { ($0.0, $0.1, $0.1) }), limits: limits)
    }

    /// Checks a roster day by day: runs of days worked (a 休日 rested breaks one; the morning after a night shift does
    /// not), each shift's length and that it starts after the one before has ended, the 週休日 in every 28 days, and the
    /// assigned hours a week on average.
    public static func checkRoster(_ days: [RosterCheckDay], limits: RosterLimits = RosterLimits()) -> [RosterProblem] {
        var out: [RosterProblem] = []
        var run = 0, runStart: CalendarDate? = nil
        var previous: DailySchedule? = nil
        for day in days {
            if day.worked {
                if run == 0 { runStart = day.date }
                run += 1
                if run == limits.maxConsecutiveWorkDays + 1, let r = runStart { out.append(.tooManyConsecutive(from: r, days: run)) }
            } else { run = 0 }
            if let s = day.assigned, s.end - s.start > limits.maxShiftMinutes { out.append(.shiftTooLong(day.date, minutes: s.end - s.start)) }
            if let p = previous, let s = day.toWork, p.end - 1440 > s.start { out.append(.overlapsPreviousShift(day.date)) }
            previous = day.toWork
        }
        if days.count >= 28 {
            for i in 0...(days.count - 28) {
                let rest = days[i..<(i + 28)].filter(\.weeklyRest).count
                if rest < limits.minRestDaysPer4Weeks { out.append(.tooFewRestDays(from: days[i].date, restDays: rest)); break }
            }
        }
        let total = days.compactMap { $0.assigned?.scheduledMinutes }.reduce(0, +)
        if !days.isEmpty {
            let perWeek = total * 7 / days.count
            if perWeek > limits.maxAverageWeekMinutes { out.append(.averageTooHigh(minutesPerWeek: perWeek)) }
        }
        return out
    }
}

/// A length of time as words, not as a clock: 「16時間」「40時間8分」「27分」; "16h", "40h 8m", "27m".
public func hoursJa(_ minutes: Int) -> String {
    minutes % 60 == 0 ? "\(minutes / 60)時間" : minutes < 60 ? "\(minutes)分" : "\(minutes / 60)時間\(minutes % 60)分"
}
public func hoursEn(_ minutes: Int) -> String {
    minutes % 60 == 0 ? "\(minutes / 60)h" : minutes < 60 ? "\(minutes)m" : "\(minutes / 60)h \(minutes % 60)m"
}

import Foundation

/// 勤務日 / 週休日 / 休日 (glossary).
public enum DayKind: Hashable, Sendable {
    case workDay
    case weeklyRestDay
    /// 祝日, 年末年始 or a municipality's own 休日: paid, hours excused
    case holiday(name: String)

    public var labelJa: String {
        switch self { case .workDay: "勤務日"; case .weeklyRestDay: "週休日"; case .holiday(let n): n }
    }
    public var labelEn: String {
        switch self { case .workDay: "Work day"; case .weeklyRestDay: "Rest day"; case .holiday(let n): "Holiday (\(n))" }
    }
    public var isWorkDay: Bool { self == .workDay }
}

/// The red codes of the paper 出勤簿 (work-rules §6.3): a day or part of a day not worked for a reason.
public enum DayMarkCode: String, Sendable, Codable, CaseIterable, Hashable {
    case annualLeave = "annual_leave"       // 年休
    case sickLeave = "sick_leave"           // 病休
    case specialLeave = "special_leave"     // 特休
    case businessTrip = "business_trip"     // 出張
    case training                           // 研修
    case dutyExemption = "duty_exemption"   // 職専免
    case childcareLeave = "childcare_leave" // 育休
    case compensatoryDayOff = "compensatory_day_off" // 代休
    case absence                            // 欠勤
    case unpaidLeave = "unpaid_leave"       // 無給の休暇 (介護休暇, 部分休業, …)

    public var labelJa: String {
        switch self {
        case .annualLeave: "年休"; case .sickLeave: "病休"; case .specialLeave: "特休"; case .businessTrip: "出張"
        case .training: "研修"; case .dutyExemption: "職専免"; case .childcareLeave: "育休"; case .compensatoryDayOff: "代休"
        case .absence: "欠勤"; case .unpaidLeave: "無給休"
        }
    }
    public var labelEn: String {
        switch self {
        case .annualLeave: "Annual leave"; case .sickLeave: "Sick leave"; case .specialLeave: "Special leave"
        case .businessTrip: "Business trip"; case .training: "Training"; case .dutyExemption: "Duty exemption"
        case .childcareLeave: "Childcare leave"; case .compensatoryDayOff: "Compensatory day off"; case .absence: "Absence"
        case .unpaidLeave: "Unpaid leave"
        }
    }
    /// Whether the day counts as attended for the book (出張・研修 are work away from the desk).
    public var countsAsPresence: Bool { self == .businessTrip || self == .training }
    /// Whether it excuses the scheduled hours (so no 'absent' mark).
    public var excusesAbsence: Bool { self != .absence }
    /// Whether the time is paid (欠勤, 育児休業 and unpaid leave are deducted).
    public var isPaid: Bool { !(self == .absence || self == .childcareLeave || self == .unpaidLeave) }
}

/// A mark on a day: the whole day, or `minutes` of it (時間休).
public struct DayMark: Hashable, Sendable, Codable {
    public var date: CalendarDate
    public var code: DayMarkCode
    /// nil = the whole day
    public var minutes: Int?
    public init(date: CalendarDate, code: DayMarkCode, minutes: Int? = nil) { self.date = date; self.code = code; self.minutes = minutes }
}

/// Flags an attendance book shows on a day, and HR's list counts.
public enum AttendanceFlag: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case missingClockOut = "missing_clock_out"
    case missingClockIn = "missing_clock_in"
    case openBreak = "open_break"
    case absent
    case late
    case earlyLeave = "early_leave"
    /// work on a 週休日 or 休日, or punches well outside the scheduled window
    case outsideSchedule = "outside_schedule"
    /// a part-time person worked beyond their scheduled time (Setagaya's hidden overtime)
    case beyondSchedule = "beyond_schedule"
    /// less break than LSA 34条 requires for the time worked (work-rules §1.2)
    case insufficientBreak = "insufficient_break"
    case corrected

    public static func < (a: AttendanceFlag, b: AttendanceFlag) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
    public var labelJa: String {
        switch self {
        case .missingClockOut: "退勤打刻なし"; case .missingClockIn: "出勤打刻なし"; case .openBreak: "休憩終了なし"
        case .absent: "欠勤（打刻なし）"; case .late: "遅刻"; case .earlyLeave: "早退"; case .outsideSchedule: "勤務時間外の打刻"
        case .beyondSchedule: "所定超過（短時間）"; case .insufficientBreak: "休憩不足"; case .corrected: "修正あり"
        }
    }
    public var labelEn: String {
        switch self {
        case .missingClockOut: "No clock-out"; case .missingClockIn: "No clock-in"; case .openBreak: "Break not ended"
        case .absent: "Absent (no punch)"; case .late: "Late"; case .earlyLeave: "Left early"; case .outsideSchedule: "Outside schedule"
        case .beyondSchedule: "Beyond schedule (part-time)"; case .insufficientBreak: "Break too short"; case .corrected: "Corrected"
        }
    }
    /// Flags HR treats as anomalies to chase (not merely informative).
    public var isAnomaly: Bool { self != .corrected && self != .late && self != .earlyLeave }
}

/// Municipality-specific parameters of the day computation, with the common defaults.
public struct AttendanceRules: Hashable, Sendable, Codable {
    /// minutes after the scheduled start before a clock-in counts as late
    public var lateGraceMinutes: Int = 0
    /// minutes before the scheduled end that a clock-out may come without counting as early leave
    public var earlyLeaveGraceMinutes: Int = 0
    /// punches further than this from the scheduled window are flagged 'outside schedule'
    public var outsideScheduleToleranceMinutes: Int = 60
    /// deduct the scheduled break when no break was punched during it (most staff do not punch lunch)
    public var autoDeductScheduledBreak: Bool = true
    /// LSA 34条: more than 6h → 45 min; more than `longDayThresholdMinutes` → 60 min (8h, or 7h45m in some 条例)
    public var breakRequiredAfterMinutes: Int = 360
    public var shortBreakMinutes: Int = 45
    public var longDayThresholdMinutes: Int = 480
    public var longBreakMinutes: Int = 60
    /// an open session older than this is a forgotten clock-out
    public var abandonSessionAfterHours: Int = 20

    public init() {}
    public static let `default` = AttendanceRules()

    /// work-rules §1.2: required_break(worked) = 0 if worked ≤ 6h; 45m if ≤ 8h; 60m otherwise.
    public func requiredBreak(worked: Int) -> Int {
        if worked <= breakRequiredAfterMinutes { return 0 }
        if worked <= longDayThresholdMinutes { return shortBreakMinutes }
        return longBreakMinutes
    }
}

/// One day of a person's attendance book, computed from facts.
public struct AttendanceDay: Hashable, Sendable {
    public var date: CalendarDate
    public var kind: DayKind
    public var schedule: DailySchedule?
    public var punches: [EffectivePunch]
    public var firstIn: Date?
    public var lastOut: Date?
    /// actual work: the sessions' spans less breaks
    public var workedMinutes: Int
    public var breakMinutes: Int
    /// the part of `workedMinutes` inside the scheduled window on a work day
    public var withinScheduleMinutes: Int
    /// the rest: before or after the window, or any work on a rest day or holiday
    public var outsideScheduleMinutes: Int
    public var lateMinutes: Int
    public var earlyLeaveMinutes: Int
    public var places: [String]
    public var marks: [DayMark]
    public var flags: Set<AttendanceFlag>
    /// the worked time as minute ranges from the day's midnight (breaks removed; past 1440 after midnight)
    public var workedRanges: [MinuteRange] = []

    public var scheduledMinutes: Int { kind.isWorkDay ? (schedule?.scheduledMinutes ?? 0) : 0 }
}

public enum AttendanceCalculator {
    /// Computes each day of `dates` for one person.
    /// - punches: the person's effective punches from a day before the first date to a day after the last.
    /// - dayKind: the calendar (週休日 from the schedule, 休日 from the municipality's calendar).
    public static func days(dates: [CalendarDate], schedule: (CalendarDate) -> DailySchedule?, dayKind: (CalendarDate) -> DayKind,
                            punches: [EffectivePunch], marks: [DayMark], isPartTime: Bool, rules: AttendanceRules,
                            zone: TimeZone, now: Date) -> [AttendanceDay] {
        let (sessions, stray) = SessionBuilder.sessions(punches)
        var sessionsByDate: [CalendarDate: [WorkSession]] = [:]
        for s in sessions { sessionsByDate[CalendarDate(s.clockIn.at, in: zone), default: []].append(s) }
        var strayByDate: [CalendarDate: [EffectivePunch]] = [:]
        for p in stray { strayByDate[CalendarDate(p.at, in: zone), default: []].append(p) }
        var marksByDate: [CalendarDate: [DayMark]] = [:]
        for m in marks { marksByDate[m.date, default: []].append(m) }
        let today = CalendarDate(now, in: zone)
        let abandon = TimeInterval(rules.abandonSessionAfterHours * 3600)

        return dates.map { date in
            let kind = dayKind(date)
            let sched = schedule(date)
            let daySessions = sessionsByDate[date] ?? []
            let dayStray = strayByDate[date] ?? []
            let dayMarks = marksByDate[date] ?? []
            let midnight = date.instant(atMinute: 0, in: zone)
            func minuteOf(_ d: Date) -> Int { Int(floor(d.timeIntervalSince(midnight) / 60)) }

            var flags = Set<AttendanceFlag>()
            var worked = 0, breaks = 0, within = 0
            var workedRanges: [MinuteRange] = []
            var allPunches: [EffectivePunch] = dayStray
            var places: [String] = []
            for s in daySessions {
                allPunches.append(s.clockIn)
                if let o = s.clockOut { allPunches.append(o) }
                for b in s.breaks { allPunches.append(b.start); if let e = b.end { allPunches.append(e) } }
                allPunches += s.stray
                if !s.clockIn.place.isEmpty, !places.contains(s.clockIn.place) { places.append(s.clockIn.place) }

                let inMin = minuteOf(s.clockIn.at)
                guard let out = s.clockOut else {
                    // still at work now (today, not abandoned) is not an anomaly; otherwise a forgotten clock-out
                    if !(now.timeIntervalSince(s.clockIn.at) < abandon && date >= today.adding(days: -1)) { flags.insert(.missingClockOut) }
                    continue
                }
                let outMin = max(inMin, minuteOf(out.at))
                let span = MinuteRange(start: inMin, end: outMin)
                var punched: [MinuteRange] = []
                for b in s.breaks {
                    guard let e = b.end else { flags.insert(.openBreak); continue }
                    let r = MinuteRange(start: max(inMin, minuteOf(b.start.at)), end: min(outMin, minuteOf(e.at)))
                    if r.length > 0 { punched.append(r) }
                }
                var sessionBreak = punched.map(\.length).reduce(0, +)
                var breakRanges = punched
                if rules.autoDeductScheduledBreak, kind.isWorkDay, let bw = sched?.breakWindow,
                   !punched.contains(where: { $0.overlap(bw) > 0 }) {
                    let auto = MinuteRange(start: max(bw.start, inMin), end: min(bw.end, outMin))
                    if auto.length > 0 { sessionBreak += auto.length; breakRanges.append(auto) }
                }
                let sessionWorked = max(0, span.length - sessionBreak)
                workedRanges += subtract(breakRanges, from: span)
                worked += sessionWorked
                breaks += sessionBreak
                if kind.isWorkDay, let sc = sched {
                    let w = MinuteRange(start: sc.start, end: sc.end)
                    let inWindow = span.overlap(w) - breakRanges.map { $0.overlap(w) }.reduce(0, +)
                    within += max(0, min(sessionWorked, inWindow))
                }
            }
            // time worked through the scheduled break belongs outside: within never exceeds the scheduled time
            if let sc = sched, kind.isWorkDay { within = min(within, sc.scheduledMinutes) }
            allPunches.sort { $0.at < $1.at }
            if !dayStray.isEmpty { flags.insert(.missingClockIn) }
            if allPunches.contains(where: { $0.source == .correction }) { flags.insert(.corrected) }

            let firstIn = daySessions.first?.clockIn.at
            let lastOut = daySessions.last?.clockOut?.at
            var late = 0, early = 0
            let fullDayMark = dayMarks.first(where: { $0.minutes == nil })
            if kind.isWorkDay, let sc = sched {
                if let fi = firstIn {
                    let m = minuteOf(fi)
                    if m > sc.start + rules.lateGraceMinutes { late = m - sc.start }
                    if m < sc.start - rules.outsideScheduleToleranceMinutes { flags.insert(.outsideSchedule) }
                }
                if let lo = lastOut {
                    let m = minuteOf(lo)
                    if m < sc.end - rules.earlyLeaveGraceMinutes { early = sc.end - m }
                    if m > sc.end + rules.outsideScheduleToleranceMinutes { flags.insert(.outsideSchedule) }
                }
                // a time-off mark (時間休) at the start or end excuses the same minutes
                let partial = dayMarks.filter { $0.minutes != nil && $0.code.excusesAbsence }.compactMap(\.minutes).reduce(0, +)
                var excusable = partial
                let excusedLate = min(late, excusable)
                late -= excusedLate
                excusable -= excusedLate
                early = max(0, early - excusable)
                if late > 0 { flags.insert(.late) }
                if early > 0 { flags.insert(.earlyLeave) }
                if daySessions.isEmpty && dayStray.isEmpty && date < today
                    && !(fullDayMark.map { $0.code.excusesAbsence } ?? false) {
                    flags.insert(.absent)
                }
            } else if !daySessions.isEmpty {
                flags.insert(.outsideSchedule)
            }
            let outside = worked - within
            if isPartTime && outside > 0 { flags.insert(.beyondSchedule) }
            if worked > 0, breaks < rules.requiredBreak(worked: worked) { flags.insert(.insufficientBreak) }

            return AttendanceDay(date: date, kind: kind, schedule: sched, punches: allPunches, firstIn: firstIn, lastOut: lastOut,
                                 workedMinutes: worked, breakMinutes: breaks, withinScheduleMinutes: within,
                                 outsideScheduleMinutes: outside, lateMinutes: late, earlyLeaveMinutes: early,
                                 places: places, marks: dayMarks, flags: flags, workedRanges: workedRanges)
        }
    }
}

/// `span` less the (possibly overlapping) `cuts`, as sorted ranges.
func subtract(_ cuts: [MinuteRange], from span: MinuteRange) -> [MinuteRange] {
    var out: [MinuteRange] = []
    var t = span.start
    for c in cuts.sorted(by: { $0.start < $1.start }) where c.end > t && c.start < span.end {
        if c.start > t { out.append(MinuteRange(start: t, end: c.start)) }
        t = max(t, c.end)
    }
    if t < span.end { out.append(MinuteRange(start: t, end: span.end)) }
    return out
}

/// A month's totals, the bottom line of the 出勤簿.
public struct AttendanceTotals: Hashable, Sendable, Codable {
    public var scheduledDays = 0
    public var daysWorked = 0
    public var scheduledMinutes = 0
    public var workedMinutes = 0
    public var withinScheduleMinutes = 0
    public var outsideScheduleMinutes = 0
    public var breakMinutes = 0
    public var lateCount = 0
    public var earlyLeaveCount = 0
    public var absentDays = 0
    public var markedDays: [String: Int] = [:]
    public var flagCounts: [String: Int] = [:]

    public init() {}

    public init(days: [AttendanceDay]) {
        for d in days {
            if d.kind.isWorkDay && d.schedule != nil { scheduledDays += 1; scheduledMinutes += d.scheduledMinutes }
            if d.workedMinutes > 0 || d.firstIn != nil { daysWorked += 1 }
            workedMinutes += d.workedMinutes
            withinScheduleMinutes += d.withinScheduleMinutes
            outsideScheduleMinutes += d.outsideScheduleMinutes
            breakMinutes += d.breakMinutes
            if d.flags.contains(.late) { lateCount += 1 }
            if d.flags.contains(.earlyLeave) { earlyLeaveCount += 1 }
            if d.flags.contains(.absent) { absentDays += 1 }
            for m in d.marks where m.minutes == nil { markedDays[m.code.rawValue, default: 0] += 1 }
            for f in d.flags { flagCounts[f.rawValue, default: 0] += 1 }
        }
    }

    public var anomalyCount: Int {
        flagCounts.filter { AttendanceFlag(rawValue: $0.key)?.isAnomaly ?? false }.map(\.value).reduce(0, +)
    }
}

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
    // by pattern, not `==`: comparing with the synthesized equality copies the holiday's name (per day, per person)
    public var isWorkDay: Bool { if case .workDay = self { true } else { false } }
    public var isWeeklyRestDay: Bool { if case .weeklyRestDay = self { true } else { false } }

    /// A date's kind: a 休日 of the calendar (祝日, 年末年始, the municipality's own) whatever the person's week says; else a
    /// 週休日 when the week assigns no hours that weekday; else a 勤務日. The books, the close and the benchmark all ask this.
    @inline(__always) public init(holidayName: String?, hasHours: Bool) {
        if let name = holidayName { self = .holiday(name: name) } else { self = hasHours ? .workDay : .weeklyRestDay }
    }
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
    case overtimeTimeOff = "overtime_time_off" // 超勤代休 (超勤代休時間: time off for hours over 60)

    public var labelJa: String {
        switch self {
        case .annualLeave: "年休"; case .sickLeave: "病休"; case .specialLeave: "特休"; case .businessTrip: "出張"
        case .training: "研修"; case .dutyExemption: "職専免"; case .childcareLeave: "育休"; case .compensatoryDayOff: "代休"
        case .absence: "欠勤"; case .unpaidLeave: "無給休"; case .overtimeTimeOff: "超勤代休"
        }
    }
    public var labelEn: String {
        switch self {
        case .annualLeave: "Annual leave"; case .sickLeave: "Sick leave"; case .specialLeave: "Special leave"
        case .businessTrip: "Business trip"; case .training: "Training"; case .dutyExemption: "Duty exemption"
        case .childcareLeave: "Childcare leave"; case .compensatoryDayOff: "Compensatory day off"; case .absence: "Absence"
        case .unpaidLeave: "Unpaid leave"; case .overtimeTimeOff: "Overtime time off"
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

    /// The bit of `AttendanceFlags`, in the order of `allCases`.
    @inline(__always) var bit: UInt16 {
        switch self {
        case .missingClockOut: 1 << 0; case .missingClockIn: 1 << 1; case .openBreak: 1 << 2; case .absent: 1 << 3
        case .late: 1 << 4; case .earlyLeave: 1 << 5; case .outsideSchedule: 1 << 6; case .beyondSchedule: 1 << 7
        case .insufficientBreak: 1 << 8; case .corrected: 1 << 9
        }
    }
}

/// A day's flags: a set of `AttendanceFlag` kept in one word (a day's computation makes hundreds of thousands of them in a
/// close), iterated in the order of `AttendanceFlag.allCases`.
public struct AttendanceFlags: SetAlgebra, Sequence, Hashable, Sendable {
    public typealias Element = AttendanceFlag
    public private(set) var bits: UInt16

    public init() { bits = 0 }
    private init(bits: UInt16) { self.bits = bits }
    public init(arrayLiteral elements: AttendanceFlag...) { bits = 0; for e in elements { bits |= e.bit } }

    @inline(__always) public func contains(_ member: AttendanceFlag) -> Bool { bits & member.bit != 0 }
    public func union(_ other: AttendanceFlags) -> AttendanceFlags { AttendanceFlags(bits: bits | other.bits) }
    public func intersection(_ other: AttendanceFlags) -> AttendanceFlags { AttendanceFlags(bits: bits & other.bits) }
    public func symmetricDifference(_ other: AttendanceFlags) -> AttendanceFlags { AttendanceFlags(bits: bits ^ other.bits) }
    @discardableResult @inline(__always)
    public mutating func insert(_ newMember: AttendanceFlag) -> (inserted: Bool, memberAfterInsert: AttendanceFlag) {
        let had = contains(newMember)
        bits |= newMember.bit
        return (!had, newMember)
    }
    @discardableResult public mutating func remove(_ member: AttendanceFlag) -> AttendanceFlag? {
        guard contains(member) else { return nil }
        bits &= ~member.bit
        return member
    }
    @discardableResult public mutating func update(with newMember: AttendanceFlag) -> AttendanceFlag? {
        let had = contains(newMember)
        bits |= newMember.bit
        return had ? newMember : nil
    }
    public mutating func formUnion(_ other: AttendanceFlags) { bits |= other.bits }
    public mutating func formIntersection(_ other: AttendanceFlags) { bits &= other.bits }
    public mutating func formSymmetricDifference(_ other: AttendanceFlags) { bits ^= other.bits }
    public var isEmpty: Bool { bits == 0 }
    public func isDisjoint(with other: AttendanceFlags) -> Bool { bits & other.bits == 0 }
    public var count: Int { bits.nonzeroBitCount }

    public func makeIterator() -> IndexingIterator<[AttendanceFlag]> { AttendanceFlag.allCases.filter(contains).makeIterator() }
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
    public var flags: AttendanceFlags
    /// the worked time as minute ranges from the day's midnight (breaks removed; past 1440 after midnight)
    public var workedRanges: [MinuteRange] = []

    public var scheduledMinutes: Int { kind.isWorkDay ? (schedule?.scheduledMinutes ?? 0) : 0 }
}

/// What takes a person's days one at a time, in date order, from `AttendanceCalculator.forEachDay`.
public protocol AttendanceDaySink {
    mutating func add(_ day: borrowing AttendanceDay)
}

public enum AttendanceCalculator {
    /// Computes each day of `dates` for one person.
    /// - punches: the person's effective punches from a day before the first date to a day after the last.
    /// - dayKind: the calendar (週休日 from the schedule, 休日 from the municipality's calendar).
    public static func days(dates: [CalendarDate], schedule: (CalendarDate) -> DailySchedule?, dayKind: (CalendarDate) -> DayKind,
                            punches: [EffectivePunch], marks: [DayMark], isPartTime: Bool, rules: AttendanceRules,
                            zone: TimeZone, now: Date) -> [AttendanceDay] {
        guard let first = dates.min(), let last = dates.max() else { return [] }
        return days(dates: dates, schedule: schedule, dayKind: dayKind, punches: punches, marks: marks, isPartTime: isPartTime,
                    rules: rules, clock: LocalClock(zone: zone, from: first, to: last), now: now)
    }

    /// The same with a `LocalClock` made once for many people (the close computes thousands of months with one); the
    /// clock must cover `dates` (`LocalClock(zone:from:to:)` with their first and last).
    /// - detail: false leaves each day's `punches` and `places` empty (the close needs the figures and flags, not the list
    ///   of punches the book shows); everything else is the same.
    public static func days(dates: [CalendarDate], schedule: (CalendarDate) -> DailySchedule?, dayKind: (CalendarDate) -> DayKind,
                            punches: [EffectivePunch], marks: [DayMark], isPartTime: Bool, rules: AttendanceRules,
                            clock: LocalClock, now: Date, detail: Bool = true) -> [AttendanceDay] {
        var out = DayList()
        out.days.reserveCapacity(dates.count)
        forEachDay(dates: dates, schedule: schedule, dayKind: dayKind, punches: punches, marks: marks, isPartTime: isPartTime,
                   rules: rules, clock: clock, now: now, detail: detail, into: &out)
        return out.days
    }

    private struct DayList: AttendanceDaySink {
        var days: [AttendanceDay] = []
        mutating func add(_ day: borrowing AttendanceDay) { days.append(copy day) }
    }

    /// The same days, each handed to `sink` in date order instead of collected: the close folds them into figures as they
    /// come, so a day that the sink does not keep leaves its worked ranges' storage to the next day (no allocation per day).
    /// The sink is a value passed `inout`, not a closure over variables, which would have each access checked at run time.
    public static func forEachDay<Sink: AttendanceDaySink>(dates: [CalendarDate], schedule: (CalendarDate) -> DailySchedule?,
                                                           dayKind: (CalendarDate) -> DayKind, punches: [EffectivePunch], marks: [DayMark],
                                                           isPartTime: Bool, rules: AttendanceRules, clock: LocalClock, now: Date,
                                                           detail: Bool = true, into sink: inout Sink) {
        let split = SessionBuilder.indexed(punches)
        let sessions = split.sessions, stray = split.outside
        // each session and stray punch belongs to the date of its first punch; the lists are in time order, so each date's
        // share is a range found by binary search (no dictionary, nothing generic on the hot path)
        let sessionDays = sessions.map { clock.dayNumber(of: punches[$0.clockIn].at) }
        let strayDays = stray.map { clock.dayNumber(of: punches[$0].at) }
        let sortedMarks = marks.count > 1 ? marks.sorted { $0.date < $1.date } : marks
        let markDays = sortedMarks.map(\.date.dayNumber)
        let todayNumber = clock.dayNumber(of: now)
        let abandon = TimeInterval(rules.abandonSessionAfterHours * 3600)

        // reused from day to day: unique again once the previous day is gone, unless the sink kept it
        var workedRanges: [MinuteRange] = []
        var breakRanges: [MinuteRange] = []
        for date in dates {
            let dn = date.dayNumber
            let kind = dayKind(date)
            let sched = schedule(date)
            // the day's shares as index ranges (a slice would retain the whole list, each day)
            let daySessions = dayRange(sessionDays, dn)
            let dayStray = dayRange(strayDays, dn)
            let markRange = dayRange(markDays, dn)
            let dayMarks = markRange.isEmpty ? [] : Array(sortedMarks[markRange])
            @inline(__always) func minuteOf(_ d: Date) -> Int { clock.minute(of: d, fromDay: dn) }

            var flags = AttendanceFlags()
            var worked = 0, breaks = 0, within = 0
            var allPunches: [EffectivePunch] = []
            var places: [String] = []
            var corrected = dayStray.contains { punches[stray[$0]].source == .correction }
            if !daySessions.isEmpty {
                // one allocation for the usual day (in, out, perhaps a break)
                if detail { allPunches.reserveCapacity(dayStray.count + daySessions.count * 4) }
                if !workedRanges.isEmpty { workedRanges.removeAll(keepingCapacity: true) }
                workedRanges.reserveCapacity(daySessions.count * 2)
            }
            if detail { for i in dayStray { allPunches.append(punches[stray[i]]) } }
            let window = sched.map { MinuteRange(start: $0.start, end: $0.end) }
            // each session read in place, its punches by position (a copy would retain each punch's place)
            func add(_ s: SessionPositions) {
                let clockIn = punches[s.clockIn].at
                if detail {
                    allPunches.append(punches[s.clockIn])
                    for b in split.breaks[s.breaks] { allPunches.append(punches[b.start]); if let e = b.end { allPunches.append(punches[e]) } }
                    for i in split.stray[s.stray] { allPunches.append(punches[i]) }
                    if let o = s.clockOut { allPunches.append(punches[o]) }
                    let place = punches[s.clockIn].place
                    if !place.isEmpty, !places.contains(place) { places.append(place) }
                }
                if !corrected {
                    func isCorrection(_ i: Int) -> Bool { punches[i].source == .correction }
                    corrected = isCorrection(s.clockIn) || s.clockOut.map(isCorrection) ?? false || split.stray[s.stray].contains(where: isCorrection)
                        || split.breaks[s.breaks].contains { isCorrection($0.start) || $0.end.map(isCorrection) ?? false }
                }

                let inMin = minuteOf(clockIn)
                guard let out = s.clockOut else {
                    // still at work now (today, not abandoned) is not an anomaly; otherwise a forgotten clock-out
                    if !(now.timeIntervalSince(clockIn) < abandon && dn >= todayNumber - 1) { flags.insert(.missingClockOut) }
                    return
                }
                let outMin = max(inMin, minuteOf(punches[out].at))
                let span = MinuteRange(start: inMin, end: outMin)
                if !breakRanges.isEmpty { breakRanges.removeAll(keepingCapacity: true) }
                var sessionBreak = 0
                for b in split.breaks[s.breaks] {
                    guard let e = b.end else { flags.insert(.openBreak); continue }
                    let r = MinuteRange(start: max(inMin, minuteOf(punches[b.start].at)), end: min(outMin, minuteOf(punches[e].at)))
                    if r.length > 0 { breakRanges.append(r); sessionBreak += r.length }
                }
                if rules.autoDeductScheduledBreak, kind.isWorkDay, let bw = sched?.breakWindow,
                   !breakRanges.contains(where: { $0.overlap(bw) > 0 }) {
                    let auto = MinuteRange(start: max(bw.start, inMin), end: min(bw.end, outMin))
                    if auto.length > 0 { sessionBreak += auto.length; breakRanges.append(auto) }
                }
                let sessionWorked = max(0, span.length - sessionBreak)
                subtract(breakRanges, from: span, into: &workedRanges)
                worked += sessionWorked
                breaks += sessionBreak
                if kind.isWorkDay, let w = window {
                    var inWindow = span.overlap(w)
                    for b in breakRanges { inWindow -= b.overlap(w) }
                    within += max(0, min(sessionWorked, inWindow))
                }
            }
            for i in daySessions { add(sessions[i]) }
            // time worked through the scheduled break belongs outside: within never exceeds the scheduled time
            if let sc = sched, kind.isWorkDay { within = min(within, sc.scheduledMinutes) }
            if zip(allPunches, allPunches.dropFirst()).contains(where: { $0.at >= $1.at }) {
                allPunches.sort { $0.at != $1.at ? $0.at < $1.at : $0.id.bytesPrecede($1.id) }
            }
            if !dayStray.isEmpty { flags.insert(.missingClockIn) }
            if corrected { flags.insert(.corrected) }

            let firstIn = daySessions.isEmpty ? nil : punches[sessions[daySessions.lowerBound].clockIn].at
            let lastOut = daySessions.isEmpty ? nil : sessions[daySessions.upperBound - 1].clockOut.map { punches[$0].at }
            var late = 0, early = 0
            if kind.isWorkDay, let sc = sched {
                if let fi = firstIn {
                    let m = minuteOf(fi)
                    // late and early are scheduled working minutes missed: a scheduled break inside them is no time owed
                    if m > sc.start + rules.lateGraceMinutes { late = sc.workingMinutes(MinuteRange(start: sc.start, end: m)) }
                    if m < sc.start - rules.outsideScheduleToleranceMinutes { flags.insert(.outsideSchedule) }
                }
                if let lo = lastOut {
                    let m = minuteOf(lo)
                    if m < sc.end - rules.earlyLeaveGraceMinutes { early = sc.workingMinutes(MinuteRange(start: m, end: sc.end)) }
                    if m > sc.end + rules.outsideScheduleToleranceMinutes { flags.insert(.outsideSchedule) }
                }
                // a time-off mark (時間休) at the start or end excuses the same minutes
                var excusable = 0
                for m in dayMarks where m.code.excusesAbsence { excusable += m.minutes ?? 0 }
                // parts that together make the day (超勤代休時間 topped up with hours of 年休) excuse it as a whole-day mark does
                let excusesDay = excusable >= sc.scheduledMinutes && excusable > 0
                let excusedLate = min(late, excusable)
                late -= excusedLate
                excusable -= excusedLate
                early = max(0, early - excusable)
                if late > 0 { flags.insert(.late) }
                if early > 0 { flags.insert(.earlyLeave) }
                let fullDayMark = dayMarks.first(where: { $0.minutes == nil })
                if daySessions.isEmpty && dayStray.isEmpty && dn < todayNumber
                    && !(fullDayMark.map { $0.code.excusesAbsence } ?? false) && !excusesDay {
                    flags.insert(.absent)
                }
            } else if !daySessions.isEmpty {
                flags.insert(.outsideSchedule)
            }
            let outside = worked - within
            if isPartTime && outside > 0 { flags.insert(.beyondSchedule) }
            if worked > 0, breaks < rules.requiredBreak(worked: worked) { flags.insert(.insufficientBreak) }

            sink.add(AttendanceDay(date: date, kind: kind, schedule: sched, punches: allPunches, firstIn: firstIn, lastOut: lastOut,
                                   workedMinutes: worked, breakMinutes: breaks, withinScheduleMinutes: within,
                                   outsideScheduleMinutes: outside, lateMinutes: late, earlyLeaveMinutes: early,
                                   places: places, marks: dayMarks, flags: flags, workedRanges: daySessions.isEmpty ? [] : workedRanges))
        }
    }
}

/// The positions of `day` in the sorted `keys`.
@inline(__always) func dayRange(_ keys: [Int], _ day: Int) -> Range<Int> {
    if keys.isEmpty { return 0..<0 }
    var lo = 0, hi = keys.count
    while lo < hi { let mid = (lo + hi) / 2; if keys[mid] < day { lo = mid + 1 } else { hi = mid } }
    var end = lo
    while end < keys.count && keys[end] == day { end += 1 }
    return lo..<end
}

/// `span` less the (possibly overlapping) `cuts`, as sorted ranges.
func subtract(_ cuts: [MinuteRange], from span: MinuteRange) -> [MinuteRange] {
    var out: [MinuteRange] = []
    subtract(cuts, from: span, into: &out)
    return out
}

/// `span` less `cuts`, appended to `out` (no sorting or copying for the usual zero or one cut).
func subtract(_ cuts: [MinuteRange], from span: MinuteRange, into out: inout [MinuteRange]) {
    if span.length <= 0 { return }
    var t = span.start
    // a loop, not a nested function over `t` and `out` (its captures would be checked for exclusive access at run time)
    let ordered = cuts.count <= 1 || zip(cuts, cuts.dropFirst()).allSatisfy({ $0.start <= $1.start }) ? cuts : cuts.sorted(by: { $0.start < $1.start })
    for c in ordered where c.end > t && c.start < span.end {
        if c.start > t { out.append(MinuteRange(start: t, end: c.start)) }
        t = max(t, c.end)
    }
    if t < span.end { out.append(MinuteRange(start: t, end: span.end)) }
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

import Foundation

/// What a person's month says about how they work, beside the pay figures: the 見える化 pages (issue 5) count these
/// over departments and years. Folded one day at a time with the figures, so the close and the dashboard's monthly
/// aggregates come from the same pass over the same days.
public struct DayCounts: Sendable, Codable, Hashable {
    /// work days on which punches were expected: a past work day with hours, not covered by whole-day leave, 出張・研修 or
    /// a day off (打刻率's denominator)
    public var punchDays = 0
    /// of those, days with a clock-in and a clock-out, nothing missing and nothing corrected (打刻率's numerator)
    public var completeDays = 0
    /// days whose punches were corrected (an approved correction or a punch entered on the person's behalf)
    public var correctedDays = 0
    /// days with a punch missing: clock-in, clock-out or the end of a break
    public var missingDays = 0
    /// work days with neither punches nor leave
    public var absentDays = 0
    /// days with work after 22:00 or before 5:00 (深夜)
    public var lateNightDays = 0
    /// a part-timer's time worked beyond their schedule (the hidden overtime Setagaya found)
    public var beyondScheduleMinutes = 0
    /// 年休 taken: whole days, and part days (half days, hours) in minutes
    public var annualLeaveDays = 0
    public var annualLeaveMinutes = 0
    /// whole days of 特別休暇, 病気休暇 and 育児休業 (the indicators count takers of these)
    public var specialLeaveDays = 0
    public var sickLeaveDays = 0
    public var childcareLeaveDays = 0

    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case absentDays, annualLeaveDays, annualLeaveMinutes, beyondScheduleMinutes, childcareLeaveDays, completeDays, correctedDays
        case lateNightDays, missingDays, punchDays, sickLeaveDays, specialLeaveDays
    }

    /// Counts frozen before a field was added read it as 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ k: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? 0 }
        punchDays = try int(.punchDays); completeDays = try int(.completeDays); correctedDays = try int(.correctedDays)
        missingDays = try int(.missingDays); absentDays = try int(.absentDays); lateNightDays = try int(.lateNightDays)
        beyondScheduleMinutes = try int(.beyondScheduleMinutes); annualLeaveDays = try int(.annualLeaveDays)
        annualLeaveMinutes = try int(.annualLeaveMinutes); specialLeaveDays = try int(.specialLeaveDays); sickLeaveDays = try int(.sickLeaveDays)
        childcareLeaveDays = try int(.childcareLeaveDays)
    }

    /// The JSON `JSONEncoder` with sorted keys writes, written directly (see `MonthlyFigures.storedJSON`).
    public var storedJSON: String {
        "{\"absentDays\":\(absentDays),\"annualLeaveDays\":\(annualLeaveDays),\"annualLeaveMinutes\":\(annualLeaveMinutes),"
            + "\"beyondScheduleMinutes\":\(beyondScheduleMinutes),\"childcareLeaveDays\":\(childcareLeaveDays),\"completeDays\":\(completeDays),"
            + "\"correctedDays\":\(correctedDays),\"lateNightDays\":\(lateNightDays),\"missingDays\":\(missingDays),\"punchDays\":\(punchDays),"
            + "\"sickLeaveDays\":\(sickLeaveDays),\"specialLeaveDays\":\(specialLeaveDays)}"
    }

    /// 深夜: 22:00–5:00 (労働基準法37条4項).
    public static let nightStart = 22 * 60, nightEnd = 5 * 60

    /// Adds the next day.
    public mutating func add(_ d: borrowing AttendanceDay) {
        let hours = d.kind.isWorkDay && d.schedule != nil
        var wholeDay = false
        for m in d.marks where m.minutes == nil {
            wholeDay = true
            if hours {
                switch m.code {
                case .annualLeave: annualLeaveDays += 1
                case .specialLeave: specialLeaveDays += 1
                case .sickLeave: sickLeaveDays += 1
                case .childcareLeave: childcareLeaveDays += 1
                default: break
                }
            }
        }
        if hours { for m in d.marks where m.code == .annualLeave { if let part = m.minutes { annualLeaveMinutes += part } } }
        let missing = !d.flags.isDisjoint(with: [.missingClockIn, .missingClockOut, .openBreak])
        if missing { missingDays += 1 }
        if d.flags.contains(.absent) { absentDays += 1 }
        if d.flags.contains(.corrected) { correctedDays += 1 }
        // a day yet to come has neither punches nor flags (a past work day without punches is flagged absent): not counted
        if hours && !wholeDay && (d.firstIn != nil || d.lastOut != nil || !d.flags.isEmpty) {
            punchDays += 1
            if d.firstIn != nil && d.lastOut != nil && !missing && !d.flags.contains(.corrected) && !d.flags.contains(.absent) { completeDays += 1 }
        }
        if d.flags.contains(.beyondSchedule) { beyondScheduleMinutes += d.outsideScheduleMinutes }
        for r in d.workedRanges {
            // minutes from the day's midnight, past 1440 after it: night is [0, 300), [1320, 1740), [2760, …)
            if r.start < Self.nightEnd || r.end > Self.nightStart { lateNightDays += 1; break }
        }
    }
}

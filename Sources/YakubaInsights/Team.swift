import Foundation
import YakubaCore

// 見える化 (issue 5): what the data the books, orders and requests produce says, for the people who act on it. Pure:
// the server reads the facts and hands them here; nothing here reads a database or a clock.

/// One person's month as their 所属長 sees it on the team page.
public struct TeamMember: Sendable, Hashable {
    public var staffId: UUID
    /// for a stable order among equals (the staff number)
    public var sortKey: String
    public var partTime: Bool
    /// their standing against the overtime limits of their department this month (人事院規則15-14 or the 36協定)
    public var standing: LimitStanding
    /// 超過勤務 as the limits count it, this month
    public var overtimeMinutes: Int
    /// leave taken this month: whole days, and part days in minutes
    public var leaveDays: Int
    public var leavePartMinutes: Int
    /// days with a punch missing (clock-in, clock-out, end of a break), and work days absent without leave, so far
    public var missingPunchDays: Int
    public var absentDays: Int
    /// their requests waiting for a decision: leave, punch corrections, overtime reports to confirm
    public var pendingRequests: Int
    /// a part-timer's time worked beyond their schedule this month (the hidden overtime Setagaya found)
    public var beyondScheduleMinutes: Int

    public init(staffId: UUID, sortKey: String, partTime: Bool, standing: LimitStanding, overtimeMinutes: Int, leaveDays: Int = 0,
                leavePartMinutes: Int = 0, missingPunchDays: Int = 0, absentDays: Int = 0, pendingRequests: Int = 0, beyondScheduleMinutes: Int = 0) {
        self.staffId = staffId; self.sortKey = sortKey; self.partTime = partTime; self.standing = standing; self.overtimeMinutes = overtimeMinutes
        self.leaveDays = leaveDays; self.leavePartMinutes = leavePartMinutes; self.missingPunchDays = missingPunchDays; self.absentDays = absentDays
        self.pendingRequests = pendingRequests; self.beyondScheduleMinutes = beyondScheduleMinutes
    }

    /// The limit the person is nearest to (the highest level, then the highest share); nil with no limits.
    public var nearestLimit: LimitFinding? { standing.findings.max { ($0.level, $0.percent) < ($1.level, $1.percent) } }
    /// The month's limit, for the bar: the share of it used.
    public var monthlyLimit: LimitFinding? { standing.findings.first { if case .monthly = $0.kind { true } else { false } } }
}

/// Why a person needs their manager's attention, most urgent first. Each reason names its figure: nothing is a score
/// without a why.
public enum AttentionReason: Sendable, Hashable {
    /// 100h in a month or an average over 80h: 医師の面接指導
    case doctorInterview
    case limitExceeded(LimitFinding)
    /// at 80% of a limit or more
    case limitApproaching(LimitFinding)
    case absent(days: Int)
    case missingPunches(days: Int)
    case beyondSchedule(minutes: Int)
    case pending(count: Int)

    /// 3: act now (health, the law); 2: act soon (a limit near, an absence); 1: tidy up (punches, requests)
    public var severity: Int {
        switch self {
        case .doctorInterview, .limitExceeded: 3
        case .limitApproaching, .absent: 2
        case .missingPunches, .beyondSchedule, .pending: 1
        }
    }

    public var labelJa: String {
        switch self {
        case .doctorInterview: "医師の面接指導の対象（月100時間以上または2〜6か月平均80時間超）"
        case .limitExceeded(let f): "上限「\(f.labelJa)」を超えています（\(Self.figureJa(f))）"
        case .limitApproaching(let f): "上限「\(f.labelJa)」の\(f.percent)%です（\(Self.figureJa(f))）"
        case .absent(let n): "打刻も休暇もない勤務日が\(n)日あります"
        case .missingPunches(let n): "打刻漏れが\(n)日あります"
        case .beyondSchedule(let m): "勤務時間を超えて\(hoursJa(m))働いています（会計年度任用職員）"
        case .pending(let n): "未処理の申請が\(n)件あります"
        }
    }
    public var labelEn: String {
        switch self {
        case .doctorInterview: "Due a doctor's interview (100h in a month, or over 80h on average over 2–6 months)"
        case .limitExceeded(let f): "Over the limit “\(f.labelEn)” (\(Self.figureEn(f)))"
        case .limitApproaching(let f): "At \(f.percent)% of the limit “\(f.labelEn)” (\(Self.figureEn(f)))"
        case .absent(let n): "\(n) work day(s) with neither punches nor leave"
        case .missingPunches(let n): "Punches missing on \(n) day(s)"
        case .beyondSchedule(let m): "Worked \(hoursEn(m)) beyond their schedule (part-time)"
        case .pending(let n): "\(n) request(s) waiting for a decision"
        }
    }

    static func figureJa(_ f: LimitFinding) -> String {
        if case .monthsOver = f.kind { return "\(f.value)か月" }
        return hoursJa(f.value)
    }
    static func figureEn(_ f: LimitFinding) -> String {
        if case .monthsOver = f.kind { return "\(f.value) months" }
        return hoursEn(f.value)
    }
}

public enum TeamView {
    /// A part-timer's time beyond their schedule is a reason from this much in the month: a few minutes' late clock-out is
    /// not hidden overtime, an hour is worth asking about.
    public static let beyondScheduleMinutes = 60

    /// Why `m` needs attention this month, most urgent first; empty when nothing does.
    public static func reasons(_ m: TeamMember) -> [AttentionReason] {
        var out: [AttentionReason] = []
        if m.standing.doctorInterview { out.append(.doctorInterview) }
        let byShare = m.standing.findings.sorted { ($0.level, $0.percent) > ($1.level, $1.percent) }
        for f in byShare where f.level == .exceeded { out.append(.limitExceeded(f)) }
        for f in byShare where f.level == .approaching || f.level == .atLimit { out.append(.limitApproaching(f)) }
        if m.absentDays > 0 { out.append(.absent(days: m.absentDays)) }
        if m.missingPunchDays > 0 { out.append(.missingPunches(days: m.missingPunchDays)) }
        if m.partTime && m.beyondScheduleMinutes >= beyondScheduleMinutes { out.append(.beyondSchedule(minutes: m.beyondScheduleMinutes)) }
        if m.pendingRequests > 0 { out.append(.pending(count: m.pendingRequests)) }
        return out.sorted { $0.severity > $1.severity }
    }

    /// The team in the order to look at it: the most urgent reason first, then the most reasons, then the nearest limit's
    /// share, then the staff number. Everyone is listed; those with no reason come last.
    public static func ordered(_ members: [TeamMember]) -> [(member: TeamMember, reasons: [AttentionReason])] {
        members.map { ($0, reasons($0)) }.sorted { a, b in
            let sa = a.1.first?.severity ?? 0, sb = b.1.first?.severity ?? 0
            if sa != sb { return sa > sb }
            if a.1.count != b.1.count { return a.1.count > b.1.count }
            let pa = a.0.nearestLimit?.percent ?? 0, pb = b.0.nearestLimit?.percent ?? 0
            if pa != pb { return pa > pb }
            return a.0.sortKey < b.0.sortKey
        }
    }

    /// The team's month in a few numbers.
    public struct Summary: Sendable, Hashable {
        public var people = 0
        public var overtimeMinutes = 0
        /// people past a limit, at 80% of one or more (and not past), due a doctor's interview
        public var overLimit = 0
        public var nearLimit = 0
        public var doctorInterview = 0
        public var withMissingPunches = 0
        public var pendingRequests = 0
        public init() {}
    }

    public static func summary(_ members: [TeamMember]) -> Summary {
        var s = Summary()
        for m in members {
            s.people += 1
            s.overtimeMinutes += m.overtimeMinutes
            switch m.standing.worst {
            case .exceeded: s.overLimit += 1
            case .approaching, .atLimit: s.nearLimit += 1
            case .ok: break
            }
            if m.standing.doctorInterview { s.doctorInterview += 1 }
            if m.missingPunchDays > 0 || m.absentDays > 0 { s.withMissingPunches += 1 }
            s.pendingRequests += m.pendingRequests
        }
        return s
    }
}

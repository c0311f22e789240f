import Foundation

// 超過勤務命令 (work-rules-ja.md §2.1): ordered in advance by the 所属長 with date, time and reason; the person
// reports the actual time; the 所属長 confirms. Only the overlap of ordered and actual time is paid, unless
// the order is an urgent one made after the fact.

/// Why a person may not be ordered overtime (一関市規則; national 規則10-11 9条, mirrored locally ⚠️).
public enum OvertimeExemptionReason: String, Sendable, Codable, CaseIterable, Hashable {
    /// 妊娠中の職員が請求した場合
    case pregnancy
    /// 出産後1年を経過しない職員が請求した場合
    case postpartum
    /// 3歳に満たない子を養育する職員が請求した場合
    case childUnder3 = "child_under_3"

    public var labelJa: String {
        switch self { case .pregnancy: "妊娠中"; case .postpartum: "出産後1年以内"; case .childUnder3: "3歳未満の子の養育" }
    }
    public var labelEn: String {
        switch self { case .pregnancy: "pregnancy"; case .postpartum: "within a year after childbirth"; case .childUnder3: "caring for a child under 3" }
    }
}

/// A person's request not to be ordered overtime, for a period.
public struct OvertimeExemption: Hashable, Sendable, Codable {
    public var reason: OvertimeExemptionReason
    public var from: CalendarDate
    public var to: CalendarDate
    public init(reason: OvertimeExemptionReason, from: CalendarDate, to: CalendarDate) { self.reason = reason; self.from = from; self.to = to }
    public func covers(_ d: CalendarDate) -> Bool { from <= d && d <= to }
}

/// What is wrong with an order, each with the field it belongs to.
public enum OvertimeOrderProblem: Hashable, Sendable {
    case endNotAfterStart
    case tooLong(maxMinutes: Int)
    /// an order for a past day must be marked as an urgent, after-the-fact order
    case pastDayNeedsUrgent
    /// an urgent after-the-fact order is for work already done: not a future day
    case urgentInFuture
    case tooFarAhead(days: Int)
    /// overtime is time outside 正規の勤務時間
    case overlapsScheduledTime(DailySchedule)
    case overlapsAnotherOrder(MinuteRange)
    case exempt(OvertimeExemption)

    public var field: String {
        switch self {
        case .endNotAfterStart, .tooLong, .overlapsScheduledTime, .overlapsAnotherOrder: "end"
        case .pastDayNeedsUrgent, .urgentInFuture, .tooFarAhead: "date"
        case .exempt: "staff"
        }
    }

    public var messageJa: String {
        switch self {
        case .endNotAfterStart: "終了時刻は開始時刻より後にしてください（日をまたぐときは 25:30 のように入力します）。"
        case .tooLong(let m): "1回の命令は\(m / 60)時間までです。分けて命令してください。"
        case .pastDayNeedsUrgent: "過去の日の命令は、事前に命令できなかった緊急の場合だけです。「緊急のため事後に命令する」にチェックしてください。"
        case .urgentInFuture: "事後の命令は今日より前の日にだけ使えます。今日以降は通常の命令にしてください。"
        case .tooFarAhead(let d): "命令は\(d)日先までです。"
        case .overlapsScheduledTime(let s):
            "正規の勤務時間（\(formatDuration(s.start))〜\(formatDuration(s.end))）と重なっています。超過勤務は勤務時間外の時間です。"
        case .overlapsAnotherOrder(let r): "同じ日の別の命令（\(formatDuration(r.start))〜\(formatDuration(r.end))）と重なっています。"
        case .exempt(let e):
            "この職員は\(e.reason.labelJa)のため超過勤務をさせないよう請求しています（\(e.from.iso)〜\(e.to.iso)）。命令できません。災害等でやむを得ない場合は人事課に相談してください。"
        }
    }
    public var messageEn: String {
        switch self {
        case .endNotAfterStart: "The end must be after the start (for a shift past midnight, write 25:30)."
        case .tooLong(let m): "One order covers at most \(m / 60) hours; split it."
        case .pastDayNeedsUrgent: "An order for a past day is only for urgent work that could not be ordered in advance: tick “urgent, ordered after the fact”."
        case .urgentInFuture: "An after-the-fact order is for a past day; for today or later use an ordinary order."
        case .tooFarAhead(let d): "Orders reach at most \(d) days ahead."
        case .overlapsScheduledTime(let s):
            "It overlaps the scheduled hours (\(formatDuration(s.start))–\(formatDuration(s.end))). Overtime is time outside them."
        case .overlapsAnotherOrder(let r): "It overlaps another order that day (\(formatDuration(r.start))–\(formatDuration(r.end)))."
        case .exempt(let e):
            "This person asked not to work overtime (\(e.reason.labelEn), \(e.from.iso) to \(e.to.iso)); it cannot be ordered. In a disaster, consult HR."
        }
    }
}

public enum OvertimeOrders {
    public static let maxOrderMinutes = 16 * 60
    public static let maxDaysAhead = 366

    /// The checks of a new order. `schedule` is the person's 正規の勤務時間 that day (nil on a 週休日 or 休日);
    /// `existing` the day's other live orders.
    public static func check(date: CalendarDate, range: MinuteRange, today: CalendarDate, urgent: Bool,
                             schedule: DailySchedule?, existing: [MinuteRange], exemptions: [OvertimeExemption]) -> [OvertimeOrderProblem] {
        var out: [OvertimeOrderProblem] = []
        if let e = exemptions.first(where: { $0.covers(date) }) { out.append(.exempt(e)) }
        if date < today && !urgent { out.append(.pastDayNeedsUrgent) }
        if date > today && urgent { out.append(.urgentInFuture) }
        if date.dayNumber - today.dayNumber > maxDaysAhead { out.append(.tooFarAhead(days: maxDaysAhead)) }
        if range.end <= range.start { out.append(.endNotAfterStart); return out }
        if range.length > maxOrderMinutes { out.append(.tooLong(maxMinutes: maxOrderMinutes)) }
        if let s = schedule {
            if s.scheduledRanges.contains(where: { $0.overlap(range) > 0 }) { out.append(.overlapsScheduledTime(s)) }
        }
        if let other = existing.first(where: { $0.overlap(range) > 0 }) { out.append(.overlapsAnotherOrder(other)) }
        return out
    }

    /// The paid part of an order: the overlap of ordered and actual time, or all the actual time of an urgent,
    /// after-the-fact order (work-rules-ja.md §2.1).
    public static func paidRange(ordered: MinuteRange, actual: MinuteRange, urgent: Bool) -> MinuteRange? {
        if urgent { return actual.length > 0 ? actual : nil }
        let r = MinuteRange(start: max(ordered.start, actual.start), end: min(ordered.end, actual.end))
        return r.length > 0 ? r : nil
    }
}

import Foundation

/// 超勤代休時間 (work-rules-ja.md §2.5, glossary `OvertimeCompensatoryTime`): time off that may be given instead of the
/// extra pay for hours over 60 in a month, with the person's agreement, within the two months after that month, in
/// 4-hour or whole-day units. The 所属長 offers it; the person accepts or declines; an accepted offer is the 指定.
/// The premium the time off replaces is then not paid: those over-60 hours are paid at their rate below 60 hours.
public enum OvertimeCompensatoryTime {
    /// The conversion rates: the premium the time off replaces, per 100.
    public static func ratePer100(_ c: MinuteClass) -> Int {
        guard c.overSixty else { return 0 }
        switch c.category {
        case .overtimeWorkDay: return 25                       // 125 → 150
        case .withinStandardDay: return c.night ? 75 : 50      // 100 → 150 (175 at night)
        case .overtimeOtherDay: return 15                      // 135 → 150, 160 → 175
        case .swapWeeklyExcess: return 25                      // 25 → 50
        default: return 0
        }
    }

    /// The bucket an over-60 minute is paid in once time off has replaced its premium: its rate less the conversion
    /// rate (150 − 25 = 125, 175 − 25 = 150, 150 − 15 = 135, 175 − 15 = 160, 150 − 50 = 100, 175 − 75 = 100, 50 − 25 = 25).
    public static func replacedPayClass(_ c: MinuteClass) -> PayClass {
        switch c.category {
        case .overtimeWorkDay: c.night ? .p150 : .p125
        case .withinStandardDay: .p100
        case .overtimeOtherDay: c.night ? .p160 : .p135
        case .swapWeeklyExcess: .p25
        default: c.payClass
        }
    }

    /// The minutes of time off the month's over-60h work converts to.
    public static func minutes(_ totals: ClassTotals) -> Int {
        var sum = 0
        for c in MinuteClass.all where c.overSixty { sum += totals[c] * ratePer100(c) }
        return sum / 100
    }

    /// The period it may be taken in: from the day after the month ends, for two months.
    public static func window(after month: YearMonth) -> (from: CalendarDate, to: CalendarDate) {
        (month.next.first, month.next.next.last)
    }

    /// Whether an offer of `minutes` is in a unit the rule allows: 4 hours (joined to the start or end of the day) or
    /// a whole day of the person's `dayMinutes`.
    public static func isAllowedUnit(_ minutes: Int, dayMinutes: Int) -> Bool { minutes == 240 || minutes == dayMinutes }

    /// Which part of a day is given: the whole day, or 4 hours joined to its start or its end.
    public enum Part: String, Sendable, Codable, CaseIterable, Hashable {
        case day, start, end

        public var labelJa: String {
            switch self { case .day: "1日"; case .start: "4時間（始業から）"; case .end: "4時間（終業まで）" }
        }
        public var labelEn: String {
            switch self { case .day: "Whole day"; case .start: "4 hours from the start"; case .end: "4 hours to the end" }
        }
        /// The minutes it takes off a day of `dayMinutes`; nil for 4 hours on a day of 4 hours or less (that is the whole day).
        public func minutes(dayMinutes: Int) -> Int? {
            switch self {
            case .day: dayMinutes
            case .start, .end: dayMinutes > 240 ? 240 : nil
            }
        }
    }

    /// What designating `minutes` of time off does to the month's pay: minutes moved out of the over-60 buckets into the
    /// ones below (the deltas add up to zero), and how many over-60 minutes were replaced. The over-60 classes are used in
    /// `MinuteClass` order (short-time staff's band, then work days, other days, the 振替 band); whatever the order, the
    /// premium given up equals the time off (each replaced minute gives up its conversion rate), save the rounding of the
    /// last minute up.
    public struct Replacement: Hashable, Sendable {
        public var moves: [PayClass: Int] = [:]
        public var replacedMinutes = 0
    }

    public static func replacement(of minutes: Int, in totals: ClassTotals) -> Replacement {
        var out = Replacement()
        var remaining = max(0, minutes) * 100                  // in hundredths of a minute of time off
        for c in MinuteClass.all where c.overSixty && remaining > 0 {
            let rate = ratePer100(c), worked = totals[c]
            guard rate > 0, worked > 0 else { continue }
            let take = min(worked * rate, remaining)
            let replaced = min(worked, (take + rate - 1) / rate)
            out.moves[c.payClass, default: 0] -= replaced
            out.moves[replacedPayClass(c), default: 0] += replaced
            out.replacedMinutes += replaced
            remaining -= take
        }
        out.moves = out.moves.filter { $0.value != 0 }
        return out
    }

    /// Why an offer cannot be made.
    public enum OfferProblem: Hashable, Sendable {
        /// the month's hours are not all known until it ends
        case monthNotEnded(YearMonth)
        case outsideWindow(from: CalendarDate, to: CalendarDate)
        /// the person needs time to agree: the day is tomorrow or later
        case notAhead
        case notAWorkDay
        /// 4 hours on a day of 4 hours or less: give the whole day
        case halfOfShortDay
        /// nothing left to give for the month
        case nothingLeft
        /// less than an hour left for a unit: topped up with whole hours of 年休, nothing of it would remain
        case tooLittle(balance: Int)

        public var messageJa: String {
            switch self {
            case .monthNotEnded(let m): "\(m.year)年\(m.month)月の60時間超の時間は、月が終わってから確定します。翌月1日以降に指定してください。"
            case .outsideWindow(let f, let t): "超勤代休時間は、60時間を超えた月の翌月1日から2か月以内（\(f.iso)〜\(t.iso)）の日に指定します。"
            case .notAhead: "本人が承諾できるよう、明日以降の日を指定してください。"
            case .notAWorkDay: "超勤代休時間は勤務日に指定します（週休日・休日・代休日には指定できません）。"
            case .halfOfShortDay: "この日の勤務時間は4時間以下です。1日で指定してください。"
            case .nothingLeft: "この月の60時間超の時間から代休時間にできる時間は残っていません。"
            case .tooLittle(let b): "代休時間にできる残りは\(hoursJa(b))です。時間単位の年休で補うと代休時間が残らないため、指定できません。"
            }
        }
        public var messageEn: String {
            switch self {
            case .monthNotEnded(let m): "Hours over 60 in \(m.iso) are known once the month has ended: offer time off from the 1st of the next month."
            case .outsideWindow(let f, let t): "Time off for hours over 60 is given within the two months after the month (\(f.iso) to \(t.iso))."
            case .notAhead: "Give a day from tomorrow on, so the person can agree first."
            case .notAWorkDay: "Time off is given on a work day (not a rest day, holiday or compensatory day off)."
            case .halfOfShortDay: "This day has 4 hours or less: give the whole day."
            case .nothingLeft: "No time off is left to give for this month's hours over 60."
            case .tooLittle(let b): "Only \(hoursEn(b)) is left: made up to the unit with whole hours of annual leave, none of it would be used."
            }
        }
    }

    /// An offer's amounts: the unit (a whole day or 4 hours) as time off from the month's balance, and when the balance is
    /// short, the whole hours of 年休 that make up the rest (work-rules §2.5: 時間単位の年休と合わせて1日・4時間).
    public struct Amounts: Hashable, Sendable {
        public var unit: Int
        public var timeOff: Int
        public var topUp: Int { unit - timeOff }
        public init(unit: Int, timeOff: Int) { self.unit = unit; self.timeOff = timeOff }
    }

    /// The amounts of `part` on a day of `dayMinutes` from a balance; nil when the unit does not fit the day or nothing would be given.
    public static func amounts(part: Part, dayMinutes: Int, balance: Int) -> Amounts? {
        guard let unit = part.minutes(dayMinutes: dayMinutes), balance > 0 else { return nil }
        if balance >= unit { return Amounts(unit: unit, timeOff: unit) }
        let topUp = (unit - balance + 59) / 60 * 60
        return topUp < unit ? Amounts(unit: unit, timeOff: unit - topUp) : nil
    }

    /// Whether an offer of time off on `date` for the hours over 60 of `source` may be made. `dayMinutes` is the day's
    /// scheduled time (nil when it is not a work day); `balance` is what the month converts to, less what is already
    /// offered or given. Nil when it may.
    public static func offerProblem(source: YearMonth, date: CalendarDate, part: Part, dayMinutes: Int?, balance: Int,
                                    today: CalendarDate) -> OfferProblem? {
        if today <= source.last { return .monthNotEnded(source) }
        let w = window(after: source)
        if date < w.from || date > w.to { return .outsideWindow(from: w.from, to: w.to) }
        if date <= today { return .notAhead }
        guard let dayMinutes, dayMinutes > 0 else { return .notAWorkDay }
        if part.minutes(dayMinutes: dayMinutes) == nil { return .halfOfShortDay }
        if balance <= 0 { return .nothingLeft }
        if amounts(part: part, dayMinutes: dayMinutes, balance: balance) == nil { return .tooLittle(balance: balance) }
        return nil
    }

    /// Where an offer stands.
    public enum State: String, Sendable, Codable, Hashable, CaseIterable {
        /// offered, waiting for the person
        case offered
        /// accepted: the time off is designated
        case accepted
        case declined
        /// taken back by the 所属長 before the person answered
        case withdrawn
        /// an accepted one cancelled before the day
        case cancelled
        /// not answered before the day
        case lapsed

        public var labelJa: String {
            switch self {
            case .offered: "回答待ち"; case .accepted: "指定済み"; case .declined: "辞退"; case .withdrawn: "取下げ"
            case .cancelled: "取消"; case .lapsed: "期限切れ"
            }
        }
        public var labelEn: String {
            switch self {
            case .offered: "Waiting for an answer"; case .accepted: "Given"; case .declined: "Declined"; case .withdrawn: "Withdrawn"
            case .cancelled: "Cancelled"; case .lapsed: "Lapsed"
            }
        }
        /// Whether it holds part of the month's balance.
        public var holdsBalance: Bool { self == .offered || self == .accepted }
    }

    /// What happens to an offer: the person accepts or declines it; the 所属長 withdraws it (unanswered) or cancels it (accepted).
    public enum Action: String, Sendable, Codable, Hashable, CaseIterable {
        case accept, decline, withdraw, cancel
    }

    /// The state after the actions so far, in order, on `today`: an offer still unanswered on its day has lapsed.
    public static func state(after actions: [Action], date: CalendarDate, today: CalendarDate) -> State {
        var s = State.offered
        for a in actions { if let next = transition(s, a) { s = next } }
        if s == .offered && date <= today { return .lapsed }
        return s
    }

    /// The state an action leads to, or nil when it is not allowed from `state`.
    public static func transition(_ state: State, _ action: Action) -> State? {
        switch (state, action) {
        case (.offered, .accept): .accepted
        case (.offered, .decline): .declined
        case (.offered, .withdraw): .withdrawn
        case (.accepted, .cancel): .cancelled
        default: nil
        }
    }

    /// The part of the day's hours the time off covers, as clock minutes: from the start (a whole day made up with 年休
    /// too: the 年休 hours come at the end) or up to the end; nil for a whole day of time off. A scheduled break inside
    /// is passed over.
    public static func range(part: Part, amounts: Amounts, schedule s: DailySchedule) -> MinuteRange? {
        if part == .day && amounts.topUp == 0 { return nil }
        let t = min(amounts.timeOff, s.scheduledMinutes)
        if part == .end {
            var b = s.end - t
            for _ in 0..<3 { let got = s.workingMinutes(MinuteRange(start: b, end: s.end)); if got >= t || b <= s.start { break }; b -= t - got }
            return MinuteRange(start: max(s.start, b), end: s.end)
        }
        var e = s.start + t
        for _ in 0..<3 { let got = s.workingMinutes(MinuteRange(start: s.start, end: e)); if got >= t || e >= s.end { break }; e += t - got }
        return MinuteRange(start: s.start, end: min(s.end, e))
    }

    /// The time off an offer gives, as a mark on the day: the whole day (nil minutes) when it is all time off, else its
    /// minutes (4 hours, or the part of a unit not made up with 年休).
    public static func mark(date: CalendarDate, part: Part, amounts: Amounts) -> DayMark {
        DayMark(date: date, code: .overtimeTimeOff, minutes: part == .day && amounts.topUp == 0 ? nil : amounts.timeOff)
    }
}

import Foundation

/// A half-open range of minutes after local midnight, [start, end). `end` may exceed 1440 for a shift past midnight.
public struct MinuteRange: Hashable, Sendable, Codable {
    public var start: Int
    public var end: Int
    public init(start: Int, end: Int) { self.start = start; self.end = end }
    public var length: Int { max(0, end - start) }
    public func overlap(_ other: MinuteRange) -> Int { max(0, min(end, other.end) - max(start, other.start)) }
}

/// 正規の勤務時間 of one day: a start, an end and the scheduled break inside it.
public struct DailySchedule: Hashable, Sendable, Codable {
    public var start: Int
    public var end: Int
    public var breakWindow: MinuteRange?

    public init(start: Int, end: Int, breakWindow: MinuteRange? = nil) {
        self.start = start; self.end = end; self.breakWindow = breakWindow
    }

    public var window: MinuteRange { MinuteRange(start: start, end: end) }
    /// 正規の勤務時間 as ranges: the window less its break (one range when there is no break).
    public var scheduledRanges: [MinuteRange] {
        guard let b = breakWindow else { return [window] }
        return [MinuteRange(start: start, end: b.start), MinuteRange(start: b.end, end: end)].filter { $0.length > 0 }
    }
    /// The scheduled working minutes inside `r` (its overlap with the window, less the break).
    public func workingMinutes(_ r: MinuteRange) -> Int {
        max(0, r.overlap(window) - (breakWindow.map { b in MinuteRange(start: max(b.start, r.start), end: min(b.end, r.end)).overlap(window) } ?? 0))
    }
    /// scheduledTime: the span less the break.
    public var scheduledMinutes: Int { max(0, end - start - (breakWindow.map { $0.overlap(window) } ?? 0)) }

    /// 8:30–17:15 with 12:00–13:00: 7h45m, the common 常勤 day (work-rules §1.1).
    public static let standard = DailySchedule(start: 510, end: 1035, breakWindow: MinuteRange(start: 720, end: 780))
}

/// A weekly pattern: for each weekday (0 = Sunday … 6 = Saturday) the day's schedule, or nil for a 週休日.
public struct WeeklySchedule: Hashable, Sendable, Codable {
    public var days: [DailySchedule?]

    public init(days: [DailySchedule?]) {
        precondition(days.count == 7, "a week has seven days")
        self.days = days
    }

    public func schedule(weekday: Int) -> DailySchedule? { days[weekday] }
    public var weeklyMinutes: Int { days.compactMap { $0?.scheduledMinutes }.reduce(0, +) }
    public var workingWeekdays: [Int] { (0..<7).filter { days[$0] != nil } }

    /// Mon–Fri 8:30–17:15, 38h45m a week.
    public static let standard = WeeklySchedule(days: [nil] + Array(repeating: DailySchedule.standard, count: 5) + [nil])

    public static func make(weekdays: Set<Int>, day: DailySchedule) -> WeeklySchedule {
        WeeklySchedule(days: (0..<7).map { weekdays.contains($0) ? day : nil })
    }

    static let weekdayChars: [Character] = ["日", "月", "火", "水", "木", "金", "土"]

    /// Parses the roster spelling HR types in Excel: weekdays such as 「月火水木金」 or 「月-金」,
    /// start and end as 「8:30」, and the break as minutes placed from 12:00 (or a range 「12:00-13:00」).
    public static func parse(weekdays: String, start: String, end: String, breakSpec: String) -> Result<WeeklySchedule, ScheduleParseError> {
        let w = weekdays.trimmingCharacters(in: .whitespaces)
        var set = Set<Int>()
        let chars = Array(w)
        if chars.count == 3, (chars[1] == "-" || chars[1] == "〜" || chars[1] == "～" || chars[1] == "~"),
           let a = weekdayChars.firstIndex(of: chars[0]), let b = weekdayChars.firstIndex(of: chars[2]), a <= b {
            set = Set(a...b)
        } else {
            for c in chars where !(c == "・" || c == "," || c == "、" || c == " ") {
                guard let i = weekdayChars.firstIndex(of: c) else { return .failure(.weekdays) }
                set.insert(i)
            }
        }
        guard !set.isEmpty else { return .failure(.weekdays) }
        guard let s = parseClock(start), s < 1440 else { return .failure(.start) }
        guard let e = parseClock(end), e > s else { return .failure(.end) }
        var window: MinuteRange? = nil
        let b = breakSpec.trimmingCharacters(in: .whitespaces)
        if b.isEmpty || b == "0" {
            window = nil
        } else if let minutes = Int(b) {
            guard minutes > 0, minutes < e - s else { return .failure(.breakSpec) }
            let bs = min(max(720, s), e - minutes)
            window = MinuteRange(start: bs, end: bs + minutes)
        } else {
            let p = b.split(whereSeparator: { $0 == "-" || $0 == "〜" || $0 == "～" || $0 == "~" })
            guard p.count == 2, let bs = parseClock(String(p[0])), let be = parseClock(String(p[1])), bs < be, bs >= s, be <= e
            else { return .failure(.breakSpec) }
            window = MinuteRange(start: bs, end: be)
        }
        return .success(make(weekdays: set, day: DailySchedule(start: s, end: e, breakWindow: window)))
    }

    /// 「8:30」「08:30」「830」 → 510. Hours up to 47 allow a shift past midnight.
    public static func parseClock(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "：", with: ":")
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        var h: Int?, m: Int?
        if parts.count == 2 { h = Int(parts[0]); m = Int(parts[1]); guard parts[1].count == 2 else { return nil } }
        else if parts.count == 1, (3...4).contains(t.count), let v = Int(t) { h = v / 100; m = v % 100 }
        guard let hh = h, let mm = m, (0...47).contains(hh), (0...59).contains(mm) else { return nil }
        return hh * 60 + mm
    }

    public static func formatClock(_ minutes: Int) -> String { "\(minutes / 60):" + pad(minutes % 60, 2) }

    /// The roster spelling back: 「月火水木金」.
    public var weekdaysText: String { String(workingWeekdays.map { WeeklySchedule.weekdayChars[$0] }) }
}

public enum ScheduleParseError: String, Error, Sendable {
    case weekdays, start, end, breakSpec
}

/// Formats minutes as 「7:45」 (hours:minutes), the way attendance books show durations.
public func formatDuration(_ minutes: Int) -> String {
    let sign = minutes < 0 ? "-" : ""
    let m = abs(minutes)
    return "\(sign)\(m / 60):" + pad(m % 60, 2)
}

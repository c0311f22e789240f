import Foundation

/// National holidays of Japan: 国民の祝日 (国民の祝日に関する法律 and the special laws for one-off
/// days), 振替休日 (Art. 3-2) and 国民の休日 (Art. 3-3), per work-rules-ja.md §4.
///
/// Rules by date:
/// * The law took effect on 1948-07-20; nothing earlier is a holiday.
/// * 振替休日 exists from 1973-04-12. Until 2006 it is the day after a Sunday 祝日; from 2007-01-01
///   it is the nearest following day that is not a 祝日. Saturday 祝日 have no substitute.
/// * 国民の休日 exists from 1985-12-27: a non-祝日 day between two 祝日. Until 2006 Sundays and
///   振替休日 were excluded from it.
/// * 春分日/秋分日 come from the 『新こよみ便利帳』 approximation for 1900–2150 (so there is no
///   equinox holiday computed after 2150). Dates for years whose 暦要項 is not yet published
///   are provisional; let an admin-maintained override table win over this computation.
///
/// Weekends are not holidays here; 週休日 are handled by the work-schedule layer.
public enum JapaneseHolidays {
    public static let substituteHolidayName = "振替休日"
    public static let citizensHolidayName = "国民の休日"

    /// Every 祝日, 振替休日 and 国民の休日 in the calendar year `year`, with its name.
    public static func holidays(in year: Int) -> [CalendarDate: String] {
        cache.holidays(in: year)
    }

    /// The holiday name of `date` ("元日", "振替休日", "国民の休日", …), or nil on an ordinary day.
    public static func name(of date: CalendarDate) -> String? {
        holidays(in: date.year)[date]
    }

    /// Whether `date` is a 祝日, 振替休日 or 国民の休日.
    public static func isHoliday(_ date: CalendarDate) -> Bool { name(of: date) != nil }

    /// 春分日 (day of March) by the 『新こよみ便利帳』 formula, for 1900–2150; nil otherwise.
    public static func vernalEquinoxDay(_ year: Int) -> Int? {
        switch year {
        case 1900...1979: equinox(base: 20_835_700, year: year, leapOffset: 1983)
        case 1980...2099: equinox(base: 20_843_100, year: year, leapOffset: 1980)
        case 2100...2150: equinox(base: 21_851_000, year: year, leapOffset: 1980)
        default: nil
        }
    }

    /// 秋分日 (day of September) by the 『新こよみ便利帳』 formula, for 1900–2150; nil otherwise.
    public static func autumnalEquinoxDay(_ year: Int) -> Int? {
        switch year {
        case 1900...1979: equinox(base: 23_258_800, year: year, leapOffset: 1983)
        case 1980...2099: equinox(base: 23_248_800, year: year, leapOffset: 1980)
        case 2100...2150: equinox(base: 24_248_800, year: year, leapOffset: 1980)
        default: nil
        }
    }

    // MARK: - Computation

    /// `INT(base + 0.242194*(Y-1980) - INT((Y-leapOffset)/4))`, in exact integer arithmetic
    /// scaled by 10^6.
    ///
    /// The inner `INT` **truncates toward zero** (Swift's `/`), as the formula's source defines
    /// `INT()`. For 1900–1982 `trunc((Y-1983)/4)` equals `floor((Y-1980)/4)`, which keeps the leap-day
    /// correction in step with the leap years. Flooring `(Y-1983)/4` instead (as a note in
    /// work-rules-ja.md §4.3 suggests) puts both equinoxes one day late in three years out of
    /// four between 1948 and 1978 (e.g. 春分 1978 would be 3/22; the equinox was 1978-03-21 08:3x JST).
    /// Checked against jpholiday 1.0.3's astronomical computation: identical for 1948–2150 except
    /// 秋分 2107 (formula 24, astronomy 23), where the formula is kept.
    private static func equinox(base: Int, year: Int, leapOffset: Int) -> Int {
        let scaled = base + 242_194 * (year - 1980) - 1_000_000 * ((year - leapOffset) / 4)
        return floorDiv(scaled, 1_000_000)
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func date(_ y: Int, _ m: Int, _ d: Int) -> CalendarDate? {
        CalendarDate(year: y, month: m, day: d)
    }

    /// The `n`-th Monday (1-based) of month `m` in year `y`.
    private static func nthMonday(_ n: Int, _ y: Int, _ m: Int) -> CalendarDate? {
        guard let first = date(y, m, 1) else { return nil }
        let offset = (8 - first.weekday) % 7 // days from the 1st to the first Monday
        return first.adding(days: offset + 7 * (n - 1))
    }

    private static let lawStart = CalendarDate(year: 1948, month: 7, day: 20)!
    private static let substituteStart = CalendarDate(year: 1973, month: 4, day: 12)!
    private static let citizensHolidayStart = CalendarDate(year: 1985, month: 12, day: 27)!

    /// 国民の祝日 only (no 振替休日 / 国民の休日).
    static func nationalHolidays(in y: Int) -> [CalendarDate: String] {
        guard (1948...9999).contains(y) else { return [:] }
        var h: [CalendarDate: String] = [:]
        func add(_ d: CalendarDate?, _ name: String) {
            guard let d, d >= lawStart else { return }
            h[d] = name
        }

        add(date(y, 1, 1), "元日")
        add(y >= 2000 ? nthMonday(2, y, 1) : date(y, 1, 15), "成人の日")
        if y >= 1967 { add(date(y, 2, 11), "建国記念の日") }
        if y >= 2020 { add(date(y, 2, 23), "天皇誕生日") }
        if let d = vernalEquinoxDay(y) { add(date(y, 3, d), "春分の日") }
        add(date(y, 4, 29), y <= 1988 ? "天皇誕生日" : y <= 2006 ? "みどりの日" : "昭和の日")
        add(date(y, 5, 3), "憲法記念日")
        if y >= 2007 { add(date(y, 5, 4), "みどりの日") }
        add(date(y, 5, 5), "こどもの日")

        switch y {
        case 1996...2002: add(date(y, 7, 20), "海の日")
        case 2020: add(date(y, 7, 23), "海の日")
        case 2021: add(date(y, 7, 22), "海の日")
        case 2003...: add(nthMonday(3, y, 7), "海の日")
        default: break
        }

        switch y {
        case 2020: add(date(y, 8, 10), "山の日")
        case 2021: add(date(y, 8, 8), "山の日")
        case 2016...: add(date(y, 8, 11), "山の日")
        default: break
        }

        switch y {
        case 1966...2002: add(date(y, 9, 15), "敬老の日")
        case 2003...: add(nthMonday(3, y, 9), "敬老の日")
        default: break
        }
        if let d = autumnalEquinoxDay(y) { add(date(y, 9, d), "秋分の日") }

        switch y {
        case 1966...1999: add(date(y, 10, 10), "体育の日")
        case 2000...2019: add(nthMonday(2, y, 10), "体育の日")
        case 2020: add(date(y, 7, 24), "スポーツの日")
        case 2021: add(date(y, 7, 23), "スポーツの日")
        case 2022...: add(nthMonday(2, y, 10), "スポーツの日")
        default: break
        }

        add(date(y, 11, 3), "文化の日")
        add(date(y, 11, 23), "勤労感謝の日")
        if (1989...2018).contains(y) { add(date(y, 12, 23), "天皇誕生日") }

        // One-off days treated as 国民の祝日 by special laws.
        switch y {
        case 1959: add(date(y, 4, 10), "皇太子明仁親王の結婚の儀")
        case 1989: add(date(y, 2, 24), "昭和天皇の大喪の礼")
        case 1990: add(date(y, 11, 12), "即位礼正殿の儀")
        case 1993: add(date(y, 6, 9), "皇太子徳仁親王の結婚の儀")
        case 2019:
            add(date(y, 5, 1), "天皇の即位の日")
            add(date(y, 10, 22), "即位礼正殿の儀")
        default: break
        }
        return h
    }

    /// 祝日 plus 振替休日 and 国民の休日.
    static func computeHolidays(in y: Int) -> [CalendarDate: String] {
        let national = nationalHolidays(in: y)
        var result = national

        // Art. 3-2 振替休日.
        for d in national.keys.sorted() where d.weekday == 0 && d >= substituteStart {
            if d.year >= 2007 {
                var next = d.adding(days: 1)
                while national[next] != nil { next = next.adding(days: 1) }
                if result[next] == nil { result[next] = substituteHolidayName }
            } else {
                let next = d.adding(days: 1)
                if national[next] == nil, result[next] == nil { result[next] = substituteHolidayName }
            }
        }

        // Art. 3-3 国民の休日. (No 祝日 falls on 12/31 or 1/1's eve, so a year never needs its
        // neighbours.)
        for d in national.keys.sorted() {
            let between = d.adding(days: 1)
            guard between >= citizensHolidayStart, between.year == y,
                  national[between] == nil, national[between.adding(days: 1)] != nil else { continue }
            if between.year < 2007 {
                // Old text: Sundays and 振替休日 are excluded.
                guard between.weekday != 0, result[between] == nil else { continue }
            }
            if result[between] == nil { result[between] = citizensHolidayName }
        }
        return result
    }

    private static let cache = HolidayCache()
}

/// Per-year memo of `JapaneseHolidays.computeHolidays`, guarded by a lock.
/// (An `NSLock` rather than `Synchronization.Mutex`, which needs macOS 15 while the package targets 14.)
private final class HolidayCache: @unchecked Sendable {
    private let lock = NSLock()
    private var years: [Int: [CalendarDate: String]] = [:]

    func holidays(in year: Int) -> [CalendarDate: String] {
        lock.lock()
        if let cached = years[year] { lock.unlock(); return cached }
        lock.unlock()
        let computed = JapaneseHolidays.computeHolidays(in: year)
        lock.lock()
        if years.count > 512 { years.removeAll(keepingCapacity: true) }
        years[year] = computed
        lock.unlock()
        return computed
    }
}

/// A day of the year (month and day, no year), e.g. Okinawa's 慰霊の日 6/23.
public struct MonthDay: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public let month: Int
    public let day: Int
    /// The name shown for the day, e.g. "慰霊の日".
    public let label: String

    public init(month: Int, day: Int, label: String = "休日") {
        self.month = month
        self.day = day
        self.label = label
    }

    public func matches(_ date: CalendarDate) -> Bool { date.month == month && date.day == day }

    public var description: String { "\(month)/\(day) \(label)" }

    public static func < (a: MonthDay, b: MonthDay) -> Bool { (a.month, a.day) < (b.month, b.day) }

    private enum CodingKeys: String, CodingKey { case month, day, label }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let month = try c.decode(Int.self, forKey: .month)
        let day = try c.decode(Int.self, forKey: .day)
        guard (1...12).contains(month), (1...CalendarDate.daysIn(year: 2000, month: month)).contains(day) else {
            throw DecodingError.dataCorruptedError(forKey: .day, in: c, debugDescription: "not a day of the year: \(month)/\(day)")
        }
        self.init(month: month, day: day, label: try c.decodeIfPresent(String.self, forKey: .label) ?? "休日")
    }
}

/// A municipality's 休日 under 地方自治法4条の2 (work-rules-ja.md §1.3), apart from weekends:
/// the 祝日法 holidays, the 年末年始 range set by 条例 (default 12/29–1/3) and any extra days
/// such as Okinawa's 慰霊の日 (6/23). Saturdays and Sundays are 週休日 and are not reported here.
public struct MunicipalHolidayRules: Sendable, Codable, Hashable {
    public var yearEndStartMonth: Int
    public var yearEndStartDay: Int
    public var yearEndEndMonth: Int
    public var yearEndEndDay: Int
    public var extraDays: [MonthDay]
    /// one-off closed days HR adds for a single year (庁舎閉庁日 and the like)
    public var extraDates: [DatedHoliday]

    public static let yearEndName = "年末年始"

    public init(yearEndStartMonth: Int = 12, yearEndStartDay: Int = 29,
                yearEndEndMonth: Int = 1, yearEndEndDay: Int = 3,
                extraDays: [MonthDay] = [], extraDates: [DatedHoliday] = []) {
        self.yearEndStartMonth = yearEndStartMonth
        self.yearEndStartDay = yearEndStartDay
        self.yearEndEndMonth = yearEndEndMonth
        self.yearEndEndDay = yearEndEndDay
        self.extraDays = extraDays
        self.extraDates = extraDates
    }

    /// Where a 休日 comes from, for the calendar page.
    public enum Source: String, Sendable { case nationalHoliday = "national", yearEnd = "year_end", municipal }

    public func source(of date: CalendarDate) -> Source? {
        if JapaneseHolidays.name(of: date) != nil { return .nationalHoliday }
        if isYearEnd(date) { return .yearEnd }
        if extraDays.contains(where: { $0.matches(date) }) || extraDates.contains(where: { $0.date == date }) { return .municipal }
        return nil
    }

    /// 12/29–1/3, no extra days.
    public static let standard = MunicipalHolidayRules()

    /// Whether `date` falls in the 年末年始 range (which may wrap over New Year).
    public func isYearEnd(_ date: CalendarDate) -> Bool {
        let md = date.month * 100 + date.day
        let start = yearEndStartMonth * 100 + yearEndStartDay
        let end = yearEndEndMonth * 100 + yearEndEndDay
        return start <= end ? (start <= md && md <= end) : (md >= start || md <= end)
    }

    /// The 祝日法 name (祝日, 振替休日, 国民の休日) if any; else "年末年始" in the year-end range;
    /// else the label of a matching extra day; else nil.
    public func holidayName(_ date: CalendarDate) -> String? {
        if let name = JapaneseHolidays.name(of: date) { return name }
        if isYearEnd(date) { return Self.yearEndName }
        if let d = extraDates.first(where: { $0.date == date }) { return d.label }
        return extraDays.first(where: { $0.matches(date) })?.label
    }

    public func isHoliday(_ date: CalendarDate) -> Bool { holidayName(date) != nil }

    /// All 休日 (as `holidayName`) in a calendar year.
    public func holidays(in year: Int) -> [CalendarDate: String] {
        guard let first = CalendarDate(year: year, month: 1, day: 1),
              let last = CalendarDate(year: year, month: 12, day: 31) else { return [:] }
        var out: [CalendarDate: String] = [:]
        for n in first.dayNumber...last.dayNumber {
            let d = CalendarDate(dayNumber: n)
            if let name = holidayName(d) { out[d] = name }
        }
        return out
    }

    private enum CodingKeys: String, CodingKey {
        case yearEndStartMonth, yearEndStartDay, yearEndEndMonth, yearEndEndDay, extraDays, extraDates
    }

    /// Missing keys take the defaults, so a tenant's settings may list only what differs.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            yearEndStartMonth: try c.decodeIfPresent(Int.self, forKey: .yearEndStartMonth) ?? 12,
            yearEndStartDay: try c.decodeIfPresent(Int.self, forKey: .yearEndStartDay) ?? 29,
            yearEndEndMonth: try c.decodeIfPresent(Int.self, forKey: .yearEndEndMonth) ?? 1,
            yearEndEndDay: try c.decodeIfPresent(Int.self, forKey: .yearEndEndDay) ?? 3,
            extraDays: try c.decodeIfPresent([MonthDay].self, forKey: .extraDays) ?? [],
            extraDates: try c.decodeIfPresent([DatedHoliday].self, forKey: .extraDates) ?? []
        )
    }
}

/// A closed day of one year only, e.g. a 庁舎閉庁日 for a building move.
public struct DatedHoliday: Sendable, Codable, Hashable, Comparable {
    public var date: CalendarDate
    public var label: String
    public init(date: CalendarDate, label: String) { self.date = date; self.label = label }
    public static func < (a: DatedHoliday, b: DatedHoliday) -> Bool { a.date < b.date }
}

import Foundation

/// Japanese eras (元号) since Meiji, for display only: data stays ISO 8601 / Gregorian
/// (work-rules-ja.md §6.2).
///
/// A boundary day belongs to the **new** era (1989-01-08 is 平成元年, 2019-05-01 is 令和元年).
/// Year 1 is written 「元年」 in the long styles.
public enum JapaneseEra: String, Sendable, CaseIterable, Codable {
    case meiji, taisho, showa, heisei, reiwa

    /// Display styles for `format(_:style:)`.
    public enum Style: Sendable, Hashable, CaseIterable {
        /// 「令和7年4月1日」, 「令和元年5月1日」
        case long
        /// 「R7.4.1」 (year 1 is written 1: 「R1.5.1」)
        case short
        /// 「令和7年4月1日(火)」
        case longWithWeekday
    }

    /// "明治", "大正", "昭和", "平成", "令和".
    public var kanji: String {
        switch self {
        case .meiji: "明治"
        case .taisho: "大正"
        case .showa: "昭和"
        case .heisei: "平成"
        case .reiwa: "令和"
        }
    }

    /// The de-facto standard Latin letter: M, T, S, H, R.
    public var letter: String {
        switch self {
        case .meiji: "M"
        case .taisho: "T"
        case .showa: "S"
        case .heisei: "H"
        case .reiwa: "R"
        }
    }

    /// The first day of the era (Gregorian). Meiji starts on 1868-01-25, i.e. 1/1 of the old
    /// lunisolar calendar, to which the 改元 was back-dated.
    public var start: CalendarDate {
        switch self {
        case .meiji: CalendarDate(year: 1868, month: 1, day: 25)!
        case .taisho: CalendarDate(year: 1912, month: 7, day: 30)!
        case .showa: CalendarDate(year: 1926, month: 12, day: 25)!
        case .heisei: CalendarDate(year: 1989, month: 1, day: 8)!
        case .reiwa: CalendarDate(year: 2019, month: 5, day: 1)!
        }
    }

    /// The era in force on `date` and the year within it (1 = 元年); nil before Meiji.
    public static func era(of date: CalendarDate) -> (era: JapaneseEra, year: Int)? {
        for era in allCases.reversed() where date >= era.start {
            return (era, date.year - era.start.year + 1)
        }
        return nil
    }

    /// Formats a date in 和暦. Dates before Meiji (1868-01-25) fall back to ISO `YYYY-MM-DD`
    /// (with the weekday appended for `.longWithWeekday`).
    public static func format(_ date: CalendarDate, style: JapaneseEra.Style = .long) -> String {
        guard let found = era(of: date) else {
            switch style {
            case .long, .short: return date.iso
            case .longWithWeekday: return "\(date.iso)(\(weekdayKanji(date)))"
            }
        }
        let (era, year) = found
        switch style {
        case .long:
            return "\(era.kanji)\(yearText(year))年\(date.month)月\(date.day)日"
        case .short:
            return "\(era.letter)\(year).\(date.month).\(date.day)"
        case .longWithWeekday:
            return "\(era.kanji)\(yearText(year))年\(date.month)月\(date.day)日(\(weekdayKanji(date)))"
        }
    }

    /// 「令和7年4月」. The era is the one in force on the **first** day of the month
    /// (1989-01 → 「昭和64年1月」, 2019-05 → 「令和元年5月」), as Excel's `ggge"年"m"月"` shows a
    /// month entered as its first day. Months before Meiji fall back to `YYYY-MM`.
    public static func formatMonth(_ ym: YearMonth) -> String {
        guard let found = era(of: ym.first) else { return ym.iso }
        let (era, year) = found
        return "\(era.kanji)\(yearText(year))年\(ym.month)月"
    }

    /// 「令和7年度」.
    ///
    /// Convention: a fiscal year is named after the era in force on **June 1** of its start year,
    /// counting the year within that era. This reproduces the usage in official documents
    /// for the fiscal years in which an era changed (§6.2):
    /// FY2019 (began in 平成31年4月) → 「令和元年度」; FY2018 → 「平成30年度」;
    /// FY1988 (ends 1989-03-31, in 平成) → 「昭和63年度」.
    /// Fiscal years before Meiji fall back to 「1867年度」.
    public static func fiscalYearName(_ fy: FiscalYear) -> String {
        let june1 = CalendarDate(year: fy.startYear, month: 6, day: 1)!
        guard let found = era(of: june1) else { return "\(fy.startYear)年度" }
        return "\(found.era.kanji)\(yearText(fy.startYear - found.era.start.year + 1))年度"
    }

    /// "日", "月", "火", "水", "木", "金", "土".
    public static func weekdayKanji(_ date: CalendarDate) -> String {
        weekdayNames[date.weekday]
    }

    private static let weekdayNames = ["日", "月", "火", "水", "木", "金", "土"]

    private static func yearText(_ year: Int) -> String { year == 1 ? "元" : String(year) }
}

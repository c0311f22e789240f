import Foundation

/// A Japanese local-government fiscal year (会計年度), 4/1 to 3/31 (地方自治法208条).
///
/// `FiscalYear(startYear: 2025)` is 2025-04-01 … 2026-03-31, displayed as 「令和7年度」
/// by `JapaneseEra.fiscalYearName(_:)`.
public struct FiscalYear: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The calendar year in which the fiscal year starts (April).
    public let startYear: Int

    /// - Precondition: `1...9998`, so that both ends are representable `CalendarDate`s.
    public init(startYear: Int) {
        precondition((1...9998).contains(startYear), "fiscal year out of range: \(startYear)")
        self.startYear = startYear
    }

    /// The fiscal year that contains `date` (January–March belong to the previous year's FY).
    public init(containing date: CalendarDate) {
        self.init(startYear: date.month >= 4 ? date.year : date.year - 1)
    }

    /// April 1 of `startYear`.
    public var first: CalendarDate { CalendarDate(year: startYear, month: 4, day: 1)! }
    /// March 31 of the following year.
    public var last: CalendarDate { CalendarDate(year: startYear + 1, month: 3, day: 31)! }

    public func contains(_ date: CalendarDate) -> Bool { first <= date && date <= last }

    public var next: FiscalYear { FiscalYear(startYear: startYear + 1) }
    public var previous: FiscalYear { FiscalYear(startYear: startYear - 1) }

    /// The twelve months April … March.
    public var months: [YearMonth] {
        (4...12).map { YearMonth(year: startYear, month: $0)! } + (1...3).map { YearMonth(year: startYear + 1, month: $0)! }
    }

    /// "FY2025" (use `JapaneseEra.fiscalYearName` for display to users).
    public var description: String { "FY\(startYear)" }

    public static func < (a: FiscalYear, b: FiscalYear) -> Bool { a.startYear < b.startYear }

    /// Encoded as the start year, a bare integer (e.g. `2025`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let y = try c.decode(Int.self)
        guard (1...9998).contains(y) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "fiscal year out of range: \(y)")
        }
        self.init(startYear: y)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(startYear)
    }
}

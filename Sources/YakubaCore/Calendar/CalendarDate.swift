import Foundation

/// A civil date (no time, no zone). Stored and exchanged as ISO 8601 `YYYY-MM-DD`;
/// 和暦 is only applied when displaying (see `JapaneseEra`).
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    /// Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's algorithm: kept beside the parts, as the day
    /// computation compares, hashes and finds weekdays of dates hundreds of thousands of times in a close.
    public let dayNumber: Int

    /// Creates a date, returning nil for impossible dates (2025-02-30, month 13, …).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysIn(year: year, month: month) else { return nil }
        self.init(unchecked: year, month, day)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year; self.month = month; self.day = day
        dayNumber = CalendarDate.dayNumber(year: year, month: month, day: day)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int, dayNumber: Int) {
        self.year = year; self.month = month; self.day = day; self.dayNumber = dayNumber
    }

    // the day number says it all: the parts follow from it
    public static func == (a: CalendarDate, b: CalendarDate) -> Bool { a.dayNumber == b.dayNumber }
    public func hash(into h: inout Hasher) { h.combine(dayNumber) }

    /// Parses `YYYY-MM-DD` strictly (also accepts `YYYY/MM/DD`, as typed in Excel rosters).
    public init?(iso string: String) {
        // the stored form, exactly `YYYY-MM-DD`: read the digits directly (dates are parsed by the hundred thousand in a close)
        let utf8 = string.utf8
        if utf8.count == 10, let fast = utf8.withContiguousStorageIfAvailable({ b -> (Int, Int, Int)? in
            @inline(__always) func digit(_ i: Int) -> Int? { let c = b[i]; return c >= 48 && c <= 57 ? Int(c - 48) : nil }
            guard b[4] == 45, b[7] == 45, let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3),
                  let m0 = digit(5), let m1 = digit(6), let d0 = digit(8), let d1 = digit(9) else { return nil }
            return (y0 * 1000 + y1 * 100 + y2 * 10 + y3, m0 * 10 + m1, d0 * 10 + d1)
        }), let (y, m, d) = fast {
            self.init(year: y, month: m, day: d)
            return
        }
        let s = string.trimmingCharacters(in: .whitespaces)
        let parts = s.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "/" })
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeap(year) ? 29 : 28
        default: return 0
        }
    }

    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(unchecked: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, dayNumber: z0)
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int { ((dayNumber % 7) + 7 + 4) % 7 }

    public var iso: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }
    public var description: String { iso }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.dayNumber < b.dayNumber }

    /// The civil date of an instant in a time zone.
    public init(_ instant: Date, in zone: TimeZone) {
        let seconds = Int(floor(instant.timeIntervalSince1970)) + zone.secondsFromGMT(for: instant)
        self.init(dayNumber: Int(floor(Double(seconds) / 86400)))
    }

    /// The instant at `minutes` after local midnight of this date in `zone`.
    public func instant(atMinute minutes: Int, in zone: TimeZone) -> Date {
        let localSeconds = Double(dayNumber * 86400 + minutes * 60)
        // Fixed-offset zones (Asia/Tokyo has no DST since 1951) make the first guess exact; iterate once for others.
        var guess = Date(timeIntervalSince1970: localSeconds - Double(zone.secondsFromGMT()))
        guess = Date(timeIntervalSince1970: localSeconds - Double(zone.secondsFromGMT(for: guess)))
        return guess
    }

    /// The first day of this date's month.
    public var firstOfMonth: CalendarDate { CalendarDate(unchecked: year, month, 1) }
    public var lastOfMonth: CalendarDate { CalendarDate(unchecked: year, month, CalendarDate.daysIn(year: year, month: month)) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = CalendarDate(iso: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a date (YYYY-MM-DD): \(s)")
        }
        self = d
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}

/// A calendar month, e.g. 2025-04.
public struct YearMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year; self.month = month
    }
    public init(_ date: CalendarDate) { year = date.year; month = date.month }
    /// Parses `YYYY-MM`.
    public init?(iso: String) {
        let p = iso.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 2, p[0].count == 4, p[1].count == 2, let y = Int(p[0]), let m = Int(p[1]) else { return nil }
        self.init(year: y, month: m)
    }
    public var first: CalendarDate { CalendarDate(year: year, month: month, day: 1)! }
    public var last: CalendarDate { first.lastOfMonth }
    public var days: [CalendarDate] { (first.dayNumber...last.dayNumber).map(CalendarDate.init(dayNumber:)) }
    public var previous: YearMonth { month == 1 ? YearMonth(year: year - 1, month: 12)! : YearMonth(year: year, month: month - 1)! }
    public var next: YearMonth { month == 12 ? YearMonth(year: year + 1, month: 1)! : YearMonth(year: year, month: month + 1)! }
    public var iso: String { pad(year, 4) + "-" + pad(month, 2) }
    public var description: String { iso }
    public static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// Zero-padded decimal, without `String(format:)` (slow on Linux, and on every punch's path).
@inlinable public func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

import Foundation

/// Instants ↔ civil dates and minutes in one zone, over a span of days. When the zone has no offset change in the span
/// (Asia/Tokyo has had none since 1951) the offset is read once, and each conversion is integer arithmetic instead of a
/// time-zone lookup; otherwise every conversion asks the zone, as `CalendarDate(_:in:)` does.
public struct LocalClock: Sendable {
    public let zone: TimeZone
    /// seconds east of UTC, when constant over the span
    private let fixedOffset: Int?

    /// A clock good for `from`…`to` (and two days either side, for night shifts and late punches).
    public init(zone: TimeZone, from: CalendarDate, to: CalendarDate) {
        self.zone = zone
        let start = Date(timeIntervalSince1970: Double(from.adding(days: -2).dayNumber * 86_400 - 86_400))
        let end = Date(timeIntervalSince1970: Double(to.adding(days: 3).dayNumber * 86_400 + 86_400))
        if let next = zone.nextDaylightSavingTimeTransition(after: start), next < end {
            fixedOffset = nil
        } else {
            fixedOffset = zone.secondsFromGMT(for: start)
        }
    }

    /// Minutes since 1970-01-01 00:00 local time (floor). Only increasing through the year with a fixed offset (an hour
    /// repeats when clocks go back), so it stays inside: callers ask for a date or a minute from a date's midnight.
    @inline(__always) private func localMinute(_ instant: Date) -> Int {
        let t = instant.timeIntervalSince1970
        guard let off = fixedOffset else {
            let local = CalendarDate(instant, in: zone)
            let midnight = local.instant(atMinute: 0, in: zone)
            return local.dayNumber * 1440 + Int((instant.timeIntervalSince(midnight) / 60).rounded(.down))
        }
        let seconds = Int(t.rounded(.down)) + off
        return seconds >= 0 ? seconds / 60 : (seconds - 59) / 60
    }

    /// The civil date of an instant.
    @inline(__always) public func date(of instant: Date) -> CalendarDate {
        guard fixedOffset != nil else { return CalendarDate(instant, in: zone) }
        return CalendarDate(dayNumber: dayNumber(of: instant))
    }

    /// The civil date of an instant as its `dayNumber` (no year, month and day worked out and back).
    @inline(__always) public func dayNumber(of instant: Date) -> Int {
        guard fixedOffset != nil else { return CalendarDate(instant, in: zone).dayNumber }
        let m = localMinute(instant)
        return m >= 0 ? m / 1440 : (m - 1439) / 1440
    }

    /// Minutes from `date`'s local midnight to `instant` (negative before it, past 1440 after the next midnight).
    @inline(__always) public func minute(of instant: Date, from date: CalendarDate) -> Int {
        minute(of: instant, fromDay: date.dayNumber)
    }

    /// The same, the date given as its `dayNumber`.
    @inline(__always) public func minute(of instant: Date, fromDay dayNumber: Int) -> Int {
        guard fixedOffset != nil else {
            return Int((instant.timeIntervalSince(CalendarDate(dayNumber: dayNumber).instant(atMinute: 0, in: zone)) / 60).rounded(.down))
        }
        return localMinute(instant) - dayNumber * 1440
    }
}

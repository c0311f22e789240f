import Foundation

// 年次休暇 (work-rules-ja.md §3.1 for 常勤, §3.2 for 会計年度任用職員). Balances are kept in minutes, at the
// person's hours per day (7h45m = 1 day for the standard day), so days, half days and hours share one number.

/// Whose year a grant follows: most bodies the calendar year, some the fiscal year (群馬県: 一の年度において20日).
public enum LeaveYearBasis: String, Sendable, Codable, Hashable, CaseIterable {
    case calendarYear = "calendar_year"
    case fiscalYear = "fiscal_year"

    /// The leave year containing `date`, as its first day.
    public func yearStart(of date: CalendarDate) -> CalendarDate {
        switch self {
        case .calendarYear: CalendarDate(year: date.year, month: 1, day: 1)!
        case .fiscalYear: FiscalYear(containing: date).first
        }
    }
    public func yearEnd(of date: CalendarDate) -> CalendarDate {
        let s = yearStart(of: date)
        return CalendarDate(year: s.year + 1, month: s.month, day: 1)!.adding(days: -1)
    }
}

/// The municipality's 年次休暇 rules for regular staff, with the common defaults.
public struct AnnualLeavePolicy: Hashable, Sendable, Codable {
    public var yearBasis: LeaveYearBasis = .calendarYear
    /// days granted each year
    public var yearlyDays = 20
    /// unused days carried into the next year (at most one year's grant); older days lapse
    public var carryOverMaxDays = 20
    /// an optional cap on hourly use per year, in days (LSA 39条4項 style; many 条例 have none ⚠️)
    public var hourlyUseCapDays: Int? = nil
    /// the grant in the year of hiring by months in service to the year's end (規則15-14 別表第1)
    public var hireYearTable: [Int] = [2, 3, 5, 7, 8, 10, 12, 13, 15, 17, 18, 20]

    public init() {}
    public static let `default` = AnnualLeavePolicy()

    /// The national 別表第1: months in service to the year's end (rounded up) → days.
    /// ≤1 month: 2, ≤2: 3, ≤3: 5, ≤4: 7, ≤5: 8, ≤6: 10, ≤7: 12, ≤8: 13, ≤9: 15, ≤10: 17, ≤11: 18, more: 20.
    public func hireYearDays(hired: CalendarDate) -> Int {
        let end = yearBasis.yearEnd(of: hired)
        // months from the hire day to the year end, a part month counting as a month
        var months = (end.year - hired.year) * 12 + (end.month - hired.month)
        if hired.day <= end.day || hired.day == 1 { months += 1 }
        months = max(1, min(12, months))
        return months > 11 ? yearlyDays : hireYearTable[months - 1]
    }

    /// The days granted at the start of the leave year containing `date` (or on hiring, in the first year).
    public func grantDays(hired: CalendarDate, yearContaining date: CalendarDate) -> Int {
        let start = yearBasis.yearStart(of: date)
        if hired > yearBasis.yearEnd(of: date) { return 0 }
        return hired > start ? hireYearDays(hired: hired) : yearlyDays
    }
}

/// A person's 年次休暇 for one leave year: what was carried in, what was granted, what has been used.
/// Use takes the carried days first (毛呂山, the typical order).
public struct AnnualLeaveBalance: Hashable, Sendable, Codable {
    public var minutesPerDay: Int
    public var carriedMinutes: Int
    public var grantedMinutes: Int
    public var usedFromCarried = 0
    public var usedFromGrant = 0
    public var hourlyUsedMinutes = 0

    public init(minutesPerDay: Int, carriedDays: Int = 0, grantedDays: Int, carriedExtraMinutes: Int = 0) {
        self.minutesPerDay = minutesPerDay
        carriedMinutes = carriedDays * minutesPerDay + carriedExtraMinutes
        grantedMinutes = grantedDays * minutesPerDay
    }

    public var remainingMinutes: Int { carriedMinutes - usedFromCarried + grantedMinutes - usedFromGrant }
    /// The remaining balance as days and minutes (「12日と3時間45分」).
    public var remaining: (days: Int, minutes: Int) { (remainingMinutes / minutesPerDay, remainingMinutes % minutesPerDay) }

    /// The part of the balance under an hour, once whole days are set aside (45 minutes of a 7h45m day after 7 hours).
    public var subHourRemainder: Int { remainingMinutes % minutesPerDay % 60 }

    public enum UseProblem: Hashable, Sendable, Error {
        case notEnough(remainingMinutes: Int)
        /// hourly leave is taken in whole hours, except that a sub-hour remainder may be taken whole
        case notWholeHours
        case hourlyCapReached(capMinutes: Int)
        case nothingToUse
    }

    /// Whether `minutes` may be taken: a whole day or half day is any multiple the request names; hours must be
    /// whole hours, or whole hours plus the entire sub-hour part of the balance (work-rules-ja.md §3.1).
    public func check(minutes: Int, hourly: Bool, policy: AnnualLeavePolicy = .default) -> UseProblem? {
        if minutes <= 0 { return .nothingToUse }
        if minutes > remainingMinutes { return .notEnough(remainingMinutes: remainingMinutes) }
        if hourly {
            // 「残日数に1時間未満の端数があるときは、その全てを使用することができる」: whole hours, or whole hours
            // plus the whole of the balance's sub-hour part
            let rest = minutes % 60
            if rest != 0 && rest != subHourRemainder { return .notWholeHours }
            if let cap = policy.hourlyUseCapDays, hourlyUsedMinutes + minutes > cap * minutesPerDay {
                return .hourlyCapReached(capMinutes: cap * minutesPerDay)
            }
        }
        return nil
    }

    /// Takes `minutes`, carried days first. Call `check` first; this only refuses what would go below zero.
    public mutating func use(minutes: Int, hourly: Bool) throws(UseProblem) {
        guard minutes > 0 else { throw .nothingToUse }
        guard minutes <= remainingMinutes else { throw .notEnough(remainingMinutes: remainingMinutes) }
        let fromCarried = min(minutes, carriedMinutes - usedFromCarried)
        usedFromCarried += fromCarried
        usedFromGrant += minutes - fromCarried
        if hourly { hourlyUsedMinutes += minutes }
    }

    /// What carries into the next year: the unused part of this year's grant, up to `carryOverMaxDays`; the days
    /// carried in this year lapse (so at most 40 days are ever held).
    public func carryOver(policy: AnnualLeavePolicy = .default) -> Int {
        min(grantedMinutes - usedFromGrant, policy.carryOverMaxDays * minutesPerDay)
    }

    /// The next year's balance.
    public func nextYear(grantedDays: Int, minutesPerDay newMinutesPerDay: Int? = nil, policy: AnnualLeavePolicy = .default) -> AnnualLeaveBalance {
        let perDay = newMinutesPerDay ?? minutesPerDay
        var carried = carryOver(policy: policy)
        // a change of hours per day keeps the days held and converts the part-day minutes at the new rate (osaka-shikyo)
        if perDay != minutesPerDay { carried = (carried / minutesPerDay) * perDay + (carried % minutesPerDay) * perDay / minutesPerDay }
        var b = AnnualLeaveBalance(minutesPerDay: perDay, grantedDays: grantedDays)
        b.carriedMinutes = carried
        return b
    }
}

/// LSA 39条 for staff it governs as a minimum (会計年度任用職員, work-rules-ja.md §3.2).
public enum LaborStandardsLeave {
    /// Days after 0.5, 1.5, … 6.5 years of continuous service with 80% attendance (5 days a week or 30h).
    public static let standardTable = [10, 11, 12, 14, 16, 18, 20]

    /// The standard grant for `serviceMonths` of continuous service: 0 before 6 months.
    public static func standardDays(serviceMonths: Int) -> Int {
        if serviceMonths < 6 { return 0 }
        let step = min((serviceMonths - 6) / 12, standardTable.count - 1)
        return standardTable[step]
    }

    /// 比例付与 (LSA施行規則24条の3): with under 30h a week and 4 days or fewer (or 216 days a year or fewer),
    /// `floor(standard × weekly days / 5.2)`. Yearly days place an irregular schedule in its weekly-days column.
    public static func days(serviceMonths: Int, weeklyDays: Int?, weeklyMinutes: Int, yearlyDays: Int? = nil) -> Int {
        let standard = standardDays(serviceMonths: serviceMonths)
        let days = weeklyDays ?? yearlyDays.map(weeklyDaysColumn(yearlyDays:)) ?? 5
        if weeklyMinutes >= 30 * 60 || days >= 5 { return standard }
        if days <= 0 { return 0 }
        return standard * days * 10 / 52
    }

    /// The weekly-days column for a yearly number of working days: 217+ → 5, 169–216 → 4, 121–168 → 3, 73–120 → 2, 48–72 → 1.
    public static func weeklyDaysColumn(yearlyDays: Int) -> Int {
        switch yearlyDays {
        case 217...: 5
        case 169...216: 4
        case 121...168: 3
        case 73...120: 2
        case 48...72: 1
        default: 0
        }
    }

    /// Days in the 80% attendance rule's count.
    public struct Attendance: Hashable, Sendable {
        /// days with work assigned (全労働日), before removals
        public var scheduledDays: Int
        /// days worked (late arrival and early leave still count)
        public var workedDays: Int
        /// days counted as attended although not worked: 年休 taken, 労災 leave, 産前産後休業, 育児休業, 介護休業
        public var deemedAttendedDays: Int
        /// days removed from both sides: the employer's shutdowns, strikes, (usually) 休職, and what the employer
        /// chose to remove (子の看護, 介護休暇, 慶弔)
        public var removedDays: Int
        public init(scheduledDays: Int, workedDays: Int, deemedAttendedDays: Int = 0, removedDays: Int = 0) {
            self.scheduledDays = scheduledDays; self.workedDays = workedDays
            self.deemedAttendedDays = deemedAttendedDays; self.removedDays = removedDays
        }
        /// 出勤日 ÷ 全労働日 ≥ 0.8, in whole numbers.
        public var meetsEightyPercent: Bool {
            let denominator = scheduledDays - removedDays
            guard denominator > 0 else { return true }
            return (workedDays + deemedAttendedDays) * 10 >= denominator * 8
        }
    }

    /// The 80% rule's count over attendance-book days (work-rules-ja.md §3.2). 全労働日 are the days with hours assigned
    /// that are not 休日. A day is attended when worked (late arrival or early leave still counts) or taken whole as leave
    /// that counts as attended: 年休, 特休, 病休, 産前産後, 育休, 代休, 出張・研修. Unpaid leave (介護休暇 and the like,
    /// the employer's choice) leaves the denominator; 欠勤 and a day with nothing stay in it, unattended.
    public static func attendance(_ days: [AttendanceDay]) -> Attendance {
        var a = Attendance(scheduledDays: 0, workedDays: 0)
        for d in days where d.kind.isWorkDay && d.schedule != nil {
            a.scheduledDays += 1
            if d.workedMinutes > 0 || d.firstIn != nil { a.workedDays += 1; continue }
            guard let whole = d.marks.first(where: { $0.minutes == nil }) else { continue }
            switch whole.code {
            case .absence: break
            case .unpaidLeave: a.removedDays += 1
            default: a.deemedAttendedDays += 1
            }
        }
        return a
    }
}

/// The municipal front-loaded grant for 会計年度任用職員 (国頭村 規則, work-rules-ja.md §3.2): days given on the
/// first day of the appointment, by term and weekly days, with 29h a week counting as the 5-day column.
public struct FrontLoadedLeavePolicy: Hashable, Sendable, Codable {
    /// weekly hours at or above which the 5-day column applies (29h here; the LSA threshold is 30h)
    public var fullColumnWeeklyMinutes = 29 * 60
    /// first year, by term: over 6 months up to a year; over 5 up to 6; over 4 up to 5; over 3 up to 4; over 2 up to 3; over 1 up to 2.
    /// Each row: ≥5 days, 4, 3, 2, 1 day a week.
    public var firstYear: [[Int]] = [[10, 7, 5, 3, 1], [7, 5, 4, 2, 1], [5, 3, 2, 1, 1], [3, 2, 1, 1, 0], [2, 1, 1, 0, 0], [1, 0, 0, 0, 0]]
    /// later fiscal years of continuous service: 1, 2, 3, 4, 5, ≥6 years after the first.
    public var laterYears: [[Int]] = [[11, 8, 6, 4, 2], [12, 9, 6, 4, 2], [14, 10, 8, 5, 2], [16, 12, 9, 6, 3], [18, 13, 10, 6, 3], [20, 15, 11, 7, 3]]
    /// days that may be carried into a re-appointment with no gap
    public var carryOverMaxDays = 20
    /// days between appointments still counted as continuous (0: none)
    public var continuityGapDays = 0
    /// a later year's days only after 80% attendance in the fiscal year before (LSA 39条, which these rules may not undercut)
    public var requiresEightyPercent = true

    public init() {}

    public func column(weeklyDays: Int, weeklyMinutes: Int) -> Int? {
        if weeklyMinutes >= fullColumnWeeklyMinutes || weeklyDays >= 5 { return 0 }
        switch weeklyDays { case 4: return 1; case 3: return 2; case 2: return 3; case 1: return 4; default: return nil }
    }

    /// The grant on the first day of an appointment from `start` to `end` (both included).
    /// `yearsAfterFirst` is the number of fiscal years since the one holding the first day of continuous service.
    public func grantDays(start: CalendarDate, end: CalendarDate, weeklyDays: Int, weeklyMinutes: Int, yearsAfterFirst: Int) -> Int {
        guard let col = column(weeklyDays: weeklyDays, weeklyMinutes: weeklyMinutes), end >= start else { return 0 }
        if yearsAfterFirst >= 1 { return laterYears[min(yearsAfterFirst, laterYears.count) - 1][col] }
        // the term in months, a part month counting as "over": 4/1–3/31 is 12 months; 4/1–9/30 is 6 months
        let months = FrontLoadedLeavePolicy.termMonths(start: start, end: end)
        let row: Int
        switch months.whole {
        case 12...: row = 0
        case 6: row = months.extraDays > 0 ? 0 : 1
        case 5: row = months.extraDays > 0 ? 1 : 2
        case 4: row = months.extraDays > 0 ? 2 : 3
        case 3: row = months.extraDays > 0 ? 3 : 4
        case 2: row = months.extraDays > 0 ? 4 : 5
        case 1: row = months.extraDays > 0 ? 5 : -1
        default: row = -1
        }
        if months.whole > 6 && months.whole < 12 { return firstYear[0][col] }
        return row < 0 ? 0 : firstYear[row][col]
    }

    /// Whole months from `start` and the days beyond them: 4/1–9/30 → (6, 0); 4/1–10/15 → (6, 15).
    public static func termMonths(start: CalendarDate, end: CalendarDate) -> (whole: Int, extraDays: Int) {
        let after = end.adding(days: 1)
        var months = (after.year - start.year) * 12 + (after.month - start.month)
        var anchor = start.addingMonths(months)
        if anchor > after { months -= 1; anchor = start.addingMonths(months) }
        return (months, after.dayNumber - anchor.dayNumber)
    }

    /// Carry-over into a re-appointment: only when it starts within the allowed gap after the last one ends.
    public func carryOver(unusedDays: Int, previousEnd: CalendarDate, nextStart: CalendarDate) -> Int {
        let gap = nextStart.dayNumber - previousEnd.dayNumber - 1
        return gap <= continuityGapDays ? min(unusedDays, carryOverMaxDays) : 0
    }
}

extension CalendarDate {
    /// The same day `n` months later, clamped to the month's last day (1/31 + 1 month = 2/28).
    public func addingMonths(_ n: Int) -> CalendarDate {
        let total = year * 12 + (month - 1) + n
        let y = Int((Double(total) / 12).rounded(.down)), m = total - y * 12 + 1
        return CalendarDate(year: y, month: m, day: min(day, CalendarDate.daysIn(year: y, month: m)))!
    }
}

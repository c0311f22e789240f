import Foundation
import YakubaCore

// The 人事課's view of the municipality (issue 5): overtime, punches, leave and part-timers' hidden overtime, by month and
// by fiscal year, from one row per person and month (`StaffMonthStats`, kept up to date by the server as facts change).
// Pure: every figure here is a fold over those rows.

/// One person's month, as the dashboard counts it: the month's figures as the close computes them, with the department
/// and employment the person had.
public struct StaffMonthStats: Sendable, Hashable {
    public var staffId: UUID
    public var month: YearMonth
    public var departmentId: UUID?
    public var employment: EmploymentType
    /// 超過勤務 as the limits count it
    public var overtimeMinutes: Int
    public var workedMinutes: Int
    public var scheduledDays: Int
    public var scheduledMinutes: Int
    public var counts: DayCounts
    /// the month's ordered overtime as the limits count it (the orders' reported and confirmed time, by the order's date):
    /// the manager's page reads a year of it per person from here instead of a year of orders
    public var orderedMinutes: Int

    public init(staffId: UUID, month: YearMonth, departmentId: UUID?, employment: EmploymentType, overtimeMinutes: Int, workedMinutes: Int,
                scheduledDays: Int, scheduledMinutes: Int, counts: DayCounts, orderedMinutes: Int = 0) {
        self.staffId = staffId; self.month = month; self.departmentId = departmentId; self.employment = employment
        self.overtimeMinutes = overtimeMinutes; self.workedMinutes = workedMinutes; self.scheduledDays = scheduledDays
        self.scheduledMinutes = scheduledMinutes; self.counts = counts; self.orderedMinutes = orderedMinutes
    }

    public init(staffId: UUID, month: YearMonth, departmentId: UUID?, employment: EmploymentType, figures f: MonthlyFigures, orderedMinutes: Int = 0) {
        self.init(staffId: staffId, month: month, departmentId: departmentId, employment: employment, overtimeMinutes: f.overtimeMinutes,
                  workedMinutes: f.workedMinutes, scheduledDays: f.scheduledDays, scheduledMinutes: f.scheduledMinutes, counts: f.counts,
                  orderedMinutes: orderedMinutes)
    }

    /// The person's day, to turn hours of 年休 into days: their scheduled minutes per scheduled day, else 7h45m.
    public var dayMinutes: Int { scheduledDays > 0 ? max(60, scheduledMinutes / scheduledDays) : 465 }
    /// 年休 taken in the month, in days (hours converted at the person's own day, work-rules §5.3).
    public var annualLeaveDays: Double { Double(counts.annualLeaveDays) + Double(counts.annualLeaveMinutes) / Double(dayMinutes) }
}

/// The months a dashboard covers: one month, or a fiscal year (April to March).
public enum DashboardPeriod: Sendable, Hashable {
    case month(YearMonth)
    case fiscalYear(Int)

    public var months: [YearMonth] {
        switch self {
        case .month(let m): return [m]
        case .fiscalYear(let y): return (0..<12).map { i in YearMonth(year: y + (3 + i) / 12, month: (3 + i) % 12 + 1)! }
        }
    }
    public var isYear: Bool { if case .fiscalYear = self { true } else { false } }
    public var labelJa: String {
        switch self {
        case .month(let m): "\(m.year)年\(m.month)月"
        case .fiscalYear(let y): "\(y)年度（\(JapaneseEra.fiscalYearName(FiscalYear(startYear: y)))）"
        }
    }
    public var labelEn: String {
        switch self {
        case .month(let m): m.iso
        case .fiscalYear(let y): "FY\(y) (April \(y) – March \(y + 1))"
        }
    }
    /// The query value that names it: `2026-04` or `FY2026`.
    public var code: String {
        switch self { case .month(let m): m.iso; case .fiscalYear(let y): "FY\(y)" }
    }
    public init?(code: String) {
        let s = code.trimmingCharacters(in: .whitespaces)
        if s.uppercased().hasPrefix("FY"), let y = Int(s.dropFirst(2)), (2000...2100).contains(y) { self = .fiscalYear(y); return }
        if let m = YearMonth(iso: s) { self = .month(m); return }
        return nil
    }
}

/// The lines the dashboard counts people over (人事院規則15-14 and the 36協定 lines, work-rules §2.3).
public enum OvertimeLine: Int, Sendable, CaseIterable, Hashable {
    case h45 = 45, h60 = 60, h80 = 80, h100 = 100
    public var minutes: Int { rawValue * 60 }
    /// 0…3, for counting in a small array
    var index: Int { switch self { case .h45: 0; case .h60: 1; case .h80: 2; case .h100: 3 } }
}

/// The yearly lines: 360 hours (自律部署, the 36協定's ordinary limit) and 720 hours (他律部署, the special clause).
public enum YearLine: Int, Sendable, CaseIterable, Hashable {
    case h360 = 360, h720 = 720
    public var minutes: Int { rawValue * 60 }
}

/// Which people a dashboard counts.
public struct DashboardFilter: Sendable, Hashable {
    /// the departments counted (nil = all)
    public var departments: Set<UUID>?
    public var employment: EmploymentType?
    public init(departments: Set<UUID>? = nil, employment: EmploymentType? = nil) { self.departments = departments; self.employment = employment }

    public func admits(_ r: StaffMonthStats) -> Bool {
        if let e = employment, r.employment != e { return false }
        if let d = departments { guard let id = r.departmentId, d.contains(id) else { return false } }
        return true
    }
}

/// What one drill-down lists: the people behind a number.
public enum DashboardMetric: String, Sendable, CaseIterable, Hashable {
    case overtime, over45, over60, over80, over100, over360, over720, missing, corrected, beyond, leaveUnder5, lateNight

    public var labelJa: String {
        switch self {
        case .overtime: "超過勤務の多い職員"
        case .over45: "月45時間を超えた職員"
        case .over60: "月60時間を超えた職員"
        case .over80: "月80時間を超えた職員"
        case .over100: "月100時間を超えた職員"
        case .over360: "年360時間を超えた職員"
        case .over720: "年720時間を超えた職員"
        case .missing: "打刻漏れのある職員"
        case .corrected: "打刻の修正がある職員"
        case .beyond: "勤務時間を超えて働いた会計年度任用職員など（短時間勤務）"
        case .leaveUnder5: "年休の取得が5日未満の職員"
        case .lateNight: "深夜（22時〜5時）に勤務した職員"
        }
    }
    public var labelEn: String {
        switch self {
        case .overtime: "Staff by overtime"
        case .over45: "Staff over 45 hours in a month"
        case .over60: "Staff over 60 hours in a month"
        case .over80: "Staff over 80 hours in a month"
        case .over100: "Staff over 100 hours in a month"
        case .over360: "Staff over 360 hours in the year"
        case .over720: "Staff over 720 hours in the year"
        case .missing: "Staff with missing punches"
        case .corrected: "Staff with corrected punches"
        case .beyond: "Part-time staff working beyond their schedule"
        case .leaveUnder5: "Staff with fewer than 5 days of annual leave"
        case .lateNight: "Staff who worked late at night (22:00–5:00)"
        }
    }
    public static func line(_ l: OvertimeLine) -> DashboardMetric {
        switch l { case .h45: .over45; case .h60: .over60; case .h80: .over80; case .h100: .over100 }
    }
    public static func line(_ l: YearLine) -> DashboardMetric { l == .h360 ? .over360 : .over720 }
}

/// A person's period, summed over their months.
public struct PersonPeriod: Sendable, Hashable {
    public var staffId: UUID
    public var departmentId: UUID?
    public var employment: EmploymentType
    public var months = 0
    public var overtimeMinutes = 0
    /// the highest month's overtime, and the months over each line (45, 60, 80, 100 hours)
    public var maxMonthMinutes = 0
    public var monthsOver45 = 0, monthsOver60 = 0, monthsOver80 = 0, monthsOver100 = 0
    public var punchDays = 0
    public var completeDays = 0
    public var correctedDays = 0
    public var missingDays = 0
    public var lateNightDays = 0
    public var beyondScheduleMinutes = 0
    public var annualLeaveDays = 0.0

    public func monthsOver(_ l: OvertimeLine) -> Int {
        switch l { case .h45: monthsOver45; case .h60: monthsOver60; case .h80: monthsOver80; case .h100: monthsOver100 }
    }

    /// Adds a month (in place: a city's year is a quarter of a million of them).
    mutating func add(_ row: StaffMonthStats) {
        months += 1
        overtimeMinutes += row.overtimeMinutes
        maxMonthMinutes = max(maxMonthMinutes, row.overtimeMinutes)
        let o = row.overtimeMinutes
        if o > OvertimeLine.h45.minutes { monthsOver45 += 1 }
        if o > OvertimeLine.h60.minutes { monthsOver60 += 1 }
        if o > OvertimeLine.h80.minutes { monthsOver80 += 1 }
        if o > OvertimeLine.h100.minutes { monthsOver100 += 1 }
        let c = row.counts
        punchDays += c.punchDays; completeDays += c.completeDays; correctedDays += c.correctedDays
        missingDays += c.missingDays; lateNightDays += c.lateNightDays; beyondScheduleMinutes += c.beyondScheduleMinutes
        annualLeaveDays += row.annualLeaveDays
        // the latest month's department and employment describe the person
        if row.month >= latest { latest = row.month; departmentId = row.departmentId; employment = row.employment }
    }
    var latest = YearMonth(year: 1900, month: 1)!

    /// The figure a metric lists people by.
    public func value(_ m: DashboardMetric) -> Double {
        switch m {
        case .overtime, .over360, .over720: Double(overtimeMinutes)
        case .over45, .over60, .over80, .over100: Double(maxMonthMinutes)
        case .missing: Double(missingDays)
        case .corrected: Double(correctedDays)
        case .beyond: Double(beyondScheduleMinutes)
        case .leaveUnder5: annualLeaveDays
        case .lateNight: Double(lateNightDays)
        }
    }

    /// Whether the person is one of those the metric counts.
    public func counts(_ m: DashboardMetric) -> Bool {
        switch m {
        case .overtime: overtimeMinutes > 0
        case .over45: monthsOver45 > 0
        case .over60: monthsOver60 > 0
        case .over80: monthsOver80 > 0
        case .over100: monthsOver100 > 0
        case .over360: overtimeMinutes > YearLine.h360.minutes
        case .over720: overtimeMinutes > YearLine.h720.minutes
        case .missing: missingDays > 0
        case .corrected: correctedDays > 0
        // an hour a month on average, as the team page counts a month
        case .beyond: employment.isPartTime && beyondScheduleMinutes >= TeamView.beyondScheduleMinutes * max(1, months)
        case .leaveUnder5: annualLeaveDays < 5
        case .lateNight: lateNightDays > 0
        }
    }
}

/// A group of departments (a 部, or the 課 under a chosen 部) over the period.
public struct GroupFigures: Sendable, Hashable {
    public var groupId: UUID?
    public var people = 0
    public var personMonths = 0
    public var overtimeMinutes = 0
    public var punchDays = 0
    public var completeDays = 0
    public var missingDays = 0
    public var correctedDays = 0
    public var annualLeaveDays = 0.0
    public var beyondScheduleMinutes = 0
    /// overtime by month (for the heat map), in the period's month order
    public var monthOvertime: [Int] = []
    public var monthPeople: [Int] = []

    /// 打刻率: days with complete, uncorrected punches ÷ days punches were expected (nil with no such days)
    public var punchRate: Double? { punchDays > 0 ? Double(completeDays) / Double(punchDays) : nil }
    /// average overtime per person-month, minutes
    public var overtimePerPersonMonth: Double { personMonths > 0 ? Double(overtimeMinutes) / Double(personMonths) : 0 }
    /// average 年休 days per person over the period
    public var leavePerPerson: Double { people > 0 ? annualLeaveDays / Double(people) : 0 }

    /// Adds a person's month, the `month`-th of the period (nil: a figure with no months of its own).
    mutating func add(_ row: StaffMonthStats, month: Int?) {
        personMonths += 1
        overtimeMinutes += row.overtimeMinutes
        punchDays += row.counts.punchDays
        completeDays += row.counts.completeDays
        missingDays += row.counts.missingDays
        correctedDays += row.counts.correctedDays
        annualLeaveDays += row.annualLeaveDays
        beyondScheduleMinutes += row.counts.beyondScheduleMinutes
        if let month {
            monthOvertime[month] += row.overtimeMinutes
            monthPeople[month] += 1
        }
    }
}

/// The dashboard's figures for a period and filter.
public struct DashboardReport: Sendable, Hashable {
    public var period: DashboardPeriod
    public var months: [YearMonth]
    /// months of the period with any data (the rest are in the future or before the data)
    public var monthsWithData: [YearMonth] = []
    public var total = GroupFigures(groupId: nil)
    /// per month of the period, in order: the municipality's (filtered) figures
    public var byMonth: [GroupFigures] = []
    /// people over each line in at least one month of the period, and person-months over it
    public var peopleOver: [OvertimeLine: Int] = [:]
    public var personMonthsOver: [OvertimeLine: Int] = [:]
    /// people over 360 / 720 hours in the period (a year's lines: shown for a fiscal year)
    public var peopleOverYear: [YearLine: Int] = [:]
    public var groups: [GroupFigures] = []
    public var people: [PersonPeriod] = []
    /// part-time staff and those of them working beyond their schedule by an hour or more in the period
    public var partTimePeople = 0
    public var partTimeBeyond = 0
    /// people with fewer than 5 days of 年休 in the period (meaningful for a year)
    public var leaveUnder5 = 0

    public func top(_ n: Int, by metric: DashboardMetric) -> [PersonPeriod] {
        Array(people.filter { $0.counts(metric) }.sorted { a, b in
            let va = a.value(metric), vb = b.value(metric)
            if va != vb { return metric == .leaveUnder5 ? va < vb : va > vb }
            return a.staffId.isBefore(b.staffId)
        }.prefix(n))
    }
}

public enum Dashboard {
    /// The report over `rows` (any months; those outside the period are skipped).
    /// - group: the group a department counts in (its 部, or the 課 below the chosen 部); nil leaves a person out of groups.
    public static func report(_ rows: some Sequence<StaffMonthStats>, period: DashboardPeriod, filter: DashboardFilter,
                              group: (UUID?) -> UUID?) -> DashboardReport {
        let months = period.months
        var monthIndex: [YearMonth: Int] = [:]
        for (i, m) in months.enumerated() { monthIndex[m] = i }
        var r = DashboardReport(period: period, months: months)
        r.byMonth = months.map { _ in GroupFigures(groupId: nil) }
        var people: [UUID: PersonPeriod] = [:]
        var groups: [UUID: GroupFigures] = [:]
        var groupPeople: [UUID: Set<UUID>] = [:]
        var monthHasData = [Bool](repeating: false, count: months.count)
        // person-months over 45, 60, 80, 100 (by the line's index)
        var personMonthsOver = [0, 0, 0, 0]
        for row in rows {
            guard let mi = monthIndex[row.month], filter.admits(row) else { continue }
            monthHasData[mi] = true
            people[row.staffId, default: PersonPeriod(staffId: row.staffId, departmentId: row.departmentId, employment: row.employment)].add(row)
            for l in OvertimeLine.allCases where row.overtimeMinutes > l.minutes { personMonthsOver[l.index] += 1 }

            r.byMonth[mi].add(row, month: nil)
            r.byMonth[mi].people += 1
            if let g = group(row.departmentId) {
                // in place: a copy out of the dictionary and back would copy the month arrays for every row
                groups[g, default: GroupFigures(groupId: g, monthOvertime: Array(repeating: 0, count: months.count),
                                                monthPeople: Array(repeating: 0, count: months.count))].add(row, month: mi)
                groupPeople[g, default: []].insert(row.staffId)
            }
        }
        r.monthsWithData = zip(months, monthHasData).filter(\.1).map(\.0)
        for l in OvertimeLine.allCases where personMonthsOver[l.index] > 0 { r.personMonthsOver[l] = personMonthsOver[l.index] }
        for (g, ids) in groupPeople { groups[g]?.people = ids.count }
        r.groups = groups.values.sorted { $0.overtimeMinutes != $1.overtimeMinutes ? $0.overtimeMinutes > $1.overtimeMinutes : ($0.groupId?.uuidString ?? "") < ($1.groupId?.uuidString ?? "") }
        r.people = people.values.sorted { $0.staffId.isBefore($1.staffId) }
        var total = GroupFigures(groupId: nil)
        for m in r.byMonth {
            total.personMonths += m.personMonths; total.overtimeMinutes += m.overtimeMinutes; total.punchDays += m.punchDays
            total.completeDays += m.completeDays; total.missingDays += m.missingDays; total.correctedDays += m.correctedDays
            total.annualLeaveDays += m.annualLeaveDays; total.beyondScheduleMinutes += m.beyondScheduleMinutes
        }
        total.people = people.count
        total.monthOvertime = r.byMonth.map(\.overtimeMinutes)
        total.monthPeople = r.byMonth.map(\.people)
        r.total = total
        for p in r.people {
            for l in OvertimeLine.allCases where p.monthsOver(l) > 0 { r.peopleOver[l, default: 0] += 1 }
            for l in YearLine.allCases where p.overtimeMinutes > l.minutes { r.peopleOverYear[l, default: 0] += 1 }
            if p.employment.isPartTime {
                r.partTimePeople += 1
                if p.counts(.beyond) { r.partTimeBeyond += 1 }
            }
            if p.annualLeaveDays < 5 { r.leaveUnder5 += 1 }
        }
        return r
    }


    /// The people a number stands for, in the order the metric ranks them, optionally within one group.
    public static func people(_ report: DashboardReport, metric: DashboardMetric, group: UUID?, groupOf: (UUID?) -> UUID?) -> [PersonPeriod] {
        report.top(Int.max, by: metric).filter { p in group.map { groupOf(p.departmentId) == $0 } ?? true }
    }
}

extension UUID {
    /// A fixed order of ids for ties, by their bytes (no text made: a city's people are sorted on every page).
    func isBefore(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { a in withUnsafeBytes(of: other.uuid) { b in memcmp(a.baseAddress!, b.baseAddress!, 16) < 0 } }
    }
}

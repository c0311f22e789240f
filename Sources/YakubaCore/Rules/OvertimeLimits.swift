import Foundation

// 超過勤務の上限 (人事院規則15-14 第16条の2の2, in force 2019-04-01, mirrored by municipal rules;
// work-rules-ja.md §2.3) and 36協定 limits for units under LSA 36条 (§2.2).

/// 自律部署 / 他律部署 (glossary `DepartmentWorkload`), set per department by the head.
public enum DepartmentWorkload: String, Sendable, Codable, CaseIterable, Hashable {
    /// 自律部署: 45h a month, 360h a year
    case selfPaced = "self_paced"
    /// 他律部署: under 100h a month, 720h a year, each 2–6-month average ≤ 80h, at most 6 months over 45h
    case externallyDriven = "externally_driven"

    public var labelJa: String { self == .selfPaced ? "自律部署" : "他律部署" }
    public var labelEn: String { self == .selfPaced ? "Self-paced" : "Externally driven" }
}

/// A 36協定 (LSA 36条) of a 公営企業 or an LSA 別表第一 unit, held as data (work-rules-ja.md §2.2).
public struct LaborAgreement36: Hashable, Sendable, Codable {
    /// the ordinary limits (typically 45h a month, 360h a year)
    public var monthlyMaxMinutes: Int = 2700
    public var yearlyMaxMinutes: Int = 21600
    /// the 特別条項, if agreed: the limits that apply in its busy months
    public var special: Special?
    /// whether 休日労働 counts toward the limits (LSA's 100h/80h caps include it)
    public var countsHolidayWork: Bool = true

    public struct Special: Hashable, Sendable, Codable {
        public var monthlyBelowMinutes: Int = 6000
        public var yearlyMaxMinutes: Int = 43200
        public var averageMaxMinutes: Int = 4800
        public var monthsOverOrdinaryMax: Int = 6
        public init() {}
    }
    public init(special: Special? = nil) { self.special = special }
}

extension LaborAgreement36 {
    /// The form's values in whole hours (`ag_month`, `ag_year`, `ag_special`, `ag_sp_month`, `ag_sp_year`, `ag_sp_avg`, `ag_sp_times`).
    public var formValues: [String: String] {
        var v = ["ag_month": String(monthlyMaxMinutes / 60), "ag_year": String(yearlyMaxMinutes / 60), "ag_special": special == nil ? "" : "1"]
        let sp = special ?? Special()
        v["ag_sp_month"] = String(sp.monthlyBelowMinutes / 60); v["ag_sp_year"] = String(sp.yearlyMaxMinutes / 60)
        v["ag_sp_avg"] = String(sp.averageMaxMinutes / 60); v["ag_sp_times"] = String(sp.monthsOverOrdinaryMax)
        return v
    }

    /// Reads an agreement from its form, within what LSA 36条 allows an agreement to say: 限度時間 of at most 45h a month
    /// and 360h a year (36条4項); a 特別条項 of under 100h a month with 休日労働, at most 720h a year, 2–6-month averages of at
    /// most 80h and at most six months over the 限度時間 (36条5項・6項). Every problem beside its field.
    public static func from(form: [String: String]) -> Result<LaborAgreement36, WorkRulesSettings.Problems> {
        var problems: [WorkRulesSettings.Problem] = []
        func hours(_ field: String, _ range: ClosedRange<Int>, _ ja: String, _ en: String) -> Int {
            let text = WorkRulesSettings.ascii(form[field] ?? "")
            guard let v = Int(text), range.contains(v) else {
                problems.append(.init(field: field, messageJa: "\(ja)を\(range.lowerBound)〜\(range.upperBound)の整数で入力してください（労働基準法36条の範囲）。",
                                      messageEn: "Enter \(en) as a whole number from \(range.lowerBound) to \(range.upperBound) (the range LSA art. 36 allows)."))
                return range.lowerBound
            }
            return v
        }
        var a = LaborAgreement36()
        a.monthlyMaxMinutes = hours("ag_month", 1...45, "月の上限（時間）", "the monthly limit in hours") * 60
        a.yearlyMaxMinutes = hours("ag_year", 1...360, "年の上限（時間）", "the yearly limit in hours") * 60
        if !(form["ag_special"] ?? "").isEmpty {
            var sp = Special()
            sp.monthlyBelowMinutes = hours("ag_sp_month", (a.monthlyMaxMinutes / 60 + 1)...100, "特別条項の月の上限（未満・時間）", "the special clause's monthly limit (under, hours)") * 60
            sp.yearlyMaxMinutes = hours("ag_sp_year", (a.yearlyMaxMinutes / 60)...720, "特別条項の年の上限（時間）", "the special clause's yearly limit in hours") * 60
            sp.averageMaxMinutes = hours("ag_sp_avg", 1...80, "2〜6か月平均の上限（時間）", "the 2–6-month average limit in hours") * 60
            sp.monthsOverOrdinaryMax = hours("ag_sp_times", 1...6, "月の上限を超えられる回数（年）", "the months a year over the monthly limit")
            a.special = sp
        }
        return problems.isEmpty ? .success(a) : .failure(WorkRulesSettings.Problems(all: problems))
    }

    public var labelJa: String {
        "36協定（月\(monthlyMaxMinutes / 60)時間・年\(yearlyMaxMinutes / 60)時間"
            + (special.map { "、特別条項：月\($0.monthlyBelowMinutes / 60)時間未満・年\($0.yearlyMaxMinutes / 60)時間・平均\($0.averageMaxMinutes / 60)時間・年\($0.monthsOverOrdinaryMax)回" } ?? "") + "）"
    }
    public var labelEn: String {
        "Article 36 agreement (\(monthlyMaxMinutes / 60)h a month, \(yearlyMaxMinutes / 60)h a year"
            + (special.map { "; special clause: under \($0.monthlyBelowMinutes / 60)h a month, \($0.yearlyMaxMinutes / 60)h a year, \($0.averageMaxMinutes / 60)h average, \($0.monthsOverOrdinaryMax) months" } ?? "") + ")"
    }
}

/// Which rule set a person's month is checked against.
public enum OvertimeRegime: Hashable, Sendable, Codable {
    case workload(DepartmentWorkload)
    case agreement(LaborAgreement36)

    public var labelJa: String { switch self { case .workload(let w): w.labelJa; case .agreement(let a): a.labelJa } }
    public var labelEn: String { switch self { case .workload(let w): w.labelEn; case .agreement(let a): a.labelEn } }
}

/// The limits of 人事院規則15-14 as a municipality mirrors them, with the national defaults. All in minutes.
public struct OvertimeLimitRules: Hashable, Sendable, Codable {
    public var selfPacedMonthlyMaxMinutes = 2700
    public var selfPacedYearlyMaxMinutes = 21600
    /// 他律部署: the month must stay **under** this (100h)
    public var externalMonthlyBelowMinutes = 6000
    public var externalYearlyMaxMinutes = 43200
    public var externalAverageMaxMinutes = 4800
    /// 他律部署: at most this many months of the year over `externalMonthOverMinutes` (45h)
    public var externalMonthsOverMax = 6
    public var externalMonthOverMinutes = 2700
    /// the windows of the average rule: the month checked and the 1–5 months before it
    public var averageWindows: ClosedRange<Int> = 2...6
    /// standing is shown as approaching from this share of a limit
    public var warnAtPercent = 80
    /// 医師の面接指導 (規則10-4, work-rules-ja.md §2.3): a month at or over this, or any 2–6-month average over the next
    public var doctorInterviewMonthlyMinutes = 6000
    public var doctorInterviewAverageMinutes = 4800
    /// the year the limits count: 4 = the fiscal year 4/1–3/31 (a 任命権者 may set another start month)
    public var yearStartMonth = 4

    public init() {}
    public static let national = OvertimeLimitRules()

    /// The first month of the limit year that contains `month`.
    public func yearStart(of month: YearMonth) -> YearMonth {
        let year = month.month >= yearStartMonth ? month.year : month.year - 1
        return YearMonth(year: year, month: yearStartMonth)!
    }
}

/// One limit and where a person stands against it.
public struct LimitFinding: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// the month's hours (≤ max, or < bound for 他律部署)
        case monthly
        /// the limit year's hours so far
        case yearly
        /// the average of the month and the `months - 1` before it
        case average(months: Int)
        /// months of the limit year over 45h
        case monthsOver
    }
    public enum Level: Int, Hashable, Sendable, Comparable {
        case ok, approaching, atLimit, exceeded
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }
    public var kind: Kind
    /// minutes (a count of months for `.monthsOver`; the average's minutes per month for `.average`)
    public var value: Int
    public var limit: Int
    /// whether the limit is a strict bound (under 100h) rather than a maximum
    public var strict: Bool
    public var level: Level
    /// for `.monthsOver`: the month's hours a month must be over to count (45h; a 36協定's own monthly limit)
    public var overMinutes: Int = 2700

    public var percent: Int { limit == 0 ? 0 : value * 100 / limit }

    public var labelJa: String {
        switch kind {
        case .monthly: strict ? "月\(limit / 60)時間未満" : "月\(limit / 60)時間"
        case .yearly: "年\(limit / 60)時間"
        case .average(let n): "\(n)か月平均\(limit / 60)時間"
        case .monthsOver: "月\(overMinutes / 60)時間超は年\(limit)回まで"
        }
    }
    public var labelEn: String {
        switch kind {
        case .monthly: strict ? "under \(limit / 60)h a month" : "\(limit / 60)h a month"
        case .yearly: "\(limit / 60)h a year"
        case .average(let n): "\(n)-month average \(limit / 60)h"
        case .monthsOver: "at most \(limit) months over \(overMinutes / 60)h a year"
        }
    }
}

/// Where a person stands for a month: every limit of their regime, and the flags that follow.
public struct LimitStanding: Hashable, Sendable {
    public var month: YearMonth
    public var findings: [LimitFinding]
    /// 医師の面接指導: 100h in the month, or an average over 80h
    public var doctorInterview: Bool

    public var worst: LimitFinding.Level { findings.map(\.level).max() ?? .ok }
    public var exceeded: [LimitFinding] { findings.filter { $0.level == .exceeded } }
    /// Past a limit: allowed only as 特例業務, which then needs 要因の整理・分析・検証.
    public var needsSpecialCase: Bool { !exceeded.isEmpty }
}

public enum OvertimeLimits {
    /// Checks `month` for a person whose counted overtime per month is `minutes` (all departments the person
    /// worked in are added together: hours before and after a transfer count as one, work-rules-ja.md §2.3).
    public static func standing(month: YearMonth, minutes: [YearMonth: Int], regime: OvertimeRegime,
                                rules: OvertimeLimitRules = .national) -> LimitStanding {
        let m = minutes[month] ?? 0
        let start = rules.yearStart(of: month)
        var yearTotal = 0
        var ym = start
        while ym <= month {
            let v = minutes[ym] ?? 0
            yearTotal += v
            ym = ym.next
        }
        func averages() -> [(Int, Int)] {
            var out: [(Int, Int)] = []
            var sum = m
            var back = month
            for n in 2...rules.averageWindows.upperBound {
                back = back.previous
                sum += minutes[back] ?? 0
                // rounded up, so that 'over 80h' is exactly 'the sum over 80h × n'
                if rules.averageWindows.contains(n) { out.append((n, (sum + n - 1) / n)) }
            }
            return out
        }
        func level(_ value: Int, _ limit: Int, strict: Bool) -> LimitFinding.Level {
            if strict ? value >= limit : value > limit { return .exceeded }
            if !strict && value == limit { return .atLimit }
            if value * 100 >= limit * rules.warnAtPercent { return .approaching }
            return .ok
        }
        func finding(_ kind: LimitFinding.Kind, _ value: Int, _ limit: Int, strict: Bool = false) -> LimitFinding {
            LimitFinding(kind: kind, value: value, limit: limit, strict: strict, level: level(value, limit, strict: strict))
        }
        func monthsOverCount(_ threshold: Int) -> Int {
            var count = 0
            var ym = start
            while ym <= month { if (minutes[ym] ?? 0) > threshold { count += 1 }; ym = ym.next }
            return count
        }

        var findings: [LimitFinding] = []
        switch regime {
        case .workload(.selfPaced):
            findings = [finding(.monthly, m, rules.selfPacedMonthlyMaxMinutes),
                        finding(.yearly, yearTotal, rules.selfPacedYearlyMaxMinutes)]
        case .workload(.externallyDriven):
            findings = [finding(.monthly, m, rules.externalMonthlyBelowMinutes, strict: true),
                        finding(.yearly, yearTotal, rules.externalYearlyMaxMinutes)]
            findings += averages().map { finding(.average(months: $0.0), $0.1, rules.externalAverageMaxMinutes) }
            var over = finding(.monthsOver, monthsOverCount(rules.externalMonthOverMinutes), rules.externalMonthsOverMax)
            over.overMinutes = rules.externalMonthOverMinutes
            findings.append(over)
        case .agreement(let a):
            if let s = a.special {
                findings = [finding(.monthly, m, s.monthlyBelowMinutes, strict: true),
                            finding(.yearly, yearTotal, s.yearlyMaxMinutes)]
                findings += averages().map { finding(.average(months: $0.0), $0.1, s.averageMaxMinutes) }
                var over = finding(.monthsOver, monthsOverCount(a.monthlyMaxMinutes), s.monthsOverOrdinaryMax)
                over.overMinutes = a.monthlyMaxMinutes
                findings.append(over)
            } else {
                findings = [finding(.monthly, m, a.monthlyMaxMinutes), finding(.yearly, yearTotal, a.yearlyMaxMinutes)]
            }
        }
        let doctor = m >= rules.doctorInterviewMonthlyMinutes
            || averages().contains { $0.1 > rules.doctorInterviewAverageMinutes }
        return LimitStanding(month: month, findings: findings, doctorInterview: doctor)
    }

    /// What an order of `addMinutes` in `month` would do: the standing after it, and the limits it would newly break.
    /// An order that breaks a limit may go ahead only as 特例業務 (work-rules-ja.md §2.3).
    public static func prospective(month: YearMonth, minutes: [YearMonth: Int], adding addMinutes: Int, regime: OvertimeRegime,
                                   rules: OvertimeLimitRules = .national) -> (before: LimitStanding, after: LimitStanding, newlyExceeded: [LimitFinding]) {
        let before = standing(month: month, minutes: minutes, regime: regime, rules: rules)
        var added = minutes
        added[month, default: 0] += addMinutes
        let after = standing(month: month, minutes: added, regime: regime, rules: rules)
        let was = Set(before.exceeded.map(\.kind))
        return (before, after, after.exceeded.filter { !was.contains($0.kind) })
    }
}

import Foundation
import YakubaCore

// 公表指標 (issue 5, work-rules §5): the yearly table each 特定事業主 publishes under 女性活躍推進法 and 次世代法, per
// employment type, for a fiscal or a calendar year. Pure: folds over the monthly rows (overtime, 年休 taken), the roster's
// sensitive record (sex, births, rank class) and the childcare leaves taken.

/// Fiscal year (April–March) or calendar year: 総務省's 勤務条件等調査 counts 年休 by calendar year, the overtime survey by
/// fiscal year, and each body chooses for its own plan.
public enum IndicatorBasis: String, Sendable, CaseIterable, Hashable {
    case fiscal, calendar
    public var labelJa: String { self == .fiscal ? "年度（4月〜翌3月）" : "暦年（1月〜12月）" }
    public var labelEn: String { self == .fiscal ? "Fiscal year (April–March)" : "Calendar year (January–December)" }
}

/// The year the indicators cover.
public struct IndicatorPeriod: Sendable, Hashable {
    public let basis: IndicatorBasis
    public let year: Int
    /// its first and last days (kept: `contains` is asked for every month of a city's year)
    public let from: CalendarDate, to: CalendarDate
    public init(basis: IndicatorBasis, year: Int) {
        self.basis = basis; self.year = year
        from = CalendarDate(year: year, month: basis == .fiscal ? 4 : 1, day: 1)!
        to = basis == .fiscal ? CalendarDate(year: year + 1, month: 3, day: 31)! : CalendarDate(year: year, month: 12, day: 31)!
    }

    public var months: [YearMonth] {
        basis == .fiscal ? DashboardPeriod.fiscalYear(year).months : (1...12).map { YearMonth(year: year, month: $0)! }
    }
    public func contains(_ d: CalendarDate) -> Bool { d >= from && d <= to }
    public var labelJa: String {
        basis == .fiscal ? DashboardPeriod.fiscalYear(year).labelJa : "\(year)年（1月〜12月）"
    }
    public var labelEn: String { basis == .fiscal ? "FY\(year) (April \(year) – March \(year + 1))" : "\(year) (January – December)" }
}

/// A person as the indicators count them: their sex, rank class and where they belong on the period's reference day.
public struct IndicatorPerson: Sendable, Hashable {
    public var staffId: UUID
    public var sex: Sex?
    public var rankClass: RankClass
    public var employment: EmploymentType
    public var employer: Employer
    /// in service on the period's reference day (its last day, or today while it runs): the staff counts
    public var inService: Bool
    /// children born (the person became newly eligible for 育児休業 and the fathers' leaves on these days)
    public var births: [CalendarDate]
    /// days of 年休 newly granted for the leave year that includes the reference day (carried-over days are not counted;
    /// work-rules §5.3)
    public var annualGrantDays: Int

    public init(staffId: UUID, sex: Sex?, rankClass: RankClass, employment: EmploymentType, employer: Employer, inService: Bool,
                births: [CalendarDate] = [], annualGrantDays: Int = 0) {
        self.staffId = staffId; self.sex = sex; self.rankClass = rankClass; self.employment = employment; self.employer = employer
        self.inService = inService; self.births = births; self.annualGrantDays = annualGrantDays
    }
}

/// The leaves tied to a child's birth.
public enum ChildcareLeaveKind: String, Sendable, CaseIterable, Hashable {
    /// 育児休業
    case childcareLeave = "childcare_leave"
    /// 配偶者出産休暇
    case spouseBirth = "spouse_birth"
    /// 育児参加休暇
    case participation = "childcare_participation"
}

/// One approved request of a childcare-related leave.
public struct ChildcareLeaveUse: Sendable, Hashable {
    public var staffId: UUID
    public var kind: ChildcareLeaveKind
    public var from: CalendarDate
    public var to: CalendarDate
    /// the days it takes (hours converted at the person's day)
    public var days: Double
    public init(staffId: UUID, kind: ChildcareLeaveKind, from: CalendarDate, to: CalendarDate, days: Double) {
        self.staffId = staffId; self.kind = kind; self.from = from; self.to = to; self.days = days
    }
}

/// Each published figure, in the order of the table.
public enum IndicatorKind: String, Sendable, CaseIterable, Hashable {
    case staff, womenShare, womenInManagement, womenInSupervisory, womenInGeneral
    case overtimeAverage, overtimeAverageSurvey, over60Share, over80Share, over360People
    case annualLeaveAverage, annualLeaveUptake, annualLeaveUnder5
    case childcareLeaveMen, childcareLeaveWomen, spouseBirthLeave, participationLeave, fathersLeaveFiveDays
    case payGap

    public enum Unit: Sendable { case people, percent, hours, days }
    public var unit: Unit {
        switch self {
        case .staff, .over360People: .people
        case .overtimeAverage, .overtimeAverageSurvey: .hours
        case .annualLeaveAverage: .days
        default: .percent
        }
    }
    /// The section of the table it is published in.
    public var groupJa: String {
        switch self {
        case .staff, .womenShare, .womenInManagement, .womenInSupervisory, .womenInGeneral: "職員の構成（女性活躍推進法）"
        case .overtimeAverage, .overtimeAverageSurvey, .over60Share, .over80Share, .over360People: "超過勤務の状況"
        case .annualLeaveAverage, .annualLeaveUptake, .annualLeaveUnder5: "年次休暇"
        case .childcareLeaveMen, .childcareLeaveWomen, .spouseBirthLeave, .participationLeave, .fathersLeaveFiveDays: "育児に関する休業・休暇（次世代法）"
        case .payGap: "給与"
        }
    }
    public var groupEn: String {
        switch self {
        case .staff, .womenShare, .womenInManagement, .womenInSupervisory, .womenInGeneral: "Staff (Women's Advancement Act)"
        case .overtimeAverage, .overtimeAverageSurvey, .over60Share, .over80Share, .over360People: "Overtime"
        case .annualLeaveAverage, .annualLeaveUptake, .annualLeaveUnder5: "Annual leave"
        case .childcareLeaveMen, .childcareLeaveWomen, .spouseBirthLeave, .participationLeave, .fathersLeaveFiveDays: "Childcare leave (Next Generation Act)"
        case .payGap: "Pay"
        }
    }
    public var labelJa: String {
        switch self {
        case .staff: "職員数"
        case .womenShare: "職員に占める女性の割合"
        case .womenInManagement: "管理的地位（課長級以上）にある職員に占める女性の割合"
        case .womenInSupervisory: "係長級の職員に占める女性の割合"
        case .womenInGeneral: "一般職員に占める女性の割合"
        case .overtimeAverage: "1人1か月あたりの超過勤務時間"
        case .overtimeAverageSurvey: "1人1か月あたりの超過勤務時間（管理職を除く：総務省調査の範囲）"
        case .over60Share: "月60時間を超えた延べ人数の割合"
        case .over80Share: "月80時間を超えた延べ人数の割合"
        case .over360People: "年360時間を超えた職員数"
        case .annualLeaveAverage: "年次休暇の平均取得日数"
        case .annualLeaveUptake: "年次休暇の取得率（新たに付与された日数に対する割合）"
        case .annualLeaveUnder5: "年次休暇の取得が5日未満の職員の割合（10日以上付与された職員）"
        case .childcareLeaveMen: "男性職員の育児休業取得率"
        case .childcareLeaveWomen: "女性職員の育児休業取得率"
        case .spouseBirthLeave: "男性職員の配偶者出産休暇の取得率"
        case .participationLeave: "男性職員の育児参加休暇の取得率"
        case .fathersLeaveFiveDays: "配偶者出産休暇と育児参加休暇を合わせて5日以上取得した男性職員の割合"
        case .payGap: "職員の給与の男女の差異"
        }
    }
    public var labelEn: String {
        switch self {
        case .staff: "Staff"
        case .womenShare: "Share of women among staff"
        case .womenInManagement: "Share of women in management (section chief and above)"
        case .womenInSupervisory: "Share of women among unit chiefs"
        case .womenInGeneral: "Share of women among general staff"
        case .overtimeAverage: "Overtime per person per month"
        case .overtimeAverageSurvey: "Overtime per person per month, managers excluded (the MIC survey's scope)"
        case .over60Share: "Share of person-months over 60 hours"
        case .over80Share: "Share of person-months over 80 hours"
        case .over360People: "Staff over 360 hours in the year"
        case .annualLeaveAverage: "Annual leave taken per person"
        case .annualLeaveUptake: "Annual leave uptake (of days newly granted)"
        case .annualLeaveUnder5: "Share taking fewer than 5 days (of those granted 10 or more)"
        case .childcareLeaveMen: "Men's childcare leave rate"
        case .childcareLeaveWomen: "Women's childcare leave rate"
        case .spouseBirthLeave: "Men's leave for a spouse's childbirth"
        case .participationLeave: "Men's childcare participation leave"
        case .fathersLeaveFiveDays: "Men taking 5 days or more of the two leaves together"
        case .payGap: "Gender pay gap"
        }
    }
    /// How it is counted, printed under the table.
    public var definitionJa: String {
        switch self {
        case .staff: "期間の末日（期間中は本日）に在職する職員。性別が未登録の職員は女性割合の計算に含めません。"
        case .womenShare: "女性 ÷（女性＋男性）。"
        case .womenInManagement: "役職段階は職名ごとに人事課が設定します（既定：課長級以上が管理職）。"
        case .womenInSupervisory, .womenInGeneral: "各役職段階の女性 ÷ その段階の職員（性別登録済み）。"
        case .overtimeAverage: "超過勤務時間の合計 ÷ 延べ人月。"
        case .overtimeAverageSurvey: "管理職（超過勤務手当の支給対象外）を除く。常勤職員の列が総務省調査の範囲です。"
        case .over60Share, .over80Share: "その月の超過勤務が基準を超えた延べ人月 ÷ 延べ人月。"
        case .over360People: "期間の超過勤務の合計が360時間を超えた職員の数。"
        case .annualLeaveAverage: "取得日数の合計（時間単位は本人の1日の勤務時間で日に換算）÷ 年休が付与された職員。"
        case .annualLeaveUptake: "取得日数 ÷ 新たに付与された日数（繰越分を除く。期間の末日〈期間中は本日〉を含む年休の年の付与日数）。"
        case .annualLeaveUnder5: "10日以上付与され、取得が5日未満の職員 ÷ 10日以上付与された職員。"
        case .childcareLeaveMen, .childcareLeaveWomen: "期間中に新たに育児休業を始めた職員 ÷ 期間中に子が生まれた職員。前の期間に生まれた子の育児休業も数えるため100%を超えることがあります。"
        case .spouseBirthLeave, .participationLeave: "期間中に取得した男性職員 ÷ 期間中に子が生まれた男性職員。"
        case .fathersLeaveFiveDays: "両休暇を合わせて5日以上取得した男性職員 ÷ 期間中に子が生まれた男性職員。"
        case .payGap: "給与データを保持していないため算出できません。給与システムの男女別平均年収から算出してください。"
        }
    }
    public var definitionEn: String {
        switch self {
        case .staff: "Staff in service on the period's last day (today while it runs). Staff whose sex is not recorded are left out of the shares."
        case .womenShare: "Women ÷ (women + men)."
        case .womenInManagement: "HR maps each position title to a rank class (by default section chiefs and above are management)."
        case .womenInSupervisory, .womenInGeneral: "Women in the class ÷ staff in the class whose sex is recorded."
        case .overtimeAverage: "Overtime in all ÷ person-months."
        case .overtimeAverageSurvey: "Managers (not paid overtime) excluded; the regular-staff column is the MIC survey's scope."
        case .over60Share, .over80Share: "Person-months over the line ÷ person-months."
        case .over360People: "Staff whose overtime in the period is over 360 hours."
        case .annualLeaveAverage: "Days taken (hours converted at the person's day) ÷ staff granted leave."
        case .annualLeaveUptake: "Days taken ÷ days newly granted (carried-over days excluded), for the leave year that includes the period's last day (today while it runs)."
        case .annualLeaveUnder5: "Staff granted 10 days or more who took fewer than 5 ÷ staff granted 10 or more."
        case .childcareLeaveMen, .childcareLeaveWomen: "Staff who began childcare leave in the period ÷ staff whose child was born in it. Leave for a child born earlier counts too, so the rate can exceed 100%."
        case .spouseBirthLeave, .participationLeave: "Men who took it in the period ÷ men whose child was born in it."
        case .fathersLeaveFiveDays: "Men who took 5 days or more of the two together ÷ men whose child was born in the period."
        case .payGap: "Yakuba holds no pay data: compute it from the payroll system's average annual pay by sex."
        }
    }
}

/// One figure: its value and what it was computed from (nil when there is nothing to divide by).
public struct IndicatorValue: Sendable, Hashable {
    public var kind: IndicatorKind
    public var numerator: Double
    public var denominator: Double
    /// a count (staff, people over 360 hours) is its numerator; a rate is numerator ÷ denominator; nil when the
    /// denominator is zero or the figure cannot be computed
    public var value: Double?
}

/// The column of a table: every employment type together, or one.
public struct IndicatorColumn: Sendable, Hashable {
    public var employment: EmploymentType?
    public var values: [IndicatorValue]
    public func value(_ k: IndicatorKind) -> IndicatorValue { values.first { $0.kind == k }! }
}

/// One body's table (nil employer: the municipality as a whole).
public struct IndicatorTable: Sendable, Hashable {
    public var employer: Employer?
    /// all employment types first, then each one that has staff or months
    public var columns: [IndicatorColumn]
    /// women, men and not recorded among the staff counted (all employment types)
    public var women: Int, men: Int, sexUnknown: Int
}

public enum Indicators {

    /// Additive counts of one bucket.
    struct Acc {
        var staff = 0, women = 0, men = 0, unknown = 0
        /// by rank class: management, supervisory, general
        var rankWomen = [0, 0, 0], rankRecorded = [0, 0, 0]
        var personMonths = 0, overtime = 0, surveyMonths = 0, surveyOvertime = 0, over60 = 0, over80 = 0
        var over360 = 0
        var leaveTaken = 0.0, leavePeople = 0, granted = 0, grantedTenPlus = 0, underFive = 0
        var eligibleMen = 0, eligibleWomen = 0, takersMen = 0, takersWomen = 0, spouseBirth = 0, participation = 0, fiveDays = 0
        var hasData: Bool { staff > 0 || personMonths > 0 }
    }

    /// The tables of the period: the municipality as a whole, then each 特定事業主 with staff or months, each with a column for
    /// all employment types and one for each present.
    /// - rows: the monthly rows of the period's months that have data (their month's department and employment count)
    /// - employerOf: a department's 特定事業主
    public static func tables(period: IndicatorPeriod, people: [IndicatorPerson], rows: [StaffMonthStats], leaves: [ChildcareLeaveUse],
                              employerOf: (UUID?) -> Employer, only: Employer? = nil, asOf: CalendarDate? = nil) -> [IndicatorTable] {
        // a period still running counts what has begun by today: a leave approved for next month is not taken yet
        let reference = min(period.to, asOf ?? period.to)
        // the accumulators, one per (employer or all) × (employment type or all), in an array mutated in place: a year of a
        // large city is a quarter of a million months, each counted in four of them
        let employers = Employer.allCases, types = EmploymentType.allCases
        let width = types.count + 1
        var employerIndex: [Employer: Int] = [:], typeIndex: [EmploymentType: Int] = [:]
        for (i, e) in employers.enumerated() { employerIndex[e] = i + 1 }
        for (i, t) in types.enumerated() { typeIndex[t] = i + 1 }
        func slot(_ e: Employer?, _ t: EmploymentType?) -> Int { (e.map { employerIndex[$0]! } ?? 0) * width + (t.map { typeIndex[$0]! } ?? 0) }
        // a department's 特定事業主 as its accumulator row, and an employment type as its column, looked up once each
        var employerRow: [UUID?: Int] = [:]
        let typeColumn = types.map { typeIndex[$0]! }
        func column(of t: EmploymentType) -> Int {
            switch t { case .regular: typeColumn[0]; case .reappointedShortTime: typeColumn[1]; case .fiscalYearFullTime: typeColumn[2]; case .fiscalYearPartTime: typeColumn[3] }
        }
        var acc = Array(repeating: Acc(), count: (employers.count + 1) * width)
        /// the four accumulators a person or a month counts in: all × all, all × type, employer × all, employer × type
        func four(_ own: Int) -> [Int] { [0, own % width, own - own % width, own] }
        let managers = Set(people.lazy.filter { $0.rankClass == .management }.map(\.staffId))
        // months: overtime, by the month's own department and employment
        var leaveDays: [UUID: Double] = [:]
        // each person's overtime per own accumulator (a person who moved between bodies has more than one), for the 360h count
        struct PersonSlot: Hashable { var staffId: UUID; var slot: Int }
        var personOvertime: [PersonSlot: Int] = [:]
        let firstMonth = YearMonth(period.from), lastMonth = YearMonth(period.to)
        let h60 = OvertimeLine.h60.minutes, h80 = OvertimeLine.h80.minutes
        func add(_ s: Int, _ o: Int, manager: Bool) {
            acc[s].personMonths += 1
            acc[s].overtime += o
            if !manager { acc[s].surveyMonths += 1; acc[s].surveyOvertime += o }
            if o > h60 { acc[s].over60 += 1 }
            if o > h80 { acc[s].over80 += 1 }
        }
        for r in rows where r.month >= firstMonth && r.month <= lastMonth {
            let row: Int
            if let known = employerRow[r.departmentId] { row = known } else { row = employerIndex[employerOf(r.departmentId)]! * width; employerRow[r.departmentId] = row }
            let manager = managers.contains(r.staffId)
            let col = column(of: r.employment), own = row + col
            let o = r.overtimeMinutes
            add(0, o, manager: manager); add(col, o, manager: manager); add(row, o, manager: manager); add(own, o, manager: manager)
            personOvertime[PersonSlot(staffId: r.staffId, slot: own), default: 0] += o
            leaveDays[r.staffId, default: 0] += r.annualLeaveDays
        }
        var byPerson: [UUID: [(slot: Int, minutes: Int)]] = [:]
        for (k, minutes) in personOvertime { byPerson[k.staffId, default: []].append((k.slot, minutes)) }
        for (_, parts) in byPerson {
            if parts.count == 1 {
                if parts[0].minutes > YearLine.h360.minutes { for s in four(parts[0].slot) { acc[s].over360 += 1 } }
                continue
            }
            var total: [Int: Int] = [:]
            for p in parts { for s in four(p.slot) { total[s, default: 0] += p.minutes } }
            for (s, minutes) in total where minutes > YearLine.h360.minutes { acc[s].over360 += 1 }
        }
        // people: staff, 年休 and the childcare leaves, by where they belong on the reference day
        var uses: [UUID: [ChildcareLeaveUse]] = [:]
        for u in leaves where u.from <= reference { uses[u.staffId, default: []].append(u) }
        for p in people {
            let taken = leaveDays[p.staffId] ?? 0
            // eligible once however many children were born in the period: the denominators count people (work-rules §5.3)
            let born = p.births.contains { period.contains($0) && $0 <= reference } ? 1 : 0
            let mine = uses[p.staffId] ?? []
            let began = startsChildcareLeave(mine, in: period)
            let spouse = mine.filter { $0.kind == .spouseBirth && period.contains($0.from) }
            let part = mine.filter { $0.kind == .participation && period.contains($0.from) }
            let fathersDays = (spouse + part).reduce(0) { $0 + $1.days }
            guard p.inService || taken > 0 || born > 0 || began || !spouse.isEmpty || !part.isEmpty || p.annualGrantDays > 0 else { continue }
            let rank = p.rankClass == .management ? 0 : p.rankClass == .supervisory ? 1 : 2
            for s in four(slot(p.employer, p.employment)) {
                if p.inService {
                    acc[s].staff += 1
                    switch p.sex {
                    case .female: acc[s].women += 1; acc[s].rankWomen[rank] += 1; acc[s].rankRecorded[rank] += 1
                    case .male: acc[s].men += 1; acc[s].rankRecorded[rank] += 1
                    case nil: acc[s].unknown += 1
                    }
                }
                if p.annualGrantDays > 0 {
                    acc[s].leavePeople += 1; acc[s].leaveTaken += taken; acc[s].granted += p.annualGrantDays
                    if p.annualGrantDays >= 10 { acc[s].grantedTenPlus += 1; if taken < 5 { acc[s].underFive += 1 } }
                }
                if p.sex == .male {
                    acc[s].eligibleMen += born
                    if began { acc[s].takersMen += 1 }
                    if !spouse.isEmpty { acc[s].spouseBirth += 1 }
                    if !part.isEmpty { acc[s].participation += 1 }
                    if fathersDays >= 5 { acc[s].fiveDays += 1 }
                } else if p.sex == .female {
                    acc[s].eligibleWomen += born
                    if began { acc[s].takersWomen += 1 }
                }
            }
        }
        func column(_ a: Acc, _ employment: EmploymentType?) -> IndicatorColumn {
            func rate(_ k: IndicatorKind, _ n: Double, _ d: Double) -> IndicatorValue { IndicatorValue(kind: k, numerator: n, denominator: d, value: d > 0 ? n / d : nil) }
            func count(_ k: IndicatorKind, _ n: Int) -> IndicatorValue { IndicatorValue(kind: k, numerator: Double(n), denominator: 0, value: Double(n)) }
            let values: [IndicatorValue] = IndicatorKind.allCases.map { k in
                switch k {
                case .staff: count(k, a.staff)
                case .womenShare: rate(k, Double(a.women), Double(a.women + a.men))
                case .womenInManagement: rate(k, Double(a.rankWomen[0]), Double(a.rankRecorded[0]))
                case .womenInSupervisory: rate(k, Double(a.rankWomen[1]), Double(a.rankRecorded[1]))
                case .womenInGeneral: rate(k, Double(a.rankWomen[2]), Double(a.rankRecorded[2]))
                case .overtimeAverage: rate(k, Double(a.overtime) / 60, Double(a.personMonths))
                case .overtimeAverageSurvey: rate(k, Double(a.surveyOvertime) / 60, Double(a.surveyMonths))
                case .over60Share: rate(k, Double(a.over60), Double(a.personMonths))
                case .over80Share: rate(k, Double(a.over80), Double(a.personMonths))
                case .over360People: count(k, a.over360)
                case .annualLeaveAverage: rate(k, a.leaveTaken, Double(a.leavePeople))
                case .annualLeaveUptake: rate(k, a.leaveTaken, Double(a.granted))
                case .annualLeaveUnder5: rate(k, Double(a.underFive), Double(a.grantedTenPlus))
                case .childcareLeaveMen: rate(k, Double(a.takersMen), Double(a.eligibleMen))
                case .childcareLeaveWomen: rate(k, Double(a.takersWomen), Double(a.eligibleWomen))
                case .spouseBirthLeave: rate(k, Double(a.spouseBirth), Double(a.eligibleMen))
                case .participationLeave: rate(k, Double(a.participation), Double(a.eligibleMen))
                case .fathersLeaveFiveDays: rate(k, Double(a.fiveDays), Double(a.eligibleMen))
                case .payGap: IndicatorValue(kind: k, numerator: 0, denominator: 0, value: nil)
                }
            }
            return IndicatorColumn(employment: employment, values: values)
        }
        let shown: [Employer?] = only.map { [$0] } ?? ([nil] + employers.map { Optional($0) })
        return shown.compactMap { e in
            let all = acc[slot(e, nil)]
            guard all.hasData || e == nil || e == only else { return nil }
            let columns = [column(all, nil)] + types.compactMap { t in acc[slot(e, t)].hasData ? column(acc[slot(e, t)], t) : nil }
            return IndicatorTable(employer: e, columns: columns, women: all.women, men: all.men, sexUnknown: all.unknown)
        }
    }

    /// Whether the person began a spell of 育児休業 in the period: a request starting in it that does not continue one that
    /// ran up to the day before (a leave extended by a second request is one spell).
    public static func startsChildcareLeave(_ uses: [ChildcareLeaveUse], in period: IndicatorPeriod) -> Bool {
        let spells = uses.filter { $0.kind == .childcareLeave }.sorted { $0.from < $1.from }
        var reach: CalendarDate? = nil
        for u in spells {
            let continues = reach.map { u.from <= $0.adding(days: 1) } ?? false
            if !continues && period.contains(u.from) { return true }
            reach = max(reach ?? u.to, u.to)
        }
        return false
    }
}

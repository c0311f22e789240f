import Foundation
import YakubaCore

// Early warnings, explained (issue 5): a score per person made only of factors anyone can check — each shown with its
// value, its threshold and its weight. No model, no black box: HR sets the thresholds and weights, and the page says
// which factors put a person on the list.

/// What HR tunes: each factor's threshold and its weight (points), and the score from which a person is listed.
public struct RiskSettings: Sendable, Codable, Hashable {
    /// a month "high" in overtime: over this many hours (the 36協定's ordinary monthly line)
    public var highMonthHours = 45
    /// points per consecutive high month, up to the latest
    public var consecutiveWeight = 10
    /// a 2–6-month average at or over this many hours is "near 80" (医師の面接指導 from over 80)
    public var averageHours = 70
    public var averageWeight = 30
    /// late-night (22:00–5:00) work on at least this many days in the latest month
    public var lateNightDays = 3
    public var lateNightWeight = 15
    /// no 年休 at all for this many months in a row, up to the latest
    public var noLeaveMonths = 3
    public var noLeaveWeight = 15
    /// the share of days corrected in the last three months up by at least this many points on the three before
    public var correctionRisePoints = 10
    public var correctionWeight = 10
    /// listed from this score: by default two high months in a row are enough to look (or the average near 80 alone)
    public var listFrom = 20
    /// the condition check's mean of the last 4 weeks at least this many tenths of a point below the 8 weeks before
    /// (counted only where the municipality uses the condition check)
    public var conditionDropTenths = 5
    public var conditionWeight = 15

    public init() {}
    public static let `default` = RiskSettings()

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case highMonthHours, consecutiveWeight, averageHours, averageWeight, lateNightDays, lateNightWeight, noLeaveMonths, noLeaveWeight
        case correctionRisePoints, correctionWeight, listFrom, conditionDropTenths, conditionWeight
    }
    /// Settings saved before a field existed read it as its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RiskSettings()
        func int(_ k: CodingKeys, _ fallback: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? fallback }
        highMonthHours = try int(.highMonthHours, d.highMonthHours); consecutiveWeight = try int(.consecutiveWeight, d.consecutiveWeight)
        averageHours = try int(.averageHours, d.averageHours); averageWeight = try int(.averageWeight, d.averageWeight)
        lateNightDays = try int(.lateNightDays, d.lateNightDays); lateNightWeight = try int(.lateNightWeight, d.lateNightWeight)
        noLeaveMonths = try int(.noLeaveMonths, d.noLeaveMonths); noLeaveWeight = try int(.noLeaveWeight, d.noLeaveWeight)
        correctionRisePoints = try int(.correctionRisePoints, d.correctionRisePoints); correctionWeight = try int(.correctionWeight, d.correctionWeight)
        listFrom = try int(.listFrom, d.listFrom)
        conditionDropTenths = try int(.conditionDropTenths, d.conditionDropTenths); conditionWeight = try int(.conditionWeight, d.conditionWeight)
    }

    /// The form's fields: name, label, the range allowed.
    public struct Field: @unchecked Sendable {   // a key path literal to a stored property: immutable, safe to share
        public var name: String
        public var labelJa: String
        public var labelEn: String
        public var range: ClosedRange<Int>
        public var keyPath: WritableKeyPath<RiskSettings, Int>
    }
    public static let fields: [Field] = [
        Field(name: "high_month_hours", labelJa: "超過勤務の多い月：この時間を超える月", labelEn: "A high month: over this many hours", range: 1...100, keyPath: \.highMonthHours),
        Field(name: "consecutive_weight", labelJa: "多い月が続くとき：1か月あたりの点数", labelEn: "Points per consecutive high month", range: 0...100, keyPath: \.consecutiveWeight),
        Field(name: "average_hours", labelJa: "2〜6か月平均：この時間以上", labelEn: "2–6-month average: at least this many hours", range: 1...100, keyPath: \.averageHours),
        Field(name: "average_weight", labelJa: "2〜6か月平均：点数", labelEn: "2–6-month average: points", range: 0...100, keyPath: \.averageWeight),
        Field(name: "late_night_days", labelJa: "深夜勤務：直近の月にこの日数以上", labelEn: "Late nights: at least this many days in the latest month", range: 1...31, keyPath: \.lateNightDays),
        Field(name: "late_night_weight", labelJa: "深夜勤務：点数", labelEn: "Late nights: points", range: 0...100, keyPath: \.lateNightWeight),
        Field(name: "no_leave_months", labelJa: "年休なし：この月数続けて", labelEn: "No annual leave: this many months in a row", range: 1...12, keyPath: \.noLeaveMonths),
        Field(name: "no_leave_weight", labelJa: "年休なし：点数", labelEn: "No annual leave: points", range: 0...100, keyPath: \.noLeaveWeight),
        Field(name: "correction_rise_points", labelJa: "打刻修正の増加：直近3か月の修正日の割合が前の3か月よりこのポイント以上増えた", labelEn: "More corrections: the last three months' share of corrected days up by at least this many points", range: 1...100, keyPath: \.correctionRisePoints),
        Field(name: "correction_weight", labelJa: "打刻修正の増加：点数", labelEn: "More corrections: points", range: 0...100, keyPath: \.correctionWeight),
        Field(name: "condition_drop_tenths", labelJa: "コンディションの低下：直近4週の平均が前の8週よりこの値（0.1点単位）以上低い", labelEn: "Condition decline: the last 4 weeks' mean at least this many tenths of a point below the 8 weeks before", range: 1...40, keyPath: \.conditionDropTenths),
        Field(name: "condition_weight", labelJa: "コンディションの低下：点数", labelEn: "Condition decline: points", range: 0...100, keyPath: \.conditionWeight),
        Field(name: "list_from", labelJa: "この点数以上の職員を一覧に出す", labelEn: "List people from this score", range: 1...500, keyPath: \.listFrom),
    ]

    public var formValues: [String: String] { Dictionary(uniqueKeysWithValues: Self.fields.map { ($0.name, String(self[keyPath: $0.keyPath])) }) }

    /// Settings from a form, or each bad field with its message.
    public static func from(form: [String: String]) -> Result<RiskSettings, FieldProblems> {
        var s = RiskSettings()
        var problems = FieldProblems()
        for f in fields {
            let text = (form[f.name] ?? "").trimmingCharacters(in: .whitespaces)
            guard let n = Int(text), f.range.contains(n) else {
                problems.add(f.name, "\(f.range.lowerBound)〜\(f.range.upperBound)の整数で入力してください。",
                             "Enter a whole number from \(f.range.lowerBound) to \(f.range.upperBound).")
                continue
            }
            s[keyPath: f.keyPath] = n
        }
        return problems.isEmpty ? .success(s) : .failure(problems)
    }
}

/// One factor of a person's score: what it measures, the person's value, and the points it gives when met.
public struct RiskFactor: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable, Hashable { case consecutiveHigh, averageNear80, lateNight, noLeave, moreCorrections, conditionDecline }
    public var kind: Kind
    /// the person's figure (months, hours, days, points), as the label prints it
    public var value: Int
    public var threshold: Int
    public var points: Int
    public var met: Bool { points > 0 }

    public var labelJa: String {
        switch kind {
        case .consecutiveHigh: "超過勤務が月\(threshold)時間を超えた月が\(value)か月続いています"
        case .averageNear80: "2〜6か月平均の超過勤務が最大\(value)時間です（\(threshold)時間以上で該当）"
        case .lateNight: "直近の月に深夜（22時〜5時）の勤務が\(value)日あります（\(threshold)日以上で該当）"
        case .noLeave: "年休を\(value)か月続けて取っていません（\(threshold)か月以上で該当）"
        case .moreCorrections: "打刻修正の割合が前の3か月より\(value)ポイント増えています（\(threshold)ポイント以上で該当）"
        case .conditionDecline: "コンディションの平均が前の8週より\(Self.tenths(value))点下がっています（\(Self.tenths(threshold))点以上で該当）"
        }
    }
    public var labelEn: String {
        switch kind {
        case .consecutiveHigh: "\(value) month(s) in a row over \(threshold)h of overtime"
        case .averageNear80: "A 2–6-month average of up to \(value)h of overtime (counts from \(threshold)h)"
        case .lateNight: "\(value) late-night day(s) (22:00–5:00) in the latest month (counts from \(threshold))"
        case .noLeave: "No annual leave for \(value) month(s) in a row (counts from \(threshold))"
        case .moreCorrections: "Corrected days up \(value) points on the three months before (counts from \(threshold))"
        case .conditionDecline: "Condition down \(Self.tenths(value)) points on the 8 weeks before (counts from \(Self.tenths(threshold)))"
        }
    }
    public static func tenths(_ n: Int) -> String { "\(n / 10).\(n % 10)" }
}

/// A person's score and every factor behind it, met or not.
public struct RiskAssessment: Sendable, Hashable {
    public var staffId: UUID
    public var departmentId: UUID?
    public var score: Int
    public var factors: [RiskFactor]
    public var met: [RiskFactor] { factors.filter(\.met).sorted { $0.points > $1.points } }
}

public enum RiskScore {
    /// The months a score looks at: the latest (`through`, which may be the month so far) and the six before it.
    public static func window(through: YearMonth) -> [YearMonth] {
        var out = [through]
        for _ in 0..<6 { out.append(out.last!.previous) }
        return out.reversed()
    }

    /// One person's score from their months (any order; months outside the window are ignored; a month without a row is
    /// a month they were not employed, which breaks a run).
    /// - condition: where the municipality uses the condition check, the person's decline in tenths of a point (nil: too
    ///   few answers to tell, counted as none); `.none` leaves the factor out
    public static func assess(staffId: UUID, months rows: [StaffMonthStats], through: YearMonth, settings s: RiskSettings = .default,
                              condition: Int?? = .none) -> RiskAssessment {
        let window = window(through: through)
        var byMonth: [YearMonth: StaffMonthStats] = [:]
        for r in rows where window.contains(r.month) { byMonth[r.month] = r }
        let latest = byMonth[through]
        // the run of high months: from the latest if it is already high, else from the month before (the month so far may
        // not have reached the line yet)
        let high = s.highMonthHours * 60
        var run = 0
        var start = window.count - 1
        if (latest?.overtimeMinutes ?? 0) <= high { start -= 1 }
        var i = start
        while i >= 0, let r = byMonth[window[i]], r.overtimeMinutes > high { run += 1; i -= 1 }
        // the highest 2–6-month average ending at the last complete month (人事院規則15-14: 2〜6か月平均80時間)
        var bestAverage = 0
        let lastComplete = window.count - 2
        for span in 2...6 {
            let months = (0..<span).map { window[lastComplete - $0] }
            let total = months.reduce(0) { $0 + (byMonth[$1]?.overtimeMinutes ?? 0) }
            bestAverage = max(bestAverage, total / span)
        }
        // late nights in the latest month (the month so far)
        let lateNights = latest?.counts.lateNightDays ?? 0
        // months in a row without 年休, back from the latest complete month, counting only months the person was employed
        var dry = 0
        i = lastComplete
        while i >= 0, let r = byMonth[window[i]], r.counts.annualLeaveDays == 0 && r.counts.annualLeaveMinutes == 0 { dry += 1; i -= 1 }
        // corrected days: the last three complete months against the three before, in points of the share
        func share(_ ms: ArraySlice<YearMonth>) -> Double? {
            let days = ms.reduce(0) { $0 + (byMonth[$1]?.counts.punchDays ?? 0) }
            guard days > 0 else { return nil }
            return Double(ms.reduce(0) { $0 + (byMonth[$1]?.counts.correctedDays ?? 0) }) / Double(days) * 100
        }
        let recent = share(window[(lastComplete - 2)...lastComplete]), before = share(window[(lastComplete - 5)...(lastComplete - 3)])
        let rise = recent.map { r in max(0, Int((r - (before ?? 0)).rounded())) } ?? 0

        var factors: [RiskFactor] = []
        factors.append(RiskFactor(kind: .consecutiveHigh, value: run, threshold: s.highMonthHours, points: run * s.consecutiveWeight))
        factors.append(RiskFactor(kind: .averageNear80, value: bestAverage / 60, threshold: s.averageHours,
                                  points: bestAverage >= s.averageHours * 60 ? s.averageWeight : 0))
        factors.append(RiskFactor(kind: .lateNight, value: lateNights, threshold: s.lateNightDays, points: lateNights >= s.lateNightDays ? s.lateNightWeight : 0))
        factors.append(RiskFactor(kind: .noLeave, value: dry, threshold: s.noLeaveMonths, points: dry >= s.noLeaveMonths ? s.noLeaveWeight : 0))
        factors.append(RiskFactor(kind: .moreCorrections, value: rise, threshold: s.correctionRisePoints,
                                  points: rise >= s.correctionRisePoints ? s.correctionWeight : 0))
        if case .some(let decline) = condition {
            let d = decline ?? 0
            factors.append(RiskFactor(kind: .conditionDecline, value: d, threshold: s.conditionDropTenths, points: d >= s.conditionDropTenths ? s.conditionWeight : 0))
        }
        let dept = latest?.departmentId ?? rows.max { $0.month < $1.month }?.departmentId
        return RiskAssessment(staffId: staffId, departmentId: dept, score: factors.reduce(0) { $0 + $1.points }, factors: factors)
    }

    /// Everyone in `rows` (filtered) at or over the listing score, highest first.
    /// - conditions: each person's condition decline (tenths of a point) where the municipality uses the condition check;
    ///   nil when it does not
    public static func listed(_ rows: some Sequence<StaffMonthStats>, through: YearMonth, settings: RiskSettings, filter: DashboardFilter = DashboardFilter(),
                              conditions: [UUID: Int]? = nil) -> [RiskAssessment] {
        let window = Set(window(through: through))
        var byPerson: [UUID: [StaffMonthStats]] = [:]
        for r in rows where window.contains(r.month) && filter.admits(r) { byPerson[r.staffId, default: []].append(r) }
        return byPerson.map { p in
            assess(staffId: p.key, months: p.value, through: through, settings: settings, condition: conditions.map { .some($0[p.key]) } ?? .none)
        }
            .filter { $0.score >= settings.listFrom }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.staffId.uuidString < $1.staffId.uuidString }
    }
}

/// The fields of a form that could not be taken, each with what to do (Japanese and English).
public struct FieldProblems: Error, Sendable {
    public var messages: [String: (ja: String, en: String)] = [:]
    public init() {}
    public var isEmpty: Bool { messages.isEmpty }
    public mutating func add(_ field: String, _ ja: String, _ en: String) { messages[field] = (ja, en) }
}

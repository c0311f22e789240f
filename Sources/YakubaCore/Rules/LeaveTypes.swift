import Foundation

// 休暇: the types a municipality offers (the common catalogue pre-filled, work-rules-ja.md §3.3) and the checks of a
// request against a type, the person's schedule, their other leave, their punches and their balance.

/// How a type may be taken.
public enum LeaveUnit: String, Sendable, Codable, CaseIterable, Hashable {
    case day
    /// 午前 (start to the break) or 午後 (the break to the end)
    case halfDay = "half_day"
    case hour
    /// 15分単位, where a body allows it (部分休業 in 30 minutes is written as two quarter units)
    case quarterHour = "quarter_hour"

    public var labelJa: String { switch self { case .day: "日"; case .halfDay: "半日"; case .hour: "時間"; case .quarterHour: "15分" } }
    public var labelEn: String { switch self { case .day: "day"; case .halfDay: "half day"; case .hour: "hour"; case .quarterHour: "15 min" } }
    /// the step, in minutes, of a part-day request
    var step: Int? { switch self { case .hour: 60; case .quarterHour: 15; default: nil } }
}

/// One kind of leave, as the municipality sets it.
public struct LeaveType: Sendable, Codable, Hashable, Identifiable {
    public var code: String
    public var nameJa: String
    public var nameEn: String
    public var units: [LeaveUnit]
    public var paid: Bool
    /// 年次休暇: taken from the person's balance
    public var usesAnnualBalance = false
    /// at most this many days in a leave year (夏季 3, 子の看護 5, 短期介護 5)
    public var yearlyLimitDays: Int? = nil
    /// at most this many days for one event (結婚 5, 配偶者出産 3, 育児参加 5); 忌引 from the relationship table
    public var eventLimitDays: Int? = nil
    /// only within these months (夏季: 7–9)
    public var months: ClosedRange<Int>? = nil
    /// nil: everyone; else these employment types
    public var appliesTo: [EmploymentType]? = nil
    /// 忌引: the relationship decides the days
    public var needsRelationship = false
    /// at most this much a day (育児時間 60, 部分休業 120)
    public var dailyMaxMinutes: Int? = nil
    /// the red code on the attendance book
    public var markCode: DayMarkCode
    /// whether the days count as attended for LSA 39条's 80% rule
    public var countsAsAttended = true
    /// whether staff may request it now (a municipality may stop offering a type its 条例 does not have; old
    /// requests of it still read)
    public var offered = true

    public var id: String { code }

    public init(code: String, nameJa: String, nameEn: String, units: [LeaveUnit], paid: Bool, markCode: DayMarkCode) {
        self.code = code; self.nameJa = nameJa; self.nameEn = nameEn; self.units = units; self.paid = paid; self.markCode = markCode
    }

    public func applies(to t: EmploymentType) -> Bool { appliesTo.map { $0.contains(t) } ?? true }
}

/// 忌引: relationship → days (national 規則15-14 別表第2; work-rules-ja.md §3.3).
public enum BereavementRelationship: String, Sendable, Codable, CaseIterable, Hashable {
    case spouse, parent, child, grandparent, grandparentHeir = "grandparent_heir", grandchild, sibling, uncleAunt = "uncle_aunt"
    case parentInLaw = "parent_in_law", parentInLawSameHousehold = "parent_in_law_same_household"
    case childInLaw = "child_in_law", childInLawSameHousehold = "child_in_law_same_household"
    case grandparentInLaw = "grandparent_in_law", grandparentInLawSameHousehold = "grandparent_in_law_same_household"
    case siblingInLaw = "sibling_in_law", uncleAuntSpouse = "uncle_aunt_spouse"

    public var days: Int {
        switch self {
        case .spouse, .parent, .grandparentHeir, .parentInLawSameHousehold: 7
        case .child, .childInLawSameHousehold: 5
        case .grandparent, .sibling, .parentInLaw, .grandparentInLawSameHousehold: 3
        case .grandchild, .uncleAunt, .childInLaw, .grandparentInLaw, .siblingInLaw, .uncleAuntSpouse: 1
        }
    }
    public var labelJa: String {
        switch self {
        case .spouse: "配偶者"; case .parent: "父母"; case .child: "子"; case .grandparent: "祖父母"
        case .grandparentHeir: "祖父母（祭具等を承継）"; case .grandchild: "孫"; case .sibling: "兄弟姉妹"; case .uncleAunt: "おじ・おば"
        case .parentInLaw: "父母の配偶者・配偶者の父母"; case .parentInLawSameHousehold: "父母の配偶者・配偶者の父母（同居）"
        case .childInLaw: "子の配偶者・配偶者の子"; case .childInLawSameHousehold: "子の配偶者・配偶者の子（同居）"
        case .grandparentInLaw: "祖父母の配偶者・配偶者の祖父母"; case .grandparentInLawSameHousehold: "祖父母の配偶者・配偶者の祖父母（同居）"
        case .siblingInLaw: "兄弟姉妹の配偶者・配偶者の兄弟姉妹"; case .uncleAuntSpouse: "おじ・おばの配偶者"
        }
    }
}

public enum LeaveCatalogue {
    /// The common catalogue (work-rules-ja.md §3.3), pre-filled for a new municipality; every figure is editable.
    public static let common: [LeaveType] = {
        func t(_ code: String, _ ja: String, _ en: String, _ units: [LeaveUnit], paid: Bool, _ mark: DayMarkCode,
               _ edit: (inout LeaveType) -> Void = { _ in }) -> LeaveType {
            var x = LeaveType(code: code, nameJa: ja, nameEn: en, units: units, paid: paid, markCode: mark); edit(&x); return x
        }
        return [
            t("annual", "年次休暇", "Annual leave", [.day, .halfDay, .hour], paid: true, .annualLeave) { $0.usesAnnualBalance = true },
            t("summer", "夏季休暇", "Summer leave", [.day, .halfDay], paid: true, .specialLeave) { $0.yearlyLimitDays = 3; $0.months = 7...9 },
            t("sick", "病気休暇", "Sick leave", [.day, .halfDay, .hour], paid: true, .sickLeave),
            t("marriage", "結婚休暇", "Marriage leave", [.day], paid: true, .specialLeave) { $0.eventLimitDays = 5 },
            t("bereavement", "忌引", "Bereavement leave", [.day], paid: true, .specialLeave) { $0.needsRelationship = true },
            t("child_nursing", "子の看護休暇", "Sick-child leave", [.day, .halfDay, .hour], paid: true, .specialLeave) { $0.yearlyLimitDays = 5 },
            t("short_care", "短期介護休暇", "Short-term care leave", [.day, .halfDay, .hour], paid: true, .specialLeave) { $0.yearlyLimitDays = 5 },
            t("care_leave", "介護休暇", "Care leave", [.day, .hour], paid: false, .unpaidLeave) { $0.countsAsAttended = true },
            t("care_time", "介護時間", "Care time", [.quarterHour], paid: false, .unpaidLeave) { $0.dailyMaxMinutes = 120 },
            t("prenatal", "産前休暇", "Prenatal leave", [.day], paid: true, .specialLeave),
            t("postnatal", "産後休暇", "Postnatal leave", [.day], paid: true, .specialLeave),
            t("nursing_time", "育児時間", "Nursing time", [.quarterHour], paid: true, .specialLeave) { $0.dailyMaxMinutes = 60 },
            t("spouse_birth", "配偶者出産休暇", "Leave for a spouse's childbirth", [.day, .halfDay, .hour], paid: true, .specialLeave) { $0.eventLimitDays = 3 },
            t("childcare_participation", "育児参加休暇", "Childcare participation leave", [.day, .halfDay, .hour], paid: true, .specialLeave) { $0.eventLimitDays = 5 },
            t("childcare_leave", "育児休業", "Childcare leave", [.day], paid: false, .childcareLeave),
            t("partial_childcare", "部分休業", "Partial childcare leave", [.quarterHour], paid: false, .unpaidLeave) { $0.dailyMaxMinutes = 120 },
            t("absence", "欠勤", "Absence", [.day, .halfDay, .hour], paid: false, .absence) { $0.countsAsAttended = false },
        ]
    }()

    public static func find(_ code: String, in types: [LeaveType] = common) -> LeaveType? { types.first { $0.code == code } }

    /// The types the law itself gives (LSA 39条 年次休暇, 65条 産前産後, 67条 育児時間; 育児・介護休業法 子の看護・短期介護・
    /// 介護休暇・介護時間; 地公育休法 育児休業・部分休業) and 欠勤, which records absence: a municipality cannot stop offering them.
    public static let required: Set<String> = ["annual", "prenatal", "postnatal", "nursing_time", "child_nursing", "short_care",
                                               "care_leave", "care_time", "childcare_leave", "partial_childcare", "absence"]

    /// Types whose pay the law or their nature fixes: 年次休暇 is paid (LSA 39条); 育児休業 (its allowance comes from the
    /// 共済) and 欠勤 are not.
    public static func editsPaid(_ t: LeaveType) -> Bool { !t.usesAnnualBalance && t.markCode != .absence && t.markCode != .childcareLeave }
    /// Whether a type may be limited to some employment types: not the law-given ones, which every appointment has.
    public static func editsAppliesTo(_ t: LeaveType) -> Bool { !required.contains(t.code) }

    /// `types` with a municipality's settings applied (a type with no setting is as the catalogue has it).
    public static func applying(_ settings: [String: LeaveTypeSetting], to types: [LeaveType] = common) -> [LeaveType] {
        types.map { t in
            guard let s = settings[t.code] else { return t }
            var x = t
            x.offered = s.offered || required.contains(t.code)
            if let units = s.units, !units.isEmpty { x.units = LeaveUnit.allCases.filter(units.contains) }
            if editsPaid(t), let paid = s.paid, paid != t.paid {
                // the book's code follows the pay: unpaid leave is deducted in the close, paid leave is not
                x.paid = paid
                x.markCode = paid ? .specialLeave : .unpaidLeave
            }
            if editsAppliesTo(t) { x.appliesTo = s.appliesTo.map { Set($0).count == EmploymentType.allCases.count ? nil : EmploymentType.allCases.filter($0.contains) } ?? t.appliesTo }
            if t.usesAnnualBalance { return x } // the balance, not a day limit, bounds 年次休暇
            x.yearlyLimitDays = s.yearlyLimitDays
            if !t.needsRelationship { x.eventLimitDays = s.eventLimitDays } // 忌引's days come from the relationship table
            return x
        }
    }

    /// The settings form's values for `types`: `CODE-offered`, `CODE-paid`, `CODE-unit-UNIT` and `CODE-for-EMPLOYMENT` ("1"
    /// or ""), `CODE-yearly` and `CODE-event` (days, or empty for none).
    public static func formValues(_ types: [LeaveType]) -> [String: String] {
        var v: [String: String] = [:]
        for t in types {
            v["\(t.code)-offered"] = t.offered ? "1" : ""
            v["\(t.code)-paid"] = t.paid ? "1" : ""
            for u in LeaveUnit.allCases { v["\(t.code)-unit-\(u.rawValue)"] = t.units.contains(u) ? "1" : "" }
            for e in EmploymentType.allCases { v["\(t.code)-for-\(e.rawValue)"] = t.appliesTo?.contains(e) ?? true ? "1" : "" }
            v["\(t.code)-yearly"] = t.yearlyLimitDays.map(String.init) ?? ""
            v["\(t.code)-event"] = t.eventLimitDays.map(String.init) ?? ""
        }
        return v
    }

    /// Whether a type's day limits can be set (年次休暇 is bounded by the balance; 忌引's event days by the relationship).
    public static func editsYearlyLimit(_ t: LeaveType) -> Bool { !t.usesAnnualBalance }
    public static func editsEventLimit(_ t: LeaveType) -> Bool { !t.usesAnnualBalance && !t.needsRelationship }

    /// Reads the settings form for `types`; every problem is returned beside its field, nothing is taken unless all are right.
    public static func settings(from form: [String: String], types: [LeaveType] = common) -> Result<[String: LeaveTypeSetting], WorkRulesSettings.Problems> {
        var out: [String: LeaveTypeSetting] = [:]
        var problems: [WorkRulesSettings.Problem] = []
        func days(_ field: String, _ range: ClosedRange<Int>, _ t: LeaveType) -> Int?? {
            let text = WorkRulesSettings.ascii(form[field] ?? "")
            if text.isEmpty { return .some(nil) }
            guard let v = Int(text), range.contains(v) else {
                problems.append(.init(field: field, messageJa: "\(t.nameJa)の日数を\(range.lowerBound)〜\(range.upperBound)日で入力するか、上限がなければ空欄にしてください。",
                                      messageEn: "Enter \(range.lowerBound) to \(range.upperBound) days for \(t.nameEn), or leave it empty for no limit."))
                return nil
            }
            return .some(v)
        }
        for t in types {
            let offered = !(form["\(t.code)-offered"] ?? "").isEmpty
            if !offered && required.contains(t.code) {
                problems.append(.init(field: "\(t.code)-offered", messageJa: "\(t.nameJa)は法律で定められた休暇のため、やめることはできません。",
                                      messageEn: "\(t.nameEn) is given by law and cannot be withdrawn."))
            }
            let yearly = editsYearlyLimit(t) ? days("\(t.code)-yearly", 1...366, t) : .some(t.yearlyLimitDays)
            let event = editsEventLimit(t) ? days("\(t.code)-event", 1...366, t) : .some(t.eventLimitDays)
            func checked(_ field: String) -> Bool { !(form[field] ?? "").isEmpty }
            let units = LeaveUnit.allCases.filter { checked("\(t.code)-unit-\($0.rawValue)") }
            if units.isEmpty {
                problems.append(.init(field: "\(t.code)-unit-day", messageJa: "\(t.nameJa)の取得単位を1つ以上選んでください。",
                                      messageEn: "Choose at least one unit for \(t.nameEn)."))
            } else if t.usesAnnualBalance && !units.contains(.day) {
                problems.append(.init(field: "\(t.code)-unit-day", messageJa: "年次休暇は1日単位で取得できるようにしてください（労働基準法39条）。",
                                      messageEn: "Annual leave must be available in whole days (LSA art. 39)."))
            }
            let appliesTo = EmploymentType.allCases.filter { checked("\(t.code)-for-\($0.rawValue)") }
            if editsAppliesTo(t) && offered && appliesTo.isEmpty {
                problems.append(.init(field: "\(t.code)-for-regular", messageJa: "\(t.nameJa)の対象となる任用形態を1つ以上選ぶか、受け付けないことにしてください。",
                                      messageEn: "Choose at least one employment type for \(t.nameEn), or stop offering it."))
            }
            if let yearly, let event {
                out[t.code] = LeaveTypeSetting(offered: offered, yearlyLimitDays: yearly, eventLimitDays: event, units: units,
                                               paid: editsPaid(t) ? checked("\(t.code)-paid") : t.paid,
                                               appliesTo: editsAppliesTo(t) && !appliesTo.isEmpty ? appliesTo : nil)
            }
        }
        return problems.isEmpty ? .success(out) : .failure(WorkRulesSettings.Problems(all: problems))
    }
}

/// What a municipality sets of a catalogue type in its 条例: whether staff may request it, its units, pay, who it applies to, and its day limits.
public struct LeaveTypeSetting: Hashable, Sendable, Codable {
    public var offered: Bool
    public var yearlyLimitDays: Int?
    public var eventLimitDays: Int?
    /// the units it may be taken in (nil: the catalogue's)
    public var units: [LeaveUnit]?
    /// paid or unpaid (nil: the catalogue's)
    public var paid: Bool?
    /// the employment types it applies to (nil: all)
    public var appliesTo: [EmploymentType]?
    public init(offered: Bool, yearlyLimitDays: Int?, eventLimitDays: Int?, units: [LeaveUnit]? = nil, paid: Bool? = nil, appliesTo: [EmploymentType]? = nil) {
        self.offered = offered; self.yearlyLimitDays = yearlyLimitDays; self.eventLimitDays = eventLimitDays
        self.units = units; self.paid = paid; self.appliesTo = appliesTo
    }
}

/// Which half of the day.
public enum HalfDay: String, Sendable, Codable, CaseIterable, Hashable {
    case morning, afternoon
    public var labelJa: String { self == .morning ? "午前" : "午後" }
    public var labelEn: String { self == .morning ? "morning" : "afternoon" }
}

/// What a person asks for.
public struct LeaveRequestSpec: Sendable, Codable, Hashable {
    public var typeCode: String
    public var from: CalendarDate
    public var to: CalendarDate
    public var unit: LeaveUnit
    public var half: HalfDay?
    /// for hour and 15-minute units: the time range on the single day
    public var range: MinuteRange?
    public var relationship: BereavementRelationship?

    public init(typeCode: String, from: CalendarDate, to: CalendarDate, unit: LeaveUnit, half: HalfDay? = nil, range: MinuteRange? = nil,
                relationship: BereavementRelationship? = nil) {
        self.typeCode = typeCode; self.from = from; self.to = to; self.unit = unit; self.half = half; self.range = range; self.relationship = relationship
    }
}

/// One day of a request: the date and the scheduled minutes it takes (and the time it covers).
public struct LeaveDay: Sendable, Codable, Hashable {
    public var date: CalendarDate
    public var minutes: Int
    /// the covered part of the day; nil for a whole day
    public var range: MinuteRange?
    public init(date: CalendarDate, minutes: Int, range: MinuteRange?) { self.date = date; self.minutes = minutes; self.range = range }
}

public enum LeaveRequestProblem: Hashable, Sendable {
    case unitNotOffered
    case notForEmploymentType
    case toBeforeFrom
    case tooLong(maxDays: Int)
    case partDayIsOneDay
    case halfNotChosen
    case rangeMissing
    case rangeNotInSchedule
    case rangeNotInSteps(step: Int)
    case dailyMax(minutes: Int)
    case noWorkDays
    case outsideMonths(ClosedRange<Int>)
    case relationshipMissing
    case overEventLimit(days: Int)
    case overYearlyLimit(limitDays: Int, usedMinutes: Int)
    case overlapsLeave(CalendarDate)
    case overlapsWork(CalendarDate)
    case balance(AnnualLeaveBalance.UseProblem)

    public var field: String {
        switch self {
        case .unitNotOffered, .halfNotChosen: "unit"
        case .notForEmploymentType: "type"
        case .toBeforeFrom, .tooLong, .partDayIsOneDay, .noWorkDays, .outsideMonths, .overEventLimit, .overlapsLeave, .overlapsWork, .overYearlyLimit: "to"
        case .rangeMissing, .rangeNotInSchedule, .rangeNotInSteps, .dailyMax: "end"
        case .relationshipMissing: "relationship"
        case .balance: "type"
        }
    }

    public var messageJa: String {
        switch self {
        case .unitNotOffered: "この休暇はその単位では取得できません。"
        case .notForEmploymentType: "この休暇はあなたの任用形態では取得できません。"
        case .toBeforeFrom: "終了日は開始日以降にしてください。"
        case .tooLong(let d): "1回の申請は\(d)日までです。"
        case .partDayIsOneDay: "半日・時間単位の休暇は1日ずつ申請してください。"
        case .halfNotChosen: "午前か午後かを選んでください。"
        case .rangeMissing: "時間単位のときは開始時刻と終了時刻を入力してください。"
        case .rangeNotInSchedule: "時間は勤務時間の範囲内で指定してください。"
        case .rangeNotInSteps(let s): "\(s == 60 ? "1時間" : "\(s)分")単位で指定してください（残りが1時間未満の端数のときはその全部）。"
        case .dailyMax(let m): "この休暇は1日\(formatDuration(m))までです。"
        case .noWorkDays: "期間に勤務日がありません（週休日・休日は休暇になりません）。"
        case .outsideMonths(let r): "この休暇は\(r.lowerBound)月から\(r.upperBound)月の間に取得します。"
        case .relationshipMissing: "亡くなった方との続柄を選んでください。"
        case .overEventLimit(let d): "この休暇は1回につき\(d)日までです。"
        case .overYearlyLimit(let d, let used): "この休暇は年\(d)日までです（使用済み \(formatDuration(used))）。"
        case .overlapsLeave(let d): "\(d.iso)にはすでに休暇の申請があります。"
        case .overlapsWork(let d): "\(d.iso)のその時間には出勤の打刻があります。打刻の修正を先に申請してください。"
        case .balance(.notEnough(let r)): "年次休暇の残りが足りません（残り \(formatDuration(r))）。"
        case .balance(.notWholeHours): "時間単位の年次休暇は1時間単位です（残りに1時間未満の端数があるときはその全部を使えます）。"
        case .balance(.hourlyCapReached(let c)): "時間単位で使える年次休暇の上限（\(formatDuration(c))）に達しています。"
        case .balance(.nothingToUse): "取得する時間がありません。"
        }
    }
    public var messageEn: String {
        switch self {
        case .unitNotOffered: "This leave cannot be taken in that unit."
        case .notForEmploymentType: "This leave is not available for your type of appointment."
        case .toBeforeFrom: "The last day must not be before the first."
        case .tooLong(let d): "One request covers at most \(d) days."
        case .partDayIsOneDay: "Ask for half days and hours one day at a time."
        case .halfNotChosen: "Choose morning or afternoon."
        case .rangeMissing: "For hours, give the start and end times."
        case .rangeNotInSchedule: "The hours must be within your scheduled hours."
        case .rangeNotInSteps(let s): "Use steps of \(s) minutes (or the whole sub-hour remainder)."
        case .dailyMax(let m): "At most \(formatDuration(m)) a day for this leave."
        case .noWorkDays: "There are no work days in the period (rest days and holidays need no leave)."
        case .outsideMonths(let r): "This leave is taken between months \(r.lowerBound) and \(r.upperBound)."
        case .relationshipMissing: "Choose your relationship to the deceased."
        case .overEventLimit(let d): "At most \(d) days for one event."
        case .overYearlyLimit(let d, let used): "At most \(d) days a year (used: \(formatDuration(used)))."
        case .overlapsLeave(let d): "You already asked for leave on \(d.iso)."
        case .overlapsWork(let d): "There are punches at that time on \(d.iso). Ask for a correction first."
        case .balance(.notEnough(let r)): "Not enough annual leave left (\(formatDuration(r)))."
        case .balance(.notWholeHours): "Hourly annual leave is in whole hours (or the whole sub-hour remainder)."
        case .balance(.hourlyCapReached(let c)): "The cap on hourly annual leave (\(formatDuration(c))) is reached."
        case .balance(.nothingToUse): "There is nothing to take."
        }
    }
}

public enum LeaveRules {
    public static let maxRequestDays = 366

    /// The days a request takes: its work days, each with the scheduled minutes the leave covers.
    /// `schedule` gives the person's 正規の勤務時間 on a work day and nil on a 週休日 or 休日.
    public static func days(_ spec: LeaveRequestSpec, schedule: (CalendarDate) -> DailySchedule?) -> [LeaveDay] {
        guard spec.from <= spec.to, spec.to.dayNumber - spec.from.dayNumber < maxRequestDays else { return [] }
        var out: [LeaveDay] = []
        for n in spec.from.dayNumber...spec.to.dayNumber {
            let date = CalendarDate(dayNumber: n)
            guard let s = schedule(date) else { continue }
            switch spec.unit {
            case .day:
                out.append(LeaveDay(date: date, minutes: s.scheduledMinutes, range: nil))
            case .halfDay:
                let cut = s.breakWindow ?? MinuteRange(start: (s.start + s.end) / 2, end: (s.start + s.end) / 2)
                let r = spec.half == .afternoon ? MinuteRange(start: cut.end, end: s.end) : MinuteRange(start: s.start, end: cut.start)
                out.append(LeaveDay(date: date, minutes: scheduledMinutes(in: r, s), range: r))
            case .hour, .quarterHour:
                guard let r = spec.range else { continue }
                out.append(LeaveDay(date: date, minutes: scheduledMinutes(in: r, s), range: r))
            }
        }
        return out
    }

    /// The scheduled minutes of `r`: its overlap with the day's window, less the break.
    static func scheduledMinutes(in r: MinuteRange, _ s: DailySchedule) -> Int {
        s.scheduledRanges.map { $0.overlap(r) }.reduce(0, +)
    }

    /// Everything wrong with a request; empty when it may be sent for approval.
    /// - existingLeave: the person's other live requests' days; worked: the worked ranges per date (from punches).
    /// - usedThisYearMinutes: for a type with a yearly limit, what was already taken in the leave year.
    public static func check(_ spec: LeaveRequestSpec, type: LeaveType, employment: EmploymentType, minutesPerDay: Int,
                             schedule: (CalendarDate) -> DailySchedule?, existingLeave: [LeaveDay], worked: [CalendarDate: [MinuteRange]],
                             balance: AnnualLeaveBalance?, usedThisYearMinutes: Int = 0,
                             policy: AnnualLeavePolicy = .default) -> [LeaveRequestProblem] {
        var out: [LeaveRequestProblem] = []
        if !type.applies(to: employment) { out.append(.notForEmploymentType) }
        if !type.units.contains(spec.unit) { out.append(.unitNotOffered) }
        if spec.to < spec.from { return out + [.toBeforeFrom] }
        if spec.to.dayNumber - spec.from.dayNumber >= maxRequestDays { return out + [.tooLong(maxDays: maxRequestDays)] }
        let partDay = spec.unit != .day
        if partDay && spec.from != spec.to { out.append(.partDayIsOneDay) }
        if spec.unit == .halfDay && spec.half == nil { out.append(.halfNotChosen) }
        if let step = spec.unit.step {
            if let r = spec.range, r.length > 0 {
                if let s = schedule(spec.from), !(s.start <= r.start && r.end <= s.end) { out.append(.rangeNotInSchedule) }
                let wholeRemainder = type.usesAnnualBalance && balance.map { r.length % step == $0.subHourRemainder } ?? false
                if r.length % step != 0 && !wholeRemainder { out.append(type.usesAnnualBalance ? .balance(.notWholeHours) : .rangeNotInSteps(step: step)) }
                if let max = type.dailyMaxMinutes, r.length > max { out.append(.dailyMax(minutes: max)) }
            } else { out.append(.rangeMissing) }
        }
        if let months = type.months, !(months.contains(spec.from.month) && months.contains(spec.to.month)) { out.append(.outsideMonths(months)) }
        if type.needsRelationship && spec.relationship == nil { out.append(.relationshipMissing) }
        if !out.isEmpty { return out }

        let days = self.days(spec, schedule: schedule)
        if days.isEmpty || days.allSatisfy({ $0.minutes == 0 }) { return [.noWorkDays] }
        // 忌引 and event leave count calendar days from the first (連続する日数), not work days
        let calendarDays = spec.to.dayNumber - spec.from.dayNumber + 1
        if let limit = type.eventLimitDays ?? (type.needsRelationship ? spec.relationship?.days : nil), calendarDays > limit {
            out.append(.overEventLimit(days: limit))
        }
        let total = days.map(\.minutes).reduce(0, +)
        if let limit = type.yearlyLimitDays, usedThisYearMinutes + total > limit * minutesPerDay {
            out.append(.overYearlyLimit(limitDays: limit, usedMinutes: usedThisYearMinutes))
        }
        for day in days {
            if let clash = existingLeave.first(where: { $0.date == day.date && overlaps($0.range, day.range) }) { out.append(.overlapsLeave(clash.date)); break }
        }
        for day in days {
            let w = worked[day.date] ?? []
            if w.contains(where: { work in day.range.map { $0.overlap(work) > 0 } ?? (work.length > 0) }) { out.append(.overlapsWork(day.date)); break }
        }
        if type.usesAnnualBalance, let b = balance, let p = b.check(minutes: total, hourly: spec.unit.step != nil, policy: policy) {
            out.append(.balance(p))
        }
        return out
    }

    /// nil is the whole day.
    static func overlaps(_ a: MinuteRange?, _ b: MinuteRange?) -> Bool {
        guard let a, let b else { return true }
        return a.overlap(b) > 0
    }
}

import Foundation

/// 雇用形態. Names follow the glossary.
public enum EmploymentType: String, Sendable, Codable, CaseIterable, Hashable {
    /// 常勤職員
    case regular
    /// 再任用短時間勤務職員
    case reappointedShortTime
    /// 会計年度任用職員（フルタイム）
    case fiscalYearFullTime
    /// 会計年度任用職員（パートタイム）
    case fiscalYearPartTime

    public var labelJa: String {
        switch self {
        case .regular: "常勤職員"
        case .reappointedShortTime: "再任用短時間勤務職員"
        case .fiscalYearFullTime: "会計年度任用職員（フルタイム）"
        case .fiscalYearPartTime: "会計年度任用職員（パートタイム）"
        }
    }
    public var labelEn: String {
        switch self {
        case .regular: "Regular"
        case .reappointedShortTime: "Reappointed short-time"
        case .fiscalYearFullTime: "Fiscal-year appointee (full-time)"
        case .fiscalYearPartTime: "Fiscal-year appointee (part-time)"
        }
    }
    /// Part-time staff whose work beyond their schedule must be flagged (Setagaya: 実際の超過勤務が見える).
    public var isPartTime: Bool { self == .reappointedShortTime || self == .fiscalYearPartTime }

    /// Accepts the code or the Japanese label (as HR types it in Excel).
    public init?(code: String) {
        let s = code.trimmingCharacters(in: .whitespaces)
        if let v = EmploymentType(rawValue: s) { self = v; return }
        let aliases: [String: EmploymentType] = [
            "常勤": .regular, "常勤職員": .regular, "正規": .regular,
            "再任用": .reappointedShortTime, "再任用短時間": .reappointedShortTime, "再任用短時間勤務職員": .reappointedShortTime,
            "会計年度フルタイム": .fiscalYearFullTime, "会計年度任用職員（フルタイム）": .fiscalYearFullTime, "会計年度任用職員(フルタイム)": .fiscalYearFullTime,
            "会計年度パートタイム": .fiscalYearPartTime, "会計年度任用職員（パートタイム）": .fiscalYearPartTime, "会計年度任用職員(パートタイム)": .fiscalYearPartTime,
        ]
        guard let v = aliases[s] else { return nil }
        self = v
    }
}

/// Roles. Deny by default: a route names the roles it admits.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    case staff
    /// 所属長 of one or more departments
    case approver
    /// 人事課
    case hr
    case admin
    /// DX推進担当: builds apps in the app engine (HR gives the role to whoever it allows)
    case dx

    public var labelJa: String {
        switch self {
        case .staff: "職員"
        case .approver: "所属長（承認者）"
        case .hr: "人事課"
        case .admin: "管理者"
        case .dx: "DX推進（アプリ作成）"
        }
    }
    public var labelEn: String {
        switch self {
        case .staff: "Staff"
        case .approver: "Approver"
        case .hr: "HR"
        case .admin: "Administrator"
        case .dx: "DX office (app builder)"
        }
    }
}

/// 部 / 課 / 係
public enum DepartmentLevel: Int, Sendable, Codable, CaseIterable, Hashable {
    case bu = 1, ka = 2, kakari = 3
    public var labelJa: String { switch self { case .bu: "部"; case .ka: "課"; case .kakari: "係" } }
    public var labelEn: String { switch self { case .bu: "Division"; case .ka: "Section"; case .kakari: "Unit" } }
}

/// 地方公共団体コード: 6 digits, the last one a check digit (JIS X 0402 / 総務省 rule).
public enum MunicipalityCode {
    /// The check digit of the first five digits: 11 − (Σ digit×weight mod 11), weights 6,5,4,3,2; 10 → 0, 11 → 1.
    public static func checkDigit(_ five: String) -> Int? {
        guard five.count == 5, five.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = five.compactMap { $0.wholeNumberValue }
        let sum = zip(digits, [6, 5, 4, 3, 2]).map(*).reduce(0, +)
        let r = sum % 11
        return r == 0 ? 1 : (11 - r) % 10
    }
    public static func isValid(_ code: String) -> Bool {
        guard code.count == 6, let check = checkDigit(String(code.prefix(5))), let last = code.last?.wholeNumberValue else { return false }
        return check == last
    }
}

/// 特定事業主 (任命権者): the appointing authority a department's staff belong to. Each publishes its own indicators under
/// 女性活躍推進法 and 次世代法 (work-rules §5.1); a department names one, or inherits its parent's, and 市長部局 is the default.
public enum Employer: String, Sendable, Codable, CaseIterable, Hashable {
    case mayor
    case assembly
    case educationBoard
    case electionBoard
    case auditCommissioners
    case agriculturalCommittee
    case fireChief
    case publicEnterprise
    case hospital

    public var labelJa: String {
        switch self {
        case .mayor: "市長部局"
        case .assembly: "議会"
        case .educationBoard: "教育委員会"
        case .electionBoard: "選挙管理委員会"
        case .auditCommissioners: "監査委員"
        case .agriculturalCommittee: "農業委員会"
        case .fireChief: "消防本部"
        case .publicEnterprise: "公営企業（上下水道局など）"
        case .hospital: "病院事業"
        }
    }
    public var labelEn: String {
        switch self {
        case .mayor: "Mayor's office"
        case .assembly: "Assembly"
        case .educationBoard: "Board of education"
        case .electionBoard: "Election board"
        case .auditCommissioners: "Audit commissioners"
        case .agriculturalCommittee: "Agricultural committee"
        case .fireChief: "Fire department"
        case .publicEnterprise: "Public enterprise (waterworks, …)"
        case .hospital: "Hospital"
        }
    }
}

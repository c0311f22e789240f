import Foundation

/// A roster row, checked, ready to store.
public struct StaffDraft: Hashable, Sendable {
    public var line: Int
    public var staffNumber: String
    public var familyName: String
    public var givenName: String
    public var familyKana: String
    public var givenKana: String
    public var employmentType: EmploymentType
    public var departmentCode: String
    public var position: String
    public var schedule: WeeklySchedule
    public var startDate: CalendarDate
    public var roles: [Role]
    /// 性別 (optional; kept apart from the roster, HR only: the published indicators need it)
    public var sex: Sex? = nil
}

/// Every problem found in a file; a file with any is not imported.
public struct ImportFailure: Error, Sendable, Hashable {
    public var issues: [ImportIssue]
    public init(_ issues: [ImportIssue]) { self.issues = issues }
}

/// One problem in one cell, with a message in both languages.
public struct ImportIssue: Hashable, Sendable {
    public var line: Int
    public var column: String
    public var value: String
    public var messageJa: String
    public var messageEn: String

    public init(line: Int, column: String, value: String, messageJa: String, messageEn: String) {
        self.line = line; self.column = column; self.value = value; self.messageJa = messageJa; self.messageEn = messageEn
    }
}

/// 職員名簿の CSV 取込 (HR keeps rosters in Excel). All rows are checked; if any is wrong, nothing is imported.
public enum StaffImport {
    /// The columns, by Japanese header (English headers are accepted too). Required unless marked.
    public static let columns: [(ja: String, en: String, required: Bool)] = [
        ("職員番号", "staff_number", true), ("姓", "family_name", true), ("名", "given_name", true),
        ("姓カナ", "family_kana", true), ("名カナ", "given_kana", true), ("雇用形態", "employment_type", true),
        ("所属コード", "department_code", true), ("職名", "position", false), ("勤務曜日", "weekdays", true),
        ("始業", "start", true), ("終業", "end", true), ("休憩", "break", true), ("任用開始日", "start_date", true),
        ("役割", "roles", false), ("性別", "sex", false),
    ]

    /// A template HR can open in Excel.
    public static var template: String {
        CSV.write([columns.map(\.ja), ["100001", "山田", "太郎", "ヤマダ", "タロウ", "常勤", "0101", "主事", "月-金", "8:30", "17:15", "60", "2025-04-01", "", "男性"],
                   ["100002", "髙橋", "花子", "タカハシ", "ハナコ", "会計年度パートタイム", "0102", "会計年度任用職員", "月水金", "9:00", "16:00", "12:00-13:00", "2025-04-01", "", "女性"]])
    }

    public static func parse(_ text: String, departmentCodes: Set<String>, existingNumbers: Set<String>, maxRows: Int = 20_000,
                             sexAllowed: Bool = true) -> Result<[StaffDraft], ImportFailure> {
        let rows: [[String]]
        do { rows = try CSV.parse(text) } catch {
            return .failure(ImportFailure([ImportIssue(line: error.line, column: "", value: "", messageJa: "引用符（\"）が閉じられていません。", messageEn: "A quote (\") is not closed.")]))
        }
        guard let header = rows.first else {
            return .failure(ImportFailure([ImportIssue(line: 1, column: "", value: "", messageJa: "ファイルが空です。", messageEn: "The file is empty.")]))
        }
        var index: [String: Int] = [:]
        for (i, h) in header.enumerated() {
            let name = h.trimmingCharacters(in: .whitespaces)
            if let c = columns.first(where: { $0.ja == name || $0.en == name.lowercased() }) { index[c.ja] = i }
        }
        let missing = columns.filter { $0.required && index[$0.ja] == nil }
        if !missing.isEmpty {
            return .failure(ImportFailure([ImportIssue(line: 1, column: missing.map(\.ja).joined(separator: "・"), value: "",
                                         messageJa: "見出し行に必要な列がありません：" + missing.map(\.ja).joined(separator: "、"),
                                         messageEn: "The header row lacks: " + missing.map(\.en).joined(separator: ", "))]))
        }
        if rows.count - 1 > maxRows {
            return .failure(ImportFailure([ImportIssue(line: 1, column: "", value: "", messageJa: "一度に取り込めるのは\(maxRows)行までです。", messageEn: "At most \(maxRows) rows at a time.")]))
        }
        var issues: [ImportIssue] = []
        var drafts: [StaffDraft] = []
        var seen: [String: Int] = [:]
        for (offset, row) in rows.dropFirst().enumerated() {
            let line = offset + 2
            func cell(_ col: String) -> String {
                guard let i = index[col], i < row.count else { return "" }
                return row[i].trimmingCharacters(in: .whitespaces)
            }
            func issue(_ col: String, _ ja: String, _ en: String) { issues.append(ImportIssue(line: line, column: col, value: cell(col), messageJa: ja, messageEn: en)) }
            for c in columns where c.required && cell(c.ja).isEmpty { issue(c.ja, "\(c.ja)が空です。", "\(c.en) is empty.") }
            let number = cell("職員番号")
            if !number.isEmpty {
                if number.count > 20 || !number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                    issue("職員番号", "職員番号は半角英数字20文字以内です。", "Staff numbers are up to 20 letters and digits.")
                } else if existingNumbers.contains(number) {
                    issue("職員番号", "この職員番号はすでに登録されています。", "This staff number already exists.")
                } else if let prior = seen[number] {
                    issue("職員番号", "\(prior)行目と同じ職員番号です。", "Same staff number as line \(prior).")
                }
                seen[number] = seen[number] ?? line
            }
            for col in ["姓", "名"] where cell(col).count > 50 { issue(col, "50文字以内にしてください。", "Use at most 50 characters.") }
            for col in ["姓カナ", "名カナ"] where !cell(col).isEmpty && !isKatakana(cell(col)) { issue(col, "カタカナで入力してください。", "Use katakana.") }
            let type = EmploymentType(code: cell("雇用形態"))
            if type == nil && !cell("雇用形態").isEmpty {
                issue("雇用形態", "雇用形態は「常勤」「再任用短時間」「会計年度フルタイム」「会計年度パートタイム」のいずれかです。",
                      "Employment type must be regular, reappointedShortTime, fiscalYearFullTime or fiscalYearPartTime.")
            }
            let dept = cell("所属コード")
            if !dept.isEmpty && !departmentCodes.contains(dept) { issue("所属コード", "この所属コードの組織がありません。", "No department has this code.") }
            var schedule: WeeklySchedule?
            if !cell("勤務曜日").isEmpty && !cell("始業").isEmpty && !cell("終業").isEmpty {
                switch WeeklySchedule.parse(weekdays: cell("勤務曜日"), start: cell("始業"), end: cell("終業"), breakSpec: cell("休憩")) {
                case .success(let s): schedule = s
                case .failure(.weekdays): issue("勤務曜日", "曜日は「月火水木金」や「月-金」の形です。", "Weekdays look like 月火水木金 or 月-金.")
                case .failure(.start): issue("始業", "始業は「8:30」の形です。", "Start looks like 8:30.")
                case .failure(.end): issue("終業", "終業は始業より後の「17:15」の形です。", "End looks like 17:15, after the start.")
                case .failure(.breakSpec): issue("休憩", "休憩は分数（60）か「12:00-13:00」で、勤務時間内です。", "Break is minutes (60) or 12:00-13:00, inside the day.")
                }
            }
            let start = CalendarDate(iso: cell("任用開始日"))
            if start == nil && !cell("任用開始日").isEmpty { issue("任用開始日", "日付は「2025-04-01」の形で、実在する日です。", "Dates look like 2025-04-01 and must exist.") }
            var roles: [Role] = []
            for r in cell("役割").split(whereSeparator: { $0 == "・" || $0 == "," || $0 == "、" || $0 == " " }) {
                switch r { case "所属長", "approver": roles.append(.approver); case "人事", "人事課", "hr": roles.append(.hr)
                default: issue("役割", "役割は「所属長」「人事」です（空欄可）。", "Roles are 所属長 (approver) or 人事 (hr), or empty.") }
            }
            let sexText = cell("性別")
            let sex = Sex(code: sexText)
            if !sexText.isEmpty && !sexAllowed {
                // sensitive: only the 人事課 puts it on the roster
                issue("性別", "性別の列は人事課の職員だけが取り込めます。列を空にするか、人事課に依頼してください。", "Only HR may import the sex column: leave it empty or ask HR.")
            } else if !sexText.isEmpty && sex == nil { issue("性別", "性別は「女性」「男性」です（空欄可）。", "Sex is 女性 (female) or 男性 (male), or empty.") }
            if let type, let schedule, let start, !number.isEmpty, departmentCodes.contains(dept) {
                drafts.append(StaffDraft(line: line, staffNumber: number, familyName: cell("姓"), givenName: cell("名"), familyKana: cell("姓カナ"),
                                         givenKana: cell("名カナ"), employmentType: type, departmentCode: dept, position: cell("職名"),
                                         schedule: schedule, startDate: start, roles: roles, sex: sex))
            }
        }
        if rows.count <= 1 { issues.append(ImportIssue(line: 2, column: "", value: "", messageJa: "データ行がありません。", messageEn: "There are no data rows.")) }
        return issues.isEmpty ? .success(drafts) : .failure(ImportFailure(issues))
    }

    public static func isKatakana(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { (0x30A0...0x30FF).contains($0.value) || $0 == " " || $0 == "　" }
    }
}

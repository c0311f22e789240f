import Foundation
import YakubaCore

/// The kinds of field an app can have (kintone's set, minus layout-only fields, plus a live link to another app's record).
public enum FieldType: String, Sendable, Hashable, Codable, CaseIterable {
    case text, multilineText, number, money, date, dateTime, yesNo, choice, multiChoice, user, department, link
    case calculated, attachment, subtable

    public var labelJa: String {
        switch self {
        case .text: "文字列（1行）"; case .multilineText: "文字列（複数行）"; case .number: "数値"; case .money: "金額（円）"
        case .date: "日付"; case .dateTime: "日時"; case .yesNo: "はい／いいえ"; case .choice: "選択（1つ）"
        case .multiChoice: "選択（複数）"; case .user: "職員"; case .department: "所属"; case .link: "他のアプリのレコード"
        case .calculated: "計算"; case .attachment: "添付ファイル"; case .subtable: "表（明細行）"
        }
    }
    public var labelEn: String {
        switch self {
        case .text: "Text (one line)"; case .multilineText: "Text (several lines)"; case .number: "Number"; case .money: "Money (yen)"
        case .date: "Date"; case .dateTime: "Date and time"; case .yesNo: "Yes/no"; case .choice: "Choice (one)"
        case .multiChoice: "Choice (several)"; case .user: "Staff member"; case .department: "Department"; case .link: "Record of another app"
        case .calculated: "Calculated"; case .attachment: "Attachment"; case .subtable: "Table (rows)"
        }
    }
    /// Types a sub-table's columns may have (no nested tables, attachments or calculations over other rows).
    public var allowedInSubtable: Bool { ![.subtable, .attachment].contains(self) }
    /// Types whose values a list can be sorted and filtered on with an index.
    public var isScalar: Bool { ![.multiChoice, .attachment, .subtable].contains(self) }
}

/// One field of an app: its code (the name in the API, queries and expressions), label and rules.
public struct FieldDefinition: Sendable, Hashable, Codable {
    public var code: String
    public var label: String
    public var type: FieldType
    public var required: Bool
    public var help: String?
    /// number, money: the unit shown after it (人, 分, 件); bounds; decimals kept
    public var unit: String?
    public var minimum: Decimal?
    public var maximum: Decimal?
    public var decimals: Int?
    /// text: the longest value accepted (characters)
    public var maxLength: Int?
    /// choice, multiChoice
    public var choices: [String]?
    /// link: the code of the app whose records this field points at
    public var linkApp: String?
    /// calculated: the expression (see `Formula`)
    public var expression: String?
    /// attachment: the largest file (bytes) and the types accepted (MIME types such as application/pdf, image/png)
    public var maxBytes: Int?
    public var contentTypes: [String]?
    /// subtable: the columns of each row
    public var columns: [FieldDefinition]?

    public init(code: String, label: String, type: FieldType, required: Bool = false, help: String? = nil, unit: String? = nil,
                minimum: Decimal? = nil, maximum: Decimal? = nil, decimals: Int? = nil, maxLength: Int? = nil, choices: [String]? = nil,
                linkApp: String? = nil, expression: String? = nil, maxBytes: Int? = nil, contentTypes: [String]? = nil,
                columns: [FieldDefinition]? = nil) {
        self.code = code; self.label = label; self.type = type; self.required = required; self.help = help; self.unit = unit
        self.minimum = minimum; self.maximum = maximum; self.decimals = decimals; self.maxLength = maxLength; self.choices = choices
        self.linkApp = linkApp; self.expression = expression; self.maxBytes = maxBytes; self.contentTypes = contentTypes; self.columns = columns
    }

    enum CodingKeys: String, CodingKey {
        case code, label, type, required, help, unit, minimum, maximum, decimals, maxLength, choices, linkApp, expression, maxBytes, contentTypes, columns
    }

    /// Decoding names an unknown type with its field, so a template from elsewhere is refused with a message that helps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? code
        let typeName = try c.decode(String.self, forKey: .type)
        guard let t = FieldType(rawValue: typeName) else {
            throw AppProblem("fields.\(code).type", "フィールド「\(code)」の種類「\(typeName)」はこの版の Yakuba にありません。使える種類: \(FieldType.allCases.map(\.rawValue).joined(separator: ", "))。",
                             "Field \"\(code)\" has the type \"\(typeName)\", which this version of Yakuba does not know. Known types: \(FieldType.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        type = t
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? false
        help = try c.decodeIfPresent(String.self, forKey: .help)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        minimum = try c.decodeIfPresent(Decimal.self, forKey: .minimum)
        maximum = try c.decodeIfPresent(Decimal.self, forKey: .maximum)
        decimals = try c.decodeIfPresent(Int.self, forKey: .decimals)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        choices = try c.decodeIfPresent([String].self, forKey: .choices)
        linkApp = try c.decodeIfPresent(String.self, forKey: .linkApp)
        expression = try c.decodeIfPresent(String.self, forKey: .expression)
        maxBytes = try c.decodeIfPresent(Int.self, forKey: .maxBytes)
        contentTypes = try c.decodeIfPresent([String].self, forKey: .contentTypes)
        columns = try c.decodeIfPresent([FieldDefinition].self, forKey: .columns)
    }

    /// The columns of a sub-table, none for other types.
    public var rowFields: [FieldDefinition] { columns ?? [] }

    public static let defaultMaxBytes = 10 * 1024 * 1024
    public static let largestMaxBytes = 50 * 1024 * 1024
    public static let defaultContentTypes = ["application/pdf", "image/png", "image/jpeg", "text/csv", "text/plain",
                                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    public var acceptedContentTypes: [String] { contentTypes ?? Self.defaultContentTypes }
    public var largestFile: Int { maxBytes ?? Self.defaultMaxBytes }
}

/// The fields every record has, which queries, sorts and views may name but an app may not define.
public enum SystemField: String, Sendable, CaseIterable {
    case recordNumber = "record_number", status, assignee, createdBy = "created_by", createdAt = "created_at"
    case updatedBy = "updated_by", updatedAt = "updated_at"

    public var labelJa: String {
        switch self {
        case .recordNumber: "レコード番号"; case .status: "ステータス"; case .assignee: "作業者"; case .createdBy: "作成者"
        case .createdAt: "作成日時"; case .updatedBy: "更新者"; case .updatedAt: "更新日時"
        }
    }
    public var labelEn: String {
        switch self {
        case .recordNumber: "Record number"; case .status: "Status"; case .assignee: "Assignee"; case .createdBy: "Created by"
        case .createdAt: "Created at"; case .updatedBy: "Updated by"; case .updatedAt: "Updated at"
        }
    }
    /// The type a query compares it as.
    public var valueType: FieldType {
        switch self {
        case .recordNumber: .number; case .status: .choice; case .assignee, .createdBy, .updatedBy: .user
        case .createdAt, .updatedAt: .dateTime
        }
    }
}

public enum FieldCode {
    /// A code is ASCII: a lower-case letter, then letters, digits or underscores, at most 40 characters. It is the key in
    /// the stored JSON, the API and expressions, so it never changes once records exist.
    public static func isValid(_ code: String) -> Bool {
        guard let first = code.unicodeScalars.first, code.unicodeScalars.count <= 40, ("a"..."z").contains(first) else { return false }
        return code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

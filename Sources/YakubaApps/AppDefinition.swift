import Foundation
import YakubaCore

/// Who a rule, an action or an assignment names. Written in files as a short string:
/// `everyone`, `role:dx_office`, `creator`, `assignee`, `field:requester` (the staff member in a user field).
public enum Party: Sendable, Hashable, Codable, CustomStringConvertible {
    case everyone
    /// one of the app's roles, which each municipality maps to its own people (a template carries only the placeholder)
    case role(String)
    case creator
    /// the record's current assignees
    case assignee
    /// the staff member named in a user field of the record
    case field(String)

    public init?(text: String) {
        switch text {
        case "everyone": self = .everyone
        case "creator": self = .creator
        case "assignee": self = .assignee
        default:
            if text.hasPrefix("role:"), FieldCode.isValid(String(text.dropFirst(5))) { self = .role(String(text.dropFirst(5))) }
            else if text.hasPrefix("field:"), FieldCode.isValid(String(text.dropFirst(6))) { self = .field(String(text.dropFirst(6))) }
            else { return nil }
        }
    }
    public var description: String {
        switch self {
        case .everyone: "everyone"; case .role(let r): "role:\(r)"; case .creator: "creator"; case .assignee: "assignee"; case .field(let f): "field:\(f)"
        }
    }
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let p = Party(text: s) else {
            throw AppProblem("party", "「\(s)」は対象として読めません（everyone, role:コード, creator, assignee, field:コード）。",
                             "\"\(s)\" is not a party (everyone, role:code, creator, assignee, field:code).")
        }
        self = p
    }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(description) }
}

/// A role of the app: a placeholder such as `dx_office` that each municipality maps to its own people on install.
public struct AppRole: Sendable, Hashable, Codable {
    public var code: String
    public var label: String
    public init(code: String, label: String) { self.code = code; self.label = label }
}

// MARK: process management

public struct StatusDefinition: Sendable, Hashable, Codable {
    public var name: String
    /// who works on a record in this status; none = nobody in particular
    public var assignee: AssigneeRule?
    /// fields that cannot be changed while a record is in this status (e.g. everything after 完了)
    public var lockedFields: [String]
    public init(name: String, assignee: AssigneeRule? = nil, lockedFields: [String] = []) {
        self.name = name; self.assignee = assignee; self.lockedFields = lockedFields
    }
    enum CodingKeys: String, CodingKey { case name, assignee, lockedFields }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        assignee = try c.decodeIfPresent(AssigneeRule.self, forKey: .assignee)
        lockedFields = try c.decodeIfPresent([String].self, forKey: .lockedFields) ?? []
    }
    /// "*" locks every field
    public func locks(_ field: String) -> Bool { lockedFields.contains("*") || lockedFields.contains(field) }
}

public struct AssigneeRule: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable {
        /// one person, chosen from the candidates by whoever moves the record here
        case one
        /// any one of the candidates may act
        case any
        /// every candidate must act before the record moves on
        case all
    }
    public var mode: Mode
    public var candidates: [Party]
    public init(mode: Mode, candidates: [Party]) { self.mode = mode; self.candidates = candidates }
}

public struct ActionDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var from: String
    public var to: String
    /// who may take it; empty = the record's current assignees (or, in a status without assignees, whoever may edit it)
    public var allowed: [Party]
    public var requiresComment: Bool
    public init(name: String, from: String, to: String, allowed: [Party] = [], requiresComment: Bool = false) {
        self.name = name; self.from = from; self.to = to; self.allowed = allowed; self.requiresComment = requiresComment
    }
    enum CodingKeys: String, CodingKey { case name, from, to, allowed, requiresComment }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        from = try c.decode(String.self, forKey: .from)
        to = try c.decode(String.self, forKey: .to)
        allowed = try c.decodeIfPresent([Party].self, forKey: .allowed) ?? []
        requiresComment = try c.decodeIfPresent(Bool.self, forKey: .requiresComment) ?? false
    }
}

public struct ProcessDefinition: Sendable, Hashable, Codable {
    /// the first is where every new record starts
    public var statuses: [StatusDefinition]
    public var actions: [ActionDefinition]
    public init(statuses: [StatusDefinition], actions: [ActionDefinition]) { self.statuses = statuses; self.actions = actions }
    public var initial: StatusDefinition? { statuses.first }
    public func status(_ name: String) -> StatusDefinition? { statuses.first { $0.name == name } }
    public func actions(from status: String) -> [ActionDefinition] { actions.filter { $0.from == status } }
}

// MARK: permissions

public enum AppRight: String, Sendable, Hashable, Codable, CaseIterable {
    case view, add, edit, delete, manage, importRecords = "import", exportRecords = "export"
    public var labelJa: String {
        switch self { case .view: "閲覧"; case .add: "追加"; case .edit: "編集"; case .delete: "削除"; case .manage: "アプリ管理"; case .importRecords: "読み込み"; case .exportRecords: "書き出し" }
    }
    public var labelEn: String {
        switch self { case .view: "View"; case .add: "Add"; case .edit: "Edit"; case .delete: "Delete"; case .manage: "Manage app"; case .importRecords: "Import"; case .exportRecords: "Export" }
    }
}

public struct AppGrant: Sendable, Hashable, Codable {
    public var party: Party
    public var rights: [AppRight]
    public init(party: Party, rights: [AppRight]) { self.party = party; self.rights = rights }
}

/// Which records a party may see and edit: a condition in the query language (`department = MYDEPARTMENT()`), empty
/// for all records. Rules add up: a record is visible when any rule for one of the caller's parties matches it.
public struct RecordRule: Sendable, Hashable, Codable {
    public var condition: String
    public var parties: [Party]
    public var edit: Bool
    public init(condition: String, parties: [Party], edit: Bool) { self.condition = condition; self.parties = parties; self.edit = edit }
}

public enum FieldAccess: String, Sendable, Hashable, Codable, Comparable {
    case none, read, write
    public static func < (a: FieldAccess, b: FieldAccess) -> Bool {
        let order: [FieldAccess] = [.none, .read, .write]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// A field's access for some parties. A field with rules gives the best access among the rules naming one of the
/// caller's parties, and none when no rule names them; a field without rules is writable by whoever may edit.
public struct FieldRule: Sendable, Hashable, Codable {
    public var field: String
    public var parties: [Party]
    public var access: FieldAccess
    public init(field: String, parties: [Party], access: FieldAccess) { self.field = field; self.parties = parties; self.access = access }
}

public struct AppPermissions: Sendable, Hashable, Codable {
    public var roles: [AppRole]
    public var app: [AppGrant]
    public var records: [RecordRule]
    public var fields: [FieldRule]
    public init(roles: [AppRole] = [], app: [AppGrant] = [], records: [RecordRule] = [], fields: [FieldRule] = []) {
        self.roles = roles; self.app = app; self.records = records; self.fields = fields
    }
    enum CodingKeys: String, CodingKey { case roles, app, records, fields }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        roles = try c.decodeIfPresent([AppRole].self, forKey: .roles) ?? []
        app = try c.decodeIfPresent([AppGrant].self, forKey: .app) ?? []
        records = try c.decodeIfPresent([RecordRule].self, forKey: .records) ?? []
        fields = try c.decodeIfPresent([FieldRule].self, forKey: .fields) ?? []
    }
}

// MARK: views

public struct ViewDefinition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable { case list, kanban, calendar, chart }
    public var name: String
    public var kind: Kind
    /// list: the columns shown; kanban/calendar: the fields shown on each card
    public var columns: [String]
    /// a condition in the query language, with optional `order by`
    public var query: String
    /// calendar: the date field
    public var dateField: String?
    public var chart: ChartSpec?
    public init(name: String, kind: Kind, columns: [String] = [], query: String = "", dateField: String? = nil, chart: ChartSpec? = nil) {
        self.name = name; self.kind = kind; self.columns = columns; self.query = query; self.dateField = dateField; self.chart = chart
    }
    enum CodingKeys: String, CodingKey { case name, kind, columns, query, dateField, chart }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        columns = try c.decodeIfPresent([String].self, forKey: .columns) ?? []
        query = try c.decodeIfPresent(String.self, forKey: .query) ?? ""
        dateField = try c.decodeIfPresent(String.self, forKey: .dateField)
        chart = try c.decodeIfPresent(ChartSpec.self, forKey: .chart)
    }
}

public struct ChartSpec: Sendable, Hashable, Codable {
    public enum Aggregate: String, Sendable, Hashable, Codable, CaseIterable { case count, sum, average }
    public enum Period: String, Sendable, Hashable, Codable { case month, year }
    public enum Shape: String, Sendable, Hashable, Codable { case bar, stacked, line }
    public struct Group: Sendable, Hashable, Codable {
        public var field: String
        /// for a date field: group by its month or year
        public var period: Period?
        public init(field: String, period: Period? = nil) { self.field = field; self.period = period }
    }
    public var aggregate: Aggregate
    /// the number field summed or averaged (none for count)
    public var field: String?
    /// one or two groupings
    public var groups: [Group]
    public var shape: Shape
    public init(aggregate: Aggregate, field: String? = nil, groups: [Group], shape: Shape = .bar) {
        self.aggregate = aggregate; self.field = field; self.groups = groups; self.shape = shape
    }
}

// MARK: the app

/// An app: its fields, form layout, process, views and permissions. Stored as this value (JSON) with a revision; a
/// template file is the same value without records.
public struct AppDefinition: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    public var description: String
    public var fields: [FieldDefinition]
    /// rows of the form, each one or more field codes side by side; fields not placed are shown after, one per row
    public var layout: [[String]]
    public var process: ProcessDefinition?
    public var views: [ViewDefinition]
    public var permissions: AppPermissions
    /// the field shown as a record's title in lists, links and kanban cards
    public var titleField: String?
    /// codes of fields that were removed: never reused, so old values in history are never read as another field
    public var retiredFields: [String]

    public init(code: String, name: String, description: String = "", fields: [FieldDefinition], layout: [[String]] = [],
                process: ProcessDefinition? = nil, views: [ViewDefinition] = [], permissions: AppPermissions = AppPermissions(),
                titleField: String? = nil, retiredFields: [String] = []) {
        self.code = code; self.name = name; self.description = description; self.fields = fields; self.layout = layout
        self.process = process; self.views = views; self.permissions = permissions; self.titleField = titleField
        self.retiredFields = retiredFields
    }

    enum CodingKeys: String, CodingKey { case code, name, description, fields, layout, process, views, permissions, titleField, retiredFields }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        fields = try c.decode([FieldDefinition].self, forKey: .fields)
        layout = try c.decodeIfPresent([[String]].self, forKey: .layout) ?? []
        process = try c.decodeIfPresent(ProcessDefinition.self, forKey: .process)
        views = try c.decodeIfPresent([ViewDefinition].self, forKey: .views) ?? []
        permissions = try c.decodeIfPresent(AppPermissions.self, forKey: .permissions) ?? AppPermissions()
        titleField = try c.decodeIfPresent(String.self, forKey: .titleField)
        retiredFields = try c.decodeIfPresent([String].self, forKey: .retiredFields) ?? []
    }

    public func field(_ code: String) -> FieldDefinition? { fields.first { $0.code == code } }

    /// The form's rows: the layout, then every field it did not place, one per row.
    public var formRows: [[FieldDefinition]] {
        var placed = Set<String>()
        var rows: [[FieldDefinition]] = layout.map { row in row.compactMap { c in placed.contains(c) ? nil : field(c).map { placed.insert(c); return $0 } } }
        rows = rows.filter { !$0.isEmpty }
        for f in fields where !placed.contains(f.code) { rows.append([f]) }
        return rows
    }

    public static let maxFields = 200
}

import Foundation
import YakubaCore

/// A value bound to a SQL placeholder.
public enum SQLBind: Sendable, Hashable {
    case text(String)
    case double(Double)
    case int(Int)
}

/// A piece of SQL with its binds, placeholders written as `?` (the server renumbers them for PostgreSQL).
public struct SQLFragment: Sendable, Hashable {
    public var sql: String
    public var binds: [SQLBind]
    public init(_ sql: String, _ binds: [SQLBind] = []) { self.sql = sql; self.binds = binds }
    public static let `true` = SQLFragment("1=1")
    public static let `false` = SQLFragment("1=0")
    public static func join(_ parts: [SQLFragment], _ op: String) -> SQLFragment {
        guard parts.count > 1 else { return parts.first ?? (op == "AND" ? .true : .false) }
        return SQLFragment("(" + parts.map(\.sql).joined(separator: " \(op) ") + ")", parts.flatMap(\.binds))
    }
}

/// Compiles queries, record rules and sorts into SQL over `app_records r`, so permissions and filters run in the
/// database (never by filtering after loading). Field values live in `r.data` (JSON on SQLite, jsonb on PostgreSQL);
/// each field's extraction is written exactly as the app's expression indexes are, so the planner uses them.
public struct RecordSQL: Sendable {
    public enum Dialect: Sendable { case sqlite, postgres }
    public let dialect: Dialect
    public let app: AppDefinition
    public let types: [String: FieldType]
    /// Conditions written so that no index matches them (PostgreSQL): the list then walks the index of its sort order and
    /// stops at the page, instead of reading every match of a broad filter and sorting it. PostgreSQL keeps no statistics
    /// for the expressions of partial indexes, so it cannot tell a broad filter from a narrow one by itself.
    public var avoidIndexes = false
    /// With `avoidIndexes`, the field whose index the list walks: a condition on it stays indexable (a range on the sort
    /// order's own field is where the walk starts).
    public var walkedField: String? = nil

    public init(dialect: Dialect, app: AppDefinition) {
        self.dialect = dialect; self.app = app; types = app.queryTypes
    }

    /// What a query's values refer to at run time.
    public struct Context: Sendable {
        public var caller: AppCaller
        public var today: CalendarDate
        public var zone: TimeZone
        /// a staff number or id → the staff id (nil when there is no such person)
        public var staff: @Sendable (String) -> UUID?
        /// a department id or name → its id
        public var department: @Sendable (String) -> UUID?
        public init(caller: AppCaller, today: CalendarDate, zone: TimeZone, staff: @escaping @Sendable (String) -> UUID?, department: @escaping @Sendable (String) -> UUID?) {
            self.caller = caller; self.today = today; self.zone = zone; self.staff = staff; self.department = department
        }
    }

    /// The SQL expression of a field's value, as its indexes are written (numbers compare as numbers on both engines);
    /// with `avoidIndexes`, the same value in a form no index matches.
    public func column(_ field: String) -> String {
        let c = indexedColumn(field)
        guard avoidIndexes, dialect == .postgres, field != walkedField, field != SystemField.assignee.rawValue, field != SystemField.recordNumber.rawValue else { return c }
        let type = SystemField(rawValue: field)?.valueType ?? types[field] ?? .text
        switch type {
        case .number, .money: return "(\(c) + 0)"
        case .multiChoice, .attachment, .subtable: return c
        default: return "(\(c) || '')"
        }
    }

    func indexedColumn(_ field: String) -> String {
        if let s = SystemField(rawValue: field) {
            switch s {
            case .recordNumber: return "r.number"
            case .status: return "r.status"
            case .createdBy: return "r.created_by"
            case .createdAt: return "r.created_at"
            case .updatedBy: return "r.updated_by"
            case .updatedAt: return "r.updated_at"
            case .assignee: return "r.id"
            }
        }
        return Self.extraction(field, types[field] ?? .text, dialect)
    }

    /// `json_extract(data, '$.code')` on SQLite; `(data->>'code')` (cast to numeric for numbers) on PostgreSQL.
    /// The code is checked (ASCII letters, digits, _), so it is safe inside the literal.
    public static func extraction(_ field: String, _ type: FieldType, _ dialect: Dialect, alias: String = "r.") -> String {
        precondition(FieldCode.isValid(field))
        switch dialect {
        case .sqlite: return "json_extract(\(alias)data, '$.\(field)')"
        case .postgres:
            switch type {
            case .number, .money: return "((\(alias)data->>'\(field)')::numeric)"
            case .multiChoice, .attachment, .subtable: return "(\(alias)data->'\(field)')"
            default: return "(\(alias)data->>'\(field)')"
            }
        }
    }

    enum Range { case exact(SQLBind), days(String, String) }

    public func condition(_ c: RecordQuery.Condition, _ ctx: Context) throws(AppProblem) -> SQLFragment {
        switch c {
        case .all(let cs): return SQLFragment.join(try cs.map { c throws(AppProblem) in try condition(c, ctx) }, "AND")
        case .any(let cs): return SQLFragment.join(try cs.map { c throws(AppProblem) in try condition(c, ctx) }, "OR")
        case .empty(let f, let negated):
            if f == SystemField.assignee.rawValue {
                return SQLFragment("\(negated ? "" : "NOT ")EXISTS (SELECT 1 FROM app_record_assignees a WHERE a.record_id = r.id)")
            }
            return SQLFragment("\(column(f)) IS \(negated ? "NOT " : "")NULL")
        case .like(let f, let text, let negated):
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let op = dialect == .postgres ? "ILIKE" : "LIKE"
            let col = column(f)
            let sql = negated ? "(\(col) IS NULL OR \(col) NOT \(op) ? ESCAPE '\\')" : "\(col) \(op) ? ESCAPE '\\'"
            return SQLFragment(sql, [.text("%" + escaped + "%")])
        case .within(let f, let values, let negated):
            let t = types[f] ?? .text
            var binds: [SQLBind] = []
            for v in values {
                if case .myDepartment = v { binds += ctx.caller.departmentIds.map { .text($0.uuidString.lowercased()) }; continue }
                binds.append(try bind(f, t, v, ctx))
            }
            if binds.isEmpty { return negated ? .true : .false }
            let marks = Array(repeating: "?", count: binds.count).joined(separator: ", ")
            if f == SystemField.assignee.rawValue {
                return SQLFragment("\(negated ? "NOT " : "")EXISTS (SELECT 1 FROM app_record_assignees a WHERE a.record_id = r.id AND a.staff_id IN (\(marks)))", binds)
            }
            if t == .multiChoice {
                let any = dialect == .sqlite
                    ? "EXISTS (SELECT 1 FROM json_each(r.data, '$.\(f)') j WHERE j.value IN (\(marks)))"
                    : "jsonb_exists_any(r.data->'\(f)', ARRAY[\(marks)]::text[])"
                return SQLFragment(negated ? "NOT \(any)" : any, binds)
            }
            let col = column(f)
            return SQLFragment(negated ? "(\(col) IS NULL OR \(col) NOT IN (\(marks)))" : "\(col) IN (\(marks))", binds)
        case .compare(let f, let op, let v):
            let t = types[f] ?? .text
            if f == SystemField.assignee.rawValue {
                let b = try bind(f, t, v, ctx)
                let exists = "EXISTS (SELECT 1 FROM app_record_assignees a WHERE a.record_id = r.id AND a.staff_id = ?)"
                return SQLFragment(op == .ne ? "NOT " + exists : exists, [b])
            }
            if case .myDepartment = v {
                return try condition(.within(f, [v], negated: op == .ne), ctx)
            }
            let col = column(f)
            if t == .date || t == .dateTime, let (lo, hi) = try dayRange(t, v, ctx) {
                switch op {
                case .eq: return SQLFragment("(\(col) >= ? AND \(col) < ?)", [.text(lo), .text(hi)])
                case .ne: return SQLFragment("(\(col) IS NULL OR \(col) < ? OR \(col) >= ?)", [.text(lo), .text(hi)])
                case .lt: return SQLFragment("\(col) < ?", [.text(lo)])
                case .le: return SQLFragment("\(col) < ?", [.text(hi)])
                case .gt: return SQLFragment("\(col) >= ?", [.text(hi)])
                case .ge: return SQLFragment("\(col) >= ?", [.text(lo)])
                }
            }
            let b = try bind(f, t, v, ctx)
            let rhs = (t == .number || t == .money) && dialect == .postgres && SystemField(rawValue: f) == nil ? "CAST(? AS numeric)" : "?"
            if op == .ne { return SQLFragment("(\(col) IS NULL OR \(col) != \(rhs))", [b]) }
            return SQLFragment("\(col) \(op.rawValue) \(rhs)", [b])
        }
    }

    /// A date value as the half-open range of stored texts it covers: a date field's days, or a date-time field's UTC
    /// instants from the municipality's midnight. Nil for an exact time.
    func dayRange(_ t: FieldType, _ v: RecordQuery.Operand, _ ctx: Context) throws(AppProblem) -> (String, String)? {
        var first: CalendarDate, next: CalendarDate
        switch v {
        case .today: first = ctx.today; next = ctx.today.adding(days: 1)
        case .fromToday(let n): first = ctx.today.adding(days: n); next = first.adding(days: 1)
        case .thisMonth: first = ctx.today.firstOfMonth; next = ctx.today.lastOfMonth.adding(days: 1)
        case .text(let s) where s.count == 10:
            guard let d = CalendarDate(iso: s) else { throw AppProblem("query", "日付「\(s)」を読めません。", "The date \"\(s)\" cannot be read.") }
            first = d; next = d.adding(days: 1)
        default: return nil
        }
        if t == .date { return (first.iso, next.iso) }
        return (RecordValidation.formatInstant(first.instant(atMinute: 0, in: ctx.zone)), RecordValidation.formatInstant(next.instant(atMinute: 0, in: ctx.zone)))
    }

    func bind(_ f: String, _ t: FieldType, _ v: RecordQuery.Operand, _ ctx: Context) throws(AppProblem) -> SQLBind {
        switch (t, v) {
        case (_, .loginUser): return .text(ctx.caller.staffId.uuidString.lowercased())
        case (.number, .number(let d)), (.money, .number(let d)):
            if SystemField(rawValue: f) != nil { return .int(NSDecimalNumber(decimal: d).intValue) }
            return dialect == .postgres ? .text(AppValue.format(d)) : .double(NSDecimalNumber(decimal: d).doubleValue)
        case (.yesNo, .bool(let b)): return dialect == .sqlite ? .int(b ? 1 : 0) : .text(b ? "true" : "false")
        case (.user, .text(let s)):
            guard let id = ctx.staff(s) else { throw AppProblem("query", "職員「\(s)」は見つかりません（職員番号で指定してください）。", "No staff member \"\(s)\" (name them by staff number).") }
            return .text(id.uuidString.lowercased())
        case (.department, .text(let s)):
            guard let id = ctx.department(s) else { throw AppProblem("query", "所属「\(s)」は見つかりません。", "No department \"\(s)\".") }
            return .text(id.uuidString.lowercased())
        case (.link, .text(let s)):
            guard let id = UUID(uuidString: s) else { throw AppProblem("query", "レコード「\(s)」を読めません。", "The record \"\(s)\" cannot be read.") }
            return .text(id.uuidString.lowercased())
        case (.dateTime, .text(let s)):
            guard let d = RecordValidation.parseDateTime(s, zone: ctx.zone) else { throw AppProblem("query", "日時「\(s)」を読めません。", "The time \"\(s)\" cannot be read.") }
            return .text(RecordValidation.formatInstant(d))
        case (_, .text(let s)): return .text(s)
        case (_, .number(let d)): return .text(AppValue.format(d))
        default:
            throw AppProblem("query", "「\(f)」とその値は比べられません。", "That value cannot be compared with \"\(f)\".")
        }
    }

    // MARK: permissions

    /// The records the caller may see (or edit): any record rule naming one of their parties whose condition matches.
    /// An app without record rules lets whoever has the app right see (edit) every record.
    public func visible(_ ctx: Context, edit: Bool = false) throws(AppProblem) -> SQLFragment {
        let rules = app.permissions.records.filter { !edit || $0.edit }
        if app.permissions.records.isEmpty { return .true }
        var parts: [SQLFragment] = []
        for r in rules {
            var who: [SQLFragment] = []
            for p in r.parties {
                switch p {
                case .everyone: who.append(.true)
                case .role(let code): if ctx.caller.roles.contains(code) { who.append(.true) }
                case .creator: who.append(SQLFragment("r.created_by = ?", [.text(ctx.caller.staffId.uuidString.lowercased())]))
                case .assignee: who.append(SQLFragment("EXISTS (SELECT 1 FROM app_record_assignees a WHERE a.record_id = r.id AND a.staff_id = ?)", [.text(ctx.caller.staffId.uuidString.lowercased())]))
                case .field(let f): who.append(SQLFragment("\(column(f)) = ?", [.text(ctx.caller.staffId.uuidString.lowercased())]))
                }
            }
            guard !who.isEmpty else { continue }
            let party = who.contains(.true) ? SQLFragment.true : SQLFragment.join(who, "OR")
            if r.condition.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(party); continue }
            let q = try RecordQuery(parsing: r.condition, path: "permissions")
            guard let c = q.condition else { parts.append(party); continue }
            let cond = try condition(c, ctx)
            parts.append(party == .true ? cond : SQLFragment.join([party, cond], "AND"))
        }
        if parts.contains(.true) { return .true }
        return parts.isEmpty ? .false : SQLFragment.join(parts, "OR")
    }

    // MARK: sorting and cursors

    /// The list's order: the sorts asked for, then the record number (unique in the app) so pages never overlap.
    /// Empty values sort as the smallest on both engines.
    public func orderBy(_ sorts: [RecordQuery.Sort]) -> String {
        var keys = sorts.filter { $0.field != SystemField.recordNumber.rawValue && $0.field != SystemField.assignee.rawValue }
            .map { s in "\(indexedColumn(s.field)) \(s.descending ? "DESC" : "ASC")\(nulls(s.descending))" }
        let lastDesc = sorts.first(where: { $0.field == SystemField.recordNumber.rawValue })?.descending ?? sorts.first?.descending ?? true
        keys.append("r.number \(lastDesc ? "DESC" : "ASC")")
        return keys.joined(separator: ", ")
    }

    func nulls(_ descending: Bool) -> String {
        dialect == .postgres ? (descending ? " NULLS LAST" : " NULLS FIRST") : ""
    }

    /// The keys a cursor carries: the sorted fields' values of the last row shown, then its record number.
    public func cursorKeys(_ sorts: [RecordQuery.Sort]) -> [(column: String, descending: Bool, numeric: Bool)] {
        var keys = sorts.filter { $0.field != SystemField.recordNumber.rawValue && $0.field != SystemField.assignee.rawValue }
            .map { s in (indexedColumn(s.field), s.descending, [.number, .money].contains(types[s.field] ?? .text)) }
        let lastDesc = sorts.first(where: { $0.field == SystemField.recordNumber.rawValue })?.descending ?? sorts.first?.descending ?? true
        keys.append(("r.number", lastDesc, true))
        return keys
    }

    /// Rows after the cursor's, in the list's order. `values` are the cursor's keys (nil for an empty value).
    public func after(_ sorts: [RecordQuery.Sort], values: [AppValue]) -> SQLFragment? {
        let keys = cursorKeys(sorts)
        guard values.count == keys.count else { return nil }
        func b(_ v: AppValue, numeric: Bool) -> SQLBind? {
            switch v {
            case .number(let d): return numeric && dialect == .postgres ? .text(AppValue.format(d)) : .double(NSDecimalNumber(decimal: d).doubleValue)
            case .text(let s): return .text(s)
            case .bool(let x): return dialect == .sqlite ? .int(x ? 1 : 0) : .text(x ? "true" : "false")
            default: return nil
            }
        }
        // after (k1, k2, …, n) = k1 beyond v1, or k1 equal and (k2 beyond …); empty values are the smallest
        var tail: SQLFragment? = nil
        for (i, key) in keys.enumerated().reversed() {
            let v = values[i]
            let rhs = key.numeric && dialect == .postgres && key.column != "r.number" ? "CAST(? AS numeric)" : "?"
            var beyond: SQLFragment, equal: SQLFragment
            if v == .null {
                beyond = key.descending ? .false : SQLFragment("\(key.column) IS NOT NULL")
                equal = SQLFragment("\(key.column) IS NULL")
            } else {
                guard let bound = b(v, numeric: key.numeric) else { return nil }
                if key.column == "r.number" {
                    guard case .number(let n) = v else { return nil }
                    beyond = SQLFragment("r.number \(key.descending ? "<" : ">") ?", [.int(NSDecimalNumber(decimal: n).intValue)])
                    _ = bound
                    equal = .false
                    tail = beyond
                    continue
                }
                beyond = key.descending ? SQLFragment("(\(key.column) < \(rhs) OR \(key.column) IS NULL)", [bound]) : SQLFragment("\(key.column) > \(rhs)", [bound])
                equal = SQLFragment("\(key.column) = \(rhs)", [bound])
            }
            if let t = tail { tail = SQLFragment.join([beyond, SQLFragment.join([equal, t], "AND")], "OR") } else { tail = beyond }
        }
        return tail
    }
}

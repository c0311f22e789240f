import Foundation
import Fluent
import SQLKit
import YakubaCore

extension Database {
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

enum MunicipalityRepository {
    static func all(_ sql: any SQLDatabase) async throws -> [MunicipalityRow] {
        try await sql.select().column("*").from("municipalities").orderBy("code").all(decoding: MunicipalityRow.self, with: rowDecoder)
    }
    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> MunicipalityRow? {
        try await sql.select().column("*").from("municipalities").where("id", .equal, SQLBind(id)).first(decoding: MunicipalityRow.self, with: rowDecoder)
    }
}

enum DepartmentRepository {
    static func all(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [DepartmentRow] {
        try await sql.select().column("*").from("departments").where("municipality_id", .equal, SQLBind(municipalityId))
            .orderBy("code").all(decoding: DepartmentRow.self, with: rowDecoder)
    }
    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> DepartmentRow? {
        try await sql.select().column("*").from("departments").where("id", .equal, SQLBind(id)).first(decoding: DepartmentRow.self, with: rowDecoder)
    }
}

/// The department tree of one municipality, for scopes and for labels such as 「総務部 人事課」.
struct DepartmentTree: Sendable {
    let rows: [UUID: DepartmentRow]
    let children: [UUID: [UUID]]
    let ordered: [DepartmentRow]

    init(_ list: [DepartmentRow]) {
        var r: [UUID: DepartmentRow] = [:]; var c: [UUID: [UUID]] = [:]
        for d in list { r[d.id] = d; if let p = d.parentId { c[p, default: []].append(d.id) } }
        rows = r; children = c
        // depth-first, by code
        var out: [DepartmentRow] = []
        func visit(_ d: DepartmentRow) { out.append(d); for id in (c[d.id] ?? []).sorted(by: { r[$0]!.code < r[$1]!.code }) { visit(r[id]!) } }
        for d in list.filter({ $0.parentId == nil || r[$0.parentId!] == nil }).sorted(by: { $0.code < $1.code }) { visit(d) }
        ordered = out
    }

    /// The departments and all below them.
    func descendants(of ids: some Sequence<UUID>) -> Set<UUID> {
        var out = Set<UUID>(); var stack = Array(ids)
        while let id = stack.popLast() { if out.insert(id).inserted { stack += children[id] ?? [] } }
        return out
    }

    func path(_ id: UUID?) -> String {
        guard var cur = id.flatMap({ rows[$0] }) else { return "" }
        var names = [cur.name]
        while let p = cur.parentId, let pr = rows[p] { names.insert(pr.name, at: 0); cur = pr }
        return names.joined(separator: " ")
    }
    /// Options for a department <select>, indented by depth, limited to `visible` (nil = all) and `filter`.
    func options(visible: Set<UUID>? = nil, where filter: (DepartmentRow) -> Bool = { _ in true }) -> [(value: String, label: String)] {
        ordered.filter { d in (visible.map { $0.contains(d.id) } ?? true) && filter(d) }
            .map { ($0.id.uuidString, String(repeating: "　", count: depth($0.id)) + $0.name) }
    }

    /// The 課 each department counts in: itself at 課 level or above (a 部's own staff count for the 部), else the 課 above it.
    /// Rankings and the sections' condition group by it.
    var sectionOf: [UUID: UUID] {
        var out: [UUID: UUID] = [:]
        for d in ordered {
            var cur = d
            while cur.level > 2, let parent = cur.parentId.flatMap({ rows[$0] }) { cur = parent }
            out[d.id] = cur.id
        }
        return out
    }

    /// The 特定事業主 a department's staff belong to: its own, else the nearest above it, else 市長部局.
    func employer(_ id: UUID?) -> Employer {
        var cur = id.flatMap { rows[$0] }
        while let d = cur {
            if let e = d.employer.flatMap(Employer.init(rawValue:)) { return e }
            cur = d.parentId.flatMap { rows[$0] }
        }
        return .mayor
    }

    func depth(_ id: UUID) -> Int {
        var d = 0; var cur = rows[id]
        while let p = cur?.parentId, let pr = rows[p] { d += 1; cur = pr }
        return d
    }
}

/// The municipality column for a query of a few people's rows: on SQLite `+municipality_id`, which keeps the planner from
/// walking the (municipality, …) index through the whole city's rows to avoid a sort (without ANALYZE statistics it
/// prefers that index); the (staff, …) index is walked instead. Plain on PostgreSQL, whose planner has statistics.
func municipalityTerm(_ sql: any SQLDatabase) -> any SQLExpression {
    sql.dialect.name == "sqlite" ? SQLRaw("+\"municipality_id\"") : SQLIdentifier("municipality_id")
}

enum StaffRepository {
    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> StaffRow? {
        try await sql.select().column("*").from("staff").where("id", .equal, SQLBind(id)).first(decoding: StaffRow.self, with: rowDecoder)
    }
    static func find(_ sql: any SQLDatabase, municipalityId: UUID, staffNumber: String) async throws -> StaffRow? {
        try await sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(municipalityId))
            .where("staff_number", .equal, SQLBind(staffNumber)).first(decoding: StaffRow.self, with: rowDecoder)
    }
    /// Login names are 職員番号; with several municipalities in one installation a number may repeat, so all matches are returned.
    static func findAll(_ sql: any SQLDatabase, staffNumber: String) async throws -> [StaffRow] {
        try await sql.select().column("*").from("staff").where("staff_number", .equal, SQLBind(staffNumber))
            .all(decoding: StaffRow.self, with: rowDecoder)
    }
    static func find(_ sql: any SQLDatabase, ids: some Collection<UUID>) async throws -> [UUID: StaffRow] {
        try await rows(sql, from: "staff", where: "id", in: ids, as: StaffRow.self, id: \.id)
    }
    static func approverDepartments(_ sql: any SQLDatabase, staffId: UUID) async throws -> [UUID] {
        try await sql.select().column("department_id").from("approver_departments").where("staff_id", .equal, SQLBind(staffId))
            .all(decodingColumn: "department_id", as: UUID.self)
    }

    struct ListFilter: Sendable {
        var municipalityId: UUID
        /// nil = every department the viewer may see
        var departmentIds: Set<UUID>?
        var employmentType: EmploymentType?
        var query: String?
        var includeInactive = false
    }

    private static func apply(_ f: ListFilter, to q: SQLSelectBuilder) -> SQLSelectBuilder {
        // some departments: their (department) index, not the whole city's
        var q = q.where(f.departmentIds == nil ? SQLIdentifier("municipality_id") : municipalityTerm(q.database), .equal, SQLBind(f.municipalityId))
        if let d = f.departmentIds { q = q.where("department_id", .in, SQLBind.group(Array(d))) }
        if let e = f.employmentType { q = q.where("employment_type", .equal, SQLBind(e.rawValue)) }
        if !f.includeInactive { q = q.where("active", .equal, SQLBind(true)) }
        if let s = f.query?.trimmingCharacters(in: .whitespaces), !s.isEmpty {
            let like = "%" + s.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            q = q.where { w in
                w.where("staff_number", .like, SQLBind(like)).orWhere("family_name", .like, SQLBind(like))
                    .orWhere("given_name", .like, SQLBind(like)).orWhere("family_kana", .like, SQLBind(like))
                    .orWhere("given_kana", .like, SQLBind(like))
            }
        }
        return q
    }

    static func count(_ sql: any SQLDatabase, _ f: ListFilter) async throws -> Int {
        let row = try await apply(f, to: sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("staff")).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// A page, sorted by the kana reading (not by kanji), then 職員番号.
    static func page(_ sql: any SQLDatabase, _ f: ListFilter, limit: Int, offset: Int) async throws -> [StaffRow] {
        try await apply(f, to: sql.select().column("*").from("staff"))
            .orderBy("family_kana").orderBy("given_kana").orderBy("staff_number")
            .limit(limit).offset(offset).all(decoding: StaffRow.self, with: rowDecoder)
    }
}

enum PunchRepository {
    static func punches(_ sql: any SQLDatabase, staffIds: [UUID], fromMs: Int64, toMs: Int64) async throws -> [PunchRow] {
        guard !staffIds.isEmpty else { return [] }
        return try await sql.select().column("*").from("punches")
            .where("staff_id", .in, SQLBind.group(staffIds))
            .where("at_ms", .greaterThanOrEqual, SQLBind(fromMs)).where("at_ms", .lessThan, SQLBind(toMs))
            .orderBy("at_ms").all(decoding: PunchRow.self, with: rowDecoder)
    }
    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> PunchRow? {
        try await sql.select().column("*").from("punches").where("id", .equal, SQLBind(id)).first(decoding: PunchRow.self, with: rowDecoder)
    }
    static func find(_ sql: any SQLDatabase, ids: some Collection<UUID>) async throws -> [UUID: PunchRow] {
        try await rows(sql, from: "punches", where: "id", in: ids, as: PunchRow.self, id: \.id)
    }
}

enum CorrectionRepository {
    /// Corrections of one or more persons whose new time, or whose request, falls in the window; with their decisions.
    static func corrections(sql: any SQLDatabase, staffIds: [UUID], fromMs: Int64, toMs: Int64?) async throws -> [UUID: [PunchCorrection]] {
        guard !staffIds.isEmpty else { return [:] }
        var q = sql.select().column("*").from("corrections").where("staff_id", .in, SQLBind.group(staffIds))
        q = q.where { w in
            var inner = w.where("at_ms", .greaterThanOrEqual, SQLBind(fromMs)).orWhere("requested_at_ms", .greaterThanOrEqual, SQLBind(fromMs))
            inner = inner.orWhere("at_ms", .is, SQLLiteral.null)
            return inner
        }
        if let t = toMs { q = q.where { $0.where("at_ms", .lessThan, SQLBind(t)).orWhere("at_ms", .is, SQLLiteral.null) } }
        let rows = try await q.all(decoding: CorrectionRow.self, with: rowDecoder)
        let decisions = try await self.decisions(sql, ids: rows.map(\.id))
        var out: [UUID: [PunchCorrection]] = [:]
        for r in rows { out[r.staffId, default: []].append(correction(r, decisions[r.id])) }
        return out
    }

    static func corrections(sql: any SQLDatabase, staffId: UUID, fromMs: Int64, toMs: Int64?) async throws -> [PunchCorrection] {
        try await corrections(sql: sql, staffIds: [staffId], fromMs: fromMs, toMs: toMs)[staffId] ?? []
    }

    static func decisions(_ sql: any SQLDatabase, ids: [UUID]) async throws -> [UUID: DecisionRow] {
        try await rows(sql, from: "correction_decisions", where: "correction_id", in: ids, as: DecisionRow.self, id: \.correctionId)
    }


    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> PunchCorrection? {
        guard let r = try await sql.select().column("*").from("corrections").where("id", .equal, SQLBind(id))
            .first(decoding: CorrectionRow.self, with: rowDecoder) else { return nil }
        return correction(r, try await decisions(sql, ids: [id])[id])
    }

    /// Requests of the given persons, newest first, with their decisions.
    static func list(_ sql: any SQLDatabase, staffIds: [UUID]?, municipalityId: UUID, pendingOnly: Bool, limit: Int) async throws -> [PunchCorrection] {
        var q = sql.select().column("*").from("corrections").where("municipality_id", .equal, SQLBind(municipalityId))
        if let ids = staffIds { if ids.isEmpty { return [] }; q = q.where("staff_id", .in, SQLBind.group(ids)) }
        let rows = try await q.orderBy("requested_at_ms", .descending).limit(pendingOnly ? 5000 : limit).all(decoding: CorrectionRow.self, with: rowDecoder)
        let d = try await decisions(sql, ids: rows.map(\.id))
        var out = rows.map { correction($0, d[$0.id]) }
        if pendingOnly { out = out.filter { $0.status == .pending } }
        return Array(out.prefix(limit))
    }
}

enum DayMarkRepository {
    static func marks(_ sql: any SQLDatabase, staffIds: [UUID], from: CalendarDate, to: CalendarDate) async throws -> [UUID: [DayMark]] {
        guard !staffIds.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from("day_marks").where("staff_id", .in, SQLBind.group(staffIds))
            .where("date", .greaterThanOrEqual, SQLBind(from.iso)).where("date", .lessThanOrEqual, SQLBind(to.iso))
            .all(decoding: DayMarkRow.self, with: rowDecoder)
        var out: [UUID: [DayMark]] = [:]
        for r in rows {
            guard let d = CalendarDate(iso: r.date), let c = DayMarkCode(rawValue: r.code) else { continue }
            out[r.staffId, default: []].append(DayMark(date: d, code: c, minutes: r.minutes))
        }
        return out
    }
}

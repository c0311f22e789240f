import Foundation
import SQLKit
import YakubaCore

struct DepartmentWorkloadRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var departmentId: UUID
    /// a `DepartmentWorkload` raw value, or `agreement_36` with the agreement in `agreement`
    var workload: String
    var fromMonth: String
    var setBy: UUID
    var setAtMs: Int64
    /// the 36協定 as JSON, for `agreement_36`
    var agreement: String? = nil

    static let agreementKind = "agreement_36"

    /// The rule set this designation puts its departments under (nil: not readable).
    var regime: OvertimeRegime? {
        if workload == Self.agreementKind {
            return agreement.flatMap { try? JSONDecoder().decode(LaborAgreement36.self, from: Data($0.utf8)) }.map(OvertimeRegime.agreement)
        }
        return DepartmentWorkload(rawValue: workload).map(OvertimeRegime.workload)
    }
}

struct OvertimeOrderRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var departmentId: UUID?
    var date: String
    var startMinute: Int
    var endMinute: Int
    var reason: String
    var urgent: Bool
    var specialCase: Bool
    var specialReason: String?
    var orderedBy: UUID
    var orderedAtMs: Int64

    var range: MinuteRange { MinuteRange(start: startMinute, end: endMinute) }
    var day: CalendarDate? { CalendarDate(iso: date) }
}

struct OvertimeEventRow: Codable, Sendable, Hashable {
    var id: UUID
    var orderId: UUID
    var kind: String
    var startMinute: Int?
    var endMinute: Int?
    var note: String
    var actorId: UUID
    var atMs: Int64

    var range: MinuteRange? { startMinute.flatMap { s in endMinute.map { MinuteRange(start: s, end: $0) } } }
}

struct OvertimeExemptionRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var reason: String
    var fromDate: String
    var toDate: String
    var recordedBy: UUID
    var recordedAtMs: Int64

    var exemption: OvertimeExemption? {
        guard let r = OvertimeExemptionReason(rawValue: reason), let f = CalendarDate(iso: fromDate), let t = CalendarDate(iso: toDate) else { return nil }
        return OvertimeExemption(reason: r, from: f, to: t)
    }
}

struct OvertimeAnalysisRow: Codable, Sendable, Hashable {
    var id: UUID; var municipalityId: UUID; var staffId: UUID; var fiscalYear: Int; var factors: String; var analysis: String
    var verification: String; var recordedBy: UUID; var recordedAtMs: Int64
}

/// What the close needs of an order: whose, which day, where it stands and what it pays.
struct CloseOrder: Sendable, Hashable {
    var id: UUID
    var staffId: UUID
    var date: CalendarDate
    var status: OvertimeOrderRecord.Status
    var paidRange: MinuteRange?

    init(id: UUID, staffId: UUID, date: CalendarDate, status: OvertimeOrderRecord.Status, paidRange: MinuteRange?) {
        self.id = id; self.staffId = staffId; self.date = date; self.status = status; self.paidRange = paidRange
    }
    init?(_ r: OvertimeOrderRecord) {
        guard let d = r.order.day else { return nil }
        self.init(id: r.order.id, staffId: r.order.staffId, date: d, status: r.status, paidRange: r.paidRange)
    }
}

/// An order with what happened to it since.
struct OvertimeOrderRecord: Sendable, Hashable {
    enum Status: String, Sendable { case ordered, reported, confirmed, cancelled
        var labelJa: String { switch self { case .ordered: "命令済（報告待ち）"; case .reported: "報告済（確認待ち）"; case .confirmed: "確認済"; case .cancelled: "取消" } }
        var labelEn: String { switch self { case .ordered: "Ordered (awaiting report)"; case .reported: "Reported (awaiting confirmation)"; case .confirmed: "Confirmed"; case .cancelled: "Cancelled" } }
    }
    var order: OvertimeOrderRow
    var report: OvertimeEventRow?
    var confirmation: OvertimeEventRow?
    var cancellation: OvertimeEventRow?

    var status: Status { Self.status(reported: report != nil, confirmed: confirmation != nil, cancelled: cancellation != nil) }
    /// The paid time: confirmed, or as reported, or (before a report) as ordered.
    var paidRange: MinuteRange? {
        Self.paidRange(status: status, ordered: order.range, urgent: order.urgent, reported: report?.range, confirmed: confirmation?.range)
    }

    static func status(reported: Bool, confirmed: Bool, cancelled: Bool) -> Status {
        cancelled ? .cancelled : confirmed ? .confirmed : reported ? .reported : .ordered
    }
    static func paidRange(status: Status, ordered: MinuteRange, urgent: Bool, reported: MinuteRange?, confirmed: MinuteRange?) -> MinuteRange? {
        switch status {
        case .cancelled: nil
        case .confirmed: confirmed
        case .reported: reported.flatMap { OvertimeOrders.paidRange(ordered: ordered, actual: $0, urgent: urgent) }
        case .ordered: ordered
        }
    }
    /// The minutes the limits count for this order.
    var countedMinutes: Int { paidRange?.length ?? 0 }
}

enum OvertimeRepository {
    static func workloads(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [DepartmentWorkloadRow] {
        try await sql.select().column("*").from("department_workloads").where("municipality_id", .equal, SQLBind(municipalityId))
            .orderBy("set_at_ms").all(decoding: DepartmentWorkloadRow.self, with: rowDecoder)
    }

    /// Orders (with their events) of the given people, or of the whole municipality when `staffIds` is nil, dated `from`…`to`.
    static func orders(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]?, from: CalendarDate, to: CalendarDate,
                       limit: Int = 20_000) async throws -> [OvertimeOrderRecord] {
        var rows: [OvertimeOrderRow] = []
        func query() -> SQLSelectBuilder {
            sql.select().column("*").from("overtime_orders").where("municipality_id", .equal, SQLBind(municipalityId))
                .where("date", .greaterThanOrEqual, SQLBind(from.iso)).where("date", .lessThanOrEqual, SQLBind(to.iso))
        }
        if let ids = staffIds {
            for chunk in ids.chunked(500) where !chunk.isEmpty {
                rows += try await query().where("staff_id", .in, SQLBind.group(chunk)).orderBy("date").orderBy("start_minute").limit(limit)
                    .all(decoding: OvertimeOrderRow.self, with: rowDecoder)
            }
        } else {
            rows = try await query().orderBy("date").orderBy("start_minute").limit(limit).all(decoding: OvertimeOrderRow.self, with: rowDecoder)
        }
        return try await withEvents(sql, rows)
    }

    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> OvertimeOrderRecord? {
        guard let row = try await sql.select().column("*").from("overtime_orders").where("id", .equal, SQLBind(id))
            .first(decoding: OvertimeOrderRow.self, with: rowDecoder) else { return nil }
        return try await withEvents(sql, [row]).first
    }

    static func withEvents(_ sql: any SQLDatabase, _ rows: [OvertimeOrderRow]) async throws -> [OvertimeOrderRecord] {
        var events: [UUID: [OvertimeEventRow]] = [:]
        for chunk in rows.map(\.id).chunked(500) where !chunk.isEmpty {
            for e in try await sql.select().column("*").from("overtime_order_events").where("order_id", .in, SQLBind.group(chunk))
                .all(decoding: OvertimeEventRow.self, with: rowDecoder) { events[e.orderId, default: []].append(e) }
        }
        return rows.map { r in
            let ev = events[r.id] ?? []
            return OvertimeOrderRecord(order: r, report: ev.first { $0.kind == "reported" }, confirmation: ev.first { $0.kind == "confirmed" },
                                       cancellation: ev.first { $0.kind == "cancelled" })
        }
    }

    static func exemptions(_ sql: any SQLDatabase, staffId: UUID) async throws -> [OvertimeExemptionRow] {
        try await sql.select().column("*").from("overtime_exemptions").where("staff_id", .equal, SQLBind(staffId))
            .orderBy("from_date").all(decoding: OvertimeExemptionRow.self, with: rowDecoder)
    }

    static func exemptions(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [OvertimeExemptionRow] {
        try await sql.select().column("*").from("overtime_exemptions").where("municipality_id", .equal, SQLBind(municipalityId))
            .orderBy("from_date", .descending).limit(500).all(decoding: OvertimeExemptionRow.self, with: rowDecoder)
    }

    /// Counted overtime minutes per month for one person, over the months the limits of `month` look at
    /// (the limit year so far and the five months before `month`).
    static func countedMinutes(_ sql: any SQLDatabase, municipalityId: UUID, staffId: UUID, month: YearMonth,
                               rules: OvertimeLimitRules) async throws -> [YearMonth: Int] {
        try await countedMinutes(sql, municipalityId: municipalityId, staffIds: [staffId], month: month, rules: rules)[staffId] ?? [:]
    }

    /// The same for several people, in one query. On SQLite (`sqlitePath`) the orders are read with the bulk reader, a
    /// 課 of hundreds of people has tens of thousands of orders and events in a year.
    static func countedMinutes(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID], month: YearMonth,
                               rules: OvertimeLimitRules, sqlitePath: String? = nil) async throws -> [UUID: [YearMonth: Int]] {
        try await countedMinutes(sql, municipalityId: municipalityId, staffIds: staffIds, from: limitMonths(month, rules: rules).first ?? month,
                                 through: month, sqlitePath: sqlitePath)
    }

    /// How many orders of each person dated `from`…`to` wait for the confirmation of their report: reported, neither
    /// confirmed nor cancelled (`status`), counted in the database.
    static func reportedCounts(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID], from: CalendarDate, to: CalendarDate) async throws -> [UUID: Int] {
        struct Row: Decodable { var staffId: UUID; var n: Int }
        var out: [UUID: Int] = [:]
        for chunk in staffIds.chunked(500) where !chunk.isEmpty {
            let rows = try await sql.select().column(SQLColumn("staff_id", table: "o")).column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from(SQLAlias(SQLIdentifier("overtime_orders"), as: SQLIdentifier("o")))
                .where(municipalityTerm(sql), .equal, SQLBind(municipalityId))
                .where(SQLColumn("staff_id", table: "o"), .in, SQLBind.group(chunk))
                .where(SQLColumn("date", table: "o"), .greaterThanOrEqual, SQLBind(from.iso))
                .where(SQLColumn("date", table: "o"), .lessThanOrEqual, SQLBind(to.iso))
                .where(SQLRaw("EXISTS (SELECT 1 FROM overtime_order_events e WHERE e.order_id = o.id AND e.kind = 'reported')"))
                .where(SQLRaw("NOT EXISTS (SELECT 1 FROM overtime_order_events e WHERE e.order_id = o.id AND e.kind IN ('confirmed', 'cancelled'))"))
                .groupBy(SQLColumn("staff_id", table: "o"))
                .all(decoding: Row.self, with: rowDecoder)
            for r in rows { out[r.staffId] = r.n }
        }
        return out
    }

    /// The months whose counts the limits of `month` need: the limit year up to it and the five before it (2–6-month average).
    static func limitMonths(_ month: YearMonth, rules: OvertimeLimitRules) -> [YearMonth] {
        var first = rules.yearStart(of: month)
        var back = month
        for _ in 0..<5 { back = back.previous }
        if back < first { first = back }
        var out: [YearMonth] = []
        var m = first
        while m <= month { out.append(m); m = m.next }
        return out
    }

    /// The counted minutes of the months `from` … `through` only (read from the orders).
    static func countedMinutes(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID], from: YearMonth, through: YearMonth,
                               sqlitePath: String?) async throws -> [UUID: [YearMonth: Int]] {
        if let path = sqlitePath {
            var out: [UUID: [YearMonth: Int]] = [:]
            for o in try await bulkOrders(path: path, municipalityId: municipalityId, from: from.first, to: through.last, staffIds: staffIds) {
                out[o.staffId, default: [:]][YearMonth(o.date), default: 0] += o.paidRange?.length ?? 0
            }
            return out
        }
        let orders = try await self.orders(sql, municipalityId: municipalityId, staffIds: staffIds, from: from.first, to: through.last, limit: 1_000_000)
        return Dictionary(grouping: orders, by: \.order.staffId).mapValues(perMonth)
    }

    /// `SQLiteBulkReader.closeOrders` for these people, on a thread of its own (it blocks).
    static func bulkOrders(path: String, municipalityId: UUID, from: CalendarDate, to: CalendarDate, staffIds: [UUID]) async throws -> [CloseOrder] {
        try await SQLiteBulkReader.offThread { try SQLiteBulkReader(path: path).closeOrders(municipalityId: municipalityId, from: from, to: to, staffIds: staffIds) }
    }

    static func perMonth(_ orders: [OvertimeOrderRecord]) -> [YearMonth: Int] {
        var out: [YearMonth: Int] = [:]
        for o in orders { if let d = o.order.day { out[YearMonth(d), default: 0] += o.countedMinutes } }
        return out
    }
}

/// Which limit regime applies to a department in a month: its own latest designation from that month or
/// before, else its parent's, up the tree; 自律部署 when none is set.
struct WorkloadMap: Sendable {
    var byDepartment: [UUID: [DepartmentWorkloadRow]]
    var tree: DepartmentTree

    init(_ rows: [DepartmentWorkloadRow], tree: DepartmentTree) {
        var m: [UUID: [DepartmentWorkloadRow]] = [:]
        for r in rows { m[r.departmentId, default: []].append(r) }
        byDepartment = m
        self.tree = tree
    }

    /// The designation set on the department itself for `month`, if any.
    func own(_ departmentId: UUID, month: YearMonth) -> DepartmentWorkloadRow? {
        (byDepartment[departmentId] ?? []).filter { $0.fromMonth <= month.iso }
            .max { ($0.fromMonth, $0.setAtMs) < ($1.fromMonth, $1.setAtMs) }
    }

    /// The rules a department's month is checked against: its own designation, else the nearest above it, else 自律部署.
    func regime(_ departmentId: UUID?, month: YearMonth) -> OvertimeRegime {
        var cur = departmentId
        while let id = cur {
            if let r = own(id, month: month)?.regime { return r }
            cur = tree.rows[id]?.parentId
        }
        return .workload(.selfPaced)
    }
}

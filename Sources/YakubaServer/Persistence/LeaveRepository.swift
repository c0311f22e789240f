import Foundation
import Fluent
import SQLKit
import YakubaCore

/// 休暇 and 承認ルート: requests and their decisions (each a fact of its own), routes per department and request
/// type (append-only, the latest wins), and delegations (代決).
struct CreateLeave: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("approval_routes")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("department_id", .uuid, .required, .references("departments", "id"))
            .field("request_type", .string, .required)     // leave
            .field("steps", .string, .required)            // JSON [ApprovalStep]
            .field("set_by", .uuid, .required)
            .field("set_at_ms", .int64, .required)
            .create()
        try await db.schema("delegations")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("approver_id", .uuid, .required, .references("staff", "id"))
            .field("deputy_id", .uuid, .required, .references("staff", "id"))
            .field("from_date", .string, .required)
            .field("to_date", .string, .required)
            .field("set_by", .uuid, .required)
            .field("set_at_ms", .int64, .required)
            .create()
        try await db.schema("leave_requests")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("type_code", .string, .required)
            .field("from_date", .string, .required)
            .field("to_date", .string, .required)
            .field("unit", .string, .required)
            .field("half", .string)
            .field("start_minute", .int)
            .field("end_minute", .int)
            .field("relationship", .string)
            .field("days", .string, .required)             // JSON [LeaveDay]: the work days and minutes it takes
            .field("minutes", .int, .required)
            .field("reason", .string, .required)
            .field("requested_at_ms", .int64, .required)
            .create()
        try await db.schema("leave_decisions")
            .id()
            .field("request_id", .uuid, .required, .references("leave_requests", "id"))
            .field("step", .int, .required)                // -1 = withdrawn by the requester
            .field("outcome", .string, .required)          // approved | rejected | withdrawn
            .field("decided_by", .uuid, .required)
            .field("on_behalf_of", .uuid)
            .field("comment", .string, .required)
            .field("decided_at_ms", .int64, .required)
            .unique(on: "request_id", "step")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "leave_requests_staff_idx").on("leave_requests").column("staff_id").column("from_date").run()
            try await sql.create(index: "leave_requests_muni_idx").on("leave_requests").column("municipality_id").column("requested_at_ms").run()
            try await sql.create(index: "leave_decisions_request_idx").on("leave_decisions").column("request_id").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["leave_decisions", "leave_requests", "delegations", "approval_routes"] { try await db.schema(t).delete() }
    }
}

struct ApprovalRouteRow: Codable, Sendable, Hashable {
    var id: UUID; var municipalityId: UUID; var departmentId: UUID; var requestType: String; var steps: String; var setBy: UUID; var setAtMs: Int64
    var route: ApprovalRoute { ApprovalRoute(steps: (try? JSONDecoder().decode([ApprovalStep].self, from: Data(steps.utf8))) ?? []) }
}

struct DelegationRow: Codable, Sendable, Hashable {
    var id: UUID; var municipalityId: UUID; var approverId: UUID; var deputyId: UUID; var fromDate: String; var toDate: String; var setBy: UUID; var setAtMs: Int64
    var delegation: Delegation? {
        guard let f = CalendarDate(iso: fromDate), let t = CalendarDate(iso: toDate) else { return nil }
        return Delegation(approverId: approverId, deputyId: deputyId, from: f, to: t)
    }
}

struct LeaveRequestRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var typeCode: String
    var fromDate: String
    var toDate: String
    var unit: String
    var half: String?
    var startMinute: Int?
    var endMinute: Int?
    var relationship: String?
    var days: String
    var minutes: Int
    var reason: String
    var requestedAtMs: Int64

    var leaveDays: [LeaveDay] { (try? JSONDecoder().decode([LeaveDay].self, from: Data(days.utf8))) ?? [] }
}

struct LeaveDecisionRow: Codable, Sendable, Hashable {
    var id: UUID; var requestId: UUID; var step: Int; var outcome: String; var decidedBy: UUID; var onBehalfOf: UUID?; var comment: String; var decidedAtMs: Int64
}

/// A request with its decisions and where it stands on its route.
struct LeaveRecord: Sendable {
    var request: LeaveRequestRow
    var decisions: [LeaveDecisionRow]
    var route: ApprovalRoute
    var state: ApprovalState

    var approvalDecisions: [ApprovalDecision] {
        decisions.filter { $0.step >= 0 }.sorted { $0.decidedAtMs < $1.decidedAtMs }.compactMap { d in
            ApprovalDecision.Outcome(rawValue: d.outcome).map { ApprovalDecision(step: d.step, outcome: $0, by: d.decidedBy, onBehalfOf: d.onBehalfOf) }
        }
    }
    var withdrawn: Bool { decisions.contains { $0.outcome == "withdrawn" } }
    /// Counts against balances and blocks overlapping requests: pending or approved.
    var isLive: Bool { state.isOpen || state == .approved || state == .noApprover }
}

/// Who approves what: the routes HR set and, by default, the department's 所属長 (up the tree).
struct Routing: Sendable {
    var routes: [UUID: ApprovalRouteRow]          // department → latest route for leave
    var approvers: [UUID: [UUID]]                  // department → its 所属長
    var tree: DepartmentTree

    static func load(_ sql: any SQLDatabase, municipalityId: UUID, tree: DepartmentTree) async throws -> Routing {
        var routes: [UUID: ApprovalRouteRow] = [:]
        for r in try await sql.select().column("*").from("approval_routes").where("municipality_id", .equal, SQLBind(municipalityId))
            .where("request_type", .equal, SQLBind("leave")).orderBy("set_at_ms").all(decoding: ApprovalRouteRow.self, with: rowDecoder) {
            routes[r.departmentId] = r
        }
        struct AD: Decodable { var staffId: UUID; var departmentId: UUID }
        var approvers: [UUID: [UUID]] = [:]
        let ids = Array(tree.rows.keys)
        for chunk in ids.chunked(500) where !chunk.isEmpty {
            for a in try await sql.select().column("staff_id").column("department_id").from("approver_departments")
                .where("department_id", .in, SQLBind.group(chunk)).all(decoding: AD.self, with: rowDecoder) {
                approvers[a.departmentId, default: []].append(a.staffId)
            }
        }
        return Routing(routes: routes, approvers: approvers, tree: tree)
    }

    /// The route for a person in `departmentId`: the nearest department (itself, then up) with a route set by HR;
    /// else one step of the nearest 所属長.
    func route(for departmentId: UUID?) -> ApprovalRoute {
        var cur = departmentId
        while let id = cur {
            if let r = routes[id] { return r.route }
            cur = tree.rows[id]?.parentId
        }
        let a = nearestApprovers(of: departmentId)
        return ApprovalRoute(steps: a.isEmpty ? [] : [ApprovalStep(label: "所属長", approverIds: a)])
    }

    /// The 所属長 of `departmentId`, else of the nearest department above it with any; `except` is left out (a person is
    /// never asked to approve their own request).
    func nearestApprovers(of departmentId: UUID?, except: UUID? = nil) -> [UUID] {
        var cur = departmentId
        while let id = cur {
            let a = (approvers[id] ?? []).filter { $0 != except }
            if !a.isEmpty { return a }
            cur = tree.rows[id]?.parentId
        }
        return []
    }
}

enum LeaveRepository {
    static func requests(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]?, from: CalendarDate? = nil, to: CalendarDate? = nil,
                         limit: Int = 2000) async throws -> [LeaveRequestRow] {
        func q() -> SQLSelectBuilder {
            var b = sql.select().column("*").from("leave_requests").where(staffIds == nil ? SQLIdentifier("municipality_id") : municipalityTerm(sql), .equal, SQLBind(municipalityId))
            if let to { b = b.where("from_date", .lessThanOrEqual, SQLBind(to.iso)) }
            if let from { b = b.where("to_date", .greaterThanOrEqual, SQLBind(from.iso)) }
            return b
        }
        guard let ids = staffIds else {
            return try await q().orderBy("requested_at_ms", .descending).limit(limit).all(decoding: LeaveRequestRow.self, with: rowDecoder)
        }
        var out: [LeaveRequestRow] = []
        for chunk in ids.chunked(500) where !chunk.isEmpty {
            out += try await q().where("staff_id", .in, SQLBind.group(chunk)).orderBy("requested_at_ms", .descending).limit(limit)
                .all(decoding: LeaveRequestRow.self, with: rowDecoder)
        }
        return out
    }

    /// The requests of these people touching `from` on that may still wait for a decision: none refused or withdrawn, and
    /// fewer approvals than the longest route has steps (a team's months of settled leave are not read). Their state is
    /// then worked out as usual (`records`).
    static func openCandidates(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID], from: CalendarDate, routing: Routing) async throws -> [LeaveRequestRow] {
        let steps = max(1, routing.routes.values.map { $0.route.steps.count }.max() ?? 1)
        var out: [LeaveRequestRow] = []
        for chunk in staffIds.chunked(500) where !chunk.isEmpty {
            out += try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("q"))).from(SQLAlias(SQLIdentifier("leave_requests"), as: SQLIdentifier("q")))
                .where(municipalityTerm(sql), .equal, SQLBind(municipalityId))
                .where(SQLColumn("staff_id", table: "q"), .in, SQLBind.group(chunk))
                .where(SQLColumn("to_date", table: "q"), .greaterThanOrEqual, SQLBind(from.iso))
                .where(SQLRaw("NOT EXISTS (SELECT 1 FROM leave_decisions d WHERE d.request_id = q.id AND d.outcome IN ('rejected', 'withdrawn'))"))
                .where(SQLRaw("(SELECT COUNT(*) FROM leave_decisions d WHERE d.request_id = q.id AND d.outcome = 'approved')"), .lessThan, SQLBind(steps))
                .all(decoding: LeaveRequestRow.self, with: rowDecoder)
        }
        return out
    }

    static func find(_ sql: any SQLDatabase, id: UUID) async throws -> LeaveRequestRow? {
        try await sql.select().column("*").from("leave_requests").where("id", .equal, SQLBind(id)).first(decoding: LeaveRequestRow.self, with: rowDecoder)
    }

    static func decisions(_ sql: any SQLDatabase, requestIds: [UUID]) async throws -> [UUID: [LeaveDecisionRow]] {
        var out: [UUID: [LeaveDecisionRow]] = [:]
        for chunk in requestIds.chunked(500) where !chunk.isEmpty {
            for d in try await sql.select().column("*").from("leave_decisions").where("request_id", .in, SQLBind.group(chunk))
                .all(decoding: LeaveDecisionRow.self, with: rowDecoder) { out[d.requestId, default: []].append(d) }
        }
        return out
    }

    static func delegations(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [DelegationRow] {
        try await sql.select().column("*").from("delegations").where("municipality_id", .equal, SQLBind(municipalityId))
            .orderBy("from_date", .descending).limit(1000).all(decoding: DelegationRow.self, with: rowDecoder)
    }

    /// Requests with their state, each routed by the requester's current department.
    /// Leave of the person on `date`, approved (on the book) or still being decided: whether any of it is for the whole
    /// day; nil when there is none.
    static func leaveOn(_ sql: any SQLDatabase, _ staff: StaffRow, date: CalendarDate, tree: DepartmentTree) async throws -> Bool? {
        var found = false, whole = false
        for m in try await DayMarkRepository.marks(sql, staffIds: [staff.id], from: date, to: date)[staff.id] ?? [] {
            found = true; if m.minutes == nil { whole = true }
        }
        let rows = try await requests(sql, municipalityId: staff.municipalityId, staffIds: [staff.id], from: date, to: date)
        if !rows.isEmpty {
            let routing = try await Routing.load(sql, municipalityId: staff.municipalityId, tree: tree)
            for r in try await records(sql, rows, staffById: [staff.id: staff], routing: routing) where r.isLive {
                for d in r.request.leaveDays where d.date == date { found = true; if d.range == nil { whole = true } }
            }
        }
        return found ? whole : nil
    }

    static func records(_ sql: any SQLDatabase, _ rows: [LeaveRequestRow], staffById: [UUID: StaffRow], routing: Routing,
                        decisions known: [UUID: [LeaveDecisionRow]]? = nil) async throws -> [LeaveRecord] {
        let decisions: [UUID: [LeaveDecisionRow]]
        if let known { decisions = known } else { decisions = try await self.decisions(sql, requestIds: rows.map(\.id)) }
        return rows.map { r in
            let route = Approvals.effectiveRoute(routing.route(for: staffById[r.staffId]?.departmentId), requester: r.staffId)
            var rec = LeaveRecord(request: r, decisions: decisions[r.id] ?? [], route: route, state: .noApprover)
            rec.state = Approvals.state(route: route, decisions: rec.approvalDecisions, withdrawn: rec.withdrawn)
            return rec
        }
    }
}

/// 有休管理簿: a person's 年次休暇 year by year, folded from the policy and the requests.
struct AnnualLeaveBook: Sendable {
    struct Use: Sendable { var request: LeaveRequestRow; var minutes: Int; var approved: Bool }
    var yearStart: CalendarDate
    var yearEnd: CalendarDate
    var balance: AnnualLeaveBalance
    var grantedDays: Int
    var uses: [Use]

    /// A day of leave in minutes: the week's hours over its work days (7h45m for the standard week).
    static func minutesPerDay(_ ws: WeeklySchedule) -> Int {
        let days = ws.workingWeekdays.count
        return days == 0 ? 465 : max(1, ws.weeklyMinutes / days)
    }

    /// The days granted for the leave year starting `yearStart` (as `yearBasis` of the person's policy has it: 会計年度任用職員
    /// count fiscal years), without the years before it: the published indicators ask it of a whole city.
    static func grantDays(staff s: StaffRow, week ws: WeeklySchedule, yearStart: CalendarDate, policy: AnnualLeavePolicy = .default,
                          frontLoaded: FrontLoadedLeavePolicy = FrontLoadedLeavePolicy(), attendance: [Int: LaborStandardsLeave.Attendance] = [:]) -> Int {
        let fiscalStaff = s.employment == .fiscalYearFullTime || s.employment == .fiscalYearPartTime
        var p = policy
        if fiscalStaff { p.yearBasis = .fiscalYear }
        let hired = s.start ?? yearStart
        let yearEnd = p.yearBasis.yearEnd(of: yearStart)
        if fiscalStaff {
            let start = max(hired, yearStart), end = min(s.end ?? yearEnd, yearEnd)
            guard start <= end else { return 0 }
            let fy = FiscalYear(containing: yearStart)
            if frontLoaded.requiresEightyPercent, fy > FiscalYear(containing: hired),
               let before = attendance[fy.startYear - 1], !before.meetsEightyPercent { return 0 }
            return frontLoaded.grantDays(start: start, end: end, weeklyDays: ws.workingWeekdays.count, weeklyMinutes: ws.weeklyMinutes,
                                         yearsAfterFirst: FiscalYear(containing: yearStart).startYear - FiscalYear(containing: hired).startYear)
        }
        let full = p.grantDays(hired: hired, yearContaining: yearStart)
        // short-time staff of the equal-days type: 20 × weekly days / 5 (f-kenshokuro h004)
        let days = ws.workingWeekdays.count
        return days > 0 && days < 5 ? full * days / 5 : full
    }

    /// The leave year (its first day) holding `date` for this person.
    static func yearStart(staff s: StaffRow, date: CalendarDate, policy: AnnualLeavePolicy = .default) -> CalendarDate {
        let fiscalStaff = s.employment == .fiscalYearFullTime || s.employment == .fiscalYearPartTime
        return (fiscalStaff ? LeaveYearBasis.fiscalYear : policy.yearBasis).yearStart(of: date)
    }

    /// The book for the leave year containing `date`. `requests` are the person's annual-leave requests that are
    /// pending or approved (pending ones hold their days, so two requests cannot spend the same day).
    /// - week: the person's weekly schedule in force on `date` (their hours may have changed from a date on)
    /// - attendance: the 80% rule's count of a fiscal year (by its starting year) the person served; a later year's grant to
    ///   会計年度任用職員 needs 80% in the one before it. A year not given is taken as met.
    static func compute(staff s: StaffRow, week: WeeklySchedule, date: CalendarDate, requests: [(LeaveRequestRow, approved: Bool)],
                        policy: AnnualLeavePolicy = .default, frontLoaded: FrontLoadedLeavePolicy = FrontLoadedLeavePolicy(),
                        attendance: [Int: LaborStandardsLeave.Attendance] = [:]) -> AnnualLeaveBook {
        let perDay = minutesPerDay(week)
        let fiscalStaff = s.employment == .fiscalYearFullTime || s.employment == .fiscalYearPartTime
        var p = policy
        if fiscalStaff { p.yearBasis = .fiscalYear }
        let hired = s.start ?? date
        func grant(_ yearStart: CalendarDate) -> Int {
            grantDays(staff: s, week: week, yearStart: yearStart, policy: policy, frontLoaded: frontLoaded, attendance: attendance)
        }
        var yearStart = p.yearBasis.yearStart(of: min(hired, date))
        let target = p.yearBasis.yearStart(of: date)
        var balance = AnnualLeaveBalance(minutesPerDay: perDay, grantedDays: grant(yearStart))
        var granted = grant(yearStart)
        let sorted = requests.sorted { $0.0.fromDate < $1.0.fromDate }
        var uses: [Use] = []
        while true {
            let yearEnd = p.yearBasis.yearEnd(of: yearStart)
            uses = []
            for (r, approved) in sorted where r.fromDate >= yearStart.iso && r.fromDate <= yearEnd.iso {
                try? balance.use(minutes: r.minutes, hourly: r.unit == LeaveUnit.hour.rawValue)
                uses.append(Use(request: r, minutes: r.minutes, approved: approved))
            }
            if yearStart >= target { break }
            let next = CalendarDate(year: yearEnd.year, month: yearEnd.month, day: yearEnd.day)!.adding(days: 1)
            granted = grant(next)
            if fiscalStaff, let end = s.end, end < next {
                balance = AnnualLeaveBalance(minutesPerDay: perDay, grantedDays: 0)
            } else {
                balance = balance.nextYear(grantedDays: granted, policy: fiscalStaff ? AnnualLeavePolicy() : p)
            }
            yearStart = next
        }
        return AnnualLeaveBook(yearStart: yearStart, yearEnd: p.yearBasis.yearEnd(of: yearStart), balance: balance, grantedDays: granted, uses: uses)
    }
}

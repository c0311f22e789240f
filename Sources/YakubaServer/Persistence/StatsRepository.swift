import Foundation
import Synchronization
import Fluent
import Vapor
import SQLKit
import Logging
import YakubaCore
import YakubaInsights

/// 見える化 (issue 5): one row per person and month — the month's figures as the close computes them, as of a midnight —
/// so the HR dashboard folds a year of a 20,000-person city in memory instead of recomputing 240,000 books. The rows are
/// derived data, never facts: they are recomputed from the facts whenever the ledger shows the facts under them changed,
/// and a test holds them equal to a computation from scratch.
struct CreateMonthStats: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("departments").field("employer", .string).update()
        var schema = db.schema("staff_month_stats")
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required)
            .field("month", .string, .required)                 // YYYY-MM
            .field("department_id", .uuid)
            .field("employment", .string, .required)
            .field("overtime_minutes", .int, .required)
            .field("worked_minutes", .int, .required)
            .field("scheduled_days", .int, .required)
            .field("scheduled_minutes", .int, .required)
        // DayCounts, a column each (read back without decoding JSON)
        for c in StatsService.countColumns { schema = schema.field(FieldKey(stringLiteral: c), .int, .required) }
        try await schema.unique(on: "staff_id", "month").create()
        // per municipality and month: the day the rows count up to (exclusive) and the ledger entry they have seen
        try await db.schema("stats_months")
            .field("municipality_id", .uuid, .required)
            .field("month", .string, .required)
            .field("as_of", .string, .required)                 // YYYY-MM-DD: days before it are counted
            .field("ledger_seq", .int64, .required)
            .field("computed_at_ms", .int64, .required)
            .unique(on: "municipality_id", "month")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "staff_month_stats_month_idx").on("staff_month_stats").column("municipality_id").column("month").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["stats_months", "staff_month_stats"] { try await db.schema(t).delete() }
        try await db.schema("departments").deleteField("employer").update()
    }
}

/// The months' ordered overtime (the limits' count) kept with the rest of the month, so a manager's page reads a year of it
/// from the aggregates. The rows stored before it are dropped: derived data, computed again on the next page or refresh.
struct AddOrderedMinutes: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE staff_month_stats ADD COLUMN ordered_minutes INTEGER NOT NULL DEFAULT 0").run()
        try await sql.raw("DELETE FROM staff_month_stats").run()
        try await sql.raw("DELETE FROM stats_months").run()
    }
    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE staff_month_stats DROP COLUMN ordered_minutes").run()
    }
}

struct StatsMonthRow: Codable, Sendable, Hashable {
    var municipalityId: UUID; var month: String; var asOf: String; var ledgerSeq: Int64; var computedAtMs: Int64
}

/// What a ledger entry means for the monthly aggregates.
enum StatsImpact: Hashable, Sendable {
    /// nothing the books count (a token, a route, a close)
    case none
    /// the calendar or the rules: every person's months
    case everyone
    /// one person's months (dates nil: every month)
    case person(UUID, dates: [CalendarDate]?)
    /// a decision on a request or an order: the person it belongs to is looked up by the subject's id
    case subject(UUID)
}

enum StatsService {
    /// Entry types that change nothing a book counts.
    static let inert: [String] = ["token.", "approval.", "approver.", "month.", "staff.password", "department.created", "department.employer_set",
                                  "department.workload_set", "overtime.analysis_recorded", "overtime.exemption_recorded", "municipality.created",
                                  "risk.", "notification.", "staff.personal_recorded", "personal.", "rank_classes.", "condition.", "app.", "app_record."]

    /// What `type`'s entry touches, from its payload's `staffId` and `atMs` (read without decoding the JSON: a morning's
    /// punches are thousands of entries). `zone` turns a punch's instant into its date; a punch at `cutoffMs` or later is
    /// not counted yet (the figures are as of a midnight), so it touches nothing.
    static func impact(type: String, subject: String, payload: String, zone: TimeZone, cutoffMs: Int64 = .max) -> StatsImpact {
        if inert.contains(where: { type.hasPrefix($0) }) { return .none }
        if type.hasPrefix("municipality.") { return .everyone }
        let staff = field("staffId", in: payload).flatMap { UUID(uuidString: $0) }
        if type == "punch.created", let staff, let ms = field("atMs", in: payload).flatMap(Int64.init) {
            if ms >= cutoffMs { return .none }
            // a clock-out after midnight can close the day before's session; a clock-in late at night can take the next
            // day's stray clock-out into its own
            let d = CalendarDate(Date(timeIntervalSince1970: Double(ms) / 1000), in: zone)
            return .person(staff, dates: [d.adding(days: -1), d, d.adding(days: 1)])
        }
        if let staff { return .person(staff, dates: nil) }
        if type.hasPrefix("staff.") || type.hasPrefix("schedule."), let id = UUID(uuidString: subject) { return .person(id, dates: nil) }
        if let id = UUID(uuidString: subject) { return .subject(id) }
        return .everyone
    }

    /// The text or number after `"name":` in canonical JSON (no nesting needed: the fields read are at the top).
    static func field(_ name: String, in json: String) -> String? {
        guard let r = json.range(of: "\"\(name)\":") else { return nil }
        var s = json[r.upperBound...]
        if s.first == "\"" {
            s = s.dropFirst()
            guard let end = s.firstIndex(of: "\"") else { return nil }
            return String(s[..<end])
        }
        let end = s.firstIndex { $0 == "," || $0 == "}" } ?? s.endIndex
        return String(s[..<end])
    }

    /// The people the subjects of decisions belong to (a correction, a leave request, an overtime order, 超勤代休時間, a swap).
    static func owners(_ sql: any SQLDatabase, _ ids: [UUID]) async throws -> [UUID: UUID] {
        struct Owner: Decodable { var id: UUID; var staffId: UUID }
        var out: [UUID: UUID] = [:]
        for table in ["corrections", "leave_requests", "overtime_orders", "overtime_time_off", "rest_day_swaps", "staff"] {
            let left = ids.filter { out[$0] == nil }
            if left.isEmpty { break }
            for chunk in left.chunked(500) {
                let q = sql.select().column("id").from(table).where("id", .in, SQLBind.group(chunk))
                if table == "staff" {
                    struct Id: Decodable { var id: UUID }
                    for r in try await q.all(decoding: Id.self, with: rowDecoder) { out[r.id] = r.id }
                } else {
                    for r in try await q.column("staff_id").all(decoding: Owner.self, with: rowDecoder) { out[r.id] = r.staffId }
                }
            }
        }
        return out
    }

    /// The work a refresh has to do.
    struct Plan: Sendable {
        enum Work: Sendable, Hashable { case everyone, people(Set<UUID>) }
        var months: [YearMonth: Work] = [:]
        /// months nobody's facts changed in since they were computed: only their ledger mark moves
        var untouched: [YearMonth] = []
        /// the ledger entry the refreshed rows have seen
        var seq: Int64 = 0
        var today: CalendarDate
        var isEmpty: Bool { months.isEmpty && untouched.isEmpty }
        /// person-months to compute (a whole month counted as `everyone`)
        func size(everyone: Int) -> Int {
            months.values.reduce(0) { n, w in if case .people(let p) = w { n + p.count } else { n + everyone } }
        }
        var wholeMonths: Int { months.values.filter { $0 == .everyone }.count }
    }

    /// What must be recomputed for `months` to be as of `today` (days before it counted): months never computed, months
    /// in which days have ended since they were computed, and the people named by the ledger's entries since.
    static func plan(_ sql: any SQLDatabase, municipality muni: MunicipalityRow, months: [YearMonth], today: CalendarDate,
                     stored: [StatsMonthRow]? = nil) async throws -> Plan {
        var plan = Plan(today: today)
        struct Seq: Decodable { var seq: Int64? }
        plan.seq = try await sql.raw("SELECT MAX(seq) AS seq FROM ledger").first(decoding: Seq.self)?.seq ?? 0
        var known = stored ?? []
        if stored == nil { known = try await marks(sql, municipalityId: muni.id) }
        let byMonth = Dictionary(known.map { ($0.month, $0) }, uniquingKeysWith: { a, _ in a })
        var incremental: [YearMonth: Int64] = [:]
        for m in Set(months) where m.first < today {
            guard let row = byMonth[m.iso], let asOf = CalendarDate(iso: row.asOf) else { plan.months[m] = .everyone; continue }
            // days that ended since: a month that holds any of them, or ended less than two days before the figures were
            // counted to (a session open at midnight on the last day is still running then, and the punches read reach two
            // days past the month), is computed again for everyone
            if asOf < today && m.last.adding(days: 2) >= asOf { plan.months[m] = .everyone; continue }
            guard row.ledgerSeq < plan.seq else { continue }
            // far behind the ledger (a month nobody looked at for a long time): computing it again is cheaper than reading
            // every entry since
            if plan.seq - row.ledgerSeq > scanLimit { plan.months[m] = .everyone; continue }
            incremental[m] = row.ledgerSeq
        }
        guard let from = incremental.values.min() else { return plan }
        let cutoffMs = nowMs(today.instant(atMinute: 0, in: muni.zone))
        struct Entry: Decodable { var seq: Int64; var type: String; var subjectId: String; var payload: String; var municipalityId: UUID? }
        var everyone = false
        var people: [(seq: Int64, staff: UUID, dates: [CalendarDate]?)] = []
        var subjects: [(seq: Int64, id: UUID)] = []
        let entries = try await sql.select().columns("seq", "type", "subject_id", "payload", "municipality_id").from("ledger")
            .where("seq", .greaterThan, SQLBind(from)).where("seq", .lessThanOrEqual, SQLBind(plan.seq)).orderBy("seq")
            .all(decoding: Entry.self, with: rowDecoder)
        for e in entries where e.municipalityId == nil || e.municipalityId == muni.id {
            switch impact(type: e.type, subject: e.subjectId, payload: e.payload, zone: muni.zone, cutoffMs: cutoffMs) {
            case .none: break
            case .everyone: everyone = true
            case .person(let id, let dates): people.append((e.seq, id, dates))
            case .subject(let id): subjects.append((e.seq, id))
            }
            if everyone { break }
        }
        if !everyone && !subjects.isEmpty {
            let owners = try await owners(sql, Array(Set(subjects.map(\.id))))
            for s in subjects {
                if let staff = owners[s.id] { people.append((s.seq, staff, nil)) } else { everyone = true; break }
            }
        }
        for (m, seen) in incremental {
            if everyone { plan.months[m] = .everyone; continue }
            var set = Set<UUID>()
            for p in people where p.seq > seen && (p.dates.map { $0.contains { YearMonth($0) == m && $0 < today } } ?? true) { set.insert(p.staff) }
            if !set.isEmpty { plan.months[m] = .people(set) }
            // nothing counted changed: the mark moves only once the entries to read again pile up (a page is not a write)
            else if plan.seq - seen > touchAfter { plan.untouched.append(m) }
        }
        return plan
    }

    /// Entries a plan reads at most for a month; beyond, the month is computed again instead.
    static let scanLimit: Int64 = 100_000
    /// Entries that change nothing counted before a month's mark is moved past them.
    static let touchAfter: Int64 = 5_000

    /// The municipality's marks: per month, the day its rows count to and the ledger entry they have seen.
    static func marks(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [StatsMonthRow] {
        try await sql.select().column("*").from("stats_months").where("municipality_id", .equal, SQLBind(municipalityId))
            .all(decoding: StatsMonthRow.self, with: rowDecoder)
    }

    /// The people's months computed as the close computes them, as of `today`'s midnight: what happened before it counts.
    static func compute(_ sql: any SQLDatabase, municipality muni: MunicipalityRow, tree: DepartmentTree, month: YearMonth, work: Plan.Work,
                        today: CalendarDate, sqlitePath: String?) async throws -> (rows: [StaffMonthStats], people: Set<UUID>?) {
        var staff: [StaffRow]
        var people: Set<UUID>? = nil
        switch work {
        case .everyone: staff = try await CloseService.staff(sql, municipalityId: muni.id, departments: nil, month: month, sqlitePath: sqlitePath)
        case .people(let set):
            // only those people, employed in the month
            people = set
            staff = try await StaffRepository.find(sql, ids: set).values.filter { s in
                s.municipalityId == muni.id && (s.start.map { $0 <= month.last } ?? true) && (s.end.map { $0 >= month.first } ?? true)
            }.sorted { $0.staffNumber < $1.staffNumber }
        }
        let cutoff = today.instant(atMinute: 0, in: muni.zone)
        guard !staff.isEmpty else { return ([], people) }
        let computed = try await CloseService.compute(sql, municipality: muni, staff: staff, month: month, tree: tree,
                                                      sqlitePath: people == nil ? sqlitePath : nil, now: cutoff, cutoff: cutoff)
        return (computed.figures.map { s, f in
            StaffMonthStats(staffId: s.id, month: month, departmentId: s.departmentId, employment: s.employment, figures: f, orderedMinutes: computed.counted[s.id] ?? 0)
        }, people)
    }

    /// Replaces the month's rows (everyone's, or those of `people`) and moves its mark, in one transaction.
    static func store(_ writer: LedgerWriter, municipalityId: UUID, month: YearMonth, rows: [StaffMonthStats], people: Set<UUID>?,
                      asOf: CalendarDate, seq: Int64) async throws {
        try await writer.perform { _, sql in
            let textIds = sql.dialect.name == "sqlite"
            func id(_ u: UUID) -> SQLBind { textIds ? SQLBind(u.upperText) : SQLBind(u) }
            func optId(_ u: UUID?) -> SQLBind { u.map { id($0) } ?? SQLBind(UUID?.none) }
            if let people {
                for chunk in Array(people).chunked(500) {
                    try await sql.delete(from: "staff_month_stats").where("municipality_id", .equal, id(municipalityId)).where("month", .equal, SQLBind(month.iso))
                        .where("staff_id", .in, SQLGroupExpression(chunk.map { id($0) as any SQLExpression })).run()
                }
            } else {
                try await sql.delete(from: "staff_month_stats").where("municipality_id", .equal, id(municipalityId)).where("month", .equal, SQLBind(month.iso)).run()
            }
            for chunk in rows.chunked(400) {
                var insert = sql.insert(into: "staff_month_stats").columns(statsColumns)
                for r in chunk {
                    var values: [SQLBind] = [id(municipalityId), id(r.staffId), SQLBind(month.iso), optId(r.departmentId), SQLBind(r.employment.rawValue)]
                    for n in numbers(r) { values.append(SQLBind(n)) }
                    insert = insert.values(values)
                }
                try await insert.run()
            }
            try await mark(sql, municipalityId: municipalityId, month: month, asOf: asOf, seq: seq, id: id)
            return []
        }
    }

    static func mark(_ sql: any SQLDatabase, municipalityId: UUID, month: YearMonth, asOf: CalendarDate, seq: Int64, id: (UUID) -> SQLBind) async throws {
        try await sql.delete(from: "stats_months").where("municipality_id", .equal, id(municipalityId)).where("month", .equal, SQLBind(month.iso)).run()
        try await sql.insert(into: "stats_months").columns("municipality_id", "month", "as_of", "ledger_seq", "computed_at_ms")
            .values(id(municipalityId), SQLBind(month.iso), SQLBind(asOf.iso), SQLBind(seq), SQLBind(nowMs())).run()
    }

    /// Moves the marks of months nobody's facts changed in.
    static func touch(_ writer: LedgerWriter, municipalityId: UUID, months: [YearMonth], asOf: CalendarDate, seq: Int64) async throws {
        guard !months.isEmpty else { return }
        try await writer.perform { _, sql in
            let textIds = sql.dialect.name == "sqlite"
            func id(_ u: UUID) -> SQLBind { textIds ? SQLBind(u.upperText) : SQLBind(u) }
            for m in months { try await mark(sql, municipalityId: municipalityId, month: m, asOf: asOf, seq: seq, id: id) }
            return []
        }
    }

    /// The stored numbers of a row, in the order of the columns after `employment`.
    static func numbers(_ r: StaffMonthStats) -> [Int] {
        let c = r.counts
        return [r.overtimeMinutes, r.workedMinutes, r.scheduledDays, r.scheduledMinutes, c.punchDays, c.completeDays, c.correctedDays, c.missingDays,
                c.absentDays, c.lateNightDays, c.beyondScheduleMinutes, c.annualLeaveDays, c.annualLeaveMinutes, c.specialLeaveDays, c.sickLeaveDays,
                c.childcareLeaveDays, r.orderedMinutes]
    }

    /// A row from its stored numbers (in the order `numbers` writes them).
    static func make(_ staff: UUID, _ month: String, _ dept: UUID?, _ employment: String, _ n: [Int]) -> StaffMonthStats? {
        guard let m = YearMonth(iso: month), n.count == 17 else { return nil }
        var c = DayCounts()
        (c.punchDays, c.completeDays, c.correctedDays, c.missingDays, c.absentDays, c.lateNightDays) = (n[4], n[5], n[6], n[7], n[8], n[9])
        (c.beyondScheduleMinutes, c.annualLeaveDays, c.annualLeaveMinutes, c.specialLeaveDays, c.sickLeaveDays, c.childcareLeaveDays) = (n[10], n[11], n[12], n[13], n[14], n[15])
        return StaffMonthStats(staffId: staff, month: m, departmentId: dept, employment: EmploymentType(rawValue: employment) ?? .regular,
                               overtimeMinutes: n[0], workedMinutes: n[1], scheduledDays: n[2], scheduledMinutes: n[3], counts: c, orderedMinutes: n[16])
    }

    static let countColumns = ["punch_days", "complete_days", "corrected_days", "missing_days", "absent_days", "late_night_days", "beyond_minutes",
                               "annual_leave_days", "annual_leave_minutes", "special_leave_days", "sick_leave_days", "childcare_leave_days"]
    static let statsColumns = ["municipality_id", "staff_id", "month", "department_id", "employment", "overtime_minutes", "worked_minutes",
                               "scheduled_days", "scheduled_minutes"] + countColumns + ["ordered_minutes"]

    /// Every stored row of the municipality (the bulk reader on SQLite: a year of a large city is a quarter of a million rows).
    static func load(_ sql: any SQLDatabase, municipalityId: UUID, sqlitePath: String?, month: YearMonth? = nil) async throws -> [StaffMonthStats] {
        let columns = statsColumns.dropFirst().joined(separator: ", ")
        // one month, or all of them
        let monthText = month?.iso ?? "%"
        if let path = sqlitePath {
            return try await SQLiteBulkReader.offThread {
                var out: [StaffMonthStats] = []
                try SQLiteBulkReader(path: path).each("SELECT \(columns) FROM staff_month_stats WHERE municipality_id = ? AND month LIKE ?",
                                                      [.text(municipalityId.upperText), .text(monthText)]) { r in
                    guard let staff = r.uuid(0) else { return }
                    let n = (0..<17).map { r.int(Int32(4 + $0)) }
                    if let row = make(staff, r.text(1), r.isNull(2) ? nil : r.uuid(2), r.text(3), n) { out.append(row) }
                }
                return out
            }
        }
        var out: [StaffMonthStats] = []
        for r in try await sql.raw("SELECT \(unsafeRaw: columns) FROM staff_month_stats WHERE municipality_id = \(bind: municipalityId) AND month LIKE \(bind: monthText)").all() {
            let n = try (["overtime_minutes", "worked_minutes", "scheduled_days", "scheduled_minutes"] + countColumns + ["ordered_minutes"]).map { try r.decode(column: $0, as: Int.self) }
            if let row = make(try r.decode(column: "staff_id", as: UUID.self), try r.decode(column: "month", as: String.self),
                              try r.decode(column: "department_id", as: UUID?.self), try r.decode(column: "employment", as: String.self), n) { out.append(row) }
        }
        return out
    }
}

/// The rows in memory, per municipality, and the refresh that keeps them as of today: one at a time per municipality;
/// small ones (a few people's months changed) are waited for, large ones (a new day, a new municipality) run in the
/// background while the page shows the rows it has and how far the refresh has come.
final class StatsCache: Sendable {
    struct Entry: Sendable {
        /// each month's rows, one per person
        var rows: [YearMonth: [StaffMonthStats]] = [:]
        /// the day the rows count up to, per month
        var asOf: [YearMonth: CalendarDate] = [:]
        /// the stored mark each month's rows in memory were read or written with (another process may move it)
        var seen: [YearMonth: Int64] = [:]
        var loaded = false
    }
    /// How the rows a page gets stand.
    struct Status: Sendable {
        /// a refresh is running: person-months done and to do
        var progress: (done: Int, total: Int)?
        /// the months asked for that have no rows yet
        var missing: [YearMonth] = []
        var asOf: CalendarDate?
    }

    private let entries = Mutex<[UUID: Entry]>([:])
    private let running = Mutex<[UUID: (done: Int, total: Int)]>([:])
    /// a refresh of at most this many person-months is done before the page answers (a second or so); a larger one (a new
    /// day in a large city) runs in the background
    static let inlineLimit = 5_000

    /// The rows of `months`, as fresh as can be had now (the months' arrays as they are held, not copied), and how they stand.
    func rows(app: Application, sql: any SQLDatabase, municipality muni: MunicipalityRow, tree: DepartmentTree, months: [YearMonth],
              today: CalendarDate) async throws -> (rows: FlattenSequence<[[StaffMonthStats]]>, status: Status) {
        try await ensureLoaded(app: app, sql: sql, municipalityId: muni.id)
        if running.withLock({ $0[muni.id] }) == nil {
            let marks = try await StatsService.marks(sql, municipalityId: muni.id)
            try await reloadChanged(app: app, sql: sql, municipalityId: muni.id, months: Set(months), marks: marks)
            let plan = try await StatsService.plan(sql, municipality: muni, months: months, today: today, stored: marks)
            if !plan.isEmpty {
                struct Count: Decodable { var n: Int }
                let everyone = plan.wholeMonths == 0 ? 0 : try await sql.raw("SELECT COUNT(*) AS n FROM staff WHERE municipality_id = \(bind: muni.id)")
                    .first(decoding: Count.self)?.n ?? 0
                if plan.size(everyone: everyone) <= Self.inlineLimit {
                    if claim(muni.id, total: plan.size(everyone: everyone)) {
                        // a refresh that fails (another process storing the same month at once) leaves the rows as they were:
                        // the page shows them, the next one tries again
                        do { try await run(app: app, sql: sql, municipality: muni, tree: tree, plan: plan) }
                        catch { app.logger.error("stats refresh failed: \(String(describing: error))") }
                    }
                } else if claim(muni.id, total: plan.size(everyone: max(everyone, 1))) {
                    let logger = app.logger
                    Task.detached { [self] in
                        do { try await run(app: app, sql: app.db.sql, municipality: muni, tree: tree, plan: plan) }
                        catch { logger.error("stats refresh failed: \(String(describing: error))") }
                    }
                }
            }
        }
        return entries.withLock { all in
            let e = all[muni.id] ?? Entry()
            var out: [[StaffMonthStats]] = []
            var status = Status(progress: running.withLock { $0[muni.id] })
            for m in months {
                // a month not begun has nothing to count; one that has, but no rows yet, is still being added up
                if let r = e.rows[m] { out.append(r) } else if e.asOf[m] == nil && m.first < today { status.missing.append(m) }
            }
            status.asOf = months.compactMap { e.asOf[$0] }.min()
            return (out.joined(), status)
        }
    }

    /// How far the municipality's refresh has come (nil: none is running).
    func progress(_ municipalityId: UUID) -> (done: Int, total: Int)? { running.withLock { $0[municipalityId] } }

    /// Runs a whole plan now (the `yakuba stats refresh` command, the demo, tests).
    func refresh(app: Application, sql: any SQLDatabase, municipality muni: MunicipalityRow, tree: DepartmentTree, months: [YearMonth],
                 today: CalendarDate, progress: ((Int, Int) -> Void)? = nil) async throws -> StatsService.Plan {
        try await ensureLoaded(app: app, sql: sql, municipalityId: muni.id)
        let plan = try await StatsService.plan(sql, municipality: muni, months: months, today: today)
        guard !plan.isEmpty else { return plan }
        while !claim(muni.id, total: plan.size(everyone: 1)) { try await Task.sleep(for: .milliseconds(100)) }
        try await run(app: app, sql: sql, municipality: muni, tree: tree, plan: plan, progress: progress)
        return plan
    }

    private func claim(_ id: UUID, total: Int) -> Bool {
        running.withLock { r in
            if r[id] != nil { return false }
            r[id] = (0, total)
            return true
        }
    }

    private func run(app: Application, sql: any SQLDatabase, municipality muni: MunicipalityRow, tree: DepartmentTree, plan: StatsService.Plan,
                     progress: ((Int, Int) -> Void)? = nil) async throws {
        defer { running.withLock { _ = $0.removeValue(forKey: muni.id) } }
        let writer = app.yakuba.writer, path = app.yakuba.sqlitePath
        try await StatsService.touch(writer, municipalityId: muni.id, months: plan.untouched, asOf: plan.today, seq: plan.seq)
        entries.withLock { all in for m in plan.untouched { all[muni.id]?.asOf[m] = plan.today; all[muni.id]?.seen[m] = plan.seq } }
        var done = 0
        let months = plan.months.keys.sorted()
        for m in months {
            guard let work = plan.months[m] else { continue }
            let (rows, people) = try await StatsService.compute(sql, municipality: muni, tree: tree, month: m, work: work, today: plan.today, sqlitePath: path)
            try await StatsService.store(writer, municipalityId: muni.id, month: m, rows: rows, people: people, asOf: plan.today, seq: plan.seq)
            entries.withLock { all in
                var e = all[muni.id] ?? Entry()
                if let people { e.rows[m] = (e.rows[m] ?? []).filter { !people.contains($0.staffId) } + rows } else { e.rows[m] = rows }
                e.asOf[m] = plan.today
                e.seen[m] = plan.seq
                all[muni.id] = e
            }
            done += people?.count ?? rows.count
            let total = running.withLock { r -> Int in
                let t = max(r[muni.id]?.total ?? done, done)
                r[muni.id] = (done, t)
                return t
            }
            progress?(done, total)
        }
    }

    private func ensureLoaded(app: Application, sql: any SQLDatabase, municipalityId: UUID) async throws {
        if entries.withLock({ $0[municipalityId]?.loaded ?? false }) { return }
        let rows = try await StatsService.load(sql, municipalityId: municipalityId, sqlitePath: app.yakuba.sqlitePath)
        let marks = try await sql.select().column("*").from("stats_months").where("municipality_id", .equal, SQLBind(municipalityId))
            .all(decoding: StatsMonthRow.self, with: rowDecoder)
        entries.withLock { all in
            if all[municipalityId]?.loaded ?? false { return }
            var e = Entry()
            for r in rows { e.rows[r.month, default: []].append(r) }
            for m in marks { if let ym = YearMonth(iso: m.month), let d = CalendarDate(iso: m.asOf) { e.asOf[ym] = d; e.seen[ym] = m.ledgerSeq } }
            e.loaded = true
            all[municipalityId] = e
        }
    }

    /// Months whose stored mark is not the one the rows in memory go with (`yakuba stats refresh` from cron, or another
    /// server on the same database, stored them since): their rows are read again.
    private func reloadChanged(app: Application, sql: any SQLDatabase, municipalityId: UUID, months: Set<YearMonth>, marks: [StatsMonthRow]) async throws {
        let changed = entries.withLock { all -> [StatsMonthRow] in
            let e = all[municipalityId] ?? Entry()
            return marks.filter { m in
                guard let ym = YearMonth(iso: m.month), months.contains(ym) else { return false }
                return e.seen[ym] != m.ledgerSeq || e.asOf[ym].map { $0.iso != m.asOf } ?? true
            }
        }
        for mark in changed {
            guard let ym = YearMonth(iso: mark.month), let asOf = CalendarDate(iso: mark.asOf) else { continue }
            let rows = try await StatsService.load(sql, municipalityId: municipalityId, sqlitePath: app.yakuba.sqlitePath, month: ym)
            entries.withLock { all in
                all[municipalityId]?.rows[ym] = rows
                all[municipalityId]?.asOf[ym] = asOf
                all[municipalityId]?.seen[ym] = mark.ledgerSeq
            }
        }
    }

    private let starts = Mutex<[UUID: YearMonth]>([:])

    /// The month of the municipality's earliest punch (nil: none yet): months before it are before the city used Yakuba,
    /// and are not counted. One index probe per person, once per process.
    func dataStart(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> YearMonth? {
        if let m = starts.withLock({ $0[municipalityId] }) { return m }
        struct Min: Decodable { var first: Int64? }
        let found = try await sql.raw("""
            SELECT MIN((SELECT MIN(p.at_ms) FROM punches p WHERE p.staff_id = s.id)) AS first FROM staff s WHERE s.municipality_id = \(bind: municipalityId)
            """).first(decoding: Min.self)?.first
        guard let ms = found, let muni = try await MunicipalityRepository.find(sql, id: municipalityId) else { return nil }
        let m = YearMonth(CalendarDate(Date(timeIntervalSince1970: Double(ms) / 1000), in: muni.zone))
        starts.withLock { $0[municipalityId] = m }
        return m
    }

    /// Forgets what is in memory (the rows are read again from the database on the next page).
    func forget(_ municipalityId: UUID) { entries.withLock { _ = $0.removeValue(forKey: municipalityId) } }
}

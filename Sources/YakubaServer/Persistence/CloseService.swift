import Foundation
import Synchronization
import Fluent
import SQLKit
import YakubaCore

/// 締め: close events (closed / reopened, each a fact) and the figures frozen at each close.
struct CreateClose: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("monthly_closes")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("month", .string, .required)            // YYYY-MM
            .field("department_id", .uuid)                 // nil = the whole municipality
            .field("action", .string, .required)           // closed | reopened
            .field("reason", .string, .required)
            .field("staff_count", .int, .required)
            .field("actor_id", .uuid, .required)
            .field("at_ms", .int64, .required)
            .create()
        try await db.schema("monthly_figures")
            .id()
            .field("close_id", .uuid, .required, .references("monthly_closes", "id"))
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required)
            .field("month", .string, .required)
            .field("department_id", .uuid)
            .field("figures", .string, .required)          // JSON MonthlyFigures
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "monthly_closes_month_idx").on("monthly_closes").column("municipality_id").column("month").run()
            try await sql.create(index: "monthly_figures_close_idx").on("monthly_figures").column("close_id").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["monthly_figures", "monthly_closes"] { try await db.schema(t).delete() }
    }
}

struct CloseEventRow: Codable, Sendable, Hashable {
    var id: UUID; var municipalityId: UUID; var month: String; var departmentId: UUID?; var action: String; var reason: String
    var staffCount: Int; var actorId: UUID; var atMs: Int64
}

struct FiguresRow: Codable, Sendable, Hashable {
    var id: UUID; var closeId: UUID; var municipalityId: UUID; var staffId: UUID; var month: String; var departmentId: UUID?; var figures: String
}

/// What stands in the way of a close.
struct CloseBlockers: Sendable {
    var pendingLeave: [LeaveRequestRow] = []
    var pendingCorrections: [PunchCorrection] = []
    /// past orders not yet reported, or reported and not confirmed
    var openOrders: [CloseOrder] = []
    /// per person, the days with missing punches or absence without leave
    var anomalies: [(StaffRow, [AttendanceDay])] = []
    /// 超勤代休時間 offered for the month's hours over 60 and not yet answered: the answer changes the month's pay
    var openTimeOff: [TimeOffRow] = []

    var pendingCount: Int { pendingLeave.count + pendingCorrections.count + openOrders.count + openTimeOff.count }
}

enum CloseService {
    /// The latest event per department (nil key = the whole municipality) for a month.
    static func events(_ sql: any SQLDatabase, municipalityId: UUID, month: YearMonth) async throws -> [CloseEventRow] {
        try await sql.select().column("*").from("monthly_closes").where("municipality_id", .equal, SQLBind(municipalityId))
            .where("month", .equal, SQLBind(month.iso)).orderBy("at_ms").all(decoding: CloseEventRow.self, with: rowDecoder)
    }

    /// The departments (nil = all) whose month is closed now.
    static func closedScopes(_ events: [CloseEventRow]) -> [UUID?: CloseEventRow] {
        var latest: [UUID?: CloseEventRow] = [:]
        for e in events { latest[e.departmentId] = e }
        return latest.filter { $0.value.action == "closed" }
    }

    /// Whether a person's date lies in a closed month (closed for the whole municipality or for their department or one above).
    static func isClosed(_ sql: any SQLDatabase, municipalityId: UUID, departmentId: UUID?, date: CalendarDate, tree: DepartmentTree) async throws -> Bool {
        let closed = closedScopes(try await events(sql, municipalityId: municipalityId, month: YearMonth(date)))
        if closed.isEmpty { return false }
        if closed[nil] != nil { return true }
        var cur = departmentId
        while let id = cur { if closed[id] != nil { return true }; cur = tree.rows[id]?.parentId }
        return false
    }

    /// Active staff of the departments (and below), or of the whole municipality, employed in the month.
    static func staff(_ sql: any SQLDatabase, municipalityId: UUID, departments: Set<UUID>?, month: YearMonth, sqlitePath: String? = nil) async throws -> [StaffRow] {
        let all: [StaffRow]
        if let path = sqlitePath {
            all = try SQLiteBulkReader(path: path).staff(municipalityId: municipalityId).filter { s in departments.map { d in s.departmentId.map(d.contains) ?? false } ?? true }
        } else {
            var q = sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(municipalityId))
            if let departments { q = q.where("department_id", .in, SQLBind.group(Array(departments))) }
            all = try await q.orderBy("staff_number").all(decoding: StaffRow.self, with: rowDecoder)
        }
        return all.filter { s in (s.start.map { $0 <= month.last } ?? true) && (s.end.map { $0 >= month.first } ?? true) }
    }

    /// The books and figures of `staff` for `month`, and what blocks the close. `computeNanos` is the pure computation's time:
    /// with `timings` above 1 it is run that many times on the same facts and each run's time is returned, in order (the
    /// benchmark reports their median: one run on a shared two-core machine varies by a quarter).
    /// `cutoff`: count only what happened before it (punches and corrections before the instant, marks on days before its
    /// date): the dashboard's monthly aggregates are the month as of a midnight, so the day's punches do not change them.
    static func compute(_ sql: any SQLDatabase, municipality muni: MunicipalityRow, staff: [StaffRow], month: YearMonth, tree: DepartmentTree,
                        sqlitePath: String? = nil, now: Date = Date(), timings: Int = 1, cutoff: Date? = nil)
        async throws -> (figures: [(StaffRow, MonthlyFigures)], blockers: CloseBlockers, computeNanos: [UInt64], counted: [UUID: Int]) {
        var blockers = CloseBlockers()
        let ids = staff.map(\.id)
        let zone = muni.zone
        let bulk = sqlitePath.map(SQLiteBulkReader.init(path:))
        // the punches and marks, the biggest read, in two halves on connections and threads of their own while the rest is
        // read beside them (SQLite in WAL mode lets readers run in parallel)
        let from = month.first.adding(days: -1).instant(atMinute: 0, in: zone)
        let to = min(month.last.adding(days: 2).instant(atMinute: 0, in: zone), cutoff ?? .distantFuture)
        typealias Read = (punches: [UUID: [EffectivePunch]], marks: [UUID: [DayMark]])
        func readFacts(_ part: ArraySlice<UUID>) async throws -> Read? {
            guard let bulk else { return nil }
            let people = Array(part)
            return try await SQLiteBulkReader.offThread { try bulk.closeFacts(ids: people, fromMs: nowMs(from), toMs: nowMs(to), firstDay: month.first, lastDay: month.last) }
        }
        async let firstHalf = readFacts(ids[..<(ids.count / 2)])
        async let secondHalf = readFacts(ids[(ids.count / 2)...])
        // overtime orders of the month: paid ranges count, open ones block
        let orders: [CloseOrder]
        if let bulk { orders = try await SQLiteBulkReader.offThread { try bulk.closeOrders(municipalityId: muni.id, from: month.first, to: month.last) } }
        else {
            orders = try await OvertimeRepository.orders(sql, municipalityId: muni.id, staffIds: ids.count > 2000 ? nil : ids, from: month.first, to: month.last, limit: 1_000_000)
                .compactMap(CloseOrder.init)
        }
        let idSet = Set(ids)
        var paid: [UUID: [CalendarDate: [MinuteRange]]] = [:]
        // the minutes the limits count (人事院規則15-14: ordered time as reported and confirmed), per person
        var counted: [UUID: Int] = [:]
        let today = CalendarDate(now, in: muni.zone)
        for o in orders where idSet.contains(o.staffId) {
            if let r = o.paidRange { counted[o.staffId, default: 0] += r.length }
            if o.status == .reported || (o.status == .ordered && o.date < today) { blockers.openOrders.append(o) }
            if let r = o.paidRange, o.status == .confirmed || o.status == .reported { paid[o.staffId, default: [:]][o.date, default: []].append(r) }
        }
        // pending leave and corrections touching the month
        let routing = try await Routing.load(sql, municipalityId: muni.id, tree: tree)
        var leave: [LeaveRequestRow], decisions: [UUID: [LeaveDecisionRow]]? = nil
        if let bulk { (leave, decisions) = try await SQLiteBulkReader.offThread { try bulk.leave(municipalityId: muni.id, from: month.first, to: month.last) } }
        else { leave = try await LeaveRepository.requests(sql, municipalityId: muni.id, staffIds: ids.count > 2000 ? nil : ids, from: month.first, to: month.last, limit: 1_000_000) }
        leave = leave.filter { idSet.contains($0.staffId) }
        let byId = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0) })
        blockers.pendingLeave = try await LeaveRepository.records(sql, leave, staffById: byId, routing: routing, decisions: decisions)
            .filter { $0.state.isOpen || $0.state == .noApprover }.map(\.request)
        let fromMs = nowMs(month.first.instant(atMinute: 0, in: zone)), toMs = nowMs(month.last.adding(days: 1).instant(atMinute: 0, in: zone))
        blockers.pendingCorrections = try await CorrectionRepository.list(sql, staffIds: ids.count > 2000 ? nil : ids, municipalityId: muni.id, pendingOnly: true, limit: 100_000)
            .filter { c in idSet.contains(c.staffId) && ((c.at.map { nowMs($0) }).map { $0 >= fromMs && $0 < toMs } ?? false) }

        // 超勤代休時間: offers for the month's hours over 60 (given ones move pay, open ones block), days off taken in it
        let timeOffOffers = try await TimeOffRepository.records(sql, municipalityId: muni.id, sourceMonth: month).filter { idSet.contains($0.offer.staffId) }
        blockers.openTimeOff = timeOffOffers.filter { $0.state(today: today) == .offered }.map(\.offer)
        let timeOff = TimeOffRepository.given(timeOffOffers)
        let timeOffMarks = bulk == nil ? [:] : try await TimeOffRepository.marks(sql, municipalityId: muni.id, from: month.first, to: month.last).filter { idSet.contains($0.key) }

        var facts = BookService.CloseFacts()
        if let one = try await firstHalf, let two = try await secondHalf {
            facts.assignments = try await ScheduleRepository.assignments(sql, municipalityId: muni.id)
            let moves = try await ScheduleRepository.moves(sql, municipalityId: muni.id)
            facts.swaps = moves.swaps
            facts.daysOff = moves.daysOff
            facts.roster = ScheduleRepository.rosterDays(try await ScheduleRepository.rosterRows(sql, municipalityId: muni.id, from: month.first, to: month.last))
            facts.punches = one.punches.merging(two.punches) { a, _ in a }
            facts.marks = one.marks.merging(two.marks) { a, _ in a }
            facts.marks.merge(timeOffMarks) { $0 + $1 }
            for chunk in ids.chunked(2000) {
                facts.corrections.merge(try await CorrectionRepository.corrections(sql: sql, staffIds: chunk, fromMs: nowMs(from) - 86_400_000, toMs: nowMs(to))) { a, _ in a }
            }
        } else {
            for chunk in staff.chunked(2000) {
                let f = BookService.CloseFacts(try await BookService.facts(sql, municipality: muni, staffIds: chunk.map(\.id), month: month))
                facts.punches.merge(f.punches) { a, _ in a }
                facts.corrections.merge(f.corrections) { a, _ in a }
                facts.marks.merge(f.marks) { a, _ in a }
                facts.assignments.merge(f.assignments) { a, _ in a }
                facts.swaps.merge(f.swaps) { a, _ in a }
                facts.daysOff.merge(f.daysOff) { a, _ in a }
                facts.roster.merge(f.roster) { a, _ in a }
            }
        }
        if let cutoff {
            let ms = nowMs(cutoff), day = CalendarDate(cutoff, in: zone)
            facts.punches = facts.punches.mapValues { $0.filter { nowMs($0.at) < ms } }
            facts.corrections = facts.corrections.mapValues { $0.filter { c in c.at.map { nowMs($0) < ms } ?? true } }
            facts.marks = facts.marks.mapValues { $0.filter { $0.date < day } }
        }
        // a 振替 in the week the month starts in: that week's 38h45m counts from its Sunday, in the month before
        var weekBefore: [UUID: Int] = [:]
        if month.first.weekday > 0 {
            let boundary = month.first.dayNumber - month.first.weekday
            let swapped = staff.filter { s in facts.swaps[s.id].map { RestDaySwap.weekStarts($0).contains(boundary) } ?? false }
            for book in try await BookService.books(sql, municipality: muni, staff: swapped, month: month.previous, now: now) {
                weekBefore[book.staff.id] = MonthlyComputation.weekRegularBefore(month, days: book.days)
            }
        }
        let (figures, anomalies, first) = Self.figures(facts, paid: paid, timeOff: timeOff, weekBefore: weekBefore, municipality: muni, staff: staff,
                                                       month: month, now: now)
        blockers.anomalies = anomalies
        var nanos = [first]
        for _ in 1..<max(1, timings) {
            nanos.append(Self.figures(facts, paid: paid, timeOff: timeOff, weekBefore: weekBefore, municipality: muni, staff: staff, month: month, now: now).nanos)
        }
        return (figures, blockers, nanos, counted)
    }

    /// The pure computation: facts in memory → days → figures, on every core; each person's days are dropped once their
    /// figures are made (only days with an open anomaly are kept, for the list HR checks).
    static func figures(_ facts: BookService.CloseFacts, paid: [UUID: [CalendarDate: [MinuteRange]]], timeOff: [UUID: Int] = [:], weekBefore: [UUID: Int] = [:],
                        municipality muni: MunicipalityRow,
                        staff: [StaffRow], month: YearMonth, now: Date)
        -> (figures: [(StaffRow, MonthlyFigures)], anomalies: [(StaffRow, [AttendanceDay])], nanos: UInt64) {
        let started = DispatchTime.now().uptimeNanoseconds
        let chunk = max(50, staff.count / 64)
        let parts = stride(from: 0, to: staff.count, by: chunk).map { $0..<min($0 + chunk, staff.count) }
        // each part's figures in the part's order, and the days still open by the person's position in `staff`
        let results = Mutex<[Int: (figures: [MonthlyFigures], open: [(Int, [AttendanceDay])])]>([:])
        let schedules = BookService.weeklySchedules(of: staff)
        DispatchQueue.concurrentPerform(iterations: parts.count) { i in
            var figures: [MonthlyFigures] = []
            figures.reserveCapacity(parts[i].count)
            var open: [(Int, [AttendanceDay])] = []
            BookService.closeFigures(facts, municipality: muni, staff: staff[parts[i]], month: month, now: now, schedules: schedules,
                                     paidOrders: paid, timeOff: timeOff, weekRegularBefore: weekBefore) { k, f, days in
                figures.append(f)
                if !days.isEmpty { open.append((k, days)) }
            }
            results.withLock { $0[i] = (figures, open) }
        }
        var figures: [(StaffRow, MonthlyFigures)] = []
        figures.reserveCapacity(staff.count)
        var anomalies: [(StaffRow, [AttendanceDay])] = []
        results.withLock { r in
            for (i, part) in parts.enumerated() {
                guard let done = r[i] else { continue }
                for (k, f) in zip(part, done.figures) { figures.append((staff[k], f)) }
                for (k, days) in done.open { anomalies.append((staff[k], days)) }
            }
        }
        return (figures, anomalies, DispatchTime.now().uptimeNanoseconds - started)
    }

    /// Freezes the figures: one close event and a figures row per person, in one transaction, on the ledger.
    static func close(_ writer: LedgerWriter, municipalityId: UUID, month: YearMonth, departmentId: UUID?, figures: [(StaffRow, MonthlyFigures)],
                      actor: UUID) async throws -> CloseEventRow {
        let event = CloseEventRow(id: UUID.timeOrdered(), municipalityId: municipalityId, month: month.iso, departmentId: departmentId, action: "closed",
                                  reason: "", staffCount: figures.count, actorId: actor, atMs: nowMs())
        var rows: [FiguresRow] = []
        rows.reserveCapacity(figures.count)
        for (s, f) in figures {
            rows.append(FiguresRow(id: UUID.timeOrdered(), closeId: event.id, municipalityId: municipalityId, staffId: s.id, month: month.iso,
                                   departmentId: s.departmentId, figures: f.storedJSON))
        }
        // the ledger holds the event and a digest of every frozen row, so a later change to a figure is detectable
        var digest = SHA256Digest.hex(rows.map { "\($0.staffId.upperText)|\($0.figures)" }.joined(separator: "\n"))
        if rows.isEmpty { digest = "" }
        struct Fact: Codable { var event: CloseEventRow; var figuresSha256: String }
        let fact = Fact(event: event, figuresSha256: digest)
        let batch = rows
        try await writer.perform { _, sql in
            try await sql.insert(into: "monthly_closes").model(event, with: rowEncoder).run()
            // the rows' values bound directly (20,000 rows through the Codable row encoder cost most of a second); on SQLite,
            // where ids are stored as their upper-case text, ids go as that text: SQLiteKit encodes a UUID through its Codable
            // path and Foundation's `uuidString` (sprintf), a third of the write
            let textIds = sql.dialect.name == "sqlite"
            func id(_ u: UUID) -> SQLBind { textIds ? SQLBind(u.upperText) : SQLBind(u) }
            func id(_ u: UUID?) -> SQLBind { u.map(id) ?? SQLBind(UUID?.none) }
            for chunk in batch.chunked(400) {
                var insert = sql.insert(into: "monthly_figures").columns("id", "close_id", "municipality_id", "staff_id", "month", "department_id", "figures")
                for r in chunk {
                    insert = insert.values(id(r.id), id(r.closeId), id(r.municipalityId), id(r.staffId), SQLBind(r.month), id(r.departmentId), SQLBind(r.figures))
                }
                try await insert.run()
            }
            return [LedgerDraft(municipalityId: municipalityId, actorId: actor, type: "month.closed", subjectId: month.iso, fact: fact)]
        }
        return event
    }

    /// The frozen figures of the month for every closed scope, the latest close per person.
    static func frozen(_ sql: any SQLDatabase, municipalityId: UUID, month: YearMonth) async throws -> [UUID: MonthlyFigures] {
        let closed = closedScopes(try await events(sql, municipalityId: municipalityId, month: month))
        guard !closed.isEmpty else { return [:] }
        var out: [UUID: (Int64, MonthlyFigures)] = [:]
        let decoder = JSONDecoder()
        for e in closed.values {
            for r in try await sql.select().column("*").from("monthly_figures").where("close_id", .equal, SQLBind(e.id)).all(decoding: FiguresRow.self, with: rowDecoder) {
                guard let f = try? decoder.decode(MonthlyFigures.self, from: Data(r.figures.utf8)) else { continue }
                if (out[r.staffId]?.0 ?? .min) < e.atMs { out[r.staffId] = (e.atMs, f) }
            }
        }
        return out.mapValues(\.1)
    }
}

import Crypto

enum SHA256Digest {
    static func hex(_ s: String) -> String { SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined() }
}

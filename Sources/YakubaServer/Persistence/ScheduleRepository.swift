import Foundation
import SQLKit
import YakubaCore

/// Dated schedule assignments: read per person, written with the roster change that makes them.
enum ScheduleRepository {
    /// Each person's assignments, in the order they were recorded (a later one on the same date wins).
    static func assignments(_ sql: any SQLDatabase, staffIds: [UUID]) async throws -> [UUID: [ScheduleAssignment]] {
        var out: [UUID: [ScheduleAssignment]] = [:]
        for chunk in staffIds.chunked(500) {
            try await read(sql, "staff_id", .in, SQLBind.group(chunk), into: &out)
        }
        return out
    }

    /// Every assignment of a municipality (a small table: a row per change of someone's hours), for the close.
    static func assignments(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [UUID: [ScheduleAssignment]] {
        var out: [UUID: [ScheduleAssignment]] = [:]
        try await read(sql, "municipality_id", .equal, SQLBind(municipalityId), into: &out)
        return out
    }

    private static func read(_ sql: any SQLDatabase, _ column: String, _ op: SQLBinaryOperator, _ value: any SQLExpression,
                             into out: inout [UUID: [ScheduleAssignment]]) async throws {
        let rows = try await sql.select().column("*").from("schedule_assignments").where(SQLIdentifier(column), op, value)
            .orderBy("recorded_at_ms").all(decoding: ScheduleAssignmentRow.self, with: rowDecoder)
        for r in rows { if let a = r.assignment { out[r.staffId, default: []].append(a) } }
    }

    /// A person's timeline, read from the database.
    static func timeline(_ sql: any SQLDatabase, staff: StaffRow) async throws -> ScheduleTimeline {
        let moved = try await moves(sql, staffIds: [staff.id])
        return staff.timeline(try await assignments(sql, staffIds: [staff.id])[staff.id], swaps: moved.swaps[staff.id], daysOff: moved.daysOff[staff.id],
                              roster: try await roster(sql, staffIds: [staff.id])[staff.id])
    }

    // MARK: 勤務割

    /// The roster rows of these people (or of the municipality) from `from` through `to` (all dates when nil), in the order recorded.
    static func rosterRows(_ sql: any SQLDatabase, staffIds: [UUID]? = nil, municipalityId: UUID? = nil, from: CalendarDate? = nil,
                           to: CalendarDate? = nil) async throws -> [RosterDayRow] {
        func query() -> SQLSelectBuilder {
            var q = sql.select().column("*").from("roster_days")
            if let municipalityId { q = q.where("municipality_id", .equal, SQLBind(municipalityId)) }
            if let from { q = q.where("date", .greaterThanOrEqual, SQLBind(from.iso)) }
            if let to { q = q.where("date", .lessThanOrEqual, SQLBind(to.iso)) }
            return q
        }
        guard let staffIds else { return try await query().orderBy("recorded_at_ms").all(decoding: RosterDayRow.self, with: rowDecoder) }
        var rows: [RosterDayRow] = []
        for chunk in staffIds.chunked(500) {
            rows += try await query().where("staff_id", .in, SQLBind.group(chunk)).orderBy("recorded_at_ms").all(decoding: RosterDayRow.self, with: rowDecoder)
        }
        return rows.sorted { $0.recordedAtMs < $1.recordedAtMs }
    }

    /// Each person's roster days in force (the latest row for each date; a cleared date has none).
    static func rosterDays(_ rows: [RosterDayRow]) -> [UUID: [RosterDay]] {
        var latest: [UUID: [String: RosterDayRow]] = [:]
        for r in rows { latest[r.staffId, default: [:]][r.date] = r }
        return latest.mapValues { $0.values.compactMap(\.rosterDay).sorted { $0.date < $1.date } }.filter { !$0.value.isEmpty }
    }

    static func roster(_ sql: any SQLDatabase, staffIds: [UUID], from: CalendarDate? = nil, to: CalendarDate? = nil) async throws -> [UUID: [RosterDay]] {
        rosterDays(try await rosterRows(sql, staffIds: staffIds, from: from, to: to))
    }

    // MARK: 週休日の振替 and 代休日

    /// The swaps and 代休日 in force, by person.
    struct Moves: Sendable {
        var swaps: [UUID: [RestDaySwap]] = [:]
        var daysOff: [UUID: [CompensatoryDayOff]] = [:]

        init(_ rows: [RestDaySwapRow]) {
            for r in active(rows) {
                if let s = r.swap { swaps[r.staffId, default: []].append(s) }
                if let c = r.dayOff { daysOff[r.staffId, default: []].append(c) }
            }
        }
    }

    /// The swap rows (swaps and cancellations) of a municipality, in the order recorded.
    static func swapRows(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [RestDaySwapRow] {
        try await sql.select().column("*").from("rest_day_swaps").where("municipality_id", .equal, SQLBind(municipalityId))
            .orderBy("recorded_at_ms").all(decoding: RestDaySwapRow.self, with: rowDecoder)
    }

    /// The swaps in force: those not cancelled.
    static func active(_ rows: [RestDaySwapRow]) -> [RestDaySwapRow] {
        let cancelled = Set(rows.compactMap(\.cancelsId))
        return rows.filter { $0.cancelsId == nil && !cancelled.contains($0.id) }
    }

    /// Each person's swaps and 代休日 in force.
    static func moves(_ sql: any SQLDatabase, staffIds: [UUID]) async throws -> Moves {
        var rows: [RestDaySwapRow] = []
        for chunk in staffIds.chunked(500) {
            rows += try await sql.select().column("*").from("rest_day_swaps").where("staff_id", .in, SQLBind.group(chunk))
                .orderBy("recorded_at_ms").all(decoding: RestDaySwapRow.self, with: rowDecoder)
        }
        return Moves(rows)
    }

    /// Every swap and 代休日 in force in a municipality, by person (for the close).
    static func moves(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> Moves {
        Moves(try await swapRows(sql, municipalityId: municipalityId))
    }

    static func insert(_ row: RestDaySwapRow, _ sql: any SQLDatabase) async throws {
        try await sql.insert(into: "rest_day_swaps").model(row, with: rowEncoder).run()
    }

    static func insert(_ row: ScheduleAssignmentRow, _ sql: any SQLDatabase) async throws {
        try await sql.insert(into: "schedule_assignments").model(row, with: rowEncoder).run()
    }
}

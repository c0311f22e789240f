import Foundation
import Synchronization
import Fluent
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// コンディション (issue 5): one answer per person and day, given at clock-in when the municipality uses the check. Facts
/// on the ledger (`condition.recorded`); the first answer of a day is kept.
struct CreateConditionChecks: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("condition_checks")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("date", .string, .required)
            .field("score", .int, .required)
            .field("recorded_at_ms", .int64, .required)
            .unique(on: "staff_id", "date")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "condition_checks_muni_idx").on("condition_checks").column("municipality_id").column("date").run()
        }
    }
    func revert(on db: any Database) async throws { try await db.schema("condition_checks").delete() }
}

struct ConditionRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var date: String
    var score: Int
    var recordedAtMs: Int64
    var check: ConditionCheck? { CalendarDate(iso: date).map { ConditionCheck(staffId: staffId, date: $0, score: score) } }
}

enum ConditionRepository {
    /// Records the day's answer unless the person already gave one; whether it was recorded.
    @discardableResult
    static func record(_ writer: LedgerWriter, _ row: ConditionRow) async throws -> Bool {
        let recorded = Mutex(false)
        try await writer.perform { _, sql in
            let known = try await sql.select().column("id").from("condition_checks").where("staff_id", .equal, SQLBind(row.staffId))
                .where("date", .equal, SQLBind(row.date)).first()
            guard known == nil else { return [] }
            // another server process may have kept one a moment ago: then nothing is written
            try await sql.insert(into: "condition_checks").model(row, with: rowEncoder).ignoringConflicts(with: ["staff_id", "date"]).run()
            recorded.withLock { $0 = true }
            return [ledgerDraft(row)]
        }
        return recorded.withLock { $0 }
    }

    /// The ledger's entry for an answer: that one was given that day, not the score (health data the ledger could never erase).
    static func ledgerDraft(_ row: ConditionRow) -> LedgerDraft {
        struct Given: Codable { var id: UUID; var staffId: UUID; var date: String }
        return LedgerDraft(municipalityId: row.municipalityId, actorId: row.staffId, type: "condition.recorded", subjectId: row.staffId.uuidString.lowercased(),
                           fact: Given(id: row.id, staffId: row.staffId, date: row.date))
    }

    static func answered(_ sql: any SQLDatabase, staffId: UUID, date: CalendarDate) async throws -> Bool {
        try await sql.select().column("id").from("condition_checks").where("staff_id", .equal, SQLBind(staffId)).where("date", .equal, SQLBind(date.iso)).first() != nil
    }

    /// The answers of the staff given (nil = the municipality's) from `from` to `to`.
    static func checks(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]?, from: CalendarDate, to: CalendarDate) async throws -> [ConditionCheck] {
        func q() -> SQLSelectBuilder {
            sql.select().columns("id", "municipality_id", "staff_id", "date", "score", "recorded_at_ms").from("condition_checks")
                .where(staffIds == nil ? SQLIdentifier("municipality_id") : municipalityTerm(sql), .equal, SQLBind(municipalityId))
                .where("date", .greaterThanOrEqual, SQLBind(from.iso)).where("date", .lessThanOrEqual, SQLBind(to.iso))
        }
        guard let ids = staffIds else { return try await q().all(decoding: ConditionRow.self, with: rowDecoder).compactMap(\.check) }
        var out: [ConditionCheck] = []
        for chunk in ids.chunked(500) where !chunk.isEmpty {
            out += try await q().where("staff_id", .in, SQLBind.group(chunk)).all(decoding: ConditionRow.self, with: rowDecoder).compactMap(\.check)
        }
        return out
    }

    /// Each person's decline (tenths of a point) up to `through`, added up in the database: the last 4 weeks against the 8
    /// before. People with too few answers are absent.
    /// - departments: only the people of these departments (nil: everyone)
    static func declines(_ sql: any SQLDatabase, municipalityId: UUID, through: CalendarDate, departments: Set<UUID>? = nil) async throws -> [UUID: Int] {
        if let departments, departments.isEmpty { return [:] }
        let recentFrom = through.adding(days: -(ConditionTrend.recentDays - 1)), previousFrom = recentFrom.adding(days: -ConditionTrend.previousDays)
        struct Sums: Decodable { var staffId: UUID; var rt: Int?; var rn: Int; var pt: Int?; var pn: Int }
        let rows = try await sql.raw("""
            SELECT staff_id, SUM(CASE WHEN date >= \(bind: recentFrom.iso) THEN score END) AS rt, SUM(CASE WHEN date >= \(bind: recentFrom.iso) THEN 1 ELSE 0 END) AS rn,
                   SUM(CASE WHEN date < \(bind: recentFrom.iso) THEN score END) AS pt, SUM(CASE WHEN date < \(bind: recentFrom.iso) THEN 1 ELSE 0 END) AS pn
            FROM condition_checks WHERE municipality_id = \(bind: municipalityId) AND date >= \(bind: previousFrom.iso) AND date <= \(bind: through.iso)
            \(unsafeRaw: departments == nil ? "" : "AND staff_id IN (SELECT id FROM staff WHERE department_id IN (")\(departments.map { d in SQLList(d.sorted { $0.uuidString < $1.uuidString }.map { SQLBind($0) }) } ?? SQLList([]))\(unsafeRaw: departments == nil ? "" : "))")
            GROUP BY staff_id
            """).all(decoding: Sums.self, with: rowDecoder)
        var out: [UUID: Int] = [:]
        for r in rows {
            if let d = ConditionTrend.decline(recentTotal: r.rt ?? 0, recentAnswers: r.rn, previousTotal: r.pt ?? 0, previousAnswers: r.pn) { out[r.staffId] = d }
        }
        return out
    }
}

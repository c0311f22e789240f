import Foundation
import Fluent
import Vapor
import SQLKit
import YakubaCore

/// The roster's sensitive part (issue 5): sex and children's births, for the published indicators. Kept apart from the
/// `staff` table so that no roster query reads it by accident; facts only (`PersonalFact`), each on the ledger; HR alone
/// reads and writes them, and each time HR opens a person's record or the indicators, the view goes on the ledger too.
struct CreatePersonalFacts: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("staff_personal_facts")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("kind", .string, .required)             // sex | birth | birth_withdrawn
            .field("value", .string, .required)
            .field("recorded_by", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "staff_personal_facts_staff_idx").on("staff_personal_facts").column("staff_id").run()
            try await sql.create(index: "staff_personal_facts_muni_idx").on("staff_personal_facts").column("municipality_id").run()
            // the indicators read the childcare leaves of a year by type, not the whole municipality's leave
            try await sql.create(index: "leave_requests_type_idx").on("leave_requests").column("municipality_id").column("type_code").column("from_date").run()
        }
    }
    func revert(on db: any Database) async throws {
        if let sql = db as? any SQLDatabase { try await sql.drop(index: "leave_requests_type_idx").run() }
        try await db.schema("staff_personal_facts").delete()
    }
}

struct PersonalFactRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var kind: String
    var value: String
    var recordedBy: UUID
    var recordedAtMs: Int64

    var fact: PersonalFact? {
        PersonalFact.Kind(rawValue: kind).map { PersonalFact(id: id, staffId: staffId, kind: $0, value: value, recordedAtMs: recordedAtMs) }
    }
}

enum PersonalRepository {
    /// The records of a municipality's staff (those with none are absent), or of the staff given.
    static func records(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]? = nil, sqlitePath: String? = nil) async throws -> [UUID: PersonalRecord] {
        // the whole city on SQLite: the bulk reader (twenty thousand rows through Codable take a visible share of a second)
        if staffIds == nil, let path = sqlitePath {
            let facts = try await SQLiteBulkReader.offThread { try SQLiteBulkReader(path: path).personalFacts(municipalityId: municipalityId) }
            return Dictionary(grouping: facts, by: \.staffId).mapValues(PersonalRecord.fold)
        }
        var rows: [PersonalFactRow] = []
        if let ids = staffIds {
            for chunk in ids.chunked(500) where !chunk.isEmpty {
                rows += try await sql.select().column("*").from("staff_personal_facts").where(municipalityTerm(sql), .equal, SQLBind(municipalityId))
                    .where("staff_id", .in, SQLBind.group(chunk)).all(decoding: PersonalFactRow.self, with: rowDecoder)
            }
        } else {
            rows = try await sql.select().column("*").from("staff_personal_facts").where("municipality_id", .equal, SQLBind(municipalityId))
                .all(decoding: PersonalFactRow.self, with: rowDecoder)
        }
        var facts: [UUID: [PersonalFact]] = [:]
        for r in rows { if let f = r.fact { facts[r.staffId, default: []].append(f) } }
        return facts.mapValues(PersonalRecord.fold)
    }

    /// Appends facts, each with its ledger entry, in one transaction.
    static func append(_ writer: LedgerWriter, _ rows: [PersonalFactRow]) async throws {
        guard !rows.isEmpty else { return }
        try await writer.perform { _, sql in
            for c in rows.chunked(500) { try await sql.insert(into: "staff_personal_facts").models(c, with: rowEncoder).run() }
            return rows.map(ledgerDraft)
        }
    }

    /// The ledger's entry for a fact: that it was recorded, of what kind, by whom — not the value, which the ledger could
    /// never erase (sensitive personal data is kept only as long as it is needed; the fact's row can be deleted).
    static func ledgerDraft(_ row: PersonalFactRow) -> LedgerDraft {
        struct Recorded: Codable { var id: UUID; var staffId: UUID; var kind: String; var recordedBy: UUID; var recordedAtMs: Int64 }
        return LedgerDraft(municipalityId: row.municipalityId, actorId: row.recordedBy, type: "staff.personal_recorded", subjectId: row.staffId.uuidString.lowercased(),
                           fact: Recorded(id: row.id, staffId: row.staffId, kind: row.kind, recordedBy: row.recordedBy, recordedAtMs: row.recordedAtMs))
    }

    /// Puts a view of sensitive data on the ledger: who looked, at whose record (or at which report).
    static func logView(_ writer: LedgerWriter, municipalityId: UUID, viewer: UUID, subject: String, what: String) async throws {
        struct View: Codable { var viewer: UUID; var what: String }
        try await writer.perform { _, _ in
            [LedgerDraft(municipalityId: municipalityId, actorId: viewer, type: "personal.viewed", subjectId: subject, fact: View(viewer: viewer, what: what))]
        }
    }
}

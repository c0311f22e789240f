import Foundation
import Vapor
import SQLKit
import YakubaCore

/// Roster changes: each is one transaction with its ledger entry.
enum StaffWrites {
    static func setPassword(_ req: Request, staff: StaffRow, hash: String, mustChange: Bool, actor: UUID) async throws -> StaffRow {
        var s = staff
        s.passwordHash = hash
        s.mustChangePassword = mustChange
        s.updatedAtMs = max(nowMs(), staff.updatedAtMs + 1)
        let updated = s
        try await req.yakuba.writer.perform { _, sql in
            try await sql.update("staff").set("password_hash", to: SQLBind(hash)).set("must_change_password", to: SQLBind(mustChange))
                .set("updated_at_ms", to: SQLBind(updated.updatedAtMs)).where("id", .equal, SQLBind(staff.id)).run()
            struct Fact: Codable { var staffId: UUID; var mustChange: Bool }
            return [LedgerDraft(municipalityId: staff.municipalityId, actorId: actor, type: mustChange ? "staff.password_reset" : "staff.password_changed",
                                subjectId: staff.id.uuidString.lowercased(), fact: Fact(staffId: staff.id, mustChange: mustChange))]
        }
        return updated
    }

    static func insert(_ writer: LedgerWriter, staff: StaffRow, approverOf: [UUID], actor: UUID?) async throws {
        try await writer.perform { _, sql in
            try await sql.insert(into: "staff").model(staff, with: rowEncoder).run()
            for d in approverOf {
                try await sql.insert(into: "approver_departments").columns("staff_id", "department_id").values(SQLBind(staff.id), SQLBind(d)).run()
            }
            return [LedgerDraft(municipalityId: staff.municipalityId, actorId: actor, type: "staff.created", subjectId: staff.id.uuidString.lowercased(), fact: staff.ledgerFact)]
        }
    }
}

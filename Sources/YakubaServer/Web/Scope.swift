import Foundation
import Vapor
import YakubaCore

/// What a person may see: staff their own; approvers the departments they head (and those below);
/// HR and administrators their whole municipality. Never another municipality.
struct Scope: Sendable {
    var principal: Principal
    var municipality: MunicipalityRow
    var tree: DepartmentTree
    var approverOf: Set<UUID>

    static func load(_ req: Request) async throws -> Scope {
        let p = try req.requirePrincipal()
        guard let m = try await MunicipalityRepository.find(req.sql, id: p.municipalityId) else { throw Abort(.forbidden) }
        let tree = DepartmentTree(try await DepartmentRepository.all(req.sql, municipalityId: p.municipalityId))
        let direct = p.isApprover ? try await StaffRepository.approverDepartments(req.sql, staffId: p.staffId) : []
        return Scope(principal: p, municipality: m, tree: tree, approverOf: tree.descendants(of: direct))
    }

    /// The department choices this person may filter by.
    var departmentOptions: [(value: String, label: String)] { tree.options(visible: visibleDepartments) }

    /// nil = every department of the municipality
    var visibleDepartments: Set<UUID>? { principal.isHR ? nil : approverOf }

    func canView(_ s: StaffRow) -> Bool {
        guard s.municipalityId == principal.municipalityId else { return false }
        if s.id == principal.staffId || principal.isHR { return true }
        return s.departmentId.map { approverOf.contains($0) } ?? false
    }

    /// Approve a correction or punch for someone: their approver or HR, never oneself.
    func canApprove(for s: StaffRow) -> Bool {
        guard s.municipalityId == principal.municipalityId, s.id != principal.staffId else { return false }
        if principal.isHR { return true }
        return s.departmentId.map { approverOf.contains($0) } ?? false
    }

    /// Load a person the caller may see, or answer 404 (not 403, so ids cannot be probed).
    func staff(_ req: Request, _ id: UUID?) async throws -> StaffRow {
        guard let id, let s = try await StaffRepository.find(req.sql, id: id), canView(s) else {
            throw ProblemError(status: .notFound, title: req.lang.t("職員が見つかりません。", "Staff member not found."))
        }
        return s
    }
}

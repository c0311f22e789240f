import Foundation

// 承認ルート / 代決 (glossary `ApprovalRoute`, `deputy`): a request passes one to several steps (e.g. 係長 → 課長);
// any one approver of the current step decides it; when that approver is away a named deputy may decide instead
// (代決); nobody decides their own request. The route is worked out from the requester's department when it is
// looked at, so a pending request follows a person who transfers.

/// One step: any one of `approverIds` decides it.
public struct ApprovalStep: Sendable, Codable, Hashable {
    public var label: String
    public var approverIds: [UUID]
    public init(label: String, approverIds: [UUID]) { self.label = label; self.approverIds = approverIds }
}

public struct ApprovalRoute: Sendable, Codable, Hashable {
    public var steps: [ApprovalStep]
    public init(steps: [ApprovalStep]) { self.steps = steps }
}

/// 代決: `deputyId` may decide for `approverId` from `from` to `to`.
public struct Delegation: Sendable, Codable, Hashable {
    public var approverId: UUID
    public var deputyId: UUID
    public var from: CalendarDate
    public var to: CalendarDate
    public init(approverId: UUID, deputyId: UUID, from: CalendarDate, to: CalendarDate) {
        self.approverId = approverId; self.deputyId = deputyId; self.from = from; self.to = to
    }
    public func active(on d: CalendarDate) -> Bool { from <= d && d <= to }
}

/// A decision on one step.
public struct ApprovalDecision: Sendable, Codable, Hashable {
    public enum Outcome: String, Sendable, Codable { case approved, rejected }
    public var step: Int
    public var outcome: Outcome
    public var by: UUID
    /// set when decided as 代決
    public var onBehalfOf: UUID?
    public init(step: Int, outcome: Outcome, by: UUID, onBehalfOf: UUID? = nil) {
        self.step = step; self.outcome = outcome; self.by = by; self.onBehalfOf = onBehalfOf
    }
}

public enum ApprovalState: Sendable, Hashable {
    /// waiting for step `step` (0-based)
    case pending(step: Int)
    case approved
    case rejected(step: Int)
    case withdrawn
    /// no step has an approver (the department has no 所属長 and no route): HR must set one
    case noApprover

    public var isOpen: Bool { if case .pending = self { return true }; return false }
}

/// Why someone may not decide.
public enum ApprovalRefusal: String, Sendable, Hashable, Error {
    case ownRequest = "own_request"
    case notTheirTurn = "not_their_turn"
    case closed

    public var messageJa: String {
        switch self {
        case .ownRequest: "自分の申請は承認できません。"
        case .notTheirTurn: "この申請の現在の承認者ではありません（代決の設定もありません）。"
        case .closed: "この申請はすでに処理されています。"
        }
    }
    public var messageEn: String {
        switch self {
        case .ownRequest: "You cannot decide your own request."
        case .notTheirTurn: "You are not the current approver of this request (nor their deputy)."
        case .closed: "This request has already been decided."
        }
    }
}

public enum Approvals {
    /// Where a request stands, from its route and the decisions so far (in order).
    public static func state(route: ApprovalRoute, decisions: [ApprovalDecision], withdrawn: Bool = false) -> ApprovalState {
        if withdrawn { return .withdrawn }
        let steps = route.steps.filter { !$0.approverIds.isEmpty }
        if steps.isEmpty { return .noApprover }
        for (i, _) in steps.enumerated() {
            guard let d = decisions.last(where: { $0.step == i }) else { return .pending(step: i) }
            if d.outcome == .rejected { return .rejected(step: i) }
        }
        return .approved
    }

    /// The route with the requester removed from every step (nobody approves their own request); a step left
    /// empty passes to the next, so a 課長's own request goes to whoever is above.
    public static func effectiveRoute(_ route: ApprovalRoute, requester: UUID) -> ApprovalRoute {
        ApprovalRoute(steps: route.steps.map { ApprovalStep(label: $0.label, approverIds: $0.approverIds.filter { $0 != requester }) }
            .filter { !$0.approverIds.isEmpty })
    }

    /// Whether `person` may decide the current step now, and for whom (代決) if not in their own right.
    public static func canDecide(person: UUID, requester: UUID, route: ApprovalRoute, decisions: [ApprovalDecision],
                                 delegations: [Delegation], on date: CalendarDate, withdrawn: Bool = false) -> Result<UUID?, ApprovalRefusal> {
        if person == requester { return .failure(.ownRequest) }
        let r = effectiveRoute(route, requester: requester)
        guard case .pending(let step) = state(route: r, decisions: decisions, withdrawn: withdrawn) else { return .failure(.closed) }
        let approvers = r.steps[step].approverIds
        if approvers.contains(person) { return .success(nil) }
        if let d = delegations.first(where: { $0.deputyId == person && approvers.contains($0.approverId) && $0.active(on: date) }) {
            return .success(d.approverId)
        }
        return .failure(.notTheirTurn)
    }
}

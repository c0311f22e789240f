import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }

@Suite("Approval routes (承認ルート・代決)")
struct ApprovalTests {
    let staff = UUID(), kakaricho = UUID(), kacho = UUID(), deputy = UUID(), other = UUID()
    var route: ApprovalRoute { ApprovalRoute(steps: [ApprovalStep(label: "係長", approverIds: [kakaricho]), ApprovalStep(label: "課長", approverIds: [kacho])]) }

    @Test func twoStepsInOrder() {
        // 係長 → 課長: the 課長 cannot decide before the 係長.
        #expect(Approvals.state(route: route, decisions: []) == .pending(step: 0))
        #expect(Approvals.canDecide(person: kacho, requester: staff, route: route, decisions: [], delegations: [], on: d(2026, 11, 24)) == .failure(.notTheirTurn))
        #expect(Approvals.canDecide(person: kakaricho, requester: staff, route: route, decisions: [], delegations: [], on: d(2026, 11, 24)) == .success(nil))
        let first = [ApprovalDecision(step: 0, outcome: .approved, by: kakaricho)]
        #expect(Approvals.state(route: route, decisions: first) == .pending(step: 1))
        #expect(Approvals.canDecide(person: kacho, requester: staff, route: route, decisions: first, delegations: [], on: d(2026, 11, 24)) == .success(nil))
        #expect(Approvals.state(route: route, decisions: first + [ApprovalDecision(step: 1, outcome: .approved, by: kacho)]) == .approved)
        #expect(Approvals.state(route: route, decisions: [ApprovalDecision(step: 0, outcome: .rejected, by: kakaricho)]) == .rejected(step: 0))
        #expect(Approvals.canDecide(person: kacho, requester: staff, route: route, decisions: [ApprovalDecision(step: 0, outcome: .rejected, by: kakaricho)],
                                    delegations: [], on: d(2026, 11, 24)) == .failure(.closed))
    }

    @Test func nobodyApprovesTheirOwnRequest() {
        // The 係長's own request skips the step they are on and goes to the 課長.
        #expect(Approvals.canDecide(person: kakaricho, requester: kakaricho, route: route, decisions: [], delegations: [], on: d(2026, 11, 24)) == .failure(.ownRequest))
        let eff = Approvals.effectiveRoute(route, requester: kakaricho)
        #expect(eff.steps.map(\.label) == ["課長"])
        #expect(Approvals.canDecide(person: kacho, requester: kakaricho, route: route, decisions: [], delegations: [], on: d(2026, 11, 24)) == .success(nil))
        // a route of only oneself has no approver left
        #expect(Approvals.state(route: Approvals.effectiveRoute(ApprovalRoute(steps: [ApprovalStep(label: "課長", approverIds: [kacho])]), requester: kacho), decisions: []) == .noApprover)
    }

    @Test func aDeputyDecidesWhileTheApproverIsAway() {
        // 代決: only within the delegation's dates, only for the current step's approver.
        let away = Delegation(approverId: kakaricho, deputyId: deputy, from: d(2026, 11, 20), to: d(2026, 11, 27))
        #expect(Approvals.canDecide(person: deputy, requester: staff, route: route, decisions: [], delegations: [away], on: d(2026, 11, 24)) == .success(kakaricho))
        #expect(Approvals.canDecide(person: deputy, requester: staff, route: route, decisions: [], delegations: [away], on: d(2026, 11, 28)) == .failure(.notTheirTurn))
        let first = [ApprovalDecision(step: 0, outcome: .approved, by: deputy, onBehalfOf: kakaricho)]
        #expect(Approvals.canDecide(person: deputy, requester: staff, route: route, decisions: first, delegations: [away], on: d(2026, 11, 24)) == .failure(.notTheirTurn))
        #expect(Approvals.canDecide(person: other, requester: staff, route: route, decisions: [], delegations: [away], on: d(2026, 11, 24)) == .failure(.notTheirTurn))
    }

    @Test func withdrawnAndEmptyRoutes() {
        #expect(Approvals.state(route: route, decisions: [], withdrawn: true) == .withdrawn)
        #expect(Approvals.state(route: ApprovalRoute(steps: []), decisions: []) == .noApprover)
        #expect(!ApprovalState.approved.isOpen && ApprovalState.pending(step: 0).isOpen)
    }
}

import Foundation
import Testing
@testable import YakubaApps

@Suite struct WorkflowTests {
    let dx1 = UUID(), dx2 = UUID(), requester = UUID(), stranger = UUID()
    var process: ProcessDefinition { ShippedApps.digitisationRequests.process! }
    func members(_ role: String) -> [UUID] { role == "dx_office" ? [dx1, dx2] : [] }
    var record: RecordContext { RecordContext(creator: requester, data: [:], assignees: []) }
    func caller(_ id: UUID) -> AppCaller { AppCaller(staffId: id, roles: id == dx1 || id == dx2 ? ["dx_office"] : [], departmentIds: []) }

    @Test func aNewRequestWaitsForAnyoneInTheDXOffice() throws {
        let s = try Workflow.initialState(process, record: record, chosen: nil, members: members).get()
        #expect(s.status == "受付")
        #expect(s.assignees == [dx1, dx2])
        #expect(Workflow.available(process, state: s, caller: caller(requester), record: record, canEdit: true).isEmpty, "the requester is not an assignee")
        #expect(Workflow.available(process, state: s, caller: caller(dx2), record: record, canEdit: true).map(\.name) == ["調査を始める", "見送る"])
    }

    @Test func aOnePersonStatusNeedsItsAssigneeChosenFromTheCandidates() throws {
        let s = try Workflow.initialState(process, record: record, chosen: nil, members: members).get()
        let noChoice = Workflow.perform(process, action: "調査を始める", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: nil, comment: "", members: members)
        #expect((try? noChoice.get()) == nil)
        let outsider = Workflow.perform(process, action: "調査を始める", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: stranger, comment: "", members: members)
        if case .failure(let p) = outsider { #expect(p.all[0].messageJa.contains("候補ではありません")) } else { Issue.record("accepted a stranger") }
        let t = try Workflow.perform(process, action: "調査を始める", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: dx2, comment: "", members: members).get()
        #expect(t.moved && t.to == "調査" && t.state.assignees == [dx2])
        // now only dx2 may act
        let byDx1 = Workflow.perform(process, action: "内製で対応", state: t.state, caller: caller(dx1), record: record, canEdit: true, chosen: dx1, comment: "", members: members)
        if case .failure(let p) = byDx1 { #expect(p.all[0].messageJa.contains("権限がありません")) } else { Issue.record("a non-assignee moved it") }
    }

    @Test func anActionFromAnotherStatusOrWithoutItsCommentIsRefused() throws {
        let s = RecordState(status: "調査", assignees: [dx1])
        let stale = Workflow.perform(process, action: "完了にする", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: nil, comment: "", members: members)
        if case .failure(let p) = stale { #expect(p.all[0].messageJa.contains("ほかの人が先に進めた")) } else { Issue.record("accepted") }
        let noReason = Workflow.perform(process, action: "見送る", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: nil, comment: "  ", members: members)
        if case .failure(let p) = noReason { #expect(p.all[0].path == "comment") } else { Issue.record("accepted") }
        let t = try Workflow.perform(process, action: "見送る", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: nil, comment: "予算がない", members: members).get()
        #expect(t.to == "見送り" && t.state.assignees.isEmpty)
    }

    @Test func anAllMustActStatusMovesOnlyWhenEveryoneTookTheSameAction() throws {
        let p = ProcessDefinition(statuses: [.init(name: "審査", assignee: AssigneeRule(mode: .all, candidates: [.role("dx_office")])), .init(name: "承認"), .init(name: "差戻し")],
                                  actions: [.init(name: "承認", from: "審査", to: "承認"), .init(name: "差戻し", from: "審査", to: "差戻し")])
        let s = try Workflow.initialState(p, record: record, chosen: nil, members: members).get()
        let first = try Workflow.perform(p, action: "承認", state: s, caller: caller(dx1), record: record, canEdit: true, chosen: nil, comment: "", members: members).get()
        #expect(!first.moved && first.state.status == "審査" && first.state.acted == [dx1: "承認"])
        let second = try Workflow.perform(p, action: "承認", state: first.state, caller: caller(dx2), record: record, canEdit: true, chosen: nil, comment: "", members: members).get()
        #expect(second.moved && second.to == "承認")
    }

    @Test func partiesOnARecord() {
        let r = RecordContext(creator: requester, data: ["requester": .text(stranger.uuidString.lowercased())], assignees: [dx1])
        #expect(Party.creator.includes(caller(requester), record: r))
        #expect(Party.field("requester").includes(caller(stranger), record: r))
        #expect(Party.assignee.includes(caller(dx1), record: r))
        #expect(!Party.assignee.includes(caller(dx2), record: r))
        #expect(!Party.creator.includes(caller(requester), record: nil))
        #expect(Party(text: "role:dx_office") == .role("dx_office"))
        #expect(Party(text: "admin") == nil)
    }

    @Test func fieldAccessAndAppRights() {
        let perms = ShippedApps.digitisationRequests.permissions
        #expect(perms.rights(of: caller(requester)) == [.view, .add, .edit], "edit is narrowed by the record rules to their own and their department's requests")
        #expect(perms.rights(of: caller(dx1)) == Set(AppRight.allCases), "manage implies every right")
        #expect(perms.access("effort_days", caller: caller(requester), record: nil) == .read)
        #expect(perms.access("effort_days", caller: caller(dx1), record: nil) == .write)
        #expect(perms.access("title", caller: caller(requester), record: nil) == .write)
        #expect(perms.readableEverywhere("effort_days", caller: caller(requester)))
    }
}

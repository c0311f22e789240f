import Foundation

/// Who is calling, as the app engine sees them: their staff id, the app roles the municipality's mapping gives them,
/// and their departments (for `MYDEPARTMENT()`).
public struct AppCaller: Sendable, Hashable {
    public var staffId: UUID
    public var roles: Set<String>
    /// the caller's department, the departments under it, and (for a 所属長) the departments they head and those under them
    public var departmentIds: [UUID]
    public init(staffId: UUID, roles: Set<String>, departmentIds: [UUID]) { self.staffId = staffId; self.roles = roles; self.departmentIds = departmentIds }
}

/// Where a record stands in its process: its status, who works on it now, and (for an all-must-act status) who has
/// acted and how.
public struct RecordState: Sendable, Hashable, Codable {
    public var status: String
    public var assignees: [UUID]
    /// staff id → the action they took, in a status whose assignees must all act
    public var acted: [UUID: String]
    public init(status: String, assignees: [UUID] = [], acted: [UUID: String] = [:]) { self.status = status; self.assignees = assignees; self.acted = acted }
}

/// What a record's creator, data and state say about a party.
public struct RecordContext: Sendable {
    public var creator: UUID
    public var data: [String: AppValue]
    public var assignees: [UUID]
    public init(creator: UUID, data: [String: AppValue], assignees: [UUID]) { self.creator = creator; self.data = data; self.assignees = assignees }
}

extension Party {
    /// Whether the caller is this party, for a record (nil: outside any record — only everyone and roles can match).
    public func includes(_ caller: AppCaller, record: RecordContext?) -> Bool {
        switch self {
        case .everyone: return true
        case .role(let r): return caller.roles.contains(r)
        case .creator: return record?.creator == caller.staffId
        case .assignee: return record?.assignees.contains(caller.staffId) ?? false
        case .field(let f): return record?.data[f]?.text == caller.staffId.uuidString.lowercased()
        }
    }
    /// The people this party names on a record, for choosing assignees. `members` lists a role's people.
    public func people(record: RecordContext, members: (String) -> [UUID]) -> [UUID] {
        switch self {
        case .everyone, .assignee: return []
        case .role(let r): return members(r)
        case .creator: return [record.creator]
        case .field(let f): return record.data[f]?.text.flatMap(UUID.init(uuidString:)).map { [$0] } ?? []
        }
    }
}

/// The result of an action.
public struct Transition: Sendable, Hashable {
    public var action: String
    public var from: String
    public var to: String
    public var state: RecordState
    /// false while an all-must-act status waits for the others: the action is recorded, the status unchanged
    public var moved: Bool
}

public enum Workflow {
    /// The candidates a status's rule names on a record, without repeats, in order.
    public static func candidates(_ rule: AssigneeRule, record: RecordContext, members: (String) -> [UUID]) -> [UUID] {
        var seen = Set<UUID>(), out: [UUID] = []
        for p in rule.candidates { for id in p.people(record: record, members: members) where seen.insert(id).inserted { out.append(id) } }
        return out
    }

    /// The state a new record starts in: the first status, with its assignees (`chosen` picks one for a one-person status).
    public static func initialState(_ process: ProcessDefinition, record: RecordContext, chosen: UUID?, members: (String) -> [UUID]) -> Result<RecordState, AppProblems> {
        guard let first = process.initial else { return .failure(AppProblems([AppProblem("status", "ステータスがありません。", "The app has no status.")])) }
        return assignees(first, record: record, chosen: chosen, members: members).map { RecordState(status: first.name, assignees: $0) }
    }

    static func assignees(_ status: StatusDefinition, record: RecordContext, chosen: UUID?, members: (String) -> [UUID]) -> Result<[UUID], AppProblems> {
        guard let rule = status.assignee else { return .success([]) }
        let cands = candidates(rule, record: record, members: members)
        switch rule.mode {
        case .one:
            if let c = chosen {
                guard cands.contains(c) else {
                    return .failure(AppProblems([AppProblem("assignee", "選んだ職員は「\(status.name)」の作業者の候補ではありません。", "The person chosen cannot be the assignee in \"\(status.name)\".")]))
                }
                return .success([c])
            }
            if cands.count == 1 { return .success(cands) }
            if cands.isEmpty { return .success([]) }
            return .failure(AppProblems([AppProblem("assignee", "「\(status.name)」の作業者を選んでください。", "Choose the assignee for \"\(status.name)\".")]))
        case .any, .all:
            return .success(cands)
        }
    }

    /// The actions the caller may take on the record now.
    public static func available(_ process: ProcessDefinition, state: RecordState, caller: AppCaller, record: RecordContext, canEdit: Bool) -> [ActionDefinition] {
        process.actions(from: state.status).filter { mayTake($0, process: process, state: state, caller: caller, record: record, canEdit: canEdit) }
    }

    static func mayTake(_ a: ActionDefinition, process: ProcessDefinition, state: RecordState, caller: AppCaller, record: RecordContext, canEdit: Bool) -> Bool {
        if !a.allowed.isEmpty { return a.allowed.contains { $0.includes(caller, record: record) } }
        if process.status(state.status)?.assignee != nil { return state.assignees.contains(caller.staffId) }
        return canEdit
    }

    /// Takes an action: checks that it exists from the record's status and that the caller may take it, then moves the
    /// record (or, where everyone must act, records this person's action until all have taken the same one).
    public static func perform(_ process: ProcessDefinition, action name: String, state: RecordState, caller: AppCaller, record: RecordContext,
                               canEdit: Bool, chosen: UUID?, comment: String, members: (String) -> [UUID]) -> Result<Transition, AppProblems> {
        func fail(_ path: String, _ ja: String, _ en: String) -> Result<Transition, AppProblems> { .failure(AppProblems([AppProblem(path, ja, en)])) }
        guard let a = process.actions(from: state.status).first(where: { $0.name == name }) else {
            let names = process.actions(from: state.status).map(\.name)
            return fail("action", "「\(state.status)」からのアクション「\(name)」はありません\(names.isEmpty ? "" : "（\(names.joined(separator: "、"))）")。ほかの人が先に進めた可能性があります。",
                        "There is no action \"\(name)\" from \"\(state.status)\"\(names.isEmpty ? "" : " (\(names.joined(separator: ", ")))"); someone may have moved the record first.")
        }
        guard mayTake(a, process: process, state: state, caller: caller, record: record, canEdit: canEdit) else {
            return fail("action", "このレコードで「\(a.name)」を実行する権限がありません（作業者: \(state.assignees.isEmpty ? "なし" : "\(state.assignees.count)人")）。", "You may not take \"\(a.name)\" on this record.")
        }
        if a.requiresComment, comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return fail("comment", "「\(a.name)」にはコメントが必要です。理由を入力してください。", "\"\(a.name)\" needs a comment: enter the reason.")
        }
        if let rule = process.status(state.status)?.assignee, rule.mode == .all, state.assignees.count > 1 {
            var acted = state.acted
            acted[caller.staffId] = a.name
            let allAgree = state.assignees.allSatisfy { acted[$0] == a.name }
            if !allAgree {
                var s = state; s.acted = acted
                return .success(Transition(action: a.name, from: state.status, to: state.status, state: s, moved: false))
            }
        }
        guard let target = process.status(a.to) else { return fail("action", "行き先のステータス「\(a.to)」がありません。", "The status \"\(a.to)\" does not exist.") }
        switch assignees(target, record: record, chosen: chosen, members: members) {
        case .failure(let p): return .failure(p)
        case .success(let people):
            return .success(Transition(action: a.name, from: state.status, to: a.to, state: RecordState(status: a.to, assignees: people), moved: true))
        }
    }
}

extension AppPermissions {
    /// The app-level rights of a caller: the union of the grants to everyone and to their roles.
    public func rights(of caller: AppCaller) -> Set<AppRight> {
        var out = Set<AppRight>()
        for g in app where g.party.includes(caller, record: nil) { out.formUnion(g.rights) }
        if out.contains(.manage) { out.formUnion(AppRight.allCases) }
        return out
    }

    /// A caller's access to a field, on a record if one is given. A field without rules is writable; one with rules
    /// gives the best access among the rules naming one of the caller's parties, and none when no rule names them.
    public func access(_ field: String, caller: AppCaller, record: RecordContext?) -> FieldAccess {
        let rules = fields.filter { $0.field == field }
        if rules.isEmpty { return .write }
        return rules.filter { $0.parties.contains { $0.includes(caller, record: record) } }.map(\.access).max() ?? .none
    }

    /// Whether the caller can read the field on every record (so it may be used to filter and sort a list).
    public func readableEverywhere(_ field: String, caller: AppCaller) -> Bool {
        let rules = fields.filter { $0.field == field }
        if rules.isEmpty { return true }
        return rules.contains { r in r.access >= .read && r.parties.contains { p in
            switch p { case .everyone, .role: p.includes(caller, record: nil); default: false }
        } }
    }
}

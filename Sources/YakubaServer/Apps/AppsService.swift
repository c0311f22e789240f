import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// What the app pages and the API share: who the caller is to an app, reading references typed by people (a staff
/// number, a department code, a record number) as ids, checking that they exist and may be seen, and the writes.
enum AppsService {
    /// Builders: the DX office role (given by HR) and the system administrator.
    static func mayBuild(_ p: Principal) -> Bool { p.roles.contains(.dx) || p.isAdmin }

    /// The app, if the caller may see it at all; 404 otherwise (an app's existence is not revealed).
    static func access(_ req: Request, _ scope: Scope, code: String, need right: AppRight = .view) async throws -> AppAccess {
        guard let app = try await AppStore.app(req.sql, municipalityId: scope.principal.municipalityId, code: code) else { throw notFound(req) }
        let a = access(scope, app, dialect: AppStore.dialect(req.sql))
        guard a.rights.contains(.view) else { throw notFound(req) }
        guard a.rights.contains(right) else {
            throw ProblemError(status: .forbidden, title: req.lang.t("この操作（\(right.labelJa)）の権限がありません。", "You may not do this (\(right.labelEn))."))
        }
        return a
    }

    static func notFound(_ req: Request) -> ProblemError {
        ProblemError(status: .notFound, title: req.lang.t("アプリが見つかりません。", "App not found."))
    }

    static func access(_ scope: Scope, _ app: InstalledApp, dialect: RecordSQL.Dialect) -> AppAccess {
        let p = scope.principal
        var roles = Set<String>()
        for (role, holders) in app.roleMap where holders.contains(where: { holds($0, p, scope) }) { roles.insert(role) }
        let mine = p.departmentId.map { scope.tree.descendants(of: [$0]) } ?? []
        let caller = AppCaller(staffId: p.staffId, roles: roles, departmentIds: Array(mine.union(scope.approverOf)).sorted { $0.uuidString < $1.uuidString })
        var rights = app.definition.permissions.rights(of: caller)
        // the system administrator and the app's maker can always repair its settings
        if p.isAdmin || app.row.createdBy == p.staffId { rights.insert(.manage) }
        if rights.contains(.manage) { rights.formUnion(AppRight.allCases) }
        // an app-scoped token sees only its apps, and only reads unless it may write; never the settings
        if let s = p.appScope {
            if !s.apps.contains(app.definition.code) { rights = [] }
            rights.remove(.manage)
            if !s.write { rights.formIntersection([.view, .exportRecords]) }
        }
        let tree = scope.tree
        let ctx = RecordSQL.Context(caller: caller, today: CalendarDate(Date(), in: scope.municipality.zone), zone: scope.municipality.zone,
                                    staff: { UUID(uuidString: $0) },
                                    department: { text in
                                        if let u = UUID(uuidString: text) { return u }
                                        return tree.rows.values.first { $0.code == text || $0.name == text }?.id
                                    })
        return AppAccess(app: app, caller: caller, rights: rights, context: ctx, compiler: RecordSQL(dialect: dialect, app: app.definition))
    }

    /// Whether the person holds a role-map entry.
    static func holds(_ entry: String, _ p: Principal, _ scope: Scope) -> Bool {
        if entry == "everyone" { return true }
        let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }
        switch parts[0] {
        case "staff": return UUID(uuidString: parts[1]) == p.staffId
        case "department":
            guard let d = UUID(uuidString: parts[1]), let mine = p.departmentId else { return false }
            return scope.tree.descendants(of: [d]).contains(mine)
        case "role": return Role(rawValue: parts[1]).map { p.roles.contains($0) } ?? false
        default: return false
        }
    }

    /// The people holding each role the app's statuses draw assignees from (at most 200 each, by staff number).
    static func members(_ req: Request, _ scope: Scope, _ app: InstalledApp) async throws -> [String: [UUID]] {
        var out: [String: [UUID]] = [:]
        let used = Set((app.definition.process?.statuses ?? []).flatMap { $0.assignee?.candidates ?? [] }.compactMap { p -> String? in if case .role(let r) = p { r } else { nil } })
        for role in used {
            let holders = app.roleMap[role] ?? []
            var ids: [UUID] = []
            var depts = Set<UUID>(), roles: [String] = [], everyone = false
            for h in holders {
                let parts = h.split(separator: ":", maxSplits: 1).map(String.init)
                if h == "everyone" { everyone = true }
                else if parts.count == 2, parts[0] == "staff", let u = UUID(uuidString: parts[1]) { ids.append(u) }
                else if parts.count == 2, parts[0] == "department", let d = UUID(uuidString: parts[1]) { depts.formUnion(scope.tree.descendants(of: [d])) }
                else if parts.count == 2, parts[0] == "role" { roles.append(parts[1]) }
            }
            if everyone { out[role] = []; continue }   // everyone is no list to choose from
            var q = req.sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(scope.principal.municipalityId)).where("active", .equal, SQLBind(true))
            q = q.where { w in
                var w = w
                if !ids.isEmpty { w = w.orWhere("id", .in, SQLBind.group(ids)) }
                if !depts.isEmpty { w = w.orWhere("department_id", .in, SQLBind.group(Array(depts))) }
                for r in roles { w = w.orWhere("roles", .like, SQLBind("%\(r)%")) }
                if ids.isEmpty && depts.isEmpty && roles.isEmpty { w = w.orWhere(SQLLiteral.boolean(false), .equal, SQLLiteral.boolean(true)) }
                return w
            }
            out[role] = try await q.orderBy("staff_number").limit(200).all(decodingColumn: "id", as: UUID.self)
        }
        return out
    }

    // MARK: references

    /// Reads what people type for references as ids (a staff number, a department code or name, a linked app's record
    /// number) and checks every reference: the person is on this municipality's roster, the department exists, the
    /// linked record exists and the caller may see it. Problems are keyed by field (and row) as the form shows them.
    static func resolve(_ req: Request, _ scope: Scope, _ access: AppAccess, _ input: [String: AppValue]) async throws -> ([String: AppValue], [AppProblem]) {
        try await resolve(req, scope, access, [input])[0]
    }

    /// The same for many records at once (a bulk, a CSV file): one query per kind of reference, not one per record.
    static func resolve(_ req: Request, _ scope: Scope, _ access: AppAccess, _ inputs: [[String: AppValue]]) async throws -> [([String: AppValue], [AppProblem])] {
        var outs = inputs
        var problems = inputs.map { _ in [AppProblem]() }
        let def = access.app.definition
        // collect every reference, in fields and in sub-table rows
        struct Ref { var input: Int; var path: String; var field: FieldDefinition; var text: String; var set: (inout [String: AppValue], AppValue) -> Void }
        var refs: [Ref] = []
        for (n, input) in inputs.enumerated() {
            for f in def.fields {
                switch f.type {
                case .user, .department, .link:
                    if case .text(let t)? = input[f.code], !t.trimmingCharacters(in: .whitespaces).isEmpty {
                        refs.append(Ref(input: n, path: f.code, field: f, text: t.trimmingCharacters(in: .whitespaces)) { d, v in d[f.code] = v })
                    }
                case .subtable:
                    guard case .list(let rows)? = input[f.code] else { continue }
                    for (i, row) in rows.enumerated() {
                        for c in f.rowFields where [.user, .department, .link].contains(c.type) {
                            guard case .text(let t)? = row.object?[c.code], !t.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                            refs.append(Ref(input: n, path: "\(f.code)[\(i)].\(c.code)", field: c, text: t.trimmingCharacters(in: .whitespaces)) { d, v in
                                guard case .list(var rs)? = d[f.code], case .object(var o) = rs[i] else { return }
                                o[c.code] = v; rs[i] = .object(o); d[f.code] = .list(rs)
                            })
                        }
                    }
                default: continue
                }
            }
        }
        if refs.isEmpty { return Array(zip(outs, problems)) }
        // people: by id or staff number, on this municipality's roster
        let people = refs.filter { $0.field.type == .user }
        if !people.isEmpty {
            let numbers = Array(Set(people.filter { UUID(uuidString: $0.text) == nil }.map(\.text)))
            var byNumber: [String: UUID] = [:]
            for chunk in numbers.chunked(500) where !chunk.isEmpty {
                for r in try await req.sql.select().column("id").column("staff_number").from("staff").where("municipality_id", .equal, SQLBind(scope.principal.municipalityId))
                    .where("staff_number", .in, SQLBind.group(chunk)).all() {
                    byNumber[try r.decode(column: "staff_number", as: String.self)] = try r.decode(column: "id", as: UUID.self)
                }
            }
            let ids = Array(Set(people.compactMap { UUID(uuidString: $0.text) }))
            let known = ids.isEmpty ? [:] : try await StaffRepository.find(req.sql, ids: ids)
            for r in people {
                let id = UUID(uuidString: r.text) ?? byNumber[r.text]
                if let id, UUID(uuidString: r.text) == nil || known[id]?.municipalityId == scope.principal.municipalityId {
                    r.set(&outs[r.input], .text(AppStore.id(id)))
                } else {
                    problems[r.input].append(AppProblem(r.path, "「\(r.field.label)」の職員番号「\(r.text)」の職員が見つかりません。", "No staff member with the number \"\(r.text)\" for \"\(r.field.label)\"."))
                }
            }
        }
        for r in refs where r.field.type == .department {
            if let d = access.context.department(r.text), scope.tree.rows[d] != nil { r.set(&outs[r.input], .text(AppStore.id(d))) }
            else { problems[r.input].append(AppProblem(r.path, "「\(r.field.label)」の所属「\(r.text)」が見つかりません。一覧から選んでください。", "No department \"\(r.text)\" for \"\(r.field.label)\"; choose one from the list.")) }
        }
        // links: a record of the linked app, which the caller may see there
        for (appCode, group) in Dictionary(grouping: refs.filter { $0.field.type == .link }, by: { $0.field.linkApp ?? "" }) {
            let target: AppAccess
            do { target = try await Self.access(req, scope, code: appCode) }
            catch {
                for r in group { problems[r.input].append(AppProblem(r.path, "「\(r.field.label)」の参照先アプリを見られないため、リンクできません。", "You cannot see the app \"\(r.field.label)\" links to, so you cannot link to it.")) }
                continue
            }
            func numberText(_ t: String) -> String { WorkRulesSettings.ascii(t).trimmingCharacters(in: CharacterSet(charactersIn: "#")) }
            var byNumber: [String: String] = [:]
            let numbers = Array(Set(group.compactMap { r -> Int64? in UUID(uuidString: r.text) == nil ? Int64(numberText(r.text)) : nil }))
            for chunk in numbers.chunked(500) where !chunk.isEmpty {
                for row in try await req.sql.raw("SELECT id, number FROM app_records WHERE app_id = \(bind: target.app.id) AND number IN (\(binds: chunk))").all() {
                    byNumber[String(try row.decode(column: "number", as: Int64.self))] = try row.decode(column: "id", as: String.self)
                }
            }
            let candidates = group.map { r in UUID(uuidString: r.text).map { AppStore.id($0) } ?? byNumber[numberText(r.text)] }
            let visible = try await AppStore.visibleIds(req.sql, target, ids: Array(Set(candidates.compactMap { $0 })))
            for (r, id) in zip(group, candidates) {
                if let id, visible.contains(id) { r.set(&outs[r.input], .text(id)) }
                else { problems[r.input].append(AppProblem(r.path, "「\(r.field.label)」のレコード「\(r.text)」が見つからないか、見る権限がありません。", "The record \"\(r.text)\" for \"\(r.field.label)\" was not found, or you may not see it.")) }
            }
        }
        return Array(zip(outs, problems))
    }

    // MARK: writes

    /// Validates and inserts records (a form's one, or up to 100 from the API): all or none. Problems are prefixed with the
    /// record's index when there are several.
    static func create(_ req: Request, _ scope: Scope, _ access: AppAccess, _ inputs: [[String: AppValue]], chosen: UUID? = nil, files: [NewFile] = []) async throws -> [StoredRecord] {
        let def = access.app.definition
        var records: [AppStore.NewRecord] = []
        var problems: [AppProblem] = []
        let members = def.process == nil ? [:] : try await Self.members(req, scope, access.app)
        for (i, (resolved, refProblems)) in try await resolve(req, scope, access, inputs).enumerated() {
            let prefix = inputs.count > 1 ? "records[\(i)]." : ""
            let access1 = { (f: String) in def.permissions.access(f, caller: access.caller, record: RecordContext(creator: access.caller.staffId, data: resolved, assignees: [])) }
            switch RecordValidation.apply(def, changes: resolved, to: nil, status: def.process?.initial?.name, access: access1, zone: scope.municipality.zone) {
            case .failure(let p):
                // a reference that could not be read says why (not found, not visible) rather than "choose from the list"
                problems += (refProblems + p.all.filter { vp in !refProblems.contains { $0.path == vp.path } }).map { AppProblem(prefix + $0.path, $0.messageJa, $0.messageEn) }
            case .success(let data):
                if !refProblems.isEmpty { problems += refProblems.map { AppProblem(prefix + $0.path, $0.messageJa, $0.messageEn) }; continue }
                let strange = unknownFiles(def, data, known: files.map(\.meta))
                if !strange.isEmpty { problems += strange.map { AppProblem(prefix + $0.path, $0.messageJa, $0.messageEn) }; continue }
                var state: RecordState? = nil
                if let process = def.process {
                    switch Workflow.initialState(process, record: RecordContext(creator: access.caller.staffId, data: data, assignees: []), chosen: chosen, members: { members[$0] ?? [] }) {
                    case .success(let s): state = s
                    case .failure(let p): problems += p.all.map { AppProblem(prefix + $0.path, $0.messageJa, $0.messageEn) }
                    }
                }
                records.append(.init(data: data, state: state))
            }
        }
        if !problems.isEmpty { throw AppProblems(problems) }
        let link = "/apps/\(def.code)"
        let notify = records.flatMap { r in
            Notifications.make(municipalityId: scope.principal.municipalityId, to: (r.state?.assignees ?? []).filter { $0 != scope.principal.staffId }, kind: "app.assigned",
                               ja: "「\(def.name)」に新しいレコードが届きました（作業者: あなた）。", en: "A new record in \"\(def.name)\" is waiting for you.", link: link)
        }
        let held = Set(records.flatMap { AppStore.fileIds(def, $0.data) })
        return try await AppStore.insert(req.yakuba.writer, app: access.app, records: records, actor: scope.principal.staffId, notify: notify,
                                         files: files.filter { held.contains($0.meta.id) })
    }

    /// Files a record's data names that are neither on the record already nor uploaded with this change (an id copied
    /// from another record, a name or hash altered): refused, so a file is only ever reached through a record holding it.
    static func unknownFiles(_ def: AppDefinition, _ data: [String: AppValue], known: [Attachments.Meta]) -> [AppProblem] {
        var out: [AppProblem] = []
        for f in def.fields where f.type == .attachment {
            for m in (data[f.code]?.list ?? []).compactMap(Attachments.Meta.init) where !known.contains(m) {
                out.append(AppProblem(f.code, "「\(f.label)」の「\(m.name)」はこのレコードの添付ファイルではありません。ファイルは画面から添付してください。",
                                      "\"\(m.name)\" is not a file of this record's \"\(f.label)\". Attach files on the record's page."))
            }
        }
        return out
    }

    /// Applies a partial update to records (the form's one, or up to 100 from the API): each checked against the record as
    /// it is inside the transaction — the caller's edit rule, its revision, the status's locks and the field access.
    static func update(_ req: Request, _ scope: Scope, _ access: AppAccess, _ changes: [(id: String, revision: Int?, values: [String: AppValue])], files: [NewFile] = []) async throws -> [StoredRecord] {
        var resolved: [(id: String, revision: Int?, values: [String: AppValue])] = []
        var problems: [AppProblem] = []
        for (i, (c, (values, refProblems))) in zip(changes, try await resolve(req, scope, access, changes.map(\.values))).enumerated() {
            problems += refProblems.map { AppProblem((changes.count > 1 ? "records[\(i)]." : "") + $0.path, $0.messageJa, $0.messageEn) }
            resolved.append((c.id, c.revision, values))
        }
        if !problems.isEmpty { throw AppProblems(problems) }
        let def = access.app.definition, caller = access.caller, zone = scope.municipality.zone
        let byId = Dictionary(resolved.map { ($0.id.lowercased(), $0.values) }, uniquingKeysWith: { a, _ in a })
        let multiple = changes.count > 1
        let order = resolved.map { $0.id.lowercased() }
        let uploaded = files.map(\.meta)
        return try await AppStore.mutate(req.yakuba.writer, access, ids: resolved.map { ($0.id.lowercased(), $0.revision) }, edit: true, actor: scope.principal.staffId, files: files) { rec in
            let values = byId[rec.id] ?? [:]
            let fieldAccess = { (f: String) in def.permissions.access(f, caller: caller, record: rec.context) }
            switch RecordValidation.apply(def, changes: values, to: rec.data, status: rec.status, access: fieldAccess, zone: zone) {
            case .failure(let p):
                let i = order.firstIndex(of: rec.id) ?? 0
                throw AppProblems(p.all.map { AppProblem((multiple ? "records[\(i)]." : "") + $0.path, $0.messageJa, $0.messageEn) })
            case .success(let data):
                let strange = unknownFiles(def, data, known: uploaded + AppStore.files(def, rec.data))
                if !strange.isEmpty { throw AppProblems(strange.map { AppProblem((multiple ? "records[\(order.firstIndex(of: rec.id) ?? 0)]." : "") + $0.path, $0.messageJa, $0.messageEn) }) }
                let keys = Set(data.keys).union(rec.data.keys).sorted()
                let diff = keys.compactMap { k in data[k] == rec.data[k] ? nil : RecordEvent.Change(field: k, before: rec.data[k], after: data[k]) }
                return AppStore.Mutation(data: data, event: RecordEvent(kind: "updated", changes: diff))
            }
        }
    }

    /// Takes a status action on a record.
    static func act(_ req: Request, _ scope: Scope, _ access: AppAccess, id: String, action: String, chosen: UUID?, comment: String, revision: Int?) async throws -> StoredRecord {
        guard let process = access.app.definition.process else {
            throw AppProblems([AppProblem("action", "このアプリにはプロセス管理がありません。", "This app has no process.")])
        }
        let members = try await Self.members(req, scope, access.app)
        let caller = access.caller, canEdit = access.rights.contains(.edit)
        let def = access.app.definition, muni = scope.principal.municipalityId, me = scope.principal.staffId
        let recs = try await AppStore.mutate(req.yakuba.writer, access, ids: [(id.lowercased(), revision)], edit: false, actor: me) { rec in
            guard let state = rec.state else { throw AppProblems([AppProblem("action", "このレコードにはステータスがありません。", "This record has no status.")]) }
            switch Workflow.perform(process, action: action, state: state, caller: caller, record: rec.context, canEdit: canEdit, chosen: chosen, comment: comment, members: { members[$0] ?? [] }) {
            case .failure(let p): throw p
            case .success(let t):
                let text = comment.trimmingCharacters(in: .whitespacesAndNewlines)
                let notify = Notifications.make(municipalityId: muni, to: t.moved ? t.state.assignees.filter { $0 != me } : [], kind: "app.assigned",
                                                ja: "「\(def.name)」のレコード #\(rec.number) が「\(t.to)」になりました（作業者: あなた）。",
                                                en: "Record #\(rec.number) of \"\(def.name)\" is now \"\(t.to)\" and waits for you.", link: "/apps/\(def.code)/records/\(rec.id)")
                return AppStore.Mutation(state: t.state, event: RecordEvent(kind: "action", action: t.action, from: t.from, to: t.to, comment: text.isEmpty ? nil : text, acted: t.moved ? nil : true), notify: notify)
            }
        }
        return recs[0]
    }

    /// Adds a comment; `@職員番号` mentions notify those people (if they may see the record, they can follow the link).
    static func comment(_ req: Request, _ scope: Scope, _ access: AppAccess, id: String, text: String) async throws -> StoredRecord {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw AppProblems([AppProblem("comment", "コメントを入力してください。", "Enter a comment.")]) }
        guard body.count <= 4000 else { throw AppProblems([AppProblem("comment", "コメントは4000文字以内にしてください。", "Keep the comment to 4,000 characters.")]) }
        let numbers = mentions(body)
        var ids: [UUID] = []
        for chunk in numbers.chunked(100) where !chunk.isEmpty {
            ids += try await req.sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(scope.principal.municipalityId))
                .where("staff_number", .in, SQLBind.group(chunk)).all(decodingColumn: "id", as: UUID.self)
        }
        let def = access.app.definition, muni = scope.principal.municipalityId, me = scope.principal.staffId, name = scope.principal.name
        let mentioned = ids
        let recs = try await AppStore.mutate(req.yakuba.writer, access, ids: [(id.lowercased(), nil)], edit: false, actor: me) { rec in
            let ids = mentioned
            return AppStore.Mutation(event: RecordEvent(kind: "comment", comment: body, mentions: ids.isEmpty ? nil : ids),
                              notify: Notifications.make(municipalityId: muni, to: ids.filter { $0 != me }, kind: "app.mentioned",
                                                         ja: "\(name)さんが「\(def.name)」#\(rec.number) のコメントであなたに言及しました。",
                                                         en: "\(name) mentioned you on #\(rec.number) of \"\(def.name)\".", link: "/apps/\(def.code)/records/\(rec.id)"))
        }
        return recs[0]
    }

    /// `@S001` → "S001" (ASCII letters, digits, - and _ after an @).
    static func mentions(_ text: String) -> [String] {
        var out: [String] = []
        var current: String? = nil
        for ch in text + " " {
            if ch == "@" || ch == "＠" { if let c = current, !c.isEmpty { out.append(c) }; current = ""; continue }
            if current != nil {
                if ch.isASCII && (ch.isLetter || ch.isNumber || ch == "-" || ch == "_") { current! += String(ch) }
                else { if let c = current, !c.isEmpty { out.append(c) }; current = nil }
            }
        }
        return Array(Set(out)).sorted()
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// The app engine's query API for integrations and RPA (issue 6): list with the query language and a cursor (no offset,
/// so no 10,000-record cap), get, create, update and delete, bulk create and update of up to 100 records in one
/// transaction, status actions and comments. Every call runs as its caller: app rights, record rules in the query, field
/// access on every value.
enum AppAPIController {
    static let maxBulk = 100
    static let maxLimit = 500

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["api", "v1", "apps"], access: .signedIn) { req in try await apps(req) }
        r.on(.GET, ["api", "v1", "apps", ":code"], access: .signedIn) { req in try await definition(req) }
        r.on(.GET, ["api", "v1", "apps", ":code", "records"], access: .signedIn) { req in try await list(req) }
        r.on(.GET, ["api", "v1", "apps", ":code", "aggregate"], access: .signedIn) { req in try await aggregate(req) }
        r.on(.POST, ["api", "v1", "apps", ":code", "records"], access: .signedIn, body: .collect(maxSize: "2mb")) { req in try await create(req) }
        r.on(.PATCH, ["api", "v1", "apps", ":code", "records"], access: .signedIn, body: .collect(maxSize: "2mb")) { req in try await bulkUpdate(req) }
        r.on(.GET, ["api", "v1", "apps", ":code", "records", ":id"], access: .signedIn) { req in try await get(req) }
        r.on(.PATCH, ["api", "v1", "apps", ":code", "records", ":id"], access: .signedIn) { req in try await update(req) }
        r.on(.DELETE, ["api", "v1", "apps", ":code", "records", ":id"], access: .signedIn) { req in try await delete(req) }
        r.on(.POST, ["api", "v1", "apps", ":code", "records", ":id", "actions"], access: .signedIn) { req in try await action(req) }
        r.on(.POST, ["api", "v1", "apps", ":code", "records", ":id", "comments"], access: .signedIn) { req in try await comment(req) }
    }

    // MARK: JSON

    static func json(_ value: AppValue, status: HTTPResponseStatus = .ok) -> Response {
        let res = Response(status: status, body: .init(string: value.canonicalJSON))
        res.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        return res
    }

    /// A record as the API gives it, without the fields the caller may not read.
    static func recordJSON(_ r: StoredRecord, _ access: AppAccess) -> AppValue {
        let perms = access.app.definition.permissions
        var data: [String: AppValue] = [:]
        for (k, v) in r.data where perms.access(k, caller: access.caller, record: r.context) >= .read { data[k] = v }
        return .object([
            "id": .text(r.id), "number": .number(Decimal(r.number)), "status": r.status.map(AppValue.text) ?? .null,
            "assignees": .list(r.assignees.map { .text(AppStore.id($0)) }), "revision": .number(Decimal(r.revision)),
            "createdBy": .text(AppStore.id(r.createdBy)), "createdAt": .text(r.createdAt),
            "updatedBy": .text(AppStore.id(r.updatedBy)), "updatedAt": .text(r.updatedAt), "data": .object(data),
        ])
    }

    static func body(_ req: Request) throws -> [String: AppValue] {
        guard let buf = req.body.data, let v = try? JSONDecoder().decode(AppValue.self, from: Data(buffer: buf)), case .object(let o) = v else {
            throw ProblemError(status: .badRequest, title: req.lang.t("本文は JSON のオブジェクトにしてください。", "The body must be a JSON object."))
        }
        return o
    }

    static func problems(_ req: Request, _ p: AppProblems) -> ProblemError {
        var errors: [String: String] = [:]
        for x in p.all where errors[x.path] == nil { errors[x.path] = req.lang.t(x.messageJa, x.messageEn) }
        return ProblemError(status: .unprocessableEntity, title: req.lang.t("入力に誤りがあります。", "Some values are not valid."),
                            detail: p.all.first.map { req.lang.t($0.messageJa, $0.messageEn) }, errors: errors)
    }

    /// Runs a handler, turning the engine's refusals into problem documents: 422 for bad values, 404 for a record that is
    /// not there or not visible, 409 for a stale revision.
    static func guarded(_ req: Request, _ body: () async throws -> Response) async throws -> Response {
        do { return try await body() }
        catch let p as AppProblems { throw problems(req, p) }
        catch let p as AppProblem { throw problems(req, AppProblems([p])) }
        catch let m as AppMissing { throw ProblemError(status: .notFound, title: req.lang.t("レコード \(m.id) が見つからないか、この操作の権限がありません。", "Record \(m.id) was not found, or you may not do this to it.")) }
        catch let s as AppStale { throw ProblemError(status: .conflict, title: req.lang.t("レコードはほかの人が先に更新しました（いまの版: \(s.current)）。読み直してからやり直してください。", "Someone else updated the record first (now revision \(s.current)). Read it again and retry."), code: "stale_revision") }
        catch AppConflict.revision { throw ProblemError(status: .conflict, title: req.lang.t("アプリの設定がほかの人に先に変更されました。", "Someone else changed the app first.")) }
    }

    // MARK: handlers

    static func apps(_ req: Request) async throws -> Response {
        let scope = try await Scope.load(req)
        let list = try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId).compactMap { app -> AppValue? in
            let a = AppsService.access(scope, app, dialect: AppStore.dialect(req.sql))
            guard a.rights.contains(.view) else { return nil }
            return .object(["code": .text(app.definition.code), "name": .text(app.definition.name), "revision": .number(Decimal(app.row.revision)),
                            "rights": .list(a.rights.map(\.rawValue).sorted().map(AppValue.text))])
        }
        return json(.object(["apps": .list(list)]))
    }

    static func definition(_ req: Request) async throws -> Response {
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "")
        let def = try JSONDecoder().decode(AppValue.self, from: Data(AppStore.encode(a.app.definition).utf8))
        return json(.object(["revision": .number(Decimal(a.app.row.revision)), "app": def]))
    }

    static func list(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "")
            let text = (try? req.query.get(String.self, at: "query")) ?? ""
            let query = try RecordQuery(parsing: text)
            let problems = query.check(a.app.definition, readable: a.canRead)
            if !problems.isEmpty { throw AppProblems(problems) }
            let limitText = (try? req.query.get(String.self, at: "limit")) ?? "100"
            guard let limit = Int(limitText), (1...maxLimit).contains(limit) else {
                throw AppProblems([AppProblem("limit", "limit は1〜\(maxLimit)の整数にしてください。", "limit must be a whole number from 1 to \(maxLimit).")])
            }
            let countText = try? req.query.get(String.self, at: "count")
            guard countText == nil || countText == "exact" else {
                throw AppProblems([AppProblem("count", "count には exact だけを指定できます。", "count takes only \"exact\".")])
            }
            let exact = countText == "exact"
            let page = try await AppStore.list(req.sql, a, query: query, cursor: try? req.query.get(String.self, at: "cursor"), limit: limit, exactCount: exact)
            return json(.object([
                "records": .list(page.records.map { recordJSON($0, a) }),
                "next": page.next.map(AppValue.text) ?? .null,
                "count": .number(Decimal(page.count)), "countIsExact": .bool(page.countIsExact),
            ]))
        }
    }

    /// Counts, sums or averages grouped by one or two fields (`group`, `group2`; a date as `due_on:month` or `:year`), over
    /// the records the caller may see that match `query` — what a chart view draws.
    static func aggregate(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "")
            func q(_ k: String) -> String? { (try? req.query.get(String.self, at: k)).flatMap { $0.isEmpty ? nil : $0 } }
            guard let agg = ChartSpec.Aggregate(rawValue: q("aggregate") ?? "count") else {
                throw AppProblems([AppProblem("aggregate", "aggregate は count・sum・average のどれかです。", "aggregate is count, sum or average.")])
            }
            func group(_ t: String?) throws -> ChartSpec.Group? {
                guard let t else { return nil }
                let p = t.split(separator: ":", maxSplits: 1).map(String.init)
                var period: ChartSpec.Period? = nil
                if p.count == 2 {
                    guard let x = ChartSpec.Period(rawValue: p[1]) else { throw AppProblems([AppProblem("group", "日付の分類は :month か :year です。", "Group a date by :month or :year.")]) }
                    period = x
                }
                return ChartSpec.Group(field: p[0], period: period)
            }
            let groups = [try group(q("group")), try group(q("group2"))].compactMap { $0 }
            var def = a.app.definition
            let spec = ChartSpec(aggregate: agg, field: q("field"), groups: groups)
            def.views = [ViewDefinition(name: "api", kind: .chart, chart: spec)]
            let problems = def.problems(knownApps: [def.code]).filter { $0.path.hasPrefix("views[0]") }
            if !problems.isEmpty { throw AppProblems(problems.map { AppProblem("group", $0.messageJa, $0.messageEn) }) }
            let query = try RecordQuery(parsing: q("query") ?? "")
            let qp = query.check(a.app.definition, readable: a.canRead)
            if !qp.isEmpty { throw AppProblems(qp) }
            let rows = try await AppStore.aggregate(req.sql, a, spec: spec, query: query, sqlitePath: req.yakuba.sqlitePath)
            return json(.object(["rows": .list(rows.map { r in
                .object(["group": r.g1.map(AppValue.text) ?? .null, "group2": r.g2.map(AppValue.text) ?? .null,
                         "value": .number(Decimal(string: String(format: "%.6f", r.value)) ?? 0), "count": .number(Decimal(r.count))])
            })]))
        }
    }

    static func get(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "")
            let id = req.parameters.get("id") ?? ""
            guard let r = try await AppStore.record(req.sql, a, id: id) else { throw AppMissing(id: id) }
            return json(recordJSON(r, a))
        }
    }

    static func values(_ v: AppValue?, _ path: String) throws -> [String: AppValue] {
        guard case .object(let o)? = v else { throw AppProblems([AppProblem(path, "\(path) にはフィールドコードと値のオブジェクトを渡してください。", "\(path) must be an object of field codes and values.")]) }
        return o
    }

    static func create(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .add)
            let b = try body(req)
            let inputs: [[String: AppValue]]
            if case .list(let list)? = b["records"] {
                guard (1...maxBulk).contains(list.count) else {
                    throw AppProblems([AppProblem("records", "一度に登録できるのは1〜\(maxBulk)件です（いま\(list.count)件）。", "Send 1 to \(maxBulk) records at a time (not \(list.count)).")])
                }
                inputs = try list.enumerated().map { i, v in try values(v, "records[\(i)]") }
            } else { inputs = [try values(b["record"], "record")] }
            let chosen = try staffId(b["assignee"], "assignee")
            let made = try await AppsService.create(req, scope, a, inputs, chosen: chosen)
            if b["records"] != nil { return json(.object(["records": .list(made.map { recordJSON($0, a) })]), status: .created) }
            return json(recordJSON(made[0], a), status: .created)
        }
    }

    /// An optional revision: absent is none; anything but a whole number (null included) is refused, never ignored.
    static func revision(_ v: AppValue?, _ path: String = "revision") throws -> Int? {
        guard let v else { return nil }
        guard case .number(let d) = v, d >= 0, d < 1_000_000_000, Decimal(NSDecimalNumber(decimal: d).intValue) == d else {
            throw AppProblems([AppProblem(path, "revision はレコードの版を表す整数です。", "revision is the record's revision, a whole number.")])
        }
        return NSDecimalNumber(decimal: d).intValue
    }

    /// An optional text: absent is none; another kind of value (null included) is refused.
    static func text(_ v: AppValue?, _ path: String) throws -> String? {
        guard let v else { return nil }
        guard case .text(let s) = v else { throw AppProblems([AppProblem(path, "\(path) は文字列で指定してください。", "\(path) must be a string.")]) }
        return s
    }

    /// An optional staff id (an assignee): absent is none; anything but a UUID is refused.
    static func staffId(_ v: AppValue?, _ path: String) throws -> UUID? {
        guard let s = try text(v, path) else { return nil }
        guard let u = UUID(uuidString: s) else { throw AppProblems([AppProblem(path, "\(path) は職員の ID（UUID）です。", "\(path) is a staff member's id (a UUID).")]) }
        return u
    }

    static func update(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .edit)
            let b = try body(req)
            let id = req.parameters.get("id") ?? ""
            let made = try await AppsService.update(req, scope, a, [(id, try revision(b["revision"]), try values(b["record"], "record"))])
            return json(recordJSON(made[0], a))
        }
    }

    static func bulkUpdate(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .edit)
            guard case .list(let list)? = try body(req)["records"], (1...maxBulk).contains(list.count) else {
                throw AppProblems([AppProblem("records", "records に1〜\(maxBulk)件の {\"id\", \"revision\", \"record\"} を渡してください。", "Send records: 1 to \(maxBulk) objects of {\"id\", \"revision\", \"record\"}.")])
            }
            let changes = try list.enumerated().map { i, item -> (id: String, revision: Int?, values: [String: AppValue]) in
                guard case .object(let o) = item, let id = o["id"]?.text else { throw AppProblems([AppProblem("records[\(i)].id", "records[\(i)] に id がありません。", "records[\(i)] has no id.")]) }
                return (id, try revision(o["revision"], "records[\(i)].revision"), try values(o["record"], "records[\(i)].record"))
            }
            guard Set(changes.map { $0.id.lowercased() }).count == changes.count else {
                throw AppProblems([AppProblem("records", "同じレコードが2回含まれています。", "A record appears twice.")])
            }
            let made = try await AppsService.update(req, scope, a, changes)
            return json(.object(["records": .list(made.map { recordJSON($0, a) })]))
        }
    }

    static func delete(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .delete)
            let id = req.parameters.get("id") ?? ""
            _ = try await AppStore.mutate(req.yakuba.writer, a, ids: [(id.lowercased(), nil)], edit: true, actor: scope.principal.staffId) { rec in
                AppStore.Mutation(event: RecordEvent(kind: "deleted", changes: rec.data.keys.sorted().map { .init(field: $0, before: rec.data[$0], after: nil) }), delete: true)
            }
            return Response(status: .noContent)
        }
    }

    static func action(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "")
            let b = try body(req)
            guard let name = try text(b["action"], "action"), !name.isEmpty else { throw AppProblems([AppProblem("action", "action（アクション名）を指定してください。", "Name the action.")]) }
            let r = try await AppsService.act(req, scope, a, id: req.parameters.get("id") ?? "", action: name,
                                              chosen: try staffId(b["assignee"], "assignee"), comment: try text(b["comment"], "comment") ?? "", revision: try revision(b["revision"]))
            return json(recordJSON(r, a))
        }
    }

    static func comment(_ req: Request) async throws -> Response {
        try await guarded(req) {
            let scope = try await Scope.load(req)
            let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "")
            let r = try await AppsService.comment(req, scope, a, id: req.parameters.get("id") ?? "", text: try text(try body(req)["comment"], "comment") ?? "")
            return json(recordJSON(r, a), status: .created)
        }
    }
}

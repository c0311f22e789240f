import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// Building an app in the browser, without code (issue 6): its fields, process (statuses and actions), roles and who holds
/// them, rights and record rules, and list views — one form that works without JavaScript (three blank rows per table; the
/// "add rows" button saves nothing and gives three more). Saving checks everything the engine checks and refuses with each
/// message beside its row; what the form does not edit (field rules, chart views, layout) is kept from the app as it was.
/// Templates: export as a file, import under a code and name of one's choosing with the roles mapped to local people.
enum AppBuilderController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["apps", "build"], access: .signedIn) { req in try await newApp(req) }
        r.on(.POST, ["apps", "build"], access: .signedIn) { req in try await saveNew(req) }
        r.on(.GET, ["apps", ":code", "settings"], access: .signedIn) { req in try await settings(req) }
        r.on(.POST, ["apps", ":code", "settings"], access: .signedIn) { req in try await saveSettings(req) }
        r.on(.GET, ["apps", ":code", "template.json"], access: .signedIn) { req in try await export(req) }
        r.on(.GET, ["apps", "import"], access: .signedIn) { req in try await importPage(req, errors: [], values: [:]) }
        r.on(.POST, ["apps", "import"], access: .signedIn, body: .collect(maxSize: "3mb")) { req in try await importTemplate(req) }
    }

    /// Codes the app pages use themselves.
    static let reservedCodes: Set<String> = ["build", "import", "new"]

    static func mayBuild(_ req: Request, _ scope: Scope) throws {
        guard AppsService.mayBuild(scope.principal) else {
            throw ProblemError(status: .forbidden, title: req.lang.t("アプリを作るには DX推進（アプリ作成）の役割が必要です。人事課に依頼してください。", "Building apps needs the DX office role; ask HR."))
        }
    }

    // MARK: the form's state

    /// The form as rows of named values, so a refused form comes back exactly as typed.
    struct State {
        var app: [String: String] = [:]
        var fields: [[String: String]] = []
        var statuses: [[String: String]] = []
        var actions: [[String: String]] = []
        var roles: [[String: String]] = []
        var grants: [String: String] = [:]          // "party|right" → "1"
        var rules: [[String: String]] = []
        var views: [[String: String]] = []
        var extra = 0

        static let blank = 3
        static let fieldKeys = ["code", "label", "type", "required", "help", "unit", "minimum", "maximum", "decimals", "maxLength", "maxMB", "choices", "linkApp", "expression", "columns", "existing", "remove"]
    }

    static func state(_ d: AppDefinition, roleMap: [String: [String]], names: [String: String]) -> State {
        var s = State()
        s.app = ["name": d.name, "code": d.code, "description": d.description, "titleField": d.titleField ?? "", "process": d.process == nil ? "" : "1"]
        s.fields = d.fields.map { f in
            var row: [String: String] = ["code": f.code, "label": f.label, "type": f.type.rawValue, "required": f.required ? "1" : "", "help": f.help ?? "",
                                         "unit": f.unit ?? "", "minimum": f.minimum.map(AppValue.format) ?? "", "maximum": f.maximum.map(AppValue.format) ?? "",
                                         "decimals": f.decimals.map(String.init) ?? "", "maxLength": f.maxLength.map(String.init) ?? "", "maxMB": f.maxBytes.map { AppValue.format(Decimal($0) / 1_048_576) } ?? "",
                                         "choices": (f.choices ?? []).joined(separator: "\n"), "linkApp": f.linkApp ?? "", "expression": f.expression ?? "", "existing": "1"]
            row["columns"] = (f.columns ?? []).map { c in [c.code, c.label, c.type.rawValue, c.required ? "必須" : ""].filter { !$0.isEmpty }.joined(separator: ", ") + ((c.choices ?? []).isEmpty ? "" : ", " + (c.choices ?? []).joined(separator: "/")) + (c.linkApp.map { ", " + $0 } ?? "") }.joined(separator: "\n")
            return row
        }
        for st in d.process?.statuses ?? [] {
            s.statuses.append(["name": st.name, "mode": st.assignee?.mode.rawValue ?? "", "who": st.assignee?.candidates.first?.description ?? "", "lockAll": st.lockedFields.contains("*") ? "1" : "",
                               "locked": st.lockedFields.filter { $0 != "*" }.joined(separator: ", ")])
        }
        for a in d.process?.actions ?? [] {
            s.actions.append(["name": a.name, "from": a.from, "to": a.to, "who": a.allowed.first?.description ?? "", "comment": a.requiresComment ? "1" : ""])
        }
        s.roles = d.permissions.roles.map { r in ["code": r.code, "label": r.label, "holders": (roleMap[r.code] ?? []).map { names[$0] ?? $0 }.joined(separator: ", ")] }
        for g in d.permissions.app { for r in g.rights { s.grants["\(g.party)|\(r.rawValue)"] = "1" } }
        s.rules = d.permissions.records.map { r in ["who": r.parties.map(\.description).joined(separator: ","), "condition": r.condition, "edit": r.edit ? "1" : ""] }
        s.views = d.views.map { v in
            ["name": v.name, "kind": v.kind.rawValue, "columns": v.columns.joined(separator: ", "), "query": v.query, "dateField": v.dateField ?? "",
             "chartAggregate": v.chart?.aggregate.rawValue ?? "", "chartField": v.chart?.field ?? "", "chartGroup1": v.chart?.groups.first.map { $0.field + ($0.period.map { ":" + $0.rawValue } ?? "") } ?? "",
             "chartGroup2": v.chart.flatMap { $0.groups.count > 1 ? $0.groups[1] : nil }.map { $0.field + ($0.period.map { ":" + $0.rawValue } ?? "") } ?? "",
             "chartShape": v.chart?.shape.rawValue ?? ""]
        }
        return s
    }

    static func state(_ form: FormPairs) -> State {
        var s = State()
        let d = form.dictionary
        for k in ["name", "code", "description", "titleField", "process"] { s.app[k] = d["app.\(k)"] ?? "" }
        func rows(_ prefix: String, _ keys: [String]) -> [[String: String]] {
            let n = min(Int(d["\(prefix).count"] ?? "0") ?? 0, 400)
            return (0..<n).map { i in Dictionary(uniqueKeysWithValues: keys.map { ($0, d["\(prefix).\(i).\($0)"] ?? "") }) }
        }
        s.fields = rows("fields", State.fieldKeys)
        s.statuses = rows("statuses", ["name", "mode", "who", "lockAll", "locked"])
        s.actions = rows("actions", ["name", "from", "to", "who", "comment"])
        s.roles = rows("roles", ["code", "label", "holders"])
        s.rules = rows("rules", ["who", "condition", "edit"])
        s.views = rows("views", ["name", "kind", "columns", "query", "dateField", "chartAggregate", "chartField", "chartGroup1", "chartGroup2", "chartShape"])
        for (k, v) in form.pairs where k.hasPrefix("grant.") { s.grants[String(k.dropFirst(6))] = v }
        s.extra = form["more"] != nil ? 3 : 0
        return s
    }

    static func isBlank(_ row: [String: String], ignoring: Set<String> = []) -> Bool {
        row.allSatisfy { k, v in ignoring.contains(k) || v.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," || $0 == "、" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    // MARK: state → definition

    struct Built { var definition: AppDefinition; var roleMap: [String: [String]]; var errors: [String: [String]] }

    /// The definition the form describes, the role mapping (holders read as ids), and every problem keyed by the form's row.
    static func build(_ s: State, previous: AppDefinition?, req: Request, scope: Scope, knownApps: Set<String>) async throws -> Built {
        let l = req.lang
        var errors: [String: [String]] = [:]
        func add(_ key: String, _ ja: String, _ en: String) { errors[key, default: []].append(l.t(ja, en)) }
        var fieldRows: [Int] = []
        var fields: [FieldDefinition] = []
        for (i, r) in s.fields.enumerated() where !isBlank(r, ignoring: ["existing", "type", "required"]) || r["existing"] == "1" {
            if r["remove"] == "1" { continue }
            guard let type = FieldType(rawValue: r["type"] ?? "") else { add("fields.\(i)", "フィールドの種類を選んでください。", "Choose the field's type."); continue }
            func dec(_ k: String) -> Decimal? {
                let t = (r[k] ?? "").trimmingCharacters(in: .whitespaces)
                if t.isEmpty { return nil }
                guard let d = Decimal(string: WorkRulesSettings.ascii(t), locale: Locale(identifier: "en_US_POSIX")) else { add("fields.\(i)", "「\(t)」は数として読めません。", "\"\(t)\" is not a number."); return nil }
                return d
            }
            func int(_ k: String) -> Int? { dec(k).map { NSDecimalNumber(decimal: $0).intValue } }
            var f = FieldDefinition(code: (r["code"] ?? "").trimmingCharacters(in: .whitespaces), label: (r["label"] ?? "").trimmingCharacters(in: .whitespaces), type: type,
                                    required: r["required"] == "1", help: (r["help"] ?? "").isEmpty ? nil : r["help"], unit: (r["unit"] ?? "").isEmpty ? nil : r["unit"],
                                    minimum: dec("minimum"), maximum: dec("maximum"), decimals: int("decimals"), maxLength: int("maxLength"))
            if [.choice, .multiChoice].contains(type) { f.choices = (r["choices"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            if type == .link { f.linkApp = r["linkApp"] ?? "" }
            if type == .calculated { f.expression = r["expression"] ?? "" }
            if type == .attachment, let mb = dec("maxMB") {
                if mb <= 0 || mb > Decimal(FieldDefinition.largestMaxBytes / 1_048_576) {
                    add("fields.\(i)", "添付の上限は0より大きく\(FieldDefinition.largestMaxBytes / 1_048_576)MB以下にしてください。", "The attachment limit must be above 0 and at most \(FieldDefinition.largestMaxBytes / 1_048_576) MB.")
                } else { f.maxBytes = NSDecimalNumber(decimal: mb * 1_048_576).intValue }
            }
            if type == .subtable {
                var cols: [FieldDefinition] = []
                for line in (r["columns"] ?? "").split(whereSeparator: \.isNewline) {
                    let parts = line.split(whereSeparator: { $0 == "," || $0 == "、" }).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count >= 3, let t = FieldType(rawValue: parts[2]) else {
                        add("fields.\(i)", "列「\(line)」は「コード, 名前, 種類」の形で書いてください（例: amount, 金額, money）。", "Write the column \"\(line)\" as \"code, label, type\" (e.g. amount, Amount, money)."); continue
                    }
                    var c = FieldDefinition(code: parts[0], label: parts[1], type: t, required: parts.dropFirst(3).contains("必須") || parts.dropFirst(3).contains("required"))
                    if [.choice, .multiChoice].contains(t) { c.choices = parts.dropFirst(3).first { $0.contains("/") }.map { $0.split(separator: "/").map(String.init) } ?? [] }
                    if t == .link { c.linkApp = parts.dropFirst(3).first { FieldCode.isValid($0) } }
                    cols.append(c)
                }
                f.columns = cols
            }
            if let old = previous?.field(f.code), r["existing"] == "1", !compatible(old.type, f.type) {
                add("fields.\(i)", "「\(old.label)」の種類は\(old.type.labelJa)から\(f.type.labelJa)には変えられません（記録済みの値が読めなくなります）。新しいフィールドを作ってください。",
                    "\"\(old.label)\" cannot change from \(old.type.labelEn) to \(f.type.labelEn) (stored values would no longer read); add a new field instead.")
            }
            fieldRows.append(i)
            fields.append(f)
        }
        let codeText = (s.app["code"] ?? "").trimmingCharacters(in: .whitespaces)
        if reservedCodes.contains(codeText) { add("app", "「\(codeText)」は使えないコードです。", "\"\(codeText)\" cannot be used as a code.") }

        var process: ProcessDefinition? = nil
        var statusRows: [Int] = [], actionRows: [Int] = []
        if s.app["process"] == "1" {
            var statuses: [StatusDefinition] = []
            for (i, r) in s.statuses.enumerated() where !isBlank(r) {
                var st = StatusDefinition(name: (r["name"] ?? "").trimmingCharacters(in: .whitespaces))
                if let mode = AssigneeRule.Mode(rawValue: r["mode"] ?? "") {
                    if let p = Party(text: r["who"] ?? "") { st.assignee = AssigneeRule(mode: mode, candidates: [p]) }
                    else { add("statuses.\(i)", "「\(st.name)」の作業者を選んでください。", "Choose who works on \"\(st.name)\".") }
                }
                st.lockedFields = (r["lockAll"] == "1" ? ["*"] : []) + list(r["locked"] ?? "")
                statuses.append(st); statusRows.append(i)
            }
            var actions: [ActionDefinition] = []
            for (i, r) in s.actions.enumerated() where !isBlank(r) {
                actions.append(ActionDefinition(name: (r["name"] ?? "").trimmingCharacters(in: .whitespaces), from: r["from"] ?? "", to: r["to"] ?? "",
                                                allowed: Party(text: r["who"] ?? "").map { [$0] } ?? [], requiresComment: r["comment"] == "1"))
                actionRows.append(i)
            }
            process = ProcessDefinition(statuses: statuses, actions: actions)
        }

        var roles: [AppRole] = [], roleRows: [Int] = [], roleMap: [String: [String]] = [:]
        for (i, r) in s.roles.enumerated() where !isBlank(r) {
            let role = AppRole(code: (r["code"] ?? "").trimmingCharacters(in: .whitespaces), label: (r["label"] ?? "").trimmingCharacters(in: .whitespaces))
            roles.append(role); roleRows.append(i)
            var holders: [String] = []
            for h in list(r["holders"] ?? "") {
                if let entry = try await holder(h, req: req, scope: scope) { holders.append(entry) }
                else { add("roles.\(i)", "「\(h)」は職員番号・所属コード・role:hr などとして読めません。", "\"\(h)\" is not a staff number, a department code or role:hr etc.") }
            }
            roleMap[role.code] = holders
        }
        var grants: [AppGrant] = []
        for party in ["everyone"] + roles.map({ "role:\($0.code)" }) {
            let rights = AppRight.allCases.filter { s.grants["\(party)|\($0.rawValue)"] == "1" }
            if !rights.isEmpty, let p = Party(text: party) { grants.append(AppGrant(party: p, rights: rights)) }
        }
        var rules: [RecordRule] = [], ruleRows: [Int] = []
        for (i, r) in s.rules.enumerated() where !isBlank(r, ignoring: ["edit"]) {
            let parties = (r["who"] ?? "").split(separator: ",").compactMap { Party(text: String($0)) }
            if parties.isEmpty { add("rules.\(i)", "この規則の対象を選んでください。", "Choose who this rule is for.") }
            rules.append(RecordRule(condition: r["condition"] ?? "", parties: parties, edit: r["edit"] == "1")); ruleRows.append(i)
        }
        var views: [ViewDefinition] = [], viewRows: [Int] = []
        for (i, r) in s.views.enumerated() where !isBlank(r, ignoring: ["kind", "chartAggregate", "chartShape"]) {
            let kind = ViewDefinition.Kind(rawValue: r["kind"] ?? "") ?? .list
            var v = ViewDefinition(name: (r["name"] ?? "").trimmingCharacters(in: .whitespaces), kind: kind, columns: list(r["columns"] ?? ""), query: r["query"] ?? "",
                                   dateField: (r["dateField"] ?? "").isEmpty ? nil : r["dateField"])
            if kind == .chart {
                func group(_ t: String) -> ChartSpec.Group? {
                    guard !t.isEmpty else { return nil }
                    let p = t.split(separator: ":")
                    return ChartSpec.Group(field: String(p[0]), period: p.count > 1 ? ChartSpec.Period(rawValue: String(p[1])) : nil)
                }
                v.chart = ChartSpec(aggregate: ChartSpec.Aggregate(rawValue: r["chartAggregate"] ?? "") ?? .count, field: (r["chartField"] ?? "").isEmpty ? nil : r["chartField"],
                                    groups: [group(r["chartGroup1"] ?? ""), group(r["chartGroup2"] ?? "")].compactMap { $0 },
                                    shape: ChartSpec.Shape(rawValue: r["chartShape"] ?? "") ?? .bar)
            }
            views.append(v); viewRows.append(i)
        }
        // what the form does not edit is kept, without what names a removed field
        let codes = Set(fields.map(\.code))
        let keptFieldRules = (previous?.permissions.fields ?? []).filter { codes.contains($0.field) }
        let layout = (previous?.layout ?? []).map { $0.filter(codes.contains) }.filter { !$0.isEmpty }
        let def = AppDefinition(code: codeText, name: (s.app["name"] ?? "").trimmingCharacters(in: .whitespaces), description: s.app["description"] ?? "",
                                fields: fields, layout: layout, process: process, views: views,
                                permissions: AppPermissions(roles: roles, app: grants, records: rules, fields: keptFieldRules),
                                titleField: (s.app["titleField"] ?? "").isEmpty ? nil : s.app["titleField"], retiredFields: previous?.retiredFields ?? [])
        // the engine's own checks, each put back on the row it came from
        for p in def.problems(knownApps: knownApps) {
            func row(_ prefix: String, _ rows: [Int]) -> String? {
                guard p.path.hasPrefix(prefix + "["), let end = p.path.firstIndex(of: "]"), let n = Int(p.path[p.path.index(p.path.startIndex, offsetBy: prefix.count + 1)..<end]), n < rows.count else { return nil }
                return rows[n].description
            }
            let key: String
            if let r = row("fields", fieldRows) { key = "fields.\(r)" }
            else if p.path.hasPrefix("fields."), let code = p.path.split(separator: ".").dropFirst().first, let i = fields.firstIndex(where: { $0.code == code }) { key = "fields.\(fieldRows[i])" }
            else if let r = row("process.statuses", statusRows) { key = "statuses.\(r)" }
            else if let r = row("process.actions", actionRows) { key = "actions.\(r)" }
            else if p.path.hasPrefix("process") { key = "process" }
            else if let r = row("permissions.roles", roleRows) { key = "roles.\(r)" }
            else if let r = row("permissions.records", ruleRows) { key = "rules.\(r)" }
            else if p.path.hasPrefix("permissions") { key = "permissions" }
            else if let r = row("views", viewRows) { key = "views.\(r)" }
            else { key = "app" }
            errors[key, default: []].append(l.t(p.messageJa, p.messageEn))
        }
        return Built(definition: def, roleMap: roleMap, errors: errors)
    }

    /// A stored value survives a type change only between text kinds or number kinds.
    static func compatible(_ a: FieldType, _ b: FieldType) -> Bool {
        if a == b { return true }
        let groups: [Set<FieldType>] = [[.text, .multilineText], [.number, .money], [.choice, .text]]
        return groups.contains { $0.contains(a) && $0.contains(b) }
    }

    /// A role holder as typed: a staff number, a department code (or name), role:hr, everyone.
    static func holder(_ text: String, req: Request, scope: Scope) async throws -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "everyone" || t == "全員" { return "everyone" }
        if t.hasPrefix("role:"), Role(rawValue: String(t.dropFirst(5))) != nil { return t }
        if t.hasPrefix("staff:") || t.hasPrefix("department:") { return t }
        if let s = try await StaffRepository.find(req.sql, municipalityId: scope.principal.municipalityId, staffNumber: t) { return "staff:\(AppStore.id(s.id))" }
        if let d = scope.tree.rows.values.first(where: { $0.code == t || $0.name == t }) { return "department:\(AppStore.id(d.id))" }
        return nil
    }

    /// How each role-map entry is shown in the form: a staff number, a department code.
    static func holderNames(_ req: Request, _ scope: Scope, _ map: [String: [String]]) async throws -> [String: String] {
        var out: [String: String] = [:]
        let staffIds = map.values.flatMap { $0 }.compactMap { $0.hasPrefix("staff:") ? UUID(uuidString: String($0.dropFirst(6))) : nil }
        for (id, s) in try await StaffRepository.find(req.sql, ids: staffIds) { out["staff:\(AppStore.id(id))"] = s.staffNumber }
        for e in map.values.flatMap({ $0 }) where e.hasPrefix("department:") {
            if let d = UUID(uuidString: String(e.dropFirst(11))).flatMap({ scope.tree.rows[$0] }) { out[e] = d.code }
        }
        return out
    }

    // MARK: pages

    static func newApp(_ req: Request) async throws -> Response {
        let scope = try await Scope.load(req)
        try mayBuild(req, scope)
        var s = State()
        s.app = ["process": "1"]
        s.fields = [["type": "text", "label": req.lang.t("件名", "Title"), "code": "title", "required": "1"]]
        s.statuses = [["name": "未処理"], ["name": "処理中"], ["name": "完了", "lockAll": "1"]]
        s.actions = [["name": "処理を始める", "from": "未処理", "to": "処理中"], ["name": "完了にする", "from": "処理中", "to": "完了"]]
        s.grants = ["everyone|view": "1", "everyone|add": "1", "everyone|edit": "1"]
        s.views = [["name": req.lang.t("すべて", "All"), "kind": "list", "columns": "title"]]
        return page(req, scope, s, errors: [:], existing: nil, apps: try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId))
    }

    static func saveNew(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        try mayBuild(req, scope)
        let form = FormPairs(req)
        let s = state(form)
        let apps = try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId)
        if s.extra > 0 { var more = s; more.extra = State.blank; return page(req, scope, more, errors: [:], existing: nil, apps: apps) }
        var built = try await build(s, previous: nil, req: req, scope: scope, knownApps: Set(apps.map(\.definition.code)))
        if apps.contains(where: { $0.definition.code == built.definition.code }) {
            built.errors["app", default: []].append(l.t("このコードのアプリはもうあります。別のコードにしてください。", "An app with this code exists; choose another code."))
        }
        if !built.errors.isEmpty { return page(req, scope, s, errors: built.errors, existing: nil, apps: apps, status: .unprocessableEntity) }
        _ = try await AppStore.install(req.yakuba.writer, municipalityId: scope.principal.municipalityId, apps: [built.definition], roleMap: built.roleMap, actor: scope.principal.staffId)
        req.session.data["flash"] = l.t("アプリ「\(built.definition.name)」を作りました。", "Built the app \"\(built.definition.name)\".")
        return req.redirect(to: "/apps/\(built.definition.code)", redirectType: .normal)
    }

    static func settings(_ req: Request) async throws -> Response {
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .manage)
        let names = try await holderNames(req, scope, a.app.roleMap)
        return page(req, scope, state(a.app.definition, roleMap: a.app.roleMap, names: names), errors: [:], existing: a.app,
                    apps: try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId))
    }

    static func saveSettings(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .manage)
        let form = FormPairs(req)
        var s = state(form)
        s.app["code"] = a.app.definition.code
        let apps = try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId)
        if s.extra > 0 { var more = s; more.extra = State.blank; return page(req, scope, more, errors: [:], existing: a.app, apps: apps) }
        let built = try await build(s, previous: a.app.definition, req: req, scope: scope, knownApps: Set(apps.map(\.definition.code)))
        if !built.errors.isEmpty { return page(req, scope, s, errors: built.errors, existing: a.app, apps: apps, status: .unprocessableEntity) }
        do {
            let recalc = try await AppStore.update(req.yakuba.writer, app: a.app, definition: built.definition, roleMap: built.roleMap,
                                                   expectedRevision: Int(form["revision"] ?? "") ?? a.app.row.revision, actor: scope.principal.staffId)
            if recalc { req.yakuba.recalculator.start(req.yakuba.writer, appId: a.app.id, logger: req.logger) }
        } catch AppConflict.revision {
            return page(req, scope, s, errors: ["app": [l.t("ほかの人が先にこのアプリの設定を保存しました。開き直してからやり直してください。", "Someone else saved this app's settings first; reopen them and try again.")]],
                        existing: a.app, apps: apps, status: .conflict)
        }
        req.session.data["flash"] = l.t("アプリの設定を保存しました。", "Saved the app's settings.")
        return req.redirect(to: "/apps/\(a.app.definition.code)", redirectType: .normal)
    }

    static func page(_ req: Request, _ scope: Scope, _ s: State, errors: [String: [String]], existing: InstalledApp?, apps: [InstalledApp], status: HTTPResponseStatus = .ok) -> Response {
        let l = req.lang
        let title = existing.map { l.t("「\($0.definition.name)」の設定", "Settings of \"\($0.definition.name)\"") } ?? l.t("アプリを作る", "Build an app")
        let action = existing.map { "/apps/\($0.definition.code)/settings" } ?? "/apps/build"
        func errs(_ key: String) -> N {
            guard let list = errors[key], !list.isEmpty else { return .empty }
            return el("ul", cls("error"), attr("role", "alert"), attr("id", "err-\(key.replacingOccurrences(of: ".", with: "-"))"), list.map { el("li", txt($0)) })
        }
        func text(_ name: String, _ label: String, _ value: String, hint: String? = nil, describedBy: String? = nil) -> N {
            let id = name.replacingOccurrences(of: ".", with: "-")
            return field(id: id, label: label, error: nil, hint: hint) { d in
                input(id: id, name: name, value: value, describedBy: [d, describedBy].compactMap { $0 }.joined(separator: " ").ifEmpty("").isEmpty ? nil : [d, describedBy].compactMap { $0 }.joined(separator: " "))
            }
        }
        func area(_ name: String, _ label: String, _ value: String, hint: String? = nil) -> N {
            let id = name.replacingOccurrences(of: ".", with: "-")
            return field(id: id, label: label, error: nil, hint: hint) { d in el("textarea", attr("id", id), attr("name", name), attr("rows", "3"), attr("aria-describedby", d), txt(value)) }
        }
        func pick(_ name: String, _ label: String, _ options: [(String, String)], _ value: String) -> N {
            let id = name.replacingOccurrences(of: ".", with: "-")
            return field(id: id, label: label, error: nil) { d in select(id: id, name: name, options: options, selected: value, describedBy: d) }
        }
        func tick(_ name: String, _ label: String, _ on: Bool) -> N {
            el("label", void("input", [("type", "checkbox"), ("name", name), ("value", "1"), ("id", name.replacingOccurrences(of: ".", with: "-"))] + (on ? [("checked", "")] : [])), txt(label))
        }
        func padded(_ rows: [[String: String]]) -> [[String: String]] { rows + Array(repeating: [:], count: State.blank + s.extra) }
        let fieldRows = padded(s.fields)
        let codes = s.fields.compactMap { $0["code"] }.filter { !$0.isEmpty }
        let typeOptions: [(String, String)] = FieldType.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) }
        let appOptions: [(String, String)] = [("", l.t("（参照しない）", "(none)"))] + apps.map { ($0.definition.code, $0.definition.name) }
        let statusNames = s.statuses.compactMap { $0["name"] }.filter { !$0.isEmpty }
        let roleCodes = s.roles.compactMap { $0["code"] }.filter { !$0.isEmpty }
        let userFields = s.fields.filter { $0["type"] == "user" }.compactMap { $0["code"] }
        let partyOptions: [(String, String)] = [("", l.t("（なし）", "(none)")), ("everyone", l.t("全員", "Everyone")), ("creator", l.t("作成者", "The creator")), ("assignee", l.t("作業者", "The assignee"))]
            + roleCodes.map { ("role:\($0)", l.t("役割: ", "Role: ") + $0) } + userFields.map { ("field:\($0)", l.t("フィールドの職員: ", "Person in field: ") + $0) }
        let content: [N] = [
            el("h1", txt(title)),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("保存できませんでした。印の付いた箇所を直してください（\(errors.values.map(\.count).reduce(0, +))件）。", "Not saved: fix the \(errors.values.map(\.count).reduce(0, +)) problem(s) marked below."))),
            el("form", attr("method", "post"), attr("action", action), attr("novalidate", ""), cls("builder"), hidden("_csrf", req.csrfToken),
               existing.map { hidden("revision", "\($0.row.revision)") } ?? .empty,
               el("fieldset", el("legend", txt(l.t("基本", "Basics"))), errs("app"),
                  text("app.name", l.t("アプリ名", "App name"), s.app["name"] ?? ""),
                  existing == nil ? text("app.code", l.t("アプリのコード（英小文字・数字・_）", "App code (a–z, 0–9, _)"), s.app["code"] ?? "",
                                         hint: l.t("URL と API で使います。後から変えられません。例: equipment_loans", "Used in URLs and the API; cannot change later. E.g. equipment_loans"))
                                  : el("p", txt(l.t("アプリのコード: ", "App code: ")), el("code", txt(existing!.definition.code))),
                  area("app.description", l.t("説明", "Description"), s.app["description"] ?? ""),
                  pick("app.titleField", l.t("タイトルにするフィールド", "Title field"), [("", l.t("（なし）", "(none)"))] + codes.map { ($0, $0) }, s.app["titleField"] ?? "")),
               el("fieldset", el("legend", txt(l.t("フィールド", "Fields"))),
                  el("p", cls("hint"), txt(l.t("コードは英小文字で始まる英数字と _（例: due_date）。計算式ではコードで書きます（例: round(cases * minutes / 60, 1)）。関数: ", "Codes start with a–z and use a–z, 0–9, _ (e.g. due_date). Expressions name fields by code (e.g. round(cases * minutes / 60, 1)). Functions: ") + Formula.functions.joined(separator: ", "))),
                  hidden("fields.count", "\(fieldRows.count)"),
                  N.group(fieldRows.enumerated().map { i, r in
                      let p = "fields.\(i)"
                      let existingField = r["existing"] == "1"
                      return el("fieldset", cls(errors[p] != nil ? "builder-row has-error" : "builder-row"),
                                el("legend", txt(existingField ? "\(r["label"] ?? "")（\(r["code"] ?? "")）" : l.t("新しいフィールド \(i + 1)", "New field \(i + 1)"))),
                                errs(p), hidden("\(p).existing", r["existing"] ?? ""),
                                text("\(p).label", l.t("名前", "Label"), r["label"] ?? ""),
                                existingField ? hidden("\(p).code", r["code"] ?? "") : text("\(p).code", l.t("コード", "Code"), r["code"] ?? ""),
                                pick("\(p).type", l.t("種類", "Type"), typeOptions, r["type"] ?? "text"),
                                tick("\(p).required", l.t("必須", "Required"), r["required"] == "1"),
                                el("details", el("summary", txt(l.t("種類ごとの設定", "Settings by type"))),
                                   text("\(p).help", l.t("説明文", "Help text"), r["help"] ?? ""),
                                   text("\(p).unit", l.t("単位（数値）", "Unit (numbers)"), r["unit"] ?? ""),
                                   text("\(p).minimum", l.t("最小値", "Minimum"), r["minimum"] ?? ""), text("\(p).maximum", l.t("最大値", "Maximum"), r["maximum"] ?? ""),
                                   text("\(p).decimals", l.t("小数の桁数", "Decimal places"), r["decimals"] ?? ""), text("\(p).maxLength", l.t("最大文字数", "Maximum length"), r["maxLength"] ?? ""),
                                   area("\(p).choices", l.t("選択肢（1行に1つ）", "Choices (one per line)"), r["choices"] ?? ""),
                                   pick("\(p).linkApp", l.t("参照するアプリ（他のアプリのレコード）", "Linked app"), appOptions, r["linkApp"] ?? ""),
                                   text("\(p).expression", l.t("計算式（計算）", "Expression (calculated)"), r["expression"] ?? ""),
                                   text("\(p).maxMB", l.t("1ファイルの上限 MB（添付ファイル、既定10）", "Largest file in MB (attachment, default 10)"), r["maxMB"] ?? "",
                                        hint: l.t("受け付ける種類: PDF、PNG、JPEG、CSV、テキスト、Excel、Word。種類は中身で確かめます。", "Accepted: PDF, PNG, JPEG, CSV, text, Excel, Word — checked by the content.")),
                                   area("\(p).columns", l.t("表の列（1行に「コード, 名前, 種類」）", "Table columns (one per line: code, label, type)"), r["columns"] ?? "",
                                        hint: l.t("例: amount, 金額, money, 必須", "e.g. amount, Amount, money, required"))),
                                existingField ? tick("\(p).remove", l.t("このフィールドを削除する（値は履歴に残ります）", "Remove this field (its values stay in the history)"), r["remove"] == "1") : .empty)
                  })),
               el("fieldset", el("legend", txt(l.t("プロセス管理（ステータス）", "Process (statuses)"))), errs("process"),
                  tick("app.process", l.t("ステータスで進み具合を管理する", "Track progress with statuses"), s.app["process"] == "1"),
                  el("div", tableRegion(l.t("ステータス", "Statuses")), el("table", el("caption", txt(l.t("ステータス（上から順に。最初が新しいレコードの状態）", "Statuses (in order; a new record starts in the first)"))),
                     el("thead", el("tr", [l.t("名前", "Name"), l.t("作業者の決め方", "Assignee"), l.t("作業者", "Who"), l.t("すべてロック", "Lock all"), l.t("ロックするフィールド", "Locked fields")].map { el("th", attr("scope", "col"), txt($0)) })),
                     el("tbody", [hidden("statuses.count", "\(padded(s.statuses).count)")] + padded(s.statuses).enumerated().map { i, r in
                         let p = "statuses.\(i)"
                         return el("tr", el("td", errs(p), void("input", [("name", "\(p).name"), ("value", r["name"] ?? ""), ("aria-label", l.t("ステータス\(i + 1)の名前", "Status \(i + 1) name"))])),
                                   el("td", select(id: "\(p)-mode", name: "\(p).mode", options: [("", l.t("なし", "None")), ("one", l.t("1人を選ぶ", "One person")), ("any", l.t("誰か1人", "Any one")), ("all", l.t("全員", "All of them"))], selected: r["mode"] ?? "", describedBy: nil, label: l.t("ステータス\(i + 1)の作業者の決め方", "Status \(i + 1): how the assignee is chosen"))),
                                   el("td", select(id: "\(p)-who", name: "\(p).who", options: partyOptions.filter { $0.0 != "assignee" && $0.0 != "everyone" }, selected: r["who"] ?? "", describedBy: nil, label: l.t("ステータス\(i + 1)の作業者", "Status \(i + 1): who is the assignee"))),
                                   el("td", void("input", [("type", "checkbox"), ("name", "\(p).lockAll"), ("value", "1"), ("aria-label", l.t("すべてロック", "Lock all"))] + (r["lockAll"] == "1" ? [("checked", "")] : []))),
                                   el("td", void("input", [("name", "\(p).locked"), ("value", r["locked"] ?? ""), ("aria-label", l.t("ロックするフィールドのコード（カンマ区切り）", "Locked field codes (comma-separated)"))])))
                     }))),
                  el("div", tableRegion(l.t("アクション", "Actions")), el("table", el("caption", txt(l.t("アクション（ステータスを進めるボタン）", "Actions (buttons that move a record)"))),
                     el("thead", el("tr", [l.t("ボタンの名前", "Button"), l.t("元のステータス", "From"), l.t("次のステータス", "To"), l.t("実行できる人", "Who may"), l.t("コメント必須", "Needs a comment")].map { el("th", attr("scope", "col"), txt($0)) })),
                     el("tbody", [hidden("actions.count", "\(padded(s.actions).count)")] + padded(s.actions).enumerated().map { i, r in
                         let p = "actions.\(i)"
                         let st: [(String, String)] = [("", "—")] + statusNames.map { ($0, $0) }
                         return el("tr", el("td", errs(p), void("input", [("name", "\(p).name"), ("value", r["name"] ?? ""), ("aria-label", l.t("アクション\(i + 1)の名前", "Action \(i + 1) name"))])),
                                   el("td", select(id: "\(p)-from", name: "\(p).from", options: st, selected: r["from"] ?? "", describedBy: nil, label: l.t("アクション\(i + 1)の元のステータス", "Action \(i + 1): from status"))),
                                   el("td", select(id: "\(p)-to", name: "\(p).to", options: st, selected: r["to"] ?? "", describedBy: nil, label: l.t("アクション\(i + 1)の次のステータス", "Action \(i + 1): to status"))),
                                   el("td", select(id: "\(p)-who", name: "\(p).who", options: [("", l.t("作業者（いなければ編集できる人）", "The assignee (else whoever may edit)"))] + partyOptions.dropFirst(), selected: r["who"] ?? "", describedBy: nil, label: l.t("アクション\(i + 1)を実行できる人", "Action \(i + 1): who may take it"))),
                                   el("td", void("input", [("type", "checkbox"), ("name", "\(p).comment"), ("value", "1"), ("aria-label", l.t("コメント必須", "Needs a comment"))] + (r["comment"] == "1" ? [("checked", "")] : []))))
                     })))),
               el("fieldset", el("legend", txt(l.t("権限", "Permissions"))), errs("permissions"),
                  el("div", tableRegion(l.t("役割", "Roles")), el("table", el("caption", txt(l.t("役割（テンプレートでは名前だけが渡り、読み込む自治体が人を割り当てます）", "Roles (a template carries only the names; the importing municipality assigns people)"))),
                     el("thead", el("tr", [l.t("コード", "Code"), l.t("名前", "Name"), l.t("割り当てる人（職員番号・所属コード・role:hr、カンマ区切り）", "Holders (staff numbers, department codes, role:hr; comma-separated)")].map { el("th", attr("scope", "col"), txt($0)) })),
                     el("tbody", [hidden("roles.count", "\(padded(s.roles).count)")] + padded(s.roles).enumerated().map { i, r in
                         let p = "roles.\(i)"
                         return el("tr", el("td", errs(p), void("input", [("name", "\(p).code"), ("value", r["code"] ?? ""), ("aria-label", l.t("役割\(i + 1)のコード", "Role \(i + 1) code"))])),
                                   el("td", void("input", [("name", "\(p).label"), ("value", r["label"] ?? ""), ("aria-label", l.t("役割\(i + 1)の名前", "Role \(i + 1) name"))])),
                                   el("td", void("input", [("name", "\(p).holders"), ("value", r["holders"] ?? ""), ("aria-label", l.t("役割\(i + 1)に割り当てる人", "Role \(i + 1) holders"))])))
                     }))),
                  el("div", tableRegion(l.t("アプリの権限", "App rights")), el("table", el("caption", txt(l.t("アプリの権限", "App rights"))),
                     el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("対象", "Who")))] + AppRight.allCases.map { el("th", attr("scope", "col"), txt(l.t($0.labelJa, $0.labelEn))) })),
                     el("tbody", (["everyone"] + roleCodes.map { "role:\($0)" }).map { party in
                         el("tr", [el("th", attr("scope", "row"), txt(party == "everyone" ? l.t("全員", "Everyone") : party))] + AppRight.allCases.map { right in
                             el("td", void("input", [("type", "checkbox"), ("name", "grant.\(party)|\(right.rawValue)"), ("value", "1"), ("aria-label", "\(party) \(l.t(right.labelJa, right.labelEn))")]
                                              + (s.grants["\(party)|\(right.rawValue)"] == "1" ? [("checked", "")] : [])))
                         })
                     }))),
                  el("div", tableRegion(l.t("レコードの権限", "Record rules")), el("table", el("caption", txt(l.t("レコードの権限（どれか1つに当てはまれば見られます。なければ全件）", "Record rules (a record is visible when any rule matches; none = every record)"))),
                     el("thead", el("tr", [l.t("対象", "Who"), l.t("条件（空なら全件。例: department = MYDEPARTMENT()）", "Condition (empty = all; e.g. department = MYDEPARTMENT())"), l.t("編集もできる", "May edit")].map { el("th", attr("scope", "col"), txt($0)) })),
                     el("tbody", [hidden("rules.count", "\(padded(s.rules).count)")] + padded(s.rules).enumerated().map { i, r in
                         let p = "rules.\(i)"
                         return el("tr", el("td", errs(p), select(id: "\(p)-who", name: "\(p).who", options: partyOptions.contains { $0.0 == r["who"] } || (r["who"] ?? "").isEmpty ? partyOptions : partyOptions + [(r["who"]!, r["who"]!)], selected: r["who"] ?? "", describedBy: nil, label: l.t("規則\(i + 1)の対象", "Rule \(i + 1): who it is for"))),
                                   el("td", void("input", [("name", "\(p).condition"), ("value", r["condition"] ?? ""), ("aria-label", l.t("規則\(i + 1)の条件", "Rule \(i + 1) condition"))])),
                                   el("td", void("input", [("type", "checkbox"), ("name", "\(p).edit"), ("value", "1"), ("aria-label", l.t("規則\(i + 1): 編集もできる", "Rule \(i + 1): may edit"))] + (r["edit"] == "1" ? [("checked", "")] : []))))
                     })))),
               el("fieldset", el("legend", txt(l.t("一覧・グラフ", "Views and charts"))),
                  hidden("views.count", "\(padded(s.views).count)"),
                  N.group(padded(s.views).enumerated().map { i, r in
                      let p = "views.\(i)"
                      return el("fieldset", cls(errors[p] != nil ? "builder-row has-error" : "builder-row"), el("legend", txt((r["name"] ?? "").ifEmpty(l.t("新しい一覧 \(i + 1)", "New view \(i + 1)")))), errs(p),
                                text("\(p).name", l.t("名前", "Name"), r["name"] ?? ""),
                                pick("\(p).kind", l.t("種類", "Kind"), [("list", l.t("一覧", "List")), ("kanban", l.t("カンバン", "Kanban")), ("calendar", l.t("カレンダー", "Calendar")), ("chart", l.t("グラフ", "Chart"))], r["kind"] ?? "list"),
                                text("\(p).columns", l.t("表示するフィールド（コード、カンマ区切り）", "Fields shown (codes, comma-separated)"), r["columns"] ?? ""),
                                text("\(p).query", l.t("条件と並び順", "Query and order"), r["query"] ?? "", hint: l.t("例: status != \"完了\" order by due_on asc", "e.g. status != \"完了\" order by due_on asc")),
                                text("\(p).dateField", l.t("カレンダーの日付フィールド", "Calendar date field"), r["dateField"] ?? ""),
                                el("details", el("summary", txt(l.t("グラフの設定", "Chart settings"))),
                                   pick("\(p).chartAggregate", l.t("集計", "Aggregate"), [("count", l.t("件数", "Count")), ("sum", l.t("合計", "Sum")), ("average", l.t("平均", "Average"))], r["chartAggregate"] ?? "count"),
                                   text("\(p).chartField", l.t("合計・平均する数値フィールド", "Number field summed or averaged"), r["chartField"] ?? ""),
                                   text("\(p).chartGroup1", l.t("分類1（コード。日付は :month か :year を付ける）", "Group 1 (code; add :month or :year to a date)"), r["chartGroup1"] ?? ""),
                                   text("\(p).chartGroup2", l.t("分類2（任意）", "Group 2 (optional)"), r["chartGroup2"] ?? ""),
                                   pick("\(p).chartShape", l.t("形", "Shape"), [("bar", l.t("棒", "Bars")), ("stacked", l.t("積み上げ棒", "Stacked bars")), ("line", l.t("折れ線", "Line"))], r["chartShape"] ?? "bar")))
                  })),
               el("p", cls("actions"),
                  el("button", attr("type", "submit"), txt(existing == nil ? l.t("アプリを作る", "Build the app") : l.t("設定を保存", "Save settings"))), txt(" "),
                  el("button", attr("type", "submit"), attr("name", "more"), attr("value", "1"), cls("secondary"), txt(l.t("入力欄を増やす（保存しません）", "More blank rows (does not save)"))), txt(" "),
                  link(existing.map { "/apps/\($0.definition.code)" } ?? "/apps", l.t("やめる", "Cancel")))),
        ]
        return Pages.html(Pages.layout(req, title: title, content), status: status)
    }

    // MARK: templates

    static func export(_ req: Request) async throws -> Response {
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: req.parameters.get("code") ?? "", need: .manage)
        let res = Response(status: .ok, body: .init(data: AppTemplate(apps: [a.app.definition]).encoded()))
        res.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(a.app.definition.code).yakuba-app.json\"")
        return res
    }

    struct ImportForm: Content { var file: File?; var code: String?; var name: String?; var template: String? }

    static func importPage(_ req: Request, errors: [AppProblem], values: [String: String], roles: [AppRole] = [], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        try mayBuild(req, scope)
        let title = l.t("アプリのテンプレートを読み込む", "Import an app template")
        let content: [N] = [
            el("h1", txt(title)),
            el("p", txt(l.t("ほかの自治体や Yakuba で書き出したテンプレートファイル（.yakuba-app.json）から、アプリを作ります。レコードは含まれません。役割には、この自治体で担当する人を割り当てます。",
                            "Build apps from a template file (.yakuba-app.json) exported by Yakuba, here or elsewhere. No records are included; assign local people to each role."))),
            errors.isEmpty ? .empty : el("div", cls("alert"), attr("role", "alert"), attr("id", "file-error"), el("p", txt(l.t("読み込めませんでした。", "The template was not imported."))),
                                        el("ul", errors.prefix(50).map { e in el("li", txt((e.path == "file" ? "" : e.path + ": ") + l.t(e.messageJa, e.messageEn))) })),
            el("form", attr("method", "post"), attr("action", "/apps/import"), attr("enctype", "multipart/form-data"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
               values["template"].map { hidden("template", $0) } ?? .empty,
               values["template"] == nil ? field(id: "file", label: l.t("テンプレートファイル", "Template file"), error: nil) { d in
                   void("input", [("id", "file"), ("name", "file"), ("type", "file"), ("accept", ".json,application/json"),
                                  ("aria-describedby", errors.isEmpty ? d : "file-error")] + (errors.isEmpty ? [] : [("aria-invalid", "true")]))
               } : el("p", txt(l.t("ファイルを読みました。役割を割り当てて読み込んでください。", "The file was read; assign the roles and import."))),
               field(id: "code", label: l.t("アプリのコードを変える（任意。1つのアプリのテンプレートのとき）", "New app code (optional; for a one-app template)"), error: nil) { d in
                   input(id: "code", name: "code", value: values["code"] ?? "", describedBy: d)
               },
               field(id: "name", label: l.t("アプリ名を変える（任意）", "New app name (optional)"), error: nil) { d in input(id: "name", name: "name", value: values["name"] ?? "", describedBy: d) },
               N.group(roles.map { r in
                   field(id: "role-\(r.code)", label: l.t("役割「\(r.label)」（\(r.code)）を割り当てる人", "Who holds the role \"\(r.label)\" (\(r.code))"), error: nil,
                         hint: l.t("職員番号・所属コード・role:hr をカンマ区切りで", "Staff numbers, department codes, role:hr; comma-separated")) { d in
                       input(id: "role-\(r.code)", name: "role.\(r.code)", value: values["role.\(r.code)"] ?? "", describedBy: d)
                   }
               }),
               el("button", attr("type", "submit"), txt(roles.isEmpty ? l.t("読み込む", "Import") : l.t("この割り当てで読み込む", "Import with these roles")))),
        ]
        return Pages.html(Pages.layout(req, title: title, content), status: status)
    }

    static func importTemplate(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        try mayBuild(req, scope)
        let form = try? req.content.decode(ImportForm.self)
        var values: [String: String] = ["code": form?.code ?? "", "name": form?.name ?? ""]
        let bytes: Data
        if let f = form?.file, f.data.readableBytes > 0 { bytes = Data(buffer: f.data) }
        else if let t = form?.template, let d = Data(base64Encoded: t) { bytes = d }
        else { return try await importPage(req, errors: [AppProblem("file", "テンプレートファイルを選んでください。", "Choose a template file.")], values: values, status: .unprocessableEntity) }
        let apps = try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId)
        let existing = Set(apps.map(\.definition.code))
        // read once without the clash check: a rename may come with it
        var template: AppTemplate
        switch AppTemplate.read(bytes, existingApps: existing, checkClash: false) {
        case .failure(let p): return try await importPage(req, errors: p.all, values: values, status: .unprocessableEntity)
        case .success(let t): template = t
        }
        values["template"] = bytes.base64EncodedString()
        let newCode = (form?.code ?? "").trimmingCharacters(in: .whitespaces), newName = (form?.name ?? "").trimmingCharacters(in: .whitespaces)
        if !newCode.isEmpty || !newName.isEmpty {
            guard template.apps.count == 1 else {
                return try await importPage(req, errors: [AppProblem("code", "複数のアプリを含むテンプレートは名前を変えずに読み込みます。", "A template with several apps is imported under its own codes.")], values: values, roles: template.roles, status: .unprocessableEntity)
            }
            template = template.renaming(template.apps[0].code, to: newCode.isEmpty ? template.apps[0].code : newCode, name: newName)
        }
        var problems = template.problems(existingApps: existing)
        for a in template.apps where reservedCodes.contains(a.code) { problems.append(AppProblem("code", "「\(a.code)」は使えないコードです。", "\"\(a.code)\" cannot be used as a code.")) }
        // roles: asked for on a second step (the file is carried in the form), each holder read as a person or a department
        let pairs = FormPairs(pairs: (try? req.content.decode([String: String].self))?.map { ($0.key, $0.value) } ?? [])
        var roleValues: [String: String] = [:]
        for r in template.roles { if let v = pairs["role.\(r.code)"] { roleValues[r.code] = v; values["role.\(r.code)"] = v } }
        if !problems.isEmpty { return try await importPage(req, errors: problems, values: values, roles: template.roles, status: .unprocessableEntity) }
        if !template.roles.isEmpty && roleValues.isEmpty {
            return try await importPage(req, errors: [], values: values, roles: template.roles)
        }
        var roleMap: [String: [String]] = [:]
        for r in template.roles {
            for h in list(roleValues[r.code] ?? "") {
                if let e = try await holder(h, req: req, scope: scope) { roleMap[r.code, default: []].append(e) }
                else { problems.append(AppProblem("role.\(r.code)", "「\(h)」は職員番号・所属コード・role:hr などとして読めません。", "\"\(h)\" is not a staff number, a department code or role:hr etc.")) }
            }
        }
        if !problems.isEmpty { return try await importPage(req, errors: problems, values: values, roles: template.roles, status: .unprocessableEntity) }
        _ = try await AppStore.install(req.yakuba.writer, municipalityId: scope.principal.municipalityId, apps: template.apps, roleMap: roleMap, actor: scope.principal.staffId)
        req.session.data["flash"] = l.t("テンプレートから\(template.apps.count)個のアプリを作りました。", "Built \(template.apps.count) app(s) from the template.")
        return req.redirect(to: "/apps/\(template.apps[0].code)", redirectType: .normal)
    }
}

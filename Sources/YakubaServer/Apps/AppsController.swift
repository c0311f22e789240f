import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// The app engine's pages (issue 6): the apps, a list with its views, a record's form, and a record with its status
/// actions, comments and full history. Every page runs as its caller: app rights, record rules in the query, field access.
enum AppsController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["apps"], access: .signedIn) { req in try await index(req) }
        r.on(.GET, ["apps", ":code"], access: .signedIn) { req in try await list(req) }
        r.on(.GET, ["apps", ":code", "records", "new"], access: .signedIn) { req in try await newForm(req) }
        // a record's form may carry files (attachment fields: up to 10 of at most 50 MB each, 60 MB per form)
        r.on(.POST, ["apps", ":code", "records"], access: .signedIn, body: .collect(maxSize: "60mb")) { req in try await create(req) }
        r.on(.GET, ["apps", ":code", "records", ":id"], access: .signedIn) { req in try await show(req, errors: [:]) }
        r.on(.GET, ["apps", ":code", "records", ":id", "edit"], access: .signedIn) { req in try await edit(req) }
        r.on(.POST, ["apps", ":code", "records", ":id"], access: .signedIn, body: .collect(maxSize: "60mb")) { req in try await save(req) }
        r.on(.GET, ["apps", ":code", "files", ":file"], access: .signedIn) { req in try await AppFilesController.download(req) }
        r.on(.POST, ["apps", ":code", "records", ":id", "actions"], access: .signedIn) { req in try await action(req) }
        r.on(.POST, ["apps", ":code", "records", ":id", "comments"], access: .signedIn) { req in try await comment(req) }
    }

    static func code(_ req: Request) -> String { req.parameters.get("code") ?? "" }
    static func base(_ a: AppAccess) -> String { "/apps/\(a.app.definition.code)" }
    static func message(_ p: AppProblem, _ l: Lang) -> String { l.t(p.messageJa, p.messageEn) }
    static func errors(_ p: AppProblems, _ l: Lang) -> [String: String] {
        var out: [String: String] = [:]
        for x in p.all { out[x.path] = out[x.path].map { $0 + " " + message(x, l) } ?? message(x, l) }
        return out
    }

    // MARK: the apps

    static func index(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let apps = try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId)
            .map { ($0, AppsService.access(scope, $0, dialect: AppStore.dialect(req.sql))) }.filter { $0.1.rights.contains(.view) }
        let builder = AppsService.mayBuild(scope.principal)
        let content: [N] = [
            el("h1", txt(l.t("アプリ", "Apps"))),
            el("p", txt(l.t("各課の相談や台帳をアプリで管理します。アプリはブラウザで作れます（DX推進の役割が必要です）。", "Departments' requests and registers, kept as apps. Apps are built in the browser (by the DX office role)."))),
            builder ? el("p", cls("actions"), link("/apps/build", l.t("アプリを作る", "Build an app"), cls("button")), txt(" "),
                         link("/apps/import", l.t("テンプレートを読み込む", "Import a template"), cls("button secondary"))) : .empty,
            apps.isEmpty ? el("p", txt(l.t("見られるアプリはまだありません。", "There are no apps you can see yet.")))
                : el("div", tableRegion(l.t("アプリの一覧", "Apps")), el("table",
                    el("caption", txt(l.t("アプリ（\(apps.count)）", "Apps (\(apps.count))"))),
                    el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("アプリ", "App"))), el("th", attr("scope", "col"), txt(l.t("説明", "Description"))),
                                   el("th", attr("scope", "col"), cls("num"), txt(l.t("レコード数", "Records"))))),
                    el("tbody", apps.map { app, _ in
                        el("tr", el("th", attr("scope", "row"), link("/apps/\(app.definition.code)", app.definition.name)),
                           el("td", txt(app.definition.description)), el("td", cls("num"), txt(AppForms.grouped(Decimal(app.row.recordCount)))))
                    }))),
        ]
        return Pages.html(Pages.layout(req, title: l.t("アプリ", "Apps"), content, flash: req.takeFlash()))
    }

    // MARK: the list

    static func list(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req))
        let def = a.app.definition
        let lq = listQuery(req, a, l)
        let (views, view, viewQuery, query, filterText) = (lq.views, lq.view, lq.viewQuery, lq.query, lq.filterText)
        var problems = lq.problems
        let cursor = try? req.query.get(String.self, at: "cursor")
        let page: RecordPage
        var status = HTTPResponseStatus.ok
        do {
            if view.kind == .kanban, let process = def.process {
                return try await kanban(req, scope, a, view: view, views: views, process: process, query: query, filterText: filterText, problems: problems)
            }
            if view.kind == .chart || view.kind == .calendar {
                let body: N
                if view.kind == .chart, let spec = view.chart {
                    body = try await AppCharts.render(req, scope, a, spec: spec, title: view.name, query: query)
                } else {
                    let month = (try? req.query.get(String.self, at: "month")).flatMap(YearMonth.init(iso:)) ?? YearMonth(CalendarDate(Date(), in: scope.municipality.zone))
                    body = try await AppCharts.calendar(req, scope, a, view: view, query: query, month: month)
                }
                let content: [N] = [el("h1", txt(def.name)), toolbar(a, l), viewTabs(a, views, current: view, l),
                                    filterForm(a, view: view, text: filterText, problems: problems, l), body]
                return Pages.html(Pages.layout(req, title: "\(def.name) — \(view.name)", content, flash: req.takeFlash()), status: problems.isEmpty ? .ok : .unprocessableEntity)
            }
            page = try await AppStore.list(req.sql, a, query: query, cursor: cursor, limit: 50, exactCount: false)
        } catch let p as AppProblem {
            problems.append(message(p, l)); status = .unprocessableEntity
            page = try await AppStore.list(req.sql, a, query: viewQuery, cursor: nil, limit: 50, exactCount: false)
        }
        if !problems.isEmpty { status = .unprocessableEntity }
        let names = try await AppForms.names(req, scope, a, records: page.records)
        let columns = (view.columns.isEmpty ? Array(def.fields.prefix(5).map(\.code)) : view.columns).filter(a.canRead)
        let calc = (try? def.calculatedTypes()) ?? [:]
        func header(_ c: String) -> String { def.field(c)?.label ?? SystemField(rawValue: c).map { l.t($0.labelJa, $0.labelEn) } ?? c }
        func cell(_ r: StoredRecord, _ c: String) -> String {
            if let f = def.field(c) { return AppForms.text(f, r.data[c], l, scope, names, calcType: calc[c]) }
            switch SystemField(rawValue: c) {
            case .status?: return r.status ?? ""
            case .recordNumber?: return "\(r.number)"
            case .assignee?: return r.assignees.compactMap { names.staff[$0]?.name }.joined(separator: "、")
            case .createdBy?: return names.staff[r.createdBy]?.name ?? ""
            case .updatedBy?: return names.staff[r.updatedBy]?.name ?? ""
            case .createdAt?, .updatedAt?:
                let s = c == "created_at" ? r.createdAt : r.updatedAt
                return RecordValidation.parseDateTime(s, zone: scope.municipality.zone).map { showDate(CalendarDate($0, in: scope.municipality.zone), l) + " " + showTime($0, scope.municipality.zone) } ?? s
            default: return ""
            }
        }
        let numeric: Set<String> = Set(columns.filter { c in [.number, .money].contains(def.queryTypes[c]) })
        let countText = page.countIsExact ? l.t("\(AppForms.grouped(Decimal(page.count)))件", "\(AppForms.grouped(Decimal(page.count))) records")
            : l.t("\(AppForms.grouped(Decimal(page.count)))件以上", "over \(AppForms.grouped(Decimal(page.count))) records")
        let here = base(a) + "?view=" + (view.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            + (filterText.isEmpty ? "" : "&q=" + (filterText.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        let content: [N] = [
            el("h1", txt(def.name)),
            def.description.isEmpty ? .empty : el("p", txt(def.description)),
            recalculating(req, a, l),
            toolbar(a, l),
            viewTabs(a, views, current: view, l),
            filterForm(a, view: view, text: filterText, problems: problems, l),
            el("p", attr("role", "status"), txt(countText)),
            page.records.isEmpty ? el("p", txt(l.t("該当するレコードはありません。", "No records match."))) :
                el("div", tableRegion(def.name), el("table",
                    el("caption", txt("\(def.name) — \(view.name)")),
                    el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("番号", "No.")))] + (def.process == nil ? [] : [el("th", attr("scope", "col"), txt(l.t("ステータス", "Status")))])
                                   + columns.map { c in el("th", attr("scope", "col"), numeric.contains(c) ? cls("num") : .empty, txt(header(c))) })),
                    el("tbody", page.records.map { r in
                        el("tr", [el("th", attr("scope", "row"), link("\(base(a))/records/\(r.id)", "#\(r.number)"))]
                                 + (def.process == nil ? [] : [el("td", el("span", cls("status"), txt(r.status ?? "")))])
                                 + columns.map { c in el("td", numeric.contains(c) ? cls("num") : .empty, txt(cell(r, c))) })
                    }))),
            page.next.map { n in el("p", link(here + "&cursor=" + n, l.t("次の50件", "Next 50"), attr("rel", "next"))) } ?? .empty,
        ]
        return Pages.html(Pages.layout(req, title: def.name, content, flash: req.takeFlash()), status: status)
    }

    /// The list's view (`view=`) and the caller's filter (`q=`, in the query language) as one query; a filter that does not
    /// parse or names a field the caller cannot read is left out and its problems returned.
    struct ListQuery {
        var views: [ViewDefinition]
        var view: ViewDefinition
        var viewQuery: RecordQuery
        var query: RecordQuery
        var filterText: String
        var problems: [String]
    }

    static func listQuery(_ req: Request, _ a: AppAccess, _ l: Lang) -> ListQuery {
        let def = a.app.definition
        let views = def.views.isEmpty ? [ViewDefinition(name: l.t("すべて", "All"), kind: .list, columns: Array(def.fields.prefix(5).map(\.code)))] : def.views
        let viewName = (try? req.query.get(String.self, at: "view")) ?? views[0].name
        let view = views.first { $0.name == viewName } ?? views[0]
        let filterText = ((try? req.query.get(String.self, at: "q")) ?? "").trimmingCharacters(in: .whitespaces)
        var problems: [String] = []
        var viewQuery = RecordQuery()
        if !view.query.isEmpty { viewQuery = (try? RecordQuery(parsing: view.query)) ?? RecordQuery() }
        var query = viewQuery
        if !filterText.isEmpty {
            do {
                let user = try RecordQuery(parsing: filterText, path: "q")
                let p = user.check(def, readable: a.canRead, path: "q")
                if p.isEmpty {
                    query.condition = RecordQuery.and(viewQuery.condition, user.condition)
                    if !user.sort.isEmpty { query.sort = user.sort }
                } else { problems = p.map { message($0, l) } }
            } catch { problems = [message(error, l)] }
        }
        return ListQuery(views: views, view: view, viewQuery: viewQuery, query: query, filterText: filterText, problems: problems)
    }

    /// While calculated fields are being computed again after an expression changed: how far it is.
    static func recalculating(_ req: Request, _ a: AppAccess, _ l: Lang) -> N {
        let p = req.yakuba.recalculator.progress(a.app.id)
        guard p != nil || a.app.row.recalcAfter != nil else { return .empty }
        let where_ = p.flatMap { $0.total > 0 ? l.t("（\(AppForms.grouped(Decimal($0.done))) / \(AppForms.grouped(Decimal($0.total)))件）", " (\($0.done) of \($0.total) records)") : nil } ?? ""
        return el("p", cls("notice"), attr("role", "status"),
                  txt(l.t("計算式の変更をレコードに反映しています\(where_)。終わるまで、計算フィールドの値が古いレコードがあります。",
                          "The changed calculations are being applied to the records\(where_). Until then some calculated values may be out of date.")))
    }

    static func toolbar(_ a: AppAccess, _ l: Lang) -> N {
        el("p", cls("actions"),
           a.rights.contains(.add) ? link("\(base(a))/records/new", l.t("レコードを追加", "Add a record"), cls("button")) : .empty, txt(" "),
           a.rights.contains(.exportRecords) || a.rights.contains(.importRecords) ? link("\(base(a))/csv", l.t("CSV の書き出し・読み込み", "CSV export and import"), cls("button secondary")) : .empty, txt(" "),
           a.rights.contains(.manage) ? link("\(base(a))/settings", l.t("アプリの設定", "App settings"), cls("button secondary")) : .empty, txt(" "),
           a.rights.contains(.manage) ? link("\(base(a))/template.json", l.t("テンプレートとして書き出す", "Export as a template"), cls("button secondary"), attr("download", "\(a.app.definition.code).yakuba-app.json")) : .empty)
    }

    static func viewTabs(_ a: AppAccess, _ views: [ViewDefinition], current: ViewDefinition, _ l: Lang) -> N {
        guard views.count > 1 else { return .empty }
        return el("nav", attr("aria-label", l.t("一覧の切り替え", "Views")), el("ul", cls("tabs"), views.map { v in
            let label: String
            switch v.kind { case .list: label = v.name; case .kanban: label = v.name + l.t("（カンバン）", " (kanban)"); case .calendar: label = v.name + l.t("（カレンダー）", " (calendar)"); case .chart: label = v.name + l.t("（グラフ）", " (chart)") }
            return el("li", link(base(a) + "?view=" + (v.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), label, v.name == current.name ? attr("aria-current", "page") : .empty))
        }))
    }

    static func filterForm(_ a: AppAccess, view: ViewDefinition, text: String, problems: [String], _ l: Lang) -> N {
        el("form", attr("method", "get"), attr("action", base(a)), cls("filter"), attr("role", "search"),
           hidden("view", view.name),
           field(id: "q", label: l.t("絞り込み（条件）", "Filter (query)"), error: problems.isEmpty ? nil : problems.joined(separator: " "),
                 hint: l.t("例: status = \"受付\" and cases_per_year >= 100 order by priority desc（フィールドはコードで書きます）",
                           "e.g. status = \"受付\" and cases_per_year >= 100 order by priority desc (fields by their codes)")) { d in
               input(id: "q", name: "q", value: text, describedBy: d, invalid: !problems.isEmpty, extra: [("autocomplete", "off")])
           },
           el("button", attr("type", "submit"), txt(l.t("絞り込む", "Filter"))),
           view.query.isEmpty ? .empty : el("p", cls("hint"), txt(l.t("この一覧の条件: ", "This view's query: ") + view.query)))
    }

    /// Kanban: a column per status, its cards the records in it (the first 50 of each, by number).
    static func kanban(_ req: Request, _ scope: Scope, _ a: AppAccess, view: ViewDefinition, views: [ViewDefinition], process: ProcessDefinition,
                       query: RecordQuery, filterText: String, problems: [String]) async throws -> Response {
        let l = req.lang
        let def = a.app.definition
        var columns: [(StatusDefinition, RecordPage)] = []
        for s in process.statuses {
            var q = query
            q.condition = RecordQuery.and(query.condition, .compare(SystemField.status.rawValue, .eq, .text(s.name)))
            if q.sort.isEmpty { q.sort = [.init(field: SystemField.recordNumber.rawValue, descending: true)] }
            columns.append((s, try await AppStore.list(req.sql, a, query: q, cursor: nil, limit: 50, exactCount: false)))
        }
        let names = try await AppForms.names(req, scope, a, records: columns.flatMap(\.1.records))
        let shown = view.columns.filter(a.canRead).compactMap { def.field($0) }
        let title = def.titleField.flatMap { def.field($0) }
        let calc = (try? def.calculatedTypes()) ?? [:]
        let content: [N] = [
            el("h1", txt(def.name)),
            toolbar(a, l),
            viewTabs(a, views, current: view, l),
            filterForm(a, view: view, text: filterText, problems: problems, l),
            el("div", cls("kanban"), columns.map { s, page in
                el("section", cls("kanban-column"), attr("aria-labelledby", "col-\(abs(s.name.hashValue))"),
                   el("h2", attr("id", "col-\(abs(s.name.hashValue))"), txt(s.name), el("span", cls("count"), txt(page.countIsExact ? " \(page.count)" : " \(page.count)+"))),
                   el("ul", page.records.map { r in
                       el("li", cls("card"),
                          link("\(base(a))/records/\(r.id)", "#\(r.number) " + (title.map { AppForms.text($0, r.data[$0.code], l, scope, names) } ?? "")),
                          el("dl", shown.filter { $0.code != def.titleField }.map { f in
                              .group([el("dt", txt(f.label)), el("dd", txt(AppForms.text(f, r.data[f.code], l, scope, names, calcType: calc[f.code])))])
                          }))
                   }),
                   page.next == nil ? .empty : el("p", link(base(a) + "?q=" + ("status = \"\(s.name)\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), l.t("すべて見る", "See all"))))
            }),
        ]
        return Pages.html(Pages.layout(req, title: def.name, content, flash: req.takeFlash()), status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    // MARK: a record's form

    /// A new record's form; `from=app:record:table:row:column` starts it from a sub-table row of another app's record
    /// (a bottleneck of a 業務ヒアリング becoming a request): fields of the same code are filled from the row and its
    /// record, the title from the row's first text, and saving links the row to the new record.
    static func newForm(_ req: Request) async throws -> Response {
        guard let from = req.query[String.self, at: "from"] else { return try await form(req, record: nil, values: nil, errors: [:]) }
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req), need: .add)
        guard let o = try await RowOrigin.load(req, scope, from), o.linkApp == a.app.definition.code else {
            throw ProblemError(status: .notFound, title: req.lang.t("元の行が見つからないか、すでにリンクされています。", "The row to start from was not found, or is already linked."))
        }
        return try await form(req, record: nil, values: o.prefill(a.app.definition), errors: [:], from: from)
    }

    static func form(_ req: Request, record: StoredRecord?, values: [String: AppValue]?, errors: [String: String], status: HTTPResponseStatus = .ok, from: String? = nil) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req), need: record == nil ? .add : .edit)
        let def = a.app.definition
        let data = values ?? record?.data ?? [:]
        let names = try await AppForms.names(req, scope, a, records: [StoredRecord(id: "", number: 0, status: nil, data: data, revision: 0, createdBy: scope.principal.staffId,
                                                                                   createdAt: "", updatedBy: scope.principal.staffId, updatedAt: "", assignees: [])])
        let ctx = RecordContext(creator: record?.createdBy ?? scope.principal.staffId, data: record?.data ?? [:], assignees: record?.assignees ?? [])
        let locks = record?.status.flatMap { def.process?.status($0) }
        let calc = (try? def.calculatedTypes()) ?? [:]
        let title = record == nil ? l.t("\(def.name): 新しいレコード", "\(def.name): new record") : l.t("\(def.name) #\(record!.number) を編集", "Edit \(def.name) #\(record!.number)")
        let action = record == nil ? "\(base(a))/records" : "\(base(a))/records/\(record!.id)"
        func control(_ f: FieldDefinition) -> N {
            let access = def.permissions.access(f.code, caller: a.caller, record: ctx)
            if access == .none { return .empty }
            let locked = record != nil && (locks?.locks(f.code) ?? false)
            let readOnly = f.type == .calculated || access == .read || locked
            let id = "f-\(f.code)"
            let current = data[f.code]
            if readOnly {
                let why = f.type == .calculated ? l.t("計算で決まります", "calculated") : locked ? l.t("このステータスでは変更できません", "locked in this status") : l.t("変更の権限がありません", "you may not change it")
                return el("div", cls("field"), el("p", el("strong", txt(f.label)), txt("："), txt(AppForms.text(f, current, l, scope, names, calcType: calc[f.code]).ifEmpty("—"))),
                          el("p", cls("hint"), txt(why)))
            }
            let error = errors[f.code]
            let hint = [f.help, f.unit.map { l.t("単位: ", "Unit: ") + $0 }].compactMap { $0 }.joined(separator: " ")
            let marker = hidden("__f_\(f.code)", "1")
            let label = f.label + (f.required ? l.t("（必須）", " (required)") : "")
            switch f.type {
            case .choice:
                return .group([marker, field(id: id, label: label, error: error, hint: hint.isEmpty ? nil : hint) { d in
                    select(id: id, name: f.code, options: [("", l.t("選んでください", "Choose"))] + (f.choices ?? []).map { ($0, $0) }, selected: current?.text ?? "", describedBy: d, invalid: error != nil)
                }])
            case .department:
                return .group([marker, field(id: id, label: label, error: error, hint: hint.isEmpty ? nil : hint) { d in
                    select(id: id, name: f.code, options: [("", l.t("選んでください", "Choose"))] + scope.tree.options(), selected: current?.text.flatMap(UUID.init(uuidString:))?.uuidString ?? (values == nil ? "" : current?.text ?? ""), describedBy: d, invalid: error != nil)
                }])
            case .multiChoice, .yesNo:
                let chosen = Set((current?.list ?? []).compactMap(\.text))
                let options: [(String, String)] = f.type == .yesNo ? [("1", l.t("はい", "Yes"))] : (f.choices ?? []).map { ($0, $0) }
                return el("fieldset", error != nil ? cls("has-error") : .empty, marker, el("legend", txt(label)),
                          error.map { el("p", attr("id", "\(id)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                          N.group(options.enumerated().map { i, o in
                              let on = f.type == .yesNo ? current?.bool == true : chosen.contains(o.0)
                              return el("label", void("input", [("type", "checkbox"), ("name", f.code), ("value", o.0), ("id", "\(id)-\(i)")] + (on ? [("checked", "")] : [])), txt(o.1))
                          }))
            case .multilineText:
                return .group([marker, field(id: id, label: label, error: error, hint: hint.isEmpty ? nil : hint) { d in
                    el("textarea", attr("id", id), attr("name", f.code), attr("rows", "5"), attr("aria-describedby", d), error != nil ? attr("aria-invalid", "true") : .empty,
                       txt(AppForms.formText(f, current, scope, names)))
                }])
            case .attachment:
                let files = (current?.list ?? []).compactMap(Attachments.Meta.init)
                let types = f.acceptedContentTypes
                let described = ["\(id)-hint", error == nil ? nil : "\(id)-error"].compactMap { $0 }.joined(separator: " ")
                return el("fieldset", error != nil ? cls("has-error") : .empty, marker, el("legend", txt(label)),
                          files.isEmpty ? .empty : el("ul", cls("files"), files.enumerated().map { i, m in
                              el("li", el("label", void("input", [("type", "checkbox"), ("name", "__keep_\(f.code)"), ("value", m.id), ("id", "\(id)-keep-\(i)"), ("checked", "")]),
                                          txt(l.t(" 残す: ", " Keep: ") + "\(m.name)（\(Attachments.size(m.size))）")))
                          }),
                          el("label", attr("for", id), txt(l.t("ファイルを追加", "Add files"))),
                          el("p", attr("id", "\(id)-hint"), cls("hint"),
                             txt(l.t("\(types.map(Attachments.typeName).joined(separator: "、"))。1つ\(Attachments.size(f.largestFile))まで、\(RecordValidation.maxAttachments)個まで。",
                                     "\(types.map(Attachments.typeName).joined(separator: ", ")); up to \(Attachments.size(f.largestFile)) each, \(RecordValidation.maxAttachments) files."))),
                          error.map { el("p", attr("id", "\(id)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                          void("input", [("id", id), ("name", f.code), ("type", "file"), ("multiple", ""), ("accept", Attachments.accept(types)), ("aria-describedby", described)]
                                        + (error != nil ? [("aria-invalid", "true")] : [])))
            case .subtable:
                let rows = current?.list ?? []
                let count = max(rows.count + 3, 3)
                return el("fieldset", cls("subtable"), marker, hidden("__rows_\(f.code)", "\(count)"), el("legend", txt(label)),
                          el("div", tableRegion(f.label), el("table",
                             el("caption", txt(l.t("\(f.label)（空の行は保存されません）", "\(f.label) (empty rows are not saved)"))),
                             el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("行", "Row")))] + f.rowFields.map { c in el("th", attr("scope", "col"), txt(c.label + (c.required ? "*" : ""))) })),
                             el("tbody", (0..<count).map { i in
                                 let row = i < rows.count ? rows[i].object ?? [:] : [:]
                                 return el("tr", [el("th", attr("scope", "row"), txt("\(i + 1)"))] + f.rowFields.map { c in
                                     let cellId = "\(id)-\(i)-\(c.code)"
                                     let err = errors["\(f.code)[\(i)].\(c.code)"]
                                     return el("td", err.map { el("p", attr("id", cellId + "-error"), cls("error"), txt($0)) } ?? .empty,
                                               void("input", [("id", cellId), ("name", "\(f.code).\(i).\(c.code)"), ("value", AppForms.formText(c, row[c.code], scope, names)),
                                                              ("aria-label", "\(i + 1)行目 \(c.label)"), ("type", c.type == .date ? "date" : "text")]
                                                    + (err != nil ? [("aria-invalid", "true"), ("aria-describedby", cellId + "-error")] : [])))
                                 })
                             }))))
            default:
                var type = "text", extra: [(String, String?)] = []
                switch f.type {
                case .number, .money: extra.append(("inputmode", "decimal"))
                case .date: type = "date"
                case .dateTime: type = "datetime-local"
                case .user: extra.append(("autocomplete", "off"))
                case .link: extra.append(("inputmode", "numeric"))
                default: break
                }
                let h: String? = f.type == .user ? l.t("職員番号で入力します。", "Enter the staff number.") + (hint.isEmpty ? "" : " " + hint)
                    : f.type == .link ? l.t("リンク先のレコード番号（#の後の数字）を入力します。", "Enter the linked record's number.") + (hint.isEmpty ? "" : " " + hint)
                    : hint.isEmpty ? nil : hint
                return .group([marker, field(id: id, label: label, error: error, hint: h) { d in
                    input(id: id, name: f.code, type: type, value: AppForms.formText(f, current, scope, names), describedBy: d, required: f.required, invalid: error != nil, extra: extra)
                }])
            }
        }
        let unknown = errors.filter { k, _ in def.field(String(k.split(separator: "[").first ?? "").split(separator: ".").first.map(String.init) ?? k) == nil }
        let content: [N] = [
            el("h1", txt(title)),
            RulesController.errorSummary(errors, l),
            N.group(unknown.sorted { $0.key < $1.key }.map { el("p", cls("error"), attr("role", "alert"), txt($0.value)) }),
            el("form", attr("method", "post"), attr("action", action), attr("novalidate", ""), cls("record-form"),
               def.fields.contains { $0.type == .attachment } ? attr("enctype", "multipart/form-data") : .empty, hidden("_csrf", req.csrfToken),
               record.map { hidden("revision", "\($0.revision)") } ?? .empty,
               from.map { hidden("__from", $0) } ?? .empty,
               N.group(def.formRows.map { row in el("div", cls(row.count > 1 ? "form-row" : "form-row single"), row.map(control)) }),
               el("button", attr("type", "submit"), txt(record == nil ? l.t("保存する", "Save") : l.t("変更を保存", "Save changes"))), txt(" "),
               link(record.map { "\(base(a))/records/\($0.id)" } ?? base(a), l.t("やめる", "Cancel"))),
        ]
        return Pages.html(Pages.layout(req, title: title, content), status: status)
    }

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req), need: .add)
        let form = FormPairs(req)
        var values = AppForms.values(form, a.app.definition, zone: scope.municipality.zone)
        let attached = AppForms.attachments(form, a.app.definition, existing: nil)
        values.merge(attached.values) { _, b in b }
        let from = form["__from"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            try await attached.refuse(req, scope, a, values, existing: nil)
            let made = try await AppsService.create(req, scope, a, [values], files: attached.files)
            req.session.data["flash"] = l.t("#\(made[0].number) を保存しました。", "Saved #\(made[0].number).")
            if let from, let o = try await RowOrigin.load(req, scope, from), o.linkApp == a.app.definition.code {
                // the row that started it now links to the new record; if the row changed meanwhile, the record stays and says so
                do {
                    try await o.link(req, scope, to: made[0].id)
                    req.session.data["flash"] = l.t("#\(made[0].number) を保存し、元の行にリンクしました。", "Saved #\(made[0].number) and linked it from the row it came from.")
                    return req.redirect(to: "/apps/\(o.access.app.definition.code)/records/\(o.record.id)", redirectType: .normal)
                } catch {
                    req.session.data["flash"] = l.t("#\(made[0].number) を保存しましたが、元の行にリンクできませんでした（その間に変更されました）。元のレコードで番号 \(made[0].number) を入れてください。",
                                                    "Saved #\(made[0].number), but could not link it from the row it came from (it changed meanwhile). Enter number \(made[0].number) there.")
                }
            }
            return req.redirect(to: "\(base(a))/records/\(made[0].id)", redirectType: .normal)
        } catch let p as AppProblems {
            let (v, e) = attached.again(values, errors(p, l), l)
            return try await Self.form(req, record: nil, values: v, errors: e, status: .unprocessableEntity, from: from)
        }
    }

    static func loaded(_ req: Request, _ scope: Scope, _ a: AppAccess) async throws -> StoredRecord {
        guard let r = try await AppStore.record(req.sql, a, id: req.parameters.get("id") ?? "") else {
            throw ProblemError(status: .notFound, title: req.lang.t("レコードが見つかりません。", "Record not found."))
        }
        return r
    }

    static func edit(_ req: Request) async throws -> Response {
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req), need: .edit)
        guard let r = try await AppStore.record(req.sql, a, id: req.parameters.get("id") ?? "", edit: true) else {
            throw ProblemError(status: .notFound, title: req.lang.t("レコードが見つからないか、編集の権限がありません。", "Record not found, or you may not edit it."))
        }
        return try await form(req, record: r, values: nil, errors: [:])
    }

    static func save(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req), need: .edit)
        let id = req.parameters.get("id") ?? ""
        guard let r = try await AppStore.record(req.sql, a, id: id, edit: true) else {
            throw ProblemError(status: .notFound, title: l.t("レコードが見つからないか、編集の権限がありません。", "Record not found, or you may not edit it."))
        }
        let form = FormPairs(req)
        var values = AppForms.values(form, a.app.definition, zone: scope.municipality.zone)
        let attached = AppForms.attachments(form, a.app.definition, existing: r.data)
        values.merge(attached.values) { _, b in b }
        do {
            try await attached.refuse(req, scope, a, values, existing: r)
            _ = try await AppsService.update(req, scope, a, [(r.id, form["revision"].flatMap(Int.init), values)], files: attached.files)
            req.session.data["flash"] = l.t("変更を保存しました。", "Saved.")
            return req.redirect(to: "\(base(a))/records/\(r.id)", redirectType: .normal)
        } catch let p as AppProblems {
            var merged = r.data; for (k, v) in values { merged[k] = v }
            let (v, e) = attached.again(merged, errors(p, l), l)
            return try await Self.form(req, record: r, values: v, errors: e, status: .unprocessableEntity)
        } catch let s as AppStale {
            var merged = r.data; for (k, v) in attached.again(values, [:], l).0 { merged[k] = v }
            return try await Self.form(req, record: r, values: merged, errors: ["revision": l.t("このレコードはほかの人が先に更新しました（版\(s.current)）。最新の内容を開き直してから変更してください。", "Someone else updated this record first (revision \(s.current)). Reopen it and make your change again.")], status: .conflict)
        }
    }

    // MARK: a record

    static func show(_ req: Request, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req))
        let r = try await loaded(req, scope, a)
        let def = a.app.definition
        let history = try await AppStore.history(req.sql, recordId: r.id)
        var names = try await AppForms.names(req, scope, a, records: [r])
        let extraStaff = Set(history.map(\.actor)).subtracting(names.staff.keys)
        for (id, s) in try await StaffRepository.find(req.sql, ids: Array(extraStaff)) { names.staff[id] = (s.staffNumber, s.fullName) }
        let calc = (try? def.calculatedTypes()) ?? [:]
        let canEdit = a.rights.contains(.edit) ? (try await AppStore.record(req.sql, a, id: r.id, edit: true)) != nil : false
        let members = def.process == nil ? [:] : try await AppsService.members(req, scope, a.app)
        let actions = r.state.flatMap { s in def.process.map { Workflow.available($0, state: s, caller: a.caller, record: r.context, canEdit: canEdit) } } ?? []
        let candidateIds = Set(members.values.flatMap { $0 })
        for (id, s) in try await StaffRepository.find(req.sql, ids: Array(candidateIds.subtracting(names.staff.keys))) { names.staff[id] = (s.staffNumber, s.fullName) }
        let title = def.titleField.flatMap { def.field($0) }.map { AppForms.text($0, r.data[$0.code], l, scope, names) } ?? ""
        func who(_ id: UUID) -> String { names.staff[id].map { "\($0.name)（\($0.number)）" } ?? l.t("（不明）", "(unknown)") }
        func when(_ ms: Int64) -> String {
            let d = Date(timeIntervalSince1970: Double(ms) / 1000)
            return showDate(CalendarDate(d, in: scope.municipality.zone), l) + " " + showTime(d, scope.municipality.zone)
        }
        let fieldsShown = def.fields.filter { def.permissions.access($0.code, caller: a.caller, record: r.context) >= .read }
        // a sub-table row with an empty link can become a record of the linked app (業務ヒアリング: a bottleneck → a request)
        var spawnable: [String: String] = [:]   // linked app code → its name, where the caller may add records
        if canEdit {
            for f in def.fields where f.type == .subtable && def.permissions.access(f.code, caller: a.caller, record: r.context) == .write {
                for c in f.rowFields where c.type == .link { if let code = c.linkApp, spawnable[code] == nil, let t = try? await AppsService.access(req, scope, code: code, need: .add) { spawnable[code] = t.app.definition.name } }
            }
        }
        func valueNode(_ f: FieldDefinition) -> N {
            let v = r.data[f.code]
            if f.type == .subtable {
                let rows = v?.list ?? []
                if rows.isEmpty { return txt("—") }
                return el("div", tableRegion(f.label), el("table", el("caption", txt(f.label)),
                          el("thead", el("tr", f.rowFields.map { c in el("th", attr("scope", "col"), txt(c.label)) })),
                          el("tbody", rows.enumerated().map { i, row in el("tr", f.rowFields.map { c in
                              let cv = row.object?[c.code]
                              if c.type == .link, let id = cv?.text, let target = names.records[id] {
                                  return el("td", link("/apps/\(target.app)/records/\(id)", "#\(target.number) \(target.title)"))
                              }
                              if c.type == .link, (cv ?? .null).isEmpty, let code = c.linkApp, let name = spawnable[code] {
                                  let from = RowOrigin.key(app: def.code, record: r.id, table: f.code, row: i, column: c.code, row)
                                  return el("td", link("/apps/\(code)/records/new?from=" + (from.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                                                       l.t("「\(name)」に登録", "Add to \"\(name)\""), attr("aria-label", l.t("\(i + 1)行目を「\(name)」に登録", "Add row \(i + 1) to \"\(name)\""))))
                              }
                              return el("td", txt(AppForms.text(c, cv, l, scope, names)))
                          }) })))
            }
            if f.type == .link, let id = v?.text, let target = names.records[id] { return link("/apps/\(target.app)/records/\(id)", "#\(target.number) \(target.title)") }
            if f.type == .attachment {
                let files = (v?.list ?? []).compactMap(Attachments.Meta.init)
                if files.isEmpty { return txt("—") }
                return el("ul", cls("files"), files.map { m in
                    el("li", link("\(base(a))/files/\(m.id)", m.name, attr("download", m.name)), txt("（\(Attachments.typeName(m.type))、\(Attachments.size(m.size))）"))
                })
            }
            let s = AppForms.text(f, v, l, scope, names, calcType: calc[f.code])
            return f.type == .multilineText ? el("div", cls("multiline"), txt(s.ifEmpty("—"))) : txt(s.ifEmpty("—"))
        }
        // changes listed in the form's order (removed fields last)
        let position = Dictionary(def.formRows.joined().enumerated().map { ($0.element.code, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func ordered(_ cs: [RecordEvent.Change]?) -> [RecordEvent.Change] { (cs ?? []).sorted { (position[$0.field] ?? Int.max, $0.field) < (position[$1.field] ?? Int.max, $1.field) } }
        func describe(_ e: RecordEvent) -> [N] {
            switch e.kind {
            case "created":
                return [txt(l.t("作成しました", "Created")), el("ul", ordered(e.changes).map { c in
                    let f = def.field(c.field) ?? FieldDefinition(code: c.field, label: c.field + l.t("（削除したフィールド）", " (removed field)"), type: .text)
                    return el("li", txt("\(f.label): \(AppForms.text(f, c.after, l, scope, names, calcType: calc[c.field]).ifEmpty("—"))"))
                })]
            case "updated":
                return [txt(l.t("変更しました", "Changed")), el("ul", ordered(e.changes).map { c in
                    let f = def.field(c.field) ?? FieldDefinition(code: c.field, label: c.field + l.t("（削除したフィールド）", " (removed field)"), type: .text)
                    return el("li", txt("\(f.label): \(AppForms.text(f, c.before, l, scope, names, calcType: calc[c.field]).ifEmpty("—")) → \(AppForms.text(f, c.after, l, scope, names, calcType: calc[c.field]).ifEmpty("—"))"))
                })]
            case "action":
                return [txt(e.acted == true ? l.t("「\(e.action ?? "")」を実行しました（ほかの作業者を待っています）", "Took \"\(e.action ?? "")\" (waiting for the other assignees)")
                            : l.t("「\(e.action ?? "")」: \(e.from ?? "") → \(e.to ?? "")", "\"\(e.action ?? "")\": \(e.from ?? "") → \(e.to ?? "")"))]
                    + (e.comment.map { [el("blockquote", txt($0))] } ?? [])
            case "comment": return [el("blockquote", cls("comment"), txt(e.comment ?? ""))]
            default: return [txt(e.kind)]
            }
        }
        let needsChoice = actions.contains { act in def.process?.status(act.to)?.assignee?.mode == .one }
        let choices: [(String, String)] = Array(Set(actions.flatMap { act -> [UUID] in
            guard let rule = def.process?.status(act.to)?.assignee, rule.mode == .one else { return [] }
            return Workflow.candidates(rule, record: r.context, members: { members[$0] ?? [] })
        })).sorted { (names.staff[$0]?.number ?? "") < (names.staff[$1]?.number ?? "") }.map { ($0.uuidString, who($0)) }
        let content: [N] = [
            el("h1", txt("\(def.name) #\(r.number)" + (title.isEmpty ? "" : " \(title)"))),
            el("p", link(base(a), l.t("一覧へ戻る", "Back to the list")),
               canEdit ? .group([txt(" "), link("\(base(a))/records/\(r.id)/edit", l.t("編集する", "Edit"), cls("button"))]) : .empty),
            RulesController.errorSummary(errors, l),
            def.process == nil ? .empty : el("section", attr("aria-labelledby", "status-h"), cls("record-status"),
                el("h2", attr("id", "status-h"), txt(l.t("ステータス", "Status"))),
                el("p", el("span", cls("status"), txt(r.status ?? "")), txt(" "),
                   txt(r.assignees.isEmpty ? "" : l.t("作業者: ", "Assignee: ") + r.assignees.map(who).joined(separator: "、"))),
                actions.isEmpty ? el("p", cls("hint"), txt(l.t("あなたが実行できるアクションはありません。", "There is no action you can take now."))) :
                    el("form", attr("method", "post"), attr("action", "\(base(a))/records/\(r.id)/actions"), hidden("_csrf", req.csrfToken), hidden("revision", "\(r.revision)"),
                       errors["action"].map { el("p", cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                       needsChoice && !choices.isEmpty ? field(id: "assignee", label: l.t("次の作業者", "Next assignee"), error: errors["assignee"]) { d in
                           select(id: "assignee", name: "assignee", options: [("", l.t("選んでください", "Choose"))] + choices, selected: nil, describedBy: d, invalid: errors["assignee"] != nil)
                       } : .empty,
                       field(id: "action-comment", label: l.t("コメント（見送りなど理由が必要なときは必須）", "Comment (needed where the action asks for a reason)"), error: errors["comment"]) { d in
                           el("textarea", attr("id", "action-comment"), attr("name", "comment"), attr("rows", "2"), attr("aria-describedby", d))
                       },
                       el("div", cls("actions"), actions.map { act in el("button", attr("type", "submit"), attr("name", "action"), attr("value", act.name), txt(act.name)) }))),
            el("section", attr("aria-labelledby", "fields-h"),
               el("h2", attr("id", "fields-h"), txt(l.t("内容", "Details"))),
               el("dl", cls("record"), fieldsShown.map { f in .group([el("dt", txt(f.label)), el("dd", valueNode(f))]) })),
            el("section", attr("aria-labelledby", "comments-h"),
               el("h2", attr("id", "comments-h"), txt(l.t("コメント", "Comments"))),
               el("form", attr("method", "post"), attr("action", "\(base(a))/records/\(r.id)/comments"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
                  field(id: "comment", label: l.t("コメントを書く（@職員番号 でその人に知らせます）", "Write a comment (@staff-number notifies that person)"), error: errors["comment-new"]) { d in
                      el("textarea", attr("id", "comment"), attr("name", "comment"), attr("rows", "3"), attr("aria-describedby", d), errors["comment-new"] != nil ? attr("aria-invalid", "true") : .empty)
                  },
                  el("button", attr("type", "submit"), txt(l.t("コメントする", "Comment"))))),
            el("section", attr("aria-labelledby", "history-h"),
               el("h2", attr("id", "history-h"), txt(l.t("履歴", "History"))),
               el("ol", cls("history"), history.reversed().map { h in
                   el("li", el("p", el("strong", txt(who(h.actor))), txt(" "), el("time", txt(when(h.atMs)))), N.group(describe(h.event)))
               })),
        ]
        return Pages.html(Pages.layout(req, title: "\(def.name) #\(r.number)", content, flash: req.takeFlash()), status: status)
    }

    static func action(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req))
        let form = FormPairs(req)
        let id = req.parameters.get("id") ?? ""
        do {
            let r = try await AppsService.act(req, scope, a, id: id, action: form["action"] ?? "", chosen: form["assignee"].flatMap(UUID.init(uuidString:)),
                                              comment: form["comment"] ?? "", revision: form["revision"].flatMap(Int.init))
            req.session.data["flash"] = l.t("「\(form["action"] ?? "")」を実行しました（いま: \(r.status ?? "")）。", "Done: \(form["action"] ?? "") (now \(r.status ?? "")).")
            return req.redirect(to: "\(base(a))/records/\(r.id)", redirectType: .normal)
        } catch let p as AppProblems {
            return try await show(req, errors: errors(p, l), status: .unprocessableEntity)
        } catch is AppStale {
            return try await show(req, errors: ["action": l.t("このレコードはほかの人が先に進めました。いまの状態を確かめてからやり直してください。", "Someone else moved this record first. Check where it is now and try again.")], status: .conflict)
        } catch is AppMissing {
            throw ProblemError(status: .notFound, title: l.t("レコードが見つかりません。", "Record not found."))
        }
    }

    static func comment(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: code(req))
        let id = req.parameters.get("id") ?? ""
        do {
            let r = try await AppsService.comment(req, scope, a, id: id, text: FormPairs(req)["comment"] ?? "")
            req.session.data["flash"] = l.t("コメントしました。", "Commented.")
            return req.redirect(to: "\(base(a))/records/\(r.id)#comments-h", redirectType: .normal)
        } catch let p as AppProblems {
            return try await show(req, errors: ["comment-new": p.all.first.map { message($0, l) } ?? ""], status: .unprocessableEntity)
        } catch is AppMissing {
            throw ProblemError(status: .notFound, title: l.t("レコードが見つかりません。", "Record not found."))
        }
    }
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}

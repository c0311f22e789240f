import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// An app's records as CSV (UTF-8 or Shift_JIS): export of a view and filter, and an all-or-nothing import that adds
/// records (rows without a レコード番号) and changes existing ones (rows with one). Every row is checked first — values,
/// references, the caller's rights, locks and field access — and one wrong row imports nothing.
enum AppCSVController {
    static let maxExport = 100_000

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["apps", ":code", "csv"], access: .signedIn) { req in try await page(req, issues: [], error: nil) }
        r.on(.GET, ["apps", ":code", "records.csv"], access: .signedIn) { req in try await export(req) }
        r.on(.POST, ["apps", ":code", "csv"], access: .signedIn, body: .collect(maxSize: "8mb")) { req in try await upload(req) }
    }

    static func access(_ req: Request, _ scope: Scope) async throws -> AppAccess {
        let a = try await AppsService.access(req, scope, code: AppsController.code(req))
        guard a.rights.contains(.exportRecords) || a.rights.contains(.importRecords) else {
            throw ProblemError(status: .forbidden, title: req.lang.t("CSV の書き出し・読み込みの権限がありません。", "You may not export or import this app's records."))
        }
        return a
    }

    static func page(_ req: Request, issues: [ImportIssue], error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await access(req, scope)
        let def = a.app.definition
        let lq = AppsController.listQuery(req, a, l)
        let columns = RecordCSV.exportColumns(def, readable: a.canRead).map { RecordCSV.heading($0, def) }
        let left = def.fields.filter { !RecordCSV.inCSV($0) }.map(\.label)
        let base = AppsController.base(a)
        var content: [N] = [
            el("h1", txt(l.t("\(def.name)：CSV の書き出し・読み込み", "\(def.name): CSV export and import"))),
            el("p", link(base, l.t("一覧に戻る", "Back to the list"))),
            el("p", txt(l.t("列: ", "Columns: ") + columns.joined(separator: "、"))),
            el("p", cls("hint"), txt(l.t("職員は職員番号、所属は所属コード、リンクは参照先のレコード番号で書きます。複数選択はセルの中で1行に1つです（Excel では Alt+Enter）。",
                                        "People are written as staff numbers, departments as department codes, links as the linked record's number. Several choices go one per line in the cell (Alt+Enter in Excel).")
                                   + (left.isEmpty ? "" : l.t("表・添付ファイル（\(left.joined(separator: "、"))）は CSV に含みません。", " Sub-tables and attachments (\(left.joined(separator: ", "))) are not in the CSV.")))),
        ]
        if a.rights.contains(.exportRecords) {
            content.append(el("section", attr("aria-labelledby", "export-h"),
                el("h2", attr("id", "export-h"), txt(l.t("書き出し", "Export"))),
                el("form", attr("method", "get"), attr("action", "\(base)/records.csv"),
                   field(id: "view", label: l.t("一覧", "View"), error: nil) { d in
                       select(id: "view", name: "view", options: lq.views.map { ($0.name, $0.name) }, selected: lq.view.name, describedBy: d)
                   },
                   field(id: "q", label: l.t("絞り込み（条件、任意）", "Filter (query, optional)"), error: lq.problems.isEmpty ? nil : lq.problems.joined(separator: " "),
                         hint: l.t("一覧と同じ書き方です。例: status = \"受付\"", "As on the list, e.g. status = \"受付\"")) { d in
                       input(id: "q", name: "q", value: lq.filterText, describedBy: d, invalid: !lq.problems.isEmpty, extra: [("autocomplete", "off")])
                   },
                   encodingChoice(l),
                   el("button", attr("type", "submit"), txt(l.t("CSV を書き出す", "Export CSV"))))))
        }
        if a.rights.contains(.importRecords) && (a.rights.contains(.add) || a.rights.contains(.edit)) {
            content.append(el("section", attr("aria-labelledby", "import-h"),
                el("h2", attr("id", "import-h"), txt(l.t("読み込み", "Import"))),
                el("p", txt(l.t("1行目は項目名（書き出した CSV の見出し）です。レコード番号が空の行は新しいレコード、番号がある行はそのレコードの変更になります。1行でも誤りがあれば、何も登録せずに誤りの一覧を表示します（最大\(RecordCSV.maxRows)行）。",
                                "Line 1 holds the headings (as exported). A row without a record number adds a record; a row with one changes that record. If any row is wrong nothing is imported and every problem is listed (at most \(RecordCSV.maxRows) rows)."))),
                ImportController.importProblems(issues, l, lineLabel: l.t("行", "Row")),
                el("form", attr("method", "post"), attr("action", "\(base)/csv"), attr("enctype", "multipart/form-data"),
                   hidden("_csrf", req.csrfToken),
                   field(id: "file", label: l.t("CSV ファイル（UTF-8 または Shift_JIS）", "CSV file (UTF-8 or Shift_JIS)"), error: error) { d in
                       void("input", [("id", "file"), ("name", "file"), ("type", "file"), ("accept", ".csv,text/csv"), ("required", ""),
                                      ("aria-describedby", issues.isEmpty ? d : "file-error")] + (error != nil || !issues.isEmpty ? [("aria-invalid", "true")] : []))
                   },
                   el("button", attr("type", "submit"), txt(l.t("読み込む", "Import"))))))
        }
        return Pages.html(Pages.layout(req, title: l.t("\(def.name) — CSV", "\(def.name) — CSV"), content), status: status)
    }

    static func encodingChoice(_ l: Lang) -> N {
        el("fieldset", el("legend", txt(l.t("文字コード", "Encoding"))),
           el("label", void("input", [("type", "radio"), ("name", "encoding"), ("value", "sjis"), ("checked", "")]), txt(l.t(" Shift_JIS（Excel で開く）", " Shift_JIS (opens in Excel)"))), txt(" "),
           el("label", void("input", [("type", "radio"), ("name", "encoding"), ("value", "utf8")]), txt(" UTF-8")))
    }

    // MARK: export

    static func export(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: AppsController.code(req), need: .exportRecords)
        guard let enc = ExportEncoding(rawValue: req.query[String.self, at: "encoding"] ?? "utf8") else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("encoding は utf8 か sjis です。", "encoding must be utf8 or sjis."),
                               errors: ["encoding": l.t("utf8 か sjis を指定してください。", "Use utf8 or sjis.")], code: "validation")
        }
        let lq = AppsController.listQuery(req, a, l)
        guard lq.problems.isEmpty else {
            throw ProblemError(status: .unprocessableEntity, title: lq.problems.joined(separator: " "), errors: ["q": lq.problems.joined(separator: " ")], code: "validation")
        }
        let def = a.app.definition
        let columns = RecordCSV.exportColumns(def, readable: a.canRead)
        let calc = (try? def.calculatedTypes()) ?? [:]
        let zone = scope.municipality.zone
        var rows: [[String]] = [columns.map { l == .ja ? RecordCSV.heading($0, def) : (def.field($0)?.label ?? SystemField(rawValue: $0)?.labelEn ?? $0) }]
        var cursor: String? = nil
        repeat {
            let page: RecordPage
            do { page = try await AppStore.list(req.sql, a, query: lq.query, cursor: cursor, limit: 1000, exactCount: false) }
            catch let p as AppProblem { throw ProblemError(status: .unprocessableEntity, title: l.t(p.messageJa, p.messageEn), errors: ["q": l.t(p.messageJa, p.messageEn)], code: "validation") }
            if rows.count - 1 + page.records.count > maxExport {
                throw ProblemError(status: .unprocessableEntity,
                                   title: l.t("\(AppForms.grouped(Decimal(maxExport)))件を超えるため書き出せません。条件で絞り込んで、何回かに分けて書き出してください。",
                                              "More than \(maxExport) records; narrow the filter and export in parts."), code: "too_many")
            }
            let names = try await AppForms.names(req, scope, a, records: page.records)
            for r in page.records { rows.append(columns.map { cell(r, $0, def, calc: calc, names: names, scope: scope, zone: zone, l) }) }
            cursor = page.next
        } while cursor != nil
        let stamp = CalendarDate(Date(), in: zone).iso.replacingOccurrences(of: "-", with: "")
        return try CSVDownload.response(rows, encoding: enc, name: "\(def.code)-\(stamp)", l)
    }

    /// A value in the terms an import reads back.
    static func cell(_ r: StoredRecord, _ code: String, _ def: AppDefinition, calc: [String: Formula.ValueType], names: AppForms.Names, scope: Scope, zone: TimeZone, _ l: Lang) -> String {
        func person(_ id: UUID) -> String { names.staff[id]?.number ?? "" }
        func moment(_ s: String) -> String {
            guard let d = RecordValidation.parseDateTime(s, zone: zone) else { return s }
            let day = CalendarDate(d, in: zone)
            let seconds = Int(d.timeIntervalSince1970.rounded(.down)) % 60
            return day.iso + " " + showTime(d, zone) + (seconds == 0 ? "" : String(format: ":%02d", seconds))
        }
        if let f = def.field(code) {
            guard let v = r.data[code], !v.isEmpty else { return "" }
            switch f.type {
            case .yesNo: return v.bool == true ? l.t("はい", "yes") : l.t("いいえ", "no")
            case .user: return v.text.flatMap(UUID.init(uuidString:)).map(person) ?? ""
            case .department: return v.text.flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0]?.code } ?? ""
            case .link: return v.text.flatMap { names.records[$0] }.map { String($0.number) } ?? ""
            case .multiChoice: return (v.list ?? []).compactMap(\.text).joined(separator: "\n")
            case .dateTime: return v.text.map(moment) ?? ""
            case .calculated:
                if case .bool(let b) = v { return b ? l.t("はい", "yes") : l.t("いいえ", "no") }
                return AppForms.plain(v)
            default: return AppForms.plain(v)
            }
        }
        switch SystemField(rawValue: code) {
        case .recordNumber?: return String(r.number)
        case .status?: return r.status ?? ""
        case .assignee?: return r.assignees.map(person).joined(separator: "\n")
        case .createdBy?: return person(r.createdBy)
        case .updatedBy?: return person(r.updatedBy)
        case .createdAt?: return moment(r.createdAt)
        case .updatedAt?: return moment(r.updatedAt)
        default: return ""
        }
    }

    // MARK: import

    struct UploadForm: Content { var file: File? }

    static func upload(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: AppsController.code(req), need: .importRecords)
        func refuse(_ ja: String, _ en: String) async throws -> Response { try await page(req, issues: [], error: l.t(ja, en), status: .unprocessableEntity) }
        guard let file = (try? req.content.decode(UploadForm.self))?.file, file.data.readableBytes > 0 else {
            return try await refuse("CSV ファイルを選んでください。", "Choose a CSV file.")
        }
        guard let decoded = JapaneseTextEncoding.decode(Array(file.data.readableBytesView)) else {
            return try await refuse("文字コードを読み取れません。UTF-8 か Shift_JIS の CSV で保存してください。", "The file is neither UTF-8 nor Shift_JIS. Save it as CSV.")
        }
        let table: [[String]]
        do { table = try CSV.parse(decoded.text) } catch {
            return try await refuse("CSV として読めません（\(error.line)行目: 閉じていない引用符 \"）。Excel で CSV 形式で保存し直してください。",
                                    "The file is not valid CSV (line \(error.line): an unclosed quote). Save it again as CSV from Excel.")
        }
        guard let header = table.first else { return try await refuse("ファイルが空です。", "The file is empty.") }
        let def = a.app.definition
        let columns: [RecordCSV.Column]
        switch RecordCSV.columns(header, def) {
        case .failure(let issues): return try await page(req, issues: issues.all, error: nil, status: .unprocessableEntity)
        case .success(let c): columns = c
        }
        let hidden = columns.compactMap { c -> ImportIssue? in
            guard case .field(let code) = c, !a.canRead(code) else { return nil }
            let name = def.field(code)?.label ?? code
            return ImportIssue(line: 1, column: name, value: "", messageJa: "「\(name)」はあなたが見られない項目のため読み込めません。この列を削除してください。",
                               messageEn: "You may not see \"\(name)\", so it cannot be imported. Remove the column.")
        }
        if !hidden.isEmpty { return try await page(req, issues: hidden, error: nil, status: .unprocessableEntity) }
        let rows = RecordCSV.dataRows(table)
        guard !rows.isEmpty else { return try await refuse("見出しの下にデータの行がありません。", "There are no rows under the headings.") }
        guard rows.count <= RecordCSV.maxRows else {
            return try await refuse("\(rows.count)行あります。1回に読み込めるのは\(RecordCSV.maxRows)行までです。ファイルを分けてください。",
                                    "The file has \(rows.count) rows; at most \(RecordCSV.maxRows) can be imported at once. Split the file.")
        }
        do {
            let (created, updated) = try await AppCSVImport.run(req, scope, a, columns: columns, rows: rows)
            req.session.data["flash"] = l.t("CSV を読み込みました（追加 \(created)件、変更 \(updated)件）。", "Imported the CSV (\(created) added, \(updated) changed).")
            return req.redirect(to: AppsController.base(a), redirectType: .normal)
        } catch let e as AppCSVImport.Refused {
            return try await page(req, issues: e.issues, error: nil, status: .unprocessableEntity)
        }
    }
}

/// The import itself: every row read, resolved and validated against the record as it is; then one transaction.
enum AppCSVImport {
    struct Refused: Error { var issues: [ImportIssue] }

    static func run(_ req: Request, _ scope: Scope, _ a: AppAccess, columns: [RecordCSV.Column], rows: [(line: Int, cells: [String])]) async throws -> (Int, Int) {
        let def = a.app.definition
        let zone = scope.municipality.zone
        var issues: [ImportIssue] = []
        var read = rows.map { RecordCSV.row($0.cells, columns, def, line: $0.line) }
        for r in read { issues += r.issues }
        func label(_ path: String) -> String {
            let code = String(path.prefix { $0 != "[" && $0 != "." })
            return def.field(code)?.label ?? code
        }
        func cellText(_ line: Int, _ path: String) -> String {
            let code = String(path.prefix { $0 != "[" && $0 != "." })
            guard let i = rows.firstIndex(where: { $0.line == line }), let c = columns.firstIndex(of: .field(code)), c < rows[i].cells.count else { return "" }
            return rows[i].cells[c]
        }
        func add(_ line: Int, _ problems: [AppProblem]) {
            issues += problems.map { ImportIssue(line: line, column: label($0.path), value: cellText(line, $0.path), messageJa: $0.messageJa, messageEn: $0.messageEn) }
        }
        // the records rows name: each once, and only those the caller may edit
        let numbers = read.compactMap(\.number)
        var seen: [Int64: Int] = [:]
        for (row, r) in zip(rows, read) {
            guard let n = r.number else { continue }
            if let first = seen[n] {
                issues.append(ImportIssue(line: row.line, column: RecordCSV.numberHeader.ja, value: String(n), messageJa: "レコード番号 \(n) は\(first)行目にもあります。1つのレコードは1行にしてください。",
                                          messageEn: "Record number \(n) is also on row \(first). Put each record on one row."))
            } else { seen[n] = row.line }
        }
        if !numbers.isEmpty && !a.rights.contains(.edit) {
            throw Refused(issues: [ImportIssue(line: seen.values.min() ?? 2, column: RecordCSV.numberHeader.ja, value: "", messageJa: "レコードを変更する権限がないため、レコード番号のある行は読み込めません。番号を空欄にすると新しいレコードになります。",
                                               messageEn: "You may not change records, so rows with a record number cannot be imported. Leave the number empty to add new records.")])
        }
        if numbers.count < read.count && !a.rights.contains(.add) {
            throw Refused(issues: [ImportIssue(line: zip(rows, read).first { $0.1.number == nil }?.0.line ?? 2, column: RecordCSV.numberHeader.ja, value: "",
                                               messageJa: "レコードを追加する権限がないため、レコード番号が空の行は読み込めません。", messageEn: "You may not add records, so rows without a record number cannot be imported.")])
        }
        let existing = try await AppStore.records(req.sql, a, numbers: Array(Set(numbers)), edit: true)
        for (row, r) in zip(rows, read) {
            if let n = r.number, existing[n] == nil {
                issues.append(ImportIssue(line: row.line, column: RecordCSV.numberHeader.ja, value: String(n), messageJa: "レコード番号 \(n) のレコードが見つからないか、変更する権限がありません。新しいレコードにするときは番号を空欄にしてください。",
                                          messageEn: "Record \(n) was not found, or you may not change it. Leave the number empty to add a new record."))
            }
        }
        // a link the exporter could not see was written empty: an empty cell leaves such a link as it is
        for f in def.fields where f.type == .link {
            guard let code = f.linkApp else { continue }
            let target = try? await AppsService.access(req, scope, code: code)
            let held = zip(read.indices, read).compactMap { i, r -> (Int, String)? in
                guard let n = r.number, let id = existing[n]?.data[f.code]?.text, (r.values[f.code]?.text ?? "").trimmingCharacters(in: .whitespaces).isEmpty,
                      r.values[f.code] != nil else { return nil }
                return (i, id)
            }
            let visible = target == nil ? [] : try await AppStore.visibleIds(req.sql, target!, ids: held.map(\.1))
            for (i, id) in held where !visible.contains(id) { read[i].values.removeValue(forKey: f.code) }
        }
        // references (staff numbers, department codes, record numbers) for every row at once
        let resolved = try await AppsService.resolve(req, scope, a, read.map(\.values))
        let members = def.process == nil ? [:] : try await AppsService.members(req, scope, a.app)
        var new: [AppStore.NewRecord] = []
        var changes: [(id: String, revision: Int, data: [String: AppValue], event: RecordEvent)] = []
        for ((row, r), (values, refProblems)) in zip(zip(rows, read), resolved) {
            let current = r.number.flatMap { existing[$0] }
            if r.number != nil && current == nil { continue }
            let record = RecordContext(creator: current?.createdBy ?? a.caller.staffId, data: current?.data ?? values, assignees: current?.assignees ?? [])
            let fieldAccess = { (f: String) in def.permissions.access(f, caller: a.caller, record: record) }
            let status = current?.status ?? def.process?.initial?.name
            switch RecordValidation.apply(def, changes: values, to: current?.data, status: status, access: fieldAccess, zone: zone) {
            case .failure(let p):
                add(row.line, refProblems + p.all.filter { vp in !refProblems.contains { $0.path == vp.path } })
            case .success(let data):
                guard refProblems.isEmpty else { add(row.line, refProblems); continue }
                if let current {
                    let keys = Set(data.keys).union(current.data.keys).sorted()
                    let diff = keys.compactMap { k in data[k] == current.data[k] ? nil : RecordEvent.Change(field: k, before: current.data[k], after: data[k]) }
                    if !diff.isEmpty { changes.append((current.id, current.revision, data, RecordEvent(kind: "updated", changes: diff))) }
                } else {
                    var state: RecordState? = nil
                    if let process = def.process {
                        switch Workflow.initialState(process, record: RecordContext(creator: a.caller.staffId, data: data, assignees: []), chosen: nil, members: { members[$0] ?? [] }) {
                        case .success(let s): state = s
                        case .failure(let p): add(row.line, p.all); continue
                        }
                    }
                    new.append(.init(data: data, state: state))
                }
            }
        }
        if !issues.isEmpty { throw Refused(issues: issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) }) }
        let me = scope.principal.staffId
        let notify = new.flatMap { r in
            Notifications.make(municipalityId: scope.principal.municipalityId, to: (r.state?.assignees ?? []).filter { $0 != me }, kind: "app.assigned",
                               ja: "「\(def.name)」に新しいレコードが届きました（作業者: あなた）。", en: "A new record in \"\(def.name)\" is waiting for you.", link: "/apps/\(def.code)")
        }
        do {
            let done = try await AppStore.importRecords(req.yakuba.writer, a, new: new, changes: changes, actor: me, notify: notify)
            return (done.created.count, done.updated.count)
        } catch let e as AppStale {
            let n = existing.values.first { $0.id == e.id }?.number ?? 0
            throw Refused(issues: [ImportIssue(line: seen[n] ?? 0, column: RecordCSV.numberHeader.ja, value: String(n), messageJa: "レコード番号 \(n) は読み込みの間に他の人が変更しました。何も取り込んでいません。もう一度読み込んでください。",
                                               messageEn: "Record \(n) was changed by someone else during the import. Nothing was imported; import again.")])
        } catch let e as AppMissing {
            let n = existing.values.first { $0.id == e.id }?.number ?? 0
            throw Refused(issues: [ImportIssue(line: seen[n] ?? 0, column: RecordCSV.numberHeader.ja, value: String(n), messageJa: "レコード番号 \(n) は読み込みの間に削除されたか、変更できなくなりました。何も取り込んでいません。",
                                               messageEn: "Record \(n) was deleted or became read-only during the import. Nothing was imported.")])
        }
    }
}

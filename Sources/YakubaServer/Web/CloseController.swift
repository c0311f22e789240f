import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 締め (HR): check a month for what is still open, close it for a department or the whole municipality (the figures
/// are frozen), re-open it as an audited act, and export the payroll CSV.
enum CloseController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["close"], access: AdminController.hrOrAdmin) { req in try await page(req, form: CloseForm(), errors: [:]) }
        r.on(.POST, ["close"], access: AdminController.hrOrAdmin) { req in try await close(req) }
        r.on(.POST, ["close", "reopen"], access: AdminController.hrOrAdmin) { req in try await reopen(req) }
        r.on(.GET, ["close", "payroll.csv"], access: AdminController.hrOrAdmin) { req in try await payroll(req) }
    }

    struct CloseForm: Content { var month: String? = nil; var department: String? = nil; var acknowledge: String? = nil; var reason: String? = nil }

    static func month(_ req: Request, _ raw: String?, zone: TimeZone) -> YearMonth {
        raw.flatMap(YearMonth.init(iso:)) ?? YearMonth(CalendarDate(Date(), in: zone)).previous
    }

    static func page(_ req: Request, form f: CloseForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let muni = scope.municipality
        let m = month(req, f.month ?? req.query[String.self, at: "month"], zone: muni.zone)
        let department = (f.department ?? req.query[String.self, at: "department"]).flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0] }
        let events = try await CloseService.events(req.sql, municipalityId: muni.id, month: m)
        let closed = CloseService.closedScopes(events)
        let subtree = department.map { scope.tree.descendants(of: [$0.id]) }
        let staff = try await CloseService.staff(req.sql, municipalityId: muni.id, departments: subtree, month: m, sqlitePath: req.yakuba.sqlitePath)
        let (_, blockers, _, _) = try await CloseService.compute(req.sql, municipality: muni, staff: staff, month: m, tree: scope.tree, sqlitePath: req.yakuba.sqlitePath)
        let staffById = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0) })
        func name(_ id: UUID) -> String { staffById[id].map { "\($0.fullName)（\($0.staffNumber)）" } ?? "" }
        let scopeName = department.map { scope.tree.path($0.id) } ?? l.t("全庁", "All departments")
        let isClosedHere = closed[nil] != nil || department.map { d in closed[d.id] != nil } ?? false

        var content: [N] = [
            el("h1", txt(l.t("月の締め", "Monthly close"))),
            el("nav", attr("aria-label", l.t("月の切り替え", "Month")), cls("month-nav"),
               link("/close?month=\(m.previous.iso)", l.t("前の月", "Previous month")), txt(" "), el("strong", txt(showMonth(m, l))), txt(" "),
               link("/close?month=\(m.next.iso)", l.t("次の月", "Next month"))),
            el("h2", txt(l.t("締めの状況", "Status"))),
            events.isEmpty ? el("p", cls("muted"), txt(l.t("この月はまだ締めていません。", "This month has not been closed."))) :
                el("div", tableRegion(l.t("締めの記録", "Close history")), el("table",
                    el("caption", cls("muted"), txt(l.t("締め・締め解除の記録", "Closes and re-openings"))),
                    el("thead", el("tr", [l.t("日時", "When"), l.t("範囲", "Scope"), l.t("操作", "Action"), l.t("人数", "Staff"), l.t("理由", "Reason")]
                        .map { el("th", attr("scope", "col"), txt($0)) })),
                    el("tbody", events.map { e in
                        el("tr", el("td", txt(showDate(CalendarDate(dateFromMs(e.atMs), in: muni.zone), l) + " " + showTime(dateFromMs(e.atMs), muni.zone))),
                           el("th", attr("scope", "row"), txt(e.departmentId.map { scope.tree.path($0) } ?? l.t("全庁", "All"))),
                           el("td", txt(e.action == "closed" ? l.t("締め", "Closed") : l.t("締め解除", "Re-opened"))),
                           el("td", txt("\(e.staffCount)")), el("td", txt(e.reason)))
                    }))),
            el("h2", txt(l.t("確認（\(scopeName)、\(staff.count)人）", "Checks (\(scopeName), \(staff.count) staff)"))),
            el("form", attr("method", "get"), attr("action", "/close"), cls("filters"),
               hidden("month", m.iso),
               el("label", attr("for", "scope"), txt(l.t("範囲", "Scope"))),
               select(id: "scope", name: "department", options: [("", l.t("全庁", "All departments"))] + scope.tree.options(), selected: department?.id.uuidString ?? "", describedBy: nil),
               el("button", attr("type", "submit"), cls("secondary"), txt(l.t("表示", "Show")))),
        ]
        content.append(el("ul", cls("checks"),
            el("li", txt(l.t("承認待ちの休暇申請：\(blockers.pendingLeave.count)件", "Leave requests pending: \(blockers.pendingLeave.count)"))),
            el("li", txt(l.t("承認待ちの打刻修正：\(blockers.pendingCorrections.count)件", "Corrections pending: \(blockers.pendingCorrections.count)"))),
            el("li", txt(l.t("報告・確認が済んでいない超過勤務命令：\(blockers.openOrders.count)件", "Overtime orders not reported or confirmed: \(blockers.openOrders.count)"))),
            el("li", txt(l.t("回答待ちの超勤代休時間：\(blockers.openTimeOff.count)件", "Overtime time off not yet answered: \(blockers.openTimeOff.count)"))),
            el("li", txt(l.t("打刻漏れ・無断欠勤のある職員：\(blockers.anomalies.count)人", "Staff with missing punches or absence: \(blockers.anomalies.count)")))))
        if blockers.pendingCount > 0 {
            var items: [N] = blockers.pendingLeave.prefix(100).map { r in el("li", txt(l.t("休暇", "Leave") + "：\(name(r.staffId)) \(LeaveController.when(r, l))")) }
            items += blockers.pendingCorrections.prefix(100).map { c in el("li", txt(l.t("打刻修正", "Correction") + "：\(name(c.staffId)) \(c.reason)")) }
            items += blockers.openOrders.prefix(100).map { o in el("li", txt(l.t("超過勤務", "Overtime") + "：\(name(o.staffId)) \(o.date.iso) \(l.t(o.status.labelJa, o.status.labelEn))")) }
            items += blockers.openTimeOff.prefix(100).map { t in
                el("li", txt(l.t("超勤代休時間（本人の回答待ち）", "Overtime time off (waiting for the person)") + "：\(name(t.staffId)) \(t.date)"))
            }
            content += [el("h3", txt(l.t("先に処理が必要なもの", "To resolve first"))), el("ul", items)]
        }
        if !blockers.anomalies.isEmpty {
            content += [el("h3", txt(l.t("打刻漏れ・無断欠勤（確認して締めることができます）", "Missing punches and absence (may be acknowledged)"))),
                        el("ul", blockers.anomalies.prefix(200).map { (s, days) in
                            el("li", link("/books/\(s.id.uuidString)?month=\(m.iso)", "\(s.fullName)（\(s.staffNumber)）"),
                               txt("：" + days.prefix(5).map { d in "\(d.date.day)日 " + d.flags.intersection(MonthlyComputation.openAnomalies).sorted().map { l.t($0.labelJa, $0.labelEn) }.joined(separator: "・") }.joined(separator: "、")
                                   + (days.count > 5 ? l.t(" ほか\(days.count - 5)日", " and \(days.count - 5) more") : "")))
                        })]
        }
        if isClosedHere {
            content += [
                el("h2", txt(l.t("給与データ", "Payroll data"))),
                el("p", link("/close/payroll.csv?month=\(m.iso)&encoding=utf8", l.t("給与CSV（UTF-8）", "Payroll CSV (UTF-8)"), cls("button")), txt(" "),
                   link("/close/payroll.csv?month=\(m.iso)&encoding=sjis", l.t("給与CSV（Shift_JIS）", "Payroll CSV (Shift_JIS)"), cls("button secondary"))),
                columnsTable(req),
                el("h2", txt(l.t("締めを解除する", "Re-open"))),
                errors["reason"].map { el("p", cls("alert"), attr("role", "alert"), txt($0)) } ?? .empty,
                el("form", attr("method", "post"), attr("action", "/close/reopen"), attr("novalidate", ""),
                   hidden("_csrf", req.csrfToken), hidden("month", m.iso), hidden("department", department?.id.uuidString ?? ""),
                   field(id: "reason", label: l.t("解除の理由（必須、記録されます）", "Why (required; it is recorded)"), error: errors["reason"]) { d in
                       el("textarea", attr("id", "reason"), attr("name", "reason"), attr("rows", "2"), attr("maxlength", "500"), attr("required", ""),
                          attr("aria-describedby", d), errors["reason"] != nil ? attr("aria-invalid", "true") : .empty, txt(f.reason ?? ""))
                   },
                   el("button", attr("type", "submit"), cls("secondary"), txt(l.t("締めを解除する", "Re-open the month")))),
            ]
        } else {
            content += [
                el("h2", txt(l.t("締める", "Close"))),
                errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(errors["close"] ?? l.t("入力内容を確認してください。", "Please check the fields marked below."))),
                el("form", attr("method", "post"), attr("action", "/close"), attr("novalidate", ""),
                   hidden("_csrf", req.csrfToken), hidden("month", m.iso), hidden("department", department?.id.uuidString ?? ""),
                   el("p", txt(l.t("\(showMonth(m, l))を「\(scopeName)」で締めます。締めた月の出勤簿・休暇・超過勤務は変更できなくなり、給与データが確定します。",
                                   "Close \(m.iso) for \(scopeName). The month's books, leave and overtime can no longer change and the payroll figures are frozen."))),
                   blockers.anomalies.isEmpty ? .empty : el("div", cls(errors["acknowledge"] != nil ? "field has-error" : "field"),
                       errors["acknowledge"].map { el("p", attr("id", "acknowledge-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                       el("label", void("input", [("type", "checkbox"), ("name", "acknowledge"), ("value", "1"), ("id", "acknowledge"),
                                                  ("aria-describedby", errors["acknowledge"] != nil ? "acknowledge-error" : nil),
                                                  ("aria-invalid", errors["acknowledge"] != nil ? "true" : nil)]),
                          txt(l.t("打刻漏れ・欠勤を確認しました（欠勤として締めます）", "I have checked the missing punches and absences (they close as absence)")))),
                   el("button", attr("type", "submit"), txt(l.t("締める", "Close the month")))),
            ]
        }
        return Pages.html(Pages.layout(req, title: l.t("月の締め", "Monthly close"), content, flash: req.takeFlash()), status: status)
    }

    static func columnsTable(_ req: Request) -> N {
        let l = req.lang
        return el("details", el("summary", txt(l.t("CSVの列（給与システムへの対応づけ用）", "CSV columns (to map to your payroll package)"))),
                  el("table", el("caption", cls("muted"), txt(l.t("給与CSVの列", "Payroll CSV columns"))),
                     el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("列", "Column"))), el("th", attr("scope", "col"), txt(l.t("内容", "Meaning"))))),
                     el("tbody", PayrollExport.columns.map { c in el("tr", el("th", attr("scope", "row"), txt(c.header)), el("td", txt(c.meaning))) })))
    }

    /// The form's month, or a 422 that names it.
    static func requiredMonth(_ f: CloseForm, _ l: Lang) throws -> YearMonth {
        guard let m = f.month.flatMap(YearMonth.init(iso:)) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("月を指定してください（例：2026-10）。", "Give the month (e.g. 2026-10)."), errors: ["month": "required"])
        }
        return m
    }

    static func close(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let muni = scope.municipality
        let f = try req.content.decode(CloseForm.self)
        var errors: [String: String] = [:]
        let m = try requiredMonth(f, l)
        var department: DepartmentRow?
        if let d = f.department, !d.isEmpty {
            department = UUID(uuidString: d).flatMap { scope.tree.rows[$0] }
            if department == nil { throw ProblemError(status: .unprocessableEntity, title: l.t("組織が見つかりません。", "Department not found."), errors: ["department": "unknown"]) }
        }
        let today = CalendarDate(Date(), in: muni.zone)
        if m >= YearMonth(today) { errors["close"] = l.t("締めは月が終わってからです（\(showMonth(m, l))は\(showDate(m.last.adding(days: 1), l))から）。", "A month can be closed once it has ended (from \(m.last.adding(days: 1).iso)).") }
        let closed = CloseService.closedScopes(try await CloseService.events(req.sql, municipalityId: muni.id, month: m))
        if closed[nil] != nil || department.map({ closed[$0.id] != nil }) ?? false { errors["close"] = l.t("この月はすでに締めています。", "This month is already closed.") }
        if !errors.isEmpty { return try await page(req, form: f, errors: errors, status: .conflict) }

        let subtree = department.map { scope.tree.descendants(of: [$0.id]) }
        let staff = try await CloseService.staff(req.sql, municipalityId: muni.id, departments: subtree, month: m, sqlitePath: req.yakuba.sqlitePath)
        let (figures, blockers, _, _) = try await CloseService.compute(req.sql, municipality: muni, staff: staff, month: m, tree: scope.tree, sqlitePath: req.yakuba.sqlitePath)
        if blockers.pendingCount > 0 {
            errors["close"] = l.t("承認待ち・確認待ちの申請が\(blockers.pendingCount)件あります。処理してから締めてください。",
                                  "\(blockers.pendingCount) requests are still pending. Decide them, then close.")
        } else if !blockers.anomalies.isEmpty && f.acknowledge == nil {
            errors["acknowledge"] = l.t("打刻漏れ・欠勤が\(blockers.anomalies.count)人にあります。確認したらチェックしてください。",
                                        "\(blockers.anomalies.count) people have missing punches or absences. Tick the box once checked.")
        }
        if !errors.isEmpty { return try await page(req, form: f, errors: errors, status: .unprocessableEntity) }
        _ = try await CloseService.close(req.yakuba.writer, municipalityId: muni.id, month: m, departmentId: department?.id, figures: figures, actor: p.staffId)
        req.session.data["flash"] = l.t("\(showMonth(m, l))を締めました（\(figures.count)人）。給与CSVを出力できます。", "Closed \(m.iso) (\(figures.count) staff). The payroll CSV is ready.")
        return req.redirect(to: "/close?month=\(m.iso)" + (department.map { "&department=\($0.id.uuidString)" } ?? ""))
    }

    static func reopen(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(CloseForm.self)
        let m = try requiredMonth(f, l)
        let department = f.department.flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0] }
        let closed = CloseService.closedScopes(try await CloseService.events(req.sql, municipalityId: p.municipalityId, month: m))
        guard let event = closed[department?.id] else {
            throw ProblemError(status: .conflict, title: l.t("この範囲の締めはありません。", "This scope is not closed."))
        }
        let reason = (f.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty || reason.count > 500 {
            return try await page(req, form: f, errors: ["reason": l.t("解除の理由を500文字以内で入力してください。", "Give the reason, up to 500 characters.")], status: .unprocessableEntity)
        }
        let row = CloseEventRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, month: m.iso, departmentId: department?.id, action: "reopened",
                                reason: reason, staffCount: event.staffCount, actorId: p.staffId, atMs: nowMs())
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "monthly_closes").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "month.reopened", subjectId: m.iso, fact: row)]
        }
        req.session.data["flash"] = l.t("\(showMonth(m, l))の締めを解除しました。", "Re-opened \(m.iso).")
        return req.redirect(to: "/close?month=\(m.iso)" + (department.map { "&department=\($0.id.uuidString)" } ?? ""))
    }

    static func payroll(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let muni = scope.municipality
        guard let m = req.query[String.self, at: "month"].flatMap(YearMonth.init(iso:)) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("month=YYYY-MM を指定してください。", "Give month=YYYY-MM."), code: "validation")
        }
        guard let enc = ExportEncoding(rawValue: req.query[String.self, at: "encoding"] ?? "utf8") else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("encoding は utf8 か sjis です。", "encoding must be utf8 or sjis."), code: "validation")
        }
        let frozen = try await CloseService.frozen(req.sql, municipalityId: muni.id, month: m)
        guard !frozen.isEmpty else {
            throw ProblemError(status: .conflict, title: l.t("\(showMonth(m, l))はまだ締めていません。締めてから出力してください。", "\(m.iso) is not closed yet; close it first."))
        }
        let staff = try await StaffRepository.find(req.sql, ids: frozen.keys).values.sorted { $0.staffNumber < $1.staffNumber }
        var rows = [PayrollExport.header()]
        for s in staff {
            guard let f = frozen[s.id] else { continue }
            let dept = s.departmentId.flatMap { scope.tree.rows[$0] }
            rows.append(PayrollExport.row(.init(staffNumber: s.staffNumber, name: s.fullName, departmentCode: dept?.code ?? "", departmentName: scope.tree.path(s.departmentId),
                                                employment: s.employment, figures: f), month: m))
        }
        return try CSVDownload.response(rows, encoding: enc, name: "payroll-\(muni.code)-\(m.iso)", l)
    }
}

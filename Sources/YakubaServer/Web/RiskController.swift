import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// Early warnings, explained (issue 5): who may be working too hard, and exactly why — each factor with the person's
/// figure, its threshold and its points. HR sees the municipality (and tunes the thresholds and weights); a 所属長 sees the
/// departments they head. From the monthly aggregates, as of the start of today.
enum RiskController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["risk"], access: OvertimeController.orderers) { req in try await page(req) }
        r.on(.GET, ["admin", "risk"], access: AdminController.hrOrAdmin) { req in try await settings(req, values: nil, errors: [:]) }
        r.on(.POST, ["admin", "risk"], access: AdminController.hrOrAdmin) { req in try await save(req) }
    }

    /// The assessments of the people in `departments` (nil = all), listed or all of them.
    static func assessments(_ req: Request, scope: Scope, departments: Set<UUID>?, today: CalendarDate) async throws
        -> (listed: [RiskAssessment], status: StatsCache.Status) {
        let through = YearMonth(today)
        // months before the city's first punch are before it used Yakuba: not months without leave or overtime
        guard let start = try await req.yakuba.stats.dataStart(req.sql, municipalityId: scope.municipality.id) else { return ([], StatsCache.Status()) }
        let (rows, status) = try await req.yakuba.stats.rows(app: req.application, sql: req.sql, municipality: scope.municipality, tree: scope.tree,
                                                               months: RiskScore.window(through: through).filter { $0 >= start }, today: today)
        let conditions = try await conditionDeclines(req, scope: scope, departments: departments, today: today)
        let listed = RiskScore.listed(rows, through: through, settings: scope.municipality.riskSettings, filter: DashboardFilter(departments: departments),
                                      conditions: conditions)
        return (listed, status)
    }

    /// The condition check's declines for the early warning: only where the municipality asks for the condition, and only
    /// on the 人事課's list — a manager never learns one person's condition, not even as a factor (they see sections of
    /// five or more). nil: the factor is not counted.
    static func conditionDeclines(_ req: Request, scope: Scope, departments: Set<UUID>?, today: CalendarDate) async throws -> [UUID: Int]? {
        guard scope.municipality.conditionCheck && scope.principal.isHROfficer else { return nil }
        return try await ConditionRepository.declines(req.sql, municipalityId: scope.municipality.id, through: today, departments: departments)
    }

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        // the departments: one chosen (a manager's own only), or everything the caller sees
        var chosen: DepartmentRow?
        if let text = req.query[String.self, at: "department"], !text.isEmpty {
            guard let d = UUID(uuidString: text).flatMap({ scope.tree.rows[$0] }) else {
                throw ProblemError(status: .unprocessableEntity, title: l.t("所属が見つかりません。一覧から選んでください。", "Unknown department: choose one from the list."),
                                   errors: ["department": l.t("所属が見つかりません。", "Unknown department.")], code: "validation")
            }
            if let visible = scope.visibleDepartments, !visible.contains(d.id) {
                throw ProblemError(status: .forbidden, title: l.t("この所属はあなたの担当ではありません。", "This department is not one of yours."))
            }
            chosen = d
        }
        let departments = chosen.map { scope.tree.descendants(of: [$0.id]) } ?? scope.visibleDepartments
        let (listed, status) = try await assessments(req, scope: scope, departments: departments, today: today)
        if listed.contains(where: { $0.met.contains { $0.kind == .conditionDecline } }) {
            try await PersonalRepository.logView(req.yakuba.writer, municipalityId: scope.municipality.id, viewer: scope.principal.staffId,
                                                 subject: scope.municipality.id.uuidString.lowercased(), what: "risk with condition")
        }
        let s = scope.municipality.riskSettings
        let staff = try await StaffRepository.find(req.sql, ids: listed.map(\.staffId))
        let title = l.t("早期警戒", "Early warnings")
        let html = Pages.layout(req, title: title, [
            el("h1", txt(title)),
            el("p", txt(l.t("超過勤務・深夜勤務・年休・打刻修正の記録から、負担が大きくなっているおそれのある職員を挙げます。点数は下の表の要素の合計で、各要素の値・基準・点数をそのまま示します（推測や外部のデータは使いません）。\(s.listFrom)点以上の職員を表示しています。",
                            "People who may be working too hard, from their overtime, late nights, annual leave and corrections. The score is the sum of the factors below, each shown with the person's figure, the threshold and its points (nothing is guessed, nothing comes from outside). People from \(s.listFrom) points are listed."))),
            el("form", attr("method", "get"), attr("action", "/risk"), cls("filters noprint"), attr("aria-label", l.t("所属", "Department")),
               field(id: "department", label: l.t("所属", "Department"), error: nil) { d in
                   select(id: "department", name: "department", options: [("", l.t("すべて", "All"))] + scope.departmentOptions,
                          selected: chosen?.id.uuidString ?? "", describedBy: d)
               },
               el("button", attr("type", "submit"), txt(l.t("表示", "Show")))),
            DashboardController.statusNote(l, status, reload: "/risk" + (chosen.map { "?department=\($0.id.uuidString)" } ?? "")),
            scope.principal.isHR ? el("p", link("/admin/risk", l.t("基準と点数を変更する", "Change the thresholds and points"))) : .empty,
            listed.isEmpty ? el("p", cls("muted"), txt(l.t("該当する職員はいません。", "Nobody is listed."))) :
                el("div", tableRegion(title), el("table",
                   el("caption", txt(l.t("早期警戒の対象（点数の高い順）と、その理由", "Who is listed, highest score first, and why"))),
                   el("thead", el("tr", [l.t("職員", "Staff"), l.t("所属", "Department"), l.t("点数", "Score"), l.t("理由（点数）", "Why (points)")]
                       .map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", listed.map { a in
                       let person = staff[a.staffId]
                       return el("tr",
                                 el("th", attr("scope", "row"), person.map { link("/books/\($0.id.uuidString)", "\($0.fullName)（\($0.staffNumber)）") } ?? txt("—")),
                                 el("td", txt(scope.tree.path(person?.departmentId ?? a.departmentId))),
                                 el("td", txt(l.t("\(a.score)点", "\(a.score)"))),
                                 el("td", el("ul", [cls("reasons")] + a.met.map { f in el("li", txt(l.t(f.labelJa, f.labelEn) + l.t("（\(f.points)点）", " (\(f.points) points)"))) })))
                   }))),
            el("h2", txt(l.t("点数の付け方", "How the score is made"))),
            el("div", tableRegion(l.t("点数の付け方", "How the score is made")), el("table",
               el("caption", txt(l.t("要素・基準・点数（人事課が設定）", "Factors, thresholds and points (set by HR)"))),
               el("thead", el("tr", [l.t("要素", "Factor"), l.t("基準", "Threshold"), l.t("点数", "Points")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", ([
                   (l.t("超過勤務の多い月が続く", "High-overtime months in a row"), l.t("月\(s.highMonthHours)時間超", "Over \(s.highMonthHours)h a month"), l.t("1か月につき\(s.consecutiveWeight)点", "\(s.consecutiveWeight) per month")),
                   (l.t("2〜6か月平均", "2–6-month average"), l.t("\(s.averageHours)時間以上", "\(s.averageHours)h or more"), "\(s.averageWeight)"),
                   (l.t("深夜勤務（直近の月）", "Late nights (latest month)"), l.t("\(s.lateNightDays)日以上", "\(s.lateNightDays) days or more"), "\(s.lateNightWeight)"),
                   (l.t("年休を取っていない", "No annual leave"), l.t("\(s.noLeaveMonths)か月以上続けて", "\(s.noLeaveMonths) months or more in a row"), "\(s.noLeaveWeight)"),
                   (l.t("打刻修正の増加", "More corrections"), l.t("\(s.correctionRisePoints)ポイント以上の増加", "Up \(s.correctionRisePoints) points or more"), "\(s.correctionWeight)"),
               ] + (scope.municipality.conditionCheck && scope.principal.isHROfficer ? [
                   (l.t("コンディションの低下", "Condition decline"), l.t("直近4週の平均が前の8週より\(RiskFactor.tenths(s.conditionDropTenths))点以上低い",
                                                                      "The last 4 weeks' mean \(RiskFactor.tenths(s.conditionDropTenths)) points or more below the 8 weeks before"), "\(s.conditionWeight)"),
               ] : [])).map { r in el("tr", el("th", attr("scope", "row"), txt(r.0)), el("td", txt(r.1)), el("td", txt(r.2))) }))),
        ], flash: req.takeFlash())
        return Pages.html(html)
    }

    static func settings(_ req: Request, values: [String: String]?, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let v = values ?? scope.municipality.riskSettings.formValues
        let d = RiskSettings.default.formValues
        let title = l.t("早期警戒の基準と点数", "Early-warning thresholds and points")
        return Pages.html(Pages.layout(req, title: title, [
            el("h1", txt(title)),
            el("p", txt(l.t("各要素の基準と点数を設定します。変更は台帳に記録され、次に一覧を開いたときから使われます。",
                            "Set each factor's threshold and points. A change is recorded on the ledger and used from the next time the list is opened."))),
            el("p", link("/risk", l.t("早期警戒の一覧へ", "To the list"))),
            RulesController.errorSummary(errors, l),
            el("h2", txt(l.t("基準と点数", "Thresholds and points"))),
            el("form", [attr("method", "post"), attr("action", "/admin/risk"), attr("novalidate", ""), hidden("_csrf", req.csrfToken)]
               + RiskSettings.fields.map { f in
                   field(id: f.name, label: l.t(f.labelJa, f.labelEn), error: errors[f.name],
                         hint: l.t("既定：\(d[f.name] ?? "")（\(f.range.lowerBound)〜\(f.range.upperBound)）", "Default: \(d[f.name] ?? "") (\(f.range.lowerBound)–\(f.range.upperBound))")) { desc in
                       input(id: f.name, name: f.name, value: v[f.name] ?? "", describedBy: desc, required: true, invalid: errors[f.name] != nil,
                             extra: [("inputmode", "numeric"), ("autocomplete", "off")])
                   }
               } + [el("button", attr("type", "submit"), txt(l.t("基準と点数を保存", "Save the thresholds and points")))]),
            el("h2", txt(l.t("出勤時のコンディション確認", "Condition check at clock-in"))),
            el("p", txt(l.t("使うと、出勤の打刻画面で「今日のコンディション」（1〜5、答えなくてもよい）を尋ねます。本人は自分の推移を、人事課は個人の推移（表示は台帳に記録）を、所属長は5人以上の課の平均だけを見られます。低下は人事課の早期警戒の一覧でだけ要素になります（所属長の一覧には出ません）。",
                            "When on, the clock-in screen asks \"How are you today?\" (1–5, skippable). People see their own trend, HR one person's (each view recorded), managers only averages of five people or more. A decline counts only in HR's early-warning list (never in a manager's)."))),
            el("form", attr("method", "post"), attr("action", "/admin/condition"), hidden("_csrf", req.csrfToken),
               el("div", cls("field check"), el("label", void("input", [("type", "checkbox"), ("name", "enabled"), ("value", "1"), ("id", "condition-enabled")]
                                                                  + (scope.municipality.conditionCheck ? [("checked", "")] : [])),
                                                   txt(l.t("出勤時にコンディションを尋ねる", "Ask for a condition at clock-in")))),
               el("button", attr("type", "submit"), txt(l.t("コンディション確認の設定を保存", "Save the condition check")))),
            el("p", link("/condition/departments", l.t("所属のコンディション", "Condition by section"))),
        ], flash: req.takeFlash()), status: status)
    }

    static func save(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let form = try req.content.decode([String: String].self)
        switch RiskSettings.from(form: form) {
        case .failure(let problems):
            return try await settings(req, values: form, errors: problems.messages.mapValues { l.t($0.ja, $0.en) }, status: .unprocessableEntity)
        case .success(let s):
            try await RulesController.store(req, scope, scope.municipality.with(risk: s), ledgerType: "risk.settings_updated", fact: s)
            req.session.data["flash"] = l.t("早期警戒の基準と点数を保存しました。", "Saved the early-warning settings.")
            return req.redirect(to: "/admin/risk")
        }
    }
}

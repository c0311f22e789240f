import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps
import YakubaInsights

/// The DX dashboard (issue 6), over the デジタル化相談案件 app: requests by status and by department, the ranking by
/// priority, staff hours saved per year — estimated and measured kept apart — against the municipality's yearly target,
/// and the development cost avoided by building in-house. Everyone who may see the request app sees it, counted over the
/// requests they may see; the DX office and the administrator set the target.
enum DXDashboardController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["dx"], access: .signedIn) { req in try await page(req, error: nil, value: nil) }
        r.on(.POST, ["dx", "target"], access: .signedIn) { req in try await setTarget(req) }
    }

    /// Statuses where a request's estimate counts as planned savings (not refused, not merely received).
    static let committed = ["調査", "対応中（内製）", "対応中（外注）", "対応中（RPA）", "本運用", "効果測定", "完了"]
    static let live = ["本運用", "効果測定", "完了"]

    static func page(_ req: Request, error: String?, value: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: ShippedApps.requestsCode)
        let def = a.app.definition
        let needed = ["department", "hours_saved_estimated", "hours_saved_measured", "priority", "cost_avoided"]
        guard needed.allSatisfy({ def.field($0) != nil }), def.process != nil else {
            return Pages.html(Pages.layout(req, title: l.t("DXダッシュボード", "DX dashboard"), [el("h1", txt(l.t("DXダッシュボード", "DX dashboard"))),
                el("p", txt(l.t("デジタル化相談案件アプリの項目（\(needed.joined(separator: "、"))）が変わっているため表示できません。", "The request app no longer has the fields this dashboard reads (\(needed.joined(separator: ", ")))."))) ]))
        }
        func sum(_ field: String, _ statuses: [String]) async throws -> Double {
            let q = RecordQuery(condition: .within(SystemField.status.rawValue, statuses.map(RecordQuery.Operand.text), negated: false))
            return try await AppStore.aggregate(req.sql, a, spec: ChartSpec(aggregate: .sum, field: field, groups: [.init(field: SystemField.status.rawValue)]), query: q, sqlitePath: req.yakuba.sqlitePath)
                .reduce(0) { $0 + $1.value }
        }
        let estimated = try await sum("hours_saved_estimated", committed)
        let measured = try await sum("hours_saved_measured", live)
        let avoided = try await sum("cost_avoided", live)
        let byStatus = try await AppStore.aggregate(req.sql, a, spec: ChartSpec(aggregate: .count, groups: [.init(field: SystemField.status.rawValue)]), query: RecordQuery(), sqlitePath: req.yakuba.sqlitePath)
        let total = byStatus.reduce(0) { $0 + $1.count }
        let ranking = try await AppStore.list(req.sql, a, query: RecordQuery(condition: .within(SystemField.status.rawValue, ["受付", "調査", "対応中（内製）", "対応中（外注）", "対応中（RPA）"].map(RecordQuery.Operand.text), negated: false),
                                                                               sort: [.init(field: "priority", descending: true)]), cursor: nil, limit: 10, exactCount: false)
        let names = try await AppForms.names(req, scope, a, records: ranking.records)
        let target = scope.municipality.dxTargetHours
        func hours(_ v: Double) -> String { AppForms.grouped(Decimal(Int(v.rounded()))) + l.t("時間", " h") }
        let statusOrder = def.process!.statuses.map(\.name)
        let counts = Dictionary(byStatus.map { ($0.g1 ?? "", $0.count) }, uniquingKeysWith: +)
        let mayEdit = a.rights.contains(.manage) || scope.principal.isAdmin
        let base = "/apps/\(def.code)"
        let hoursSVG = SVGChart.bars(id: "dx-hours", title: l.t("年間の削減時間と目標", "Hours saved a year, and the target"),
                                     desc: l.t("見込み\(hours(estimated))、実測\(hours(measured))", "Estimated \(hours(estimated)), measured \(hours(measured))") + (target.map { l.t("、目標\(hours(Double($0)))", ", target \(hours(Double($0)))") } ?? ""),
                                     bars: [SVGChart.Bar(label: l.t("見込み", "Estimated"), value: estimated, text: hours(estimated)),
                                            SVGChart.Bar(label: l.t("実測", "Measured"), value: measured, text: hours(measured))],
                                     marks: target.map { [(Double($0), l.t("目標", "Target"))] } ?? [])
        let content: [N] = [
            el("h1", txt(l.t("DXダッシュボード", "DX dashboard"))),
            el("p", txt(l.t("デジタル化相談案件（\(total)件）から集計しています。見込みは調査以降の案件の見積り、実測は本運用を始めた案件で測った値です。", "From the \(total) digitisation requests: the estimate counts requests from investigation on; the measured figure comes from requests in operation.")),
               txt(" "), link(base, l.t("案件の一覧へ", "To the requests"))),
            el("section", attr("aria-labelledby", "dx-hours-h"),
               el("h2", attr("id", "dx-hours-h"), txt(l.t("削減できる職員の時間（年間）", "Staff hours saved a year"))),
               el("figure", cls("chart"), .raw(hoursSVG)),
               el("div", tableRegion(l.t("削減時間", "Hours saved")), el("table",
                  el("caption", txt(l.t("削減時間と目標", "Hours saved and the target"))),
                  el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("項目", "Item"))), el("th", attr("scope", "col"), cls("num"), txt(l.t("時間／年", "Hours a year"))),
                                 el("th", attr("scope", "col"), cls("num"), txt(l.t("目標に対して", "Of the target"))))),
                  el("tbody",
                     el("tr", el("th", attr("scope", "row"), txt(l.t("見込み", "Estimated"))), el("td", cls("num"), txt(hours(estimated))), el("td", cls("num"), txt(target.map { $0 > 0 ? String(format: "%.1f%%", estimated / Double($0) * 100) : "—" } ?? "—"))),
                     el("tr", el("th", attr("scope", "row"), txt(l.t("実測", "Measured"))), el("td", cls("num"), txt(hours(measured))), el("td", cls("num"), txt(target.map { $0 > 0 ? String(format: "%.1f%%", measured / Double($0) * 100) : "—" } ?? "—"))),
                     el("tr", el("th", attr("scope", "row"), txt(l.t("年間の目標", "Yearly target"))), el("td", cls("num"), txt(target.map { hours(Double($0)) } ?? l.t("未設定", "not set"))), el("td", cls("num"), txt("—")))))),
               mayEdit ? el("form", attr("method", "post"), attr("action", "/dx/target"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
                            field(id: "target", label: l.t("年間の目標（時間）", "Yearly target (hours)"), error: error, hint: l.t("例: 北九州市は年50,000時間", "e.g. Kitakyushu aims at 50,000 hours a year")) { d in
                                input(id: "target", name: "target", value: value ?? target.map(String.init) ?? "", describedBy: d, invalid: error != nil, extra: [("inputmode", "numeric")])
                            },
                            el("button", attr("type", "submit"), txt(l.t("目標を保存", "Save the target")))) : .empty),
            el("section", attr("aria-labelledby", "dx-cost-h"),
               el("h2", attr("id", "dx-cost-h"), txt(l.t("回避した開発費", "Development cost avoided"))),
               el("p", el("strong", cls("figure"), txt(l == .ja ? AppForms.grouped(Decimal(Int(avoided))) + "円" : "¥" + AppForms.grouped(Decimal(Int(avoided))))),
                  txt(l.t("（本運用以降の案件で、外注していればかかった費用の見積りの合計）", " (the estimates of what outsourcing would have cost, for requests in operation)")))),
            el("section", attr("aria-labelledby", "dx-status-h"),
               el("h2", attr("id", "dx-status-h"), txt(l.t("ステータス別の件数", "Requests by status"))),
               el("figure", cls("chart"), .raw(SVGChart.bars(id: "dx-status", title: l.t("ステータス別の件数", "Requests by status"), desc: statusOrder.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: "、"),
                                                                 bars: statusOrder.map { SVGChart.Bar(label: $0, value: Double(counts[$0] ?? 0), text: "\(counts[$0] ?? 0)") }))),
               el("div", tableRegion(l.t("ステータス別の件数", "Requests by status")), el("table", el("caption", txt(l.t("ステータス別の件数（表）", "Requests by status (table)"))),
                  el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("ステータス", "Status"))), el("th", attr("scope", "col"), cls("num"), txt(l.t("件数", "Requests"))))),
                  el("tbody", statusOrder.map { s in el("tr", el("th", attr("scope", "row"), link(base + "?q=" + ("status = \"\(s)\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), s)), el("td", cls("num"), txt("\(counts[s] ?? 0)"))) })))),
            el("section", attr("aria-labelledby", "dx-dept-h"),
               el("h2", attr("id", "dx-dept-h"), txt(l.t("部署別・ステータス別", "By department and status"))),
               try await AppCharts.render(req, scope, a, spec: ChartSpec(aggregate: .count, groups: [.init(field: "department"), .init(field: SystemField.status.rawValue)], shape: .stacked),
                                          title: l.t("部署別・ステータス別の件数", "Requests by department and status"), query: RecordQuery())),
            el("section", attr("aria-labelledby", "dx-rank-h"),
               el("h2", attr("id", "dx-rank-h"), txt(l.t("優先順位（未完了の上位10件）", "Ranking (top 10 open requests)"))),
               el("p", cls("hint"), txt(l.t("優先度 = 削減時間（見込み）× 確度 ÷ 工数", "Priority = hours saved (estimated) × confidence ÷ effort"))),
               ranking.records.isEmpty ? el("p", txt(l.t("未完了の案件はありません。", "No open requests."))) :
               el("div", tableRegion(l.t("優先順位", "Ranking")), el("table", el("caption", txt(l.t("優先順位", "Ranking"))),
                  el("thead", el("tr", [l.t("順位", "Rank"), l.t("案件", "Request"), l.t("依頼部署", "Department"), l.t("ステータス", "Status"), l.t("削減時間（見込み）", "Hours saved (est.)"), l.t("優先度", "Priority")]
                    .enumerated().map { i, h in el("th", attr("scope", "col"), i >= 4 ? cls("num") : .empty, txt(h)) })),
                  el("tbody", ranking.records.enumerated().map { i, r in
                      el("tr", el("td", txt("\(i + 1)")),
                         el("th", attr("scope", "row"), link("\(base)/records/\(r.id)", "#\(r.number) " + (r.data["title"]?.text ?? ""))),
                         el("td", txt(AppForms.text(def.field("department")!, r.data["department"], l, scope, names))),
                         el("td", el("span", cls("status"), txt(r.status ?? ""))),
                         el("td", cls("num"), txt(AppForms.text(def.field("hours_saved_estimated")!, r.data["hours_saved_estimated"], l, scope, names))),
                         el("td", cls("num"), txt(AppForms.text(def.field("priority")!, r.data["priority"], l, scope, names))))
                  })))),
        ]
        return Pages.html(Pages.layout(req, title: l.t("DXダッシュボード", "DX dashboard"), content, flash: req.takeFlash()), status: status)
    }

    static func setTarget(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: ShippedApps.requestsCode)
        guard a.rights.contains(.manage) || scope.principal.isAdmin else {
            throw ProblemError(status: .forbidden, title: l.t("目標を変えられるのは DX推進の担当者と管理者です。", "Only the DX office and the administrator set the target."))
        }
        let text = WorkRulesSettings.ascii(FormPairs(req)["target"] ?? "").replacingOccurrences(of: ",", with: "")
        var value: Int? = nil
        if !text.isEmpty {
            guard let v = Int(text), (1...10_000_000).contains(v) else {
                return try await page(req, error: l.t("目標は1〜10,000,000の整数（時間）で入力してください。空にすると目標なしになります。", "Enter the target as whole hours from 1 to 10,000,000, or leave it empty for none."), value: text, status: .unprocessableEntity)
            }
            value = v
        }
        let updated = scope.municipality.withPolicies { $0.dxTargetHours = value }
        struct Fact: Codable { var dxTargetHours: Int? }
        try await RulesController.store(req, scope, updated, ledgerType: "app.dx_target_set", fact: Fact(dxTargetHours: value))
        req.session.data["flash"] = l.t("目標を保存しました。", "Saved the target.")
        return req.redirect(to: "/dx", redirectType: .normal)
    }
}

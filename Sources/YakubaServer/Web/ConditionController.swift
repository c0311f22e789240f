import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// コンディション (issue 5): the answers given at clock-in, as trends. A person sees their own; HR may open one person's
/// (the view goes on the ledger); a 所属長 sees their 課 only as weekly averages of five people or more, HR every 課 the
/// same way. HR turns the check on or off for the municipality.
enum ConditionController {
    static let weeks = 12

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["condition"], access: .signedIn) { req in try await person(req) }
        // managers (their sections) and the 人事課 (all); not the system administrator
        r.on(.GET, ["condition", "departments"], access: .roles([.approver, .hr])) { req in try await departments(req) }
        r.on(.POST, ["admin", "condition"], access: AdminController.hrOrAdmin) { req in try await setEnabled(req) }
    }

    static func weekLabel(_ d: CalendarDate, _ l: Lang) -> String { l.t("\(d.month)/\(d.day)週", "w/c \(d.month)/\(d.day)") }
    static func average(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "—" }

    /// One person's trend: their own, or (HR only) anyone's in the municipality.
    static func person(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        var staff: StaffRow
        if let text = req.query[String.self, at: "staff"], !text.isEmpty, UUID(uuidString: text) != p.staffId {
            guard p.isHROfficer else {
                throw ProblemError(status: .forbidden, title: l.t("他の職員のコンディションは人事課だけが見られます。", "Only HR can see another person's condition."))
            }
            staff = try await scope.staff(req, UUID(uuidString: text))
            try await PersonalRepository.logView(req.yakuba.writer, municipalityId: staff.municipalityId, viewer: p.staffId,
                                                 subject: staff.id.uuidString.lowercased(), what: "condition")
        } else {
            guard let me = try await StaffRepository.find(req.sql, id: p.staffId) else { throw Abort(.forbidden) }
            staff = me
        }
        let starts = ConditionTrend.weeks(count: weeks, through: today)
        let checks = try await ConditionRepository.checks(req.sql, municipalityId: staff.municipalityId, staffIds: [staff.id],
                                                          from: starts[0].adding(days: -ConditionTrend.previousDays), to: today)
        let trend = ConditionTrend.weekly(checks, weeks: starts)
        let decline = ConditionTrend.decline(checks, through: today)
        let mine = staff.id == p.staffId
        let title = mine ? l.t("自分のコンディション", "My condition") : l.t("\(staff.fullName)さんのコンディション", "Condition: \(staff.fullName)")
        var content: [N] = [el("h1", txt(title))]
        if !scope.municipality.conditionCheck {
            content.append(el("p", cls("notice"), txt(l.t("この自治体では、出勤時のコンディション確認を使っていません。", "This municipality does not ask for a condition at clock-in."))))
        }
        content.append(el("p", txt(mine
            ? l.t("出勤のときに答えた「今日のコンディション」（1〜5）の週ごとの平均です。同僚や所属長には表示されません（所属の集計は5人以上の平均だけです）。",
                  "Your weekly average of the condition (1–5) you gave at clock-in. Colleagues and managers never see it (departments see only averages of five people or more).")
            : l.t("この表示は台帳に記録されます。", "This view is recorded on the ledger."))))
        let answered = trend.reduce(0) { $0 + $1.answers }
        if answered == 0 {
            content.append(el("p", cls("muted"), txt(l.t("この12週の回答はありません。", "No answers in these 12 weeks."))))
        } else {
            let chartTitle = l.t("週ごとの平均（1〜5）", "Weekly average (1–5)")
            content += [
                el("p", txt(decline.map { d in d > 0
                    ? l.t("直近4週の平均は、その前の8週より\(d / 10).\(d % 10)点低くなっています。", "The last 4 weeks' average is \(d / 10).\(d % 10) points below the 8 weeks before.")
                    : l.t("直近4週の平均は、その前の8週より下がっていません。", "The last 4 weeks' average is not below the 8 weeks before.") }
                    ?? l.t("変化を比べるには回答が足りません（直近4週と前の8週にそれぞれ5回以上）。", "Not enough answers to compare (5 or more in the last 4 weeks and in the 8 before)."))),
                .raw(SVGChart.lines(id: "chart-condition", title: chartTitle,
                                    desc: l.t("週ごとのコンディションの平均。数値は下の表にあります。", "The weekly average condition; the figures are in the table below."),
                                    categories: starts.map { weekLabel($0, l) }, series: [SVGChart.Series(name: l.t("平均", "Average"), values: trend.map(\.average))], unit: "")),
                el("div", tableRegion(chartTitle), el("table",
                   el("caption", txt(chartTitle)),
                   el("thead", el("tr", [l.t("週（月曜から）", "Week (from Monday)"), l.t("回答", "Answers"), l.t("平均", "Average")].map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", trend.map { w in
                       el("tr", el("th", attr("scope", "row"), txt(l == .ja ? JapaneseEra.format(w.start) : w.start.iso)), el("td", cls("num"), txt("\(w.answers)")),
                          el("td", cls("num"), txt(average(w.average))))
                   }))),
            ]
        }
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()))
    }

    /// The 課 the caller may see, each week's average where five people or more answered.
    static func departments(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let muni = scope.municipality
        let today = CalendarDate(Date(), in: muni.zone)
        let starts = ConditionTrend.weeks(count: weeks, through: today)
        // the 課 each department counts in (a 部's own staff count for the 部), as the rankings group them
        let groupOf = scope.tree.sectionOf
        let visible: Set<UUID>? = scope.principal.isHROfficer ? nil : scope.approverOf
        struct Member: Decodable { var id: UUID; var departmentId: UUID? }
        let members = try await req.sql.select().columns("id", "department_id").from("staff").where("municipality_id", .equal, SQLBind(muni.id))
            .all(decoding: Member.self, with: rowDecoder)
        var groupOfStaff: [UUID: UUID] = [:]
        for m in members {
            guard let d = m.departmentId, visible.map({ $0.contains(d) }) ?? true, let g = groupOf[d] else { continue }
            groupOfStaff[m.id] = g
        }
        let checks = try await ConditionRepository.checks(req.sql, municipalityId: muni.id, staffIds: nil, from: starts[0], to: today)
        var byGroup: [UUID: [ConditionCheck]] = [:]
        for c in checks { if let g = groupOfStaff[c.staffId] { byGroup[g, default: []].append(c) } }
        let present = Set(groupOfStaff.values)
        let groups = scope.tree.ordered.filter { present.contains($0.id) }
        let trends = groups.map { g in (g, ConditionTrend.weekly(byGroup[g.id] ?? [], weeks: starts, minimumPeople: ConditionTrend.minimumPeople)) }
        let title = l.t("所属のコンディション", "Condition by section")
        var content: [N] = [
            el("h1", txt(title)),
            el("p", txt(l.t("出勤時のコンディション（1〜5）の、課ごと・週ごとの平均です。個人が特定されないよう、回答した職員が\(ConditionTrend.minimumPeople)人未満の週は表示しません。",
                            "Each section's weekly average condition (1–5) given at clock-in. To protect individuals, a week with fewer than \(ConditionTrend.minimumPeople) people answering is not shown."))),
        ]
        if !muni.conditionCheck {
            content.append(el("p", cls("notice"), txt(l.t("この自治体では、出勤時のコンディション確認を使っていません。", "This municipality does not ask for a condition at clock-in."))))
        }
        if trends.isEmpty || trends.allSatisfy({ $0.1.allSatisfy { $0.average == nil } }) {
            content.append(el("p", cls("muted"), txt(l.t("表示できる集計はありません（5人以上が回答した週がありません）。", "Nothing to show: no week had five or more people answering."))))
        } else {
            let chartTitle = l.t("課ごと・週ごとの平均（1〜5）", "Average by section and week (1–5)")
            let labels = starts.map { weekLabel($0, l) }
            content += [
                .raw(SVGChart.heatMap(id: "chart-condition-heat", title: chartTitle,
                                      desc: l.t("課（行）と週（列）ごとのコンディションの平均。色が濃いほど高い（よい）。5人未満の週は空欄。数値は下の表にあります。",
                                                "The average condition per section (rows) and week (columns); darker is higher (better). Weeks under five people are blank. The figures are in the table below."),
                                      rows: trends.map(\.0.name), columns: labels, values: trends.map { $0.1.map(\.average) }, text: { String(format: "%.1f", $0) })),
                el("div", tableRegion(chartTitle), el("table",
                   el("caption", txt(chartTitle)),
                   el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("課", "Section")))] + labels.map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", trends.map { g, weeks in
                       el("tr", [el("th", attr("scope", "row"), txt(g.name))] + weeks.map { w in
                           // under five people: a dash, as for nobody (how many answered would itself say something)
                           el("td", cls("num"), txt(w.average.map { String(format: "%.1f", $0) } ?? "—"))
                       })
                   }))),
            ]
        }
        // the kiosk's smile score (where the municipality uses it), as the same weekly averages of five people or more
        if let options = try await KioskRepository.settings(req.sql, municipalityId: muni.id), options.smile {
            let smiles = try await KioskRepository.smiles(req.sql, municipalityId: muni.id, from: starts[0], to: today)
            var smileByGroup: [UUID: [ConditionCheck]] = [:]
            for s in smiles {
                guard let g = groupOfStaff[s.staffId], let d = CalendarDate(iso: s.date) else { continue }
                smileByGroup[g, default: []].append(ConditionCheck(staffId: s.staffId, date: d, score: s.score))
            }
            let smileTrends = groups.map { g in (g, ConditionTrend.weekly(smileByGroup[g.id] ?? [], weeks: starts, minimumPeople: ConditionTrend.minimumPeople)) }
            let smileTitle = l.t("笑顔スコア（0〜100）の課ごと・週ごとの平均", "Average smile score (0–100) by section and week")
            content.append(el("h2", attr("id", "smile-h"), txt(smileTitle)))
            content.append(el("p", txt(l.t("打刻端末で顔認証で出勤した、希望した職員の笑顔スコアの平均です。5人未満の週は表示しません。",
                                           "The smile score at face clock-in of the staff who chose it. Weeks under five people are not shown."))))
            if smileTrends.allSatisfy({ $0.1.allSatisfy { $0.average == nil } }) {
                content.append(el("p", cls("muted"), attr("id", "no-smiles"), txt(l.t("表示できる集計はありません（5人以上の記録がある週がありません）。", "Nothing to show: no week had five or more people."))))
            } else {
                let labels = starts.map { weekLabel($0, l) }
                content += [
                    .raw(SVGChart.heatMap(id: "chart-smile-heat", title: smileTitle,
                                          desc: l.t("課（行）と週（列）ごとの笑顔スコアの平均。色が濃いほど高い。5人未満の週は空欄。数値は下の表にあります。",
                                                    "The average smile score per section (rows) and week (columns); darker is higher. Weeks under five people are blank. The figures are in the table below."),
                                          rows: smileTrends.map(\.0.name), columns: labels, values: smileTrends.map { $0.1.map(\.average) }, text: { String(format: "%.0f", $0) })),
                    el("div", tableRegion(smileTitle), el("table", attr("id", "smile-table"),
                       el("caption", txt(smileTitle)),
                       el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("課", "Section")))] + labels.map { el("th", attr("scope", "col"), txt($0)) })),
                       el("tbody", smileTrends.map { g, weeks in
                           el("tr", [el("th", attr("scope", "row"), txt(g.name))] + weeks.map { w in el("td", cls("num"), txt(w.average.map { String(format: "%.0f", $0) } ?? "—")) })
                       }))),
                ]
            }
        }
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()))
    }

    static func setEnabled(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let form = try req.content.decode([String: String].self)
        let on = !(form["enabled"] ?? "").isEmpty
        struct Fact: Codable { var conditionCheck: Bool }
        try await RulesController.store(req, scope, scope.municipality.with(conditionCheck: on), ledgerType: "condition.settings_updated", fact: Fact(conditionCheck: on))
        req.session.data["flash"] = on ? l.t("出勤時のコンディション確認を使います。", "Staff are now asked their condition at clock-in.")
            : l.t("出勤時のコンディション確認をやめました。", "Staff are no longer asked their condition at clock-in.")
        return req.redirect(to: "/admin/risk")
    }
}

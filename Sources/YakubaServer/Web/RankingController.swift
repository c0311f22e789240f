import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// Rankings (issue 5), as jinjer offers them: 課 by 打刻率 and by overtime per person. HR and 所属長 see the table (a
/// manager's own departments marked); a member of staff sees only their own figures and their 課's place.
enum RankingController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["rankings"], access: .signedIn) { req in try await page(req) }
    }

    /// A 所属長 sees another section's figures only when they are of this many people or more (fewer would show individuals).
    static let minimumPeople = 5

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let muni = scope.municipality
        let today = CalendarDate(Date(), in: muni.zone)
        let period = try DashboardController.period(req, today: today)
        let (months, _) = try await DashboardController.covered(req, municipality: muni, period: period, today: today)
        let (rows, status) = try await req.yakuba.stats.rows(app: req.application, sql: req.sql, municipality: muni, tree: scope.tree, months: months, today: today)
        // the 課 each department counts in (a 部's own staff count for the 部)
        let groupOf = scope.tree.sectionOf
        let report = Dashboard.report(rows, period: period, filter: DashboardFilter(), group: { $0.flatMap { groupOf[$0] } })
        let byRate = Rankings.rank(report.groups, by: .punchRate), byOvertime = Rankings.rank(report.groups, by: .overtime)
        let title = l.t("ランキング", "Rankings")
        let periodLabel = l.t(period.labelJa, period.labelEn)
        let mine = scope.visibleDepartments ?? []
        let myGroup = try await StaffRepository.find(req.sql, id: p.staffId)?.departmentId.flatMap { groupOf[$0] }
        var content: [N] = [
            el("h1", txt(title + "（" + periodLabel + "）")),
            el("form", attr("method", "get"), attr("action", "/rankings"), cls("filters noprint"), attr("aria-label", l.t("期間", "Period")),
               field(id: "period", label: l.t("期間（例：FY2026、2026-11）", "Period (e.g. FY2026, 2026-11)"), error: nil) { d in
                   input(id: "period", name: "period", value: period.code, describedBy: d)
               },
               el("button", attr("type", "submit"), txt(l.t("表示", "Show")))),
            DashboardController.statusNote(l, status, reload: req.url.string),
        ]
        // one's own standing, for everybody
        let me = report.people.first { $0.staffId == p.staffId }
        func place(_ list: [RankedGroup]) -> String {
            guard let g = myGroup, let r = list.first(where: { $0.groupId == g }) else { return "—" }
            return l.t("\(list.count)課中\(r.rank)位", "\(r.rank) of \(list.count)")
        }
        content += [
            el("h2", txt(l.t("あなたの状況", "Your standing"))),
            el("ul", cls("summary"),
               el("li", txt(l.t("あなたの打刻率：", "Your clock-in rate: ") + DashboardController.percent(me.flatMap { $0.punchDays > 0 ? Double($0.completeDays) / Double($0.punchDays) : nil }))),
               el("li", txt(l.t("あなたの超過勤務：\(DashboardController.hours(Double(me?.overtimeMinutes ?? 0)))時間", "Your overtime: \(DashboardController.hours(Double(me?.overtimeMinutes ?? 0)))h"))),
               el("li", txt(l.t("あなたの課の打刻率の順位：", "Your section's clock-in rate: ") + place(byRate))),
               el("li", txt(l.t("あなたの課の超過勤務の順位（多い順）：", "Your section's overtime (most first): ") + place(byOvertime)))),
        ]
        // the table, for those who act on it
        if p.isApprover || p.isHR {
            func table(_ t: String, _ list: [RankedGroup], figure: String, _ value: (GroupFigures) -> String) -> N {
                el("div", tableRegion(t), el("table",
                   el("caption", txt(t)),
                   el("thead", el("tr", [l.t("順位", "Rank"), l.t("課", "Section"), figure, l.t("職員", "Staff")].map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", list.filter { r in p.isHR || mine.contains(r.groupId) || r.figures.people >= minimumPeople }.map { r in
                       let own = mine.contains(r.groupId)
                       let name = scope.tree.path(r.groupId) + (own ? l.t("（担当）", " (yours)") : "")
                       return el("tr", own ? cls("own") : .empty, el("td", txt("\(r.rank)")),
                                 el("th", attr("scope", "row"), own ? el("strong", txt(name)) : txt(name)),
                                 el("td", txt(value(r.figures))), el("td", txt("\(r.figures.people)")))
                   })))
            }
            if !p.isHR && report.groups.contains(where: { $0.groupId.map { !mine.contains($0) } ?? false && $0.people < minimumPeople }) {
                content.append(el("p", cls("muted"), txt(l.t("担当外で職員が\(minimumPeople)人未満の課は、個人が分かるため表示していません（順位には含みます）。",
                                                             "Other sections with fewer than \(minimumPeople) staff are not shown, as they would show individuals (they still count in the ranks)."))))
            }
            content += [
                el("h2", txt(l.t("打刻率（高い順）", "Clock-in rate, highest first"))),
                el("p", cls("muted"), txt(l.t("休暇・出張などで打刻のいらない日を除いた勤務日のうち、出勤・退勤の打刻がそろい、修正のなかった日の割合です。",
                                              "The share of work days needing punches that have both punches and no correction."))),
                table(l.t("打刻率のランキング（課別）", "Clock-in rate by section"), byRate, figure: l.t("打刻率", "Clock-in rate")) { DashboardController.percent($0.punchRate) },
                el("h2", txt(l.t("超過勤務（1人1か月あたり、多い順）", "Overtime per person per month, most first"))),
                table(l.t("超過勤務のランキング（課別）", "Overtime by section"), byOvertime, figure: l.t("1人1か月あたり（時間）", "Per person-month (h)")) {
                    DashboardController.hours($0.overtimePerPersonMonth)
                },
            ]
        }
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()))
    }
}

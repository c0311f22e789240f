import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// 見える化 for the 人事課 (issue 5): the municipality by month or fiscal year — overtime and who is over each line, the
/// departments with the most, 打刻率 and missing punches, 年休 taken, part-timers beyond their schedule — each number a
/// link to the people behind it. Read from the monthly aggregates (`StatsCache`), as of the start of today.
enum DashboardController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["dashboard"], access: AdminController.hrOrAdmin) { req in try await page(req) }
        r.on(.GET, ["dashboard", "people"], access: AdminController.hrOrAdmin) { req in try await people(req) }
        // how far a refresh of the figures has come (the pages' progress bar asks, without reloading the page)
        r.on(.GET, ["stats", "status"], access: OvertimeController.orderers) { req in
            let p = try req.requirePrincipal()
            let s = req.yakuba.stats.progress(p.municipalityId)
            return try await RefreshStatus(running: s != nil, done: s?.done ?? 0, total: s?.total ?? 0).encodeResponse(for: req)
        }
    }

    struct RefreshStatus: Content { var running: Bool; var done: Int; var total: Int }

    /// The request's period, filters and groups, checked.
    struct Query {
        var period: DashboardPeriod
        var months: [YearMonth]
        var filter: DashboardFilter
        var department: DepartmentRow?
        var employment: EmploymentType?
        var employer: Employer?
        /// each department's group: the 部 (or the department below the chosen one) it counts in
        var groupOf: [UUID: UUID]
        var today: CalendarDate
        var dataStart: YearMonth

        /// the query string that names the same view (for links), with `extra` added
        func href(_ path: String, _ extra: [(String, String)] = []) -> String {
            var q: [(String, String)] = [("period", period.code)]
            if let d = department { q.append(("department", d.id.uuidString)) }
            if let e = employment { q.append(("employment", e.rawValue)) }
            if let e = employer { q.append(("employer", e.rawValue)) }
            q += extra
            return path + "?" + q.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(.init(charactersIn: "&=+"))) ?? "")" }
                .joined(separator: "&")
        }
    }

    static func query(_ req: Request, _ scope: Scope) async throws -> Query {
        let l = req.lang
        let muni = scope.municipality
        let today = CalendarDate(Date(), in: muni.zone)
        let period = try period(req, today: today)
        var errors: [String: String] = [:]
        func pick<T>(_ name: String, _ make: (String) -> T?, _ ja: String, _ en: String) -> T? {
            let text = (req.query[String.self, at: name] ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return nil }
            guard let v = make(text) else { errors[name] = l.t(ja, en); return nil }
            return v
        }
        let department = pick("department", { UUID(uuidString: $0).flatMap { scope.tree.rows[$0] } },
                              "所属が見つかりません。一覧から選んでください。", "Unknown department: choose one from the list.")
        let employment = pick("employment", EmploymentType.init(rawValue:), "雇用形態が正しくありません。一覧から選んでください。", "Unknown employment type: choose one from the list.")
        let employer = pick("employer", Employer.init(rawValue:), "特定事業主が正しくありません。一覧から選んでください。", "Unknown appointing authority: choose one from the list.")
        if !errors.isEmpty {
            throw ProblemError(status: .unprocessableEntity, title: errors.values.sorted().joined(separator: " "), errors: errors, code: "validation")
        }
        let (months, dataStart) = try await covered(req, municipality: muni, period: period, today: today)
        // the departments counted: the chosen one and those below it, those of the 特定事業主, or all
        var departments: Set<UUID>? = department.map { scope.tree.descendants(of: [$0.id]) }
        if let employer {
            let of = Set(scope.tree.rows.keys.filter { scope.tree.employer($0) == employer })
            departments = departments.map { $0.intersection(of) } ?? of
        }
        // groups: the 部, or the departments right below the chosen one (itself when it has none)
        var groupOf: [UUID: UUID] = [:]
        let top: [UUID] = department.map { d in scope.tree.children[d.id].map { $0.isEmpty ? [d.id] : $0 } ?? [d.id] }
            ?? scope.tree.ordered.filter { $0.parentId == nil || scope.tree.rows[$0.parentId!] == nil }.map(\.id)
        for g in top { for d in scope.tree.descendants(of: [g]) { groupOf[d] = g } }
        return Query(period: period, months: months, filter: DashboardFilter(departments: departments, employment: employment), department: department,
                     employment: employment, employer: employer, groupOf: groupOf, today: today, dataStart: dataStart)
    }

    /// The months of `period` that have data (from the municipality's first punch to this month), or 422 when none has.
    static func covered(_ req: Request, municipality muni: MunicipalityRow, period: DashboardPeriod, today: CalendarDate) async throws
        -> (months: [YearMonth], dataStart: YearMonth) {
        let l = req.lang
        let current = YearMonth(today)
        let dataStart = try await req.yakuba.stats.dataStart(req.sql, municipalityId: muni.id) ?? current
        let months = period.months.filter { $0 >= dataStart && $0 <= current }
        if months.isEmpty {
            let first = l == .ja ? JapaneseEra.formatMonth(dataStart) : dataStart.iso
            throw ProblemError(status: .unprocessableEntity, title: l.t("この期間のデータはありません。\(first)から今月までの月か年度を選んでください。",
                                                                        "There is no data for this period: choose a month or fiscal year from \(dataStart.iso) to this month."),
                               errors: ["period": l.t("データのない期間です。", "No data for this period.")], code: "validation")
        }
        return (months, dataStart)
    }

    /// The period a page asks for (`period`: 2026-04 or FY2026; this fiscal year when absent), or 422.
    static func period(_ req: Request, today: CalendarDate) throws -> DashboardPeriod {
        let l = req.lang
        let text = (req.query[String.self, at: "period"] ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .fiscalYear(FiscalYear(containing: today).startYear) }
        guard let p = DashboardPeriod(code: text) else {
            let message = l.t("期間は「2026-04」（月）または「FY2026」（年度）の形で指定してください。", "Give the period as 2026-04 (a month) or FY2026 (a fiscal year).")
            throw ProblemError(status: .unprocessableEntity, title: message, errors: ["period": message], code: "validation")
        }
        return p
    }

    static func hours(_ minutes: Double) -> String { String(format: "%.1f", minutes / 60) }
    static func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let q = try await query(req, scope)
        let (rows, status) = try await req.yakuba.stats.rows(app: req.application, sql: req.sql, municipality: scope.municipality, tree: scope.tree,
                                                               months: q.months, today: q.today)
        let groupOf = q.groupOf
        let report = Dashboard.report(rows, period: q.period, filter: q.filter, group: { $0.flatMap { groupOf[$0] } })
        let title = l.t("人事ダッシュボード", "HR dashboard")
        let name: (UUID?) -> String = { id in id.flatMap { scope.tree.rows[$0]?.name } ?? l.t("（所属なし）", "(no department)") }
        let monthLabels = report.months.map { l.t("\($0.month)月", $0.iso) }
        let withData = Set(report.monthsWithData)
        func drill(_ metric: DashboardMetric, group: UUID? = nil, _ text: String) -> N {
            link(q.href("/dashboard/people", [("metric", metric.rawValue)] + (group.map { [("group", $0.uuidString)] } ?? [])), text)
        }
        let t = report.total
        var content: [N] = [el("h1", txt(title + "（" + l.t(q.period.labelJa, q.period.labelEn) + "）"))]
        content.append(filters(req, scope, q))
        content.append(el("p", cls("noprint"), link("/risk" + (q.department.map { "?department=\($0.id.uuidString)" } ?? ""),
                                                    l.t("早期警戒：負担が大きくなっているおそれのある職員と、その理由", "Early warnings: who may be working too hard, and why"))))
        content.append(statusNote(l, status, reload: req.url.string))
        if rows.isEmpty && !status.missing.isEmpty {
            return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()))
        }
        // the month at a glance
        content += [
            el("h2", txt(l.t("まとめ", "At a glance"))),
            el("ul", cls("summary"),
               el("li", txt(l.t("対象の職員：\(t.people)人（延べ\(t.personMonths)人月）", "Staff: \(t.people) (\(t.personMonths) person-months)"))),
               el("li", txt(l.t("超過勤務の合計：\(hours(Double(t.overtimeMinutes)))時間", "Overtime in all: \(hours(Double(t.overtimeMinutes)))h"))),
               el("li", txt(l.t("1人1か月あたりの超過勤務：\(hours(t.overtimePerPersonMonth))時間", "Overtime per person per month: \(hours(t.overtimePerPersonMonth))h"))),
               el("li", drill(.missing, l.t("打刻率：\(percent(t.punchRate))（打刻漏れ\(t.missingDays)日）", "Clock-in rate: \(percent(t.punchRate)) (\(t.missingDays) days with a punch missing)"))),
               el("li", txt(l.t("年休の平均取得日数：\(String(format: "%.1f", t.leavePerPerson))日", "Annual leave taken per person: \(String(format: "%.1f", t.leavePerPerson)) days"))),
               el("li", drill(.beyond, l.t("勤務時間を超えて働いた短時間勤務の職員：\(report.partTimeBeyond)人（\(report.partTimePeople)人中）",
                                           "Part-time staff working beyond their schedule: \(report.partTimeBeyond) of \(report.partTimePeople)")))),
        ]
        // the distribution over the lines
        var lineBars: [SVGChart.Bar] = OvertimeLine.allCases.map { line in
            let n = report.peopleOver[line] ?? 0
            return SVGChart.Bar(label: l.t("月\(line.rawValue)時間超", "Over \(line.rawValue)h in a month"), value: Double(n), text: l.t("\(n)人", "\(n)"))
        }
        if q.period.isYear {
            lineBars += YearLine.allCases.map { line in
                let n = report.peopleOverYear[line] ?? 0
                return SVGChart.Bar(label: l.t("年\(line.rawValue)時間超", "Over \(line.rawValue)h in the year"), value: Double(n), text: l.t("\(n)人", "\(n)"))
            }
        }
        let distTitle = l.t("超過勤務の分布（線を超えた職員の数）", "Overtime: people over each line")
        content += [
            el("h2", txt(distTitle)),
            el("div", cls("chart-pair"),
               .raw(SVGChart.bars(id: "chart-lines", title: distTitle,
                                  desc: l.t("月45・60・80・100時間を超えた月が1回以上ある職員の数" + (q.period.isYear ? "と、年360・720時間を超えた職員の数" : "") + "。数値は右の表にもあります。",
                                            "People with at least one month over 45, 60, 80 and 100 hours" + (q.period.isYear ? ", and over 360 and 720 hours in the year" : "") + ". The figures are also in the table."),
                                  bars: lineBars)),
               el("div", tableRegion(distTitle), el("table",
                  el("caption", txt(distTitle)),
                  el("thead", el("tr", [l.t("線", "Line"), l.t("職員", "People"), l.t("延べ月数", "Person-months")].map { el("th", attr("scope", "col"), txt($0)) })),
                  el("tbody", OvertimeLine.allCases.map { line in
                      el("tr", el("th", attr("scope", "row"), txt(l.t("月\(line.rawValue)時間超", "Over \(line.rawValue)h in a month"))),
                         el("td", drill(.line(line), l.t("\(report.peopleOver[line] ?? 0)人", "\(report.peopleOver[line] ?? 0)"))),
                         el("td", txt("\(report.personMonthsOver[line] ?? 0)")))
                  } + (q.period.isYear ? YearLine.allCases.map { line in
                      el("tr", el("th", attr("scope", "row"), txt(l.t("年\(line.rawValue)時間超", "Over \(line.rawValue)h in the year"))),
                         el("td", drill(.line(line), l.t("\(report.peopleOverYear[line] ?? 0)人", "\(report.peopleOverYear[line] ?? 0)"))), el("td", txt("—")))
                  } : []))))),
        ]
        // the months: a line of the average and stacked bars of the people in each band
        if q.period.isYear {
            let trendTitle = l.t("月ごとの推移", "Month by month")
            let avg: [Double?] = report.byMonth.enumerated().map { i, m in withData.contains(report.months[i]) && m.personMonths > 0 ? Double(m.overtimeMinutes) / Double(m.personMonths) / 60 : nil }
            let bandTitle = l.t("超過勤務の時間帯別の職員数（月ごと）", "People by overtime band, month by month")
            let bands: [(String, Int, Int)] = [("45–60", 45, 60), ("60–80", 60, 80), ("80–100", 80, 100), (l.t("100超", "100+"), 100, Int.max / 120)]
            var bandCounts = Array(repeating: Array(repeating: 0, count: report.months.count), count: bands.count)
            var monthIndex: [YearMonth: Int] = [:]
            for (i, m) in report.months.enumerated() { monthIndex[m] = i }
            for r in rows where q.filter.admits(r) {
                guard let i = monthIndex[r.month], withData.contains(r.month) else { continue }
                for (k, b) in bands.enumerated() where r.overtimeMinutes > b.1 * 60 && r.overtimeMinutes <= b.2 * 60 { bandCounts[k][i] += 1 }
            }
            content += [
                el("h2", txt(trendTitle)),
                .raw(SVGChart.lines(id: "chart-trend", title: l.t("1人あたりの超過勤務（時間／月）", "Overtime per person (hours a month)"),
                                    desc: l.t("各月の職員1人あたりの超過勤務時間。数値は下の表にあります。", "Each month's overtime per person; the figures are in the table below."),
                                    categories: monthLabels, series: [SVGChart.Series(name: l.t("1人あたり", "Per person"), values: avg)], unit: "h")),
                .raw(SVGChart.stackedBars(id: "chart-bands", title: bandTitle,
                                          desc: l.t("各月に超過勤務が45〜60、60〜80、80〜100、100時間超だった職員の数。数値は下の表にあります。",
                                                    "People whose month's overtime was 45–60, 60–80, 80–100 and over 100 hours; the figures are in the table below."),
                                          categories: monthLabels, series: bands.enumerated().map { k, b in SVGChart.Series(name: b.0 + l.t("時間", "h"), values: bandCounts[k].map { Double($0) }) },
                                          unit: "")),
                el("div", tableRegion(trendTitle), el("table",
                   el("caption", txt(trendTitle)),
                   el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("月", "Month")))]
                                  + [l.t("職員", "Staff"), l.t("超過勤務の合計（時間）", "Overtime (h)"), l.t("1人あたり（時間）", "Per person (h)")].map { el("th", attr("scope", "col"), txt($0)) }
                                  + bands.map { el("th", attr("scope", "col"), txt($0.0 + l.t("時間", "h"))) }
                                  + [el("th", attr("scope", "col"), txt(l.t("打刻率", "Clock-in rate")))])),
                   el("tbody", report.months.enumerated().map { i, m in
                       let f = report.byMonth[i]
                       guard withData.contains(m) else {
                           return el("tr", el("th", attr("scope", "row"), txt(showMonth(m, l))), el("td", attr("colspan", "\(4 + bands.count)"), txt(l.t("データなし", "No data"))))
                       }
                       return el("tr", [el("th", attr("scope", "row"), link(q.href("/dashboard", []).replacingOccurrences(of: "period=\(q.period.code)", with: "period=\(m.iso)"), showMonth(m, l))),
                                        el("td", txt("\(f.people)")), el("td", txt(hours(Double(f.overtimeMinutes)))),
                                        el("td", txt(f.personMonths > 0 ? hours(f.overtimePerPersonMonth) : "—"))]
                                  + bands.indices.map { k in el("td", txt("\(bandCounts[k][i])")) }
                                  + [el("td", txt(percent(f.punchRate)))])
                   }))),
            ]
        }
        // the departments: a heat map of overtime per person by month, and the table
        let groups = report.groups
        if !groups.isEmpty {
            let heatTitle = l.t("所属別の1人あたり超過勤務（時間／月）", "Overtime per person by department (hours a month)")
            let groupHeading = q.department == nil ? l.t("部", "Division") : l.t("所属", "Department")
            if q.period.isYear {
                content += [
                    el("h2", txt(heatTitle)),
                    .raw(SVGChart.heatMap(id: "chart-heat", title: heatTitle,
                                          desc: l.t("所属（行）と月（列）ごとの職員1人あたりの超過勤務時間。色が濃いほど多い。数値は下の表にあります。",
                                                    "Overtime per person for each department (rows) and month (columns); darker is more. The figures are in the table below."),
                                          rows: groups.map { name($0.groupId) }, columns: monthLabels,
                                          values: groups.map { g in g.monthOvertime.indices.map { i in g.monthPeople[i] > 0 ? Double(g.monthOvertime[i]) / Double(g.monthPeople[i]) / 60 : nil } },
                                          text: { String(format: "%.1f", $0) })),
                    el("div", tableRegion(heatTitle), el("table",
                       el("caption", txt(heatTitle)),
                       el("thead", el("tr", [el("th", attr("scope", "col"), txt(groupHeading))] + monthLabels.map { el("th", attr("scope", "col"), txt($0)) })),
                       el("tbody", groups.map { g in
                           el("tr", [el("th", attr("scope", "row"), txt(name(g.groupId)))] + g.monthOvertime.indices.map { i in
                               el("td", txt(g.monthPeople[i] > 0 ? hours(Double(g.monthOvertime[i]) / Double(g.monthPeople[i])) : "—"))
                           })
                       }))),
                ]
            }
            let deptTitle = l.t("所属別（超過勤務の多い順）", "Departments, most overtime first")
            content += [
                el("h2", txt(deptTitle)),
                el("div", tableRegion(deptTitle), el("table",
                   el("caption", txt(l.t("所属別の超過勤務・打刻率・打刻漏れ・年休（超過勤務の多い順）", "Overtime, clock-in rate, missing punches and annual leave by department"))),
                   el("thead", el("tr", [groupHeading, l.t("職員", "Staff"), l.t("超過勤務の合計（時間）", "Overtime (h)"), l.t("1人1か月あたり（時間）", "Per person-month (h)"),
                                         l.t("打刻率", "Clock-in rate"), l.t("打刻漏れ（日）", "Missing punches (days)"), l.t("修正（日）", "Corrected (days)"),
                                         l.t("年休（1人あたり日）", "Annual leave (days per person)")]
                       .map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", groups.map { g in
                       el("tr", el("th", attr("scope", "row"), link(q.href("/dashboard/people", [("metric", DashboardMetric.overtime.rawValue), ("group", g.groupId?.uuidString ?? "")]), name(g.groupId))),
                          el("td", txt("\(g.people)")), el("td", txt(hours(Double(g.overtimeMinutes)))), el("td", txt(hours(g.overtimePerPersonMonth))),
                          el("td", txt(percent(g.punchRate))), el("td", drill(.missing, group: g.groupId, "\(g.missingDays)")),
                          el("td", drill(.corrected, group: g.groupId, "\(g.correctedDays)")), el("td", txt(String(format: "%.1f", g.leavePerPerson))))
                   }))),
            ]
            // 打刻率, lowest first (jinjer's ranking of clock-in rate)
            let rated = groups.filter { $0.punchRate != nil }.sorted { ($0.punchRate ?? 1, name($0.groupId)) < ($1.punchRate ?? 1, name($1.groupId)) }
            let rateTitle = l.t("打刻率の低い所属", "Departments by clock-in rate, lowest first")
            content += [
                el("h2", txt(rateTitle)),
                .raw(SVGChart.bars(id: "chart-rate", title: rateTitle,
                                   desc: l.t("勤務日のうち、出勤と退勤の打刻がそろい修正もなかった日の割合（打刻率）。上の表にも数値があります。",
                                             "The share of work days with both punches and no correction. The figures are also in the table above."),
                                   bars: rated.prefix(15).map { g in SVGChart.Bar(label: name(g.groupId), value: (g.punchRate ?? 0) * 100, text: percent(g.punchRate)) },
                                   color: SVGChart.palette[1])),
            ]
        }
        // the people with the most overtime
        let top = report.top(20, by: .overtime)
        let topTitle = l.t("超過勤務の多い職員（上位20人）", "The 20 people with the most overtime")
        content += [
            el("h2", txt(topTitle)),
            top.isEmpty ? el("p", cls("muted"), txt(l.t("超過勤務をした職員はいません。", "Nobody worked overtime."))) :
                el("div", tableRegion(topTitle), el("table",
                   el("caption", txt(topTitle)),
                   el("thead", el("tr", [l.t("職員", "Staff"), l.t("所属", "Department"), l.t("超過勤務の合計（時間）", "Overtime (h)"), l.t("最も多い月（時間）", "Highest month (h)"),
                                         l.t("月45時間超の月数", "Months over 45h")].map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", try await personRows(req, top, q: q, scope: scope) { p in
                       [txt(hours(Double(p.overtimeMinutes))), txt(hours(Double(p.maxMonthMinutes))), txt("\(p.monthsOver(.h45))")]
                   }))),
            el("p", drill(.overtime, l.t("超過勤務をした職員をすべて見る", "Everyone who worked overtime"))),
        ]
        // 年休 and part-timers
        if q.period.isYear {
            content.append(el("p", drill(.leaveUnder5, l.t("年休の取得が5日未満の職員：\(report.leaveUnder5)人", "Staff with fewer than 5 days of annual leave: \(report.leaveUnder5)"))))
        }
        content.append(el("p", cls("muted"), txt(l.t("超過勤務は命令に基づく時間（上限の対象）です。打刻率は、休暇・出張などで打刻のいらない日を除いた勤務日のうち、出勤・退勤の打刻がそろい、修正のなかった日の割合です。数値は前日までの集計です。",
                                                     "Overtime is ordered time (what the limits count). The clock-in rate is the share of work days needing punches (leave and trips excluded) that have both punches and no correction. Figures count up to yesterday."))))
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()))
    }

    /// Rows for people: name (linked to their book for the period's last month), department, then `cells`.
    static func personRows(_ req: Request, _ people: [PersonPeriod], q: Query, scope: Scope, _ cells: (PersonPeriod) -> [N]) async throws -> [N] {
        let byId = try await StaffRepository.find(req.sql, ids: people.map(\.staffId))
        let month = q.months.last ?? YearMonth(q.today)
        return people.map { p in
            let s = byId[p.staffId]
            return el("tr", [el("th", attr("scope", "row"), s.map { link("/books/\($0.id.uuidString)?month=\(month.iso)", "\($0.fullName)（\($0.staffNumber)）") } ?? txt("—")),
                             el("td", txt(scope.tree.path(p.departmentId)))] + cells(p).map { el("td", $0) })
        }
    }

    static func filters(_ req: Request, _ scope: Scope, _ q: Query) -> N {
        let l = req.lang
        var periods: [(value: String, label: String)] = []
        let fy = FiscalYear(containing: q.today).startYear
        for y in stride(from: fy, through: FiscalYear(containing: q.dataStart.first).startYear, by: -1) {
            periods.append((DashboardPeriod.fiscalYear(y).code, l.t(DashboardPeriod.fiscalYear(y).labelJa, DashboardPeriod.fiscalYear(y).labelEn)))
        }
        var m = YearMonth(q.today)
        for _ in 0..<24 where m >= q.dataStart { periods.append((m.iso, showMonth(m, l))); m = m.previous }
        return el("form", attr("method", "get"), attr("action", "/dashboard"), cls("filters noprint"), attr("aria-label", l.t("期間と対象", "Period and filters")),
                  field(id: "period", label: l.t("期間", "Period"), error: nil) { d in select(id: "period", name: "period", options: periods, selected: q.period.code, describedBy: d) },
                  field(id: "department", label: l.t("所属", "Department"), error: nil) { d in
                      select(id: "department", name: "department", options: [("", l.t("すべて", "All"))] + scope.tree.options(), selected: q.department?.id.uuidString ?? "", describedBy: d)
                  },
                  field(id: "employment", label: l.t("雇用形態", "Employment"), error: nil) { d in
                      select(id: "employment", name: "employment", options: [("", l.t("すべて", "All"))] + EmploymentType.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                             selected: q.employment?.rawValue ?? "", describedBy: d)
                  },
                  field(id: "employer", label: l.t("特定事業主", "Appointing authority"), error: nil) { d in
                      select(id: "employer", name: "employer", options: [("", l.t("すべて", "All"))] + Employer.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                             selected: q.employer?.rawValue ?? "", describedBy: d)
                  },
                  el("button", attr("type", "submit"), txt(l.t("表示", "Show"))))
    }

    /// Where the figures stand: as of which day, and a refresh under way with its progress.
    static func statusNote(_ l: Lang, _ s: StatsCache.Status, reload: String) -> N {
        if let p = s.progress {
            let pct = p.total > 0 ? min(100, p.done * 100 / p.total) : 0
            // the bar follows the refresh (a script asks /stats/status); the page is never reloaded for the reader
            return el("div", cls("notice"), attr("data-status-url", "/stats/status"),
                      el("p", attr("aria-live", "polite"), attr("data-done-text", l.t("集計が終わりました。再読み込みすると新しい数字を表示します。", "The figures are up to date: reload to see them.")),
                         txt(s.missing.isEmpty
                             ? l.t("集計を更新しています（\(pct)%）。表示しているのは更新前の集計です。", "Updating the figures (\(pct)%). The page shows the figures from before the update.")
                             : l.t("この期間を集計しています（\(pct)%）。終わったら再読み込みしてください。", "Adding up this period (\(pct)%). Reload when it is done."))),
                      el("progress", attr("max", "\(max(1, p.total))"), attr("value", "\(p.done)"), attr("aria-label", l.t("集計の進み具合", "Progress"))),
                      el("p", link(reload, l.t("再読み込み", "Reload"))))
        }
        guard let asOf = s.asOf else { return .empty }
        let last = asOf.adding(days: -1)
        return el("p", cls("muted"), txt(l.t("\(JapaneseEra.format(last))までの集計です。", "Figures up to \(last.iso).")))
    }

    /// The people behind a number: everyone the metric counts, within a group if one is named, ranked by it.
    static func people(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let q = try await query(req, scope)
        let metricText = req.query[String.self, at: "metric"] ?? DashboardMetric.overtime.rawValue
        guard let metric = DashboardMetric(rawValue: metricText) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("指標が正しくありません。", "Unknown metric."), errors: ["metric": l.t("指標が正しくありません。", "Unknown metric.")], code: "validation")
        }
        var group: UUID?
        if let g = req.query[String.self, at: "group"], !g.isEmpty {
            guard let id = UUID(uuidString: g), scope.tree.rows[id] != nil else {
                throw ProblemError(status: .unprocessableEntity, title: l.t("所属が見つかりません。", "Unknown department."), errors: ["group": l.t("所属が見つかりません。", "Unknown department.")], code: "validation")
            }
            group = id
        }
        let (rows, status) = try await req.yakuba.stats.rows(app: req.application, sql: req.sql, municipality: scope.municipality, tree: scope.tree,
                                                               months: q.months, today: q.today)
        let groupOf = q.groupOf
        let report = Dashboard.report(rows, period: q.period, filter: q.filter, group: { $0.flatMap { groupOf[$0] } })
        let all = Dashboard.people(report, metric: metric, group: group, groupOf: { $0.flatMap { groupOf[$0] } })
        let shown = Array(all.prefix(500))
        let title = l.t(metric.labelJa, metric.labelEn)
        let heading = title + "（" + l.t(q.period.labelJa, q.period.labelEn) + (group.flatMap { scope.tree.rows[$0]?.name }.map { "・" + $0 } ?? "") + "）"
        let valueHeading: String = {
            switch metric {
            case .over45, .over60, .over80, .over100: l.t("最も多い月（時間）", "Highest month (h)")
            case .missing: l.t("打刻漏れ（日）", "Missing punches (days)")
            case .corrected: l.t("修正（日）", "Corrected (days)")
            case .beyond: l.t("勤務時間を超えた時間", "Beyond schedule (h)")
            case .leaveUnder5: l.t("年休（日）", "Annual leave (days)")
            case .lateNight: l.t("深夜勤務（日）", "Late-night days")
            case .overtime, .over360, .over720: l.t("超過勤務の合計（時間）", "Overtime (h)")
            }
        }()
        func value(_ p: PersonPeriod) -> String {
            switch metric {
            case .missing, .corrected, .lateNight: "\(Int(p.value(metric)))"
            case .leaveUnder5: String(format: "%.1f", p.value(metric))
            default: hours(p.value(metric))
            }
        }
        let html = Pages.layout(req, title: title, [
            el("h1", txt(heading)),
            el("p", link(q.href("/dashboard"), l.t("ダッシュボードに戻る", "Back to the dashboard"))),
            statusNote(l, status, reload: req.url.string),
            el("p", txt(l.t("\(all.count)人", "\(all.count) people") + (all.count > shown.count ? l.t("（上位\(shown.count)人を表示）", " (the first \(shown.count) shown)") : ""))),
            shown.isEmpty ? el("p", cls("muted"), txt(l.t("該当する職員はいません。", "Nobody."))) :
                el("div", tableRegion(title), el("table",
                   el("caption", txt(heading)),
                   el("thead", el("tr", [l.t("職員", "Staff"), l.t("所属", "Department"), valueHeading, l.t("超過勤務の合計（時間）", "Overtime (h)"),
                                         l.t("打刻率", "Clock-in rate")].map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", try await personRows(req, shown, q: q, scope: scope) { p in
                       [txt(value(p)), txt(hours(Double(p.overtimeMinutes))), txt(percent(p.punchDays > 0 ? Double(p.completeDays) / Double(p.punchDays) : nil))]
                   }))),
        ], flash: req.takeFlash())
        return Pages.html(html)
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// 見える化 for the 所属長 (issue 5): the team's month — each person's overtime against their limit, leave taken, missing
/// punches, requests waiting — and who needs attention first, with the reason for each. A manager sees the departments
/// they head; HR chooses any department (their own by default).
enum TeamController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["team"], access: OvertimeController.orderers) { req in try await page(req) }
    }

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        var timer = PhaseTimer("team")
        defer { timer.log(req.logger) }
        let scope = try await Scope.load(req)
        timer.mark("scope")
        let p = scope.principal
        let muni = scope.municipality
        let month = try BookController.month(req, muni.zone)
        let today = CalendarDate(Date(), in: muni.zone)
        if month.first > today.adding(days: 366) || month.last < CalendarDate(year: 2000, month: 1, day: 1)! {
            throw ProblemError(status: .unprocessableEntity, title: l.t("この月のデータはありません。", "There is no data for this month."), code: "validation")
        }

        // the departments shown: one chosen (and those below it), or all the manager heads, or HR's own
        let chosenText = (req.query[String.self, at: "department"] ?? "").trimmingCharacters(in: .whitespaces)
        var chosen: UUID?
        let departments: Set<UUID>
        if !chosenText.isEmpty {
            guard let id = UUID(uuidString: chosenText), scope.tree.rows[id] != nil else {
                throw ProblemError(status: .unprocessableEntity, title: l.t("所属が見つかりません。一覧から選んでください。", "Unknown department: choose one from the list."), code: "validation")
            }
            if let visible = scope.visibleDepartments, !visible.contains(id) {
                throw ProblemError(status: .forbidden, title: l.t("この所属はあなたの担当ではありません。", "This department is not one of yours."))
            }
            chosen = id
            departments = scope.tree.descendants(of: [id])
        } else if let visible = scope.visibleDepartments {
            departments = visible
        } else {
            let me = try await StaffRepository.find(req.sql, id: p.staffId)
            chosen = me?.departmentId
            departments = me?.departmentId.map { scope.tree.descendants(of: [$0]) } ?? []
        }

        let filter = StaffRepository.ListFilter(municipalityId: p.municipalityId, departmentIds: departments, employmentType: nil, query: nil)
        let all: [StaffRow]
        if departments.isEmpty { all = [] }
        else if let path = req.yakuba.sqlitePath {
            // the bulk reader on SQLite (hundreds of rows through Codable take a visible share of the page), in the list's order
            let chosen = departments
            all = Array(try await SQLiteBulkReader.offThread { try SQLiteBulkReader(path: path).staff(municipalityId: p.municipalityId, departmentIds: chosen) }
                .sorted { ($0.familyKana, $0.givenKana, $0.staffNumber) < ($1.familyKana, $1.givenKana, $1.staffNumber) }.prefix(500))
        } else {
            all = try await StaffRepository.page(req.sql, filter, limit: 500, offset: 0)
        }
        let staff = all
            .filter { s in s.id != p.staffId && (s.start.map { $0 <= month.last } ?? true) && (s.end.map { $0 >= month.first } ?? true) }
        timer.mark("staff")
        let (members, windowRows) = try await members(req, scope: scope, staff: staff, month: month, today: today, departments: departments)
        timer.mark("members")
        let byId = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0) })
        let ordered = TeamView.ordered(members)
        let summary = TeamView.summary(members)
        let attention = ordered.filter { !$0.reasons.isEmpty }
        // the early warning over the last months (from the monthly aggregates, as of this midnight), as /risk lists it for
        // these departments: from the rows read with the members' months
        let conditions = try await RiskController.conditionDeclines(req, scope: scope, departments: departments, today: today)
        let warned = RiskScore.listed(windowRows, through: YearMonth(today), settings: muni.riskSettings, filter: DashboardFilter(departments: departments),
                                      conditions: conditions)
            .filter { a in a.staffId != p.staffId }
        timer.mark("early_warnings")
        defer { timer.mark("render") }

        func name(_ id: UUID) -> N {
            guard let s = byId[id] else { return txt("") }
            return link("/books/\(s.id.uuidString)?month=\(month.iso)", "\(s.fullName)（\(s.staffNumber)）")
        }
        let title = l.t("チームの状況", "Your team")
        let html = Pages.layout(req, title: title, [
            el("h1", txt(title + "（\(showMonth(month, l))）")),
            el("form", attr("method", "get"), attr("action", "/team"), cls("filters noprint"), attr("aria-label", l.t("表示する月と所属", "Month and department")),
               field(id: "month", label: l.t("月", "Month"), error: nil) { d in input(id: "month", name: "month", type: "month", value: month.iso, describedBy: d) },
               field(id: "department", label: l.t("所属", "Department"), error: nil) { d in
                   select(id: "department", name: "department",
                          options: (scope.visibleDepartments == nil ? [] : [("", l.t("担当のすべて", "All of mine"))]) + scope.departmentOptions,
                          selected: chosen?.uuidString ?? "", describedBy: d)
               },
               el("button", attr("type", "submit"), txt(l.t("表示", "Show")))),
            el("h2", txt(l.t("今月のまとめ", "The month at a glance"))),
            el("ul", cls("summary"),
               el("li", txt(l.t("職員：\(summary.people)人", "Staff: \(summary.people)"))),
               el("li", txt(l.t("超過勤務の合計：\(formatDuration(summary.overtimeMinutes))", "Overtime in all: \(formatDuration(summary.overtimeMinutes))"))),
               el("li", txt(l.t("上限を超えた職員：\(summary.overLimit)人", "Past a limit: \(summary.overLimit)"))),
               el("li", txt(l.t("上限の80%以上の職員：\(summary.nearLimit)人", "At 80% of a limit or more: \(summary.nearLimit)"))),
               el("li", txt(l.t("医師の面接指導の対象：\(summary.doctorInterview)人", "Due a doctor's interview: \(summary.doctorInterview)"))),
               el("li", txt(l.t("打刻漏れ・欠勤のある職員：\(summary.withMissingPunches)人", "With missing punches or absence: \(summary.withMissingPunches)"))),
               el("li", txt(l.t("未処理の申請：\(summary.pendingRequests)件", "Requests waiting: \(summary.pendingRequests)"))),
               el("li", link("/risk" + (chosen.map { "?department=\($0.uuidString)" } ?? ""),
                             l.t("早期警戒の対象：\(warned.count)人（理由を見る）", "Early warnings: \(warned.count) (see why)")))),
            el("h2", txt(l.t("先に対応が必要な職員", "Who needs attention first"))),
            attention.isEmpty ? el("p", cls("muted"), txt(l.t("対応が必要な職員はいません。", "Nobody needs attention."))) :
                el("div", tableRegion(l.t("対応が必要な職員", "Who needs attention")), el("table",
                   el("caption", txt(l.t("対応が必要な職員と理由（急ぐ順）", "Who needs attention and why, most urgent first"))),
                   el("thead", el("tr", [l.t("職員", "Staff"), l.t("理由", "Why")].map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", attention.map { a in
                       el("tr", el("th", attr("scope", "row"), name(a.member.staffId)),
                          el("td", el("ul", [cls("reasons")] + a.reasons.map { r in
                              el("li", r.severity == 3 ? cls("urgent") : .empty, txt(l.t(r.labelJa, r.labelEn)))
                          })))
                   }))),
            el("h2", txt(l.t("チーム全員", "Everyone"))),
            staff.isEmpty ? el("p", cls("muted"), txt(l.t("この所属に職員はいません。", "Nobody in this department."))) :
                el("div", tableRegion(l.t("チーム全員の月の状況", "Everyone's month")), el("table",
                   el("caption", txt(l.t("職員ごとの超過勤務・休暇・打刻漏れ・未処理の申請（棒は月の上限に対する割合。縦線は80%と100%。休暇・打刻漏れ・欠勤は前日までの集計）",
                                         "Overtime, leave, missing punches and requests per person (the bar is the share of the month's limit; lines at 80% and 100%; leave, missing punches and absences up to yesterday)"))),
                   el("thead", el("tr", [l.t("職員", "Staff"), l.t("超過勤務", "Overtime"), l.t("月の上限", "Monthly limit"), l.t("上限に対する割合", "Share of the limit"),
                                         l.t("休暇", "Leave"), l.t("打刻漏れ", "Missing punches"), l.t("欠勤", "Absent"), l.t("未処理の申請", "Requests waiting")]
                       .map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", ordered.map { (m, _) in
                       let limit = m.monthlyLimit
                       let leave = m.leaveDays > 0 || m.leavePartMinutes > 0
                           ? l.t("\(m.leaveDays)日", "\(m.leaveDays)d") + (m.leavePartMinutes > 0 ? "＋" + l.t(hoursJa(m.leavePartMinutes), hoursEn(m.leavePartMinutes)) : "") : "—"
                       return el("tr", el("th", attr("scope", "row"), name(m.staffId)),
                                 el("td", txt(formatDuration(m.overtimeMinutes))),
                                 el("td", txt(limit.map { l.t($0.labelJa, $0.labelEn) } ?? "—")),
                                 el("td", limit.map { OvertimeController.bar($0.percent) } ?? .empty, txt(limit.map { " \($0.percent)%" } ?? "—")),
                                 el("td", txt(leave)), el("td", txt("\(m.missingPunchDays)")), el("td", txt("\(m.absentDays)")),
                                 el("td", txt("\(m.pendingRequests)")))
                   }))),
        ], flash: req.takeFlash())
        return Pages.html(html)
    }

    /// Each person's month: overtime and requests as they stand now (the orders and requests themselves), and the days —
    /// leave taken, missing punches, absences, a part-timer's time beyond schedule — from the monthly aggregates, which
    /// count the days up to yesterday (today's are not over), so the page reads no punches: a 課 of a large city is
    /// hundreds of people.
    /// Also returns the rows of `departments` in the early warning's months, read with the members' own.
    static func members(_ req: Request, scope: Scope, staff: [StaffRow], month: YearMonth, today: CalendarDate, departments: Set<UUID>) async throws
        -> (members: [TeamMember], windowRows: [StaffMonthStats]) {
        guard !staff.isEmpty else { return ([], []) }
        var timer = PhaseTimer("team.members")
        defer { timer.log(req.logger) }
        let muni = scope.municipality
        let ids = staff.map(\.id)
        let rules = OvertimeLimitRules.national
        let workloads = WorkloadMap(try await OvertimeRepository.workloads(req.sql, municipalityId: muni.id), tree: scope.tree)
        // the limits' count for the fiscal year and the 2–6 months before: the months before this one from the monthly
        // aggregates (a year of a 課's orders is tens of thousands of rows), this month's and later ones from the orders
        let current = YearMonth(today)
        let limitMonths = OvertimeRepository.limitMonths(month, rules: rules)
        let dataStart = try await req.yakuba.stats.dataStart(req.sql, municipalityId: muni.id) ?? current
        let window = Set(RiskScore.window(through: current).filter { $0 >= dataStart })
        let statsMonths = Set(limitMonths.filter { $0 < current && $0 >= dataStart } + (month.first < today ? [month] : [])).union(window)
        var windowRows: [StaffMonthStats] = []
        var counted: [UUID: [YearMonth: Int]] = [:]
        var days: [UUID: StaffMonthStats] = [:]
        let wanted = Set(ids)
        timer.mark("workloads_and_start")
        var missing = Set<YearMonth>()
        if !statsMonths.isEmpty {
            let (rows, status) = try await req.yakuba.stats.rows(app: req.application, sql: req.sql, municipality: muni, tree: scope.tree,
                                                                 months: statsMonths.sorted(), today: today)
            timer.mark("monthly_rows_read")
            // months not computed yet (a large refresh running in the background) are read from the orders below
            missing = Set(status.missing)
            // the rows come a month at a time: what a month is for is worked out when it changes
            var last: YearMonth? = nil
            var inWindow = false, isCounted = false, isShown = false
            for r in rows {
                if r.month != last {
                    last = r.month
                    inWindow = window.contains(r.month); isCounted = r.month < current && !missing.contains(r.month); isShown = r.month == month
                }
                if inWindow, let d = r.departmentId, departments.contains(d) { windowRows.append(r) }
                guard isCounted || isShown, wanted.contains(r.staffId) else { continue }
                if isCounted { counted[r.staffId, default: [:]][r.month] = r.orderedMinutes }
                if isShown { days[r.staffId] = r }
            }
        }
        timer.mark("monthly_rows")
        // from the orders: months before the city's first punch (no aggregates), months without aggregates yet, and from
        // this month on
        var live: [(from: YearMonth, through: YearMonth)] = []
        for m in limitMonths where m < dataStart || m >= current || missing.contains(m) {
            if let last = live.last, last.through.next == m { live[live.count - 1].through = m } else { live.append((m, m)) }
        }
        for range in live {
            for (staff, months) in try await OvertimeRepository.countedMinutes(req.sql, municipalityId: muni.id, staffIds: ids, from: range.from, through: range.through,
                                                                               sqlitePath: req.yakuba.sqlitePath) {
                counted[staff, default: [:]].merge(months) { _, live in live }
            }
        }
        timer.mark("orders_live")
        // requests waiting for a decision: leave (any month), punch corrections, overtime reports to confirm
        var pending: [UUID: Int] = [:]
        let routing = try await Routing.load(req.sql, municipalityId: muni.id, tree: scope.tree)
        let byId = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0) })
        let leave = try await LeaveRepository.openCandidates(req.sql, municipalityId: muni.id, staffIds: ids, from: today.adding(days: -LeaveController.maxAgeDays - 31),
                                                             routing: routing)
        for r in try await LeaveRepository.records(req.sql, leave, staffById: byId, routing: routing) where r.state.isOpen { pending[r.request.staffId, default: 0] += 1 }
        timer.mark("pending_leave")
        for c in try await CorrectionRepository.list(req.sql, staffIds: ids, municipalityId: muni.id, pendingOnly: true, limit: 5000) {
            pending[c.staffId, default: 0] += 1
        }
        // reports waiting for the 所属長's confirmation, from a month before the month shown
        for (staff, n) in try await OvertimeRepository.reportedCounts(req.sql, municipalityId: muni.id, staffIds: ids, from: month.first.adding(days: -31), to: month.last) {
            pending[staff, default: 0] += n
        }
        timer.mark("pending_corrections_and_reports")
        return (staff.map { s in
            let c = days[s.id]?.counts ?? DayCounts()
            // leave taken: whole days of 年休・特休・病休・育休, and hours of 年休
            let leaveDays = c.annualLeaveDays + c.specialLeaveDays + c.sickLeaveDays + c.childcareLeaveDays
            let minutes = counted[s.id] ?? [:]
            let standing = OvertimeLimits.standing(month: month, minutes: minutes, regime: workloads.regime(s.departmentId, month: month), rules: rules)
            return TeamMember(staffId: s.id, sortKey: s.staffNumber, partTime: s.employment.isPartTime, standing: standing,
                              overtimeMinutes: minutes[month] ?? 0, leaveDays: leaveDays, leavePartMinutes: c.annualLeaveMinutes, missingPunchDays: c.missingDays,
                              absentDays: c.absentDays, pendingRequests: pending[s.id] ?? 0, beyondScheduleMinutes: c.beyondScheduleMinutes)
        }, windowRows)
    }
}

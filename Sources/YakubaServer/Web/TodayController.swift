import Foundation
import Vapor
import YakubaCore

/// 本日の状況: who of my departments is in, remote, on leave, not yet punched.
enum TodayController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["today"], access: .roles([.approver, .hr, .admin])) { req in try await page(req) }
    }

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let zone = scope.municipality.zone
        let now = Date()
        let today = CalendarDate(now, in: zone)
        let deptFilter = req.query[UUID.self, at: "department"]
        var depts = scope.visibleDepartments
        if let d = deptFilter { let sub = scope.tree.descendants(of: [d]); depts = depts.map { $0.intersection(sub) } ?? sub }
        let filter = StaffRepository.ListFilter(municipalityId: scope.principal.municipalityId, departmentIds: depts)
        let staff = try await StaffRepository.page(req.sql, filter, limit: 2000, offset: 0)
        let books = try await BookService.books(req.sql, municipality: scope.municipality, staff: staff, month: YearMonth(today), now: now)
        enum Status: Int, CaseIterable { case notYet, working, remote, onBreak, left, leave, off }
        func label(_ s: Status) -> String {
            switch s {
            case .notYet: l.t("未打刻", "Not punched yet"); case .working: l.t("出勤中", "In"); case .remote: l.t("在宅・サテライト", "Remote")
            case .onBreak: l.t("休憩中", "On a break"); case .left: l.t("退勤済", "Left"); case .leave: l.t("休暇等", "On leave"); case .off: l.t("本日勤務なし", "Not scheduled")
            }
        }
        var rows: [(StaffRow, Status, String)] = []
        for b in books {
            guard let d = b.days.first(where: { $0.date == today }) else { continue }
            let eff = d.punches
            let state = SessionBuilder.state(eff, now: now)
            let place = eff.last?.place ?? ""
            let status: Status
            switch state {
            case .working: status = (place == "在宅" || place == "サテライト") ? .remote : .working
            case .onBreak: status = .onBreak
            case .off:
                if d.lastOut != nil { status = .left }
                else if d.marks.contains(where: { $0.minutes == nil }) { status = .leave }
                else if d.kind.isWorkDay && d.schedule != nil { status = .notYet }
                else { status = .off }
            }
            let detail = [d.firstIn.map { l.t("出勤 ", "in ") + showTime($0, zone) }, d.lastOut.map { l.t("退勤 ", "out ") + showTime($0, zone) },
                          place.isEmpty ? nil : place, d.marks.first.map { l.t($0.code.labelJa, $0.code.labelEn) }].compactMap { $0 }.joined(separator: "・")
            rows.append((b.staff, status, detail))
        }
        let counts = Dictionary(grouping: rows, by: { $0.1 }).mapValues(\.count)
        let html = Pages.layout(req, title: l.t("本日の状況", "Today"), [
            el("h1", txt(l.t("本日の状況", "Today") + "（\(showDate(today, l, weekday: true)) \(showTime(now, zone))）")),
            el("form", attr("method", "get"), attr("action", "/today"), cls("filters"),
               field(id: "department", label: l.t("所属", "Department"), error: nil) { d in
                   select(id: "department", name: "department", options: [("", l.t("すべて", "All"))] + scope.departmentOptions,
                          selected: deptFilter?.uuidString ?? "", describedBy: d)
               }, el("button", attr("type", "submit"), txt(l.t("表示", "Show")))),
            el("table", el("caption", txt(l.t("人数", "Counts"))),
               el("thead", el("tr", Status.allCases.map { el("th", attr("scope", "col"), txt(label($0))) })),
               el("tbody", el("tr", Status.allCases.map { el("td", cls("num"), txt("\(counts[$0] ?? 0)")) }))),
            el("div", tableRegion(l.t("職員ごとの状況", "Each person")), el("table", el("caption", txt(l.t("職員ごとの状況", "Each person"))),
               el("thead", el("tr", [l.t("状況", "Status"), l.t("氏名", "Name"), l.t("所属", "Department"), l.t("詳細", "Details")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", rows.sorted { ($0.1.rawValue, $0.0.familyKana) < ($1.1.rawValue, $1.0.familyKana) }.map { r in
                   el("tr", el("td", txt(label(r.1))), el("th", attr("scope", "row"), link("/books/\(r.0.id.uuidString)", r.0.fullName)),
                      el("td", txt(scope.tree.path(r.0.departmentId))), el("td", txt(r.2)))
               })))
        ])
        return Pages.html(html)
    }
}

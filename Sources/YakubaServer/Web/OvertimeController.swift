import Foundation
import Vapor
import SQLKit
import Fluent
import YakubaCore

/// 超過勤務: the 所属長 orders in advance (or, when urgent, after the fact), the person reports the actual time,
/// the 所属長 confirms. Every order is checked against the limits of the person's department (自律/他律) before it is
/// saved: one that would break a limit needs a 特例業務 designation with its reason.
enum OvertimeController {
    static let orderers = Access.roles([.approver, .hr, .admin])

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["overtime"], access: .signedIn) { req in try await page(req) }
        r.on(.GET, ["overtime", "new"], access: orderers) { req in try await orderForm(req, form: OrderForm(), errors: [:]) }
        r.on(.POST, ["overtime"], access: orderers) { req in try await create(req) }
        r.on(.POST, ["overtime", ":id", "report"], access: .signedIn) { req in try await report(req) }
        r.on(.POST, ["overtime", ":id", "confirm"], access: orderers) { req in try await decide(req, kind: "confirmed") }
        r.on(.POST, ["overtime", ":id", "cancel"], access: orderers) { req in try await decide(req, kind: "cancelled") }
        r.on(.POST, ["overtime", "exemptions"], access: AdminController.hrOrAdmin) { req in try await addExemption(req) }
        r.on(.POST, ["overtime", "analyses"], access: orderers) { req in try await addAnalysis(req) }
    }

    // MARK: - The page

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let zone = scope.municipality.zone
        let today = CalendarDate(Date(), in: zone)
        let month = req.query[String.self, at: "month"].flatMap(YearMonth.init(iso:)) ?? YearMonth(today)
        let rules = OvertimeLimitRules.national
        let workloads = WorkloadMap(try await OvertimeRepository.workloads(req.sql, municipalityId: p.municipalityId), tree: scope.tree)
        guard let me = try await StaffRepository.find(req.sql, id: p.staffId) else { throw Abort(.forbidden) }

        let myMinutes = try await OvertimeRepository.countedMinutes(req.sql, municipalityId: p.municipalityId, staffId: me.id, month: month, rules: rules)
        let myRegime = workloads.regime(me.departmentId, month: month)
        let myStanding = OvertimeLimits.standing(month: month, minutes: myMinutes, regime: myRegime, rules: rules)
        let myOrders = try await OvertimeRepository.orders(req.sql, municipalityId: p.municipalityId, staffIds: [me.id], from: month.first, to: month.last)

        var content: [N] = [
            el("h1", txt(l.t("超過勤務", "Overtime"))),
            monthNav(req, month),
            el("h2", txt(l.t("あなたの状況", "Where you stand"))),
            el("p", txt(l.t("所属：", "Department: ") + scope.tree.path(me.departmentId) + "（" + l.t(myRegime.labelJa, myRegime.labelEn) + "）")),
            standingTable(req, myStanding, caption: l.t("\(showMonth(month, l))の上限に対する状況", "Limits for \(month.iso)")),
            el("p", link("/overtime/time-off", l.t("超勤代休時間（60時間を超えた分の代休）", "Time off for overtime over 60 hours"))),
            el("h2", txt(l.t("あなたへの命令", "Orders to you"))),
            myOrders.isEmpty ? el("p", cls("muted"), txt(l.t("この月の命令はありません。", "No orders this month."))) :
                ordersTable(req, myOrders, staffById: [me.id: me], today: today, mode: .mine),
        ]

        if p.isApprover || p.isHR {
            let ids: [UUID]?
            if let depts = scope.visibleDepartments {
                ids = try await req.sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
                    .where("department_id", .in, SQLBind.group(Array(depts))).all(decodingColumn: "id", as: UUID.self)
            } else { ids = nil }
            let inScope = try await OvertimeRepository.orders(req.sql, municipalityId: p.municipalityId, staffIds: ids, from: month.first, to: month.last)
                .filter { $0.order.staffId != me.id }
            let staffById = try await StaffRepository.find(req.sql, ids: Set(inScope.map(\.order.staffId)))
            let decidable = inScope.filter { staffById[$0.order.staffId].map(scope.canApprove) ?? false }
            let waiting = decidable.filter { $0.status == .reported }

            // standing of everyone with orders this month (the limits only move with orders)
            var watch: [(StaffRow, LimitStanding)] = []
            let watched = Array(Set(decidable.map(\.order.staffId)).prefix(300))
            let counted = try await OvertimeRepository.countedMinutes(req.sql, municipalityId: p.municipalityId, staffIds: watched, month: month, rules: rules)
            for sid in watched {
                guard let s = staffById[sid] else { continue }
                let st = OvertimeLimits.standing(month: month, minutes: counted[sid] ?? [:], regime: workloads.regime(s.departmentId, month: month), rules: rules)
                if st.worst >= .approaching || st.doctorInterview { watch.append((s, st)) }
            }
            watch.sort { ($0.1.worst, $0.1.findings.first?.value ?? 0) > ($1.1.worst, $1.1.findings.first?.value ?? 0) }

            // 特例業務 past the limits needs 要因の整理・分析・検証 once per person and fiscal year
            let fy = FiscalYear(containing: month.first)
            let specialIds = try await req.sql.select().column("staff_id").from("overtime_orders").where("municipality_id", .equal, SQLBind(p.municipalityId))
                .where("special_case", .equal, SQLBind(true)).where("date", .greaterThanOrEqual, SQLBind(fy.first.iso)).where("date", .lessThanOrEqual, SQLBind(fy.last.iso))
                .all(decodingColumn: "staff_id", as: UUID.self)
            let analyses = try await req.sql.select().column("*").from("overtime_analyses").where("municipality_id", .equal, SQLBind(p.municipalityId))
                .where("fiscal_year", .equal, SQLBind(fy.startYear)).all(decoding: OvertimeAnalysisRow.self, with: rowDecoder)
            let analysed = Set(analyses.map(\.staffId))
            let specialStaff = try await StaffRepository.find(req.sql, ids: Set(specialIds).union(analyses.map(\.staffId))).values
                .filter { scope.canApprove(for: $0) }.sorted { $0.staffNumber < $1.staffNumber }
            let due = specialStaff.filter { !analysed.contains($0.id) }
            content += [
                el("h3", attr("id", "analyses"), txt(l.t("特例業務の要因の整理・分析・検証（\(fy.startYear)年度）", "Special-case analyses (FY\(fy.startYear))"))),
                due.isEmpty ? el("p", cls("muted"), txt(l.t("記録が必要な職員はいません。", "No analysis is due."))) :
                    el("ul", due.map { s in el("li", txt(l.t("記録が必要：", "Due: ") + "\(s.fullName)（\(s.staffNumber)）")) }),
                analyses.isEmpty ? .empty : el("ul", analyses.compactMap { a in
                    specialStaff.first { $0.id == a.staffId }.map { s in el("li", txt(l.t("記録済み：", "Recorded: ") + "\(s.fullName)（\(s.staffNumber)）— \(a.factors.prefix(40))")) }
                }),
                due.isEmpty ? .empty : analysisForm(req, fy: fy, form: AnalysisForm(staff_number: due.first?.staffNumber), errors: [:]),
            ]
            content += [
                el("h2", txt(l.t("所属職員の超過勤務", "Your staff's overtime"))),
                el("p", link("/overtime/new", l.t("超過勤務を命令する", "Order overtime"), cls("button"))),
                el("h3", txt(l.t("確認待ち（実績の報告があったもの）", "Reports waiting for your confirmation"))),
                waiting.isEmpty ? el("p", cls("muted"), txt(l.t("確認待ちはありません。", "Nothing is waiting."))) :
                    ordersTable(req, waiting, staffById: staffById, today: today, mode: .decide),
                el("h3", txt(l.t("上限に近い・超えた職員", "Staff near or over a limit"))),
                watch.isEmpty ? el("p", cls("muted"), txt(l.t("上限の80%に達した職員はいません。", "Nobody has reached 80% of a limit."))) :
                    watchTable(req, watch),
                el("h3", txt(l.t("この月の命令", "Orders this month"))),
                decidable.isEmpty ? el("p", cls("muted"), txt(l.t("命令はありません。", "No orders."))) :
                    ordersTable(req, Array(decidable.prefix(500)), staffById: staffById, today: today, mode: .decide),
            ]
        }
        if p.isHR {
            content += try await exemptionSection(req, scope: scope, form: ExemptionForm(), errors: [:])
        }
        return Pages.html(Pages.layout(req, title: l.t("超過勤務", "Overtime"), content, flash: req.takeFlash()))
    }

    static func monthNav(_ req: Request, _ month: YearMonth) -> N {
        let l = req.lang
        return el("nav", attr("aria-label", l.t("月の切り替え", "Month")), cls("month-nav"),
                  link("/overtime?month=\(month.previous.iso)", l.t("前の月", "Previous month")), txt(" "),
                  el("strong", txt(showMonth(month, l))), txt(" "),
                  link("/overtime?month=\(month.next.iso)", l.t("次の月", "Next month")))
    }

    static func hours(_ minutes: Int) -> String { formatDuration(minutes) }

    static func levelText(_ lv: LimitFinding.Level, _ l: Lang) -> String {
        switch lv {
        case .ok: l.t("範囲内", "Within")
        case .approaching: l.t("注意（80%以上）", "Warning (80% or more)")
        case .atLimit: l.t("上限に到達", "At the limit")
        case .exceeded: l.t("上限超過", "Over the limit")
        }
    }

    /// The limits as a table, each with a bar drawn beside its figures.
    static func standingTable(_ req: Request, _ s: LimitStanding, caption: String) -> N {
        let l = req.lang
        return el("div", tableRegion(caption), el("table", cls("standing"),
            el("caption", txt(caption)),
            el("thead", el("tr", [l.t("上限", "Limit"), l.t("実績・予定", "So far"), l.t("割合", "Share"), l.t("状態", "Status")]
                .map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", s.findings.map { f in
                let value: String = {
                    switch f.kind {
                    case .monthsOver: l.t("\(f.value)回", "\(f.value)")
                    case .average: l.t("平均 ", "avg ") + hours(f.value)
                    default: hours(f.value)
                    }
                }()
                return el("tr", cls("level-\(f.level)"),
                          el("th", attr("scope", "row"), txt(l.t(f.labelJa, f.labelEn))),
                          el("td", txt(value)),
                          el("td", bar(f.percent), txt(" \(f.percent)%")),
                          el("td", txt(levelText(f.level, l))))
            })),
            s.doctorInterview ? el("p", cls("alert"), attr("role", "alert"),
                                   txt(l.t("医師による面接指導の対象です（月100時間以上、または2〜6か月平均80時間超）。人事課に連絡してください。",
                                           "A doctor's interview is due (100h in a month, or a 2–6-month average over 80h). Contact HR."))) : .empty)
    }

    /// A bar of `percent` (capped at 150%) with the 80% and 100% marks; the figure itself is in the next cell.
    static func bar(_ percent: Int) -> N {
        let w = 120.0, p = Double(min(max(percent, 0), 150)) / 150.0
        let color = percent > 100 ? "#b3261e" : percent >= 80 ? "#8a5a00" : "#1a4fa0"
        let svg = "<svg class=\"bar\" width=\"\(Int(w))\" height=\"12\" viewBox=\"0 0 \(Int(w)) 12\" aria-hidden=\"true\" focusable=\"false\">"
            + "<rect x=\"0\" y=\"1\" width=\"\(Int(w))\" height=\"10\" fill=\"#eee\"/>"
            + "<rect x=\"0\" y=\"1\" width=\"\(String(format: "%.1f", w * p))\" height=\"10\" fill=\"\(color)\"/>"
            + "<line x1=\"\(String(format: "%.1f", w * 80 / 150))\" y1=\"0\" x2=\"\(String(format: "%.1f", w * 80 / 150))\" y2=\"12\" stroke=\"#555\"/>"
            + "<line x1=\"\(String(format: "%.1f", w * 100 / 150))\" y1=\"0\" x2=\"\(String(format: "%.1f", w * 100 / 150))\" y2=\"12\" stroke=\"#000\" stroke-width=\"2\"/></svg>"
        return .raw(svg)
    }

    static func watchTable(_ req: Request, _ rows: [(StaffRow, LimitStanding)]) -> N {
        let l = req.lang
        return el("div", tableRegion(l.t("上限に近い職員", "Staff near a limit")), el("table",
            el("caption", cls("muted"), txt(l.t("上限の80%以上の職員", "Staff at 80% of a limit or more"))),
            el("thead", el("tr", [l.t("職員", "Staff"), l.t("最も近い上限", "Nearest limit"), l.t("割合", "Share"), l.t("状態", "Status"), l.t("面接指導", "Doctor")]
                .map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", rows.map { (s, st) in
                let f = st.findings.max { ($0.level, $0.percent) < ($1.level, $1.percent) }
                return el("tr", el("th", attr("scope", "row"), txt("\(s.fullName)（\(s.staffNumber)）")),
                          el("td", txt(f.map { l.t($0.labelJa, $0.labelEn) } ?? "")),
                          el("td", txt(f.map { "\($0.percent)%" } ?? "")),
                          el("td", txt(levelText(st.worst, l))),
                          el("td", txt(st.doctorInterview ? l.t("対象", "Due") : "")))
            })))
    }

    enum TableMode { case mine, decide }

    static func ordersTable(_ req: Request, _ orders: [OvertimeOrderRecord], staffById: [UUID: StaffRow], today: CalendarDate, mode: TableMode) -> N {
        let l = req.lang
        let caption = mode == .mine ? l.t("あなたへの超過勤務命令", "Overtime ordered for you") : l.t("超過勤務命令", "Overtime orders")
        return el("div", tableRegion(caption), el("table",
            el("caption", cls("muted"), txt(caption)),
            el("thead", el("tr", ([l.t("日付", "Date")] + (mode == .decide ? [l.t("職員", "Staff")] : [])
                                  + [l.t("命令時間", "Ordered"), l.t("理由", "Reason"), l.t("実績", "Actual"), l.t("状態", "Status"), l.t("操作", "Action")])
                .map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", orders.map { o in
                let d = o.order.day
                let s = staffById[o.order.staffId]
                let tags = [o.order.urgent ? l.t("事後（緊急）", "after the fact") : nil, o.order.specialCase ? l.t("特例業務", "special case") : nil].compactMap { $0 }
                let actual = (o.confirmation?.range ?? o.report?.range).map { "\(hours($0.start))〜\(hours($0.end))" } ?? ""
                var action: N = .empty
                if mode == .mine, o.status == .ordered, let d, d <= today { action = reportForm(req, o) }
                if mode == .decide, o.status == .reported { action = decisionForm(req, o, kind: "confirmed") }
                if mode == .decide, o.status == .ordered { action = decisionForm(req, o, kind: "cancelled") }
                return el("tr",
                          el("td", txt(d.map { showDate($0, l, weekday: true) } ?? o.order.date)),
                          mode == .decide ? el("th", attr("scope", "row"), txt(s.map { "\($0.fullName)（\($0.staffNumber)）" } ?? "")) : .empty,
                          el("td", txt("\(hours(o.order.startMinute))〜\(hours(o.order.endMinute))" + (tags.isEmpty ? "" : "（\(tags.joined(separator: "・"))）"))),
                          el("td", txt(o.order.reason)),
                          el("td", txt(actual)),
                          el("td", txt(l.t(o.status.labelJa, o.status.labelEn))),
                          el("td", action))
            })))
    }

    static func reportForm(_ req: Request, _ o: OvertimeOrderRecord) -> N {
        let l = req.lang
        let id = o.order.id.uuidString
        return el("form", attr("method", "post"), attr("action", "/overtime/\(id)/report"), cls("inline-form"),
                  hidden("_csrf", req.csrfToken),
                  el("label", attr("for", "start-\(id)"), txt(l.t("開始", "Start"))),
                  void("input", [("id", "start-\(id)"), ("name", "start"), ("type", "text"), ("inputmode", "numeric"), ("size", "5"), ("value", hours(o.order.startMinute)), ("required", "")]),
                  el("label", attr("for", "end-\(id)"), txt(l.t("終了", "End"))),
                  void("input", [("id", "end-\(id)"), ("name", "end"), ("type", "text"), ("inputmode", "numeric"), ("size", "5"), ("value", hours(o.order.endMinute)), ("required", "")]),
                  el("button", attr("type", "submit"), txt(l.t("実績を報告", "Report actual time"))))
    }

    static func decisionForm(_ req: Request, _ o: OvertimeOrderRecord, kind: String) -> N {
        let l = req.lang
        return el("form", attr("method", "post"), attr("action", "/overtime/\(o.order.id.uuidString)/\(kind == "confirmed" ? "confirm" : "cancel")"),
                  cls("inline-form"), hidden("_csrf", req.csrfToken),
                  el("button", attr("type", "submit"), kind == "confirmed" ? .empty : cls("secondary"),
                     txt(kind == "confirmed" ? l.t("確認する", "Confirm") : l.t("命令を取り消す", "Cancel the order"))))
    }

    // MARK: - Ordering

    struct OrderForm: Content {
        var staff_number: String? = nil
        var date: String? = nil
        var start: String? = nil
        var end: String? = nil
        var reason: String? = nil
        var urgent: String? = nil
        var special_case: String? = nil
        var special_reason: String? = nil
    }

    static func orderForm(_ req: Request, form: OrderForm, errors: [String: String], warning: N = .empty,
                          status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        // the approver's own staff as suggestions (HR types any 職員番号)
        var suggestions: [StaffRow] = []
        if let depts = scope.visibleDepartments, !depts.isEmpty {
            suggestions = try await req.sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
                .where("department_id", .in, SQLBind.group(Array(depts))).where("active", .equal, SQLBind(true)).orderBy("staff_number").limit(500)
                .all(decoding: StaffRow.self, with: rowDecoder).filter { $0.id != p.staffId }
        }
        let html = Pages.layout(req, title: l.t("超過勤務の命令", "Order overtime"), [
            el("h1", txt(l.t("超過勤務の命令", "Order overtime"))),
            el("p", txt(l.t("超過勤務は事前に命令します。上限（自律部署 月45時間・年360時間、他律部署 月100時間未満・年720時間・2〜6か月平均80時間）を超える命令は、特例業務の指定と理由が必要です。",
                            "Overtime is ordered in advance. An order that would break a limit (self-paced: 45h a month, 360h a year; externally driven: under 100h a month, 720h a year, 2–6-month averages of 80h) needs a special-case designation and its reason."))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            warning,
            el("form", attr("method", "post"), attr("action", "/overtime"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "staff_number", label: l.t("職員番号（必須）", "Staff number (required)"), error: errors["staff"]) { d in
                   .group([input(id: "staff_number", name: "staff_number", value: form.staff_number ?? req.query[String.self, at: "staff"] ?? "", describedBy: d,
                                 required: true, invalid: errors["staff"] != nil, extra: [("list", suggestions.isEmpty ? nil : "staff-options"), ("autocomplete", "off")]),
                           suggestions.isEmpty ? .empty : el("datalist", [attr("id", "staff-options")] + suggestions.map { s in
                               el("option", attr("value", s.staffNumber), txt("\(s.fullName)（\(scope.tree.path(s.departmentId))）"))
                           })])
               },
               field(id: "date", label: l.t("日付（必須）", "Date (required)"), error: errors["date"]) { d in
                   input(id: "date", name: "date", type: "date", value: form.date ?? today.iso, describedBy: d, required: true, invalid: errors["date"] != nil)
               },
               field(id: "start", label: l.t("開始時刻（必須）", "Start (required)"), error: errors["start"], hint: l.t("例：17:15", "e.g. 17:15")) { d in
                   input(id: "start", name: "start", value: form.start ?? "17:15", describedBy: d, required: true, invalid: errors["start"] != nil, extra: [("inputmode", "numeric")])
               },
               field(id: "end", label: l.t("終了時刻（必須）", "End (required)"), error: errors["end"], hint: l.t("例：19:15。日をまたぐときは 25:30 のように", "e.g. 19:15; past midnight, 25:30")) { d in
                   input(id: "end", name: "end", value: form.end ?? "", describedBy: d, required: true, invalid: errors["end"] != nil, extra: [("inputmode", "numeric")])
               },
               field(id: "reason", label: l.t("業務の内容・理由（必須）", "Work and reason (required)"), error: errors["reason"], hint: l.t("例：議会答弁資料の作成", "e.g. preparing answers for the assembly")) { d in
                   el("textarea", attr("id", "reason"), attr("name", "reason"), attr("rows", "2"), attr("maxlength", "500"), attr("required", ""),
                      attr("aria-describedby", d), errors["reason"] != nil ? attr("aria-invalid", "true") : .empty, txt(form.reason ?? ""))
               },
               el("div", cls("field"), el("label",
                  void("input", [("type", "checkbox"), ("name", "urgent"), ("value", "1"), ("id", "urgent")] + (form.urgent != nil ? [("checked", "")] : [])),
                  txt(l.t("緊急のため事後に命令する（過去の日）", "Urgent, ordered after the fact (a past day)")))),
               el("fieldset", cls(errors["special_case"] != nil ? "field has-error" : "field"),
                  el("legend", txt(l.t("特例業務（上限を超える場合のみ）", "Special case (only to exceed a limit)"))),
                  errors["special_case"].map { el("p", attr("id", "special_case-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                  el("label", void("input", [("type", "checkbox"), ("name", "special_case"), ("value", "1"), ("id", "special_case"),
                                             ("aria-describedby", errors["special_case"] != nil ? "special_case-error" : nil),
                                             ("aria-invalid", errors["special_case"] != nil ? "true" : nil)]
                                            + (form.special_case != nil ? [("checked", "")] : [])),
                     txt(l.t("大規模災害への対処等、重要な業務で特に緊急に処理を要するものとして命令する", "Order as important, urgent work (e.g. a large disaster)"))),
                  field(id: "special_reason", label: l.t("特例とする理由", "Why it is a special case"), error: errors["special_reason"]) { d in
                      el("textarea", attr("id", "special_reason"), attr("name", "special_reason"), attr("rows", "2"), attr("maxlength", "500"),
                         attr("aria-describedby", d), errors["special_reason"] != nil ? attr("aria-invalid", "true") : .empty, txt(form.special_reason ?? ""))
                  }),
               el("button", attr("type", "submit"), txt(l.t("命令する", "Order"))))
        ])
        return Pages.html(html, status: status)
    }

    /// A valid order, ready to be checked against the limits.
    struct ValidOrder { var staff: StaffRow; var date: CalendarDate; var range: MinuteRange; var reason: String; var urgent: Bool; var special: Bool; var specialReason: String? }

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let form = try req.content.decode(OrderForm.self)
        let zone = scope.municipality.zone
        let today = CalendarDate(Date(), in: zone)
        var errors: [String: String] = [:]

        var staff: StaffRow?
        let number = (form.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        if number.isEmpty { errors["staff"] = l.t("職員番号を入力してください。", "Enter the staff number.") }
        else if let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number), s.active, scope.canApprove(for: s) { staff = s }
        else if number == p.staffNumber { errors["staff"] = l.t("自分に超過勤務を命令することはできません。", "You cannot order overtime for yourself.") }
        else { errors["staff"] = l.t("この職員番号の、あなたが命令できる職員はいません。", "No one you may order has this staff number.") }
        let date = form.date.flatMap(CalendarDate.init(iso:))
        if date == nil { errors["date"] = l.t("日付を正しく入力してください（例：2026-11-24）。", "Enter a valid date (e.g. 2026-11-24).") }
        let start = form.start.flatMap { WeeklySchedule.parseClock($0) }
        if start == nil || (start ?? 0) >= 1440 { errors["start"] = l.t("開始時刻を正しく入力してください（例：17:15）。", "Enter a valid start (e.g. 17:15).") }
        let end = form.end.flatMap { WeeklySchedule.parseClock($0) }
        if end == nil { errors["end"] = l.t("終了時刻を正しく入力してください（例：19:15、日をまたぐときは25:30）。", "Enter a valid end (e.g. 19:15, or 25:30 past midnight).") }
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty { errors["reason"] = l.t("業務の内容・理由を入力してください。", "Enter the work and the reason.") }
        else if reason.count > 500 { errors["reason"] = l.t("500文字以内で入力してください。", "Keep it within 500 characters.") }
        let special = form.special_case != nil
        let specialReason = (form.special_reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if specialReason.count > 500 { errors["special_reason"] = l.t("500文字以内で入力してください。", "Keep it within 500 characters.") }
        if special && specialReason.isEmpty { errors["special_reason"] = l.t("特例とする理由を入力してください。", "Give the reason for the special case.") }

        if errors.isEmpty, let staff, let date, let start, let end {
            let v = ValidOrder(staff: staff, date: date, range: MinuteRange(start: start, end: end), reason: reason, urgent: form.urgent != nil,
                               special: special, specialReason: special ? specialReason : nil)
            if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId, date: date, tree: scope.tree) {
                errors["date"] = l.t("\(showMonth(YearMonth(date), l))は締め済みです。人事課に連絡してください。", "\(YearMonth(date).iso) is closed. Contact HR.")
            }
            for problem in try await problems(req, scope: scope, v, today: today) where errors[problem.field] == nil {
                errors[problem.field] = l.t(problem.messageJa, problem.messageEn)
            }
            if errors.isEmpty {
                let check = try await limitCheck(req.sql, scope: scope, v)
                if !check.newlyExceeded.isEmpty && !v.special {
                    errors["special_case"] = l.t("この命令で上限を超えます。特例業務として命令する場合はチェックし、理由を入力してください。",
                                                 "This order breaks a limit. To order it as a special case, tick the box and give the reason.")
                    return try await orderForm(req, form: form, errors: errors, warning: limitWarning(req, check, staff: staff), status: .unprocessableEntity)
                }
                try await save(req, scope: scope, v)
                var flash = l.t("\(staff.fullName)さんに \(showDate(date, l)) \(hours(start))〜\(hours(end)) の超過勤務を命令しました。",
                                "Ordered overtime for \(staff.fullName): \(date.iso) \(hours(start))–\(hours(end)).")
                let near = check.after.findings.filter { $0.level >= .approaching }
                if !near.isEmpty {
                    flash += l.t(" 注意：", " Note: ") + near.map { "\(l.t($0.labelJa, $0.labelEn)) \($0.percent)%" }.joined(separator: "、")
                }
                if check.after.doctorInterview { flash += l.t(" 医師による面接指導の対象になります。", " A doctor's interview is due.") }
                req.session.data["flash"] = flash
                return req.redirect(to: "/overtime?month=\(YearMonth(date).iso)")
            }
        }
        return try await orderForm(req, form: form, errors: errors, status: .unprocessableEntity)
    }

    static func problems(_ req: Request, scope: Scope, _ v: ValidOrder, today: CalendarDate) async throws -> [OvertimeOrderProblem] {
        let holidays = scope.municipality.holidays
        let schedule = try await ScheduleRepository.timeline(req.sql, staff: v.staff).requiredHours(on: v.date, isHoliday: holidays.isHoliday(v.date))
        let sameDay = try await OvertimeRepository.orders(req.sql, municipalityId: v.staff.municipalityId, staffIds: [v.staff.id], from: v.date, to: v.date)
            .filter { $0.status != .cancelled }.map(\.order.range)
        let exemptions = try await OvertimeRepository.exemptions(req.sql, staffId: v.staff.id).compactMap(\.exemption)
        return OvertimeOrders.check(date: v.date, range: v.range, today: today, urgent: v.urgent, schedule: schedule, existing: sameDay, exemptions: exemptions)
    }

    static func limitCheck(_ sql: any SQLDatabase, scope: Scope, _ v: ValidOrder) async throws
        -> (before: LimitStanding, after: LimitStanding, newlyExceeded: [LimitFinding]) {
        let month = YearMonth(v.date)
        let rules = OvertimeLimitRules.national
        let workloads = WorkloadMap(try await OvertimeRepository.workloads(sql, municipalityId: v.staff.municipalityId), tree: scope.tree)
        let minutes = try await OvertimeRepository.countedMinutes(sql, municipalityId: v.staff.municipalityId, staffId: v.staff.id, month: month, rules: rules)
        return OvertimeLimits.prospective(month: month, minutes: minutes, adding: v.range.length,
                                          regime: workloads.regime(v.staff.departmentId, month: month), rules: rules)
    }

    static func limitWarning(_ req: Request, _ check: (before: LimitStanding, after: LimitStanding, newlyExceeded: [LimitFinding]), staff: StaffRow) -> N {
        let l = req.lang
        return el("section", cls("warning"), attr("aria-labelledby", "limit-warning"),
                  el("h2", attr("id", "limit-warning"), txt(l.t("上限を超える命令です", "This order breaks a limit"))),
                  el("p", txt(l.t("\(staff.fullName)さんは、この命令で次の上限を超えます：", "With this order, \(staff.fullName) would break: ")
                              + check.newlyExceeded.map { l.t($0.labelJa, $0.labelEn) }.joined(separator: "、"))),
                  standingTable(req, check.after, caption: l.t("この命令を含めた状況", "Standing with this order")))
    }

    static func save(_ req: Request, scope: Scope, _ v: ValidOrder) async throws {
        let p = scope.principal
        let row = OvertimeOrderRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: v.staff.id, departmentId: v.staff.departmentId,
                                   date: v.date.iso, startMinute: v.range.start, endMinute: v.range.end, reason: v.reason, urgent: v.urgent,
                                   specialCase: v.special, specialReason: v.specialReason, orderedBy: p.staffId, orderedAtMs: nowMs())
        let language = req.lang
        let notes = Notifications.make(municipalityId: p.municipalityId, to: [v.staff.id], kind: "overtime.ordered",
                                       ja: "超過勤務が命令されました（\(showDate(v.date, .ja)) \(hours(v.range.start))〜\(hours(v.range.end))、\(v.reason)）",
                                       en: "Overtime was ordered for you (\(v.date.iso) \(hours(v.range.start))–\(hours(v.range.end)), \(v.reason))",
                                       link: "/overtime?month=\(YearMonth(v.date).iso)")
        try await req.yakuba.writer.perform { _, sql in
            // checked again inside the writer, so two orders at once cannot both slip under a limit
            if !v.special, try await !limitCheck(sql, scope: scope, v).newlyExceeded.isEmpty {
                throw ProblemError(status: .conflict, title: language.t("他の命令と同時になり、上限を超えることになりました。もう一度確認してください。",
                                                                        "Another order came first and this one now breaks a limit. Check again."))
            }
            try await sql.insert(into: "overtime_orders").model(row, with: rowEncoder).run()
            try await Notifications.insert(notes, sql)
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "overtime.ordered", subjectId: row.id.uuidString.lowercased(), fact: row)]
        }
        await Notifications.deliver(req, notes)
    }

    // MARK: - Report, confirm, cancel

    struct ReportForm: Content { var start: String?; var end: String? }

    static func loadOrder(_ req: Request, scope: Scope) async throws -> (OvertimeOrderRecord, StaffRow) {
        guard let id = req.parameters.get("id", as: UUID.self), let o = try await OvertimeRepository.find(req.sql, id: id),
              let s = try await StaffRepository.find(req.sql, id: o.order.staffId), scope.canView(s) else {
            throw ProblemError(status: .notFound, title: req.lang.t("命令が見つかりません。", "Order not found."))
        }
        return (o, s)
    }

    static func report(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let (o, _) = try await loadOrder(req, scope: scope)
        guard o.order.staffId == p.staffId else {
            throw ProblemError(status: .forbidden, title: l.t("実績は命令を受けた本人が報告します。", "Only the person ordered reports the actual time."))
        }
        guard o.status == .ordered else {
            throw ProblemError(status: .conflict, title: l.t("この命令はすでに報告・確認・取消されています。", "This order was already reported, confirmed or cancelled."))
        }
        let f = try req.content.decode(ReportForm.self)
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        var errors: [String: String] = [:]
        let start = f.start.flatMap { WeeklySchedule.parseClock($0) }, end = f.end.flatMap { WeeklySchedule.parseClock($0) }
        if start == nil || (start ?? 0) >= 1440 { errors["start"] = l.t("開始時刻を正しく入力してください（例：17:15）。", "Enter a valid start (e.g. 17:15).") }
        if end == nil { errors["end"] = l.t("終了時刻を正しく入力してください（例：19:15）。", "Enter a valid end (e.g. 19:15).") }
        if let s = start, let e = end, e <= s { errors["end"] = l.t("終了時刻は開始時刻より後にしてください。", "The end must be after the start.") }
        if let s = start, let e = end, e - s > OvertimeOrders.maxOrderMinutes { errors["end"] = l.t("16時間を超える報告はできません。", "A report covers at most 16 hours.") }
        if let d = o.order.day, d > today { errors["date"] = l.t("実績は当日以降に報告してください。", "Report the actual time on or after the day.") }
        guard errors.isEmpty, let start, let end else {
            throw ProblemError(status: .unprocessableEntity, title: errors.values.sorted().joined(separator: " "), errors: errors)
        }
        let ev = OvertimeEventRow(id: UUID.timeOrdered(), orderId: o.order.id, kind: "reported", startMinute: start, endMinute: end, note: "", actorId: p.staffId, atMs: nowMs())
        try await writeEvent(req, ev, order: o, scope: scope)
        req.session.data["flash"] = l.t("実績を報告しました。所属長の確認をお待ちください。", "Reported; waiting for confirmation.")
        return req.redirect(to: "/overtime?month=\(o.order.day.map { YearMonth($0).iso } ?? "")")
    }

    static func decide(_ req: Request, kind: String) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let (o, staff) = try await loadOrder(req, scope: scope)
        guard scope.canApprove(for: staff) else {
            throw ProblemError(status: .forbidden, title: l.t("自分の命令や担当外の命令は確認・取消できません。", "You cannot confirm or cancel your own order or one outside your departments."))
        }
        var range: MinuteRange? = nil
        if kind == "confirmed" {
            guard o.status == .reported, let actual = o.report?.range else {
                throw ProblemError(status: .conflict, title: l.t("実績の報告がまだないか、すでに確認・取消されています。", "There is no report yet, or it was already decided."))
            }
            range = OvertimeOrders.paidRange(ordered: o.order.range, actual: actual, urgent: o.order.urgent) ?? MinuteRange(start: actual.start, end: actual.start)
        } else {
            guard o.status == .ordered else {
                throw ProblemError(status: .conflict, title: l.t("報告済み・確認済みの命令は取り消せません。", "A reported or confirmed order cannot be cancelled."))
            }
        }
        let ev = OvertimeEventRow(id: UUID.timeOrdered(), orderId: o.order.id, kind: kind, startMinute: range?.start, endMinute: range?.end, note: "",
                                  actorId: p.staffId, atMs: nowMs())
        try await writeEvent(req, ev, order: o, scope: scope)
        req.session.data["flash"] = kind == "confirmed"
            ? l.t("確認しました（支給対象 \(hours(range?.length ?? 0))）。", "Confirmed (paid: \(hours(range?.length ?? 0))).")
            : l.t("命令を取り消しました。", "The order was cancelled.")
        return req.redirect(to: "/overtime?month=\(o.order.day.map { YearMonth($0).iso } ?? "")")
    }

    static func writeEvent(_ req: Request, _ ev: OvertimeEventRow, order o: OvertimeOrderRecord, scope: Scope) async throws {
        let language = req.lang
        let municipalityId = o.order.municipalityId, actor = ev.actorId
        if let d = o.order.day,
           try await CloseService.isClosed(req.sql, municipalityId: municipalityId, departmentId: o.order.departmentId, date: d, tree: scope.tree) {
            throw ProblemError(status: .conflict, title: language.t("この命令の月は締め済みです。人事課に連絡してください。", "The month of this order is closed. Contact HR."))
        }
        var notes: [NotificationRow] = []
        if ev.kind == "reported" {
            notes = Notifications.make(municipalityId: municipalityId, to: [o.order.orderedBy], kind: "overtime.reported",
                                       ja: "超過勤務の実績報告があります（\(o.order.date)）", en: "An overtime report is waiting (\(o.order.date))",
                                       link: "/overtime?month=\(o.order.day.map { YearMonth($0).iso } ?? "")")
        }
        let pending = notes
        do {
            try await req.yakuba.writer.perform { _, sql in
                // the unique (order, kind) index makes a second report or decision fail instead of overwriting
                try await sql.insert(into: "overtime_order_events").model(ev, with: rowEncoder).run()
                try await Notifications.insert(pending, sql)
                return [LedgerDraft(municipalityId: municipalityId, actorId: actor, type: "overtime.\(ev.kind)", subjectId: ev.orderId.uuidString.lowercased(), fact: ev)]
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw ProblemError(status: .conflict, title: language.t("すでに処理されています。", "This was already done."))
        }
        await Notifications.deliver(req, pending)
    }

    // MARK: - 要因の整理・分析・検証

    struct AnalysisForm: Content {
        var staff_number: String? = nil; var fiscal_year: String? = nil; var factors: String? = nil; var analysis: String? = nil; var verification: String? = nil
    }

    static func analysisForm(_ req: Request, fy: FiscalYear, form f: AnalysisForm, errors: [String: String]) -> N {
        let l = req.lang
        func area(_ id: String, _ label: String, _ value: String?) -> N {
            field(id: "an_\(id)", label: label, error: errors[id]) { d in
                el("textarea", attr("id", "an_\(id)"), attr("name", id), attr("rows", "3"), attr("maxlength", "2000"), attr("required", ""),
                   attr("aria-describedby", d), errors[id] != nil ? attr("aria-invalid", "true") : .empty, txt(value ?? ""))
            }
        }
        return el("form", attr("method", "post"), attr("action", "/overtime/analyses"), attr("novalidate", ""),
                  hidden("_csrf", req.csrfToken), hidden("fiscal_year", "\(fy.startYear)"),
                  errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
                  field(id: "an_staff", label: l.t("職員番号", "Staff number"), error: errors["staff_number"]) { d in
                      input(id: "an_staff", name: "staff_number", value: f.staff_number ?? "", describedBy: d, required: true, invalid: errors["staff_number"] != nil)
                  },
                  area("factors", l.t("要因の整理（どの業務がなぜ増えたか）", "Factors (which work grew, and why)"), f.factors),
                  area("analysis", l.t("分析（上限を超えた理由と、避けられなかったか）", "Analysis (why the limit was exceeded, and whether it could be avoided)"), f.analysis),
                  area("verification", l.t("検証（今後の対策）", "Verification (what will change)"), f.verification),
                  el("button", attr("type", "submit"), txt(l.t("記録する", "Record"))))
    }

    static func addAnalysis(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(AnalysisForm.self)
        var errors: [String: String] = [:]
        var staff: StaffRow?
        let number = (f.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        if let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number), scope.canApprove(for: s) { staff = s }
        else { errors["staff_number"] = l.t("あなたが記録できる職員の職員番号を入力してください。", "Give the staff number of someone you manage.") }
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let fy = f.fiscal_year.flatMap(Int.init).map(FiscalYear.init(startYear:)) ?? FiscalYear(containing: today)
        var texts: [String: String] = [:]
        for (k, v) in [("factors", f.factors), ("analysis", f.analysis), ("verification", f.verification)] {
            let t = (v ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty || t.count > 2000 { errors[k] = l.t("2000文字以内で入力してください（必須）。", "Required; up to 2000 characters.") }
            texts[k] = t
        }
        if errors.isEmpty, let staff {
            let done = try await req.sql.select().column("id").from("overtime_analyses").where("staff_id", .equal, SQLBind(staff.id))
                .where("fiscal_year", .equal, SQLBind(fy.startYear)).first()
            if done != nil { errors["staff_number"] = l.t("この職員の\(fy.startYear)年度の記録はすでにあります。", "This person's FY\(fy.startYear) analysis is already recorded.") }
        }
        guard errors.isEmpty, let staff else {
            return Pages.html(Pages.layout(req, title: l.t("要因の整理・分析・検証", "Special-case analysis"),
                                           [el("h1", txt(l.t("要因の整理・分析・検証", "Special-case analysis"))), analysisForm(req, fy: fy, form: f, errors: errors)]),
                              status: .unprocessableEntity)
        }
        let row = OvertimeAnalysisRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: staff.id, fiscalYear: fy.startYear,
                                      factors: texts["factors"]!, analysis: texts["analysis"]!, verification: texts["verification"]!,
                                      recordedBy: p.staffId, recordedAtMs: nowMs())
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "overtime_analyses").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "overtime.analysis_recorded", subjectId: staff.id.uuidString.lowercased(), fact: row)]
        }
        req.session.data["flash"] = l.t("\(staff.fullName)さんの要因の整理・分析・検証を記録しました。", "Recorded the analysis for \(staff.fullName).")
        return req.redirect(to: "/overtime#analyses")
    }

    // MARK: - Exemptions (HR)

    struct ExemptionForm: Content { var staff_number: String? = nil; var reason: String? = nil; var from: String? = nil; var to: String? = nil }

    static func exemptionSection(_ req: Request, scope: Scope, form: ExemptionForm, errors: [String: String]) async throws -> [N] {
        let l = req.lang
        let rows = try await OvertimeRepository.exemptions(req.sql, municipalityId: scope.principal.municipalityId)
        let staffById = try await StaffRepository.find(req.sql, ids: Set(rows.map(\.staffId)))
        return [
            el("h2", attr("id", "exemptions"), txt(l.t("超過勤務の制限の請求（人事課）", "Requests not to work overtime (HR)"))),
            el("p", txt(l.t("妊娠中・出産後1年以内の職員、3歳未満の子を養育する職員が請求したときは、その期間の超過勤務は命令できません。",
                            "Staff who are pregnant, within a year after childbirth, or caring for a child under 3 may ask not to be ordered overtime; orders in the period are refused."))),
            rows.isEmpty ? .empty : el("div", tableRegion(l.t("請求の一覧", "Requests")), el("table",
                el("caption", cls("muted"), txt(l.t("請求の一覧", "Requests"))),
                el("thead", el("tr", [l.t("職員", "Staff"), l.t("事由", "Reason"), l.t("期間", "Period")].map { el("th", attr("scope", "col"), txt($0)) })),
                el("tbody", rows.map { r in
                    el("tr", el("th", attr("scope", "row"), txt(staffById[r.staffId].map { "\($0.fullName)（\($0.staffNumber)）" } ?? "")),
                       el("td", txt(OvertimeExemptionReason(rawValue: r.reason).map { l.t($0.labelJa, $0.labelEn) } ?? r.reason)),
                       el("td", txt("\(r.fromDate)〜\(r.toDate)")))
                }))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/overtime/exemptions"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "ex_staff", label: l.t("職員番号", "Staff number"), error: errors["staff_number"]) { d in
                   input(id: "ex_staff", name: "staff_number", value: form.staff_number ?? "", describedBy: d, required: true, invalid: errors["staff_number"] != nil)
               },
               field(id: "ex_reason", label: l.t("事由", "Reason"), error: errors["reason"]) { d in
                   select(id: "ex_reason", name: "reason", options: OvertimeExemptionReason.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                          selected: form.reason, describedBy: d, invalid: errors["reason"] != nil)
               },
               field(id: "ex_from", label: l.t("開始日", "From"), error: errors["from"]) { d in
                   input(id: "ex_from", name: "from", type: "date", value: form.from ?? "", describedBy: d, required: true, invalid: errors["from"] != nil)
               },
               field(id: "ex_to", label: l.t("終了日", "To"), error: errors["to"]) { d in
                   input(id: "ex_to", name: "to", type: "date", value: form.to ?? "", describedBy: d, required: true, invalid: errors["to"] != nil)
               },
               el("button", attr("type", "submit"), txt(l.t("登録する", "Record")))),
        ]
    }

    static func addExemption(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(ExemptionForm.self)
        var errors: [String: String] = [:]
        var staff: StaffRow?
        let number = (f.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        if number.isEmpty { errors["staff_number"] = l.t("職員番号を入力してください。", "Enter the staff number.") }
        else if let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number) { staff = s }
        else { errors["staff_number"] = l.t("この職員番号の職員はいません。", "No staff member has this number.") }
        let reason = f.reason.flatMap(OvertimeExemptionReason.init(rawValue:))
        if reason == nil { errors["reason"] = l.t("事由を選んでください。", "Choose the reason.") }
        let from = f.from.flatMap(CalendarDate.init(iso:)), to = f.to.flatMap(CalendarDate.init(iso:))
        if from == nil { errors["from"] = l.t("開始日を入力してください（例：2026-04-01）。", "Enter the first day (e.g. 2026-04-01).") }
        if to == nil { errors["to"] = l.t("終了日を入力してください（例：2027-03-31）。", "Enter the last day (e.g. 2027-03-31).") }
        if let a = from, let b = to, b < a { errors["to"] = l.t("終了日は開始日以降にしてください。", "The last day must not be before the first.") }
        if let a = from, let b = to, b.dayNumber - a.dayNumber > 366 * 4 { errors["to"] = l.t("期間は4年以内にしてください。", "Keep the period within four years.") }
        guard errors.isEmpty, let staff, let reason, let from, let to else {
            var content: [N] = [el("h1", txt(l.t("超過勤務の制限の請求", "Requests not to work overtime")))]
            content += try await exemptionSection(req, scope: scope, form: f, errors: errors)
            return Pages.html(Pages.layout(req, title: l.t("超過勤務の制限の請求", "Requests not to work overtime"), content), status: .unprocessableEntity)
        }
        let row = OvertimeExemptionRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: staff.id, reason: reason.rawValue,
                                       fromDate: from.iso, toDate: to.iso, recordedBy: p.staffId, recordedAtMs: nowMs())
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "overtime_exemptions").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "overtime.exemption_recorded", subjectId: staff.id.uuidString.lowercased(), fact: row)]
        }
        req.session.data["flash"] = l.t("\(staff.fullName)さんの請求を登録しました（\(from.iso)〜\(to.iso)）。", "Recorded for \(staff.fullName) (\(from.iso) to \(to.iso)).")
        return req.redirect(to: "/overtime#exemptions")
    }
}

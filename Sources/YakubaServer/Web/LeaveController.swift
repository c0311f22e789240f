import Foundation
import Vapor
import Fluent
import SQLKit
import YakubaCore

/// 休暇: staff request leave (days, half days, hours); the request goes along its approval route (係長 → 課長, with
/// 代決); on the last approval the days are marked on the attendance book. 有休管理簿 shows each person's 年次休暇.
enum LeaveController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["leave"], access: .signedIn) { req in try await page(req) }
        r.on(.GET, ["leave", "new"], access: .signedIn) { req in try await form(req, form: LeaveForm(), errors: [:]) }
        r.on(.POST, ["leave"], access: .signedIn) { req in try await create(req) }
        r.on(.POST, ["leave", ":id", "withdraw"], access: .signedIn) { req in try await withdraw(req) }
        r.on(.POST, ["leave", ":id", "decision"], access: .signedIn) { req in try await decide(req) }
        r.on(.GET, ["leave", "book", ":staffId"], access: .signedIn) { req in try await book(req) }
        r.on(.GET, ["approvals"], access: .signedIn) { req in try await approvals(req) }
        r.on(.POST, ["approvals", "delegations"], access: OvertimeController.orderers) { req in try await addDelegation(req) }
        r.on(.GET, ["admin", "routes"], access: AdminController.hrOrAdmin) { req in try await routesPage(req, form: RouteForm(), errors: [:]) }
        r.on(.POST, ["admin", "routes"], access: AdminController.hrOrAdmin) { req in try await setRoute(req) }
    }

    /// The catalogue's names (a municipality's settings change what is offered, units, pay and limits, not these).
    static let types = LeaveCatalogue.common
    static let maxAgeDays = 62

    static func typeName(_ code: String, _ l: Lang) -> String {
        LeaveCatalogue.find(code, in: types).map { l.t($0.nameJa, $0.nameEn) } ?? code
    }

    static func stateText(_ s: ApprovalState, route: ApprovalRoute, _ l: Lang) -> String {
        switch s {
        case .pending(let step): l.t("承認待ち（\(route.steps[step].label)）", "Waiting (\(route.steps[step].label))")
        case .approved: l.t("承認済", "Approved")
        case .rejected: l.t("却下", "Rejected")
        case .withdrawn: l.t("取下げ", "Withdrawn")
        case .noApprover: l.t("承認者未設定（人事課に連絡してください）", "No approver set (contact HR)")
        }
    }

    static func when(_ r: LeaveRequestRow, _ l: Lang) -> String {
        let from = CalendarDate(iso: r.fromDate), to = CalendarDate(iso: r.toDate)
        var s = from.map { showDate($0, l, weekday: true) } ?? r.fromDate
        if r.toDate != r.fromDate { s += "〜" + (to.map { showDate($0, l, weekday: true) } ?? r.toDate) }
        if let h = r.half.flatMap(HalfDay.init(rawValue:)) { s += " " + l.t(h.labelJa, h.labelEn) }
        if let a = r.startMinute, let b = r.endMinute { s += " \(formatDuration(a))〜\(formatDuration(b))" }
        return s
    }

    // MARK: - My leave

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        guard let me = try await StaffRepository.find(req.sql, id: p.staffId) else { throw Abort(.forbidden) }
        let routing = try await Routing.load(req.sql, municipalityId: p.municipalityId, tree: scope.tree)
        let rows = try await LeaveRepository.requests(req.sql, municipalityId: p.municipalityId, staffIds: [me.id], limit: 200)
        let records = try await LeaveRepository.records(req.sql, rows, staffById: [me.id: me], routing: routing)
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let annual = AnnualLeaveBook.compute(staff: me, week: try await ScheduleRepository.timeline(req.sql, staff: me).week(on: today), date: today,
                                             requests: annualUses(records), policy: scope.municipality.annualLeavePolicy,
                                             attendance: try await priorYearAttendance(req.sql, muni: scope.municipality, staff: me, date: today))
        let content: [N] = [
            el("h1", txt(l.t("休暇", "Leave"))),
            el("p", link("/leave/new", l.t("休暇を申請する", "Request leave"), cls("button")), txt(" "),
               link("/leave/book/\(me.id.uuidString)", l.t("年次休暇の管理簿を見る", "Annual leave record"))),
            el("h2", txt(l.t("年次休暇の残り", "Annual leave left"))),
            balanceSummary(req, annual),
            el("h2", txt(l.t("自分の申請", "My requests"))),
            records.isEmpty ? el("p", cls("muted"), txt(l.t("申請はありません。", "No requests."))) : requestsTable(req, records, staffById: [me.id: me], mode: .mine),
        ]
        return Pages.html(Pages.layout(req, title: l.t("休暇", "Leave"), content, flash: req.takeFlash()))
    }

    static func annualUses(_ records: [LeaveRecord]) -> [(LeaveRequestRow, approved: Bool)] {
        records.filter { $0.request.typeCode == "annual" && $0.isLive }.map { ($0.request, $0.state == .approved) }
    }

    static func days(_ minutes: Int, perDay: Int, _ l: Lang) -> String {
        let d = minutes / perDay, m = minutes % perDay
        return m == 0 ? l.t("\(d)日", "\(d) days") : l.t("\(d)日と\(formatDuration(m))", "\(d) days \(formatDuration(m))")
    }

    static func balanceSummary(_ req: Request, _ b: AnnualLeaveBook) -> N {
        let l = req.lang
        let per = b.balance.minutesPerDay
        let rows: [(String, String)] = [
            (l.t("対象期間", "Leave year"), "\(showDate(b.yearStart, l))〜\(showDate(b.yearEnd, l))"),
            (l.t("前年からの繰越", "Carried over"), days(b.balance.carriedMinutes, perDay: per, l)),
            (l.t("今年の付与", "Granted this year"), days(b.balance.grantedMinutes, perDay: per, l)),
            (l.t("使用（申請中を含む）", "Used (including pending)"), days(b.balance.usedFromCarried + b.balance.usedFromGrant, perDay: per, l)),
            (l.t("残り", "Left"), days(b.balance.remainingMinutes, perDay: per, l)),
            (l.t("1日の時間数", "Hours a day"), formatDuration(per)),
        ]
        return el("table", cls("summary"), el("caption", cls("muted"), txt(l.t("年次休暇", "Annual leave"))),
                  el("tbody", rows.map { el("tr", el("th", attr("scope", "row"), txt($0.0)), el("td", txt($0.1))) }))
    }

    enum Mode { case mine, decide }

    static func requestsTable(_ req: Request, _ records: [LeaveRecord], staffById: [UUID: StaffRow], mode: Mode) -> N {
        let l = req.lang
        let caption = mode == .mine ? l.t("休暇の申請", "Leave requests") : l.t("承認待ちの休暇申請", "Leave requests waiting for you")
        return el("div", tableRegion(caption), el("table",
            el("caption", cls("muted"), txt(caption)),
            el("thead", el("tr", ((mode == .decide ? [l.t("職員", "Staff")] : []) + [l.t("休暇", "Leave"), l.t("期間", "When"), l.t("時間", "Time"),
                                   l.t("理由", "Reason"), l.t("状態", "Status"), l.t("操作", "Action")]).map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", records.map { r in
                let s = staffById[r.request.staffId]
                let per = s.map { AnnualLeaveBook.minutesPerDay($0.weeklySchedule) } ?? 465
                var action: N = .empty
                if mode == .mine, r.state.isOpen || r.state == .noApprover {
                    action = el("form", attr("method", "post"), attr("action", "/leave/\(r.request.id.uuidString)/withdraw"), cls("inline-form"),
                                hidden("_csrf", req.csrfToken), el("button", attr("type", "submit"), cls("secondary"), txt(l.t("取り下げる", "Withdraw"))))
                }
                if mode == .decide { action = decisionForm(req, r) }
                let history = r.decisions.filter { $0.step >= 0 }.sorted { $0.decidedAtMs < $1.decidedAtMs }.map { d -> String in
                    let who = staffById[d.decidedBy]?.fullName ?? ""
                    let deputy = d.onBehalfOf != nil ? l.t("（代決）", " (deputy)") : ""
                    return "\(r.route.steps.indices.contains(d.step) ? r.route.steps[d.step].label : ""): \(d.outcome == "approved" ? l.t("承認", "approved") : l.t("却下", "rejected"))\(deputy) \(who)"
                        + (d.comment.isEmpty ? "" : "「\(d.comment)」")
                }
                return el("tr",
                          mode == .decide ? el("th", attr("scope", "row"), txt(s.map { "\($0.fullName)（\($0.staffNumber)）" } ?? "")) : .empty,
                          mode == .mine ? el("th", attr("scope", "row"), txt(typeName(r.request.typeCode, l))) : el("td", txt(typeName(r.request.typeCode, l))),
                          el("td", txt(when(r.request, l))),
                          el("td", txt(days(r.request.minutes, perDay: per, l))),
                          el("td", txt(r.request.reason)),
                          el("td", txt(stateText(r.state, route: r.route, l)), history.isEmpty ? .empty : el("ul", [cls("history")] + history.map { el("li", txt($0)) })),
                          el("td", action))
            })))
    }

    static func decisionForm(_ req: Request, _ r: LeaveRecord) -> N {
        let l = req.lang
        let id = r.request.id.uuidString
        return el("form", attr("method", "post"), attr("action", "/leave/\(id)/decision"),
                  hidden("_csrf", req.csrfToken),
                  el("label", attr("for", "comment-\(id)"), txt(l.t("コメント（却下時は必須）", "Comment (required to reject)"))),
                  void("input", [("id", "comment-\(id)"), ("name", "comment"), ("type", "text"), ("maxlength", "500")]),
                  el("div", el("button", attr("type", "submit"), attr("name", "decision"), attr("value", "approve"), txt(l.t("承認", "Approve"))), txt(" "),
                     el("button", attr("type", "submit"), attr("name", "decision"), attr("value", "reject"), cls("secondary"), txt(l.t("却下", "Reject")))))
    }

    // MARK: - Requesting

    struct LeaveForm: Content {
        var type: String? = nil
        var unit: String? = nil
        var from: String? = nil
        var to: String? = nil
        var half: String? = nil
        var start: String? = nil
        var end: String? = nil
        var relationship: String? = nil
        var reason: String? = nil
    }

    static func form(_ req: Request, form f: LeaveForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let today = CalendarDate(Date(), in: muni.zone)
        let me = try await StaffRepository.find(req.sql, id: p.staffId)
        let offered = muni.leaveTypes.filter { t in t.offered && (me.map { t.applies(to: $0.employment) } ?? true) }
        func err(_ k: String) -> Bool { errors[k] != nil }
        let html = Pages.layout(req, title: l.t("休暇の申請", "Request leave"), [
            el("h1", txt(l.t("休暇の申請", "Request leave"))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/leave"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "type", label: l.t("休暇の種類（必須）", "Kind of leave (required)"), error: errors["type"]) { d in
                   select(id: "type", name: "type", options: offered.map { t in
                       (t.code, l.t(t.nameJa, t.nameEn) + "（" + t.units.map { l.t($0.labelJa, $0.labelEn) }.joined(separator: "・") + (t.paid ? "" : l.t("・無給", ", unpaid")) + "）")
                   }, selected: f.type ?? "annual", describedBy: d, invalid: err("type"))
               },
               field(id: "unit", label: l.t("単位", "Unit"), error: errors["unit"]) { d in
                   select(id: "unit", name: "unit", options: LeaveUnit.allCases.map { ($0.rawValue, l.t($0.labelJa + "単位", "by " + $0.labelEn)) },
                          selected: f.unit ?? "day", describedBy: d, invalid: err("unit"))
               },
               field(id: "from", label: l.t("開始日（必須）", "First day (required)"), error: errors["from"]) { d in
                   input(id: "from", name: "from", type: "date", value: f.from ?? today.iso, describedBy: d, required: true, invalid: err("from"))
               },
               field(id: "to", label: l.t("終了日（必須）", "Last day (required)"), error: errors["to"], hint: l.t("1日だけのときは開始日と同じ日", "The same as the first day for one day")) { d in
                   input(id: "to", name: "to", type: "date", value: f.to ?? today.iso, describedBy: d, required: true, invalid: err("to"))
               },
               field(id: "half", label: l.t("半日のとき：午前・午後", "For a half day: morning or afternoon"), error: errors["half"]) { d in
                   select(id: "half", name: "half", options: [("", l.t("選ばない", "Not a half day"))] + HalfDay.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                          selected: f.half ?? "", describedBy: d, invalid: err("half"))
               },
               field(id: "start", label: l.t("時間単位のとき：開始時刻", "For hours: start"), error: errors["start"], hint: l.t("例：15:15", "e.g. 15:15")) { d in
                   input(id: "start", name: "start", value: f.start ?? "", describedBy: d, invalid: err("start"), extra: [("inputmode", "numeric")])
               },
               field(id: "end", label: l.t("時間単位のとき：終了時刻", "For hours: end"), error: errors["end"], hint: l.t("例：17:15", "e.g. 17:15")) { d in
                   input(id: "end", name: "end", value: f.end ?? "", describedBy: d, invalid: err("end"), extra: [("inputmode", "numeric")])
               },
               field(id: "relationship", label: l.t("忌引のとき：亡くなった方との続柄", "For bereavement: relationship"), error: errors["relationship"]) { d in
                   select(id: "relationship", name: "relationship", options: [("", l.t("選ばない", "None"))] + BereavementRelationship.allCases.map {
                       ($0.rawValue, l.t("\($0.labelJa)（\($0.days)日）", "\($0.labelJa) (\($0.days) days)"))
                   }, selected: f.relationship ?? "", describedBy: d, invalid: err("relationship"))
               },
               field(id: "reason", label: l.t("理由・備考", "Reason or note"), error: errors["reason"]) { d in
                   el("textarea", attr("id", "reason"), attr("name", "reason"), attr("rows", "2"), attr("maxlength", "500"),
                      attr("aria-describedby", d), err("reason") ? attr("aria-invalid", "true") : .empty, txt(f.reason ?? ""))
               },
               el("button", attr("type", "submit"), txt(l.t("申請する", "Submit request"))))
        ])
        return Pages.html(html, status: status)
    }

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(LeaveForm.self)
        guard let me = try await StaffRepository.find(req.sql, id: p.staffId) else { throw Abort(.forbidden) }
        let muni = scope.municipality
        let today = CalendarDate(Date(), in: muni.zone)
        var errors: [String: String] = [:]
        let type = f.type.flatMap { LeaveCatalogue.find($0, in: muni.leaveTypes) }.flatMap { $0.offered ? $0 : nil }
        if type == nil { errors["type"] = l.t("休暇の種類を選んでください。", "Choose the kind of leave.") }
        let unit = f.unit.flatMap(LeaveUnit.init(rawValue:))
        if unit == nil { errors["unit"] = l.t("単位を選んでください。", "Choose the unit.") }
        let from = f.from.flatMap(CalendarDate.init(iso:)), to = f.to.flatMap(CalendarDate.init(iso:))
        if from == nil { errors["from"] = l.t("開始日を正しく入力してください（例：2026-11-24）。", "Enter a valid first day (e.g. 2026-11-24).") }
        if to == nil { errors["to"] = l.t("終了日を正しく入力してください（例：2026-11-24）。", "Enter a valid last day (e.g. 2026-11-24).") }
        if let from, from < today.adding(days: -maxAgeDays) {
            errors["from"] = l.t("\(maxAgeDays)日より前の休暇は人事課に連絡してください。", "For leave more than \(maxAgeDays) days ago, contact HR.")
        }
        if let from, from.dayNumber > today.dayNumber + 366 { errors["from"] = l.t("1年より先の休暇はまだ申請できません。", "Leave more than a year ahead cannot be requested yet.") }
        let half = (f.half ?? "").isEmpty ? nil : HalfDay(rawValue: f.half!)
        if !(f.half ?? "").isEmpty && half == nil { errors["half"] = l.t("午前か午後を選んでください。", "Choose morning or afternoon.") }
        var range: MinuteRange?
        if unit == .hour || unit == .quarterHour {
            let s = f.start.flatMap { WeeklySchedule.parseClock($0) }, e = f.end.flatMap { WeeklySchedule.parseClock($0) }
            if s == nil { errors["start"] = l.t("開始時刻を正しく入力してください（例：15:15）。", "Enter a valid start (e.g. 15:15).") }
            if e == nil { errors["end"] = l.t("終了時刻を正しく入力してください（例：17:15）。", "Enter a valid end (e.g. 17:15).") }
            if let s, let e { if e <= s { errors["end"] = l.t("終了時刻は開始時刻より後にしてください。", "The end must be after the start.") } else { range = MinuteRange(start: s, end: e) } }
        }
        let relationship = (f.relationship ?? "").isEmpty ? nil : BereavementRelationship(rawValue: f.relationship!)
        if !(f.relationship ?? "").isEmpty && relationship == nil { errors["relationship"] = l.t("続柄を選んでください。", "Choose the relationship.") }
        let reason = (f.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.count > 500 { errors["reason"] = l.t("500文字以内で入力してください。", "Keep it within 500 characters.") }

        if let from, let to, from <= to {
            var m = YearMonth(from)
            while m <= YearMonth(to) && errors["from"] == nil {
                if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: me.departmentId, date: m.first, tree: scope.tree) {
                    errors["from"] = l.t("\(showMonth(m, l))は締め済みです。人事課に連絡してください。", "\(m.iso) is closed. Contact HR.")
                }
                m = m.next
            }
        }
        guard errors.isEmpty, let type, let unit, let from, let to else { return try await form(req, form: f, errors: errors, status: .unprocessableEntity) }
        let spec = LeaveRequestSpec(typeCode: type.code, from: from, to: to, unit: unit, half: half, range: range, relationship: relationship)
        let timeline = try await ScheduleRepository.timeline(req.sql, staff: me)
        let schedule = scheduleFunction(me, timeline, muni)
        let routing = try await Routing.load(req.sql, municipalityId: p.municipalityId, tree: scope.tree)

        // the person's live requests: overlaps, the balance, yearly limits
        let policy = muni.annualLeavePolicy
        let yearStart = policy.yearBasis.yearStart(of: from)
        let mine = try await LeaveRepository.records(req.sql, LeaveRepository.requests(req.sql, municipalityId: p.municipalityId, staffIds: [me.id], limit: 5000),
                                                     staffById: [me.id: me], routing: routing).filter(\.isLive)
        var existing = mine.filter { $0.request.toDate >= from.iso && $0.request.fromDate <= to.iso }.flatMap { $0.request.leaveDays }
        // 超勤代休時間 given on these days: leave may make up the rest of its unit, not overlap it
        for r in try await TimeOffRepository.records(req.sql, municipalityId: p.municipalityId, staffIds: [me.id], from: from, to: to) where r.isGiven {
            guard let day = r.offer.day else { continue }
            let covered = schedule(day).flatMap { OvertimeCompensatoryTime.range(part: r.offer.dayPart, amounts: r.offer.amounts, schedule: $0) }
            existing.append(LeaveDay(date: day, minutes: r.offer.minutes, range: covered))
        }
        let usedThisYear = mine.filter { $0.request.typeCode == type.code && $0.request.fromDate >= yearStart.iso && $0.request.fromDate <= policy.yearBasis.yearEnd(of: from).iso }
            .map(\.request.minutes).reduce(0, +)
        let balance = type.usesAnnualBalance
            ? AnnualLeaveBook.compute(staff: me, week: timeline.week(on: from), date: from, requests: annualUses(mine), policy: policy,
                                      attendance: try await priorYearAttendance(req.sql, muni: muni, staff: me, date: from)).balance : nil
        let worked = from <= today ? try await workedRanges(req.sql, muni: muni, staff: me, from: from, to: min(to, today)) : [:]
        let problems = LeaveRules.check(spec, type: type, employment: me.employment, minutesPerDay: AnnualLeaveBook.minutesPerDay(timeline.week(on: from)), schedule: schedule,
                                        existingLeave: existing, worked: worked, balance: balance, usedThisYearMinutes: usedThisYear, policy: policy)
        for problem in problems where errors[problem.field] == nil { errors[problem.field] = l.t(problem.messageJa, problem.messageEn) }
        guard errors.isEmpty else { return try await form(req, form: f, errors: errors, status: .unprocessableEntity) }

        let days = LeaveRules.days(spec, schedule: schedule).filter { $0.minutes > 0 }
        let row = LeaveRequestRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: me.id, typeCode: type.code, fromDate: from.iso, toDate: to.iso,
                                  unit: unit.rawValue, half: half?.rawValue, startMinute: range?.start, endMinute: range?.end, relationship: relationship?.rawValue,
                                  days: String(decoding: try JSONEncoder().encode(days), as: UTF8.self), minutes: days.map(\.minutes).reduce(0, +),
                                  reason: reason, requestedAtMs: nowMs())
        let route = Approvals.effectiveRoute(routing.route(for: me.departmentId), requester: me.id)
        let notes = Notifications.make(municipalityId: p.municipalityId, to: route.steps.first?.approverIds ?? [], kind: "leave.requested",
                                       ja: "\(me.fullName)さんから休暇の申請があります（\(typeName(type.code, .ja))、\(when(row, .ja))）",
                                       en: "\(me.fullName) asks for leave (\(typeName(type.code, .en)), \(when(row, .en)))", link: "/approvals")
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "leave_requests").model(row, with: rowEncoder).run()
            try await Notifications.insert(notes, sql)
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: me.id, type: "leave.requested", subjectId: row.id.uuidString.lowercased(), fact: row)]
        }
        await Notifications.deliver(req, notes)
        req.session.data["flash"] = route.steps.isEmpty
            ? l.t("申請しました。ただし承認者が設定されていません。人事課に連絡してください。", "Requested, but no approver is set: contact HR.")
            : l.t("申請しました（\(typeName(type.code, l))、\(days.count)日分）。承認者：", "Requested (\(days.count) days). Approvers: ")
                + route.steps.map(\.label).joined(separator: " → ")
        return req.redirect(to: "/leave")
    }

    /// The 80% rule's count of the fiscal year before the one holding `date`, from the person's attendance books: only for
    /// 会計年度任用職員 who served in it (their later year's 年休 depends on it).
    static func priorYearAttendance(_ sql: any SQLDatabase, muni: MunicipalityRow, staff: StaffRow, date: CalendarDate) async throws
        -> [Int: LaborStandardsLeave.Attendance] {
        guard staff.employment == .fiscalYearFullTime || staff.employment == .fiscalYearPartTime else { return [:] }
        let before = FiscalYear(containing: date).previous
        guard let hired = staff.start, hired <= before.last else { return [:] }
        var days: [AttendanceDay] = []
        for m in before.months where m.last >= hired {
            days += try await BookService.books(sql, municipality: muni, staff: [staff], month: m)[0].days
        }
        return [before.startYear: LaborStandardsLeave.attendance(days)]
    }

    static func scheduleFunction(_ s: StaffRow, _ timeline: ScheduleTimeline, _ muni: MunicipalityRow) -> (CalendarDate) -> DailySchedule? {
        let holidays = muni.holidays, start = s.start, end = s.end
        return { d in
            if let start, d < start { return nil }
            if let end, d > end { return nil }
            return timeline.requiredHours(on: d, isHoliday: holidays.isHoliday(d))
        }
    }

    /// First clock-in to last clock-out of each day, from the attendance book.
    static func workedRanges(_ sql: any SQLDatabase, muni: MunicipalityRow, staff: StaffRow, from: CalendarDate, to: CalendarDate) async throws -> [CalendarDate: [MinuteRange]] {
        var out: [CalendarDate: [MinuteRange]] = [:]
        var m = YearMonth(from)
        while m <= YearMonth(to) {
            for book in try await BookService.books(sql, municipality: muni, staff: [staff], month: m) {
                for d in book.days where d.date >= from && d.date <= to {
                    guard let i = d.firstIn else { continue }
                    let midnight = d.date.instant(atMinute: 0, in: muni.zone)
                    let a = Int(i.timeIntervalSince(midnight) / 60)
                    let b = d.lastOut.map { Int($0.timeIntervalSince(midnight) / 60) } ?? 1440
                    out[d.date] = [MinuteRange(start: a, end: max(a + 1, b))]
                }
            }
            m = m.next
        }
        return out
    }

    static func loadRecord(_ req: Request, scope: Scope, id: UUID?) async throws -> (LeaveRecord, StaffRow, Routing) {
        let notFound = ProblemError(status: .notFound, title: req.lang.t("申請が見つかりません。", "Request not found."))
        guard let id, let row = try await LeaveRepository.find(req.sql, id: id), row.municipalityId == scope.principal.municipalityId,
              let staff = try await StaffRepository.find(req.sql, id: row.staffId) else { throw notFound }
        let routing = try await Routing.load(req.sql, municipalityId: row.municipalityId, tree: scope.tree)
        guard let rec = try await LeaveRepository.records(req.sql, [row], staffById: [staff.id: staff], routing: routing).first else { throw notFound }
        return (rec, staff, routing)
    }

    static func withdraw(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let (rec, staff, _) = try await loadRecord(req, scope: scope, id: req.parameters.get("id", as: UUID.self))
        guard staff.id == p.staffId else {
            if scope.canView(staff) { throw ProblemError(status: .forbidden, title: l.t("取下げは申請した本人だけができます。", "Only the requester can withdraw.")) }
            throw ProblemError(status: .notFound, title: l.t("申請が見つかりません。", "Request not found."))
        }
        guard rec.state.isOpen || rec.state == .noApprover else {
            throw ProblemError(status: .conflict, title: l.t("承認・却下・取下げ済みの申請は取り下げられません。", "A decided or withdrawn request cannot be withdrawn."))
        }
        let row = LeaveDecisionRow(id: UUID.timeOrdered(), requestId: rec.request.id, step: -1, outcome: "withdrawn", decidedBy: p.staffId, onBehalfOf: nil,
                                   comment: "", decidedAtMs: nowMs())
        try await writeDecision(req, row, municipalityId: rec.request.municipalityId, marks: [])
        req.session.data["flash"] = l.t("申請を取り下げました。", "The request was withdrawn.")
        return req.redirect(to: "/leave")
    }

    struct DecisionForm: Content { var decision: String?; var comment: String? }

    static func decide(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let (rec, staff, _) = try await loadRecord(req, scope: scope, id: req.parameters.get("id", as: UUID.self))
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let delegations = try await LeaveRepository.delegations(req.sql, municipalityId: p.municipalityId).compactMap(\.delegation)
        let allowed = Approvals.canDecide(person: p.staffId, requester: staff.id, route: rec.route, decisions: rec.approvalDecisions,
                                          delegations: delegations, on: today, withdrawn: rec.withdrawn)
        let onBehalfOf: UUID?
        switch allowed {
        case .success(let who): onBehalfOf = who
        case .failure(let refusal):
            // someone who cannot see the person does not learn the request exists
            if !scope.canView(staff) { throw ProblemError(status: .notFound, title: l.t("申請が見つかりません。", "Request not found.")) }
            throw ProblemError(status: refusal == .closed ? .conflict : .forbidden, title: l.t(refusal.messageJa, refusal.messageEn))
        }
        let f = try req.content.decode(DecisionForm.self)
        let comment = (f.comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let decision = f.decision, decision == "approve" || decision == "reject" else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("承認か却下を選んでください。", "Choose approve or reject."), errors: ["decision": "approve|reject"])
        }
        if decision == "reject" && comment.isEmpty {
            throw ProblemError(status: .unprocessableEntity, title: l.t("却下するときはコメントを入力してください。", "Give a comment when rejecting."), errors: ["comment": "required"])
        }
        if comment.count > 500 { throw ProblemError(status: .unprocessableEntity, title: l.t("コメントは500文字以内です。", "Keep the comment within 500 characters."), errors: ["comment": "too long"]) }
        guard case .pending(let step) = rec.state else { throw ProblemError(status: .conflict, title: l.t(ApprovalRefusal.closed.messageJa, ApprovalRefusal.closed.messageEn)) }
        if let first = CalendarDate(iso: rec.request.fromDate),
           try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId, date: first, tree: scope.tree) {
            throw ProblemError(status: .conflict, title: l.t("この休暇の月は締め済みです。人事課に連絡してください。", "The month of this leave is closed. Contact HR."))
        }
        let row = LeaveDecisionRow(id: UUID.timeOrdered(), requestId: rec.request.id, step: step, outcome: decision == "approve" ? "approved" : "rejected",
                                   decidedBy: p.staffId, onBehalfOf: onBehalfOf, comment: comment, decidedAtMs: nowMs())
        // the last approval puts the days on the attendance book
        let last = decision == "approve" && step == rec.route.steps.count - 1
        var marks: [DayMarkRow] = []
        // the book's code as the municipality sets the type's pay now (an unpaid type is deducted in the close)
        if last, let type = LeaveCatalogue.find(rec.request.typeCode, in: scope.municipality.leaveTypes) {
            marks = rec.request.leaveDays.map { d in
                DayMarkRow(id: UUID.timeOrdered(), municipalityId: rec.request.municipalityId, staffId: staff.id, date: d.date.iso, code: type.markCode.rawValue,
                           minutes: d.range == nil ? nil : d.minutes, recordedBy: p.staffId, recordedAtMs: nowMs())
            }
        }
        let what = "\(typeName(rec.request.typeCode, .ja))、\(when(rec.request, .ja))", whatEn = "\(typeName(rec.request.typeCode, .en)), \(when(rec.request, .en))"
        let notes = decision == "approve" && !last
            ? Notifications.make(municipalityId: rec.request.municipalityId, to: rec.route.steps[step + 1].approverIds, kind: "leave.requested",
                                 ja: "\(staff.fullName)さんの休暇の申請が回ってきました（\(what)）", en: "\(staff.fullName)'s leave request is yours to decide (\(whatEn))", link: "/approvals")
            : Notifications.make(municipalityId: rec.request.municipalityId, to: [staff.id], kind: "leave.\(decision == "approve" ? "approved" : "rejected")",
                                 ja: "休暇が\(decision == "approve" ? "承認" : "却下")されました（\(what)）", en: "Your leave was \(decision == "approve" ? "approved" : "rejected") (\(whatEn))", link: "/leave")
        try await writeDecision(req, row, municipalityId: rec.request.municipalityId, marks: marks, notifications: notes)
        await Notifications.deliver(req, notes)
        req.session.data["flash"] = decision == "reject" ? l.t("却下しました。", "Rejected.")
            : last ? l.t("承認しました。出勤簿に反映されました。", "Approved; the attendance book is updated.")
            : l.t("承認しました。次の承認者（\(rec.route.steps[step + 1].label)）に回ります。", "Approved; it goes on to \(rec.route.steps[step + 1].label).")
        return req.redirect(to: "/approvals")
    }

    static func writeDecision(_ req: Request, _ row: LeaveDecisionRow, municipalityId: UUID, marks: [DayMarkRow], notifications: [NotificationRow] = []) async throws {
        let language = req.lang
        do {
            try await req.yakuba.writer.perform { _, sql in
                // unique (request, step): a second decision on the same step fails instead of overwriting
                try await sql.insert(into: "leave_decisions").model(row, with: rowEncoder).run()
                if !marks.isEmpty { try await sql.insert(into: "day_marks").models(marks, with: rowEncoder).run() }
                try await Notifications.insert(notifications, sql)
                return [LedgerDraft(municipalityId: municipalityId, actorId: row.decidedBy, type: "leave.\(row.outcome)", subjectId: row.requestId.uuidString.lowercased(), fact: row)]
                    + marks.map { LedgerDraft(municipalityId: municipalityId, actorId: row.decidedBy, type: "day_mark.recorded", subjectId: $0.staffId.uuidString.lowercased(), fact: $0) }
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw ProblemError(status: .conflict, title: language.t("この申請はすでに処理されています。", "This request has already been decided."))
        }
    }

    // MARK: - The approver's queue and delegations

    static func approvals(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let routing = try await Routing.load(req.sql, municipalityId: p.municipalityId, tree: scope.tree)
        let delegationRows = try await LeaveRepository.delegations(req.sql, municipalityId: p.municipalityId)
        let delegations = delegationRows.compactMap(\.delegation)
        // open requests of the last months; routing decides who sees which
        let recent = try await LeaveRepository.requests(req.sql, municipalityId: p.municipalityId, staffIds: nil, from: today.adding(days: -maxAgeDays - 31), limit: 5000)
        let staffById = try await StaffRepository.find(req.sql, ids: Set(recent.map(\.staffId)).union(delegationRows.flatMap { [$0.approverId, $0.deputyId] }))
        let records = try await LeaveRepository.records(req.sql, recent, staffById: staffById, routing: routing).filter { $0.state.isOpen }
        let mine = records.filter { r in
            if case .success = Approvals.canDecide(person: p.staffId, requester: r.request.staffId, route: r.route, decisions: r.approvalDecisions,
                                                   delegations: delegations, on: today) { return true }
            return false
        }.sorted { $0.request.requestedAtMs < $1.request.requestedAtMs }
        let deciders = try await StaffRepository.find(req.sql, ids: Set(mine.flatMap { $0.decisions.map(\.decidedBy) }).subtracting(staffById.keys))
        var content: [N] = [
            el("h1", txt(l.t("承認", "Approvals"))),
            el("h2", txt(l.t("あなたの承認を待っている休暇申請", "Leave requests waiting for you"))),
            mine.isEmpty ? el("p", cls("muted"), txt(l.t("承認待ちの申請はありません。", "Nothing is waiting."))) :
                requestsTable(req, mine, staffById: staffById.merging(deciders) { a, _ in a }, mode: .decide),
            el("p", link("/corrections", l.t("打刻修正の承認はこちら", "Punch corrections are decided here"))),
        ]
        let myDelegations = delegationRows.filter { $0.approverId == p.staffId || $0.deputyId == p.staffId }
        if p.isApprover || p.isHR || !myDelegations.isEmpty {
            content += [
                el("h2", attr("id", "delegations"), txt(l.t("代決（不在時の代理承認）", "Deputies while you are away"))),
                myDelegations.isEmpty ? el("p", cls("muted"), txt(l.t("設定はありません。", "None set."))) :
                    el("ul", myDelegations.map { d in
                        el("li", txt(l.t("\(staffById[d.approverId]?.fullName ?? "") の代決：\(staffById[d.deputyId]?.fullName ?? "")（\(d.fromDate)〜\(d.toDate)）",
                                         "\(staffById[d.deputyId]?.fullName ?? "") decides for \(staffById[d.approverId]?.fullName ?? "") (\(d.fromDate) to \(d.toDate))")))
                    }),
            ]
            if p.isApprover || p.isHR {
                content.append(delegationForm(req, form: DelegationForm(), errors: [:]))
            }
        }
        return Pages.html(Pages.layout(req, title: l.t("承認", "Approvals"), content, flash: req.takeFlash()))
    }

    struct DelegationForm: Content { var deputy: String? = nil; var from: String? = nil; var to: String? = nil }

    static func delegationForm(_ req: Request, form f: DelegationForm, errors: [String: String]) -> N {
        let l = req.lang
        return el("form", attr("method", "post"), attr("action", "/approvals/delegations"), attr("novalidate", ""),
                  hidden("_csrf", req.csrfToken),
                  errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
                  field(id: "deputy", label: l.t("代決者の職員番号", "Deputy's staff number"), error: errors["deputy"]) { d in
                      input(id: "deputy", name: "deputy", value: f.deputy ?? "", describedBy: d, required: true, invalid: errors["deputy"] != nil)
                  },
                  field(id: "dl_from", label: l.t("不在の開始日", "Away from"), error: errors["from"]) { d in
                      input(id: "dl_from", name: "from", type: "date", value: f.from ?? "", describedBy: d, required: true, invalid: errors["from"] != nil)
                  },
                  field(id: "dl_to", label: l.t("不在の終了日", "Away until"), error: errors["to"]) { d in
                      input(id: "dl_to", name: "to", type: "date", value: f.to ?? "", describedBy: d, required: true, invalid: errors["to"] != nil)
                  },
                  el("button", attr("type", "submit"), txt(l.t("代決者を設定する", "Set the deputy"))))
    }

    static func addDelegation(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(DelegationForm.self)
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        var errors: [String: String] = [:]
        var deputy: StaffRow?
        let number = (f.deputy ?? "").trimmingCharacters(in: .whitespaces)
        if number.isEmpty { errors["deputy"] = l.t("代決者の職員番号を入力してください。", "Enter the deputy's staff number.") }
        else if number == p.staffNumber { errors["deputy"] = l.t("自分を代決者にはできません。", "You cannot be your own deputy.") }
        else if let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number), s.active { deputy = s }
        else { errors["deputy"] = l.t("この職員番号の職員はいません。", "No staff member has this number.") }
        let from = f.from.flatMap(CalendarDate.init(iso:)), to = f.to.flatMap(CalendarDate.init(iso:))
        if from == nil { errors["from"] = l.t("開始日を入力してください（例：2026-12-01）。", "Enter the first day (e.g. 2026-12-01).") }
        if to == nil { errors["to"] = l.t("終了日を入力してください（例：2026-12-05）。", "Enter the last day (e.g. 2026-12-05).") }
        if let a = from, let b = to, b < a { errors["to"] = l.t("終了日は開始日以降にしてください。", "The last day must not be before the first.") }
        if let a = from, a < today.adding(days: -1) { errors["from"] = l.t("過去の日からの代決は設定できません。", "A delegation cannot start in the past.") }
        if let a = from, let b = to, b.dayNumber - a.dayNumber > 366 { errors["to"] = l.t("期間は1年以内にしてください。", "Keep it within a year.") }
        guard errors.isEmpty, let deputy, let from, let to else {
            return Pages.html(Pages.layout(req, title: l.t("代決", "Deputy"), [el("h1", txt(l.t("代決者の設定", "Set a deputy"))), delegationForm(req, form: f, errors: errors)]),
                              status: .unprocessableEntity)
        }
        let row = DelegationRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, approverId: p.staffId, deputyId: deputy.id, fromDate: from.iso, toDate: to.iso,
                                setBy: p.staffId, setAtMs: nowMs())
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "delegations").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "approval.delegated", subjectId: p.staffId.uuidString.lowercased(), fact: row)]
        }
        req.session.data["flash"] = l.t("\(deputy.fullName)さんを代決者に設定しました（\(from.iso)〜\(to.iso)）。", "\(deputy.fullName) is your deputy (\(from.iso) to \(to.iso)).")
        return req.redirect(to: "/approvals#delegations")
    }

    // MARK: - 有休管理簿

    static func book(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, req.parameters.get("staffId", as: UUID.self))
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let routing = try await Routing.load(req.sql, municipalityId: staff.municipalityId, tree: scope.tree)
        let rows = try await LeaveRepository.requests(req.sql, municipalityId: staff.municipalityId, staffIds: [staff.id], limit: 5000)
        let records = try await LeaveRepository.records(req.sql, rows, staffById: [staff.id: staff], routing: routing)
        let date = req.query[String.self, at: "date"].flatMap(CalendarDate.init(iso:)) ?? today
        let attendance = try await priorYearAttendance(req.sql, muni: scope.municipality, staff: staff, date: date)
        let annual = AnnualLeaveBook.compute(staff: staff, week: try await ScheduleRepository.timeline(req.sql, staff: staff).week(on: date), date: date,
                                             requests: annualUses(records), policy: scope.municipality.annualLeavePolicy, attendance: attendance)
        let per = annual.balance.minutesPerDay
        let others = records.filter { $0.request.typeCode != "annual" && $0.state == .approved && $0.request.fromDate >= annual.yearStart.iso && $0.request.fromDate <= annual.yearEnd.iso }
        let content: [N] = [
            el("h1", txt(l.t("年次休暇管理簿（\(staff.fullName)）", "Annual leave record: \(staff.fullName)"))),
            el("p", txt(l.t("任用：", "Appointment: ") + l.t(staff.employment.labelJa, staff.employment.labelEn) + "、" + scope.tree.path(staff.departmentId))),
            balanceSummary(req, annual),
            attendance.sorted { $0.key < $1.key }.last.map { year, a in
                let rate = a.scheduledDays - a.removedDays > 0 ? (a.workedDays + a.deemedAttendedDays) * 100 / (a.scheduledDays - a.removedDays) : 100
                return el("p", txt(l.t("前年度（\(year)年度）の出勤率：\(a.workedDays + a.deemedAttendedDays)日／\(a.scheduledDays - a.removedDays)日（\(rate)%）", "Attendance in FY\(year): \(a.workedDays + a.deemedAttendedDays) of \(a.scheduledDays - a.removedDays) days (\(rate)%)")
                                   + (a.meetsEightyPercent ? "" : l.t("。8割に満たないため、今年度の年次休暇は付与されません（労働基準法39条）。", ". Under 80%: no annual leave is granted this year (LSA art. 39)."))))
            } ?? .empty,
            el("h2", txt(l.t("年次休暇の使用", "Annual leave taken"))),
            annual.uses.isEmpty ? el("p", cls("muted"), txt(l.t("この期間の使用はありません。", "None in this year."))) :
                el("div", tableRegion(l.t("年次休暇の使用", "Annual leave taken")), el("table",
                    el("caption", cls("muted"), txt(l.t("使用日と時間", "Days and hours taken"))),
                    el("thead", el("tr", [l.t("期間", "When"), l.t("時間", "Time"), l.t("状態", "Status")].map { el("th", attr("scope", "col"), txt($0)) })),
                    el("tbody", annual.uses.map { u in
                        el("tr", el("th", attr("scope", "row"), txt(when(u.request, l))), el("td", txt(days(u.minutes, perDay: per, l))),
                           el("td", txt(u.approved ? l.t("承認済", "Approved") : l.t("申請中", "Pending"))))
                    }))),
            el("h2", txt(l.t("その他の休暇（承認済）", "Other leave (approved)"))),
            others.isEmpty ? el("p", cls("muted"), txt(l.t("ありません。", "None."))) :
                el("ul", others.map { r in el("li", txt("\(typeName(r.request.typeCode, l))：\(when(r.request, l))（\(days(r.request.minutes, perDay: per, l))）")) }),
            el("nav", attr("aria-label", l.t("年の切り替え", "Year")),
               link("/leave/book/\(staff.id.uuidString)?date=\(annual.yearStart.adding(days: -1).iso)", l.t("前の年", "Previous year")), txt(" "),
               link("/leave/book/\(staff.id.uuidString)?date=\(annual.yearEnd.adding(days: 1).iso)", l.t("次の年", "Next year"))),
        ]
        return Pages.html(Pages.layout(req, title: l.t("年次休暇管理簿", "Annual leave record"), content))
    }

    // MARK: - Routes (HR)

    struct RouteForm: Content { var department: String? = nil; var steps: String? = nil }

    static func routesPage(_ req: Request, form f: RouteForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let routing = try await Routing.load(req.sql, municipalityId: scope.principal.municipalityId, tree: scope.tree)
        let people = try await StaffRepository.find(req.sql, ids: Set(routing.routes.values.flatMap { $0.route.steps.flatMap(\.approverIds) } + routing.approvers.values.flatMap { $0 }))
        func describe(_ r: ApprovalRoute) -> String {
            r.steps.isEmpty ? l.t("承認者なし", "No approver")
                : r.steps.map { "\($0.label)（\($0.approverIds.compactMap { people[$0]?.fullName }.joined(separator: "・"))）" }.joined(separator: " → ")
        }
        let content: [N] = [
            el("h1", txt(l.t("承認ルート（休暇）", "Approval routes (leave)"))),
            el("p", txt(l.t("組織ごとに承認の段階を設定します。設定のない組織は、上位の組織の設定、なければ所属長の1段階です。異動した職員の申請は、異動先のルートに回ります。",
                            "Set the approval steps per department. A department without one uses its parent's, else one step of its 所属長. A person who transfers is routed by their new department."))),
            el("div", tableRegion(l.t("組織ごとのルート", "Routes by department")), el("table",
                el("caption", cls("muted"), txt(l.t("組織ごとのルート", "Routes by department"))),
                el("thead", el("tr", [l.t("組織", "Department"), l.t("ルート", "Route"), l.t("設定", "Set")].map { el("th", attr("scope", "col"), txt($0)) })),
                el("tbody", scope.tree.ordered.map { d in
                    el("tr", el("th", attr("scope", "row"), txt(String(repeating: "　", count: scope.tree.depth(d.id)) + d.name)),
                       el("td", txt(describe(routing.route(for: d.id)))),
                       el("td", txt(routing.routes[d.id] != nil ? l.t("この組織で設定", "Set here") : l.t("上位・所属長から", "Inherited"))))
                }))),
            el("h2", txt(l.t("ルートを設定する", "Set a route"))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/admin/routes"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "rt_department", label: l.t("組織", "Department"), error: errors["department"]) { d in
                   select(id: "rt_department", name: "department", options: [("", l.t("選んでください", "Choose"))] + scope.tree.options(),
                          selected: f.department ?? "", describedBy: d, invalid: errors["department"] != nil)
               },
               field(id: "rt_steps", label: l.t("段階（1行に1段階：「名前: 職員番号, 職員番号」）", "Steps (one a line: “label: staff number, staff number”)"),
                     error: errors["steps"], hint: l.t("例：\n係長: 100200\n課長: 100100", "e.g.\n係長: 100200\n課長: 100100")) { d in
                   el("textarea", attr("id", "rt_steps"), attr("name", "steps"), attr("rows", "4"), attr("maxlength", "2000"), attr("aria-describedby", d),
                      errors["steps"] != nil ? attr("aria-invalid", "true") : .empty, txt(f.steps ?? ""))
               },
               el("button", attr("type", "submit"), txt(l.t("設定する", "Set the route")))),
        ]
        return Pages.html(Pages.layout(req, title: l.t("承認ルート", "Approval routes"), content, flash: req.takeFlash()), status: status)
    }

    static func setRoute(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(RouteForm.self)
        var errors: [String: String] = [:]
        let dept = f.department.flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0] }
        if dept == nil { errors["department"] = l.t("組織を選んでください。", "Choose a department.") }
        var steps: [ApprovalStep] = []
        let lines = (f.steps ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if lines.isEmpty { errors["steps"] = l.t("1段階以上を入力してください。", "Enter at least one step.") }
        if lines.count > 5 { errors["steps"] = l.t("段階は5つまでです。", "At most five steps.") }
        for (i, line) in lines.enumerated() where errors["steps"] == nil {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let normalized = parts.count == 2 ? parts : line.split(separator: "：", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard normalized.count == 2, !normalized[0].isEmpty, normalized[0].count <= 20 else {
                errors["steps"] = l.t("\(i + 1)行目：「係長: 100200」のように、名前とコロンと職員番号で書いてください。", "Line \(i + 1): write a label, a colon and staff numbers, like “係長: 100200”."); break
            }
            var ids: [UUID] = []
            for n in normalized[1].split(whereSeparator: { $0 == "," || $0 == "、" || $0 == " " }).map(String.init) {
                guard let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: n), s.active else {
                    errors["steps"] = l.t("\(i + 1)行目：職員番号 \(n) の職員がいません。", "Line \(i + 1): no staff member \(n)."); break
                }
                ids.append(s.id)
            }
            if errors["steps"] == nil && ids.isEmpty { errors["steps"] = l.t("\(i + 1)行目：職員番号を入力してください。", "Line \(i + 1): give staff numbers.") }
            steps.append(ApprovalStep(label: normalized[0], approverIds: ids))
        }
        guard errors.isEmpty, let dept else { return try await routesPage(req, form: f, errors: errors, status: .unprocessableEntity) }
        let row = ApprovalRouteRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, departmentId: dept.id, requestType: "leave",
                                   steps: String(decoding: try JSONEncoder().encode(steps), as: UTF8.self), setBy: p.staffId, setAtMs: nowMs())
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "approval_routes").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "approval.route_set", subjectId: dept.id.uuidString.lowercased(), fact: row)]
        }
        req.session.data["flash"] = l.t("\(dept.name)の承認ルートを設定しました：", "Route set for \(dept.name): ") + steps.map(\.label).joined(separator: " → ")
        return req.redirect(to: "/admin/routes")
    }
}

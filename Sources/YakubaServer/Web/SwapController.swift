import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 週休日の振替 and 代休日 (work-rules-ja.md §1.4): the 所属長 (or HR) has a person work a 週休日 and rest on a work day
/// instead, within 4 weeks before and 8 weeks after the day worked; or work a 休日 and names a work day within the 8 weeks
/// after it as their 代休日 (the holiday's hours are then ordinary hours, and the day off is paid). Both are facts; a
/// cancellation is a new fact naming the one it cancels. One page for each (`/swaps`, `/swaps?kind=compensatory`).
enum SwapController {
    typealias Kind = RestDaySwapRow.Kind

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["swaps"], access: OvertimeController.orderers) { req in try await page(req, form: SwapForm(), errors: [:]) }
        r.on(.POST, ["swaps"], access: OvertimeController.orderers) { req in try await create(req) }
        r.on(.POST, ["swaps", ":id", "cancel"], access: OvertimeController.orderers) { req in try await cancel(req) }
    }

    struct SwapForm: Content {
        var staff_number: String? = nil; var work_on: String? = nil; var rest_on: String? = nil; var reason: String? = nil
        var kind: String? = nil
        var moveKind: Kind { kind.flatMap(Kind.init(rawValue:)) ?? .restDay }
    }

    /// The page of each kind, and a month on it.
    static func path(_ kind: Kind, month: String? = nil) -> String {
        let q = [kind == .compensatory ? "kind=compensatory" : nil, month.map { "month=\($0)" }].compactMap { $0 }
        return "/swaps" + (q.isEmpty ? "" : "?" + q.joined(separator: "&"))
    }

    // MARK: - The page

    static func page(_ req: Request, form: SwapForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let month = req.query[String.self, at: "month"].flatMap(YearMonth.init(iso:)) ?? YearMonth(today)
        let kind = form.kind != nil ? form.moveKind : req.query[String.self, at: "kind"].flatMap(Kind.init(rawValue:)) ?? .restDay
        let swap = kind == .restDay
        // the rows of this kind for the people the caller may order, touching the month
        let all = try await ScheduleRepository.swapRows(req.sql, municipalityId: p.municipalityId)
        let cancelled = Set(all.compactMap(\.cancelsId))
        let inMonth = all.filter { r in
            r.kind == kind.rawValue && r.cancelsId == nil && [r.workOn, r.restOn].contains { CalendarDate(iso: $0).map { YearMonth($0) == month } ?? false }
        }
        let staff = try await StaffRepository.find(req.sql, ids: Set(inMonth.map(\.staffId)))
        let shown = inMonth.filter { staff[$0.staffId].map(scope.canApprove(for:)) ?? false }
        var suggestions: [StaffRow] = []
        if let depts = scope.visibleDepartments, !depts.isEmpty {
            suggestions = try await req.sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
                .where("department_id", .in, SQLBind.group(Array(depts))).where("active", .equal, SQLBind(true)).orderBy("staff_number").limit(500)
                .all(decoding: StaffRow.self, with: rowDecoder).filter { $0.id != p.staffId }
        }
        func text(_ id: String, _ label: String, type: String = "text", hint: String? = nil, required: Bool = true, extra: [(String, String?)] = []) -> N {
            field(id: id, label: label + (required ? l.t("（必須）", " (required)") : ""), error: errors[id], hint: hint) { d in
                input(id: id, name: id, type: type, value: [("staff_number", form.staff_number), ("work_on", form.work_on), ("rest_on", form.rest_on),
                                                           ("reason", form.reason)].first { $0.0 == id }?.1 ?? "",
                      describedBy: d, required: required, invalid: errors[id] != nil, extra: extra)
            }
        }
        let title = swap ? l.t("週休日の振替", "Rest-day swaps") : l.t("代休日の指定", "Compensatory days off")
        let what = swap ? l.t("振替", "swap") : l.t("代休日", "day off")
        let html = Pages.layout(req, title: title, [
            el("h1", txt(title)),
            el("nav", attr("aria-label", l.t("振替と代休日", "Swaps and days off")), el("p",
               swap ? el("strong", attr("aria-current", "page"), txt(l.t("週休日の振替", "Rest-day swaps"))) : link(path(.restDay, month: month.iso), l.t("週休日の振替", "Rest-day swaps")),
               txt("　|　"),
               swap ? link(path(.compensatory, month: month.iso), l.t("代休日の指定", "Compensatory days off")) : el("strong", attr("aria-current", "page"), txt(l.t("代休日の指定", "Compensatory days off"))))),
            el("p", txt(swap
                ? l.t("週休日に勤務させるときは、勤務する日の4週間前から8週間後までの勤務日を週休日に振り替えます。振り替えた日の勤務時間は、振替先の日の勤務時間です。週をまたいで週38時間45分を超えた時間は、超過勤務（25/100）として締めに入ります。",
                      "To have someone work a rest day, move their rest day to a work day within 4 weeks before and 8 weeks after it. The day worked takes the hours of the day given up. Hours beyond 38h45m in a week because of the swap go into the close as overtime at 25/100.")
                : l.t("休日（祝日・年末年始など）に正規の勤務時間を勤務させるときは、その翌日から8週間以内の勤務日を代休日に指定できます。指定した休日の勤務は休日勤務手当の対象にならず、代休日は勤務を要しない日（有給）になります。本人が希望しないときは指定せず、休日勤務手当を支給します。",
                      "When someone works their hours on a public or municipal holiday, a work day within the 8 weeks after it can be named as their compensatory day off. The holiday's hours are then not paid as holiday work, and the day off is paid with no work required. If the person does not want one, name none: the holiday work is paid instead."))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください（\(errors.count)件）。", "Please check \(errors.count) field(s)."))),
            el("form", attr("method", "post"), attr("action", "/swaps"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken), hidden("kind", kind.rawValue),
               text("staff_number", l.t("職員番号", "Staff number"), extra: [("list", suggestions.isEmpty ? nil : "swap-staff"), ("autocomplete", "off")]),
               suggestions.isEmpty ? .empty : el("datalist", [attr("id", "swap-staff")] + suggestions.map { s in
                   el("option", attr("value", s.staffNumber), txt("\(s.fullName)（\(scope.tree.path(s.departmentId))）"))
               }),
               swap ? text("work_on", l.t("勤務させる週休日", "Rest day to be worked"), type: "date", hint: "YYYY-MM-DD")
                    : text("work_on", l.t("勤務させる休日", "Holiday to be worked"), type: "date", hint: l.t("YYYY-MM-DD（祝日・年末年始など、本来は勤務日の曜日）", "YYYY-MM-DD (a holiday on one of their work days)")),
               swap ? text("rest_on", l.t("振替後の週休日（元の勤務日）", "New rest day (a work day now)"), type: "date", hint: "YYYY-MM-DD")
                    : text("rest_on", l.t("代休日", "Day off"), type: "date", hint: l.t("YYYY-MM-DD（休日の翌日から8週間以内の勤務日。今日以降）", "YYYY-MM-DD (a work day within 8 weeks after the holiday, today or later)")),
               text("reason", l.t("理由", "Reason"), required: false),
               el("button", attr("type", "submit"), txt(swap ? l.t("振り替える", "Swap") : l.t("代休日を指定する", "Name the day off")))),
            el("h2", txt(swap ? l.t("\(showMonth(month, l))の振替", "Swaps in \(month.iso)") : l.t("\(showMonth(month, l))の代休日", "Days off in \(month.iso)"))),
            el("p", link(path(kind, month: month.previous.iso), l.t("← 前月", "← Previous month")), txt("　"),
               link(path(kind, month: month.next.iso), l.t("翌月 →", "Next month →"))),
            shown.isEmpty ? el("p", cls("muted"), txt(swap ? l.t("この月の振替はありません。", "No swaps this month.") : l.t("この月の代休日はありません。", "No days off this month."))) :
            el("div", tableRegion(swap ? l.t("振替の一覧", "Swaps") : l.t("代休日の一覧", "Days off")), el("table",
               el("caption", txt(swap ? l.t("振替の一覧", "Swaps") : l.t("代休日の一覧", "Days off"))),
               el("thead", el("tr", [l.t("職員", "Staff"), swap ? l.t("勤務する週休日", "Rest day worked") : l.t("勤務する休日", "Holiday worked"),
                                     swap ? l.t("振替後の週休日", "New rest day") : l.t("代休日", "Day off"),
                                     l.t("理由", "Reason"), l.t("状態", "State"), l.t("操作", "Action")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", shown.map { r in
                   let s = staff[r.staffId]
                   let live = !cancelled.contains(r.id)
                   return el("tr",
                      el("th", attr("scope", "row"), txt(s.map { "\($0.fullName)（\($0.staffNumber)）" } ?? "")),
                      el("td", txt(CalendarDate(iso: r.workOn).map { showDate($0, l, weekday: true) } ?? r.workOn)),
                      el("td", txt(CalendarDate(iso: r.restOn).map { showDate($0, l, weekday: true) } ?? r.restOn)),
                      el("td", txt(r.reason)),
                      el("td", txt(live ? l.t("有効", "In force") : l.t("取消済み", "Cancelled"))),
                      el("td", live ? el("form", attr("method", "post"), attr("action", "/swaps/\(r.id.uuidString)/cancel"), cls("inline"),
                                         hidden("_csrf", req.csrfToken),
                                         el("button", attr("type", "submit"), cls("secondary"),
                                            attr("aria-label", l.t("\(s?.fullName ?? "")の\(r.workOn)の\(what)を取り消す", "Cancel the \(what) of \(s?.fullName ?? "") on \(r.workOn)")),
                                            txt(l.t("取り消す", "Cancel")))) : .empty))
               })))
        ], flash: req.takeFlash())
        return Pages.html(html, status: status)
    }

    // MARK: - Create

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let muni = scope.municipality
        let f = try req.content.decode(SwapForm.self)
        let kind = f.moveKind
        let today = CalendarDate(Date(), in: muni.zone)
        var errors: [String: String] = [:]
        let number = (f.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        var staff: StaffRow?
        if number.isEmpty { errors["staff_number"] = l.t("職員番号を入力してください。", "Give the staff number.") }
        else if let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number), s.active, scope.canApprove(for: s) { staff = s }
        else { errors["staff_number"] = l.t("あなたが振替や代休日を命じられる職員ではありません（自分自身も不可）。", "Not someone you can give a swap or day off to (nor yourself).") }
        let workOn = f.work_on.flatMap { CalendarDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        let restOn = f.rest_on.flatMap { CalendarDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        if workOn == nil { errors["work_on"] = l.t("日付を YYYY-MM-DD で入力してください。", "Give the date as YYYY-MM-DD.") }
        if restOn == nil { errors["rest_on"] = l.t("日付を YYYY-MM-DD で入力してください。", "Give the date as YYYY-MM-DD.") }
        let reason = (f.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.count > 200 { errors["reason"] = l.t("200文字以内で入力してください。", "Use at most 200 characters.") }
        if let staff, let workOn, let restOn {
            let timeline = try await ScheduleRepository.timeline(req.sql, staff: staff)
            let holidays = muni.holidays
            func employed(_ d: CalendarDate) -> Bool { (staff.start.map { d >= $0 } ?? true) && (staff.end.map { d <= $0 } ?? true) }
            func moved(_ d: CalendarDate) -> Bool { timeline.swap(on: d) != nil || timeline.dayOff(on: d) != nil }
            // the day to be worked: a 週休日 now for a swap, a 休日 with hours for a 代休日; not already moved
            if moved(workOn) || moved(restOn) {
                errors[moved(workOn) ? "work_on" : "rest_on"] = l.t("この日はすでに振替か代休日の対象です。先に取り消してください。", "This day is already part of a swap or day off; cancel that first.")
            } else if let rostered = [workOn, restOn].first(where: { timeline.roster[$0.dayNumber] != nil }) {
                errors[rostered == workOn ? "work_on" : "rest_on"] = l.t("この日は勤務割で勤務が決まっています。勤務割で変えてください。", "This day is set by the roster: change it there.")
            } else if !employed(workOn) {
                errors["work_on"] = l.t("任用期間内の日にしてください。", "Give a day within the appointment.")
            } else if kind == .compensatory {
                if !holidays.isHoliday(workOn) {
                    errors["work_on"] = l.t("代休日は休日（祝日・年末年始など）の勤務に指定します。週休日の勤務は振替で扱います。", "A day off is named for work on a public or municipal holiday; work on a weekly rest day is a swap.")
                } else if timeline.day(on: workOn) == nil {
                    errors["work_on"] = l.t("この休日はこの職員の週休日にあたり、正規の勤務時間がありません。週休日の勤務は振替で扱います。", "This holiday falls on one of their weekly rest days, with no hours to work: that is a swap.")
                } else if restOn < today {
                    errors["rest_on"] = l.t("代休日は今日以降の日を指定してください。", "Name a day off from today on.")
                } else if let problem = Schedules.compensatoryDayProblem(holidayWorked: workOn, dayOff: restOn,
                                                                        isWorkDay: { employed($0) && !holidays.isHoliday($0) && timeline.day(on: $0) != nil }) {
                    errors["rest_on"] = l.t(problem.messageJa, problem.messageEn)
                } else if try await LeaveRepository.leaveOn(req.sql, staff, date: restOn, tree: scope.tree) != nil {
                    errors["rest_on"] = l.t("この日には休暇（申請中を含む）があります。休暇を取り下げてから代休日にしてください。",
                                            "There is leave on this day (asked for or approved): withdraw it before making it the day off.")
                }
            } else if holidays.isHoliday(workOn) && timeline.day(on: workOn) != nil {
                errors["work_on"] = l.t("休日の勤務は振替ではなく代休日で扱います。週休日を選んでください。", "Work on a public or municipal holiday is given a compensatory day off (代休日), not a swap: choose a weekly rest day.")
            } else if timeline.day(on: workOn) != nil {
                errors["work_on"] = l.t("この日は勤務日です。勤務させる週休日を選んでください。", "This is a work day: choose the rest day to be worked.")
            } else if let problem = Schedules.swapProblem(workOn: workOn, restOn: restOn,
                                                        isWorkDay: { employed($0) && !holidays.isHoliday($0) && timeline.day(on: $0) != nil }) {
                errors["rest_on"] = l.t(problem.messageJa, problem.messageEn)
            }
            if errors.isEmpty {
                for d in [workOn, restOn] where errors.isEmpty {
                    if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId, date: d, tree: scope.tree) {
                        errors[d == workOn ? "work_on" : "rest_on"] = l.t("\(showMonth(YearMonth(d), l))は締め済みです。", "\(YearMonth(d).iso) is closed.")
                    }
                }
            }
        }
        guard errors.isEmpty, let staff, let workOn, let restOn else { return try await page(req, form: f, errors: errors, status: .unprocessableEntity) }
        let row = RestDaySwapRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: staff.id, workOn: workOn.iso, restOn: restOn.iso,
                                 reason: reason, cancelsId: nil, recordedBy: p.staffId, recordedAtMs: nowMs(), kind: kind.rawValue)
        if kind == .compensatory {
            try await record(req, row, type: "schedule.compensatory_day_off_named", subject: row.id,
                             ja: "代休日の指定：\(showDate(workOn, .ja, weekday: true))（休日）に勤務し、\(showDate(restOn, .ja, weekday: true))が代休日になります",
                             en: "Compensatory day off: you work the holiday \(workOn.iso) and have \(restOn.iso) off instead")
            req.session.data["flash"] = l.t("\(staff.fullName)の\(showDate(workOn, l))の休日勤務に、\(showDate(restOn, l))を代休日として指定しました。",
                                             "\(staff.fullName) works the holiday \(workOn.iso) and has \(restOn.iso) off instead.")
        } else {
            try await record(req, row, type: "schedule.rest_day_swapped", subject: row.id,
                             ja: "週休日の振替：\(showDate(workOn, .ja, weekday: true))に勤務し、\(showDate(restOn, .ja, weekday: true))が週休日になります",
                             en: "Rest-day swap: you work on \(workOn.iso) and rest on \(restOn.iso) instead")
            req.session.data["flash"] = l.t("\(staff.fullName)の\(showDate(workOn, l))を勤務日に、\(showDate(restOn, l))を週休日に振り替えました。",
                                             "\(staff.fullName) works \(workOn.iso) and rests on \(restOn.iso) instead.")
        }
        return req.redirect(to: path(kind, month: YearMonth(workOn).iso))
    }

    /// Stores a swap row on the ledger, and tells the person in Yakuba (the link opens their book at the month worked).
    static func record(_ req: Request, _ row: RestDaySwapRow, type: String, subject: UUID, ja: String, en: String) async throws {
        let actor = try req.requirePrincipal().staffId
        let notes = Notifications.make(municipalityId: row.municipalityId, to: [row.staffId], kind: type, ja: ja, en: en,
                                       link: "/books/\(row.staffId.uuidString)?month=\(row.workOn.prefix(7))")
        try await req.yakuba.writer.perform { _, sql in
            try await ScheduleRepository.insert(row, sql)
            try await Notifications.insert(notes, sql)
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: actor, type: type, subjectId: subject.lowerText, fact: row)]
        }
        await Notifications.deliver(req, notes)
    }

    // MARK: - Cancel

    static func cancel(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let notFound = ProblemError(status: .notFound, title: l.t("振替・代休日が見つかりません。", "Swap or day off not found."))
        guard let id = req.parameters.get("id", as: UUID.self) else { throw notFound }
        let rows = try await ScheduleRepository.swapRows(req.sql, municipalityId: p.municipalityId)
        guard let swap = rows.first(where: { $0.id == id && $0.cancelsId == nil }),
              let staff = try await StaffRepository.find(req.sql, id: swap.staffId), scope.canApprove(for: staff) else { throw notFound }
        let kind = Kind(rawValue: swap.kind) ?? .restDay
        let what = kind == .restDay ? l.t("振替", "swap") : l.t("代休日", "day off")
        let back = path(kind, month: String(swap.workOn.prefix(7)))
        if rows.contains(where: { $0.cancelsId == id }) {
            req.session.data["flash"] = l.t("この\(what)はすでに取り消されています。", "This \(what) was already cancelled.")
            return req.redirect(to: back)
        }
        for d in [swap.workOn, swap.restOn].compactMap({ CalendarDate(iso: $0) }) {
            if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId, date: d, tree: scope.tree) {
                throw ProblemError(status: .conflict, title: l.t("\(showMonth(YearMonth(d), l))は締め済みのため、この\(what)は取り消せません。", "\(YearMonth(d).iso) is closed: the \(what) cannot be cancelled."))
            }
        }
        let row = RestDaySwapRow(id: UUID.timeOrdered(), municipalityId: swap.municipalityId, staffId: swap.staffId, workOn: swap.workOn, restOn: swap.restOn,
                                 reason: "", cancelsId: swap.id, recordedBy: p.staffId, recordedAtMs: nowMs(), kind: swap.kind)
        if kind == .compensatory {
            try await record(req, row, type: "schedule.compensatory_day_off_cancelled", subject: swap.id,
                             ja: "代休日の指定（\(swap.workOn)の休日勤務、\(swap.restOn)が代休日）は取り消されました",
                             en: "The compensatory day off (holiday worked \(swap.workOn), day off \(swap.restOn)) was cancelled")
        } else {
            try await record(req, row, type: "schedule.rest_day_swap_cancelled", subject: swap.id,
                             ja: "週休日の振替（\(swap.workOn)に勤務、\(swap.restOn)が週休日）は取り消されました",
                             en: "The rest-day swap (work on \(swap.workOn), rest on \(swap.restOn)) was cancelled")
        }
        req.session.data["flash"] = l.t("\(staff.fullName)の\(what)（\(swap.workOn)）を取り消しました。", "Cancelled the \(what) of \(staff.fullName) on \(swap.workOn).")
        return req.redirect(to: back)
    }
}

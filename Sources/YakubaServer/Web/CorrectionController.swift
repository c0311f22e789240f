import Foundation
import Vapor
import SQLKit
import YakubaCore

enum CorrectionController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["corrections"], access: .signedIn) { req in try await list(req) }
        r.on(.GET, ["corrections", "new"], access: .signedIn) { req in try await newForm(req, form: CorrectionForm(), errors: [:]) }
        r.on(.POST, ["corrections"], access: .signedIn) { req in try await create(req) }
        r.on(.POST, ["corrections", ":id", "decision"], access: .roles([.approver, .hr, .admin])) { req in try await decide(req) }
    }

    /// How far back a correction may reach (the month close will narrow this).
    static let maxAgeDays = 62

    struct CorrectionForm: Content {
        var date: String? = nil
        var time: String? = nil
        var kind: String? = nil
        var target: String? = nil
        var action: String? = nil
        var reason: String? = nil
    }

    static func table(_ req: Request, _ list: [PunchCorrection], staffById: [UUID: StaffRow], zone: TimeZone, rawById: [UUID: PunchRow], actions: Bool) -> N {
        let l = req.lang
        return el("div", tableRegion(l.t("打刻修正の申請", "Correction requests")), el("table",
            el("caption", cls("muted"), txt(l.t("打刻修正の申請", "Correction requests"))),
            el("thead", el("tr", ([l.t("申請日時", "Requested"), l.t("職員", "Staff"), l.t("内容", "Change"), l.t("理由", "Reason"), l.t("状態", "Status")]
                                  + (actions ? [l.t("承認・却下", "Decision")] : [])).map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", list.map { c in
                let s = staffById[c.staffId]
                let orig = c.targetPunchId.flatMap { rawById[$0] }
                let origText = orig.map { o in "\(l.t(PunchKind(rawValue: o.kind)?.labelJa ?? o.kind, PunchKind(rawValue: o.kind)?.labelEn ?? o.kind)) \(showDate(CalendarDate(dateFromMs(o.atMs), in: zone), l)) \(showTime(dateFromMs(o.atMs), zone))" }
                let newText = c.at.map { "\(c.kind.map { l.t($0.labelJa, $0.labelEn) } ?? "") \(showDate(CalendarDate($0, in: zone), l)) \(showTime($0, zone))" } ?? ""
                let change: N = .group([
                    el("strong", txt(l.t(c.action.labelJa, c.action.labelEn) + ": ")),
                    origText.map { el("del", txt($0)) } ?? .empty,
                    c.action == .void ? .empty : txt((origText != nil ? " → " : "") + newText)])
                let statusText = l.t(c.status.labelJa, c.status.labelEn) + (c.decisionComment.flatMap { $0.isEmpty ? nil : "（\($0)）" } ?? "")
                return el("tr",
                    el("td", txt(showDate(CalendarDate(c.requestedAt, in: zone), l) + " " + showTime(c.requestedAt, zone))),
                    el("th", attr("scope", "row"), txt(s.map { "\($0.fullName)（\($0.staffNumber)）" } ?? "")),
                    el("td", change), el("td", txt(c.reason)), el("td", txt(statusText)),
                    actions ? el("td", c.status == .pending ? decisionForm(req, c) : .empty) : .empty)
            })))
    }

    static func decisionForm(_ req: Request, _ c: PunchCorrection) -> N {
        let l = req.lang
        let id = c.id.uuidString
        return el("form", attr("method", "post"), attr("action", "/corrections/\(id)/decision"),
                  hidden("_csrf", req.csrfToken),
                  el("label", attr("for", "comment-\(id)"), txt(l.t("コメント（却下時は必須）", "Comment (required to reject)"))),
                  void("input", [("id", "comment-\(id)"), ("name", "comment"), ("type", "text"), ("maxlength", "500")]),
                  el("div", el("button", attr("type", "submit"), attr("name", "decision"), attr("value", "approve"), txt(l.t("承認", "Approve"))), txt(" "),
                     el("button", attr("type", "submit"), attr("name", "decision"), attr("value", "reject"), cls("secondary"), txt(l.t("却下", "Reject")))))
    }

    static func list(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let zone = scope.municipality.zone
        let mine = try await CorrectionRepository.list(req.sql, staffIds: [p.staffId], municipalityId: p.municipalityId, pendingOnly: false, limit: 50)
        var toDecide: [PunchCorrection] = []
        var staffById: [UUID: StaffRow] = [:]
        if let me = try await StaffRepository.find(req.sql, id: p.staffId) { staffById[me.id] = me }
        if p.isApprover || p.isHR {
            let ids: [UUID]?
            if let depts = scope.visibleDepartments {
                ids = try await req.sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
                    .where("department_id", .in, SQLBind.group(Array(depts))).all(decodingColumn: "id", as: UUID.self)
            } else { ids = nil }
            toDecide = try await CorrectionRepository.list(req.sql, staffIds: ids, municipalityId: p.municipalityId, pendingOnly: true, limit: 200)
                .filter { $0.staffId != p.staffId }
            let need = Set(toDecide.map(\.staffId)).subtracting(staffById.keys)
            staffById.merge(try await StaffRepository.find(req.sql, ids: need)) { a, _ in a }
            toDecide = toDecide.filter { staffById[$0.staffId].map(scope.canApprove) ?? false }
        }
        let targets = Set((mine + toDecide).compactMap(\.targetPunchId))
        let rawById = try await PunchRepository.find(req.sql, ids: targets)
        let flash = req.takeFlash()
        let html = Pages.layout(req, title: l.t("打刻修正", "Corrections"), [
            el("h1", txt(l.t("打刻修正", "Punch corrections"))),
            el("p", link("/corrections/new", l.t("打刻修正を申請する", "Request a correction"), cls("button"))),
            (p.isApprover || p.isHR) ? .group([
                el("h2", txt(l.t("承認待ち（あなたが承認するもの）", "Waiting for your decision"))),
                toDecide.isEmpty ? el("p", cls("muted"), txt(l.t("承認待ちの申請はありません。", "Nothing is waiting."))) :
                    table(req, toDecide, staffById: staffById, zone: zone, rawById: rawById, actions: true)]) : .empty,
            el("h2", txt(l.t("自分の申請", "My requests"))),
            mine.isEmpty ? el("p", cls("muted"), txt(l.t("申請はありません。", "No requests."))) :
                table(req, mine, staffById: staffById, zone: zone, rawById: rawById, actions: false)
        ], flash: flash)
        return Pages.html(html)
    }

    static func newForm(_ req: Request, form: CorrectionForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let zone = muni.zone
        let today = CalendarDate(Date(), in: zone)
        let recent = try await PunchRepository.punches(req.sql, staffIds: [p.staffId], fromMs: nowMs(today.adding(days: -maxAgeDays).instant(atMinute: 0, in: zone)), toMs: nowMs(Date()) + 60_000)
        let date = form.date ?? req.query[String.self, at: "date"] ?? today.iso
        let html = Pages.layout(req, title: l.t("打刻修正の申請", "Request a correction"), [
            el("h1", txt(l.t("打刻修正の申請", "Request a correction"))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/corrections"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "action", label: l.t("修正の種類", "What to do"), error: errors["action"]) { d in
                   select(id: "action", name: "action", options: CorrectionAction.allCases.map { ($0.rawValue, l.t($0.labelJa + ($0 == .add ? "（打刻忘れ）" : $0 == .replace ? "（時刻・種類の誤り）" : "（誤った打刻）"), $0.labelEn)) },
                          selected: form.action ?? "add", describedBy: d, invalid: errors["action"] != nil)
               },
               field(id: "target", label: l.t("対象の打刻（修正・取消のとき）", "The punch to change or withdraw"), error: errors["target"]) { d in
                   select(id: "target", name: "target", options: [("", l.t("なし（打刻を追加）", "None (add a punch)"))] + recent.reversed().map { r in
                       (r.id.uuidString, "\(showDate(CalendarDate(dateFromMs(r.atMs), in: zone), l, weekday: true)) \(showTime(dateFromMs(r.atMs), zone)) \(l.t(PunchKind(rawValue: r.kind)?.labelJa ?? r.kind, PunchKind(rawValue: r.kind)?.labelEn ?? r.kind))")
                   }, selected: form.target ?? "", describedBy: d, invalid: errors["target"] != nil)
               },
               field(id: "kind", label: l.t("打刻の種類", "Kind"), error: errors["kind"]) { d in
                   select(id: "kind", name: "kind", options: PunchKind.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) }, selected: form.kind ?? "out", describedBy: d, invalid: errors["kind"] != nil)
               },
               field(id: "date", label: l.t("日付", "Date"), error: errors["date"]) { d in
                   input(id: "date", name: "date", type: "date", value: date, describedBy: d, required: true, invalid: errors["date"] != nil)
               },
               field(id: "time", label: l.t("正しい時刻", "Correct time"), error: errors["time"], hint: l.t("例：17:15", "e.g. 17:15")) { d in
                   input(id: "time", name: "time", type: "time", value: form.time ?? "", describedBy: d, required: true, invalid: errors["time"] != nil)
               },
               field(id: "reason", label: l.t("理由", "Reason"), error: errors["reason"], hint: l.t("例：退勤の打刻を忘れたため", "e.g. forgot to clock out")) { d in
                   el("textarea", attr("id", "reason"), attr("name", "reason"), attr("rows", "3"), attr("maxlength", "500"), attr("required", ""),
                      attr("aria-describedby", d), errors["reason"] != nil ? attr("aria-invalid", "true") : .empty, txt(form.reason ?? ""))
               },
               el("button", attr("type", "submit"), txt(l.t("申請する", "Submit request"))))
        ])
        return Pages.html(html, status: status)
    }

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let form = try req.content.decode(CorrectionForm.self)
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let zone = muni.zone
        let now = Date()
        var errors: [String: String] = [:]
        let action = form.action.flatMap(CorrectionAction.init(rawValue:))
        if action == nil { errors["action"] = l.t("修正の種類を選んでください。", "Choose what to do.") }
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty { errors["reason"] = l.t("理由を入力してください。", "Enter the reason.") }
        else if reason.count > 500 { errors["reason"] = l.t("理由は500文字以内で入力してください。", "Keep the reason within 500 characters.") }
        var target: PunchRow?
        if let t = form.target, !t.isEmpty {
            // only one's own punch: another person's id is 'not found', whatever it is
            if let id = UUID(uuidString: t), let r = try await PunchRepository.find(req.sql, id: id), r.staffId == p.staffId { target = r }
            else { errors["target"] = l.t("対象の打刻が見つかりません。", "That punch was not found.") }
        }
        if action == .replace || action == .void, target == nil, errors["target"] == nil { errors["target"] = l.t("修正・取消する打刻を選んでください。", "Choose the punch to change or withdraw.") }
        if action == .add, target != nil { errors["target"] = l.t("追加のときは対象の打刻を選ばないでください。", "Do not choose a punch when adding one.") }
        var at: Date?
        let kind = form.kind.flatMap(PunchKind.init(rawValue:))
        if action != .void {
            if kind == nil { errors["kind"] = l.t("打刻の種類を選んでください。", "Choose the kind.") }
            let date = form.date.flatMap(CalendarDate.init(iso:))
            if date == nil { errors["date"] = l.t("日付を正しく入力してください（例：2025-04-01）。", "Enter a valid date (e.g. 2025-04-01).") }
            let minute = form.time.flatMap { WeeklySchedule.parseClock($0) }
            if minute == nil || (minute ?? 0) >= 1440 { errors["time"] = l.t("時刻を正しく入力してください（例：17:15）。", "Enter a valid time (e.g. 17:15).") }
            if let d = date, let m = minute, m < 1440 {
                let instant = d.instant(atMinute: m, in: zone)
                if instant > now { errors["time"] = l.t("未来の時刻は指定できません。", "The time cannot be in the future.") }
                else if d < CalendarDate(now, in: zone).adding(days: -maxAgeDays) { errors["date"] = l.t("\(maxAgeDays)日より前の打刻は人事課に連絡してください。", "For punches older than \(maxAgeDays) days, contact HR.") }
                else { at = instant }
            }
        }
        var me: StaffRow?, tree: DepartmentTree?
        if errors.isEmpty, let when = at ?? target.map({ dateFromMs($0.atMs) }) {
            let day = CalendarDate(when, in: zone)
            let departments = DepartmentTree(try await DepartmentRepository.all(req.sql, municipalityId: p.municipalityId))
            me = try await StaffRepository.find(req.sql, id: p.staffId)
            tree = departments
            if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: me?.departmentId, date: day, tree: departments) {
                errors["date"] = l.t("\(showMonth(YearMonth(day), l))は締め済みです。人事課に連絡してください。", "\(YearMonth(day).iso) is closed. Contact HR.")
            }
        }
        if errors.isEmpty, let action {
            let draft = PunchCorrection(id: UUID(), staffId: p.staffId, action: action, targetPunchId: target?.id, kind: action == .void ? nil : kind,
                                        at: at, place: target?.place, reason: reason, status: .approved, requestedBy: p.staffId, requestedAt: now, decidedAt: now)
            if let v = try await consistencyProblem(req, staffId: p.staffId, adding: draft, around: at ?? target.map { dateFromMs($0.atMs) } ?? now) {
                errors[action == .void ? "target" : "time"] = l.t(v.messageJa, v.messageEn)
            } else {
                let row = CorrectionRow(id: draft.id, municipalityId: p.municipalityId, staffId: p.staffId, action: action.rawValue, targetPunchId: target?.id,
                                        kind: draft.kind?.rawValue, atMs: at.map { nowMs($0) }, place: target?.place ?? muni.placeList.first, reason: reason,
                                        requestedBy: p.staffId, requestedAtMs: nowMs(now))
                // the nearest 所属長 (the person's department's, else the one above it) are told, inside Yakuba; HR, who may also
                // decide, are not (they would be told of every correction in the city)
                var approvers: [UUID] = []
                if let tree, let dep = me?.departmentId {
                    approvers = try await Routing.load(req.sql, municipalityId: p.municipalityId, tree: tree).nearestApprovers(of: dep, except: p.staffId)
                }
                let day = CalendarDate(at ?? target.map { dateFromMs($0.atMs) } ?? now, in: zone)
                let name = me?.fullName ?? p.name
                let notes = Notifications.make(municipalityId: p.municipalityId, to: approvers, kind: "correction.requested",
                                               ja: "\(name)さんから打刻修正の申請があります（\(showDate(day, .ja))、\(action.labelJa)）",
                                               en: "\(name) asks to correct a punch (\(showDate(day, .en)), \(action.labelEn.lowercased()))", link: "/corrections")
                try await req.yakuba.writer.perform { _, sql in
                    try await sql.insert(into: "corrections").model(row, with: rowEncoder).run()
                    try await Notifications.insert(notes, sql)
                    return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "correction.requested", subjectId: row.id.uuidString.lowercased(), fact: row)]
                }
                await Notifications.deliver(req, notes)
                req.session.data["flash"] = l.t("打刻修正を申請しました。所属長の承認をお待ちください。", "Your correction was sent for approval.")
                return req.redirect(to: "/corrections")
            }
        }
        return try await newForm(req, form: form, errors: errors, status: .unprocessableEntity)
    }

    /// Would the person's punches still make sense with this correction applied (and the approved ones)?
    static func consistencyProblem(_ req: Request, staffId: UUID, adding c: PunchCorrection, around: Date) async throws -> PunchRuleViolation? {
        let fromMs = nowMs(around) - 3 * 86_400_000, toMs = nowMs(around) + 3 * 86_400_000
        let raw = try await PunchRepository.punches(req.sql, staffIds: [staffId], fromMs: fromMs, toMs: toMs)
        var corrections = try await CorrectionRepository.corrections(sql: req.sql, staffId: staffId, fromMs: fromMs - 86_400_000, toMs: toMs)
        var approved = c; approved.status = .approved; approved.decidedAt = approved.decidedAt ?? Date()
        corrections.removeAll { $0.id == c.id }
        corrections.append(approved)
        let eff = PunchStream.effective(raw: raw.map(\.punch), corrections: corrections)
        if case .failure(let v) = SessionBuilder.validate(eff, around: around) { return v }
        return nil
    }

    struct DecisionForm: Content { var decision: String?; var comment: String? }

    static func decide(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(DecisionForm.self)
        guard let id = req.parameters.get("id", as: UUID.self), let c = try await CorrectionRepository.find(req.sql, id: id),
              let staff = try await StaffRepository.find(req.sql, id: c.staffId), scope.canView(staff) || scope.canApprove(for: staff) else {
            throw ProblemError(status: .notFound, title: l.t("申請が見つかりません。", "Request not found."))
        }
        guard scope.canApprove(for: staff) else {
            throw ProblemError(status: .forbidden, title: l.t("自分の申請や担当外の申請は承認できません。", "You cannot decide your own request or one outside your departments."))
        }
        guard c.status == .pending else {
            throw ProblemError(status: .conflict, title: l.t("この申請はすでに処理されています。", "This request has already been decided."))
        }
        let comment = (f.comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let decision = f.decision, decision == "approve" || decision == "reject" else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("承認か却下を選んでください。", "Choose approve or reject."), errors: ["decision": "approve|reject"])
        }
        if decision == "reject" && comment.isEmpty {
            throw ProblemError(status: .unprocessableEntity, title: l.t("却下するときはコメントを入力してください。", "Give a comment when rejecting."), errors: ["comment": "required"])
        }
        if comment.count > 500 { throw ProblemError(status: .unprocessableEntity, title: l.t("コメントは500文字以内です。", "Keep the comment within 500 characters."), errors: ["comment": "too long"]) }
        if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId,
                                           date: CalendarDate(c.at ?? c.requestedAt, in: scope.municipality.zone), tree: scope.tree) {
            throw ProblemError(status: .conflict, title: l.t("この打刻の月は締め済みです。人事課に連絡してください。", "The month of this punch is closed. Contact HR."))
        }
        if decision == "approve", let v = try await consistencyProblem(req, staffId: c.staffId, adding: c, around: c.at ?? c.requestedAt) {
            throw ProblemError(status: .conflict, title: l.t("この修正を適用すると打刻の順序が崩れます：", "Applying this would leave the punches inconsistent: ") + l.t(v.messageJa, v.messageEn))
        }
        let row = DecisionRow(correctionId: c.id, status: decision == "approve" ? RequestStatus.approved.rawValue : RequestStatus.rejected.rawValue,
                              decidedBy: p.staffId, decidedAtMs: nowMs(), comment: comment)
        let day = CalendarDate(c.at ?? c.requestedAt, in: scope.municipality.zone)
        let approved = decision == "approve"
        let notes = Notifications.make(municipalityId: p.municipalityId, to: [staff.id], kind: "correction.\(approved ? "approved" : "rejected")",
                                       ja: "打刻修正が\(approved ? "承認" : "却下")されました（\(showDate(day, .ja))）" + (comment.isEmpty ? "" : "：\(comment)"),
                                       en: "Your punch correction was \(approved ? "approved" : "rejected") (\(showDate(day, .en)))" + (comment.isEmpty ? "" : ": \(comment)"),
                                       link: "/corrections")
        try await req.yakuba.writer.perform { _, sql in
            // the unique index on correction_id makes a concurrent second decision fail instead of overwriting
            try await sql.insert(into: "correction_decisions").model(row, with: rowEncoder).run()
            try await Notifications.insert(notes, sql)
            return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "correction.\(decision == "approve" ? "approved" : "rejected")",
                                subjectId: c.id.uuidString.lowercased(), fact: row)]
        }
        await Notifications.deliver(req, notes)
        req.yakuba.writer.invalidate(staffId: c.staffId)
        req.session.data["flash"] = decision == "approve" ? l.t("承認しました。出勤簿に反映されました。", "Approved; the attendance book is updated.") : l.t("却下しました。", "Rejected.")
        return req.redirect(to: "/corrections")
    }
}

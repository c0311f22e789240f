import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 勤務条件: the work rules a municipality sets in its own 条例・規則 (grace, breaks, the 年次休暇 year, carry-over and
/// hourly cap, the 60-hour count, 年末年始). HR edits them; each change is on the ledger and applies to what is computed
/// from then on (closed months keep their frozen figures).
enum RulesController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["admin", "rules"], access: AdminController.hrOrAdmin) { req in try await page(req, values: nil, errors: [:]) }
        r.on(.POST, ["admin", "rules"], access: AdminController.hrOrAdmin) { req in try await save(req) }
        r.on(.GET, ["admin", "leave-types"], access: AdminController.hrOrAdmin) { req in try await leaveTypes(req, values: nil, errors: [:]) }
        r.on(.POST, ["admin", "leave-types"], access: AdminController.hrOrAdmin) { req in try await saveLeaveTypes(req) }
    }

    static func page(_ req: Request, values: [String: String]?, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let current = scope.municipality.workRules
        let v = values ?? current.formValues
        func text(_ name: String, label: String, hint: String, mode: String = "numeric") -> N {
            field(id: name, label: label, error: errors[name], hint: hint) { d in
                input(id: name, name: name, value: v[name] ?? "", describedBy: d, required: name != "hourly_cap", invalid: errors[name] != nil,
                      extra: [("inputmode", mode), ("autocomplete", "off")])
            }
        }
        func tick(_ name: String, label: String) -> N {
            el("div", cls("field check"), el("label", void("input", [("type", "checkbox"), ("name", name), ("value", "1"), ("id", name)] + ((v[name] ?? "").isEmpty ? [] : [("checked", "")])),
                                        txt(label)))
        }
        let d = WorkRulesSettings.default
        func deflt(_ s: String) -> String { l.t("既定：", "Default: ") + s }
        return Pages.html(Pages.layout(req, title: l.t("勤務条件", "Work rules"), [
            el("h1", txt(l.t("勤務条件の設定", "Work rules"))),
            el("p", txt(l.t("条例・規則で自治体ごとに異なる値です。既定値は国家公務員の例に準じた一般的な値です。変更はこれからの計算（出勤簿・休暇・締め）に使われ、締め済みの月の数字は変わりません。変更は台帳に記録されます。",
                            "These are the values a municipality sets in its own ordinances. The defaults follow the common national model. A change applies to what is computed from now on (books, leave, the close); closed months keep their figures. Every change is recorded on the ledger."))),
            el("p", link("/admin/leave-types", l.t("休暇の種類（受け付ける休暇と日数の上限）の設定へ", "Leave types: which are offered, and their day limits"))),
            errorSummary(errors, l),
            el("form", attr("method", "post"), attr("action", "/admin/rules"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               el("fieldset", el("legend", txt(l.t("遅刻・早退と休憩", "Lateness and breaks"))),
                  text("late_grace", label: l.t("遅刻とみなすまでの猶予（分）", "Grace before a clock-in is late (minutes)"), hint: deflt("\(d.attendance.lateGraceMinutes)")),
                  text("early_grace", label: l.t("早退とみなすまでの猶予（分）", "Grace before a clock-out is early (minutes)"), hint: deflt("\(d.attendance.earlyLeaveGraceMinutes)")),
                  tick("auto_break", label: l.t("休憩の打刻がない日は、所定の休憩時間を差し引く", "Deduct the scheduled break on days with no break punched")),
                  text("break_after", label: l.t("休憩が必要になる勤務時間（時:分）", "Hours after which a break is needed (H:MM)"),
                       hint: l.t("労働基準法34条：6時間を超えると45分、8時間を超えると60分。", "LSA Art. 34: over 6h, 45 min; over 8h, 60 min. ") + deflt("6:00"), mode: "text"),
                  text("short_break", label: l.t("その場合の休憩（分）", "Break needed then (minutes)"), hint: deflt("\(d.attendance.shortBreakMinutes)")),
                  text("long_day", label: l.t("長い勤務の境目（時:分）", "Long-day threshold (H:MM)"),
                       hint: l.t("7:45 とする条例もあります。", "Some ordinances use 7:45. ") + deflt("8:00"), mode: "text"),
                  text("long_break", label: l.t("長い勤務の休憩（分）", "Break needed on a long day (minutes)"), hint: deflt("\(d.attendance.longBreakMinutes)"))),
               el("fieldset", el("legend", txt(l.t("年次休暇", "Annual leave"))),
                  field(id: "leave_year", label: l.t("年の区切り（常勤職員）", "Leave year (regular staff)"), error: errors["leave_year"],
                        hint: l.t("会計年度任用職員は常に年度です。", "Fiscal-year appointees always use the fiscal year.")) { dd in
                      select(id: "leave_year", name: "leave_year", options: [(LeaveYearBasis.calendarYear.rawValue, l.t("暦年（1月〜12月）", "Calendar year (Jan–Dec)")),
                                                                             (LeaveYearBasis.fiscalYear.rawValue, l.t("年度（4月〜3月）", "Fiscal year (Apr–Mar)"))],
                             selected: v["leave_year"], describedBy: dd, invalid: errors["leave_year"] != nil)
                  },
                  text("carry_over", label: l.t("翌年に繰り越せる日数の上限（日）", "Days that may be carried over (days)"), hint: deflt("20")),
                  text("hourly_cap", label: l.t("時間単位で使える上限（日／年）", "Cap on hourly use (days a year)"),
                       hint: l.t("上限がなければ空欄。労働基準法39条4項の例は5日。", "Empty for no cap; LSA Art. 39(4) sets 5 days. ") + deflt(l.t("なし", "none")))),
               el("fieldset", el("legend", txt(l.t("超過勤務手当", "Overtime pay"))),
                  tick("sixty_excludes_sunday", label: l.t("月60時間の算定から日曜日の勤務を除く", "Leave Sunday work out of the 60-hour count")),
                  text("standard_day", label: l.t("1日の正規の勤務時間（時:分）", "Standard day (H:MM)"),
                       hint: l.t("短時間勤務職員の時間外は、この時間まで100/100です。", "Short-time staff's overtime is paid 100/100 up to this. ") + deflt("7:45"), mode: "text"),
                  text("standard_week", label: l.t("1週の正規の勤務時間（時:分）", "Standard week (H:MM)"),
                       hint: l.t("週休日の振替でこれを超えた時間は25/100です。", "Hours over this in a week because of a rest-day swap are paid 25/100. ") + deflt("38:45"), mode: "text")),
               el("fieldset", el("legend", txt(l.t("年末年始", "Year-end closure"))),
                  text("year_end_start", label: l.t("初日（月/日）", "First day (M/D)"), hint: deflt("12/29"), mode: "text"),
                  text("year_end_end", label: l.t("最終日（月/日）", "Last day (M/D)"), hint: deflt("1/3"), mode: "text")),
               el("button", attr("type", "submit"), txt(l.t("保存", "Save")))),
        ], flash: req.takeFlash()), status: status)
    }

    static func save(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        let settings: WorkRulesSettings
        switch scope.municipality.workRules.applying(form) {
        case .failure(let problems):
            let errors = fieldErrors(problems, l)
            var values: [String: String] = [:]
            for f in WorkRulesSettings.fields { values[f] = form[f] ?? "" }
            return try await page(req, values: values, errors: errors, status: .unprocessableEntity)
        case .success(let s):
            settings = s
        }
        try await store(req, scope, scope.municipality.with(settings), ledgerType: "municipality.rules_updated", fact: settings)
        req.session.data["flash"] = l.t("勤務条件を保存しました。", "Saved the work rules.")
        return req.redirect(to: "/admin/rules")
    }

    static func fieldErrors(_ problems: WorkRulesSettings.Problems, _ l: Lang) -> [String: String] {
        var errors: [String: String] = [:]
        for p in problems.all where errors[p.field] == nil { errors[p.field] = l.t(p.messageJa, p.messageEn) }
        return errors
    }

    static func errorSummary(_ errors: [String: String], _ l: Lang) -> N {
        errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"),
                                     txt(l.t("入力内容を確認してください（\(errors.count)件）。", "Please check the \(errors.count) field(s) marked below.")))
    }

    /// Saves the municipality's rules, calendar and policies as `updated` holds them, with the change on the ledger.
    static func store(_ req: Request, _ scope: Scope, _ updated: MunicipalityRow, ledgerType: String, fact: some Encodable) async throws {
        let draft = LedgerDraft(municipalityId: updated.id, actorId: scope.principal.staffId, type: ledgerType, subjectId: updated.id.uuidString.lowercased(), fact: fact)
        try await req.yakuba.writer.perform { _, sql in
            try await sql.update("municipalities").set("rules", to: SQLBind(updated.rules)).set("holiday_rules", to: SQLBind(updated.holidayRules))
                .set("policies", to: SQLBind(updated.policies)).where("id", .equal, SQLBind(updated.id)).run()
            return [draft]
        }
        req.yakuba.forgetMunicipality(updated.id)
    }

    // MARK: - 休暇の種類

    static func leaveTypes(_ req: Request, values: [String: String]?, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let types = scope.municipality.leaveTypes
        let v = values ?? LeaveCatalogue.formValues(types)
        func days(_ t: LeaveType, _ kind: String, _ label: String, editable: Bool) -> N {
            let name = "\(t.code)-\(kind)"
            guard editable else {
                return el("td", txt(kind == "event" && t.needsRelationship ? l.t("続柄による", "By relationship") : l.t("—（残日数による）", "— (the balance)")))
            }
            let error = errors[name]
            return el("td", cls(error != nil ? "field has-error" : "field"),
                      el("label", attr("for", name), cls("visually-hidden"), txt(l.t("\(t.nameJa)の\(label)", "\(t.nameEn): \(label)"))),
                      error.map { el("p", attr("id", "\(name)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                      input(id: name, name: name, value: v[name] ?? "", describedBy: error != nil ? "\(name)-error" : nil, invalid: error != nil,
                            extra: [("inputmode", "numeric"), ("autocomplete", "off"), ("size", "4")]))
        }
        // one checkbox; its error (if any) is shown above the group it belongs to
        func box(_ name: String, _ label: String, hidden: String) -> N {
            el("label", void("input", [("type", "checkbox"), ("name", name), ("value", "1"), ("id", name)]
                             + ((v[name] ?? "").isEmpty ? [] : [("checked", "")])
                             + (errors[name] != nil ? [("aria-describedby", "\(name)-error"), ("aria-invalid", "true")] : [])),
               txt(label), el("span", cls("visually-hidden"), txt(hidden)))
        }
        func group(_ t: LeaveType, _ legend: String, errorField: String, _ boxes: [N]) -> N {
            let error = errors[errorField]
            return el("td", cls(error != nil ? "field check has-error" : "field check"),
                      el("fieldset", cls("plain"), el("legend", cls("visually-hidden"), txt(l.t("\(t.nameJa)の\(legend)", "\(t.nameEn): \(legend)"))),
                         error.map { el("p", attr("id", "\(errorField)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                         el("span", [cls("checks")] + boxes)))
        }
        let shortType: [EmploymentType: (String, String)] = [.regular: ("常勤", "Regular"), .reappointedShortTime: ("再任用短時間", "Reappointed"),
                                                             .fiscalYearFullTime: ("会計年度フル", "Fiscal-year full"), .fiscalYearPartTime: ("会計年度パート", "Fiscal-year part")]
        return Pages.html(Pages.layout(req, title: l.t("休暇の種類", "Leave types"), [
            el("h1", txt(l.t("休暇の種類の設定", "Leave types"))),
            el("p", txt(l.t("条例・規則に合わせて、職員が申請できる休暇、取得の単位（日・半日・時間・15分）、有給か無給か、対象となる任用形態、日数の上限を設定します。上限が空欄の休暇は日数の上限なしです。法律で定められた休暇はやめられず、すべての任用形態が対象です。無給の休暇は締めで勤務しなかった時間として差し引かれ、出勤簿には「無給休」と記されます。変更は台帳に記録され、これからの申請と承認に使われます。",
                            "Set which kinds of leave staff may request, their units (day, half day, hour, 15 minutes), whether they are paid, which appointments they apply to, and their day limits, as your ordinances have them; an empty limit means none. Leave given by law cannot be withdrawn and applies to every appointment. Unpaid leave is deducted in the close and shown as unpaid leave in the book. Changes are on the ledger and apply to new requests and approvals."))),
            el("p", link("/admin/rules", l.t("勤務条件の設定へ戻る", "Back to the work rules"))),
            errorSummary(errors, l),
            el("form", attr("method", "post"), attr("action", "/admin/leave-types"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               el("div", tableRegion(l.t("休暇の種類", "Leave types")), el("table",
                  el("caption", txt(l.t("休暇の種類と上限", "Leave types and their limits"))),
                  el("thead", el("tr", [l.t("休暇", "Leave"), l.t("申請を受け付ける", "Offered"), l.t("単位", "Units"), l.t("有給", "Paid"), l.t("対象", "Applies to"),
                                        l.t("年間の上限（日）", "Days a year"), l.t("1回の上限（日）", "Days an event")]
                      .map { el("th", attr("scope", "col"), txt($0)) })),
                  el("tbody", types.map { t in
                      let offered = "\(t.code)-offered"
                      let required = LeaveCatalogue.required.contains(t.code)
                      let hidden = l.t("：\(t.nameJa)", ": \(t.nameEn)")
                      return el("tr",
                        el("th", attr("scope", "row"), txt(l.t(t.nameJa, t.nameEn))),
                        group(t, l.t("受付", "offer"), errorField: offered,
                              [box(offered, required ? l.t("受け付ける（法定）", "Offered (by law)") : l.t("受け付ける", "Offered"), hidden: hidden)]),
                        group(t, l.t("取得の単位", "units"), errorField: "\(t.code)-unit-day",
                              LeaveUnit.allCases.map { u in box("\(t.code)-unit-\(u.rawValue)", l.t(u.labelJa, u.labelEn), hidden: hidden) }),
                        LeaveCatalogue.editsPaid(t)
                            ? group(t, l.t("有給・無給", "pay"), errorField: "\(t.code)-paid", [box("\(t.code)-paid", l.t("有給", "Paid"), hidden: hidden)])
                            : el("td", txt(t.paid ? l.t("有給（定め）", "Paid (fixed)") : l.t("無給（定め）", "Unpaid (fixed)"))),
                        LeaveCatalogue.editsAppliesTo(t)
                            ? group(t, l.t("対象の任用形態", "appointments"), errorField: "\(t.code)-for-regular",
                                    EmploymentType.allCases.map { e in box("\(t.code)-for-\(e.rawValue)", l.t(shortType[e]!.0, shortType[e]!.1), hidden: hidden) })
                            : el("td", txt(l.t("全員（法定）", "Everyone (by law)"))),
                        days(t, "yearly", l.t("年間の上限（日）", "days a year"), editable: LeaveCatalogue.editsYearlyLimit(t)),
                        days(t, "event", l.t("1回の上限（日）", "days an event"), editable: LeaveCatalogue.editsEventLimit(t)))
                  }))),
               el("button", attr("type", "submit"), txt(l.t("保存", "Save")))),
        ], flash: req.takeFlash()), status: status)
    }

    static func saveLeaveTypes(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        let settings: [String: LeaveTypeSetting]
        switch LeaveCatalogue.settings(from: form) {
        case .failure(let problems):
            return try await leaveTypes(req, values: form, errors: fieldErrors(problems, l), status: .unprocessableEntity)
        case .success(let s):
            settings = s
        }
        try await store(req, scope, scope.municipality.with(leaveTypes: settings), ledgerType: "municipality.leave_types_updated", fact: settings)
        req.session.data["flash"] = l.t("休暇の種類を保存しました。", "Saved the leave types.")
        return req.redirect(to: "/admin/leave-types")
    }
}

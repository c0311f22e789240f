import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 職員・組織の管理 (HR and administrators of the municipality).
enum AdminController {
    static let hrOrAdmin = Access.roles([.hr, .admin])

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["admin", "staff"], access: hrOrAdmin) { req in try await staffList(req) }
        r.on(.GET, ["admin", "staff", "new"], access: hrOrAdmin) { req in try await staffForm(req, form: StaffForm(), errors: [:]) }
        r.on(.POST, ["admin", "staff"], access: hrOrAdmin) { req in try await createStaff(req) }
        r.on(.GET, ["admin", "staff", ":id", "edit"], access: hrOrAdmin) { req in
            let scope = try await Scope.load(req)
            let s = try await scope.staff(req, req.parameters.get("id", as: UUID.self))
            return try await staffForm(req, form: StaffForm(s), errors: [:], editing: s)
        }
        r.on(.POST, ["admin", "staff", ":id"], access: hrOrAdmin) { req in try await updateStaff(req) }
        r.on(.GET, ["admin", "municipality"], access: .roles([.admin])) { req in try await municipalityForm(req, errors: [:]) }
        r.on(.POST, ["admin", "municipality"], access: .roles([.admin])) { req in try await updateMunicipality(req) }
        r.on(.GET, ["admin", "departments"], access: hrOrAdmin) { req in try await departments(req, form: DepartmentForm(), errors: [:]) }
        r.on(.POST, ["admin", "departments"], access: hrOrAdmin) { req in try await createDepartment(req) }
        r.on(.POST, ["admin", "departments", "workload"], access: hrOrAdmin) { req in try await setWorkload(req) }
        r.on(.POST, ["admin", "departments", "employer"], access: hrOrAdmin) { req in try await setEmployer(req) }
    }

    static func staffList(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let page = max(1, min(10_000, req.query[Int.self, at: "page"] ?? 1))
        let q = req.query[String.self, at: "q"]
        let filter = StaffRepository.ListFilter(municipalityId: scope.principal.municipalityId, departmentIds: nil, query: q, includeInactive: true)
        let total = try await StaffRepository.count(req.sql, filter)
        let rows = try await StaffRepository.page(req.sql, filter, limit: 100, offset: (page - 1) * 100)
        let flash = req.takeFlash()
        return Pages.html(Pages.layout(req, title: l.t("職員", "Staff"), [
            el("h1", txt(l.t("職員", "Staff") + "（\(total)\(l.t("名", ""))）")),
            el("p", link("/admin/staff/new", l.t("職員を登録", "Add a staff member"), cls("button")), txt(" "),
               link("/admin/import", l.t("CSV で一括登録", "Import a CSV"), cls("button secondary"))),
            el("form", attr("method", "get"), attr("action", "/admin/staff"), cls("filters"),
               field(id: "q", label: l.t("職員番号・氏名・カナ", "Number, name or kana"), error: nil) { d in input(id: "q", name: "q", type: "search", value: q ?? "", describedBy: d) },
               el("button", attr("type", "submit"), txt(l.t("検索", "Search")))),
            el("div", tableRegion(l.t("職員一覧（カナ順）", "Staff (by kana)")), el("table", el("caption", txt(l.t("職員一覧（カナ順）", "Staff (by kana)"))),
               el("thead", el("tr", [l.t("職員番号", "No."), l.t("氏名", "Name"), l.t("カナ", "Kana"), l.t("所属", "Department"), l.t("雇用形態", "Type"), l.t("役割", "Roles"), l.t("状態", "State"), l.t("パスワード", "Password")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", rows.map { s in
                   el("tr", el("td", txt(s.staffNumber)), el("th", attr("scope", "row"), link("/admin/staff/\(s.id.uuidString)/edit", s.fullName)), el("td", txt(s.fullKana)),
                      el("td", txt(scope.tree.path(s.departmentId))), el("td", txt(l.t(s.employment.labelJa, s.employment.labelEn))),
                      el("td", txt(s.roleSet.map { l.t($0.labelJa, $0.labelEn) }.sorted().joined(separator: "・"))),
                      el("td", txt(s.active ? l.t("在職", "Active") : l.t("退職", "Retired"))),
                      el("td", s.id == scope.principal.staffId ? .empty : el("form", attr("method", "post"), attr("action", "/admin/staff/\(s.id.uuidString)/password"),
                         hidden("_csrf", req.csrfToken),
                         el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("\(s.fullName)の初回パスワードを発行", "Issue a one-time password for \(s.fullName)")),
                            txt(s.passwordHash == nil ? l.t("パスワード発行", "Issue password") : l.t("再発行", "Reset"))))))
               }))),
            el("p", page > 1 ? link("/admin/staff?page=\(page - 1)", l.t("← 前へ", "← Previous")) : .empty, txt(" \(page) "),
               page * 100 < total ? link("/admin/staff?page=\(page + 1)", l.t("次へ →", "Next →")) : .empty)
        ], flash: flash))
    }

    struct StaffForm: Content {
        var staff_number: String? = nil; var family_name: String? = nil; var given_name: String? = nil
        var family_kana: String? = nil; var given_kana: String? = nil; var employment_type: String? = nil
        var department: String? = nil; var position: String? = nil; var weekdays: String? = nil
        var start: String? = nil; var end: String? = nil; var break_minutes: String? = nil; var start_date: String? = nil
        var role_approver: String? = nil; var role_hr: String? = nil; var role_dx: String? = nil
        var active: String? = nil
        /// when the hours change: the first day of the new hours (勤務時間の割振りの変更); the days before keep theirs
        var schedule_from: String? = nil

        init() {}
        init(_ s: StaffRow) {
            let w = s.weeklySchedule
            let day = w.days.compactMap { $0 }.first ?? DailySchedule.standard
            staff_number = s.staffNumber; family_name = s.familyName; given_name = s.givenName; family_kana = s.familyKana; given_kana = s.givenKana
            employment_type = s.employmentType; department = s.departmentId?.uuidString; position = s.position; weekdays = w.weekdaysText
            start = WeeklySchedule.formatClock(day.start); end = WeeklySchedule.formatClock(day.end)
            break_minutes = day.breakWindow.map { "\(WeeklySchedule.formatClock($0.start))-\(WeeklySchedule.formatClock($0.end))" } ?? "0"
            start_date = s.startDate; role_approver = s.roleSet.contains(.approver) ? "1" : nil; role_hr = s.roleSet.contains(.hr) ? "1" : nil; role_dx = s.roleSet.contains(.dx) ? "1" : nil
            active = s.active ? "1" : nil
        }
    }

    static func staffForm(_ req: Request, form: StaffForm, errors: [String: String], status: HTTPResponseStatus = .ok, editing: StaffRow? = nil) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        func text(_ id: String, _ label: String, _ value: String?, hint: String? = nil, required: Bool = true) -> N {
            field(id: id, label: label + (required ? l.t("（必須）", " (required)") : ""), error: errors[id], hint: hint) { d in
                input(id: id, name: id, value: value ?? "", describedBy: d, required: required, invalid: errors[id] != nil)
            }
        }
        let title = editing == nil ? l.t("職員の登録", "Add a staff member") : l.t("職員情報の変更", "Edit staff member")
        return Pages.html(Pages.layout(req, title: title, [
            el("h1", txt(title)),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください（\(errors.count)件）。", "Please check \(errors.count) field(s)."))),
            editing.flatMap { e in scope.principal.isHROfficer
                ? el("p", link("/admin/staff/\(e.id.uuidString)/personal", l.t("性別・子の出生（公表指標用、人事課のみ）", "Sex and children's births (for the published indicators; HR only)")))
                : nil } ?? .empty,
            el("form", attr("method", "post"), attr("action", editing.map { "/admin/staff/\($0.id.uuidString)" } ?? "/admin/staff"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               editing == nil ? text("staff_number", l.t("職員番号", "Staff number"), form.staff_number, hint: l.t("半角英数字20文字以内", "Up to 20 letters and digits"))
                   : el("p", el("strong", txt(l.t("職員番号：", "Staff number: "))), txt(editing!.staffNumber)),
               text("family_name", l.t("姓", "Family name"), form.family_name), text("given_name", l.t("名", "Given name"), form.given_name),
               text("family_kana", l.t("姓（カナ）", "Family name (kana)"), form.family_kana), text("given_kana", l.t("名（カナ）", "Given name (kana)"), form.given_kana),
               field(id: "employment_type", label: l.t("雇用形態", "Employment type"), error: errors["employment_type"]) { d in
                   select(id: "employment_type", name: "employment_type", options: EmploymentType.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                          selected: form.employment_type ?? "regular", describedBy: d, invalid: errors["employment_type"] != nil)
               },
               field(id: "department", label: l.t("所属", "Department"), error: errors["department"]) { d in
                   select(id: "department", name: "department", options: [("", l.t("選んでください", "Choose"))] + scope.tree.options(),
                          selected: form.department ?? "", describedBy: d, invalid: errors["department"] != nil)
               },
               text("position", l.t("職名", "Position"), form.position, required: false),
               text("weekdays", l.t("勤務曜日", "Working weekdays"), form.weekdays ?? "月火水木金", hint: l.t("例：月火水木金、月-金", "e.g. 月火水木金 or 月-金")),
               text("start", l.t("始業", "Start"), form.start ?? "8:30"), text("end", l.t("終業", "End"), form.end ?? "17:15"),
               text("break_minutes", l.t("休憩（分、または 12:00-13:00）", "Break (minutes, or 12:00-13:00)"), form.break_minutes ?? "60"),
               text("start_date", l.t("任用開始日", "Start date"), form.start_date ?? CalendarDate(Date(), in: scope.municipality.zone).iso, hint: "YYYY-MM-DD"),
               editing == nil ? .empty : text("schedule_from", l.t("勤務時間の適用開始日", "New hours apply from"),
                                              form.schedule_from ?? CalendarDate(Date(), in: scope.municipality.zone).iso,
                                              hint: l.t("勤務曜日・時刻を変えたとき、この日から新しい勤務時間になります。この日より前の出勤簿・休暇・超過勤務は元の勤務時間のままです（YYYY-MM-DD）。",
                                                        "When the weekdays or times change, the new hours apply from this day; the books, leave and overtime of earlier days keep the old hours (YYYY-MM-DD).")),
               el("fieldset", el("legend", txt(l.t("役割", "Roles"))),
                  el("label", void("input", [("type", "checkbox"), ("name", "role_approver"), ("value", "1"), ("id", "role_approver")] + (form.role_approver != nil ? [("checked", "")] : [])), txt(l.t("所属長（所属の承認者）", "Approver of the department"))),
                  el("label", void("input", [("type", "checkbox"), ("name", "role_hr"), ("value", "1"), ("id", "role_hr")] + (form.role_hr != nil ? [("checked", "")] : [])), txt(l.t("人事課", "HR"))),
                  el("label", void("input", [("type", "checkbox"), ("name", "role_dx"), ("value", "1"), ("id", "role_dx")] + (form.role_dx != nil ? [("checked", "")] : [])), txt(l.t("DX推進（アプリを作成できる）", "DX office (may build apps)")))),
               editing == nil ? .empty : el("fieldset", el("legend", txt(l.t("在職", "Employment"))),
                  el("label", void("input", [("type", "checkbox"), ("name", "active"), ("value", "1"), ("id", "active")] + (form.active != nil ? [("checked", "")] : [])),
                     txt(l.t("在職中（外すと退職扱いになり、ログインと打刻ができなくなります）", "Active (untick to retire: no more sign-in or punches)")))),
               el("button", attr("type", "submit"), txt(editing == nil ? l.t("登録する", "Add") : l.t("変更を保存", "Save changes"))))
        ]), status: status)
    }

    struct FieldErrors: Error { var errors: [String: String] }

    struct ValidStaff { var number: String; var family: String; var given: String; var fk: String; var gk: String; var type: EmploymentType
        var dept: DepartmentRow; var schedule: WeeklySchedule; var startDate: CalendarDate; var roles: [Role]
        /// editing, with new hours: the day they apply from
        var scheduleFrom: CalendarDate? = nil }

    /// Checks the staff form; `editing` skips the number (it cannot change) and the duplicate check against itself.
    static func validate(_ req: Request, _ f: StaffForm, scope: Scope, editing: StaffRow?) async throws -> Result<ValidStaff, FieldErrors> {
        let l = req.lang
        var errors: [String: String] = [:]
        func need(_ key: String, _ v: String?, max: Int = 50) -> String {
            let s = (v ?? "").trimmingCharacters(in: .whitespaces)
            if s.isEmpty { errors[key] = l.t("入力してください。", "This field is required.") }
            else if s.count > max { errors[key] = l.t("\(max)文字以内で入力してください。", "Use at most \(max) characters.") }
            return s
        }
        let number = editing?.staffNumber ?? need("staff_number", f.staff_number, max: 20)
        if editing == nil && !number.isEmpty && !number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) { errors["staff_number"] = l.t("半角英数字で入力してください。", "Use letters, digits and hyphens.") }
        let family = need("family_name", f.family_name), given = need("given_name", f.given_name)
        let fk = need("family_kana", f.family_kana), gk = need("given_kana", f.given_kana)
        for (k, v) in [("family_kana", fk), ("given_kana", gk)] where !v.isEmpty && !isKana(v) { errors[k] = l.t("カタカナで入力してください。", "Use katakana.") }
        if (f.position ?? "").count > 50 { errors["position"] = l.t("50文字以内で入力してください。", "Use at most 50 characters.") }
        let type = f.employment_type.flatMap(EmploymentType.init(rawValue:))
        if type == nil { errors["employment_type"] = l.t("雇用形態を選んでください。", "Choose the employment type.") }
        let dept = f.department.flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0] }
        if dept == nil { errors["department"] = l.t("所属を選んでください。", "Choose a department.") }
        var schedule: WeeklySchedule?
        switch WeeklySchedule.parse(weekdays: f.weekdays ?? "", start: f.start ?? "", end: f.end ?? "", breakSpec: f.break_minutes ?? "") {
        case .success(let s): schedule = s
        case .failure(let e):
            switch e {
            case .weekdays: errors["weekdays"] = l.t("曜日を「月火水木金」のように入力してください。", "Give weekdays like 月火水木金.")
            case .start: errors["start"] = l.t("始業を「8:30」のように入力してください。", "Give the start like 8:30.")
            case .end: errors["end"] = l.t("終業を始業より後の時刻で入力してください。", "Give an end after the start.")
            case .breakSpec: errors["break_minutes"] = l.t("休憩は分数か「12:00-13:00」で、勤務時間内にしてください。", "Give the break as minutes or 12:00-13:00, inside the day.")
            }
        }
        // a schedule whose hours do not add up for the appointment (常勤 38h45m, 再任用短時間 15h30m–31h, …)
        if let s = schedule, let t = type {
            for problem in Schedules.check(s, for: t) {
                let key: String = {
                    switch problem {
                    case .breakTooShort: "break_minutes"
                    case .notInQuarterHours: "start"
                    case .noWorkDay: "weekdays"
                    case .fullTimeWeek, .partTimeWeek: "end"
                    }
                }()
                if errors[key] == nil { errors[key] = l.t(problem.messageJa, problem.messageEn) }
            }
        }
        let startDate = f.start_date.flatMap(CalendarDate.init(iso:))
        if startDate == nil { errors["start_date"] = l.t("日付を YYYY-MM-DD で入力してください。", "Give the date as YYYY-MM-DD.") }
        // editing with new hours: from which day (not before the appointment, not in a month already closed)
        var scheduleFrom: CalendarDate? = nil
        if let old = editing, let s = schedule, s != old.weeklySchedule {
            let today = CalendarDate(Date(), in: scope.municipality.zone)
            // the form fills in today; a post without the field (a script) means today too
            let given = f.schedule_from.map { $0.trimmingCharacters(in: .whitespaces) } ?? today.iso
            if let from = CalendarDate(iso: given) {
                if let st = startDate, from < st {
                    errors["schedule_from"] = l.t("任用開始日（\(st.iso)）以降の日にしてください。", "Give a day on or after the start date (\(st.iso)).")
                } else if from.dayNumber > today.dayNumber + 366 {
                    errors["schedule_from"] = l.t("1年以内の日にしてください。", "Give a day within a year from today.")
                } else if let dept, let closed = try await firstClosedMonth(req.sql, scope: scope, departmentId: dept.id, from: from, to: today) {
                    errors["schedule_from"] = l.t("\(closed.iso) は締め済みです。締めた月の勤務時間は変えられません。翌月以降の日にするか、人事課で締めを解除してください。",
                                                  "\(closed.iso) is closed: its hours cannot change. Give a later day, or have HR re-open the month.")
                } else {
                    scheduleFrom = from
                }
            } else {
                errors["schedule_from"] = l.t("勤務時間を変えるときは、適用開始日を YYYY-MM-DD で入力してください。", "Give the day the new hours apply from as YYYY-MM-DD.")
            }
        }
        if editing == nil, errors["staff_number"] == nil, try await StaffRepository.find(req.sql, municipalityId: scope.principal.municipalityId, staffNumber: number) != nil {
            errors["staff_number"] = l.t("この職員番号はすでに使われています。", "This staff number is already used.")
        }
        if !errors.isEmpty { return .failure(FieldErrors(errors: errors)) }
        var roles: [Role] = editing.map { Array($0.roleSet.intersection([.admin])) } ?? []
        if f.role_approver != nil { roles.append(.approver) }
        if f.role_hr != nil { roles.append(.hr) }
        if f.role_dx != nil { roles.append(.dx) }
        return .success(ValidStaff(number: number, family: family, given: given, fk: fk, gk: gk, type: type!, dept: dept!, schedule: schedule!,
                                   startDate: startDate!, roles: roles, scheduleFrom: scheduleFrom))
    }

    /// The first month from `from`'s to `to`'s that is closed for the department, if any.
    static func firstClosedMonth(_ sql: any SQLDatabase, scope: Scope, departmentId: UUID, from: CalendarDate, to: CalendarDate) async throws -> YearMonth? {
        var m = YearMonth(from), last = YearMonth(max(from, to))
        if last < m { last = m }
        while m <= last {
            if try await CloseService.isClosed(sql, municipalityId: scope.principal.municipalityId, departmentId: departmentId, date: m.first, tree: scope.tree) { return m }
            m = m.next
        }
        return nil
    }

    static func createStaff(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let f = try req.content.decode(StaffForm.self)
        let v: ValidStaff
        switch try await validate(req, f, scope: scope, editing: nil) {
        case .failure(let e): return try await staffForm(req, form: f, errors: e.errors, status: .unprocessableEntity)
        case .success(let ok): v = ok
        }
        let password = PasswordPolicy.oneTime()
        let hash = try await req.password.async.hash(password)
        let row = StaffRow(id: UUID(), municipalityId: scope.principal.municipalityId, staffNumber: v.number, familyName: v.family, givenName: v.given,
                           familyKana: v.fk, givenKana: v.gk, employmentType: v.type.rawValue, departmentId: v.dept.id,
                           position: (f.position ?? "").trimmingCharacters(in: .whitespaces), schedule: Seed.json(v.schedule), startDate: v.startDate.iso,
                           endDate: nil, active: true, roles: v.roles.map(\.rawValue).joined(separator: ","), passwordHash: hash, mustChangePassword: true,
                           locale: "ja", updatedAtMs: nowMs())
        try await StaffWrites.insert(req.yakuba.writer, staff: row, approverOf: v.roles.contains(.approver) ? [v.dept.id] : [], actor: scope.principal.staffId)
        req.session.data["flash"] = l.t("\(row.fullName)（\(v.number)）を登録しました。初回パスワード：\(password)（初回ログイン時に変更が必要です）",
                                         "Added \(row.fullName) (\(v.number)). One-time password: \(password) (must be changed at first sign-in).")
        return req.redirect(to: "/admin/staff")
    }

    static func updateStaff(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let old = try await scope.staff(req, req.parameters.get("id", as: UUID.self))
        let f = try req.content.decode(StaffForm.self)
        let v: ValidStaff
        switch try await validate(req, f, scope: scope, editing: old) {
        case .failure(let e): return try await staffForm(req, form: f, errors: e.errors, status: .unprocessableEntity, editing: old)
        case .success(let ok): v = ok
        }
        if old.id == scope.principal.staffId && (f.active == nil || (old.roleSet.contains(.hr) && !v.roles.contains(.hr) && !scope.principal.isAdmin)) {
            return try await staffForm(req, form: f, errors: ["role_hr": l.t("自分自身の退職や権限の取り消しはできません。", "You cannot retire yourself or remove your own HR role.")],
                                       status: .unprocessableEntity, editing: old)
        }
        var row = old
        row.familyName = v.family; row.givenName = v.given; row.familyKana = v.fk; row.givenKana = v.gk; row.employmentType = v.type.rawValue
        row.departmentId = v.dept.id; row.position = (f.position ?? "").trimmingCharacters(in: .whitespaces); row.schedule = Seed.json(v.schedule)
        row.startDate = v.startDate.iso; row.roles = v.roles.map(\.rawValue).joined(separator: ","); row.active = f.active != nil
        if !row.active && old.active { row.endDate = CalendarDate(Date(), in: scope.municipality.zone).iso }
        row.updatedAtMs = max(nowMs(), old.updatedAtMs + 1)
        let updated = row
        let actor = scope.principal.staffId
        // new hours from a date: recorded as a dated assignment; the first one also records the hours the person had until then
        var assignments: [ScheduleAssignmentRow] = []
        if let from = v.scheduleFrom {
            let now = nowMs()
            if try await ScheduleRepository.assignments(req.sql, staffIds: [old.id])[old.id]?.isEmpty ?? true {
                assignments.append(ScheduleAssignmentRow(id: UUID.timeOrdered(), municipalityId: old.municipalityId, staffId: old.id, fromDate: old.startDate,
                                                         schedule: old.schedule, recordedBy: actor, recordedAtMs: now - 1))
            }
            assignments.append(ScheduleAssignmentRow(id: UUID.timeOrdered(), municipalityId: old.municipalityId, staffId: old.id, fromDate: from.iso,
                                                     schedule: updated.schedule, recordedBy: actor, recordedAtMs: now))
        }
        let newAssignments = assignments
        let retiring = !updated.active && old.active
        try await req.yakuba.writer.perform { _, sql in
            try await sql.update("staff").set(model: updated, with: rowEncoder).where("id", .equal, SQLBind(updated.id)).run()
            var drafts: [LedgerDraft] = []
            // retirement ends the face enrolment and the kiosk PIN, card and smile scores with it (biometric and personal
            // data are kept only while the person works here)
            if retiring { drafts += try await KioskRepository.forgetRetired(sql, staffId: updated.id, municipalityId: updated.municipalityId, actor: actor) }
            for a in newAssignments {
                try await ScheduleRepository.insert(a, sql)
                drafts.append(LedgerDraft(municipalityId: a.municipalityId, actorId: actor, type: "staff.schedule_assigned", subjectId: a.staffId.uuidString.lowercased(), fact: a))
            }
            try await sql.delete(from: "approver_departments").where("staff_id", .equal, SQLBind(updated.id)).run()
            if v.roles.contains(.approver) {
                try await sql.insert(into: "approver_departments").columns("staff_id", "department_id").values(SQLBind(updated.id), SQLBind(v.dept.id)).run()
            }
            return [LedgerDraft(municipalityId: updated.municipalityId, actorId: actor, type: "staff.updated", subjectId: updated.id.uuidString.lowercased(), fact: updated.ledgerFact)] + drafts
        }
        req.yakuba.tokens.refresh(staff: updated)
        if retiring { req.yakuba.face.setEnrolment(updated.id, municipalityId: updated.municipalityId, descriptors: nil) }
        req.session.data["flash"] = l.t("\(updated.fullName)（\(updated.staffNumber)）の情報を変更しました。", "Saved \(updated.fullName) (\(updated.staffNumber)).")
        return req.redirect(to: "/admin/staff")
    }

    struct MunicipalityForm: Content { var code: String?; var name: String?; var places: String? }

    static func municipalityForm(_ req: Request, errors: [String: String], form: MunicipalityForm? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let m = scope.municipality
        let flash = req.takeFlash()
        return Pages.html(Pages.layout(req, title: l.t("自治体の設定", "Municipality"), [
            el("h1", txt(l.t("自治体の設定", "Municipality settings"))),
            el("form", attr("method", "post"), attr("action", "/admin/municipality"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "code", label: l.t("地方公共団体コード（6桁）", "Local government code (6 digits)"), error: errors["code"], hint: l.t("例：172065（加賀市）", "e.g. 172065 (Kaga City)")) { d in
                   input(id: "code", name: "code", value: form?.code ?? m.code, describedBy: d, required: true, invalid: errors["code"] != nil, extra: [("inputmode", "numeric")])
               },
               field(id: "name", label: l.t("名称", "Name"), error: errors["name"]) { d in
                   input(id: "name", name: "name", value: form?.name ?? m.name, describedBy: d, required: true, invalid: errors["name"] != nil)
               },
               field(id: "places", label: l.t("打刻場所（1行に1つ）", "Places to punch from (one per line)"), error: errors["places"]) { d in
                   el("textarea", attr("id", "places"), attr("name", "places"), attr("rows", "5"), attr("aria-describedby", d), txt(form?.places ?? m.placeList.joined(separator: "\n")))
               },
               el("button", attr("type", "submit"), txt(l.t("保存", "Save"))))
        ], flash: flash), status: status)
    }

    static func updateMunicipality(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let f = try req.content.decode(MunicipalityForm.self)
        var errors: [String: String] = [:]
        let code = (f.code ?? "").trimmingCharacters(in: .whitespaces)
        if !MunicipalityCode.isValid(code) { errors["code"] = l.t("6桁の地方公共団体コード（検査数字を含む）を入力してください。", "Enter the 6-digit code, check digit included.") }
        let name = (f.name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 50 { errors["name"] = l.t("名称を50文字以内で入力してください。", "Enter a name of up to 50 characters.") }
        let places = (f.places ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if places.isEmpty || places.count > 20 || places.contains(where: { $0.count > 30 }) || Set(places).count != places.count {
            errors["places"] = l.t("打刻場所を1〜20個、各30文字以内で、重複なく入力してください。", "Give 1 to 20 distinct places of up to 30 characters.")
        }
        if errors.isEmpty, code != scope.municipality.code, try await MunicipalityRepository.all(req.sql).contains(where: { $0.code == code }) {
            errors["code"] = l.t("このコードの自治体はすでに登録されています。", "A municipality with this code exists.")
        }
        if !errors.isEmpty { return try await municipalityForm(req, errors: errors, form: f, status: .unprocessableEntity) }
        var m = scope.municipality
        m.code = code; m.name = name; m.places = Seed.json(places)
        let updated = m
        let actor = scope.principal.staffId
        try await req.yakuba.writer.perform { _, sql in
            try await sql.update("municipalities").set("code", to: SQLBind(updated.code)).set("name", to: SQLBind(updated.name))
                .set("places", to: SQLBind(updated.places)).where("id", .equal, SQLBind(updated.id)).run()
            return [LedgerDraft(municipalityId: updated.id, actorId: actor, type: "municipality.updated", subjectId: updated.id.uuidString.lowercased(), fact: updated)]
        }
        req.yakuba.forgetMunicipality(updated.id)
        req.session.data["flash"] = l.t("保存しました。", "Saved.")
        return req.redirect(to: "/admin/municipality")
    }

    static func isKana(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { (0x30A0...0x30FF).contains($0.value) || $0 == " " || $0 == "　" || (0xFF65...0xFF9F).contains($0.value) }
    }

    struct DepartmentForm: Content { var code: String? = nil; var name: String? = nil; var parent: String? = nil }

    static func departments(_ req: Request, form: DepartmentForm, errors: [String: String], status: HTTPResponseStatus = .ok,
                            workloadForm: WorkloadForm = WorkloadForm(), workloadErrors: [String: String] = [:],
                            employerForm: EmployerForm = EmployerForm(), employerErrors: [String: String] = [:]) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let flash = req.takeFlash()
        let month = YearMonth(CalendarDate(Date(), in: scope.municipality.zone))
        let workloads = WorkloadMap(try await OvertimeRepository.workloads(req.sql, municipalityId: scope.principal.municipalityId), tree: scope.tree)
        return Pages.html(Pages.layout(req, title: l.t("組織", "Departments"), [
            el("h1", txt(l.t("組織（部・課・係）", "Departments"))),
            el("div", tableRegion(l.t("組織の一覧", "The department tree")), el("table", el("caption", txt(l.t("組織の一覧", "The department tree"))),
               el("thead", el("tr", [l.t("コード", "Code"), l.t("名称", "Name"), l.t("階層", "Level"), l.t("超過勤務の上限区分（今月）", "Overtime limits (this month)"),
                                     l.t("特定事業主", "Appointing authority")]
                   .map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", scope.tree.ordered.map { d in
                   let w = workloads.regime(d.id, month: month)
                   let own = workloads.own(d.id, month: month)
                   return el("tr", el("td", txt(d.code)), el("th", attr("scope", "row"), txt(String(repeating: "　", count: scope.tree.depth(d.id)) + d.name)),
                      el("td", txt(DepartmentLevel(rawValue: d.level).map { l.t($0.labelJa, $0.labelEn) } ?? "")),
                      el("td", txt(l.t(w.labelJa, w.labelEn) + (own.map { l.t("（\($0.fromMonth)から）", " (from \($0.fromMonth))") } ?? l.t("（上位・既定）", " (inherited)")))),
                      el("td", txt({ let e = scope.tree.employer(d.id); return l.t(e.labelJa, e.labelEn) + (d.employer == nil ? l.t("（上位・既定）", " (inherited)") : "") }())))
               }))),
            el("h2", attr("id", "workload"), txt(l.t("自律部署・他律部署・36協定の指定", "Self-paced, externally driven, or an Article 36 agreement"))),
            el("p", txt(l.t("他律部署（業務量や時期を自ら決められない部署）に指定すると、超過勤務の上限は月100時間未満・年720時間・2〜6か月平均80時間・月45時間超は年6回までになります。公営企業や労働基準法別表第一の事業場（病院・清掃工場など）は、結んだ36協定の上限を入力します。指定は下の組織にも及びます。",
                            "An externally driven department (one that cannot control its workload or timing) has limits of under 100h a month, 720h a year, 2–6-month averages of 80h and at most six months over 45h. A public enterprise or a unit under LSA Schedule 1 (a hospital, a waste plant) enters the limits of its Article 36 agreement. A designation covers the departments below it."))),
            workloadErrors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/admin/departments/workload"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "wl_department", label: l.t("組織", "Department"), error: workloadErrors["department"]) { d in
                   select(id: "wl_department", name: "department", options: [("", l.t("選んでください", "Choose"))] + scope.tree.options(),
                          selected: workloadForm.department ?? "", describedBy: d, invalid: workloadErrors["department"] != nil)
               },
               field(id: "wl_workload", label: l.t("区分", "Designation"), error: workloadErrors["workload"]) { d in
                   select(id: "wl_workload", name: "workload", options: DepartmentWorkload.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) }
                            + [(DepartmentWorkloadRow.agreementKind, l.t("36協定（公営企業・別表第一の事業場）", "Article 36 agreement (public enterprise, Schedule 1 unit)"))],
                          selected: workloadForm.workload ?? DepartmentWorkload.externallyDriven.rawValue, describedBy: d, invalid: workloadErrors["workload"] != nil)
               },
               agreementFields(l, values: workloadForm.agreementValues ?? LaborAgreement36().formValues, errors: workloadErrors),
               field(id: "wl_from", label: l.t("適用する月", "From month"), error: workloadErrors["from_month"], hint: l.t("例：\(month.iso)（今年度の4月以降）", "e.g. \(month.iso) (this fiscal year or later)")) { d in
                   input(id: "wl_from", name: "from_month", type: "month", value: workloadForm.from_month ?? month.iso, describedBy: d, required: true,
                         invalid: workloadErrors["from_month"] != nil)
               },
               el("button", attr("type", "submit"), txt(l.t("指定する", "Designate")))),
            el("h2", attr("id", "employer"), txt(l.t("特定事業主（任命権者）", "Appointing authority (特定事業主)"))),
            el("p", txt(l.t("女性活躍推進法・次世代法の公表は特定事業主（市長部局・教育委員会・公営企業など）ごとに行います。指定は下の組織にも及びます。指定のない組織は市長部局です。",
                            "Each appointing authority (the mayor's office, the board of education, a public enterprise, …) publishes its own indicators. A designation covers the departments below it; the default is the mayor's office."))),
            employerErrors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/admin/departments/employer"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "em_department", label: l.t("組織", "Department"), error: employerErrors["department"]) { d in
                   select(id: "em_department", name: "department", options: [("", l.t("選んでください", "Choose"))] + scope.tree.options(),
                          selected: employerForm.department ?? "", describedBy: d, invalid: employerErrors["department"] != nil)
               },
               field(id: "em_employer", label: l.t("特定事業主", "Appointing authority"), error: employerErrors["employer"]) { d in
                   select(id: "em_employer", name: "employer", options: [("", l.t("上位の組織と同じ", "Same as the department above"))] + Employer.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                          selected: employerForm.employer ?? "", describedBy: d, invalid: employerErrors["employer"] != nil)
               },
               el("button", attr("type", "submit"), txt(l.t("指定する", "Designate")))),
            el("h2", txt(l.t("組織を追加", "Add a department"))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
            el("form", attr("method", "post"), attr("action", "/admin/departments"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "parent", label: l.t("上位の組織", "Parent"), error: errors["parent"], hint: l.t("なしの場合は「部」になります。", "None makes a top-level division.")) { d in
                   select(id: "parent", name: "parent", options: [("", l.t("なし（部）", "None"))] + scope.tree.options(where: { $0.level < 3 }),
                          selected: form.parent ?? "", describedBy: d, invalid: errors["parent"] != nil)
               },
               field(id: "code", label: l.t("コード（必須）", "Code (required)"), error: errors["code"]) { d in input(id: "code", name: "code", value: form.code ?? "", describedBy: d, required: true, invalid: errors["code"] != nil) },
               field(id: "name", label: l.t("名称（必須）", "Name (required)"), error: errors["name"]) { d in input(id: "name", name: "name", value: form.name ?? "", describedBy: d, required: true, invalid: errors["name"] != nil) },
               el("button", attr("type", "submit"), txt(l.t("追加する", "Add"))))
        ], flash: flash), status: status)
    }

    static func createDepartment(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let f = try req.content.decode(DepartmentForm.self)
        var errors: [String: String] = [:]
        let code = (f.code ?? "").trimmingCharacters(in: .whitespaces), name = (f.name ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty || code.count > 20 { errors["code"] = l.t("コードを20文字以内で入力してください。", "Give a code of up to 20 characters.") }
        else if scope.tree.rows.values.contains(where: { $0.code == code }) { errors["code"] = l.t("このコードはすでに使われています。", "This code is already used.") }
        if name.isEmpty || name.count > 50 { errors["name"] = l.t("名称を50文字以内で入力してください。", "Give a name of up to 50 characters.") }
        var parent: DepartmentRow?
        if let p = f.parent, !p.isEmpty {
            parent = UUID(uuidString: p).flatMap { scope.tree.rows[$0] }
            if parent == nil || parent!.level >= 3 { errors["parent"] = l.t("上位の組織が見つかりません。", "That parent department does not exist.") }
        }
        if !errors.isEmpty { return try await departments(req, form: f, errors: errors, status: .unprocessableEntity) }
        let row = DepartmentRow(id: UUID(), municipalityId: scope.principal.municipalityId, parentId: parent?.id, code: code, name: name,
                                level: (parent?.level ?? 0) + 1, active: true)
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "departments").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: scope.principal.staffId, type: "department.created", subjectId: row.id.uuidString.lowercased(), fact: row)]
        }
        req.session.data["flash"] = l.t("「\(name)」を追加しました。", "Added \(name).")
        return req.redirect(to: "/admin/departments")
    }

    struct EmployerForm: Content { var department: String? = nil; var employer: String? = nil }

    /// 特定事業主 of a department (and those below it that name none): a roster change, on the ledger. Empty = inherit.
    static func setEmployer(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(EmployerForm.self)
        var errors: [String: String] = [:]
        let dept = f.department.flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0] }
        if dept == nil { errors["department"] = l.t("組織を選んでください。", "Choose a department.") }
        let text = (f.employer ?? "").trimmingCharacters(in: .whitespaces)
        let employer = text.isEmpty ? nil : Employer(rawValue: text)
        if !text.isEmpty && employer == nil { errors["employer"] = l.t("特定事業主を一覧から選んでください。", "Choose the appointing authority from the list.") }
        if let dept, errors.isEmpty, dept.employer == employer?.rawValue {
            errors["employer"] = l.t("\(dept.name)はすでにこの指定です。", "\(dept.name) already has this designation.")
        }
        guard errors.isEmpty, let dept else {
            return try await departments(req, form: DepartmentForm(), errors: [:], status: .unprocessableEntity, employerForm: f, employerErrors: errors)
        }
        struct Fact: Codable { var departmentId: UUID; var employer: String? }
        try await req.yakuba.writer.perform { _, sql in
            try await sql.update("departments").set("employer", to: SQLBind(employer?.rawValue)).where("id", .equal, SQLBind(dept.id)).run()
            return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "department.employer_set", subjectId: dept.id.lowerText,
                                fact: Fact(departmentId: dept.id, employer: employer?.rawValue))]
        }
        let label = employer.map { l.t($0.labelJa, $0.labelEn) } ?? l.t("上位の組織と同じ", "the same as the department above")
        req.session.data["flash"] = l.t("\(dept.name)の特定事業主を「\(label)」にしました。", "\(dept.name)'s appointing authority is now \(label).")
        return req.redirect(to: "/admin/departments#employer")
    }

    struct WorkloadForm: Content {
        var department: String? = nil; var workload: String? = nil; var from_month: String? = nil
        var ag_month: String? = nil; var ag_year: String? = nil; var ag_special: String? = nil
        var ag_sp_month: String? = nil; var ag_sp_year: String? = nil; var ag_sp_avg: String? = nil; var ag_sp_times: String? = nil
        /// the agreement's fields as sent (nil when the form had none)
        var agreementValues: [String: String]? {
            guard ag_month != nil || ag_year != nil else { return nil }
            return ["ag_month": ag_month ?? "", "ag_year": ag_year ?? "", "ag_special": ag_special ?? "", "ag_sp_month": ag_sp_month ?? "",
                    "ag_sp_year": ag_sp_year ?? "", "ag_sp_avg": ag_sp_avg ?? "", "ag_sp_times": ag_sp_times ?? ""]
        }
    }

    /// The terms of a 36協定, used when the designation is one (hours; the 特別条項 only when ticked).
    static func agreementFields(_ l: Lang, values v: [String: String], errors: [String: String]) -> N {
        func hours(_ id: String, _ ja: String, _ en: String, hint: String) -> N {
            field(id: id, label: l.t(ja, en), error: errors[id], hint: hint) { d in
                input(id: id, name: id, value: v[id] ?? "", describedBy: d, invalid: errors[id] != nil, extra: [("inputmode", "numeric"), ("autocomplete", "off")])
            }
        }
        return el("fieldset",
                  el("legend", txt(l.t("36協定の上限（区分が36協定のときに使います）", "The agreement's limits (used when the designation is an agreement)"))),
                  hours("ag_month", "月の上限（時間）", "Hours a month", hint: l.t("45以下", "45 or less")),
                  hours("ag_year", "年の上限（時間）", "Hours a year", hint: l.t("360以下", "360 or less")),
                  el("div", cls("field check"), el("label", void("input", [("type", "checkbox"), ("name", "ag_special"), ("value", "1"), ("id", "ag_special")]
                                                                  + ((v["ag_special"] ?? "").isEmpty ? [] : [("checked", "")])),
                                                   txt(l.t("特別条項がある", "It has a special clause")))),
                  hours("ag_sp_month", "特別条項：月の上限（この時間未満）", "Special clause: under this many hours a month", hint: l.t("100以下", "100 or less")),
                  hours("ag_sp_year", "特別条項：年の上限（時間）", "Special clause: hours a year", hint: l.t("720以下", "720 or less")),
                  hours("ag_sp_avg", "特別条項：2〜6か月平均の上限（時間）", "Special clause: 2–6-month average (hours)", hint: l.t("80以下", "80 or less")),
                  hours("ag_sp_times", "特別条項：月の上限を超えられる月数（年）", "Special clause: months a year over the monthly limit", hint: l.t("6以下", "6 or less")))
    }

    /// 自律/他律 designations are dated facts: a new one applies from its month on; earlier months keep theirs.
    static func setWorkload(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let f = try req.content.decode(WorkloadForm.self)
        var errors: [String: String] = [:]
        let dept = f.department.flatMap(UUID.init(uuidString:)).flatMap { scope.tree.rows[$0] }
        if dept == nil { errors["department"] = l.t("組織を選んでください。", "Choose a department.") }
        var regime: OvertimeRegime?
        var agreementJSON: String?
        if f.workload == DepartmentWorkloadRow.agreementKind {
            switch LaborAgreement36.from(form: f.agreementValues ?? [:]) {
            case .success(let a):
                regime = .agreement(a)
                agreementJSON = String(decoding: try JSONEncoder().encode(a), as: UTF8.self)
            case .failure(let problems):
                for p in problems.all where errors[p.field] == nil { errors[p.field] = l.t(p.messageJa, p.messageEn) }
            }
        } else if let w = f.workload.flatMap(DepartmentWorkload.init(rawValue:)) {
            regime = .workload(w)
        } else {
            errors["workload"] = l.t("区分を選んでください。", "Choose the designation.")
        }
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let fyStart = YearMonth(FiscalYear(containing: today).first)
        let from = f.from_month.flatMap(YearMonth.init(iso:))
        if from == nil { errors["from_month"] = l.t("適用する月を入力してください（例：\(YearMonth(today).iso)）。", "Enter the month (e.g. \(YearMonth(today).iso)).") }
        else if from! < fyStart { errors["from_month"] = l.t("過去の年度にさかのぼって変更することはできません。\(fyStart.iso)以降を指定してください。", "Earlier fiscal years cannot be changed; choose \(fyStart.iso) or later.") }
        if let dept, let regime, let from, errors.isEmpty {
            let map = WorkloadMap(try await OvertimeRepository.workloads(req.sql, municipalityId: p.municipalityId), tree: scope.tree)
            if map.own(dept.id, month: from)?.regime == regime {
                errors["workload"] = l.t("\(dept.name)はすでに\(from.iso)から\(regime.labelJa)です。", "\(dept.name) is already \(regime.labelEn) from \(from.iso).")
            }
        }
        guard errors.isEmpty, let dept, let regime, let from else {
            return try await departments(req, form: DepartmentForm(), errors: [:], status: .unprocessableEntity, workloadForm: f, workloadErrors: errors)
        }
        let kind: String = { if case .workload(let w) = regime { return w.rawValue }; return DepartmentWorkloadRow.agreementKind }()
        let row = DepartmentWorkloadRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, departmentId: dept.id, workload: kind,
                                        fromMonth: from.iso, setBy: p.staffId, setAtMs: nowMs(), agreement: agreementJSON)
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "department_workloads").model(row, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: p.staffId, type: "department.workload_set", subjectId: dept.id.uuidString.lowercased(), fact: row)]
        }
        req.session.data["flash"] = l.t("\(dept.name)を\(from.iso)から\(regime.labelJa)に指定しました。", "\(dept.name) is \(regime.labelEn) from \(from.iso).")
        return req.redirect(to: "/admin/departments#workload")
    }
}

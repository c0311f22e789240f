import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 勤務割 (work-rules-ja.md §1.4–1.5): the 所属長 (or HR) sets, day by day for a month, the shift each person of a department
/// works — 早出・遅出, 時差出勤, a 交替制 night shift — or a rostered 週休日, from the municipality's shift patterns. A roster
/// is refused, with the case named, when it breaks the limits of 交替制 (12 days in a row, one shift of 16h, 4 週休日 in
/// 4 weeks, 40h a week on average). Each changed day is a fact on the ledger; the books, leave, overtime and the close
/// read the day's shift from it. HR keeps the patterns (`/admin/shift-patterns`).
enum RosterController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["roster"], access: OvertimeController.orderers) { req in try await page(req, posted: nil, errors: [:]) }
        r.on(.POST, ["roster"], access: OvertimeController.orderers) { req in try await save(req) }
        r.on(.GET, ["admin", "shift-patterns"], access: AdminController.hrOrAdmin) { req in try await patterns(req, form: PatternForm(), errors: [:]) }
        r.on(.POST, ["admin", "shift-patterns"], access: AdminController.hrOrAdmin) { req in try await addPattern(req) }
        r.on(.POST, ["admin", "shift-patterns", "remove"], access: AdminController.hrOrAdmin) { req in try await removePattern(req) }
    }

    static let limits = Schedules.RosterLimits()

    static func kindLabel(_ k: ShiftPattern.Kind, _ l: Lang) -> String {
        switch k {
        case .standard: l.t("通常", "Standard")
        case .staggered: l.t("時差出勤", "Staggered")
        case .earlyLate: l.t("早出遅出", "Early or late")
        case .rotating: l.t("交替制", "Rotating")
        }
    }

    static func hoursText(_ d: DailySchedule, _ l: Lang) -> String {
        func clock(_ m: Int) -> String { m >= 1440 ? l.t("翌", "next day ") + WeeklySchedule.formatClock(m - 1440) : WeeklySchedule.formatClock(m) }
        return "\(clock(d.start))〜\(clock(d.end))" + (d.breakWindow.map { l.t("（休憩 \(clock($0.start))〜\(clock($0.end))）", " (break \(clock($0.start))–\(clock($0.end)))") } ?? "")
    }

    // MARK: - The roster of a department and month

    /// What the page shows: the department, the month, its people and their timelines.
    struct Sheet {
        var department: DepartmentRow
        var month: YearMonth
        var people: [StaffRow]
        var timelines: [UUID: ScheduleTimeline]
        var patterns: [ShiftPattern]
    }

    static func sheet(_ req: Request, _ scope: Scope, department: String?, month: String?) async throws -> Sheet {
        let l = req.lang
        let p = scope.principal
        let visible = scope.tree.ordered.filter { d in scope.visibleDepartments.map { $0.contains(d.id) } ?? true }
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let chosen: DepartmentRow?
        if let text = department, !text.isEmpty {
            chosen = UUID(uuidString: text).flatMap { id in visible.first { $0.id == id } }
            guard chosen != nil else { throw ProblemError(status: .notFound, title: l.t("組織が見つかりません。", "Department not found.")) }
        } else {
            let mine = try await StaffRepository.find(req.sql, id: p.staffId)?.departmentId
            chosen = visible.first { $0.id == mine } ?? visible.first
        }
        guard let dept = chosen else { throw ProblemError(status: .notFound, title: l.t("勤務割を作れる組織がありません。", "There is no department you can roster.")) }
        let m: YearMonth
        if let text = month, !text.isEmpty {
            guard let parsed = YearMonth(iso: text) else {
                throw ProblemError(status: .badRequest, title: l.t("月は YYYY-MM で指定してください。", "Give the month as YYYY-MM."))
            }
            m = parsed
        } else { m = YearMonth(today) }
        let people = try await req.sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
            .where("department_id", .equal, SQLBind(dept.id)).where("active", .equal, SQLBind(true)).orderBy("staff_number")
            .all(decoding: StaffRow.self, with: rowDecoder)
            .filter { s in scope.canApprove(for: s) && (s.start.map { $0 <= m.last } ?? true) && (s.end.map { $0 >= m.first } ?? true) }
        var timelines: [UUID: ScheduleTimeline] = [:]
        // everyone's timeline from three reads, not three per person
        let ids = people.map(\.id)
        let assignments = try await ScheduleRepository.assignments(req.sql, staffIds: ids)
        let moves = try await ScheduleRepository.moves(req.sql, staffIds: ids)
        let roster = try await ScheduleRepository.roster(req.sql, staffIds: ids)
        for s in people {
            timelines[s.id] = s.timeline(assignments[s.id], swaps: moves.swaps[s.id], daysOff: moves.daysOff[s.id], roster: roster[s.id])
        }
        return Sheet(department: dept, month: m, people: people, timelines: timelines, patterns: scope.municipality.shiftPatterns)
    }

    static func cellName(_ s: StaffRow, _ d: CalendarDate) -> String { "c_\(s.staffNumber)_\(d.day)" }

    /// The code in force on a day: a pattern's, `休`, or "" (the weekly schedule).
    static func currentCode(_ t: ScheduleTimeline?, _ d: CalendarDate) -> String { t?.roster[d.dayNumber]?.code ?? "" }

    static func page(_ req: Request, posted: [String: String]?, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let sheet = try await sheet(req, scope, department: posted?["department"] ?? req.query[String.self, at: "department"],
                                    month: posted?["month"] ?? req.query[String.self, at: "month"])
        let m = sheet.month, holidays = scope.municipality.holidays
        let wd = l == .ja ? ["日", "月", "火", "水", "木", "金", "土"] : ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"]
        // short choices (the key above the table names each), so a month of them fits on a screen
        let options: [(String, String)] = [("", l.t("通常", "Usual")), (RosterDay.restCode, RosterDay.restCode)] + sheet.patterns.map { ($0.code, $0.code) }
        let base = "/roster?department=\(sheet.department.id.uuidString)"
        let table: N = sheet.people.isEmpty
            ? el("p", cls("muted"), txt(l.t("この組織に勤務割を作れる職員がいません。", "There is nobody in this department you can roster.")))
            : el("div", tableRegion(l.t("勤務割表", "Roster")), el("table", cls("roster"),
                el("caption", txt(l.t("\(sheet.department.name)の\(showMonth(m, l))の勤務割", "Roster of \(sheet.department.name), \(m.iso)"))),
                el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("職員", "Staff")))]
                    + m.days.map { d in el("th", [attr("scope", "col"), holidays.isHoliday(d) || d.weekday == 0 || d.weekday == 6 ? cls("off") : .empty,
                                                  txt("\(d.day)"), el("br"), el("span", cls("wd"), txt(wd[d.weekday]))]) }
                    + [el("th", attr("scope", "col"), txt(l.t("勤務時間", "Hours"))), el("th", attr("scope", "col"), txt(l.t("週休日", "Rest days")))])),
                el("tbody", sheet.people.map { s in
                    let t = sheet.timelines[s.id]
                    let error = errors[s.staffNumber]
                    // the month as it stands (or as posted): its total hours and rest days
                    var minutes = 0, rest = 0
                    // the weekly schedule's days, without the roster (made once, not per day)
                    let usual = t.map { ScheduleTimeline(base: $0.base, assignments: $0.assignments, swaps: $0.swaps) }
                    for d in m.days {
                        let code = posted?[cellName(s, d)] ?? currentCode(t, d)
                        let shift: DailySchedule?
                        if !code.isEmpty, code == currentCode(t, d) { shift = t?.roster[d.dayNumber]?.shift }
                        else if code.isEmpty { shift = usual?.day(on: d) }
                        else { shift = sheet.patterns.first { $0.code == code }?.day }
                        if let shift, !(code.isEmpty && holidays.isHoliday(d)) { minutes += shift.scheduledMinutes } else { rest += 1 }
                    }
                    let head: N = el("th", [attr("scope", "row"), txt("\(s.fullName)（\(s.staffNumber)）")]
                                     + (error.map { [el("p", attr("id", "err-\(s.staffNumber)"), cls("error"), txt($0))] } ?? []))
                    let cells: [N] = m.days.map { d in
                        let name = cellName(s, d)
                        let current = currentCode(t, d)
                        // a day made with a pattern since removed keeps its code as a choice
                        let choices = current.isEmpty || options.contains(where: { $0.0 == current }) ? options : options + [(current, current)]
                        return el("td", select(id: name, name: name, options: choices, selected: posted?[name] ?? current,
                                               describedBy: error != nil ? "err-\(s.staffNumber)" : nil, invalid: error != nil),
                                  el("label", attr("for", name), cls("visually-hidden"), txt("\(s.fullName) \(showDate(d, l, weekday: true))")))
                    }
                    return el("tr", [error != nil ? cls("has-error") : .empty, head] + cells
                              + [el("td", txt(formatDuration(minutes))), el("td", txt("\(rest)"))])
                })))
        let html = Pages.layout(req, title: l.t("勤務割", "Roster"), [
            el("h1", txt(l.t("勤務割（交替制・早出遅出）", "Roster (shifts)"))),
            el("p", txt(l.t("日ごとに勤務のパターンか「休」（週休日）を選びます。「通常」の日は週の勤務時間のとおりです。連続勤務は\(limits.maxConsecutiveWorkDays)日まで、1回の勤務は\(hoursJa(limits.maxShiftMinutes))まで、4週間に週休日\(limits.minRestDaysPer4Weeks)日以上、1週間平均\(hoursJa(limits.maxAverageWeekMinutes))までです。守れない勤務割は保存されません。",
                            "Choose a shift pattern or 休 (a rest day) for each day; a day left Usual follows the weekly schedule. At most \(limits.maxConsecutiveWorkDays) days in a row, one shift of at most \(hoursEn(limits.maxShiftMinutes)), at least \(limits.minRestDaysPer4Weeks) rest days in 4 weeks and \(hoursEn(limits.maxAverageWeekMinutes)) a week on average; a roster that breaks them is not saved."))),
            el("form", attr("method", "get"), attr("action", "/roster"), cls("inline-filters"),
               field(id: "department", label: l.t("組織", "Department"), error: nil) { d in
                   select(id: "department", name: "department", options: scope.departmentOptions, selected: sheet.department.id.uuidString, describedBy: d)
               },
               field(id: "month", label: l.t("月", "Month"), error: nil) { d in input(id: "month", name: "month", type: "month", value: m.iso, describedBy: d) },
               el("button", attr("type", "submit"), cls("secondary"), txt(l.t("表示", "Show")))),
            el("p", link("\(base)&month=\(m.previous.iso)", l.t("← 前月", "← Previous month")), txt("　"),
               link("\(base)&month=\(m.next.iso)", l.t("翌月 →", "Next month →")),
               scope.principal.isHR ? el("span", txt("　|　"), link("/admin/shift-patterns", l.t("勤務パターンの設定", "Shift patterns"))) : .empty),
            el("h2", txt(l.t("記号", "Key"))),
            el("ul", [cls("key"), el("li", txt(l.t("通常：週の勤務時間のとおり", "Usual: as the weekly schedule"))),
                                     el("li", txt(l.t("休：週休日", "休: a rest day")))]
               + sheet.patterns.map { p in el("li", txt("\(p.code)：\(p.name)（\(kindLabel(p.kind, l))）\(hoursText(p.day, l))")) }),
            errors.isEmpty ? .empty : el("div", cls("alert"), attr("role", "alert"),
                el("p", txt(l.t("この勤務割は保存できません（\(errors.count)人）。", "This roster cannot be saved (\(errors.count) people)."))),
                el("ul", errors.sorted { $0.key < $1.key }.map { k, v in
                    el("li", txt((sheet.people.first { $0.staffNumber == k }.map { "\($0.fullName)：" } ?? "") + v))
                })),
            el("form", attr("method", "post"), attr("action", "/roster"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken), hidden("department", sheet.department.id.uuidString), hidden("month", m.iso),
               table,
               sheet.people.isEmpty ? .empty : el("button", attr("type", "submit"), txt(l.t("勤務割を保存する", "Save the roster")))),
        ], flash: req.takeFlash())
        return Pages.html(html, status: status)
    }

    // MARK: - Save

    static func save(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        let sheet = try await sheet(req, scope, department: form["department"] ?? "", month: form["month"] ?? "")
        let m = sheet.month
        if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: sheet.department.id, date: m.first, tree: scope.tree) {
            throw ProblemError(status: .conflict, title: l.t("\(showMonth(m, l))は締め済みです。勤務割は変えられません。", "\(m.iso) is closed: its roster cannot change."))
        }
        let byCode = Dictionary(sheet.patterns.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var errors: [String: String] = [:]
        var changed: [RosterDayRow] = []
        var changedPeople: [StaffRow] = []
        let now = nowMs()
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let holidays = scope.municipality.holidays
        for s in sheet.people {
            guard let t = sheet.timelines[s.id] else { continue }
            var newDays: [RosterDay] = []
            var rows: [RosterDayRow] = []
            for d in m.days {
                let current = currentCode(t, d)
                let code = (form[cellName(s, d)] ?? current).trimmingCharacters(in: .whitespaces)
                if code == current {
                    // unchanged, even if its pattern has since been removed: the day keeps the hours it was given
                    if let kept = t.roster[d.dayNumber] { newDays.append(kept) }
                    continue
                }
                var problem: String?
                var day: RosterDay?
                if code == RosterDay.restCode { day = RosterDay(date: d, code: code, shift: nil) }
                else if let pattern = byCode[code] { day = RosterDay(date: d, code: code, shift: pattern.day) }
                else if !code.isEmpty { problem = l.t("\(showDate(d, l))の「\(code)」という勤務パターンはありません。", "There is no shift pattern \(code) (\(d.iso)).") }
                if problem == nil, d < today {
                    problem = l.t("\(showDate(d, l))は過ぎた日です。過ぎた日の勤務は打刻の修正で直してください。", "\(d.iso) has passed: correct past days through punch corrections.")
                }
                if problem == nil, t.swap(on: d) != nil || t.dayOff(on: d) != nil {
                    problem = l.t("\(showDate(d, l))は振替か代休日の対象です。先にそれを取り消してください。", "\(d.iso) is part of a swap or day off: cancel that first.")
                }
                if let problem { errors[s.staffNumber] = problem; break }
                if let day { newDays.append(day) }
                rows.append(RosterDayRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: s.id, date: d.iso, code: code,
                                         startMinute: day?.shift?.start, endMinute: day?.shift?.end, breakStart: day?.shift?.breakWindow?.start,
                                         breakEnd: day?.shift?.breakWindow?.end, recordedBy: p.staffId, recordedAtMs: now))
            }
            guard errors[s.staffNumber] == nil, !rows.isEmpty else { continue }
            // the limits over the month as it would be, with the four weeks on either side as they stand
            let kept = t.roster.values.filter { YearMonth($0.date) != m }
            let next = ScheduleTimeline(base: t.base, assignments: t.assignments, swaps: t.swaps, daysOff: t.daysOff, roster: kept + newDays)
            func check(_ dates: [CalendarDate]) -> [Schedules.RosterCheckDay] {
                Schedules.RosterCheckDay.days(dates.map { d in
                    let employed = (s.start.map { d >= $0 } ?? true) && (s.end.map { d <= $0 } ?? true)
                    // a 休日 or 代休日 not rostered has hours assigned but none to work: it breaks a run of work days
                    return (d, employed ? next.day(on: d) : nil,
                            employed ? next.requiredHours(on: d, isHoliday: holidays.isHoliday(d) && next.roster[d.dayNumber] == nil) : nil)
                })
            }
            let span = (-27..<0).map { m.first.adding(days: $0) } + m.days + (1...27).map { m.last.adding(days: $0) }
            var problems = Schedules.checkRoster(check(span), limits: limits).filter { problem in
                switch problem {
                case .tooManyConsecutive(let from, let n): from <= m.last && from.adding(days: n - 1) >= m.first
                case .shiftTooLong(let d, _), .overlapsPreviousShift(let d): YearMonth(d) == m
                case .tooFewRestDays: true
                case .averageTooHigh: false
                }
            }
            problems += Schedules.checkRoster(check(m.days), limits: limits).filter { if case .averageTooHigh = $0 { true } else { false } }
            if let first = problems.first {
                errors[s.staffNumber] = l.t(first.messageJa(limits), first.messageEn(limits))
                continue
            }
            changed += rows
            changedPeople.append(s)
        }
        guard errors.isEmpty else { return try await page(req, posted: form, errors: errors, status: .unprocessableEntity) }
        if changed.isEmpty {
            req.session.data["flash"] = l.t("変更はありませんでした。", "Nothing changed.")
            return req.redirect(to: "/roster?department=\(sheet.department.id.uuidString)&month=\(m.iso)")
        }
        let notes = changedPeople.flatMap { s in
            Notifications.make(municipalityId: p.municipalityId, to: [s.id], kind: "schedule.roster_set",
                               ja: "\(showMonth(m, .ja))の勤務割が変わりました", en: "Your roster for \(m.iso) changed",
                               link: "/books/\(s.id.uuidString)?month=\(m.iso)")
        }
        let rows = changed
        try await req.yakuba.writer.perform { _, sql in
            for chunk in rows.chunked(200) { try await sql.insert(into: "roster_days").models(chunk, with: rowEncoder).run() }
            try await Notifications.insert(notes, sql)
            return rows.map { LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "schedule.roster_set", subjectId: $0.staffId.lowerText, fact: $0) }
        }
        await Notifications.deliver(req, notes)
        req.session.data["flash"] = l.t("\(changedPeople.count)人の勤務割（\(changed.count)日分）を保存しました。", "Saved the roster of \(changedPeople.count) people (\(changed.count) days).")
        return req.redirect(to: "/roster?department=\(sheet.department.id.uuidString)&month=\(m.iso)")
    }

    // MARK: - Shift patterns (HR)

    struct PatternForm: Content {
        var code: String? = nil; var name: String? = nil; var kind: String? = nil
        var start: String? = nil; var end: String? = nil; var break_start: String? = nil; var break_end: String? = nil
    }

    static func patterns(_ req: Request, form: PatternForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let list = scope.municipality.shiftPatterns
        func text(_ id: String, _ label: String, _ value: String?, hint: String? = nil, required: Bool = true) -> N {
            field(id: id, label: label + (required ? l.t("（必須）", " (required)") : ""), error: errors[id], hint: hint) { d in
                input(id: id, name: id, value: value ?? "", describedBy: d, required: required, invalid: errors[id] != nil, extra: [("autocomplete", "off")])
            }
        }
        let html = Pages.layout(req, title: l.t("勤務パターン", "Shift patterns"), [
            el("h1", txt(l.t("勤務パターン", "Shift patterns"))),
            el("p", txt(l.t("勤務割で使う勤務の型です（早出遅出・時差出勤・交替制）。時刻は15分単位、翌日にかかる終了時刻は開始より前の時刻で入力します（例：17:00〜9:00）。休憩は勤務が6時間を超えると45分、8時間を超えると60分以上必要です。",
                            "The shifts rosters are made of (early or late, staggered, rotating). Times in 15-minute steps; an end before the start is on the next day (e.g. 17:00 to 9:00). Over 6 hours of work needs a 45-minute break, over 8 hours 60 minutes."))),
            el("p", link("/roster", l.t("勤務割へ", "To the roster"))),
            el("div", tableRegion(l.t("勤務パターンの一覧", "Shift patterns")), el("table",
               el("caption", txt(l.t("勤務パターンの一覧", "Shift patterns"))),
               el("thead", el("tr", [l.t("記号", "Code"), l.t("名称", "Name"), l.t("種類", "Kind"), l.t("時刻", "Hours"), l.t("勤務時間", "Worked"), l.t("操作", "Action")]
                   .map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", list.map { p in
                   el("tr", el("th", attr("scope", "row"), txt(p.code)), el("td", txt(p.name)), el("td", txt(kindLabel(p.kind, l))),
                      el("td", txt(hoursText(p.day, l))), el("td", txt(formatDuration(p.day.scheduledMinutes))),
                      el("td", el("form", attr("method", "post"), attr("action", "/admin/shift-patterns/remove"), cls("inline"),
                                  hidden("_csrf", req.csrfToken), hidden("code", p.code),
                                  el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("\(p.name)（\(p.code)）を削除", "Remove \(p.name) (\(p.code))")),
                                     txt(l.t("削除", "Remove"))))))
               }))),
            el("h2", txt(l.t("パターンを追加", "Add a pattern"))),
            errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください（\(errors.count)件）。", "Please check \(errors.count) field(s)."))),
            el("form", attr("method", "post"), attr("action", "/admin/shift-patterns"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               text("code", l.t("記号", "Code"), form.code, hint: l.t("勤務割表に出る1〜3文字（例：E、遅2）", "1 to 3 characters shown in the roster (e.g. E)")),
               text("name", l.t("名称", "Name"), form.name, hint: l.t("例：早出", "e.g. Early")),
               field(id: "kind", label: l.t("種類", "Kind"), error: errors["kind"]) { d in
                   select(id: "kind", name: "kind", options: ShiftPattern.Kind.allCases.map { ($0.rawValue, kindLabel($0, l)) },
                          selected: form.kind ?? ShiftPattern.Kind.earlyLate.rawValue, describedBy: d, invalid: errors["kind"] != nil)
               },
               text("start", l.t("開始", "Start"), form.start, hint: "H:MM"),
               text("end", l.t("終了", "End"), form.end, hint: l.t("H:MM（開始より前なら翌日）", "H:MM (before the start: the next day)")),
               text("break_start", l.t("休憩の開始", "Break from"), form.break_start, hint: "H:MM", required: false),
               text("break_end", l.t("休憩の終了", "Break until"), form.break_end, hint: "H:MM", required: false),
               el("button", attr("type", "submit"), txt(l.t("追加する", "Add")))),
        ], flash: req.takeFlash())
        return Pages.html(html, status: status)
    }

    static func addPattern(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let f = try req.content.decode(PatternForm.self)
        var errors: [String: String] = [:]
        let list = scope.municipality.shiftPatterns
        let code = (f.code ?? "").trimmingCharacters(in: .whitespaces), name = (f.name ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty || code.count > 3 { errors["code"] = l.t("記号を1〜3文字で入力してください。", "Give a code of 1 to 3 characters.") }
        else if code == RosterDay.restCode { errors["code"] = l.t("「休」は週休日の記号です。別の記号にしてください。", "休 marks a rest day: choose another code.") }
        else if list.contains(where: { $0.code == code }) { errors["code"] = l.t("この記号はすでに使われています。", "This code is already used.") }
        if name.isEmpty || name.count > 20 { errors["name"] = l.t("名称を20文字以内で入力してください。", "Give a name of up to 20 characters.") }
        let kind = f.kind.flatMap(ShiftPattern.Kind.init(rawValue:))
        if kind == nil { errors["kind"] = l.t("種類を選んでください。", "Choose the kind.") }
        let clockError = l.t("時刻を H:MM の15分単位で入力してください（例：7:30）。", "Give the time as H:MM in 15-minute steps (e.g. 7:30).")
        func clock(_ field: String, _ text: String?, optional: Bool = false) -> Int? {
            let t = (text ?? "").trimmingCharacters(in: .whitespaces)
            if t.isEmpty && optional { return nil }
            guard let v = WeeklySchedule.parseClock(WorkRulesSettings.ascii(t)), v < 1440, v % 15 == 0 else { errors[field] = clockError; return nil }
            return v
        }
        let start = clock("start", f.start)
        var end = clock("end", f.end)
        var bs = clock("break_start", f.break_start, optional: true), be = clock("break_end", f.break_end, optional: true)
        if let s = start, let e = end {
            if e <= s { end = e + 1440 }   // a shift past midnight
            // the break's times on the shift's clock (after midnight: the next day)
            if let b = bs, b < s { bs = b + 1440 }
            if let b = be, b <= s { be = b + 1440 }
            if (bs == nil) != (be == nil) { errors[bs == nil ? "break_start" : "break_end"] = l.t("休憩は開始と終了の両方を入力してください。", "Give both ends of the break.") }
            else if let b1 = bs, let b2 = be, !(b1 < b2 && b1 >= s && b2 <= end!) {
                errors["break_start"] = l.t("休憩は勤務時間の中にしてください。", "Put the break inside the shift.")
            }
            if errors.isEmpty, let en = end {
                let day = DailySchedule(start: s, end: en, breakWindow: bs.flatMap { b1 in be.map { MinuteRange(start: b1, end: $0) } })
                let required = scope.municipality.attendanceRules.requiredBreak(worked: day.scheduledMinutes)
                if day.end - day.start > limits.maxShiftMinutes {
                    errors["end"] = l.t("1回の勤務は\(hoursJa(limits.maxShiftMinutes))までです。", "One shift is at most \(hoursEn(limits.maxShiftMinutes)).")
                } else if (day.breakWindow?.length ?? 0) < required {
                    errors["break_start"] = l.t("勤務が\(hoursJa(day.scheduledMinutes))あるので、休憩が\(required)分以上必要です。", "\(hoursEn(day.scheduledMinutes)) of work needs a break of at least \(required) minutes.")
                }
            }
        }
        guard errors.isEmpty, let kind, let start, let end else { return try await patterns(req, form: f, errors: errors, status: .unprocessableEntity) }
        let pattern = ShiftPattern(code: code, name: name, kind: kind,
                                   day: DailySchedule(start: start, end: end, breakWindow: bs.flatMap { b1 in be.map { MinuteRange(start: b1, end: $0) } }))
        let updated = list + [pattern]
        try await RulesController.store(req, scope, scope.municipality.with(shiftPatterns: updated), ledgerType: "municipality.shift_patterns_updated", fact: updated)
        req.session.data["flash"] = l.t("勤務パターン「\(code) \(name)」を追加しました。", "Added the shift pattern \(code) \(name).")
        return req.redirect(to: "/admin/shift-patterns")
    }

    /// Removing a pattern leaves the rosters already made with it as they are (each day keeps its own hours).
    static func removePattern(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let code = ((try? req.content.get(String.self, at: "code")) ?? "").trimmingCharacters(in: .whitespaces)
        let list = scope.municipality.shiftPatterns
        guard list.contains(where: { $0.code == code }) else {
            throw ProblemError(status: .notFound, title: l.t("その勤務パターンはありません。", "There is no such shift pattern."))
        }
        let updated = list.filter { $0.code != code }
        try await RulesController.store(req, scope, scope.municipality.with(shiftPatterns: updated), ledgerType: "municipality.shift_patterns_updated", fact: updated)
        req.session.data["flash"] = l.t("勤務パターン「\(code)」を削除しました。これまでの勤務割はそのままです。", "Removed the shift pattern \(code); rosters made with it stay as they are.")
        return req.redirect(to: "/admin/shift-patterns")
    }
}

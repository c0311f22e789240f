import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 超勤代休時間 (work-rules-ja.md §2.5): after a month in which someone worked more than 60 hours of overtime, the 所属長
/// (or HR) may offer them time off instead of the extra pay for those hours: a whole day or 4 hours joined to the start or
/// end of a work day, within the two months after that month, topped up with whole hours of 年休 when what the month
/// converts to is short of the unit. The person accepts or declines; an accepted offer is the 指定: the day is marked
/// 超勤代休 on their book (paid, not leave), and the month's close pays the replaced over-60 hours at the rate below 60.
/// Offers are made before the month is closed; one still unanswered holds its close.
enum TimeOffController {
    typealias T = OvertimeCompensatoryTime

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["overtime", "time-off"], access: .signedIn) { req in try await page(req, form: OfferForm(), errors: [:]) }
        r.on(.POST, ["overtime", "time-off"], access: OvertimeController.orderers) { req in try await create(req) }
        r.on(.POST, ["overtime", "time-off", ":id", "accept"], access: .signedIn) { req in try await answer(req, .accept) }
        r.on(.POST, ["overtime", "time-off", ":id", "decline"], access: .signedIn) { req in try await answer(req, .decline) }
        r.on(.POST, ["overtime", "time-off", ":id", "cancel"], access: OvertimeController.orderers) { req in try await cancel(req) }
    }

    struct OfferForm: Content {
        var month: String? = nil; var staff_number: String? = nil; var date: String? = nil; var part: String? = nil; var note: String? = nil
    }

    static func path(month: YearMonth) -> String { "/overtime/time-off?month=\(month.iso)" }

    /// A person's standing for a month: what its hours over 60 convert to, and what is held by offers.
    struct Standing {
        var staff: StaffRow
        var figures: MonthlyFigures
        var closed: Bool
        var held: Int
        /// over-60 minutes worked (those whose premium was replaced included)
        var overSixty: Int {
            (figures.payMinutes[.p150] ?? 0) + (figures.payMinutes[.p175] ?? 0) + (figures.payMinutes[.p50] ?? 0) + figures.timeOffReplacedMinutes
        }
        var balance: Int { max(0, figures.timeOffEarnedMinutes - held) }
    }

    /// The month's figures of these people: frozen where the month is closed for them, else computed now.
    static func standings(_ req: Request, scope: Scope, staff: [StaffRow], month: YearMonth, offers: [TimeOffRecord], today: CalendarDate) async throws -> [Standing] {
        guard !staff.isEmpty else { return [] }
        let frozen = try await CloseService.frozen(req.sql, municipalityId: scope.municipality.id, month: month)
        let open = staff.filter { frozen[$0.id] == nil }
        var computed: [UUID: MonthlyFigures] = [:]
        if !open.isEmpty {
            for (s, f) in try await CloseService.compute(req.sql, municipality: scope.municipality, staff: open, month: month, tree: scope.tree).figures {
                computed[s.id] = f
            }
        }
        let held = TimeOffRepository.held(offers, today: today)
        return staff.compactMap { s in
            guard let f = frozen[s.id] ?? computed[s.id] else { return nil }
            return Standing(staff: s, figures: f, closed: frozen[s.id] != nil, held: held[s.id] ?? 0)
        }
    }

    /// The people the caller may offer time off to who worked more than 60 hours of overtime in the month (the orders'
    /// counted hours first narrow it down; the close's own computation decides).
    static func candidates(_ req: Request, scope: Scope, month: YearMonth) async throws -> [StaffRow] {
        let p = scope.principal
        let ids: [UUID]?
        if let depts = scope.visibleDepartments {
            guard !depts.isEmpty else { return [] }
            ids = try await req.sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
                .where("department_id", .in, SQLBind.group(Array(depts))).all(decodingColumn: "id", as: UUID.self)
        } else { ids = nil }
        let orders = try await OvertimeRepository.orders(req.sql, municipalityId: p.municipalityId, staffIds: ids, from: month.first, to: month.last, limit: 1_000_000)
        var minutes: [UUID: Int] = [:]
        for o in orders { minutes[o.order.staffId, default: 0] += o.countedMinutes }
        let over = Set(minutes.filter { $0.value > 3600 }.keys)
        guard !over.isEmpty else { return [] }
        return try await StaffRepository.find(req.sql, ids: over).values.filter { scope.canApprove(for: $0) }
            .sorted { $0.staffNumber < $1.staffNumber }
    }

    static func amountText(_ o: TimeOffRow, _ l: Lang) -> String {
        let part = l.t(o.dayPart.labelJa, o.dayPart.labelEn)
        if o.topUpMinutes == 0 { return "\(part)：\(l.t(hoursJa(o.minutes), hoursEn(o.minutes)))" }
        return l.t("\(part)：代休時間\(hoursJa(o.minutes))＋年休\(hoursJa(o.topUpMinutes))",
                   "\(part): \(hoursEn(o.minutes)) time off + \(hoursEn(o.topUpMinutes)) annual leave")
    }

    // MARK: - The page

    static func page(_ req: Request, form: OfferForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let month = (form.month ?? req.query[String.self, at: "month"]).flatMap(YearMonth.init(iso:)) ?? YearMonth(today).previous
        let window = T.window(after: month)

        // the caller's own offers: those still open, and those of the last months
        let mine = try await TimeOffRepository.records(req.sql, municipalityId: p.municipalityId, staffIds: [p.staffId], from: today.adding(days: -92))
        var content: [N] = [
            el("h1", txt(l.t("超勤代休時間", "Time off for overtime over 60 hours"))),
            el("p", txt(l.t("1か月の超過勤務が60時間を超えたとき、60時間を超えた時間の割増分の手当に代えて、本人の希望により超勤代休時間（有給で勤務を要しない時間）を指定できます。60時間を超えた月の翌月1日から2か月以内に、1日または4時間（始業から・終業まで）の単位で指定します。時間が足りないときは時間単位の年休と合わせて1日・4時間にします。",
                            "When someone works more than 60 hours of overtime in a month, they may take paid time off instead of the extra pay for the hours over 60, if they wish. It is given within the two months after that month, as a whole day or 4 hours from the start or to the end of a day; when there is not enough, hourly annual leave makes up the unit."))),
            el("p", link("/overtime", l.t("← 超過勤務へ戻る", "← Back to overtime"))),
            el("h2", txt(l.t("あなたへの提示", "Offers to you"))),
            mine.isEmpty ? el("p", cls("muted"), txt(l.t("超勤代休時間の提示はありません。", "No offers of time off."))) :
                offersTable(req, mine, staffById: [:], today: today, mode: .mine),
        ]

        if p.isApprover || p.isHR {
            let offers = try await TimeOffRepository.records(req.sql, municipalityId: p.municipalityId, sourceMonth: month)
            let staffById = try await StaffRepository.find(req.sql, ids: Set(offers.map(\.offer.staffId)))
            let shown = offers.filter { staffById[$0.offer.staffId].map(scope.canApprove(for:)) ?? false }
            let monthEnded = today > month.last
            // a month not yet ended has no hours over 60 to give for: nobody is looked for, no figures are computed
            let standings = monthEnded
                ? try await standings(req, scope: scope, staff: candidates(req, scope: scope, month: month), month: month, offers: offers, today: today)
                    .filter { $0.figures.timeOffEarnedMinutes > 0 }
                : []
            func text(_ id: String, _ label: String, value: String?, type: String = "text", hint: String? = nil, required: Bool = true,
                      extra: [(String, String?)] = []) -> N {
                field(id: id, label: label + (required ? l.t("（必須）", " (required)") : ""), error: errors[id], hint: hint) { d in
                    input(id: id, name: id, type: type, value: value ?? "", describedBy: d, required: required, invalid: errors[id] != nil, extra: extra)
                }
            }
            content += [
                el("h2", txt(l.t("\(showMonth(month, l))に60時間を超えた職員", "Staff over 60 hours in \(month.iso)"))),
                el("nav", attr("aria-label", l.t("対象月", "Month")), cls("month-nav"),
                   link(path(month: month.previous), l.t("← 前月", "← Previous month")), txt("　"), el("strong", txt(showMonth(month, l))), txt("　"),
                   link(path(month: month.next), l.t("翌月 →", "Next month →"))),
                el("p", txt(l.t("指定できる期間：\(showDate(window.from, l))〜\(showDate(window.to, l))", "Time off may be given from \(window.from.iso) to \(window.to.iso)."))),
                !monthEnded ? el("p", cls("muted"), txt(l.t("この月はまだ終わっていません。60時間を超えた時間は月が終わってから確定します。",
                                                            "This month has not ended yet: its hours over 60 are known once it has."))) :
                standings.isEmpty ? el("p", cls("muted"), txt(l.t("この月に60時間を超えた職員はいません（あなたの所属の範囲）。", "Nobody in your departments worked over 60 hours this month."))) :
                el("div", tableRegion(l.t("60時間を超えた職員", "Staff over 60 hours")), el("table",
                   el("caption", txt(l.t("60時間を超えた職員と代休時間にできる時間", "Staff over 60 hours and the time off it converts to"))),
                   el("thead", el("tr", [l.t("職員", "Staff"), l.t("超過勤務", "Overtime"), l.t("うち60時間超", "Over 60h"), l.t("代休時間にできる時間", "Converts to"),
                                         l.t("提示・指定済み", "Offered or given"), l.t("残り", "Left"), l.t("締め", "Close")].map { el("th", attr("scope", "col"), txt($0)) })),
                   el("tbody", standings.map { s in
                       el("tr", el("th", attr("scope", "row"), txt("\(s.staff.fullName)（\(s.staff.staffNumber)）")),
                          el("td", txt(formatDuration(s.figures.overtimeMinutes))), el("td", txt(formatDuration(s.overSixty))),
                          el("td", txt(l.t(hoursJa(s.figures.timeOffEarnedMinutes), hoursEn(s.figures.timeOffEarnedMinutes)))),
                          el("td", txt(l.t(hoursJa(s.held), hoursEn(s.held)))), el("td", txt(l.t(hoursJa(s.balance), hoursEn(s.balance)))),
                          el("td", txt(s.closed ? l.t("締め済み", "Closed") : l.t("未締め", "Open"))))
                   }))),
                el("h3", txt(l.t("超勤代休時間を提示する", "Offer time off"))),
                errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください（\(errors.count)件）。", "Please check \(errors.count) field(s)."))),
                el("form", attr("method", "post"), attr("action", "/overtime/time-off"), attr("novalidate", ""),
                   hidden("_csrf", req.csrfToken), hidden("month", month.iso),
                   text("staff_number", l.t("職員番号", "Staff number"), value: form.staff_number,
                        extra: [("list", standings.isEmpty ? nil : "timeoff-staff"), ("autocomplete", "off")]),
                   standings.isEmpty ? .empty : el("datalist", [attr("id", "timeoff-staff")] + standings.map { s in
                       el("option", attr("value", s.staff.staffNumber), txt("\(s.staff.fullName)（\(l.t("残り", "left")) \(l.t(hoursJa(s.balance), hoursEn(s.balance)))）"))
                   }),
                   text("date", l.t("日付", "Date"), value: form.date, type: "date",
                        hint: l.t("YYYY-MM-DD（\(window.from.iso)〜\(window.to.iso)の勤務日、明日以降）", "YYYY-MM-DD (a work day from \(window.from.iso) to \(window.to.iso), tomorrow or later)")),
                   field(id: "part", label: l.t("単位（必須）", "Unit (required)"), error: errors["part"]) { d in
                       select(id: "part", name: "part", options: T.Part.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                              selected: form.part ?? T.Part.day.rawValue, describedBy: d, invalid: errors["part"] != nil)
                   },
                   text("note", l.t("メモ", "Note"), value: form.note, required: false),
                   el("p", cls("hint"), txt(l.t("提示すると本人に通知され、本人が承諾すると指定になります。月の締めは、回答を待つ提示がなくなってから行えます。",
                                                "The person is told and the time off is given when they accept. The month cannot be closed while an offer waits for an answer."))),
                   el("button", attr("type", "submit"), txt(l.t("提示する", "Offer")))),
                el("h3", txt(l.t("\(showMonth(month, l))の時間に対する提示", "Offers for \(month.iso)"))),
                shown.isEmpty ? el("p", cls("muted"), txt(l.t("提示はありません。", "No offers."))) :
                    offersTable(req, shown, staffById: staffById, today: today, mode: .manage),
            ]
        }
        let html = Pages.layout(req, title: l.t("超勤代休時間", "Time off for overtime"), content, flash: req.takeFlash())
        return Pages.html(html, status: status)
    }

    enum Mode { case mine, manage }

    static func offersTable(_ req: Request, _ records: [TimeOffRecord], staffById: [UUID: StaffRow], today: CalendarDate, mode: Mode) -> N {
        let l = req.lang
        let headers = (mode == .manage ? [l.t("職員", "Staff")] : [])
            + [l.t("対象月", "For"), l.t("日", "Day"), l.t("時間", "Time"), l.t("メモ", "Note"), l.t("状態", "State"), l.t("操作", "Action")]
        return el("div", tableRegion(l.t("超勤代休時間の提示", "Offers of time off")), el("table",
            el("caption", txt(l.t("超勤代休時間の提示", "Offers of time off"))),
            el("thead", el("tr", headers.map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", records.map { r in
                let o = r.offer, state = r.state(today: today)
                let who = staffById[o.staffId].map { "\($0.fullName)（\($0.staffNumber)）" } ?? ""
                let day = o.day.map { showDate($0, l, weekday: true) } ?? o.date
                var actions: [N] = []
                func button(_ action: String, _ label: String, _ aria: String, secondary: Bool = false) -> N {
                    el("form", attr("method", "post"), attr("action", "/overtime/time-off/\(o.id.uuidString)/\(action)"), cls("inline"),
                       hidden("_csrf", req.csrfToken),
                       el("button", attr("type", "submit"), secondary ? cls("secondary") : .empty, attr("aria-label", aria), txt(label)))
                }
                if mode == .mine && state == .offered {
                    actions = [button("accept", l.t("承諾する", "Accept"), l.t("\(day)の超勤代休時間を承諾する", "Accept the time off on \(o.date)")),
                               button("decline", l.t("辞退する", "Decline"), l.t("\(day)の超勤代休時間を辞退する", "Decline the time off on \(o.date)"), secondary: true)]
                } else if mode == .manage && (state == .offered || (state == .accepted && (o.day.map { $0 > today } ?? false))) {
                    actions = [button("cancel", state == .offered ? l.t("取り下げる", "Withdraw") : l.t("取り消す", "Cancel"),
                                      l.t("\(who)の\(day)の超勤代休時間を\(state == .offered ? "取り下げる" : "取り消す")", "\(state == .offered ? "Withdraw" : "Cancel") the time off of \(who) on \(o.date)"),
                                      secondary: true)]
                }
                let first: [N] = mode == .manage ? [el("th", attr("scope", "row"), txt(who))] : []
                return el("tr", first + [
                    mode == .manage ? el("td", txt(o.sourceMonth)) : el("th", attr("scope", "row"), txt(o.sourceMonth)),
                    el("td", txt(day)), el("td", txt(amountText(o, l))), el("td", txt(o.note)),
                    el("td", txt(l.t(state.labelJa, state.labelEn))), el("td", actions)])
            })))
    }

    // MARK: - Offer

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let muni = scope.municipality
        let f = try req.content.decode(OfferForm.self)
        let today = CalendarDate(Date(), in: muni.zone)
        var errors: [String: String] = [:]
        guard let month = f.month.flatMap(YearMonth.init(iso:)) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("対象月を YYYY-MM で指定してください。", "Give the month as YYYY-MM."), errors: ["month": "YYYY-MM"])
        }
        let number = (f.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        var staff: StaffRow?
        if number.isEmpty { errors["staff_number"] = l.t("職員番号を入力してください。", "Give the staff number.") }
        else if let s = try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number), s.active, scope.canApprove(for: s) { staff = s }
        else { errors["staff_number"] = l.t("あなたが超勤代休時間を指定できる職員ではありません（自分自身も不可）。", "Not someone you can give time off to (nor yourself).") }
        let date = f.date.flatMap { CalendarDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        if date == nil { errors["date"] = l.t("日付を YYYY-MM-DD で入力してください。", "Give the date as YYYY-MM-DD.") }
        let part = f.part.flatMap(T.Part.init(rawValue:))
        if part == nil { errors["part"] = l.t("1日・4時間（始業から）・4時間（終業まで）から選んでください。", "Choose a whole day or 4 hours from the start or to the end.") }
        let note = (f.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 200 { errors["note"] = l.t("200文字以内で入力してください。", "Use at most 200 characters.") }

        var amounts: T.Amounts?
        var earned = 0
        if errors.isEmpty, let staff, let date, let part {
            if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId, date: month.first, tree: scope.tree) {
                errors["staff_number"] = l.t("\(showMonth(month, l))はこの職員について締め済みです。超勤代休時間は締めの前に指定します（締めを解除すれば指定できます）。",
                                             "\(month.iso) is closed for this person: time off is given before the close (re-open the month to give it).")
            } else if try await CloseService.isClosed(req.sql, municipalityId: p.municipalityId, departmentId: staff.departmentId, date: date, tree: scope.tree) {
                errors["date"] = l.t("\(showMonth(YearMonth(date), l))は締め済みです。", "\(YearMonth(date).iso) is closed.")
            }
            if errors.isEmpty {
                let timeline = try await ScheduleRepository.timeline(req.sql, staff: staff)
                let employed = (staff.start.map { date >= $0 } ?? true) && (staff.end.map { date <= $0 } ?? true)
                let sched = employed && timeline.dayKind(on: date, holidayName: muni.holidays.holidayName(date)).isWorkDay ? timeline.day(on: date) : nil
                let offers = try await TimeOffRepository.records(req.sql, municipalityId: p.municipalityId, staffIds: [staff.id])
                let standing = try await standings(req, scope: scope, staff: [staff], month: month,
                                                   offers: offers.filter { $0.offer.sourceMonth == month.iso }, today: today).first
                earned = standing?.figures.timeOffEarnedMinutes ?? 0
                if offers.contains(where: { $0.offer.date == date.iso && $0.state(today: today).holdsBalance }) {
                    errors["date"] = l.t("この日にはすでに超勤代休時間の提示か指定があります。", "This day already has time off offered or given.")
                } else if let problem = T.offerProblem(source: month, date: date, part: part, dayMinutes: sched?.scheduledMinutes,
                                                       balance: standing?.balance ?? 0, today: today) {
                    switch problem {
                    case .monthNotEnded, .nothingLeft, .tooLittle: errors["staff_number"] = l.t(problem.messageJa, problem.messageEn)
                    case .halfOfShortDay: errors["part"] = l.t(problem.messageJa, problem.messageEn)
                    default: errors["date"] = l.t(problem.messageJa, problem.messageEn)
                    }
                } else if let whole = try await LeaveRepository.leaveOn(req.sql, staff, date: date, tree: scope.tree), whole || part == .day {
                    errors["date"] = l.t("この日には休暇（申請中を含む）があります。休暇を取り下げてから指定してください。",
                                         "There is leave on this day (asked for or approved): withdraw it first.")
                } else if let standing, let sched {
                    amounts = T.amounts(part: part, dayMinutes: sched.scheduledMinutes, balance: standing.balance)
                }
            }
        }
        guard errors.isEmpty, let staff, let date, let part, let amounts else { return try await page(req, form: f, errors: errors, status: .unprocessableEntity) }
        let row = TimeOffRow(id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: staff.id, sourceMonth: month.iso, date: date.iso, part: part.rawValue,
                             minutes: amounts.timeOff, topUpMinutes: amounts.topUp, note: note, offeredBy: p.staffId, offeredAtMs: nowMs())
        let what = amountText(row, .ja), whatEn = amountText(row, .en)
        let notes = Notifications.make(municipalityId: p.municipalityId, to: [staff.id], kind: "overtime.time_off_offered",
                                       ja: "超勤代休時間の提示があります（\(showDate(date, .ja, weekday: true))、\(what)）。承諾か辞退を選んでください",
                                       en: "You are offered time off for overtime (\(date.iso), \(whatEn)): accept or decline it", link: "/overtime/time-off")
        let language = l, limit = earned
        try await req.yakuba.writer.perform { _, sql in
            // what other offers hold is read again here, where writes are one at a time: two offers at once cannot both take the last hours
            let held = TimeOffRepository.held(try await TimeOffRepository.records(sql, municipalityId: row.municipalityId, staffIds: [row.staffId], sourceMonth: month), today: today)
            if (held[row.staffId] ?? 0) + row.minutes > limit {
                throw ProblemError(status: .conflict, title: language.t("ほかの提示で残りが足りなくなりました。画面を開き直してください。", "Other offers have used what was left: reload the page."))
            }
            try await sql.insert(into: "overtime_time_off").model(row, with: rowEncoder).run()
            try await Notifications.insert(notes, sql)
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: row.offeredBy, type: "overtime.time_off_offered", subjectId: row.id.lowerText, fact: row)]
        }
        await Notifications.deliver(req, notes)
        req.session.data["flash"] = l.t("\(staff.fullName)に\(showDate(date, l))の超勤代休時間（\(what)）を提示しました。本人が承諾すると指定になります。",
                                         "Offered \(staff.fullName) time off on \(date.iso) (\(whatEn)); it is given when they accept.")
        return req.redirect(to: path(month: month))
    }

    // MARK: - Answers

    /// The person accepts or declines an offer made to them.
    static func answer(_ req: Request, _ action: T.Action) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let (rec, staff) = try await loadOffer(req, scope: scope)
        guard staff.id == p.staffId else {
            if scope.canView(staff) { throw ProblemError(status: .forbidden, title: l.t("承諾・辞退は本人だけができます。", "Only the person can accept or decline.")) }
            throw ProblemError(status: .notFound, title: l.t("超勤代休時間の提示が見つかりません。", "Offer not found."))
        }
        let state = rec.state(today: today)
        guard state == .offered else {
            throw ProblemError(status: .conflict, title: state == .lapsed
                ? l.t("この提示は期限（指定日の前日）を過ぎました。", "This offer has lapsed: it had to be answered before the day.")
                : l.t("この提示はすでに\(state.labelJa)です。", "This offer is already \(state.labelEn.lowercased())."))
        }
        if action == .accept {
            try await refuseIfClosed(req, scope: scope, rec, staff) { m in
                l.t("\(showMonth(m, l))は締め済みのため承諾できません。所属長に連絡してください。", "\(m.iso) is closed, so this cannot be accepted: contact your manager.")
            }
        }
        try await record(req, rec, action: action, actor: p.staffId, notify: [rec.offer.offeredBy],
                         ja: "\(staff.fullName)さんが\(rec.offer.date)の超勤代休時間を\(action == .accept ? "承諾" : "辞退")しました",
                         en: "\(staff.fullName) \(action == .accept ? "accepted" : "declined") the time off on \(rec.offer.date)")
        let o = rec.offer, shown = o.day.map { showDate($0, l, weekday: true) } ?? o.date
        req.session.data["flash"] = action == .decline ? l.t("辞退しました。60時間を超えた時間の手当はそのまま支給されます。", "Declined: the hours over 60 are paid as usual.")
            : o.topUpMinutes > 0
            ? l.t("承諾しました。\(shown)は超勤代休時間です。足りない\(hoursJa(o.topUpMinutes))は時間単位の年休を申請してください。",
                  "Accepted: \(o.date) is time off. Ask for \(hoursEn(o.topUpMinutes)) of hourly annual leave to make up the rest.")
            : l.t("承諾しました。\(shown)は超勤代休時間（勤務を要しない、有給）です。", "Accepted: \(o.date) is paid time off.")
        return req.redirect(to: "/overtime/time-off")
    }

    /// The 所属長 withdraws an offer not yet answered, or cancels an accepted one before its day.
    static func cancel(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let (rec, staff) = try await loadOffer(req, scope: scope)
        guard scope.canApprove(for: staff) else { throw ProblemError(status: .notFound, title: l.t("超勤代休時間の提示が見つかりません。", "Offer not found.")) }
        let state = rec.state(today: today)
        let action: T.Action
        switch state {
        case .offered: action = .withdraw
        case .accepted where (rec.offer.day.map { $0 > today } ?? false): action = .cancel
        case .accepted:
            throw ProblemError(status: .conflict, title: l.t("当日以降の超勤代休時間は取り消せません。勤務した場合は打刻で記録されます。",
                                                             "Time off cannot be cancelled on or after its day."))
        default:
            throw ProblemError(status: .conflict, title: l.t("この提示はすでに\(state.labelJa)です。", "This offer is already \(state.labelEn.lowercased())."))
        }
        try await refuseIfClosed(req, scope: scope, rec, staff) { m in
            l.t("\(showMonth(m, l))は締め済みのため取り消せません。", "\(m.iso) is closed: this cannot be cancelled.")
        }
        let verb = action == .withdraw ? "取り下げ" : "取り消し"
        try await record(req, rec, action: action, actor: p.staffId, notify: [staff.id],
                         ja: "\(rec.offer.date)の超勤代休時間は\(action == .withdraw ? "取り下げられました" : "取り消されました")",
                         en: "The time off on \(rec.offer.date) was \(action == .withdraw ? "withdrawn" : "cancelled")")
        req.session.data["flash"] = l.t("\(staff.fullName)の\(rec.offer.date)の超勤代休時間を\(verb)ました。",
                                         "\(action == .withdraw ? "Withdrew" : "Cancelled") the time off of \(staff.fullName) on \(rec.offer.date).")
        return req.redirect(to: rec.offer.month.map { path(month: $0) } ?? "/overtime/time-off")
    }

    /// The offer the path names, in the caller's municipality, and its person; 404 otherwise.
    static func loadOffer(_ req: Request, scope: Scope) async throws -> (TimeOffRecord, StaffRow) {
        let notFound = ProblemError(status: .notFound, title: req.lang.t("超勤代休時間の提示が見つかりません。", "Offer not found."))
        guard let id = req.parameters.get("id", as: UUID.self), let rec = try await TimeOffRepository.record(req.sql, id: id),
              rec.offer.municipalityId == scope.principal.municipalityId,
              let staff = try await StaffRepository.find(req.sql, id: rec.offer.staffId) else { throw notFound }
        return (rec, staff)
    }

    /// A 409 when the month the offer is for, or the month of its day, is closed for the person: either would change frozen figures.
    static func refuseIfClosed(_ req: Request, scope: Scope, _ rec: TimeOffRecord, _ staff: StaffRow, message: (YearMonth) -> String) async throws {
        guard let month = rec.offer.month, let day = rec.offer.day else { return }
        for d in [month.first, day] where try await CloseService.isClosed(req.sql, municipalityId: scope.principal.municipalityId,
                                                                        departmentId: staff.departmentId, date: d, tree: scope.tree) {
            throw ProblemError(status: .conflict, title: message(YearMonth(d)))
        }
    }

    /// Stores an answer on the ledger, checking again, one write at a time, that it may follow the answers so far.
    static func record(_ req: Request, _ rec: TimeOffRecord, action: T.Action, actor: UUID, notify: [UUID], ja: String, en: String) async throws {
        let l = req.lang
        let row = TimeOffEventRow(id: UUID.timeOrdered(), timeOffId: rec.offer.id, municipalityId: rec.offer.municipalityId, action: action.rawValue,
                                  actorId: actor, atMs: nowMs())
        let notes = Notifications.make(municipalityId: rec.offer.municipalityId, to: notify, kind: "overtime.time_off_\(action.rawValue)", ja: ja, en: en,
                                       link: "/overtime/time-off")
        try await req.yakuba.writer.perform { _, sql in
            guard let now = try await TimeOffRepository.record(sql, id: rec.offer.id) else { throw Abort(.notFound) }
            var s = T.State.offered
            for a in now.actions { if let next = T.transition(s, a) { s = next } }
            guard T.transition(s, action) != nil else {
                throw ProblemError(status: .conflict, title: l.t("この提示はすでに\(s.labelJa)です。", "This offer is already \(s.labelEn.lowercased())."))
            }
            try await sql.insert(into: "overtime_time_off_events").model(row, with: rowEncoder).run()
            try await Notifications.insert(notes, sql)
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: actor, type: "overtime.time_off_\(action.rawValue)", subjectId: rec.offer.id.lowerText, fact: row)]
        }
        await Notifications.deliver(req, notes)
    }
}

import Foundation
import Vapor
import YakubaCore

enum PunchController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["punch"], access: .signedIn) { req in try await page(req) }
        r.on(.POST, ["punch"], access: .signedIn) { req in try await postForm(req) }
        r.on(.POST, ["api", "v1", "punches"], access: .signedIn, future: apiCreate)
        r.on(.GET, ["api", "v1", "punches"], access: .signedIn) { req in try await apiList(req) }
        r.on(.GET, ["api", "v1", "days"], access: .signedIn) { req in try await apiDays(req) }
        r.on(.GET, ["api", "v1", "me"], access: .signedIn) { req in
            let p = try req.requirePrincipal()
            return try await PunchJSON.me(p).encodeResponse(status: .ok, for: req)
        }
    }

    // MARK: page

    static func stateLabel(_ s: PunchState, _ l: Lang, _ zone: TimeZone) -> String {
        switch s {
        case .off: l.t("勤務外", "Off duty")
        case .working(let since): l.t("勤務中（\(showTime(since, zone)) 出勤）", "Working (since \(showTime(since, zone)))")
        case .onBreak(let since, _): l.t("休憩中（\(showTime(since, zone)) から）", "On a break (since \(showTime(since, zone)))")
        }
    }

    static func page(_ req: Request, flash: String? = nil, error: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let zone = muni.zone
        let now = Date()
        let recent = try await req.yakuba.writer.recent(staffId: p.staffId)
        let state = SessionBuilder.state(recent.effective, now: now, abandonAfter: req.yakuba.writer.abandonAfter)
        let today = CalendarDate(now, in: zone)
        let todays = recent.effective.filter { CalendarDate($0.at, in: zone) == today }
        let lastPlace = recent.effective.last?.place
        let places = muni.placeList
        let chosen = (req.session.data["place"]).flatMap { places.contains($0) ? $0 : nil } ?? lastPlace.flatMap { places.contains($0) ? $0 : nil } ?? places.first ?? ""
        let flashText = flash ?? req.takeFlash()
        let key = UUID().uuidString
        let next = state.allowedNext
        func button(_ k: PunchKind, primary: Bool) -> N {
            let c = primary ? (k == .clockOut ? "big out" : "big") : "big break"
            return el("button", attr("type", "submit"), attr("name", "kind"), attr("value", k.rawValue), cls(c), txt(l.t(k.labelJa, k.labelEn)))
        }
        // コンディション: asked at clock-in where the municipality uses it, once a day, skippable (nothing chosen by default)
        var askCondition = muni.conditionCheck && next.first == .clockIn
        if askCondition { askCondition = try await !ConditionRepository.answered(req.sql, staffId: p.staffId, date: today) }
        let conditionField: N = askCondition
            ? el("fieldset", cls("condition"),
                 el("legend", txt(l.t("今日のコンディション（任意）", "How are you today? (optional)"))),
                 el("p", cls("hint"), attr("id", "condition-hint"), txt(l.t("答えると出勤と一緒に記録します。同僚には表示されません。", "Recorded with your clock-in if you answer. Never shown to colleagues."))),
                 N.group(ConditionScore.allCases.reversed().map { c in
                     el("label", void("input", [("type", "radio"), ("name", "condition"), ("value", String(c.rawValue)), ("id", "condition-\(c.rawValue)"),
                                                 ("aria-describedby", "condition-hint")]),
                        txt("\(c.rawValue) " + l.t(c.labelJa, c.labelEn)))
                 }),
                 el("label", void("input", [("type", "radio"), ("name", "condition"), ("value", ""), ("id", "condition-skip"), ("checked", "")]),
                    txt(l.t("答えない", "Skip"))))
            : .empty
        let html = Pages.layout(req, title: l.t("打刻", "Clock in/out"), [
            el("div", cls("punch-card"),
               el("h1", txt(l.t("打刻", "Clock in/out"))),
               el("p", cls("muted"), txt(showDate(today, l, weekday: true))),
               el("p", cls("clock"), attr("id", "clock"), attr("data-server-ms", String(nowMs(now))), attr("data-tz", muni.timeZone),
                  attr("aria-label", l.t("サーバー時刻", "Server time")), txt(showTime(now, zone))),
               el("p", cls("state"), attr("id", "state"), txt(l.t("現在：", "Now: ") + stateLabel(state, l, zone))),
               flashText.map { el("p", cls("flash"), attr("role", "status"), txt($0)) } ?? .empty,
               error.map { el("p", cls("alert"), attr("role", "alert"), attr("id", "punch-error"), txt($0)) } ?? .empty,
               el("form", attr("method", "post"), attr("action", "/punch"),
                  hidden("_csrf", req.csrfToken), hidden("idempotency_key", key), hidden("device_at", ""),
                  el("fieldset", [el("legend", txt(l.t("勤務場所", "Place")))] + places.enumerated().map { (i, pl) in
                      el("label", void("input", [("type", "radio"), ("name", "place"), ("value", pl), ("id", "place-\(i)")] + (pl == chosen ? [("checked", "")] : [])), txt(pl))
                  }),
                  conditionField,
                  el("div", next.enumerated().map { (i, k) in button(k, primary: i == 0) }))),
            muni.conditionCheck ? el("p", link("/condition", l.t("自分のコンディションの推移", "My condition over time"))) : .empty,
            el("h2", txt(l.t("本日の打刻", "Today's punches"))),
            todays.isEmpty ? el("p", cls("muted"), txt(l.t("まだ打刻はありません。", "No punches yet today."))) :
                el("table",
                   el("caption", cls("muted"), txt(l.t("本日の打刻一覧", "Punches today"))),
                   el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("時刻", "Time"))), el("th", attr("scope", "col"), txt(l.t("種類", "Kind"))),
                                  el("th", attr("scope", "col"), txt(l.t("場所", "Place"))))),
                   el("tbody", todays.map { e in el("tr", el("td", txt(showTime(e.at, zone))), el("td", txt(l.t(e.kind.labelJa, e.kind.labelEn) + (e.source == .correction ? l.t("（修正）", " (corrected)") : ""))), el("td", txt(e.place))) })),
            el("p", link("/corrections/new", l.t("打刻を忘れた・間違えたときは打刻修正を申請", "Forgot or mistyped a punch? Request a correction")))
        ])
        return Pages.html(html, status: status)
    }

    struct PunchForm: Content { var kind: String?; var place: String?; var idempotency_key: String?; var device_at: String?; var condition: String? }

    static func postForm(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let f = try req.content.decode(PunchForm.self)
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        guard let kind = f.kind.flatMap(PunchKind.init(rawValue:)) else {
            return try await page(req, error: l.t("打刻の種類を選んでください。", "Choose what to punch."), status: .unprocessableEntity)
        }
        guard let place = f.place, muni.placeList.contains(place) else {
            return try await page(req, error: l.t("勤務場所を選んでください。", "Choose the place."), status: .unprocessableEntity)
        }
        // the condition, when given with a clock-in: one of the five points
        let conditionText = (f.condition ?? "").trimmingCharacters(in: .whitespaces)
        let condition = conditionText.isEmpty ? nil : Int(conditionText).flatMap(ConditionScore.init(rawValue:))
        if !conditionText.isEmpty && condition == nil {
            return try await page(req, error: l.t("コンディションは1〜5から選ぶか、「答えない」を選んでください。", "Choose a condition from 1 to 5, or skip."), status: .unprocessableEntity)
        }
        req.session.data["place"] = place
        let cmd = PunchCommand(staffId: p.staffId, municipalityId: p.municipalityId, kind: kind, place: place,
                               deviceAt: f.device_at.flatMap(parseISODate), source: .selfService, recordedBy: p.staffId,
                               idempotencyKey: validKey(f.idempotency_key), at: nil)
        switch try await req.yakuba.writer.punch(cmd) {
        case .created(let row), .replayed(let row):
            if let condition, kind == .clockIn, muni.conditionCheck {
                try await ConditionRepository.record(req.yakuba.writer, ConditionRow(
                    id: UUID.timeOrdered(), municipalityId: p.municipalityId, staffId: p.staffId, date: CalendarDate(dateFromMs(row.atMs), in: muni.zone).iso,
                    score: condition.rawValue, recordedAtMs: nowMs()))
            }
            req.session.data["flash"] = l.t("\(kind.labelJa)を \(showTime(dateFromMs(row.atMs), muni.zone)) に記録しました（\(place)）。",
                                             "\(kind.labelEn) recorded at \(showTime(dateFromMs(row.atMs), muni.zone)) (\(place)).")
            return req.redirect(to: "/punch")
        case .rejected(let v):
            return try await page(req, error: l.t(v.messageJa, v.messageEn), status: .conflict)
        }
    }

    // MARK: API

    struct PunchBody: Content {
        var kind: String?
        var place: String?
        var device_time: String?
        static let keys: Set<String> = ["kind", "place", "device_time"]
    }

    static func validKey(_ k: String?) -> String? {
        guard let k, !k.isEmpty, k.count <= 200, k.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7F }) else { return nil }
        return k
    }

    /// `POST /api/v1/punches`. Future-based: with the municipality and the person's recent punches in memory
    /// (always, after start-up), a punch goes from the request's event loop to the writer and back with no task.
    static func apiCreate(_ req: Request) -> EventLoopFuture<Response> {
        do {
            let p = try req.requirePrincipal()
            if let muni = req.yakuba.cachedContext(p.municipalityId) {
                let cmd = try command(req, p, muni)
                return req.yakuba.writer.punch(cmd, on: req.eventLoop).flatMapThrowing { try response($0, cmd, muni, req) }
            }
            return req.eventLoop.makeFutureWithTask {
                let muni = try await req.yakuba.context(p.municipalityId, req)
                let cmd = try command(req, p, muni)
                return try response(try await req.yakuba.writer.punch(cmd), cmd, muni, req)
            }
        } catch {
            return req.eventLoop.makeFailedFuture(error)
        }
    }

    private static let decoder = JSONDecoder()

    /// The validated punch a request asks for, or a 400/415/422 problem naming each bad field.
    static func command(_ req: Request, _ p: Principal, _ muni: YakubaServices.MunicipalityContext) throws -> PunchCommand {
        let l = req.lang
        // JSON only; checked on the raw header, which is much cheaper than parsing it into a media type
        if let ct = req.headers.first(name: .contentType), !ct.lowercased().hasPrefix("application/json") {
            throw ProblemError(status: .unsupportedMediaType, title: l.t("Content-Type は application/json にしてください。", "Send the body as application/json."), code: "unsupported_media_type")
        }
        let body: PunchBody
        do {
            guard let buffer = req.body.data else { throw Abort(.badRequest) }
            // the usual small flat body is read directly; anything else goes to JSONDecoder, which decides
            if let fields = buffer.withUnsafeReadableBytes(FlatJSON.strings), fields.keys.allSatisfy(PunchBody.keys.contains) {
                body = PunchBody(kind: fields["kind"] ?? nil, place: fields["place"] ?? nil, device_time: fields["device_time"] ?? nil)
            } else {
                body = try decoder.decode(PunchBody.self, from: buffer)
            }
        } catch {
            throw ProblemError(status: .badRequest, title: l.t("JSON の形式が正しくありません。", "The body is not valid JSON of the expected shape."), code: "malformed_body")
        }
        var errors: [String: String] = [:]
        let kind = body.kind.flatMap(PunchKind.init(rawValue:))
        if kind == nil { errors["kind"] = l.t("kind は in, out, break_start, break_end のいずれかです。", "kind must be one of in, out, break_start, break_end.") }
        let place = body.place ?? muni.places.first ?? ""
        if !muni.places.contains(place) { errors["place"] = l.t("place は次のいずれかです：", "place must be one of: ") + muni.places.joined(separator: ", ") }
        var deviceAt: Date?
        if let d = body.device_time {
            deviceAt = parseISODate(d)
            if deviceAt == nil { errors["device_time"] = l.t("device_time は ISO 8601 の日時です。", "device_time must be an ISO 8601 date-time.") }
        }
        let rawKey = req.headers.first(name: "Idempotency-Key")
        let key = validKey(rawKey)
        if rawKey != nil && key == nil { errors["Idempotency-Key"] = l.t("Idempotency-Key は 200 文字以内の ASCII です。", "Idempotency-Key must be up to 200 printable ASCII characters.") }
        guard errors.isEmpty, let kind else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("入力内容に誤りがあります。", "Some fields are invalid."), errors: errors, code: "validation")
        }
        return PunchCommand(staffId: p.staffId, municipalityId: p.municipalityId, kind: kind, place: place, deviceAt: deviceAt,
                            source: .selfService, recordedBy: p.staffId, idempotencyKey: key, at: nil)
    }

    static func response(_ outcome: PunchOutcome, _ cmd: PunchCommand, _ muni: YakubaServices.MunicipalityContext, _ req: Request) throws -> Response {
        let l = req.lang
        switch outcome {
        case .created(let row):
            let res = Response(status: .created, body: .init(string: PunchJSON(row, zone: muni.zone).json))
            res.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
            res.headers.replaceOrAdd(name: .location, value: "/api/v1/punches/\(row.id.lowerText)")
            return res
        case .replayed(let row):
            guard row.kind == cmd.kind.rawValue else {
                throw ProblemError(status: .unprocessableEntity, title: l.t("この Idempotency-Key は別の打刻に使われています。", "This Idempotency-Key was used for a different punch."), code: "idempotency_key_reused")
            }
            let res = Response(status: .created, body: .init(string: PunchJSON(row, zone: muni.zone).json))
            res.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
            res.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
            return res
        case .rejected(let v):
            throw ProblemError(status: .conflict, title: l.t(v.messageJa, v.messageEn), code: v.rawValue)
        }
    }

    static func apiList(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, try staffIdParameter(req) ?? scope.principal.staffId)
        let zone = scope.municipality.zone
        let today = CalendarDate(Date(), in: zone)
        let fromS = req.query[String.self, at: "from"], toS = req.query[String.self, at: "to"]
        let from = fromS.flatMap(CalendarDate.init(iso:)) ?? today.adding(days: -31)
        let to = toS.flatMap(CalendarDate.init(iso:)) ?? today
        if (fromS != nil && CalendarDate(iso: fromS!) == nil) || (toS != nil && CalendarDate(iso: toS!) == nil) || to < from || to.dayNumber - from.dayNumber > 366 {
            throw ProblemError(status: .unprocessableEntity, title: l.t("from と to は YYYY-MM-DD で、from ≦ to、期間は366日以内です。",
                                                                        "from and to are YYYY-MM-DD, from ≤ to, at most 366 days apart."), code: "validation")
        }
        let rows = try await PunchRepository.punches(req.sql, staffIds: [staff.id], fromMs: nowMs(from.instant(atMinute: 0, in: zone)),
                                                      toMs: nowMs(to.adding(days: 1).instant(atMinute: 0, in: zone)))
        return try await PunchList(punches: rows.map { PunchJSON($0, zone: zone) }).encodeResponse(for: req)
    }

    static func apiDays(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, try staffIdParameter(req) ?? scope.principal.staffId)
        let zone = scope.municipality.zone
        let monthS = req.query[String.self, at: "month"]
        guard let month = monthS.map({ YearMonth(iso: $0) }) ?? YearMonth(CalendarDate(Date(), in: zone)) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("month は YYYY-MM です。", "month must be YYYY-MM."), code: "validation")
        }
        let book = try await BookService.books(req.sql, municipality: scope.municipality, staff: [staff], month: month)[0]
        return try await DaysJSON(book, zone: zone).encodeResponse(for: req)
    }
}

/// The optional `staff_id` query parameter: absent means oneself; present, it must be an id (a typo must not
/// quietly show one's own data instead).
func staffIdParameter(_ req: Request) throws -> UUID? {
    guard let raw = req.query[String.self, at: "staff_id"] else { return nil }
    guard let id = UUID(uuidString: raw) else {
        throw ProblemError(status: .unprocessableEntity, title: req.lang.t("入力内容に誤りがあります。", "Some fields are invalid."),
                           errors: ["staff_id": req.lang.t("staff_id は職員の ID（UUID）です。", "staff_id must be a staff id (a UUID).")], code: "validation")
    }
    return id
}

func parseISODate(_ s: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: s) { return d }
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: s)
}

struct PunchJSON: Content {
    var id: UUID
    var kind: String
    var at: String
    var device_time: String?
    var place: String
    var source: String
    var date: String

    init(_ r: PunchRow, zone: TimeZone) {
        id = r.id; kind = r.kind; at = Ledger.iso8601Millis(dateFromMs(r.atMs)); device_time = r.deviceAtMs.map { Ledger.iso8601Millis(dateFromMs($0)) }
        place = r.place; source = r.source; date = CalendarDate(dateFromMs(r.atMs), in: zone).iso
    }

    /// The same JSON as JSONEncoder writes for this type (a test holds them equal), without its cost on the punch path.
    var json: String {
        var out = "{\"id\":\"\(id.upperText)\",\"kind\":" + jsonString(kind) + ",\"at\":" + jsonString(at)
        if let d = device_time { out += ",\"device_time\":" + jsonString(d) }
        out += ",\"place\":" + jsonString(place) + ",\"source\":" + jsonString(source) + ",\"date\":" + jsonString(date) + "}"
        return out
    }

    struct Me: Content { var id: UUID; var staff_number: String; var name: String; var roles: [String] }
    static func me(_ p: Principal) -> Me { Me(id: p.staffId, staff_number: p.staffNumber, name: p.name, roles: p.roles.map(\.rawValue).sorted()) }
}
struct PunchList: Content { var punches: [PunchJSON] }

struct DaysJSON: Content {
    struct Day: Content {
        var date: String; var kind: String; var holiday_name: String?; var scheduled_minutes: Int; var worked_minutes: Int; var break_minutes: Int
        var within_schedule_minutes: Int; var outside_schedule_minutes: Int; var late_minutes: Int; var early_leave_minutes: Int
        var first_in: String?; var last_out: String?; var places: [String]; var flags: [String]; var marks: [String]
    }
    var staff_id: UUID; var month: String; var days: [Day]; var totals: AttendanceTotals

    init(_ b: AttendanceBook, zone: TimeZone) {
        staff_id = b.staff.id; month = b.month.iso; totals = b.totals
        days = b.days.map { d in
            var kind = "work_day", hn: String? = nil
            switch d.kind { case .workDay: kind = "work_day"; case .weeklyRestDay: kind = "weekly_rest_day"; case .holiday(let n): kind = "holiday"; hn = n }
            return Day(date: d.date.iso, kind: kind, holiday_name: hn, scheduled_minutes: d.scheduledMinutes, worked_minutes: d.workedMinutes,
                       break_minutes: d.breakMinutes, within_schedule_minutes: d.withinScheduleMinutes, outside_schedule_minutes: d.outsideScheduleMinutes,
                       late_minutes: d.lateMinutes, early_leave_minutes: d.earlyLeaveMinutes, first_in: d.firstIn.map(Ledger.iso8601Millis),
                       last_out: d.lastOut.map(Ledger.iso8601Millis), places: d.places, flags: d.flags.sorted().map(\.rawValue),
                       marks: d.marks.map(\.code.rawValue))
        }
    }
}

import Foundation
import Vapor
import YakubaCore

enum BookController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["books"], access: .roles([.approver, .hr, .admin])) { req in try await list(req) }
        r.on(.GET, ["books", ":staffId"], access: .signedIn) { req in try await book(req, print: false) }
        r.on(.GET, ["books", ":staffId", "print"], access: .signedIn) { req in try await book(req, print: true) }
        r.on(.GET, ["books", ":staffId", "csv"], access: .signedIn) { req in try await csv(req) }
        r.on(.POST, ["books", ":staffId", "proxy-punch"], access: .roles([.approver, .hr, .admin])) { req in try await proxyPunch(req) }
    }

    static func month(_ req: Request, _ zone: TimeZone) throws -> YearMonth {
        guard let s = req.query[String.self, at: "month"], !s.isEmpty else { return YearMonth(CalendarDate(Date(), in: zone)) }
        guard let m = YearMonth(iso: s) else {
            throw ProblemError(status: .unprocessableEntity, title: req.lang.t("月は YYYY-MM の形で指定してください。", "Give the month as YYYY-MM."), code: "validation")
        }
        return m
    }

    static let pageSize = 50

    static func list(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let zone = scope.municipality.zone
        let m = try month(req, zone)
        let deptFilter = req.query[UUID.self, at: "department"]
        let typeFilter = req.query[String.self, at: "type"].flatMap(EmploymentType.init(rawValue:))
        let q = req.query[String.self, at: "q"]
        let page = max(1, min(10_000, req.query[Int.self, at: "page"] ?? 1))
        var depts = scope.visibleDepartments
        if let d = deptFilter {
            let sub = scope.tree.descendants(of: [d])
            depts = depts.map { $0.intersection(sub) } ?? sub
        }
        let filter = StaffRepository.ListFilter(municipalityId: scope.principal.municipalityId, departmentIds: depts, employmentType: typeFilter, query: q)
        let total = try await StaffRepository.count(req.sql, filter)
        let staff = try await StaffRepository.page(req.sql, filter, limit: pageSize, offset: (page - 1) * pageSize)
        let books = try await BookService.books(req.sql, municipality: scope.municipality, staff: staff, month: m)
        let pages = max(1, (total + pageSize - 1) / pageSize)
        func qs(_ changes: [String: String]) -> String {
            var items: [String: String] = ["month": m.iso]
            if let d = deptFilter { items["department"] = d.uuidString }
            if let t = typeFilter { items["type"] = t.rawValue }
            if let q, !q.isEmpty { items["q"] = q }
            for (k, v) in changes { items[k] = v }
            return "?" + items.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        }
        let html = Pages.layout(req, title: l.t("出勤簿一覧", "Attendance books"), [
            el("h1", txt(l.t("出勤簿一覧", "Attendance books") + "（\(showMonth(m, l))）")),
            el("form", attr("method", "get"), attr("action", "/books"), cls("filters noprint"), attr("aria-label", l.t("絞り込み", "Filter")),
               field(id: "month", label: l.t("月", "Month"), error: nil) { d in input(id: "month", name: "month", type: "month", value: m.iso, describedBy: d) },
               field(id: "department", label: l.t("所属", "Department"), error: nil) { d in
                   select(id: "department", name: "department", options: [("", l.t("すべて", "All"))] + scope.departmentOptions,
                          selected: deptFilter?.uuidString ?? "", describedBy: d)
               },
               field(id: "type", label: l.t("雇用形態", "Employment type"), error: nil) { d in
                   select(id: "type", name: "type", options: [("", l.t("すべて", "All"))] + EmploymentType.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                          selected: typeFilter?.rawValue ?? "", describedBy: d)
               },
               field(id: "q", label: l.t("職員番号・氏名・カナ", "Number, name or kana"), error: nil) { d in input(id: "q", name: "q", type: "search", value: q ?? "", describedBy: d) },
               el("button", attr("type", "submit"), txt(l.t("表示", "Show")))),
            el("p", attr("role", "status"), txt(l.t("\(total)名中 \(min(total, (page - 1) * pageSize + 1))〜\(min(total, page * pageSize))名", "\(min(total, (page - 1) * pageSize + 1))–\(min(total, page * pageSize)) of \(total) staff"))),
            el("div", tableRegion(l.t("職員ごとの月計", "Monthly totals per person")), el("table",
               el("caption", txt(l.t("職員ごとの月計（要確認の件数を含む）", "Monthly totals per person, with items to check"))),
               el("thead", el("tr", [l.t("職員番号", "No."), l.t("氏名", "Name"), l.t("所属", "Department"), l.t("雇用形態", "Type"),
                                     l.t("勤務日数", "Days worked"), l.t("実働", "Worked"), l.t("所定外", "Outside schedule"), l.t("遅刻", "Late"),
                                     l.t("要確認", "To check")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", books.map { b in
                   let t = b.totals
                   let anomalies = AttendanceFlag.allCases.filter { $0.isAnomaly && (t.flagCounts[$0.rawValue] ?? 0) > 0 }
                   return el("tr",
                      el("td", txt(b.staff.staffNumber)),
                      el("th", attr("scope", "row"), link("/books/\(b.staff.id.uuidString)?month=\(m.iso)", b.staff.fullName)),
                      el("td", txt(scope.tree.path(b.staff.departmentId))),
                      el("td", txt(l.t(b.staff.employment.labelJa, b.staff.employment.labelEn))),
                      el("td", cls("num"), txt("\(t.daysWorked)/\(t.scheduledDays)")),
                      el("td", cls("num"), txt(formatDuration(t.workedMinutes))),
                      el("td", cls("num"), txt(formatDuration(t.outsideScheduleMinutes))),
                      el("td", cls("num"), txt("\(t.lateCount)")),
                      el("td", anomalies.isEmpty ? txt("—") : .group(anomalies.map { f in el("span", cls("tag anomaly"), txt(l.t(f.labelJa, f.labelEn) + " \(t.flagCounts[f.rawValue]!)")) })))
               }))),
            el("nav", cls("pager noprint"), attr("aria-label", l.t("ページ", "Pages")),
               page > 1 ? link("/books" + qs(["page": "\(page - 1)"]), l.t("← 前へ", "← Previous")) : .empty,
               el("span", txt("\(page) / \(pages)")),
               page < pages ? link("/books" + qs(["page": "\(page + 1)"]), l.t("次へ →", "Next →")) : .empty)
        ])
        return Pages.html(html)
    }

    static func book(_ req: Request, print: Bool, proxyErrors: [String: String] = [:], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, req.parameters.get("staffId", as: UUID.self))
        let zone = scope.municipality.zone, holidays = scope.municipality.holidays
        let m = try month(req, zone)
        let b = try await BookService.books(req.sql, municipality: scope.municipality, staff: [staff], month: m)[0]
        let rawById = Dictionary(uniqueKeysWithValues: b.rawPunches.map { ($0.id, $0) })
        // kiosk punches say how the person was identified; a face match not certain enough is marked until reviewed
        let reviews = try await KioskRepository.reviews(req.sql, punchIds: b.rawPunches.filter { $0.verification == FaceVerification.unverified.rawValue }.map(\.id))
        let t = b.totals
        let base = "/books/\(staff.id.uuidString)"
        let html = Pages.layout(req, title: l.t("出勤簿", "Attendance book") + " \(staff.fullName) \(showMonth(m, l))", [
            el("h1", txt(l.t("出勤簿", "Attendance book") + "　\(showMonth(m, l))")),
            el("dl", cls("kv"),
               el("dt", txt(l.t("自治体", "Municipality"))), el("dd", txt(scope.municipality.name)),
               el("dt", txt(l.t("職員番号", "Staff number"))), el("dd", txt(staff.staffNumber)),
               el("dt", txt(l.t("氏名", "Name"))), el("dd", txt("\(staff.fullName)（\(staff.fullKana)）")),
               el("dt", txt(l.t("所属", "Department"))), el("dd", txt(scope.tree.path(staff.departmentId))),
               el("dt", txt(l.t("雇用形態・職", "Type and position"))), el("dd", txt(l.t(staff.employment.labelJa, staff.employment.labelEn) + "・" + staff.position)),
               el("dt", txt(l.t("週の勤務時間", "Weekly hours"))), el("dd", txt(b.weeks.enumerated().map { i, w in
                   (i == 0 ? "" : l.t("、\(showDate(w.from, l))から ", ", from \(showDate(w.from, l)) ")) + formatDuration(w.week.weeklyMinutes) + "（\(w.week.weekdaysText)）"
               }.joined()))),
            print ? .empty : el("nav", cls("noprint"), attr("aria-label", l.t("月と出力", "Month and exports")),
               el("p",
                  link("\(base)?month=\(m.previous.iso)", l.t("← 前月", "← Previous month")), txt("　"),
                  link("\(base)?month=\(m.next.iso)", l.t("翌月 →", "Next month →")), txt("　|　"),
                  link("\(base)/csv?month=\(m.iso)&encoding=utf8", l.t("CSV（UTF-8）", "CSV (UTF-8)")), txt("　"),
                  link("\(base)/csv?month=\(m.iso)&encoding=sjis", l.t("CSV（Excel用 Shift_JIS）", "CSV (Shift_JIS for Excel)")), txt("　"),
                  link("\(base)/print?month=\(m.iso)", l.t("印刷用（A4）", "Print view (A4)")))),
            el("div", tableRegion(l.t("日ごとの勤務", "Day by day")), el("table", cls("days"),
               el("caption", txt(l.t("日ごとの勤務（時刻は\(scope.municipality.timeZone)）", "Day by day (times in \(scope.municipality.timeZone))"))),
               el("thead", el("tr", [l.t("日付", "Date"), l.t("区分", "Day"), l.t("勤務時間", "Schedule"), l.t("出勤", "In"), l.t("退勤", "Out"),
                                     l.t("休憩", "Breaks"), l.t("実働", "Worked"), l.t("所定外", "Outside"), l.t("場所", "Place"), l.t("記録・修正", "Marks & corrections")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", b.days.map { d in
                   let rowClass: String = { switch d.kind { case .workDay: ""; case .weeklyRestDay: "rest"; case .holiday: "holiday" } }()
                   let sched = d.kind.isWorkDay ? d.schedule.map { "\(WeeklySchedule.formatClock($0.start))–\(WeeklySchedule.formatClock($0.end))" } ?? "—" : "—"
                   var notes: [N] = d.marks.map { mk in el("span", cls("tag info"), txt(l.t(mk.code.labelJa, mk.code.labelEn) + (mk.minutes.map { " \(formatDuration($0))" } ?? ""))) }
                   if let (s, worked) = b.timeline?.swap(on: d.date) {
                       notes.append(el("span", cls("tag info"), txt(worked ? l.t("振替勤務（\(showDate(s.restOn, l))と振替）", "Swapped in (for \(showDate(s.restOn, l)))")
                                                                       : l.t("振替による週休日（\(showDate(s.workOn, l))に勤務）", "Rest day by swap (worked \(showDate(s.workOn, l)))"))))
                   }
                   if let r = b.timeline?.roster[d.date.dayNumber] {
                       notes.append(el("span", cls("tag info"), txt(l.t("勤務割：\(r.code)", "Roster: \(r.code)"))))
                   }
                   if let (c, worked) = b.timeline?.dayOff(on: d.date) {
                       notes.append(el("span", cls("tag info"), txt(worked ? l.t("休日勤務（代休日 \(showDate(c.dayOff, l))）", "Holiday worked (day off \(showDate(c.dayOff, l)))")
                                                                       : l.t("\(showDate(c.holidayWorked, l))の休日勤務の代休日", "Day off for the holiday worked on \(showDate(c.holidayWorked, l))"))))
                   }
                   notes += d.flags.sorted().map { f in el("span", cls(f.isAnomaly ? "tag anomaly" : "tag info"), txt(l.t(f.labelJa, f.labelEn) + (f == .late ? " \(d.lateMinutes)\(l.t("分", "m"))" : f == .earlyLeave ? " \(d.earlyLeaveMinutes)\(l.t("分", "m"))" : ""))) }
                   for p in d.punches {
                       guard let raw = rawById[p.id], let method = raw.method.flatMap(KioskMethod.init(rawValue:)) else { continue }
                       let what = "\(l.t(p.kind.labelJa, p.kind.labelEn)) \(showTime(p.at, zone))"
                       switch (method, raw.verification, reviews[p.id]?.decision) {
                       case (.face, FaceVerification.unverified.rawValue?, nil):
                           notes.append(el("span", cls("method unverified"), txt(l.t("顔認証・要確認", "Face, unverified") + ": " + what)))
                       case (.face, FaceVerification.unverified.rawValue?, _):
                           notes.append(el("span", cls("method verified"), txt(l.t("顔認証・所属長が確認", "Face, confirmed by manager") + ": " + what)))
                       case (.face, _, _):
                           notes.append(el("span", cls("method verified"), txt(l.t("顔認証", "Face") + ": " + what)))
                       default:
                           notes.append(el("span", cls("method"), txt(method.label(l) + ": " + what)))
                       }
                   }
                   for p in d.punches where p.source == .proxy {
                       notes.append(el("span", cls("tag info"), txt(l.t("代理打刻", "Entered by manager") + ": \(l.t(p.kind.labelJa, p.kind.labelEn)) \(showTime(p.at, zone))")))
                   }
                   for p in d.punches where p.correctionId != nil {
                       if let c = b.corrections.first(where: { $0.id == p.correctionId }) {
                           let orig = c.targetPunchId.flatMap { rawById[$0] }
                           notes.append(el("span", cls("tag info"), txt(l.t("修正", "Corrected") + ": "),
                               orig.map { o in el("del", txt("\(l.t(PunchKind(rawValue: o.kind)!.labelJa, PunchKind(rawValue: o.kind)!.labelEn)) \(showTime(dateFromMs(o.atMs), zone))")) } ?? .empty,
                               txt(" → \(l.t(p.kind.labelJa, p.kind.labelEn)) \(showTime(p.at, zone))")))
                       }
                   }
                   return el("tr", rowClass.isEmpty ? .empty : cls(rowClass),
                      el("th", attr("scope", "row"), txt(showDate(d.date, l, weekday: true))),
                      el("td", txt(l.t(d.kind.labelJa, d.kind.labelEn) + (d.kind.isWorkDay ? holidays.holidayName(d.date).map { l.t("（\($0)）", " (\($0))") } ?? "" : ""))),
                      el("td", txt(sched)),
                      el("td", txt(d.firstIn.map { showTime($0, zone) } ?? "")),
                      el("td", txt(d.lastOut.map { showTime($0, zone) } ?? "")),
                      el("td", cls("num"), txt(d.breakMinutes > 0 ? formatDuration(d.breakMinutes) : "")),
                      el("td", cls("num"), txt(d.workedMinutes > 0 ? formatDuration(d.workedMinutes) : "")),
                      el("td", cls("num"), txt(d.outsideScheduleMinutes > 0 ? formatDuration(d.outsideScheduleMinutes) : "")),
                      el("td", txt(d.places.joined(separator: "・"))),
                      el("td", .group(notes)))
               }),
               el("tfoot", el("tr", el("th", attr("scope", "row"), attr("colspan", "2"), txt(l.t("月計", "Month"))),
                              el("td", txt(l.t("所定 \(formatDuration(t.scheduledMinutes))（\(t.scheduledDays)日）", "Scheduled \(formatDuration(t.scheduledMinutes)) (\(t.scheduledDays) days)"))),
                              el("td", attr("colspan", "2"), txt(l.t("出勤 \(t.daysWorked)日", "\(t.daysWorked) days worked"))),
                              el("td", cls("num"), txt(formatDuration(t.breakMinutes))),
                              el("td", cls("num"), txt(formatDuration(t.workedMinutes))),
                              el("td", cls("num"), txt(formatDuration(t.outsideScheduleMinutes))),
                              el("td", attr("colspan", "2"), txt(l.t("遅刻 \(t.lateCount)・早退 \(t.earlyLeaveCount)・欠勤 \(t.absentDays)", "Late \(t.lateCount), early \(t.earlyLeaveCount), absent \(t.absentDays)"))))))),
            b.corrections.isEmpty ? .empty : .group([
                el("h2", txt(l.t("打刻修正の履歴", "Corrections"))),
                CorrectionController.table(req, b.corrections, staffById: [staff.id: staff], zone: zone, rawById: rawById, actions: false)
            ]),
            print ? el("p", cls("muted"), txt(l.t("出力日時：", "Printed: ") + Ledger.iso8601Millis(Date()))) : .empty,
            !print && scope.canApprove(for: staff) ? proxyForm(req, staff: staff, muni: scope.municipality, errors: proxyErrors) : .empty
        ], flash: req.takeFlash())
        return Pages.html(html, status: status)
    }

    /// 代理打刻: a manager enters a punch for today or yesterday on the person's behalf; it is marked as such.
    static func proxyForm(_ req: Request, staff: StaffRow, muni: MunicipalityRow, errors: [String: String]) -> N {
        let l = req.lang
        let today = CalendarDate(Date(), in: muni.zone)
        return el("section", cls("noprint"), attr("aria-labelledby", "proxy-h"),
            el("h2", attr("id", "proxy-h"), txt(l.t("代理打刻（所属長が本人に代わって入力）", "Punch on their behalf"))),
            el("form", attr("method", "post"), attr("action", "/books/\(staff.id.uuidString)/proxy-punch"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "proxy-kind", label: l.t("種類", "Kind"), error: errors["kind"]) { d in
                   select(id: "proxy-kind", name: "kind", options: PunchKind.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) }, selected: "in", describedBy: d)
               },
               field(id: "proxy-date", label: l.t("日付（本日または前日）", "Date (today or yesterday)"), error: errors["date"]) { d in
                   input(id: "proxy-date", name: "date", type: "date", value: today.iso, describedBy: d, required: true, invalid: errors["date"] != nil)
               },
               field(id: "proxy-time", label: l.t("時刻", "Time"), error: errors["time"]) { d in
                   input(id: "proxy-time", name: "time", type: "time", value: "", describedBy: d, required: true, invalid: errors["time"] != nil)
               },
               field(id: "proxy-place", label: l.t("場所", "Place"), error: errors["place"]) { d in
                   select(id: "proxy-place", name: "place", options: muni.placeList.map { ($0, $0) }, selected: muni.placeList.first, describedBy: d)
               },
               field(id: "proxy-reason", label: l.t("理由", "Reason"), error: errors["reason"]) { d in
                   input(id: "proxy-reason", name: "reason", value: "", describedBy: d, required: true, invalid: errors["reason"] != nil, extra: [("maxlength", "500")])
               },
               el("button", attr("type", "submit"), txt(l.t("代理で打刻する", "Record the punch")))))
    }

    struct ProxyForm: Content { var kind: String?; var date: String?; var time: String?; var place: String?; var reason: String? }

    static func proxyPunch(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, req.parameters.get("staffId", as: UUID.self))
        guard scope.canApprove(for: staff) else {
            throw ProblemError(status: .forbidden, title: l.t("自分や担当外の職員の代理打刻はできません。", "You cannot punch for yourself or outside your departments."))
        }
        let f = try req.content.decode(ProxyForm.self)
        let zone = scope.municipality.zone
        let now = Date()
        let today = CalendarDate(now, in: zone)
        var errors: [String: String] = [:]
        let kind = f.kind.flatMap(PunchKind.init(rawValue:))
        if kind == nil { errors["kind"] = l.t("種類を選んでください。", "Choose the kind.") }
        let date = f.date.flatMap(CalendarDate.init(iso:))
        if date == nil || !(date! == today || date! == today.adding(days: -1)) { errors["date"] = l.t("本日か前日の日付にしてください。それより前は打刻修正で。", "Use today or yesterday; older punches go through a correction.") }
        let minute = f.time.flatMap { WeeklySchedule.parseClock($0) }
        if minute == nil || minute! >= 1440 { errors["time"] = l.t("時刻を正しく入力してください（例：8:30）。", "Enter a valid time (e.g. 8:30).") }
        let place = f.place ?? ""
        if !scope.municipality.placeList.contains(place) { errors["place"] = l.t("場所を選んでください。", "Choose the place.") }
        let reason = (f.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty || reason.count > 500 { errors["reason"] = l.t("理由を500文字以内で入力してください。", "Give a reason of up to 500 characters.") }
        var at: Date?
        if let d = date, let m = minute, m < 1440, errors["date"] == nil {
            at = d.instant(atMinute: m, in: zone)
            if at! > now { errors["time"] = l.t("未来の時刻は指定できません。", "The time cannot be in the future."); at = nil }
        }
        if errors.isEmpty, let kind, let at {
            let cmd = PunchCommand(staffId: staff.id, municipalityId: staff.municipalityId, kind: kind, place: place, deviceAt: nil, source: .proxy,
                                   recordedBy: scope.principal.staffId, idempotencyKey: nil, at: at, note: reason)
            switch try await req.yakuba.writer.punch(cmd) {
            case .created, .replayed:
                req.session.data["flash"] = l.t("\(staff.fullName)さんの\(kind.labelJa)を代理で記録しました。", "Recorded \(kind.labelEn) for \(staff.fullName).")
                return req.redirect(to: "/books/\(staff.id.uuidString)?month=\(YearMonth(date!).iso)")
            case .rejected(let v):
                errors["time"] = l.t(v.messageJa, v.messageEn)
            }
        }
        return try await book(req, print: false, proxyErrors: errors, status: .unprocessableEntity)
    }

    static func csv(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, req.parameters.get("staffId", as: UUID.self))
        let zone = scope.municipality.zone
        let m = try month(req, zone)
        let enc = ExportEncoding(rawValue: req.query[String.self, at: "encoding"] ?? "utf8")
        guard let enc else { throw ProblemError(status: .unprocessableEntity, title: l.t("encoding は utf8 か sjis です。", "encoding must be utf8 or sjis."), code: "validation") }
        let b = try await BookService.books(req.sql, municipality: scope.municipality, staff: [staff], month: m)[0]
        var rows: [[String]] = [["職員番号", "氏名", "日付", "和暦", "区分", "始業", "終業", "出勤", "退勤", "休憩(分)", "実働(分)", "所定内(分)", "所定外(分)", "遅刻(分)", "早退(分)", "場所", "記録", "要確認"]]
        for d in b.days {
            rows.append([staff.staffNumber, staff.fullName, d.date.iso, JapaneseEra.format(d.date), d.kind.labelJa,
                         d.kind.isWorkDay ? d.schedule.map { WeeklySchedule.formatClock($0.start) } ?? "" : "",
                         d.kind.isWorkDay ? d.schedule.map { WeeklySchedule.formatClock($0.end) } ?? "" : "",
                         d.firstIn.map { showTime($0, zone) } ?? "", d.lastOut.map { showTime($0, zone) } ?? "",
                         String(d.breakMinutes), String(d.workedMinutes), String(d.withinScheduleMinutes), String(d.outsideScheduleMinutes),
                         String(d.lateMinutes), String(d.earlyLeaveMinutes), d.places.joined(separator: "・"),
                         d.marks.map { $0.code.labelJa + ($0.minutes.map { "\($0)分" } ?? "") }.joined(separator: "・"),
                         d.flags.sorted().map(\.labelJa).joined(separator: "・")])
        }
        let t = b.totals
        rows.append([staff.staffNumber, staff.fullName, "月計", showMonth(m, .ja), "", "", "", "", "", String(t.breakMinutes), String(t.workedMinutes),
                     String(t.withinScheduleMinutes), String(t.outsideScheduleMinutes), "", "", "", "", ""])
        return try CSVDownload.response(rows, encoding: enc, name: "attendance-\(staff.staffNumber)-\(m.iso)", l)
    }
}

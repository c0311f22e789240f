import Foundation
import Vapor
import SQLKit
import YakubaCore

/// The year's calendar: every 休日 (祝日法 holidays, 年末年始, the municipality's own closed days) drawn month by
/// month with a list beside it; HR adds and removes the municipality's closed days.
enum CalendarController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["calendar"], access: .signedIn) { req in try await page(req, form: DayForm(), errors: [:]) }
        r.on(.POST, ["calendar", "days"], access: AdminController.hrOrAdmin) { req in try await addDay(req) }
        r.on(.POST, ["calendar", "days", "remove"], access: AdminController.hrOrAdmin) { req in try await removeDay(req) }
    }

    struct DayForm: Content { var year: String? = nil; var date: String? = nil; var label: String? = nil; var repeats: String? = nil; var key: String? = nil }

    static func sourceText(_ s: MunicipalHolidayRules.Source, _ l: Lang) -> String {
        switch s {
        case .nationalHoliday: l.t("国民の祝日等", "National holiday")
        case .yearEnd: l.t("年末年始", "Year end")
        case .municipal: l.t("市の休日", "Municipal closed day")
        }
    }

    static func page(_ req: Request, form f: DayForm, errors: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let rules = scope.municipality.holidays
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        var year = (f.year ?? req.query[String.self, at: "year"]).flatMap(Int.init) ?? today.year
        if !(1955...2099).contains(year) { year = today.year }
        let holidays = rules.holidays(in: year).sorted { $0.key < $1.key }
        let weekdays = l == .ja ? ["日", "月", "火", "水", "木", "金", "土"] : ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

        func monthTable(_ m: Int) -> N {
            let ym = YearMonth(year: year, month: m)!
            let lead = ym.first.weekday
            var cells: [CalendarDate?] = Array(repeating: nil, count: lead) + ym.days.map { Optional($0) }
            while cells.count % 7 != 0 { cells.append(nil) }
            return el("table", cls("month-grid"),
                      el("caption", txt(showMonth(ym, l))),
                      el("thead", el("tr", weekdays.map { el("th", attr("scope", "col"), txt($0)) })),
                      el("tbody", stride(from: 0, to: cells.count, by: 7).map { i in
                          el("tr", cells[i..<i + 7].map { c -> N in
                              guard let d = c else { return el("td", .empty) }
                              let name = rules.holidayName(d)
                              let klass = name != nil ? "holiday" : (d.weekday == 0 || d.weekday == 6 ? "weekend" : "")
                              return el("td", cls(klass), name.map { attr("title", $0) } ?? .empty,
                                        txt("\(d.day)"), name.map { el("span", cls("visually-hidden"), txt(" " + $0)) } ?? .empty)
                          })
                      }))
        }

        var content: [N] = [
            el("h1", txt(l.t("\(year)年の休日", "Holidays of \(year)"))),
            el("nav", attr("aria-label", l.t("年の切り替え", "Year")), cls("month-nav"),
               link("/calendar?year=\(year - 1)", l.t("前の年", "Previous year")), txt(" "), el("strong", txt("\(year)")), txt(" "),
               link("/calendar?year=\(year + 1)", l.t("次の年", "Next year"))),
            el("p", txt(l.t("休日は勤務時間が割り振られているが勤務しなくてよい日です（地方自治法4条の2）。土曜・日曜は週休日として別に扱います。祝日の日付は法律と暦要項に基づき計算しています。",
                            "休日 are days with hours assigned on which staff need not work (地方自治法 4-2). Saturdays and Sundays are weekly rest days, handled apart. National holidays are computed from the law and the almanac."))),
            el("h2", txt(l.t("一覧（\(holidays.count)日）", "List (\(holidays.count) days)"))),
            el("div", tableRegion(l.t("休日の一覧", "Holidays")), el("table",
                el("caption", cls("muted"), txt(l.t("\(year)年の休日", "Holidays of \(year)"))),
                el("thead", el("tr", ([l.t("日付", "Date"), l.t("名称", "Name"), l.t("区分", "Kind")] + (p.isHR ? [l.t("操作", "Action")] : []))
                    .map { el("th", attr("scope", "col"), txt($0)) })),
                el("tbody", holidays.map { (d, name) in
                    let source = rules.source(of: d)
                    var action: N = .empty
                    if p.isHR, source == .municipal {
                        let key = rules.extraDates.contains(where: { $0.date == d }) ? "once:\(d.iso)" : "yearly:\(pad(d.month, 2))-\(pad(d.day, 2))"
                        action = el("form", attr("method", "post"), attr("action", "/calendar/days/remove"), cls("inline-form"),
                                    hidden("_csrf", req.csrfToken), hidden("key", key), hidden("year", "\(year)"),
                                    el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("\(d.iso) \(name)を削除", "Remove \(d.iso) \(name)")),
                                       txt(l.t("削除", "Remove"))))
                    }
                    return el("tr", el("th", attr("scope", "row"), txt(showDate(d, l, weekday: true))), el("td", txt(name)),
                              el("td", txt(source.map { sourceText($0, l) } ?? "")), p.isHR ? el("td", action) : .empty)
                }))),
            el("h2", txt(l.t("カレンダー", "Calendar"))),
            el("div", [cls("year-grid")] + (1...12).map(monthTable)),
        ]
        if p.isHR {
            content += [
                el("h2", attr("id", "add"), txt(l.t("市の休日を追加する（人事課）", "Add a municipal closed day (HR)"))),
                el("p", txt(l.t("条例で定めた日（例：沖縄県の慰霊の日 6月23日）や、庁舎の閉庁日を追加します。年末年始の期間は自治体の設定で変更します。",
                                "Add days set by 条例 (e.g. Okinawa's 6/23) or one-off closures. The year-end range is in the municipality settings."))),
                errors.isEmpty ? .empty : el("p", cls("alert"), attr("role", "alert"), txt(l.t("入力内容を確認してください。", "Please check the fields marked below."))),
                el("form", attr("method", "post"), attr("action", "/calendar/days"), attr("novalidate", ""),
                   hidden("_csrf", req.csrfToken), hidden("year", "\(year)"),
                   field(id: "date", label: l.t("日付（必須）", "Date (required)"), error: errors["date"]) { d in
                       input(id: "date", name: "date", type: "date", value: f.date ?? "", describedBy: d, required: true, invalid: errors["date"] != nil)
                   },
                   field(id: "label", label: l.t("名称（必須）", "Name (required)"), error: errors["label"], hint: l.t("例：慰霊の日、庁舎閉庁日", "e.g. 慰霊の日, building closed")) { d in
                       input(id: "label", name: "label", value: f.label ?? "", describedBy: d, required: true, invalid: errors["label"] != nil)
                   },
                   el("div", cls("field"), el("label",
                      void("input", [("type", "checkbox"), ("name", "repeats"), ("value", "1"), ("id", "repeats")] + (f.repeats != nil ? [("checked", "")] : [])),
                      txt(l.t("毎年この月日を休日にする", "Every year on this month and day")))),
                   el("button", attr("type", "submit"), txt(l.t("追加する", "Add")))),
            ]
        }
        return Pages.html(Pages.layout(req, title: l.t("休日カレンダー", "Holiday calendar"), content, flash: req.takeFlash()), status: status)
    }

    static func save(_ req: Request, scope: Scope, rules: MunicipalHolidayRules) async throws {
        var m = scope.municipality
        m.holidayRules = Seed.json(rules)
        let updated = m
        let actor = scope.principal.staffId
        try await req.yakuba.writer.perform { _, sql in
            try await sql.update("municipalities").set("holiday_rules", to: SQLBind(updated.holidayRules)).where("id", .equal, SQLBind(updated.id)).run()
            return [LedgerDraft(municipalityId: updated.id, actorId: actor, type: "municipality.holidays_updated", subjectId: updated.id.uuidString.lowercased(), fact: rules)]
        }
        req.yakuba.forgetMunicipality(updated.id)
    }

    static func addDay(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let f = try req.content.decode(DayForm.self)
        var rules = scope.municipality.holidays
        var errors: [String: String] = [:]
        let date = f.date.flatMap(CalendarDate.init(iso:))
        let label = (f.label ?? "").trimmingCharacters(in: .whitespaces)
        if date == nil { errors["date"] = l.t("日付を正しく入力してください（例：2026-06-23）。", "Enter a valid date (e.g. 2026-06-23).") }
        else if !(1955...2099).contains(date!.year) { errors["date"] = l.t("1955年から2099年の日付を入力してください。", "Give a date from 1955 to 2099.") }
        if label.isEmpty || label.count > 30 { errors["label"] = l.t("名称を30文字以内で入力してください。", "Give a name of up to 30 characters.") }
        if let d = date, errors["date"] == nil {
            if let existing = rules.holidayName(d) {
                errors["date"] = l.t("\(showDate(d, l))はすでに休日（\(existing)）です。", "\(d.iso) is already a holiday (\(existing)).")
            } else if f.repeats != nil, rules.extraDays.contains(where: { $0.month == d.month && $0.day == d.day }) {
                errors["date"] = l.t("\(d.month)月\(d.day)日は毎年の休日としてすでに登録されています。", "\(d.month)/\(d.day) is already a yearly closed day.")
            } else if f.repeats != nil, d.month == 2 && d.day == 29 {
                errors["date"] = l.t("2月29日は毎年の休日にはできません。", "29 February cannot repeat every year.")
            }
        }
        guard errors.isEmpty, let d = date else { return try await page(req, form: f, errors: errors, status: .unprocessableEntity) }
        if f.repeats != nil { rules.extraDays.append(MonthDay(month: d.month, day: d.day, label: label)); rules.extraDays.sort() }
        else { rules.extraDates.append(DatedHoliday(date: d, label: label)); rules.extraDates.sort() }
        try await save(req, scope: scope, rules: rules)
        req.session.data["flash"] = l.t("\(showDate(d, l))「\(label)」を休日にしました\(f.repeats != nil ? "（毎年）" : "")。", "\(d.iso) \(label) is now a closed day\(f.repeats != nil ? " (every year)" : "").")
        return req.redirect(to: "/calendar?year=\(d.year)")
    }

    static func removeDay(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let f = try req.content.decode(DayForm.self)
        var rules = scope.municipality.holidays
        let key = f.key ?? ""
        guard key.hasPrefix("once:") || key.hasPrefix("yearly:") else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("削除する休日を指定してください。", "Say which closed day to remove."), errors: ["key": "once:YYYY-MM-DD | yearly:MM-DD"])
        }
        var removed = false
        if key.hasPrefix("once:"), let d = CalendarDate(iso: String(key.dropFirst(5))) {
            let before = rules.extraDates.count
            rules.extraDates.removeAll { $0.date == d }
            removed = rules.extraDates.count != before
        } else if key.hasPrefix("yearly:") {
            let parts = key.dropFirst(7).split(separator: "-").compactMap { Int($0) }
            if parts.count == 2 {
                let before = rules.extraDays.count
                rules.extraDays.removeAll { $0.month == parts[0] && $0.day == parts[1] }
                removed = rules.extraDays.count != before
            }
        }
        guard removed else { throw ProblemError(status: .notFound, title: l.t("その休日は登録されていません。", "No such closed day.")) }
        try await save(req, scope: scope, rules: rules)
        req.session.data["flash"] = l.t("休日を削除しました。", "The closed day was removed.")
        return req.redirect(to: "/calendar?year=\(f.year.flatMap(Int.init) ?? CalendarDate(Date(), in: scope.municipality.zone).year)")
    }
}

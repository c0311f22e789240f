import Foundation
import Plot
import Vapor
import YakubaCore

enum Pages {
    /// The frame of every page: skip link, header with navigation for the person's roles, language switch, main.
    static func layout(_ req: Request, title: String, _ content: [N], flash: String? = nil) -> String {
        let l = req.lang
        let p = req.principal
        var nav: [(String, String)] = []
        if let p {
            nav.append(("/punch", l.t("打刻", "Clock")))
            nav.append(("/books/\(p.staffId.uuidString)", l.t("出勤簿", "My book")))
            nav.append(("/corrections", l.t("打刻修正", "Corrections")))
            nav.append(("/leave", l.t("休暇", "Leave")))
            nav.append(("/overtime", l.t("超過勤務", "Overtime")))
            nav.append(("/approvals", l.t("承認", "Approvals")))
            nav.append(("/notifications", l.t("お知らせ", "Notifications")))
            nav.append(("/rankings", l.t("ランキング", "Rankings")))
            nav.append(("/apps", l.t("アプリ", "Apps")))
            if p.roles.contains(.dx) || p.isAdmin { nav.append(("/dx", l.t("DX", "DX"))) }
            nav.append(("/face", l.t("顔認証・PIN", "Face & PIN")))
            if p.isApprover || p.isHR { nav.append(("/kiosk-reviews", l.t("顔認証の確認", "Face reviews"))) }
            if p.isApprover || p.isHR { nav.append(("/team", l.t("チーム", "Team"))); nav.append(("/today", l.t("本日の状況", "Today"))) }
            if p.isApprover || p.isHR { nav.append(("/books", l.t("出勤簿一覧", "All books"))); nav.append(("/swaps", l.t("振替・代休", "Swaps & days off"))); nav.append(("/roster", l.t("勤務割", "Roster"))) }
            if p.isHR { nav.append(("/dashboard", l.t("ダッシュボード", "Dashboard"))) }
            if p.isHROfficer { nav.append(("/indicators", l.t("公表指標", "Indicators"))) }
            if p.isHR { nav.append(("/admin/staff", l.t("職員", "Staff"))); nav.append(("/admin/departments", l.t("組織", "Departments"))); nav.append(("/admin/routes", l.t("承認ルート", "Routes"))); nav.append(("/close", l.t("締め", "Close"))); nav.append(("/calendar", l.t("休日", "Holidays"))); nav.append(("/admin/rules", l.t("勤務条件", "Work rules"))) }
            if p.isHR { nav.append(("/admin/face", l.t("顔認証の登録者", "Enrolled faces"))) }
            if p.isAdmin { nav.append(("/admin/kiosks", l.t("打刻端末", "Kiosks"))); nav.append(("/admin/municipality", l.t("自治体設定", "Settings"))) }
            nav.append(("/tokens", l.t("APIトークン", "API tokens")))
        }
        let path = req.url.path
        let otherLang = l == .ja ? "en" : "ja"
        let langHref = path + "?" + ((req.url.query ?? "").split(separator: "&").filter { !$0.hasPrefix("lang=") } + ["lang=\(otherLang)"]).joined(separator: "&")
        let body = el("body",
            link("#main", l.t("本文へ移動", "Skip to content"), cls("skip")),
            el("header", cls("site"),
               el("div", cls("brand"), link("/", l.t("Yakuba 役場", "Yakuba"))),
               p.map { p in el("nav", attr("aria-label", l.t("メインメニュー", "Main menu")),
                               el("ul", nav.map { n in
                                   let current = path == n.0 ? attr("aria-current", "page") : N.empty
                                   // unseen お知らせ: a count beside the link, read out as part of it
                                   guard n.0 == "/notifications", req.unreadNotifications > 0 else { return el("li", link(n.0, n.1, current)) }
                                   let count = req.unreadNotifications
                                   return el("li", el("a", attr("href", n.0), current, txt(n.1),
                                                      el("span", cls("badge"), attr("aria-hidden", "true"), txt(count > 99 ? "99+" : "\(count)")),
                                                      el("span", cls("visually-hidden"), txt(l.t("（未読\(count)件）", " (\(count) unread)")))))
                               })) } ?? .empty,
               el("div", cls("user"),
                  link(langHref, l == .ja ? "English" : "日本語", attr("lang", otherLang), attr("hreflang", otherLang)),
                  p.map { p in .group([
                    el("span", cls("who"), txt("\(p.name)（\(p.staffNumber)）")),
                    el("form", attr("method", "post"), attr("action", "/logout"), cls("inline"),
                       hidden("_csrf", req.csrfToken), el("button", attr("type", "submit"), cls("link"), txt(l.t("ログアウト", "Sign out"))))
                  ]) } ?? .empty)),
            el("main", [attr("id", "main")] + [flash.map { el("p", cls("flash"), attr("role", "status"), txt($0)) } ?? .empty] + content),
            el("footer", cls("site"), txt("Yakuba — \(l.t("自治体の勤怠・庶務システム", "a back office for Japanese city halls"))")))
        let head = "<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(escapeAttribute(title)) | Yakuba</title><link rel=\"stylesheet\" href=\"/assets/app.css\">"
            + "<script src=\"/assets/app.js\" defer></script></head>"
        return "<!DOCTYPE html><html lang=\"\(l.rawValue)\">" + head + body.render() + "</html>"
    }

    static func error(_ req: Request, status: HTTPResponseStatus, message: String) -> String {
        let l = req.lang
        return layout(req, title: l.t("エラー", "Error"), [
            el("h1", txt(l.t("エラー", "Error") + " \(status.code)")),
            el("p", attr("role", "alert"), txt(message)),
            el("p", link("/", l.t("トップへ戻る", "Back to the start")))
        ])
    }

    static func html(_ s: String, status: HTTPResponseStatus = .ok) -> Response {
        let r = Response(status: status, body: .init(string: s))
        r.headers.contentType = .html
        return r
    }
}

/// Dates as users expect them: 和暦 in Japanese, ISO in English.
func showDate(_ d: CalendarDate, _ l: Lang, weekday: Bool = false) -> String {
    if l == .ja { return JapaneseEra.format(d, style: weekday ? .longWithWeekday : .long) }
    let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    return weekday ? "\(d.iso) (\(names[d.weekday]))" : d.iso
}
func showMonth(_ m: YearMonth, _ l: Lang) -> String { l == .ja ? JapaneseEra.formatMonth(m) : m.iso }
func showTime(_ d: Date, _ zone: TimeZone) -> String {
    let day = CalendarDate(d, in: zone)
    let mins = Int(floor(d.timeIntervalSince(day.instant(atMinute: 0, in: zone)) / 60))
    return "\(mins / 60):" + pad(mins % 60, 2)
}

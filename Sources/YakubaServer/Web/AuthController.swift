import Foundation
import Vapor
import YakubaCore

enum AuthController {
    static func register(_ r: any RoutesBuilder, throttle: LoginThrottle) {
        r.on(.GET, ["login"], access: .anonymous) { req in
            if req.principal != nil { return req.redirect(to: "/") }
            return Pages.html(loginPage(req, staffNumber: "", error: nil))
        }
        r.on(.POST, ["login"], access: .anonymous) { req in try await login(req, throttle: throttle) }
        r.on(.POST, ["logout"], access: .signedIn) { req in
            req.session.destroy()
            return req.redirect(to: "/login")
        }
        r.on(.GET, ["password"], access: .signedIn) { req in Pages.html(passwordPage(req, errors: [:])) }
        r.on(.POST, ["password"], access: .signedIn) { req in try await changePassword(req) }
        r.on(.GET, [], access: .anonymous) { req in req.redirect(to: req.principal == nil ? "/login" : "/punch") }
    }

    struct LoginForm: Content { var staff_number: String?; var password: String?; var next: String? }

    static func login(_ req: Request, throttle: LoginThrottle) async throws -> Response {
        let l = req.lang
        let f = try req.content.decode(LoginForm.self)
        let number = (f.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        let password = f.password ?? ""
        let address = req.remoteAddress?.ipAddress ?? "-"
        if number.isEmpty || password.isEmpty {
            return Pages.html(loginPage(req, staffNumber: number, error: l.t("職員番号とパスワードを入力してください。", "Enter your staff number and password.")), status: .unprocessableEntity)
        }
        if throttle.isBlocked(account: number, address: address) {
            return Pages.html(loginPage(req, staffNumber: number, error: l.t("ログインの失敗が続いたため、15分間ログインできません。", "Too many failed sign-ins. Try again in 15 minutes.")), status: .tooManyRequests)
        }
        let candidates = try await StaffRepository.findAll(req.sql, staffNumber: number).filter { $0.active && $0.passwordHash != nil }
        var matched: StaffRow?
        for s in candidates where try await req.password.async.verify(password, created: s.passwordHash!) { matched = s; break }
        guard let s = matched else {
            if candidates.isEmpty { _ = try? await req.password.async.hash("timing-equaliser") }
            throttle.fail(account: number, address: address)
            req.logger.notice("login failed", metadata: ["staff_number": .string(number)])
            return Pages.html(loginPage(req, staffNumber: number, error: l.t("職員番号またはパスワードが違います。", "The staff number or password is wrong.")), status: .unauthorized)
        }
        throttle.succeed(account: number)
        // a new session id on sign-in (no fixation): drop the old record, and let the middleware create a new one
        if let old = req.session.id { try await req.application.sessions.driver.deleteSession(old, for: req).get() }
        req.session.id = nil
        req.session.data = SessionData()
        req.session.data["sid"] = s.id.uuidString
        req.session.data["pwv"] = String(s.updatedAtMs)
        req.session.data["csrf"] = TokenCache.newToken()
        let next = f.next.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/punch"
        return req.redirect(to: s.mustChangePassword ? "/password" : next)
    }

    static func loginPage(_ req: Request, staffNumber: String, error: String?) -> String {
        let l = req.lang
        let next = req.query[String.self, at: "next"] ?? ""
        return Pages.layout(req, title: l.t("ログイン", "Sign in"), [
            el("div", cls("punch-card"),
               el("h1", txt(l.t("ログイン", "Sign in"))),
               error.map { el("p", cls("alert"), attr("role", "alert"), attr("id", "login-error"), txt($0)) } ?? .empty,
               el("form", attr("method", "post"), attr("action", "/login"), attr("style", nil),
                  hidden("_csrf", req.csrfToken), hidden("next", next),
                  field(id: "staff_number", label: l.t("職員番号", "Staff number"), error: nil) { d in
                      input(id: "staff_number", name: "staff_number", value: staffNumber, describedBy: error != nil ? "login-error" : d, required: true,
                            extra: [("autocomplete", "username"), ("inputmode", "text")])
                  },
                  field(id: "password", label: l.t("パスワード", "Password"), error: nil) { d in
                      input(id: "password", name: "password", type: "password", value: nil, describedBy: error != nil ? "login-error" : d, required: true,
                            extra: [("autocomplete", "current-password")])
                  },
                  el("button", attr("type", "submit"), cls("big"), txt(l.t("ログイン", "Sign in")))))
        ])
    }

    struct PasswordForm: Content { var current: String?; var new_password: String?; var confirm: String? }

    static func passwordPage(_ req: Request, errors: [String: String]) -> String {
        let l = req.lang
        let must = req.principal?.mustChangePassword ?? false
        return Pages.layout(req, title: l.t("パスワード変更", "Change password"), [
            el("h1", txt(l.t("パスワード変更", "Change password"))),
            must ? el("p", cls("alert"), txt(l.t("初回ログインです。新しいパスワードを設定してください。", "This is your first sign-in. Set a new password."))) : .empty,
            el("form", attr("method", "post"), attr("action", "/password"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "current", label: l.t("現在のパスワード", "Current password"), error: errors["current"]) { d in
                   input(id: "current", name: "current", type: "password", value: nil, describedBy: d, required: true, invalid: errors["current"] != nil, extra: [("autocomplete", "current-password")])
               },
               field(id: "new_password", label: l.t("新しいパスワード", "New password"), error: errors["new_password"],
                     hint: l.t("12文字以上。職員番号と同じものは使えません。", "At least 12 characters, not your staff number.")) { d in
                   input(id: "new_password", name: "new_password", type: "password", value: nil, describedBy: d, required: true, invalid: errors["new_password"] != nil, extra: [("autocomplete", "new-password")])
               },
               field(id: "confirm", label: l.t("新しいパスワード（確認）", "Confirm new password"), error: errors["confirm"]) { d in
                   input(id: "confirm", name: "confirm", type: "password", value: nil, describedBy: d, required: true, invalid: errors["confirm"] != nil, extra: [("autocomplete", "new-password")])
               },
               el("button", attr("type", "submit"), txt(l.t("変更する", "Change password"))))
        ])
    }

    static func changePassword(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let f = try req.content.decode(PasswordForm.self)
        guard let s = try await StaffRepository.find(req.sql, id: p.staffId), let hash = s.passwordHash else { throw Abort(.forbidden) }
        var errors: [String: String] = [:]
        if !(try await req.password.async.verify(f.current ?? "", created: hash)) { errors["current"] = l.t("現在のパスワードが違います。", "The current password is wrong.") }
        let new = f.new_password ?? ""
        if let e = PasswordPolicy.check(new, staffNumber: s.staffNumber) { errors["new_password"] = l.t(e.ja, e.en) }
        else if new == (f.current ?? "") { errors["new_password"] = l.t("現在と違うパスワードにしてください。", "Choose a password different from the current one.") }
        if new != (f.confirm ?? "") { errors["confirm"] = l.t("確認用のパスワードが一致しません。", "The two new passwords differ.") }
        if !errors.isEmpty { return Pages.html(passwordPage(req, errors: errors), status: .unprocessableEntity) }
        let newHash = try await req.password.async.hash(new)
        let updated = try await StaffWrites.setPassword(req, staff: s, hash: newHash, mustChange: false, actor: p.staffId)
        req.session.data["pwv"] = String(updated.updatedAtMs)
        return Pages.html(Pages.layout(req, title: l.t("パスワード変更", "Change password"), [
            el("h1", txt(l.t("パスワードを変更しました", "Password changed"))), el("p", link("/punch", l.t("打刻へ進む", "Go to the clock")))]))
    }
}

enum PasswordPolicy {
    static func check(_ pw: String, staffNumber: String) -> (ja: String, en: String)? {
        if pw.count < 12 { return ("12文字以上にしてください。", "Use at least 12 characters.") }
        if pw.count > 200 { return ("200文字以内にしてください。", "Use at most 200 characters.") }
        if pw == staffNumber || pw.lowercased().contains(staffNumber.lowercased()) && !staffNumber.isEmpty { return ("職員番号を含むパスワードは使えません。", "Do not use your staff number in the password.") }
        return nil
    }

    /// A one-time password: 16 characters without look-alikes (0/O, 1/l/I).
    static func oneTime() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet.randomElement(using: &rng)! })
    }
}

import Foundation
import Vapor
import YakubaCore

/// Resolves the caller: a bearer token (API, kiosks, scripts) or the session cookie (pages); sets the language.
/// Future-based rather than async: a punch with a bearer token then costs no task hop here.
struct AuthenticateMiddleware: Middleware {
    let tokens: TokenCache

    func respond(to req: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let langQuery = req.url.query?.contains("lang=") == true ? req.query[String.self, at: "lang"] : nil
        if let q = langQuery, let l = Lang(rawValue: q) { req.lang = l }
        else if let c = req.cookies["lang"]?.string, let l = Lang(rawValue: c) { req.lang = l }
        else if let al = req.headers.first(name: .acceptLanguage), al.lowercased().hasPrefix("en") { req.lang = .en }

        func proceed() -> EventLoopFuture<Response> {
            next.respond(to: req).map { response in
                if let q = langQuery, Lang(rawValue: q) != nil {
                    response.cookies["lang"] = HTTPCookies.Value(string: q, maxAge: 365 * 86400, path: "/", isHTTPOnly: true, sameSite: .lax)
                }
                return response
            }
        }
        // a kiosk device: its own token, never a person's session or API token
        if let token = req.headers.first(name: "X-Kiosk-Token") {
            guard let device = req.yakuba.face.kiosk(token: token) else {
                return req.eventLoop.makeFailedFuture(ProblemError(status: .unauthorized, title: req.lang.t(
                    "この端末の登録は無効です（失効したか、登録されていません）。管理者に連絡してください。",
                    "This kiosk is not registered (its registration was revoked or never made). Ask an administrator."), code: "kiosk_not_registered"))
            }
            req.kiosk = device
            return proceed()
        }
        if let bearer = req.headers.bearerAuthorization {
            guard let p = tokens.lookup(bearer.token) else {
                return req.eventLoop.makeFailedFuture(ProblemError(status: .unauthorized, title: req.lang.t("APIトークンが無効です。", "The API token is not valid.")))
            }
            // a token limited to some apps calls the app API and nothing else
            if let scope = p.appScope, !(req.url.path == "/api/v1/apps" || req.url.path.hasPrefix("/api/v1/apps/")) {
                return req.eventLoop.makeFailedFuture(ProblemError(status: .forbidden,
                    title: req.lang.t("このAPIトークンはアプリ（\(scope.apps.joined(separator: "、"))）専用です。", "This API token is limited to the apps \(scope.apps.joined(separator: ", ")).")))
            }
            // a read-only one reads: no record, status action or comment (which view rights alone may allow the owner)
            if let scope = p.appScope, !scope.write, req.method != .GET, req.method != .HEAD {
                return req.eventLoop.makeFailedFuture(ProblemError(status: .forbidden,
                    title: req.lang.t("このAPIトークンは読み取り専用です。", "This API token is read only.")))
            }
            req.principal = p
            return proceed()
        }
        guard req.hasSession, let sid = req.session.data["sid"].flatMap(UUID.init(uuidString:)) else { return proceed() }
        // a page (not the API) shows the number of unseen お知らせ in its menu: counted in the same task as the person is read
        let page = req.method == .GET && !req.isAPI
        return req.eventLoop.makeFutureWithTask { () -> (StaffRow?, Int) in
            guard let s = try await StaffRepository.find(req.sql, id: sid) else { return (nil, 0) }
            return (s, page ? try await NotificationController.unseen(req.sql, staffId: s.id) : 0)
        }.flatMap { staff, unseen in
            if let s = staff, s.active, req.session.data["pwv"] == String(s.updatedAtMs) || req.session.data["pwv"] == nil {
                req.principal = TokenCache.principal(s, viaToken: false)
                req.unreadNotifications = unseen
                if langQuery == nil, req.cookies["lang"] == nil, let l = Lang(rawValue: s.locale) { req.lang = l }
            } else {
                req.session.destroy()
            }
            return proceed()
        }
    }
}

/// Enforces a route's declared `Access`, the first-login password change, and CSRF on form posts.
struct AccessMiddleware: Middleware {
    let access: Access
    /// The route's body strategy. Vapor collects a body for the route's handler, inside this middleware; a form that came
    /// in more than one read (any over a couple of kilobytes, or split on the network) would have no body yet when its CSRF
    /// token is read here, and be refused as expired. So a body the route collects is collected here first, to its limit.
    var body: HTTPBodyStreamStrategy = .collect

    func respond(to req: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if req.method != .GET, req.method != .HEAD, case .collect(let max) = body, req.body.data == nil {
            return req.body.collect(max: max?.value ?? req.application.routes.defaultMaxBodySize.value).flatMap { _ in
                self.checked(req, chainingTo: next)
            }
        }
        return checked(req, chainingTo: next)
    }

    private func checked(_ req: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        do {
            if let early = try check(req) { return req.eventLoop.makeSucceededFuture(early) }
        } catch {
            return req.eventLoop.makeFailedFuture(error)
        }
        return next.respond(to: req)
    }

    /// nil = go on; a response = answer it now (a redirect); a thrown error = refuse.
    func check(_ req: Request) throws -> Response? {
        let isAPI = req.isAPI
        if case .kiosk = access {
            guard req.kiosk != nil else {
                throw ProblemError(status: .unauthorized, title: req.lang.t("登録された打刻端末からだけ使えます。", "Only a registered kiosk may call this."), code: "kiosk_not_registered")
            }
            // a header token, not a cookie: no CSRF to check
            return nil
        }
        if !access.admits(req.principal) {
            if req.principal == nil {
                if isAPI || req.method != .GET { throw ProblemError(status: .unauthorized, title: req.lang.t("ログインが必要です。", "Sign-in required.")) }
                let back = req.url.path + (req.url.query.map { "?" + $0 } ?? "")
                return req.redirect(to: "/login?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            throw ProblemError(status: .forbidden, title: req.lang.t("この操作の権限がありません。", "You are not allowed to do this."))
        }
        var isAnonymousRoute = false
        if case .anonymous = access { isAnonymousRoute = true }
        if let p = req.principal, p.mustChangePassword, !p.viaToken, !isAnonymousRoute,
           !req.routeIs("password"), !req.routeIs("logout") {
            if isAPI { throw ProblemError(status: .forbidden, title: req.lang.t("パスワードを変更してください。", "Change your password first.")) }
            return req.redirect(to: "/password")
        }
        // CSRF: every state-changing request that rides on the session cookie carries the session's token
        if req.method != .GET && req.method != .HEAD && !(req.principal?.viaToken ?? false) && req.headers.bearerAuthorization == nil {
            let sent = (try? req.content.get(String.self, at: "_csrf")) ?? req.headers.first(name: "X-CSRF-Token")
            guard req.hasSession, let expected = req.session.data["csrf"], let s = sent,
                  s.utf8.count == expected.utf8.count, constantTimeEqual(s, expected) else {
                throw ProblemError(status: .forbidden, title: req.lang.t("フォームの有効期限が切れました。ページを再読み込みしてやり直してください。",
                                                                        "The form has expired. Reload the page and try again."))
            }
        }
        return nil
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

extension Request {
    /// Whether this is a JSON API request (under /api/). Read from the matched route where there is one: every
    /// `url.path` costs a URLComponents parse and a Foundation string replacement, on every request.
    var isAPI: Bool {
        guard let r = route else { return url.path.hasPrefix("/api/") }
        if case .constant("api")? = r.path.first { return true }
        return false
    }

    /// Whether the matched route is the one-segment path `/name`.
    func routeIs(_ name: String) -> Bool {
        guard let r = route, r.path.count == 1, case .constant(let c) = r.path[0] else { return false }
        return c == name
    }

    /// The one-time message left by the previous request (Post/Redirect/Get), removed as it is read.
    func takeFlash() -> String? {
        guard hasSession, let f = session.data["flash"] else { return nil }
        session.data["flash"] = nil
        return f
    }

    /// The session's CSRF token, made on first use.
    var csrfToken: String {
        if let t = session.data["csrf"] { return t }
        let t = TokenCache.newToken()
        session.data["csrf"] = t
        return t
    }
}

/// An RFC 9457 problem document.
struct ProblemError: Error, AbortError {
    var status: HTTPResponseStatus
    var title: String
    var detail: String? = nil
    /// field → message, for forms and for API clients
    var errors: [String: String] = [:]
    var code: String? = nil
    /// for 405: the methods the path does answer
    var allow: String? = nil
    var reason: String { title }
}

struct ProblemBody: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var code: String?
    var errors: [String: String]?
}

/// Turns every error into a problem document (API) or a page (browser), never a stack trace, and
/// maps decoding errors to 400 rather than 500.
struct ProblemMiddleware: Middleware {
    func respond(to req: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: req).flatMapErrorThrowing { error in try self.render(error, req) }
    }

    func render(_ error: any Error, _ req: Request) throws -> Response {
        let p = problem(for: error, req: req)
        if p.status.code >= 500 { req.logger.report(error: error) }
        let wantsHTML = !req.isAPI && (req.headers.first(name: .accept)?.contains("text/html") ?? false)
        if wantsHTML {
            let res = Response(status: p.status)
            res.headers.contentType = .html
            res.body = .init(string: Pages.error(req, status: p.status, message: p.title + (p.detail.map { " " + $0 } ?? "")))
            return res
        }
        let body = ProblemBody(type: "about:blank", title: p.title, status: Int(p.status.code), detail: p.detail, code: p.code,
                               errors: p.errors.isEmpty ? nil : p.errors)
        let res = Response(status: p.status)
        if let allow = p.allow { res.headers.replaceOrAdd(name: .allow, value: allow) }
        try res.content.encode(body, as: .json)
        res.headers.replaceOrAdd(name: .contentType, value: "application/problem+json; charset=utf-8")
        return res
    }

    func problem(for error: any Error, req: Request) -> ProblemError {
        let l = req.lang
        switch error {
        case let p as ProblemError: return p
        case is DecodingError:
            return ProblemError(status: .badRequest, title: l.t("リクエストの形式が正しくありません。", "The request body is malformed."),
                                detail: String(describing: error).prefix(300).description)
        case let a as any AbortError:
            if a.status == .payloadTooLarge { return ProblemError(status: a.status, title: l.t("送信データが大きすぎます。", "The request is too large.")) }
            if a.status == .notFound {
                // no route matched: if the path exists for other methods, say so (405 with Allow) rather than 404
                if req.route == nil, let allow = Self.allowedMethods(req) {
                    return ProblemError(status: .methodNotAllowed, title: l.t("このメソッドは使えません。", "This method is not allowed here."), allow: allow)
                }
                return ProblemError(status: .notFound, title: l.t("ページが見つかりません。", "Not found."))
            }
            if a.status.code < 500 { return ProblemError(status: a.status, title: a.reason) }
            return ProblemError(status: .internalServerError, title: l.t("サーバーでエラーが発生しました。", "A server error occurred."))
        default:
            return ProblemError(status: .serviceUnavailable, title: l.t("一時的に保存できませんでした。もう一度お試しください。", "Could not save just now. Please try again."))
        }
    }
}

/// Vapor's sessions, skipped for an API request that carries a bearer token and no cookie (a script, a kiosk):
/// it has no session to load and must not be given one. JSON handlers never touch `req.session`.
struct SessionsUnlessBearer: Middleware {
    let sessions: SessionsMiddleware
    func respond(to req: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if req.headers.first(name: .cookie) == nil, req.headers.first(name: .authorization) != nil || req.headers.first(name: "X-Kiosk-Token") != nil, req.isAPI {
            return next.respond(to: req)
        }
        return sessions.respond(to: req, chainingTo: next)
    }
}

extension ProblemMiddleware {
    /// The methods registered for the request's path (constants equal, parameters match any segment), or nil.
    static func allowedMethods(_ req: Request) -> String? {
        let segments = req.url.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var methods = Set<String>()
        for route in req.application.routes.all where route.path.count == segments.count {
            let matches = zip(route.path, segments).allSatisfy { c, s in
                switch c { case .constant(let k): k == s; case .parameter: true; case .anything, .catchall: true }
            }
            if matches { methods.insert(route.method.rawValue) }
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.isEmpty ? nil : methods.sorted().joined(separator: ", ")
    }
}

/// Security headers on every response.
struct SecurityHeadersMiddleware: Middleware {
    func respond(to req: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: req).map { res in
            // no handler sets these, so they are added rather than searched for and replaced
            res.headers.add(name: "X-Content-Type-Options", value: "nosniff")
            res.headers.add(name: "X-Frame-Options", value: "DENY")
            res.headers.add(name: "Referrer-Policy", value: "same-origin")
            res.headers.add(name: "Content-Security-Policy", value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
            // the raw header, not `contentType`, whose media-type parsing is a real cost on every response
            if res.headers.first(name: .contentType)?.hasPrefix("text/html") == true { res.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
            return res
        }
    }
}

extension RoutesBuilder {
    /// Registers a route with its declared access (kept in `userInfo["access"]` for the authorization matrix).
    @discardableResult
    func on(_ method: HTTPMethod, _ path: [PathComponent], access: Access, body: HTTPBodyStreamStrategy = .collect,
            use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        let route = grouped(AccessMiddleware(access: access, body: body)).on(method, path, body: body, use: handler)
        route.userInfo["access"] = access
        return route
    }

    /// The same for a future-based handler, which runs on the request's event loop without an async task.
    @discardableResult
    func on(_ method: HTTPMethod, _ path: [PathComponent], access: Access, body: HTTPBodyStreamStrategy = .collect,
            future handler: @escaping @Sendable (Request) -> EventLoopFuture<Response>) -> Route {
        let route = grouped(AccessMiddleware(access: access, body: body)).on(method, path, body: body, use: handler)
        route.userInfo["access"] = access
        return route
    }
}

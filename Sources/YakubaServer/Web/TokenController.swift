import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// Personal API tokens for scripts, kiosks and IC-card readers. Shown once; stored as SHA-256.
enum TokenController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["tokens"], access: .signedIn) { req in try await page(req, created: nil, error: nil) }
        r.on(.POST, ["tokens"], access: .signedIn) { req in try await create(req) }
        r.on(.POST, ["tokens", ":id", "revoke"], access: .signedIn) { req in try await revoke(req) }
    }

    /// The apps the person may see, for limiting a token to some of them (code, name).
    static func visibleApps(_ req: Request) async throws -> [(code: String, name: String)] {
        let scope = try await Scope.load(req)
        return try await AppStore.apps(req.sql, municipalityId: scope.principal.municipalityId)
            .filter { AppsService.access(scope, $0, dialect: AppStore.dialect(req.sql)).rights.contains(.view) }
            .map { ($0.definition.code, $0.definition.name) }
    }

    static func page(_ req: Request, created: String?, error: String?, appsError: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let apps = try await visibleApps(req)
        let appNames = Dictionary(apps.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let tokens = try await req.sql.select().column("*").from("api_tokens").where("staff_id", .equal, SQLBind(p.staffId))
            .orderBy("created_at_ms", .descending).all(decoding: ApiTokenRow.self, with: rowDecoder)
        let html = Pages.layout(req, title: l.t("APIトークン", "API tokens"), [
            el("h1", txt(l.t("APIトークン", "API tokens"))),
            el("p", txt(l.t("スクリプトや打刻端末から `Authorization: Bearer トークン` で API を呼び出せます。", "Scripts and clock devices call the API with `Authorization: Bearer <token>`."))),
            created.map { t in el("div", cls("flash"), attr("role", "status"),
                                  el("p", txt(l.t("新しいトークンです。この画面を離れると二度と表示されません。", "Your new token. It will not be shown again."))),
                                  el("p", el("code", attr("id", "new-token"), cls("token"), txt(t)))) } ?? .empty,
            el("form", attr("method", "post"), attr("action", "/tokens"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "name", label: l.t("用途", "Purpose"), error: error, hint: l.t("例：ICカード打刻機（本庁舎1階）", "e.g. IC-card reader, ground floor")) { d in
                   input(id: "name", name: "name", value: "", describedBy: d, required: true, invalid: error != nil, extra: [("maxlength", "100")])
               },
               apps.isEmpty ? .empty : el("fieldset", attr("aria-describedby", appsError == nil ? "apps-hint" : "apps-hint apps-error"),
                   el("legend", txt(l.t("アプリ専用にする（任意）", "Limit to apps (optional)"))),
                   el("p", attr("id", "apps-hint"), cls("hint"), txt(l.t("選ぶと、このトークンで使えるのは選んだアプリの API（/api/v1/apps/…）だけになります。RPA や連携にはアプリ専用のトークンをおすすめします。",
                                                                       "If you choose apps, the token can call only those apps' API (/api/v1/apps/…). Use app tokens for RPA and integrations."))),
                   appsError.map { el("p", attr("id", "apps-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                   el("ul", cls("checks wrap"), apps.map { a in
                       el("li", el("label", void("input", [("type", "checkbox"), ("name", "app"), ("value", a.code)]), txt(" \(a.name)（\(a.code)）")))
                   }),
                   el("p", el("label", void("input", [("type", "checkbox"), ("name", "write"), ("value", "1")]),
                              txt(l.t(" 追加・変更・ステータスの操作もできるようにする（選ばなければ読み取りのみ）", " Also add and change records and take status actions (otherwise read only)"))))),
               el("button", attr("type", "submit"), txt(l.t("トークンを作成", "Create token")))),
            el("div", tableRegion(l.t("あなたのトークン", "Your tokens")), el("table", el("caption", txt(l.t("あなたのトークン", "Your tokens"))),
               el("thead", el("tr", [l.t("用途", "Purpose"), l.t("先頭", "Starts with"), l.t("使える範囲", "Scope"), l.t("作成", "Created"), l.t("状態", "State"), ""].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", tokens.map { t in
                   el("tr", el("th", attr("scope", "row"), txt(t.name)), el("td", el("code", txt(t.prefix + "…"))),
                      el("td", txt(t.scope.map { s in s.apps.map { appNames[$0] ?? $0 }.joined(separator: "、") + (s.write ? l.t("（読み書き）", " (read and write)") : l.t("（読み取りのみ）", " (read only)")) }
                                  ?? l.t("すべて（本人と同じ権限）", "Everything (as you)"))),
                      el("td", txt(Ledger.iso8601Millis(dateFromMs(t.createdAtMs)))),
                      el("td", txt(t.revokedAtMs == nil ? l.t("有効", "Active") : l.t("失効", "Revoked"))),
                      el("td", t.revokedAtMs == nil ? el("form", attr("method", "post"), attr("action", "/tokens/\(t.id.uuidString)/revoke"), hidden("_csrf", req.csrfToken),
                                                        el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("「\(t.name)」を失効", "Revoke \(t.name)")), txt(l.t("失効させる", "Revoke")))) : .empty))
               })))
        ])
        return Pages.html(html, status: status)
    }

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let form = FormPairs(req)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 {
            return try await page(req, created: nil, error: l.t("用途を100文字以内で入力してください。", "Enter a purpose of up to 100 characters."), status: .unprocessableEntity)
        }
        let chosen = form.all("app")
        let visible = Set(try await visibleApps(req).map(\.code))
        if let wrong = chosen.first(where: { !visible.contains($0) }) {
            return try await page(req, created: nil, error: nil, appsError: l.t("アプリ「\(wrong)」は見られないため選べません。", "You cannot see the app \"\(wrong)\", so you cannot choose it."),
                                  status: .unprocessableEntity)
        }
        if chosen.isEmpty && form["write"] == "1" {
            return try await page(req, created: nil, error: nil, appsError: l.t("追加・変更を許すときは、アプリを選んでください（アプリを選ばないトークンは本人と同じ権限です）。",
                                                                                "Choose the apps to allow adding and changing in (a token without apps acts as you everywhere)."),
                                  status: .unprocessableEntity)
        }
        guard let staff = try await StaffRepository.find(req.sql, id: p.staffId) else { throw Abort(.forbidden) }
        let scope = chosen.isEmpty ? nil : TokenScope(apps: Array(Set(chosen)).sorted(), write: form["write"] == "1")
        let token = try await issue(req.yakuba, staff: staff, name: name, actor: p.staffId, scope: scope)
        return try await page(req, created: token, error: nil, status: .created)
    }

    /// Makes a token, stores its hash with a ledger entry, and adds it to the in-memory cache.
    static func issue(_ services: YakubaServices, staff: StaffRow, name: String, actor: UUID, scope: TokenScope? = nil) async throws -> String {
        let token = TokenCache.newToken()
        let row = ApiTokenRow(id: UUID(), staffId: staff.id, name: name, tokenHash: TokenCache.hash(token), prefix: String(token.prefix(10)),
                              createdAtMs: nowMs(), createdBy: actor, revokedAtMs: nil, appScope: scope?.json)
        try await services.writer.perform { _, sql in
            try await sql.insert(into: "api_tokens").model(row, with: rowEncoder).run()
            struct Fact: Codable { var id: UUID; var staffId: UUID; var name: String; var prefix: String; var scope: TokenScope? }
            return [LedgerDraft(municipalityId: staff.municipalityId, actorId: actor, type: "token.created", subjectId: row.id.uuidString.lowercased(),
                                fact: Fact(id: row.id, staffId: staff.id, name: name, prefix: row.prefix, scope: scope))]
        }
        services.tokens.add(hash: row.tokenHash, tokenId: row.id, staff: staff, scope: scope)
        return token
    }

    static func revoke(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: UUID.self),
              let t = try await req.sql.select().column("*").from("api_tokens").where("id", .equal, SQLBind(id)).first(decoding: ApiTokenRow.self, with: rowDecoder),
              t.staffId == p.staffId || p.isAdmin else {
            throw ProblemError(status: .notFound, title: l.t("トークンが見つかりません。", "Token not found."))
        }
        if p.isAdmin && t.staffId != p.staffId {
            guard let owner = try await StaffRepository.find(req.sql, id: t.staffId), owner.municipalityId == p.municipalityId else {
                throw ProblemError(status: .notFound, title: l.t("トークンが見つかりません。", "Token not found."))
            }
        }
        if t.revokedAtMs == nil {
            let at = nowMs()
            try await req.yakuba.writer.perform { _, sql in
                try await sql.update("api_tokens").set("revoked_at_ms", to: SQLBind(at)).where("id", .equal, SQLBind(id)).run()
                struct Fact: Codable { var id: UUID; var revokedAtMs: Int64 }
                return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "token.revoked", subjectId: id.uuidString.lowercased(), fact: Fact(id: id, revokedAtMs: at))]
            }
            req.yakuba.tokens.revoke(tokenId: id)
        }
        return req.redirect(to: "/tokens")
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore

/// Personal API tokens for scripts, kiosks and IC-card readers. Shown once; stored as SHA-256.
enum TokenController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["tokens"], access: .signedIn) { req in try await page(req, created: nil, error: nil) }
        r.on(.POST, ["tokens"], access: .signedIn) { req in try await create(req) }
        r.on(.POST, ["tokens", ":id", "revoke"], access: .signedIn) { req in try await revoke(req) }
    }

    static func page(_ req: Request, created: String?, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let tokens = try await req.sql.select().column("*").from("api_tokens").where("staff_id", .equal, SQLBind(p.staffId))
            .orderBy("created_at_ms", .descending).all(decoding: ApiTokenRow.self, with: rowDecoder)
        let html = Pages.layout(req, title: l.t("APIトークン", "API tokens"), [
            el("h1", txt(l.t("APIトークン", "API tokens"))),
            el("p", txt(l.t("スクリプトや打刻端末から `Authorization: Bearer トークン` で API を呼び出せます。", "Scripts and clock devices call the API with `Authorization: Bearer <token>`."))),
            created.map { t in el("div", cls("flash"), attr("role", "status"),
                                  el("p", txt(l.t("新しいトークンです。この画面を離れると二度と表示されません。", "Your new token. It will not be shown again."))),
                                  el("p", el("code", attr("id", "new-token"), txt(t)))) } ?? .empty,
            el("form", attr("method", "post"), attr("action", "/tokens"), attr("novalidate", ""),
               hidden("_csrf", req.csrfToken),
               field(id: "name", label: l.t("用途", "Purpose"), error: error, hint: l.t("例：ICカード打刻機（本庁舎1階）", "e.g. IC-card reader, ground floor")) { d in
                   input(id: "name", name: "name", value: "", describedBy: d, required: true, invalid: error != nil, extra: [("maxlength", "100")])
               },
               el("button", attr("type", "submit"), txt(l.t("トークンを作成", "Create token")))),
            el("table", el("caption", txt(l.t("あなたのトークン", "Your tokens"))),
               el("thead", el("tr", [l.t("用途", "Purpose"), l.t("先頭", "Starts with"), l.t("作成", "Created"), l.t("状態", "State"), ""].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", tokens.map { t in
                   el("tr", el("th", attr("scope", "row"), txt(t.name)), el("td", el("code", txt(t.prefix + "…"))),
                      el("td", txt(Ledger.iso8601Millis(dateFromMs(t.createdAtMs)))),
                      el("td", txt(t.revokedAtMs == nil ? l.t("有効", "Active") : l.t("失効", "Revoked"))),
                      el("td", t.revokedAtMs == nil ? el("form", attr("method", "post"), attr("action", "/tokens/\(t.id.uuidString)/revoke"), hidden("_csrf", req.csrfToken),
                                                        el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("「\(t.name)」を失効", "Revoke \(t.name)")), txt(l.t("失効させる", "Revoke")))) : .empty))
               }))
        ])
        return Pages.html(html, status: status)
    }

    struct Form: Content { var name: String? }

    static func create(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let name = (try req.content.decode(Form.self).name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 100 {
            return try await page(req, created: nil, error: l.t("用途を100文字以内で入力してください。", "Enter a purpose of up to 100 characters."), status: .unprocessableEntity)
        }
        guard let staff = try await StaffRepository.find(req.sql, id: p.staffId) else { throw Abort(.forbidden) }
        let token = try await issue(req.yakuba, staff: staff, name: name, actor: p.staffId)
        return try await page(req, created: token, error: nil, status: .created)
    }

    /// Makes a token, stores its hash with a ledger entry, and adds it to the in-memory cache.
    static func issue(_ services: YakubaServices, staff: StaffRow, name: String, actor: UUID) async throws -> String {
        let token = TokenCache.newToken()
        let row = ApiTokenRow(id: UUID(), staffId: staff.id, name: name, tokenHash: TokenCache.hash(token), prefix: String(token.prefix(10)),
                              createdAtMs: nowMs(), createdBy: actor, revokedAtMs: nil)
        try await services.writer.perform { _, sql in
            try await sql.insert(into: "api_tokens").model(row, with: rowEncoder).run()
            struct Fact: Codable { var id: UUID; var staffId: UUID; var name: String; var prefix: String }
            return [LedgerDraft(municipalityId: staff.municipalityId, actorId: actor, type: "token.created", subjectId: row.id.uuidString.lowercased(),
                                fact: Fact(id: row.id, staffId: staff.id, name: name, prefix: row.prefix))]
        }
        services.tokens.add(hash: row.tokenHash, tokenId: row.id, staff: staff)
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

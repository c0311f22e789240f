import Foundation
import Fluent
import Vapor
import SQLKit
import YakubaCore

/// お知らせ: what happened that a person should act on or know (a request waiting for them, their request decided, an
/// order given to them). Each is a fact written in the same transaction as the change it reports; reading them marks
/// nothing in place (the page remembers when it was last opened, as a fact of its own).
struct CreateNotifications: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("notifications")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("kind", .string, .required)
            .field("text_ja", .string, .required)
            .field("text_en", .string, .required)
            .field("link", .string, .required)
            .field("created_at_ms", .int64, .required)
            .create()
        try await db.schema("notification_views")
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("viewed_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "notifications_staff_idx").on("notifications").column("staff_id").column("created_at_ms").run()
            try await sql.create(index: "notification_views_staff_idx").on("notification_views").column("staff_id").column("viewed_at_ms").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["notification_views", "notifications"] { try await db.schema(t).delete() }
    }
}

struct NotificationRow: Codable, Sendable, Hashable {
    var id: UUID; var municipalityId: UUID; var staffId: UUID; var kind: String; var textJa: String; var textEn: String; var link: String; var createdAtMs: Int64
}

/// Where notifications also go, besides the page: a chat or mail bridge can be plugged in here later.
protocol NotificationHook: Sendable {
    func deliver(_ notifications: [NotificationRow]) async
}

enum Notifications {
    /// Rows to insert inside a writer transaction (with the change they report).
    static func make(municipalityId: UUID, to recipients: [UUID], kind: String, ja: String, en: String, link: String) -> [NotificationRow] {
        let now = nowMs()
        return Array(Set(recipients)).map { NotificationRow(id: UUID.timeOrdered(), municipalityId: municipalityId, staffId: $0, kind: kind, textJa: ja, textEn: en, link: link, createdAtMs: now) }
    }

    /// After the commit: hands the rows to the hook, if one is installed.
    static func deliver(_ req: Request, _ rows: [NotificationRow]) async {
        guard !rows.isEmpty, let hook = req.yakuba.notificationHook else { return }
        await hook.deliver(rows)
    }

    static func insert(_ rows: [NotificationRow], _ sql: any SQLDatabase) async throws {
        for chunk in rows.chunked(200) where !chunk.isEmpty { try await sql.insert(into: "notifications").models(chunk, with: rowEncoder).run() }
    }
}

enum NotificationController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["notifications"], access: .signedIn) { req in try await page(req) }
    }

    /// How many of the person's お知らせ came after they last opened the page.
    static func unseen(_ sql: any SQLDatabase, staffId: UUID) async throws -> Int {
        try await sql.raw("""
            SELECT count(*) AS n FROM notifications WHERE staff_id = \(bind: staffId) AND created_at_ms >
              COALESCE((SELECT max(viewed_at_ms) FROM notification_views WHERE staff_id = \(bind: staffId)), 0)
            """).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let rows = try await req.sql.select().column("*").from("notifications").where("staff_id", .equal, SQLBind(p.staffId))
            .orderBy("created_at_ms", .descending).limit(100).all(decoding: NotificationRow.self, with: rowDecoder)
        let lastViewed = try await req.sql.select().column("viewed_at_ms").from("notification_views").where("staff_id", .equal, SQLBind(p.staffId))
            .orderBy("viewed_at_ms", .descending).limit(1).first(decodingColumn: "viewed_at_ms", as: Int64.self) ?? 0
        let now = nowMs()
        try await req.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "notification_views").columns("staff_id", "viewed_at_ms").values(SQLBind(p.staffId), SQLBind(now)).run()
            return []
        }
        let fresh = rows.filter { $0.createdAtMs > lastViewed }.count
        req.unreadNotifications = 0   // seen now: the menu on this page shows none
        let content: [N] = [
            el("h1", txt(l.t("お知らせ", "Notifications"))),
            el("p", txt(fresh == 0 ? l.t("新しいお知らせはありません。", "Nothing new.") : l.t("新しいお知らせが\(fresh)件あります。", "\(fresh) new."))),
            rows.isEmpty ? el("p", cls("muted"), txt(l.t("お知らせはまだありません。", "No notifications yet."))) :
                el("ul", [cls("notifications")] + rows.map { n in
                    let at = dateFromMs(n.createdAtMs)
                    return el("li", n.createdAtMs > lastViewed ? el("strong", txt(l.t("新着 ", "New "))) : .empty,
                              txt(showDate(CalendarDate(at, in: muni.zone), l) + " " + showTime(at, muni.zone) + "　"),
                              link(n.link, l.t(n.textJa, n.textEn)))
                }),
        ]
        return Pages.html(Pages.layout(req, title: l.t("お知らせ", "Notifications"), content))
    }
}

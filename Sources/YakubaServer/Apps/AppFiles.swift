import Foundation
import Vapor
import Fluent
import SQLKit
import YakubaCore
import YakubaApps

/// Files attached to records (issue 6), stored in the database beside the records (one file to back up, the same on
/// SQLite and PostgreSQL). A file is written once, in the transaction of the record that first holds it, and never
/// changed; `app_record_files` says which records hold it now, so a download is allowed exactly when the caller may see
/// such a record and read the field it is in.
struct CreateAppFiles: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let pg = sql.dialect.name != "sqlite"
        try await sql.raw("""
            CREATE TABLE app_files (
              id TEXT PRIMARY KEY, app_id TEXT NOT NULL, field TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
              size BIGINT NOT NULL, sha256 TEXT NOT NULL, bytes \(unsafeRaw: pg ? "BYTEA" : "BLOB") NOT NULL,
              uploaded_by TEXT NOT NULL, uploaded_at_ms BIGINT NOT NULL)
            """).run()
        try await sql.raw("CREATE TABLE app_record_files (record_id TEXT NOT NULL, file_id TEXT NOT NULL, PRIMARY KEY (record_id, file_id))").run()
        try await sql.raw("CREATE INDEX app_record_files_file_idx ON app_record_files (file_id)").run()
    }
    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for t in ["app_record_files", "app_files"] { try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: t)").run() }
    }
}

/// An uploaded file, checked, on its way into the record's transaction.
struct NewFile: Sendable {
    var meta: Attachments.Meta
    var field: String
    var bytes: [UInt8]
}

extension AppStore {
    /// The ids of the files a record's data holds (attachment fields).
    static func fileIds(_ def: AppDefinition, _ data: [String: AppValue]) -> [String] { files(def, data).map(\.id) }

    /// The files a record's data holds, in field order.
    static func files(_ def: AppDefinition, _ data: [String: AppValue]) -> [Attachments.Meta] {
        def.fields.filter { $0.type == .attachment }.flatMap { f in (data[f.code]?.list ?? []).compactMap(Attachments.Meta.init) }
    }

    static func storeFiles(_ sql: any SQLDatabase, app: InstalledApp, _ files: [NewFile], actor: UUID) async throws {
        let at = nowMs()
        for f in files {
            try await sql.raw("""
                INSERT INTO app_files (id, app_id, field, name, content_type, size, sha256, bytes, uploaded_by, uploaded_at_ms)
                VALUES (\(bind: f.meta.id), \(bind: app.id), \(bind: f.field), \(bind: f.meta.name), \(bind: f.meta.type), \(bind: Int64(f.meta.size)),
                        \(bind: f.meta.sha256), \(bind: ByteBuffer(bytes: f.bytes)), \(bind: id(actor)), \(bind: at))
                """).run()
        }
    }

    /// Which files a record holds now (after a change that may have added or removed some).
    static func linkFiles(_ sql: any SQLDatabase, recordId: String, _ ids: [String]) async throws {
        try await sql.raw("DELETE FROM app_record_files WHERE record_id = \(bind: recordId)").run()
        for f in Set(ids) { try await sql.raw("INSERT INTO app_record_files (record_id, file_id) VALUES (\(bind: recordId), \(bind: f))").run() }
    }
}

enum AppFilesController {
    /// `GET /apps/:code/files/:file`: the file, if the caller may see a record holding it and read its field; 404 otherwise.
    static func download(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let a = try await AppsService.access(req, scope, code: AppsController.code(req))
        let missing = ProblemError(status: .notFound, title: l.t("ファイルが見つかりません。", "File not found."))
        guard let fid = req.parameters.get("file").flatMap(UUID.init(uuidString:)).map({ AppStore.id($0) }) else { throw missing }
        let visible = try a.compiler.visible(a.context)
        let q: SQLQueryString = "SELECT \(unsafeRaw: AppStore.columns(req.sql)) FROM app_records r WHERE r.app_id = '\(unsafeRaw: a.app.id)' AND r.id IN (SELECT record_id FROM app_record_files WHERE file_id = \(bind: fid)) AND " + visible.query + " LIMIT 20"
        let holders = try await AppStore.decodeRecords(try await req.sql.raw(q).all(), req.sql)
        let def = a.app.definition
        // the field that holds it must be readable for that record
        let readable = holders.contains { rec in
            def.fields.contains { f in
                f.type == .attachment && (rec.data[f.code]?.list ?? []).contains { Attachments.Meta($0)?.id == fid }
                    && def.permissions.access(f.code, caller: a.caller, record: rec.context) >= .read
            }
        }
        guard readable, let row = try await req.sql.raw("SELECT name, content_type, bytes FROM app_files WHERE id = \(bind: fid) AND app_id = \(bind: a.app.id)").first() else { throw missing }
        let name = try row.decode(column: "name", as: String.self)
        let bytes = try row.decode(column: "bytes", as: ByteBuffer.self)
        let res = Response(status: .ok, body: .init(buffer: bytes))
        res.headers.replaceOrAdd(name: .contentType, value: try row.decode(column: "content_type", as: String.self))
        res.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(name))
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return res
    }

    /// Always a download (never shown inline, so no file can run script on this site), named in UTF-8 (RFC 6266/5987)
    /// with an ASCII fallback.
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}

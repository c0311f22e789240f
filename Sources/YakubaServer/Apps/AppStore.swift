import Foundation
import Crypto
import Fluent
import SQLKit
import YakubaCore
import YakubaApps

/// The app engine's tables (issue 6). An app's definition is one JSON value with a revision (every revision kept, so
/// settings history is never cut to the last 50); records keep their field values in one JSON column, indexed per field
/// by expression indexes limited to the app's rows, so lists filter and sort in the database; every change to a record is
/// an event row and a ledger entry in the same transaction. Ids are lower-case UUID text, the form user fields hold in JSON.
struct CreateApps: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let pg = sql.dialect.name != "sqlite"
        try await db.schema("apps")
            .field("id", .string, .identifier(auto: false))
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("definition", .string, .required)        // JSON AppDefinition
            .field("revision", .int, .required)
            .field("role_map", .string, .required)          // JSON {role code: ["staff:…", "department:…", "role:hr", "everyone"]}
            .field("next_number", .int64, .required)
            .field("record_count", .int64, .required)
            .field("created_by", .uuid, .required)
            .field("created_at_ms", .int64, .required)
            .field("updated_at_ms", .int64, .required)
            .unique(on: "municipality_id", "code")
            .create()
        try await db.schema("app_revisions")
            .field("app_id", .string, .required)
            .field("revision", .int, .required)
            .field("definition", .string, .required)
            .field("changed_by", .uuid, .required)
            .field("changed_at_ms", .int64, .required)
            .unique(on: "app_id", "revision")
            .create()
        try await sql.raw("""
            CREATE TABLE app_records (
              id TEXT PRIMARY KEY, app_id TEXT NOT NULL, number BIGINT NOT NULL, status TEXT,
              data \(unsafeRaw: pg ? "JSONB" : "TEXT") NOT NULL, revision INTEGER NOT NULL,
              created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL)
            """).run()
        try await sql.raw("CREATE UNIQUE INDEX app_records_number_idx ON app_records (app_id, number)").run()
        try await sql.raw("CREATE INDEX app_records_status_idx ON app_records (app_id, status, number)").run()
        try await sql.raw("CREATE INDEX app_records_updated_idx ON app_records (app_id, updated_at)").run()
        try await sql.raw("CREATE TABLE app_record_assignees (record_id TEXT NOT NULL, staff_id TEXT NOT NULL, PRIMARY KEY (record_id, staff_id))").run()
        try await sql.raw("CREATE INDEX app_record_assignees_staff_idx ON app_record_assignees (staff_id)").run()
        try await sql.raw("""
            CREATE TABLE app_record_events (
              id TEXT PRIMARY KEY, record_id TEXT NOT NULL, app_id TEXT NOT NULL, kind TEXT NOT NULL, actor_id TEXT NOT NULL,
              at_ms BIGINT NOT NULL, body TEXT NOT NULL)
            """).run()
        try await sql.raw("CREATE INDEX app_record_events_record_idx ON app_record_events (record_id, at_ms)").run()
    }
    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for t in ["app_record_events", "app_record_assignees", "app_records", "app_revisions", "apps"] { try await sql.raw("DROP TABLE IF EXISTS \(unsafeRaw: t)").run() }
    }
}

struct AppRow: Codable, Sendable, Hashable {
    var id: String
    var municipalityId: UUID
    var code: String
    var name: String
    var definition: String
    var revision: Int
    var roleMap: String
    var nextNumber: Int64
    var recordCount: Int64
    var createdBy: UUID
    var createdAtMs: Int64
    var updatedAtMs: Int64
    /// Records after this number still wait for their calculated fields to be computed again; nil when none do.
    var recalcAfter: Int64? = nil
}

/// An installed app: its row, its definition and who holds its roles here.
struct InstalledApp: Sendable {
    var row: AppRow
    var definition: AppDefinition
    /// role code → who holds it: "staff:<id>", "department:<id>" (and everyone under it), "role:hr|approver|admin|dx", "everyone"
    var roleMap: [String: [String]]
    var id: String { row.id }
}

/// A record as stored.
struct StoredRecord: Sendable, Hashable {
    var id: String
    var number: Int64
    var status: String?
    var data: [String: AppValue]
    var revision: Int
    var createdBy: UUID
    var createdAt: String
    var updatedBy: UUID
    var updatedAt: String
    var assignees: [UUID]

    var context: RecordContext { RecordContext(creator: createdBy, data: data, assignees: assignees) }
    var state: RecordState? { status.map { RecordState(status: $0, assignees: assignees) } }
}

/// One entry of a record's history.
struct RecordEvent: Sendable, Codable, Hashable {
    struct Change: Sendable, Codable, Hashable { var field: String; var before: AppValue?; var after: AppValue? }
    var kind: String                 // created | updated | action | comment | deleted
    var changes: [Change]? = nil
    var action: String? = nil
    var from: String? = nil
    var to: String? = nil
    var comment: String? = nil
    var mentions: [UUID]? = nil
    var acted: Bool? = nil           // an all-must-act status: recorded, not moved
}

enum AppStore {
    static func isSQLite(_ sql: any SQLDatabase) -> Bool { sql.dialect.name == "sqlite" }
    static func dialect(_ sql: any SQLDatabase) -> RecordSQL.Dialect { isSQLite(sql) ? .sqlite : .postgres }
    static func id(_ u: UUID) -> String { u.uuidString.lowercased() }
    static func now() -> String { RecordValidation.formatInstant(Date()) }

    // MARK: apps

    static func apps(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [InstalledApp] {
        try await sql.select().column("*").from("apps").where("municipality_id", .equal, SQLBind(municipalityId)).orderBy("name")
            .all(decoding: AppRow.self, with: rowDecoder).compactMap(installed)
    }

    static func app(_ sql: any SQLDatabase, municipalityId: UUID, code: String) async throws -> InstalledApp? {
        try await sql.select().column("*").from("apps").where("municipality_id", .equal, SQLBind(municipalityId)).where("code", .equal, SQLBind(code))
            .first(decoding: AppRow.self, with: rowDecoder).flatMap(installed)
    }

    static func installed(_ row: AppRow) -> InstalledApp? {
        guard let d = try? JSONDecoder().decode(AppDefinition.self, from: Data(row.definition.utf8)) else { return nil }
        let map = (try? JSONDecoder().decode([String: [String]].self, from: Data(row.roleMap.utf8))) ?? [:]
        return InstalledApp(row: row, definition: d, roleMap: map)
    }

    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(v), as: UTF8.self)
    }

    /// Installs apps (a template, or one made in the builder) with the municipality's role mapping, in one transaction.
    static func install(_ writer: LedgerWriter, municipalityId: UUID, apps: [AppDefinition], roleMap: [String: [String]], actor: UUID) async throws -> [String] {
        let now = nowMs()
        let rows = apps.map { a in
            AppRow(id: id(UUID.timeOrdered()), municipalityId: municipalityId, code: a.code, name: a.name, definition: encode(a), revision: 1,
                   roleMap: encode(roleMap.filter { k, _ in a.permissions.roles.contains { $0.code == k } }), nextNumber: 1, recordCount: 0,
                   createdBy: actor, createdAtMs: now, updatedAtMs: now)
        }
        try await writer.perform { _, sql in
            var drafts: [LedgerDraft] = []
            for (row, a) in zip(rows, apps) {
                try await sql.insert(into: "apps").model(row, with: rowEncoder).run()
                try await sql.raw("INSERT INTO app_revisions (app_id, revision, definition, changed_by, changed_at_ms) VALUES (\(bind: row.id), 1, \(bind: row.definition), \(bind: actor), \(bind: now))").run()
                try await indexes(sql, appId: row.id, old: nil, new: a)
                drafts.append(LedgerDraft(municipalityId: municipalityId, actorId: actor, type: "app.installed", subjectId: row.id,
                                          payload: "{\"code\":\(AppValue.text(a.code).canonicalJSON),\"definitionSha256\":\"\(sha256Hex(row.definition))\",\"roleMap\":\(row.roleMap)}"))
            }
            return drafts
        }
        return rows.map(\.id)
    }

    /// Saves a new revision of an app. Refused (409) when someone saved another revision since `expectedRevision`.
    /// Fields removed are retired (their codes never come back); when a calculation changed, every record is to be computed
    /// again (`recalc_after`, by the `AppRecalculator`): returns whether that is so.
    @discardableResult
    static func update(_ writer: LedgerWriter, app: InstalledApp, definition new: AppDefinition, roleMap: [String: [String]]?, expectedRevision: Int, actor: UUID) async throws -> Bool {
        var d = new
        let removed = Set(app.definition.fields.map(\.code)).subtracting(d.fields.map(\.code))
        d.retiredFields = Array(Set(app.definition.retiredFields).union(removed)).sorted()
        let json = encode(d)
        let now = nowMs()
        let map = roleMap.map { m in encode(m.filter { k, _ in d.permissions.roles.contains { $0.code == k } }) } ?? app.row.roleMap
        let recalc = calculations(app.definition) != calculations(d)
        let saved = d
        try await writer.perform { _, sql in
            let d = saved
            let rows = try await sql.raw("UPDATE apps SET definition = \(bind: json), name = \(bind: d.name), revision = revision + 1, role_map = \(bind: map), updated_at_ms = \(bind: now) WHERE id = \(bind: app.id) AND revision = \(bind: expectedRevision) RETURNING revision").all()
            guard let rev = try rows.first?.decode(column: "revision", as: Int.self) else { throw AppConflict.revision }
            try await sql.raw("INSERT INTO app_revisions (app_id, revision, definition, changed_by, changed_at_ms) VALUES (\(bind: app.id), \(bind: rev), \(bind: json), \(bind: actor), \(bind: now))").run()
            try await indexes(sql, appId: app.id, old: app.definition, new: d)
            if recalc { try await sql.raw("UPDATE apps SET recalc_after = 0 WHERE id = \(bind: app.id)").run() }
            return [LedgerDraft(municipalityId: app.row.municipalityId, actorId: actor, type: "app.updated", subjectId: app.id,
                                payload: "{\"code\":\(AppValue.text(d.code).canonicalJSON),\"definitionSha256\":\"\(sha256Hex(json))\",\"removed\":\(AppValue.list(removed.sorted().map(AppValue.text)).canonicalJSON),\"revision\":\(expectedRevision + 1)}")]
        }
        return recalc
    }

    /// The fields a list can filter and sort on with an index of their own.
    static func indexedFields(_ d: AppDefinition) -> Set<String> {
        let types = d.queryTypes
        return Set(d.fields.filter { f in (types[f.code] ?? .text).isScalar && f.type != .multilineText }.map(\.code))
    }
    static func indexName(appId: String, code: String) -> String {
        "app_idx_\(appId.replacingOccurrences(of: "-", with: "").suffix(12))_\(code)"
    }

    static func calculations(_ d: AppDefinition) -> [String] { d.fields.filter { $0.type == .calculated }.map { $0.code + "=" + ($0.expression ?? "") } }


    /// One expression index per field a list can filter or sort on, limited to the app's rows, written exactly as
    /// `RecordSQL.column` reads the field; dropped when the field goes.
    static func indexes(_ sql: any SQLDatabase, appId: String, old: AppDefinition?, new: AppDefinition) async throws {
        let types = new.queryTypes
        let wanted = indexedFields(new)
        let had = old.map(indexedFields) ?? []
        let d = dialect(sql)
        for code in had.subtracting(wanted) { try await sql.raw("DROP INDEX IF EXISTS \(unsafeRaw: indexName(appId: appId, code: code))").run() }
        for code in wanted {
            let expr = RecordSQL.extraction(code, types[code] ?? .text, d, alias: "")
            let typeChanged = old.map { o in o.queryTypes[code] != types[code] } ?? false
            if typeChanged { try await sql.raw("DROP INDEX IF EXISTS \(unsafeRaw: indexName(appId: appId, code: code))").run() }
            let nulls = d == .postgres ? " NULLS FIRST" : ""
            try await sql.raw("CREATE INDEX IF NOT EXISTS \(unsafeRaw: indexName(appId: appId, code: code)) ON app_records (\(unsafeRaw: expr)\(unsafeRaw: nulls), number) WHERE app_id = '\(unsafeRaw: appId)'").run()
        }
    }
}

enum AppConflict: Error { case revision, record }

func sha256Hex(_ s: String) -> String {
    SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined()
}

/// A JSON text bound for the `data` column: SQLite's binary JSONB (read without parsing text, so filters, sorts and
/// charts over many rows extract values several times faster), PostgreSQL's jsonb. Rows written as text before still read.
func jsonValue(_ sql: any SQLDatabase, _ json: String) -> SQLQueryString {
    AppStore.isSQLite(sql) ? "jsonb(\(bind: json))" : "CAST(\(bind: json) AS jsonb)"
}

extension AppStore {
    /// The `data` column read back as JSON text.
    static func dataColumn(_ sql: any SQLDatabase, alias: String) -> String {
        isSQLite(sql) ? "json(\(alias)data) AS data" : "\(alias)data::text AS data"
    }
}

import Foundation
import Fluent
import SQLKit
import YakubaCore
import YakubaApps

/// What a caller sees of an app: who they are to it, and the context its queries are compiled in.
struct AppAccess: Sendable {
    var app: InstalledApp
    var caller: AppCaller
    var rights: Set<AppRight>
    var context: RecordSQL.Context
    var compiler: RecordSQL

    func canRead(_ field: String) -> Bool {
        SystemField(rawValue: field) != nil || app.definition.permissions.readableEverywhere(field, caller: caller)
    }
}

/// A page of a list: its records, the cursor to the next page, and the count (exact, or "at least" when counting all
/// would scan the table and nobody asked for it).
struct RecordPage: Sendable {
    var records: [StoredRecord]
    var next: String?
    var count: Int64
    var countIsExact: Bool
}

extension SQLFragment {
    /// The fragment with its `?` placeholders bound, for SQLKit (which numbers them for PostgreSQL).
    var query: SQLQueryString {
        var q = SQLQueryString("")
        let pieces = sql.split(separator: "?", omittingEmptySubsequences: false)
        for (i, p) in pieces.enumerated() {
            q.appendLiteral(String(p))
            guard i < binds.count, i < pieces.count - 1 else { continue }
            switch binds[i] {
            case .text(let s): q.appendInterpolation(bind: s)
            case .double(let d): q.appendInterpolation(bind: d)
            case .int(let n): q.appendInterpolation(bind: n)
            }
        }
        return q
    }
}

extension AppStore {
    static func columns(_ sql: any SQLDatabase) -> String {
        "r.id, r.number, r.status, \(dataColumn(sql, alias: "r.")), r.revision, r.created_by, r.created_at, r.updated_by, r.updated_at"
    }

    static func decodeRecords(_ rows: [any SQLRow], _ sql: any SQLDatabase) async throws -> [StoredRecord] {
        var out: [StoredRecord] = []
        for r in rows {
            guard case .object(let data)? = AppValue.parse(try r.decode(column: "data", as: String.self)),
                  let creator = UUID(uuidString: try r.decode(column: "created_by", as: String.self)),
                  let updater = UUID(uuidString: try r.decode(column: "updated_by", as: String.self)) else { continue }
            out.append(StoredRecord(id: try r.decode(column: "id", as: String.self), number: try r.decode(column: "number", as: Int64.self),
                                    status: try r.decode(column: "status", as: String?.self), data: data, revision: try r.decode(column: "revision", as: Int.self),
                                    createdBy: creator, createdAt: try r.decode(column: "created_at", as: String.self), updatedBy: updater,
                                    updatedAt: try r.decode(column: "updated_at", as: String.self), assignees: []))
        }
        guard !out.isEmpty else { return out }
        var assignees: [String: [UUID]] = [:]
        for chunk in out.map(\.id).chunked(500) {
            for a in try await sql.select().column("record_id").column("staff_id").from("app_record_assignees").where("record_id", .in, SQLBind.group(chunk)).all() {
                if let s = UUID(uuidString: try a.decode(column: "staff_id", as: String.self)) { assignees[try a.decode(column: "record_id", as: String.self), default: []].append(s) }
            }
        }
        for i in out.indices { out[i].assignees = (assignees[out[i].id] ?? []).sorted { $0.uuidString < $1.uuidString } }
        return out
    }

    /// A page of the records the caller may see, filtered and sorted in the database, continuing after `cursor`.
    static func list(_ sql: any SQLDatabase, _ access: AppAccess, query: RecordQuery, cursor: String?, limit: Int, exactCount: Bool) async throws -> RecordPage {
        var c = access.compiler
        // PostgreSQL has no statistics for the partial indexes' expressions: a broad filter is written so that no index
        // matches it, and the list walks its sort order's index (an app field's, or the record number's) to the page
        let sortField = query.sort.first?.field ?? SystemField.recordNumber.rawValue
        if !isSQLite(sql), query.condition != nil, sortField == SystemField.recordNumber.rawValue || indexedFields(access.app.definition).contains(sortField),
           walksSortIndex(access.app, query.condition) {
            c.avoidIndexes = true
            c.walkedField = sortField
        }
        let visible = try c.visible(access.context)
        let condition = try query.condition.map { cond throws(AppProblem) in try c.condition(cond, access.context) } ?? .true
        var sorts = query.sort
        if sorts.isEmpty { sorts = [.init(field: SystemField.recordNumber.rawValue, descending: true)] }
        var afterFragment = SQLFragment.true
        if let cursor {
            guard let values = decodeCursor(cursor), let f = c.after(sorts, values: values) else { throw AppProblem("cursor", "続きの位置（cursor）を読めません。一覧の最初から開き直してください。", "The cursor cannot be read; open the list from the start.") }
            afterFragment = f
        }
        let base: SQLQueryString = "FROM app_records r WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND " + visible.query + " AND " + condition.query
        // SQLite's planner, with statistics averaged over every app, prefers narrowing to the app and sorting it whole; a
        // list sorted by an indexed field with no equality filter walks that field's index instead and stops at the page
        let hint = isSQLite(sql) ? sortIndex(access.app, sorts: sorts, condition: query.condition).map { " INDEXED BY \($0)" } ?? "" : ""
        var q: SQLQueryString = "SELECT \(unsafeRaw: columns(sql)) FROM app_records r\(unsafeRaw: hint) WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND " + visible.query + " AND " + condition.query + " AND " + afterFragment.query
        q.appendLiteral(" ORDER BY \(c.orderBy(sorts)) LIMIT \(limit + 1)")
        let rows: [any SQLRow]
        if c.avoidIndexes, let db = sql as? any Database {
            // its estimate of the (unindexable) filter is a guess it would answer with a full scan and a sort: in this
            // statement's own transaction, only an ordered index scan is left to it, and the only index that fits is the
            // sort order's, walked to the page (measured on 200,000 records: 80–230 ms → 1–15 ms)
            let query = q
            rows = try await db.transaction { tx in
                let t = tx as! any SQLDatabase
                try await t.raw("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)").run()
                return try await t.raw(query).all()
            }
        } else {
            rows = try await sql.raw(q).all()
        }
        var records = try await decodeRecords(rows, sql)
        var next: String? = nil
        if records.count > limit {
            records.removeLast()
            next = encodeCursor(c.cursorKeys(sorts).enumerated().map { i, _ in keyValue(records.last!, sorts, i) })
        }
        // the count: the app's own counter when nothing narrows the list; otherwise counted up to a cap unless asked
        let unfiltered = query.condition == nil && visible == .true
        if unfiltered && !exactCount { return RecordPage(records: records, next: next, count: access.app.row.recordCount, countIsExact: true) }
        if cursor == nil && next == nil && !exactCount { return RecordPage(records: records, next: nil, count: Int64(records.count), countIsExact: true) }
        let cap = 1000
        let countQuery: SQLQueryString = exactCount ? "SELECT COUNT(*) AS n " + base : "SELECT COUNT(*) AS n FROM (SELECT 1 " + base + " LIMIT \(unsafeRaw: String(cap + 1))) capped"
        let n = try await sql.raw(countQuery).first()?.decode(column: "n", as: Int64.self) ?? 0
        return RecordPage(records: records, next: next, count: exactCount ? n : min(n, Int64(cap)), countIsExact: exactCount || n <= cap)
    }

    /// The index to walk for a list sorted by an app field, unless the filter is expected to leave so few records that
    /// finding them first and sorting them is cheaper (`walksSortIndex`).
    static func sortIndex(_ app: InstalledApp, sorts: [RecordQuery.Sort], condition: RecordQuery.Condition?) -> String? {
        guard let first = sorts.first, indexedFields(app.definition).contains(first.field), walksSortIndex(app, condition) else { return nil }
        return indexName(appId: app.id, code: first.field)
    }

    /// Whether a list should walk its sort order's index and stop at the page: unless the filter is expected to keep
    /// fewer than one record in 500, when reading the matches and sorting them is cheaper. The expectation comes from the
    /// definition, not from statistics: an equality on a choice matches one in as many records as it has choices, a range
    /// about a third, and so on.
    static func walksSortIndex(_ app: InstalledApp, _ condition: RecordQuery.Condition?) -> Bool {
        let def = app.definition
        func one(_ field: String) -> Double {
            if field == SystemField.status.rawValue { return 1 / Double(max(1, def.process?.statuses.count ?? 1)) }
            guard let f = def.field(field) else { return 0.001 }
            switch f.type {
            case .choice, .multiChoice: return 1 / Double(max(1, f.choices?.count ?? 1))
            case .yesNo: return 0.5
            default: return 0.001
            }
        }
        func share(_ c: RecordQuery.Condition) -> Double {
            switch c {
            case .all(let cs): return cs.map(share).reduce(1, *)
            case .any(let cs): return min(1, cs.map(share).reduce(0, +))
            case .compare(let f, let op, _):
                switch op { case .eq: return one(f); case .ne: return 0.9; default: return 1.0 / 3 }
            case .within(let f, let vs, let negated): return negated ? 0.9 : min(1, Double(vs.count) * one(f))
            case .like(_, _, let negated): return negated ? 0.9 : 0.2
            case .empty(_, let negated): return negated ? 0.9 : 0.1
            }
        }
        guard let c = condition else { return true }
        return share(c) >= 0.002
    }

    /// The value of the i-th cursor key of a record: a sorted field's value, then the record number.
    static func keyValue(_ r: StoredRecord, _ sorts: [RecordQuery.Sort], _ i: Int) -> AppValue {
        let keys = sorts.filter { $0.field != SystemField.recordNumber.rawValue && $0.field != SystemField.assignee.rawValue }
        guard i < keys.count else { return .number(Decimal(r.number)) }
        switch SystemField(rawValue: keys[i].field) {
        case .status?: return r.status.map(AppValue.text) ?? .null
        case .createdAt?: return .text(r.createdAt)
        case .updatedAt?: return .text(r.updatedAt)
        case .createdBy?: return .text(id(r.createdBy))
        case .updatedBy?: return .text(id(r.updatedBy))
        default: return r.data[keys[i].field] ?? .null
        }
    }

    static func encodeCursor(_ values: [AppValue]) -> String {
        Data(AppValue.list(values).canonicalJSON.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ s: String) -> [AppValue]? {
        guard s.count <= 4000 else { return nil }
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let d = Data(base64Encoded: b), case .list(let values)? = AppValue.parse(String(decoding: d, as: UTF8.self)) else { return nil }
        return values
    }

    /// One record the caller may see (or edit), or nil.
    static func record(_ sql: any SQLDatabase, _ access: AppAccess, id: String, edit: Bool = false) async throws -> StoredRecord? {
        guard UUID(uuidString: id) != nil else { return nil }
        let visible = try access.compiler.visible(access.context, edit: edit)
        let q: SQLQueryString = "SELECT \(unsafeRaw: columns(sql)) FROM app_records r WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND r.id = \(bind: id.lowercased()) AND " + visible.query
        return try await decodeRecords(try await sql.raw(q).all(), sql).first
    }

    /// The records with these ids that the caller may see (or edit), by id.
    static func records(_ sql: any SQLDatabase, _ access: AppAccess, ids: [String], edit: Bool) async throws -> [String: StoredRecord] {
        let wanted = ids.map { $0.lowercased() }.filter { UUID(uuidString: $0) != nil }
        let visible = try access.compiler.visible(access.context, edit: edit)
        var out: [String: StoredRecord] = [:]
        for chunk in Array(Set(wanted)).chunked(500) where !chunk.isEmpty {
            let q: SQLQueryString = "SELECT \(unsafeRaw: columns(sql)) FROM app_records r WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND r.id IN (\(binds: chunk)) AND " + visible.query
            for r in try await decodeRecords(try await sql.raw(q).all(), sql) { out[r.id] = r }
        }
        return out
    }

    /// The records with these numbers that the caller may see (or edit), by number.
    static func records(_ sql: any SQLDatabase, _ access: AppAccess, numbers: [Int64], edit: Bool) async throws -> [Int64: StoredRecord] {
        let visible = try access.compiler.visible(access.context, edit: edit)
        var out: [Int64: StoredRecord] = [:]
        for chunk in numbers.chunked(500) where !chunk.isEmpty {
            let q: SQLQueryString = "SELECT \(unsafeRaw: columns(sql)) FROM app_records r WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND r.number IN (\(binds: chunk)) AND " + visible.query
            for r in try await decodeRecords(try await sql.raw(q).all(), sql) { out[r.number] = r }
        }
        return out
    }

    /// The record ids among `ids` of app `appId` that the caller may see (for link fields: a link to a record the caller
    /// cannot see is refused).
    static func visibleIds(_ sql: any SQLDatabase, _ access: AppAccess, ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let visible = try access.compiler.visible(access.context)
        var out = Set<String>()
        for chunk in ids.chunked(500) {
            let q: SQLQueryString = "SELECT r.id FROM app_records r WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND r.id IN (\(binds: chunk)) AND " + visible.query
            for row in try await sql.raw(q).all() { out.insert(try row.decode(column: "id", as: String.self)) }
        }
        return out
    }

    static func history(_ sql: any SQLDatabase, recordId: String) async throws -> [(actor: UUID, atMs: Int64, event: RecordEvent)] {
        try await sql.raw("SELECT actor_id, at_ms, body FROM app_record_events WHERE record_id = \(bind: recordId) ORDER BY at_ms, id").all().compactMap { r in
            guard let actor = UUID(uuidString: try r.decode(column: "actor_id", as: String.self)),
                  let e = try? JSONDecoder().decode(RecordEvent.self, from: Data(try r.decode(column: "body", as: String.self).utf8)) else { return nil }
            return (actor, try r.decode(column: "at_ms", as: Int64.self), e)
        }
    }

    // MARK: writing

    struct NewRecord: Sendable {
        var data: [String: AppValue]
        var state: RecordState?
    }

    /// Inserts records (up to 100 from the API), numbered in order, each with its event and ledger entry: all or none.
    static func insert(_ writer: LedgerWriter, app: InstalledApp, records: [NewRecord], actor: UUID, notify: [NotificationRow] = [], files: [NewFile] = []) async throws -> [StoredRecord] {
        try await writer.perform(returning: { _, sql in
            try await storeFiles(sql, app: app, files, actor: actor)
            let (out, drafts) = try await insertRows(sql, app: app, records: records, actor: actor, stamp: now())
            try await Notifications.insert(notify, sql)
            return (out, drafts)
        })
    }

    /// A CSV import: new records and changes to existing ones in one transaction (all or none). Each changed record is
    /// read again inside it with the caller's edit rule; a record changed since the file was checked refuses the whole file.
    static func importRecords(_ writer: LedgerWriter, _ access: AppAccess, new records: [NewRecord], changes: [(id: String, revision: Int, data: [String: AppValue], event: RecordEvent)],
                              actor: UUID, notify: [NotificationRow]) async throws -> (created: [StoredRecord], updated: [StoredRecord]) {
        let byId = Dictionary(changes.map { ($0.id, ($0.data, $0.event)) }, uniquingKeysWith: { a, _ in a })
        let stamp = now()
        return try await writer.perform(returning: { _, sql in
            let (created, createdDrafts) = records.isEmpty ? ([], []) : try await insertRows(sql, app: access.app, records: records, actor: actor, stamp: stamp)
            let (updated, updatedDrafts, _) = try await mutateRows(sql, access, ids: changes.map { ($0.id, $0.revision) }, edit: true, actor: actor, stamp: stamp) { rec in
                let (data, event) = byId[rec.id]!
                return Mutation(data: data, event: event)
            }
            try await Notifications.insert(notify, sql)
            return ((created, updated), createdDrafts + updatedDrafts)
        })
    }

    /// The rows of `insert`, inside the caller's transaction.
    static func insertRows(_ sql: any SQLDatabase, app: InstalledApp, records: [NewRecord], actor: UUID, stamp: String) async throws -> ([StoredRecord], [LedgerDraft]) {
        let ids = records.map { _ in id(UUID.timeOrdered()) }
        let n = Int64(records.count)
        let municipality = app.row.municipalityId
        let ret = try await sql.raw("UPDATE apps SET next_number = next_number + \(bind: n), record_count = record_count + \(bind: n) WHERE id = \(bind: app.id) RETURNING next_number").all()
        guard let next = try ret.first?.decode(column: "next_number", as: Int64.self) else { throw AppConflict.revision }
        let first = next - n
        var out: [StoredRecord] = []
        var drafts: [LedgerDraft] = []
        var eventRows: [(String, RecordEvent)] = []
        var texts: [String: String] = [:]   // record id → its data as JSON, made once for the row and the ledger
        for (i, r) in records.enumerated() {
            let rec = StoredRecord(id: ids[i], number: first + Int64(i), status: r.state?.status, data: r.data, revision: 1, createdBy: actor, createdAt: stamp,
                                   updatedBy: actor, updatedAt: stamp, assignees: r.state?.assignees ?? [])
            let json = AppValue.object(r.data).canonicalJSON
            texts[rec.id] = json
            eventRows.append((rec.id, RecordEvent(kind: "created", changes: r.data.keys.sorted().map { .init(field: $0, before: nil, after: r.data[$0]) }, to: rec.status)))
            drafts.append(LedgerDraft(municipalityId: municipality, actorId: actor, type: "app_record.created", subjectId: rec.id,
                                      payload: "{\"app\":\"\(app.id)\",\"data\":\(json),\"number\":\(rec.number),\"status\":\(rec.status.map { AppValue.text($0).canonicalJSON } ?? "null")}"))
            out.append(rec)
        }
        // many rows per statement: a bulk of 100 is a handful of statements, not three hundred
        let me = id(actor), at = nowMs()
        for chunk in out.chunked(50) {
            let values: [SQLQueryString] = chunk.map { rec in
                "(\(bind: rec.id), \(bind: app.id), \(bind: rec.number), \(bind: rec.status), \(jsonValue(sql, texts[rec.id] ?? AppValue.object(rec.data).canonicalJSON)), 1, \(bind: me), \(bind: stamp), \(bind: me), \(bind: stamp))"
            }
            try await sql.raw("INSERT INTO app_records (id, app_id, number, status, data, revision, created_by, created_at, updated_by, updated_at) VALUES " + values.joined(separator: ", ")).run()
        }
        let assigned = out.flatMap { rec in Set(rec.assignees).map { (rec.id, id($0)) } }
        for chunk in assigned.chunked(200) where !chunk.isEmpty {
            let values: [SQLQueryString] = chunk.map { "(\(bind: $0.0), \(bind: $0.1))" }
            try await sql.raw("INSERT INTO app_record_assignees (record_id, staff_id) VALUES " + values.joined(separator: ", ")).run()
        }
        if app.definition.fields.contains(where: { $0.type == .attachment }) {
            for rec in out { let ids = fileIds(app.definition, rec.data); if !ids.isEmpty { try await linkFiles(sql, recordId: rec.id, ids) } }
        }
        for chunk in eventRows.chunked(100) {
            let values: [SQLQueryString] = chunk.map { e in "(\(bind: id(UUID.timeOrdered())), \(bind: e.0), \(bind: app.id), 'created', \(bind: me), \(bind: at), \(bind: encode(e.1)))" }
            try await sql.raw("INSERT INTO app_record_events (id, record_id, app_id, kind, actor_id, at_ms, body) VALUES " + values.joined(separator: ", ")).run()
        }
        // the planner's statistics follow the app as it grows (SQLite; PostgreSQL's autovacuum analyzes by itself), so a
        // list sorted by a field walks that field's index instead of sorting the whole app. A full ANALYZE (about half a
        // second at 200,000 records), at each doubling: a sampled one (analysis_limit) guessed a few hundred records per
        // app and had every list sort the whole app.
        if isSQLite(sql), Self.crossesThreshold(next - n, next) {
            try await sql.raw("PRAGMA analysis_limit=0").run()
            try await sql.raw("ANALYZE app_records").run()
        }
        return (out, drafts)
    }

    /// Whether an app growing from `a` to `b` records passes 100, 1,000, 2,000, 4,000 … (statistics are refreshed then).
    static func crossesThreshold(_ a: Int64, _ b: Int64) -> Bool {
        var t: Int64 = 100
        while t <= b { if a < t { return true }; t = t < 1000 ? 1000 : t * 2 }
        return false
    }

    /// What a change does to a record, decided inside the writer's transaction from the record as it is then.
    struct Mutation: Sendable {
        var data: [String: AppValue]? = nil
        var state: RecordState? = nil
        var event: RecordEvent
        var notify: [NotificationRow] = []
        var delete = false
    }

    /// Changes records (up to 100): each is read again inside the transaction (with the caller's edit or view rule in the
    /// query), its revision compared when one is given, and `change` decides what happens. All or none.
    static func mutate(_ writer: LedgerWriter, _ access: AppAccess, ids: [(id: String, revision: Int?)], edit: Bool, actor: UUID, files: [NewFile] = [],
                       change: @escaping @Sendable (StoredRecord) throws -> Mutation) async throws -> [StoredRecord] {
        let stamp = now()
        return try await writer.perform(returning: { _, sql in
            try await storeFiles(sql, app: access.app, files, actor: actor)
            let (out, drafts, notes) = try await mutateRows(sql, access, ids: ids, edit: edit, actor: actor, stamp: stamp, change: change)
            try await Notifications.insert(notes, sql)
            return (out, drafts)
        })
    }

    /// The rows of `mutate`, inside the caller's transaction; returns the notifications to send.
    static func mutateRows(_ sql: any SQLDatabase, _ access: AppAccess, ids: [(id: String, revision: Int?)], edit: Bool, actor: UUID, stamp: String,
                           change: (StoredRecord) throws -> Mutation) async throws -> ([StoredRecord], [LedgerDraft], [NotificationRow]) {
        let app = access.app
        var out: [StoredRecord] = []
        var drafts: [LedgerDraft] = []
        var notes: [NotificationRow] = []
        var deleted: Int64 = 0
        // every record read in one query per 500 (a bulk of 100, a CSV file), not one per record
        var found = try await records(sql, access, ids: ids.map(\.id), edit: edit)
        for (rid, expected) in ids {
            guard var rec = found[rid.lowercased()] else { throw AppMissing(id: rid) }
            if let e = expected, e != rec.revision { throw AppStale(id: rid, current: rec.revision) }
            let m = try change(rec)
            if m.delete {
                try await sql.raw("DELETE FROM app_record_assignees WHERE record_id = \(bind: rec.id)").run()
                try await sql.raw("DELETE FROM app_record_files WHERE record_id = \(bind: rec.id)").run()
                try await sql.raw("DELETE FROM app_records WHERE id = \(bind: rec.id)").run()
                deleted += 1
                found[rec.id] = nil   // an id named twice: gone, as a second read would find
            } else {
                if let d = m.data {
                    let before = fileIds(app.definition, rec.data), after = fileIds(app.definition, d)
                    if before != after { try await linkFiles(sql, recordId: rec.id, after) }
                    rec.data = d
                }
                if let s = m.state { rec.status = s.status; rec.assignees = s.assignees }
                rec.revision += 1; rec.updatedBy = actor; rec.updatedAt = stamp
                let json = AppValue.object(rec.data).canonicalJSON
                try await sql.raw("UPDATE app_records SET data = \(jsonValue(sql, json)), status = \(bind: rec.status), revision = \(bind: rec.revision), updated_by = \(bind: id(actor)), updated_at = \(bind: stamp) WHERE id = \(bind: rec.id)").run()
                if m.state != nil { try await setAssignees(sql, recordId: rec.id, rec.assignees) }
                found[rec.id] = rec   // an id named twice sees this change, as a second read would
            }
            try await addEvent(sql, app: app, recordId: rec.id, actor: actor, m.event)
            drafts.append(LedgerDraft(municipalityId: app.row.municipalityId, actorId: actor, type: "app_record.\(m.event.kind)", subjectId: rec.id,
                                      payload: "{\"app\":\"\(app.id)\",\"event\":\(encode(m.event)),\"revision\":\(rec.revision)}"))
            notes += m.notify
            out.append(rec)
        }
        if deleted > 0 { try await sql.raw("UPDATE apps SET record_count = record_count - \(bind: deleted) WHERE id = \(bind: app.id)").run() }
        return (out, drafts, notes)
    }

    static func setAssignees(_ sql: any SQLDatabase, recordId: String, _ people: [UUID]) async throws {
        try await sql.raw("DELETE FROM app_record_assignees WHERE record_id = \(bind: recordId)").run()
        for p in Set(people) { try await sql.raw("INSERT INTO app_record_assignees (record_id, staff_id) VALUES (\(bind: recordId), \(bind: id(p)))").run() }
    }

    static func addEvent(_ sql: any SQLDatabase, app: InstalledApp, recordId: String, actor: UUID, _ e: RecordEvent) async throws {
        try await sql.raw("INSERT INTO app_record_events (id, record_id, app_id, kind, actor_id, at_ms, body) VALUES (\(bind: id(UUID.timeOrdered())), \(bind: recordId), \(bind: app.id), \(bind: e.kind), \(bind: id(actor)), \(bind: nowMs()), \(bind: encode(e)))").run()
    }
}

struct AppMissing: Error { var id: String }
struct AppStale: Error { var id: String; var current: Int }

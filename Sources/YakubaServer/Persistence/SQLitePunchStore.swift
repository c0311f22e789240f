import Foundation
// SQLiteNIO's own vendored SQLite: the same library instance, so its file locks are shared with the pooled
// connections (a second copy of SQLite in one process would break POSIX locking).
import VaporCSQLite
import YakubaCore

/// The punch writer's own SQLite connection, used synchronously on the writer's single thread.
///
/// The hot path of the morning rush: one batch of punches is BEGIN IMMEDIATE → one prepared INSERT per punch →
/// one prepared INSERT per ledger entry → COMMIT (one fsync), all on one thread with statements prepared once,
/// with no hop to an event loop between the steps. Everything else (other facts, reads) goes through Fluent.
final class SQLitePunchStore: @unchecked Sendable {
    // @unchecked: the handle and the statements are touched only from the writer's thread (and by `close`
    // after that thread has stopped).
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    let path: String

    struct Failure: Error, CustomStringConvertible {
        var code: Int32; var message: String
        var description: String { "SQLite \(code): \(message)" }
    }

    init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite_nio_sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            sqlite_nio_sqlite3_close(handle)
            throw Failure(code: rc, message: "\(message) (\(path))")
        }
        db = handle
        SQLitePunchStore.installBusyHandler(handle)
        // FULL: the WAL is fsynced at every COMMIT, so a 201 means the punch is on disk.
        // A larger page cache keeps the punch indexes' hot pages between batches (only this connection writes
        // punches, so its cache stays valid); mmap lets reads of the rest skip a pread each.
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                       "PRAGMA cache_size=-\(Self.cacheKiB)", "PRAGMA journal_size_limit=\(Self.walSizeLimit)"] {
            try query(pragma, []) { _ in }
        }
        // The WAL is copied back into the database file by a checkpointer on its own thread, not by this
        // connection at the end of a commit: a checkpoint writes and fsyncs the database file, which would
        // stall every punch queued behind it.
        let checkpointer = try SQLiteCheckpointer(path: path, walSizeLimit: Self.walSizeLimit)
        self.checkpointer = checkpointer
        sqlite_nio_sqlite3_wal_hook(handle, { context, _, _, frames in
            if frames >= SQLitePunchStore.checkpointFrames, let context {
                Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().request()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(checkpointer).toOpaque())
    }

    static let cacheKiB = 65_536

    /// Waits for a lock in short sleeps (0.1 ms, then 1 ms) for up to about ten seconds, instead of SQLite's
    /// default steps of up to 100 ms, so a punch batch waiting on a checkpoint or a page's write loses little time.
    static func installBusyHandler(_ handle: OpaquePointer) {
        sqlite_nio_sqlite3_busy_handler(handle, { _, count in
            if count >= 10_050 { return 0 }
            usleep(count < 50 ? 100 : 1_000)
            return 1
        }, nil)
    }
    /// WAL frames (pages) after which the checkpointer is woken: SQLite's own default.
    static let checkpointFrames: Int32 = 1000
    /// The WAL's size past which the checkpointer restarts it (and to which the file is cut back afterwards).
    /// A restart holds the writer while SQLite copies the last frames and syncs the database file, which on this
    /// VM's disk takes 20–250 ms: every clock-in queued then waits that long. At 64 MB a saturating rush restarted
    /// the WAL every ~0.8 s (12–14 times in 10 s, p99 35–69 ms); at 256 MB 2–4 times (p99 27–41 ms, same runs).
    static let walSizeLimit = 256 * 1_048_576
    private var checkpointer: SQLiteCheckpointer?

    deinit { close() }

    func close() {
        if let db { sqlite_nio_sqlite3_wal_hook(db, nil, nil) }
        checkpointer?.stop()
        checkpointer = nil
        for s in statements.values { sqlite_nio_sqlite3_finalize(s) }
        statements = [:]
        if let db { sqlite_nio_sqlite3_close_v2(db) }
        db = nil
    }

    // MARK: statements

    enum Value { case int(Int64), text(String), null }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let s = statements[sql] { return s }
        var s: OpaquePointer?
        let rc = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
        guard rc == SQLITE_OK, let s else { throw failure(rc) }
        statements[sql] = s
        return s
    }

    private func failure(_ rc: Int32) -> Failure {
        Failure(code: rc, message: sqlite_nio_sqlite3_errmsg(db).map { String(cString: $0) } ?? "")
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bind(_ s: OpaquePointer, _ values: [Value]) throws {
        for (i, v) in values.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch v {
            case .int(let n): rc = sqlite_nio_sqlite3_bind_int64(s, idx, n)
            case .text(let t): rc = sqlite_nio_sqlite3_bind_text(s, idx, t, -1, Self.transient)
            case .null: rc = sqlite_nio_sqlite3_bind_null(s, idx)
            }
            guard rc == SQLITE_OK else { throw failure(rc) }
        }
    }

    /// Runs a statement to its end, handing each row to `row`; returns the number of rows it changed.
    @discardableResult
    func query(_ sql: String, _ values: [Value], row: (Row) throws -> Void = { _ in }) throws -> Int {
        let s = try statement(sql)
        defer { sqlite_nio_sqlite3_reset(s); sqlite_nio_sqlite3_clear_bindings(s) }
        try bind(s, values)
        while true {
            let rc = sqlite_nio_sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure(rc) }
            try row(Row(statement: s))
        }
        return Int(sqlite_nio_sqlite3_changes(db))
    }

    struct Row {
        let statement: OpaquePointer
        func int(_ i: Int32) -> Int64? {
            sqlite_nio_sqlite3_column_type(statement, i) == SQLITE_NULL ? nil : sqlite_nio_sqlite3_column_int64(statement, i)
        }
        func text(_ i: Int32) -> String? {
            guard let p = sqlite_nio_sqlite3_column_text(statement, i) else { return nil }
            return String(cString: p)
        }
        func uuid(_ i: Int32) -> UUID? { text(i).flatMap(UUID.init(uuidString:)) }
    }

    // MARK: the writer's operations

    func lastLedgerEntry() throws -> (seq: Int64, hash: String) {
        var last: (Int64, String) = (0, Ledger.genesis)
        try query("SELECT \"seq\", \"hash\" FROM \"ledger\" ORDER BY \"seq\" DESC LIMIT 1", []) { r in
            last = (r.int(0) ?? 0, r.text(1) ?? Ledger.genesis)
        }
        return last
    }

    /// One transaction: the punches (a row whose (staff_id, idempotency_key) is already stored is skipped),
    /// then the ledger entries of those stored, sealed after `last`. Rolled back whole on any error.
    func write(rows: [PunchRow], drafts: [LedgerDraft], after last: (seq: Int64, hash: String), at now: Date) throws
        -> (inserted: Set<UUID>, entries: [LedgerEntry]) {
        try query("BEGIN IMMEDIATE", [])
        do {
            var inserted = Set<UUID>()
            var kept: [LedgerDraft] = []
            kept.reserveCapacity(drafts.count)
            for (r, d) in zip(rows, drafts) {
                let n = try query(Self.insertPunch, [
                    .text(r.id.upperText), .text(r.municipalityId.upperText), .text(r.staffId.upperText), .text(r.kind),
                    .int(r.atMs), r.deviceAtMs.map { .int($0) } ?? .null, .text(r.place), .text(r.source),
                    .text(r.recordedBy.upperText), r.idempotencyKey.map { .text($0) } ?? .null, r.note.map { .text($0) } ?? .null,
                    r.method.map { .text($0) } ?? .null, r.kioskId.map { .text($0.upperText) } ?? .null,
                    r.faceDistanceE4.map { .int(Int64($0)) } ?? .null, r.verification.map { .text($0) } ?? .null,
                ])
                if n == 1 { inserted.insert(r.id); kept.append(d) }
            }
            let entries = Ledger.seal(kept, after: last, at: now)
            for e in entries {
                try query(Self.insertLedger, [
                    .int(e.seq), .int(e.recordedAtMs), e.municipalityId.map { .text($0.upperText) } ?? .null,
                    e.actorId.map { .text($0.upperText) } ?? .null, .text(e.type), .text(e.subjectId), .text(e.payload),
                    .text(e.prevHash), .text(e.hash),
                ])
            }
            try query("COMMIT", [])
            return (inserted, entries)
        } catch {
            if sqlite_nio_sqlite3_get_autocommit(db) == 0 { _ = try? query("ROLLBACK", []) }
            throw error
        }
    }

    /// The stored punch for each (person, idempotency key), for retries of keys older than the writer's cache.
    func punches(keys: [(staffId: UUID, key: String)]) throws -> [PunchRow] {
        var found: [PunchRow] = []
        for k in keys {
            try query("SELECT \"id\",\"municipality_id\",\"staff_id\",\"kind\",\"at_ms\",\"device_at_ms\",\"place\",\"source\",\"recorded_by\",\"idempotency_key\",\"note\",\"method\",\"kiosk_id\",\"face_distance_e4\",\"verification\" FROM \"punches\" WHERE \"staff_id\" = ? AND \"idempotency_key\" = ?",
                      [.text(k.staffId.upperText), .text(k.key)]) { r in
                guard let id = r.uuid(0), let m = r.uuid(1), let s = r.uuid(2), let by = r.uuid(8) else { return }
                found.append(PunchRow(id: id, municipalityId: m, staffId: s, kind: r.text(3) ?? "", atMs: r.int(4) ?? 0, deviceAtMs: r.int(5),
                                      place: r.text(6) ?? "", source: r.text(7) ?? "", recordedBy: by, idempotencyKey: r.text(9), note: r.text(10),
                                      method: r.text(11), kioskId: r.uuid(12), faceDistanceE4: r.int(13).map { Int($0) }, verification: r.text(14)))
            }
        }
        return found
    }

    private static let insertPunch = """
        INSERT INTO "punches" ("id","municipality_id","staff_id","kind","at_ms","device_at_ms","place","source","recorded_by","idempotency_key","note","method","kiosk_id","face_distance_e4","verification") \
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT ("staff_id", "idempotency_key") DO NOTHING
        """
    private static let insertLedger = """
        INSERT INTO "ledger" ("seq","recorded_at_ms","municipality_id","actor_id","type","subject_id","payload","prev_hash","hash") \
        VALUES (?,?,?,?,?,?,?,?,?)
        """
}

/// Copies committed WAL frames back into the database file (a PASSIVE checkpoint) on its own thread and
/// connection whenever the punch writer says the WAL has grown; it never blocks the writer.
final class SQLiteCheckpointer: @unchecked Sendable {
    // @unchecked: `db` is used only on the checkpointer's thread (and closed after it has ended); the flags
    // are guarded by `condition`.
    private let condition = NSCondition()
    private var pending = false
    private var stopping = false
    private var finished = false
    private var db: OpaquePointer?
    private let walSizeLimit: Int
    /// How long a checkpoint waits after being asked, so that it copies many commits at once: a page written by
    /// several of them (the ends of the punch and ledger tables) is copied and synced once.
    static let gatherMicroseconds: UInt32 = 20_000

    init(path: String, walSizeLimit: Int) throws {
        var handle: OpaquePointer?
        let rc = sqlite_nio_sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            sqlite_nio_sqlite3_close(handle)
            throw SQLitePunchStore.Failure(code: rc, message: "cannot open \(path) for checkpoints")
        }
        db = handle
        self.walSizeLimit = walSizeLimit
        SQLitePunchStore.installBusyHandler(handle)
        for pragma in ["PRAGMA synchronous=FULL", "PRAGMA journal_size_limit=\(walSizeLimit)", "PRAGMA wal_autocheckpoint=0"] {
            sqlite_nio_sqlite3_exec(handle, pragma, nil, nil, nil)
        }
        let thread = Thread { [self] in run() }
        thread.name = "yakuba-checkpoint"
        thread.start()
    }

    func request() {
        condition.lock(); pending = true; condition.signal(); condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while !pending && !stopping { condition.wait() }
            let stop = stopping
            pending = false
            condition.unlock()
            if !stop { usleep(Self.gatherMicroseconds) }
            var log: Int32 = 0, copied: Int32 = 0
            sqlite_nio_sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
            if stop { break }
            // Under sustained load the WAL is never fully copied between two commits, so it never starts over and
            // keeps growing. Past the limit, a RESTART checkpoint holds the writer for the few frames still to copy,
            // and the next commit writes the WAL from its beginning again.
            if Int(log) * (4096 + 24) > walSizeLimit {
                sqlite_nio_sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_RESTART, &log, &copied)
            }
        }
        condition.lock(); finished = true; condition.broadcast(); condition.unlock()
    }

    /// A last checkpoint, then the thread ends and the connection is closed.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
        sqlite_nio_sqlite3_close_v2(db)
        db = nil
    }
}

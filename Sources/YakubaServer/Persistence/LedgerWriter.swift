import Foundation
import Fluent
import SQLKit
import SQLiteNIO
import Synchronization
import Logging
import YakubaCore

/// A punch to record, validated by the writer against the person's recent punches.
struct PunchCommand: Sendable {
    var staffId: UUID
    var municipalityId: UUID
    var kind: PunchKind
    var place: String
    var deviceAt: Date?
    var source: PunchSource
    var recordedBy: UUID
    var idempotencyKey: String?
    /// nil = the server's time now (self-service); a proxy punch may name a past time
    var at: Date?
    /// why a manager entered it on the person's behalf
    var note: String? = nil
    /// a kiosk's punch: how it identified the person, the device, and for a face how sure the match was
    var kiosk: KioskPunchDetails? = nil
    /// given when the request arrives, so the writer has nothing to make but the hash chain
    var id = UUID.timeOrdered()
    var receivedAt = Date()

    /// The row this punch becomes, and its ledger payload, made on the request's own thread.
    func prepared() -> (row: PunchRow, payload: String) {
        let row = PunchRow(id: id, municipalityId: municipalityId, staffId: staffId, kind: kind.rawValue, atMs: nowMs(at ?? receivedAt),
                           deviceAtMs: deviceAt.map { nowMs($0) }, place: place, source: source.rawValue, recordedBy: recordedBy,
                           idempotencyKey: idempotencyKey, note: note, method: kiosk?.method.rawValue, kioskId: kiosk?.kioskId,
                           faceDistanceE4: kiosk?.faceDistanceE4, verification: kiosk?.verification?.rawValue)
        return (row, PunchFact(row).canonicalJSON)
    }
}

enum PunchOutcome: Sendable {
    case created(PunchRow)
    /// the same idempotency key was seen before: the original punch
    case replayed(PunchRow)
    case rejected(PunchRuleViolation)
}

/// The recent punches of one person, enough to decide what may come next and to answer retries.
struct RecentPunches: Sendable {
    var effective: [EffectivePunch]
    var byKey: [String: PunchRow]
}

/// The only writer of facts. Every change goes through it, so the hash chain has one author, and
/// punches that arrive together are committed together: many punches, one transaction, one fsync
/// (group commit). A caller is answered only after its transaction has committed.
final class LedgerWriter: Sendable {
    typealias Job = @Sendable (any Database, any SQLDatabase) async throws -> [LedgerDraft]

    private struct PreparedPunch: Sendable { var cmd: PunchCommand; var row: PunchRow; var payload: String }

    /// Who waits for a punch's outcome: an async caller, or a request answered on its event loop (no task hop).
    private enum Reply: Sendable {
        case continuation(CheckedContinuation<PunchOutcome, any Error>)
        case promise(EventLoopPromise<PunchOutcome>)
        func succeed(_ o: PunchOutcome) {
            switch self { case .continuation(let c): c.resume(returning: o); case .promise(let p): p.succeed(o) }
        }
        func fail(_ e: any Error) {
            switch self { case .continuation(let c): c.resume(throwing: e); case .promise(let p): p.fail(e) }
        }
    }

    private enum Item: Sendable {
        case punch(PreparedPunch, Reply)
        case job(Job, CheckedContinuation<Void, any Error>)
    }

    private struct State: Sendable {
        var queue: [Item] = []
        var running = false
        var last: (seq: Int64, hash: String)? = nil
        var recent: [UUID: RecentPunches] = [:]
    }

    private let state = Mutex(State())
    private let db: any Database
    private let maxBatch: Int
    private let logger: Logger
    let abandonAfter: TimeInterval
    private let clock: @Sendable () -> Date
    /// On SQLite: the writer's own connection and thread, on which batches of punches run start to end.
    private let direct: (store: SQLitePunchStore, thread: NIOThreadPool)?

    init(db: any Database, maxBatch: Int, logger: Logger, direct: (store: SQLitePunchStore, thread: NIOThreadPool)? = nil,
         abandonAfter: TimeInterval = 20 * 3600, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.db = db; self.maxBatch = maxBatch; self.logger = logger; self.direct = direct; self.abandonAfter = abandonAfter; self.clock = clock
    }

    // MARK: public face

    func punch(_ cmd: PunchCommand) async throws -> PunchOutcome {
        try await prepare(staffId: cmd.staffId)
        let (row, payload) = cmd.prepared()
        let p = PreparedPunch(cmd: cmd, row: row, payload: payload)
        return try await withCheckedThrowingContinuation { cont in enqueue(.punch(p, .continuation(cont))) }
    }

    /// The same, answered on `loop`: when the person's recent punches are already in memory (the morning rush),
    /// the request goes from its event loop to the writer's thread and back without an async task between.
    func punch(_ cmd: PunchCommand, on loop: any EventLoop) -> EventLoopFuture<PunchOutcome> {
        guard state.withLock({ $0.recent[cmd.staffId] != nil }) else {
            return loop.makeFutureWithTask { try await self.punch(cmd) }
        }
        let (row, payload) = cmd.prepared()
        let promise = loop.makePromise(of: PunchOutcome.self)
        enqueue(.punch(PreparedPunch(cmd: cmd, row: row, payload: payload), .promise(promise)))
        return promise.futureResult
    }

    /// Runs `job` in its own transaction; the drafts it returns are sealed onto the ledger in the same transaction.
    func perform(_ job: @escaping Job) async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in enqueue(.job(job, cont)) }
    }

    /// Runs `job` like `perform`, and returns what it made once the transaction has committed.
    func perform<T: Sendable>(returning job: @escaping @Sendable (any Database, any SQLDatabase) async throws -> (T, [LedgerDraft])) async throws -> T {
        let result = Mutex<T?>(nil)
        try await perform { db, sql in
            let (value, drafts) = try await job(db, sql)
            result.withLock { $0 = value }
            return drafts
        }
        guard let value = result.withLock({ $0 }) else { throw YakubaError.internal("the job returned nothing") }
        return value
    }

    /// Forgets what is cached about a person (after a correction is decided), so it is read again.
    func invalidate(staffId: UUID) { state.withLock { _ = $0.recent.removeValue(forKey: staffId) } }

    func recent(staffId: UUID) async throws -> RecentPunches {
        try await prepare(staffId: staffId)
        return state.withLock { $0.recent[staffId] } ?? RecentPunches(effective: [], byKey: [:])
    }

    // MARK: loading

    /// Loads every active person's recent punches at start-up, so that the morning rush reads nothing
    /// from the database before it writes (one query for all, instead of one per person).
    func warm(now: Date = Date()) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let since = nowMs(now) - Self.window
        let staff = try await sql.select().column("id").from("staff").where("active", .equal, SQLBind(true)).all(decodingColumn: "id", as: UUID.self)
        var punches: [UUID: [PunchRow]] = [:]
        for r in try await sql.select().column("*").from("punches").where("at_ms", .greaterThanOrEqual, SQLBind(since))
            .all(decoding: PunchRow.self, with: rowDecoder) { punches[r.staffId, default: []].append(r) }
        let withPunches = Array(punches.keys)
        var corrections: [UUID: [PunchCorrection]] = [:]
        for chunk in withPunches.chunked(500) {
            corrections.merge(try await CorrectionRepository.corrections(sql: sql, staffIds: chunk, fromMs: since - 86_400_000, toMs: nil)) { a, _ in a }
        }
        var loaded: [UUID: RecentPunches] = [:]
        for id in staff {
            let rows = punches[id] ?? []
            var byKey: [String: PunchRow] = [:]
            for r in rows { if let k = r.idempotencyKey { byKey[k] = r } }
            loaded[id] = RecentPunches(effective: PunchStream.effective(raw: rows.map(\.punch), corrections: corrections[id] ?? []), byKey: byKey)
        }
        state.withLock { s in for (k, v) in loaded where s.recent[k] == nil { s.recent[k] = v } }
    }

    /// How far back the cached punches reach: enough for the punch sequence and for retries.
    static let window: Int64 = 3 * 86_400_000

    private func prepare(staffId: UUID) async throws {
        if state.withLock({ $0.recent[staffId] != nil }) { return }
        let loaded = try await Self.loadRecent(db: db, staffId: staffId, now: clock())
        state.withLock { s in if s.recent[staffId] == nil { s.recent[staffId] = loaded } }
    }

    static func loadRecent(db: any Database, staffId: UUID, now: Date) async throws -> RecentPunches {
        guard let sql = db as? any SQLDatabase else { throw YakubaError.internal("not SQL") }
        let since = nowMs(now) - window
        let rows = try await sql.select().column("*").from("punches")
            .where("staff_id", .equal, SQLBind(staffId)).where("at_ms", .greaterThanOrEqual, SQLBind(since))
            .all(decoding: PunchRow.self, with: rowDecoder)
        let corrections = try await CorrectionRepository.corrections(sql: sql, staffId: staffId, fromMs: since - 86_400_000, toMs: nil)
        let effective = PunchStream.effective(raw: rows.map(\.punch), corrections: corrections)
        var byKey: [String: PunchRow] = [:]
        for r in rows { if let k = r.idempotencyKey { byKey[k] = r } }
        return RecentPunches(effective: effective, byKey: byKey)
    }

    private func lastEntry(_ sql: any SQLDatabase) async throws -> (seq: Int64, hash: String) {
        if let l = state.withLock({ $0.last }) { return l }
        let row = try await sql.select().column("seq").column("hash").from("ledger").orderBy("seq", .descending).limit(1).first()
        let l = try row.map { (try $0.decode(column: "seq", as: Int64.self), try $0.decode(column: "hash", as: String.self)) } ?? (0, Ledger.genesis)
        return l
    }

    // MARK: the loop

    private func enqueue(_ item: Item) {
        let start = state.withLock { s -> Bool in
            s.queue.append(item)
            if s.running { return false }
            s.running = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { s in
                if s.queue.isEmpty { s.running = false }
                return takeBatch(&s, punchesOnly: false)
            }
            if batch.isEmpty { return }
            if case .job(let job, let cont) = batch[0] {
                await runJob(job, cont)
            } else if let direct {
                // the writer's thread runs this batch and every batch of punches queued behind it, until the queue
                // is empty or a job is next: no hop between batches, so the thread never waits for a turn elsewhere
                let first = Self.punches(batch)
                do {
                    try await direct.thread.runIfActive { [self] in
                        var next = first
                        while !next.isEmpty {
                            runPunchesDirect(next, direct.store)
                            next = Self.punches(state.withLock { takeBatch(&$0, punchesOnly: true) })
                        }
                    }
                } catch {
                    // the thread has stopped (shutting down): fail this batch; later ones are taken by the loop
                    for (_, reply) in first { reply.fail(error) }
                }
            } else {
                await runPunches(Self.punches(batch))
            }
        }
    }

    /// The next batch: the leading punches (up to maxBatch), or one job (unless `punchesOnly`).
    private func takeBatch(_ s: inout State, punchesOnly: Bool) -> [Item] {
        guard !s.queue.isEmpty else { return [] }
        if case .job = s.queue[0] { return punchesOnly ? [] : [s.queue.removeFirst()] }
        var n = 0
        while n < s.queue.count, n < maxBatch, case .punch = s.queue[n] { n += 1 }
        let b = Array(s.queue.prefix(n))
        s.queue.removeFirst(n)
        return b
    }

    private static func punches(_ items: [Item]) -> [(PreparedPunch, Reply)] {
        items.compactMap { if case .punch(let c, let k) = $0 { (c, k) } else { nil } }
    }

    private func runJob(_ job: @escaping Job, _ cont: CheckedContinuation<Void, any Error>) async {
        do {
            let now = clock()
            let sealed: (seq: Int64, hash: String) = try await writeTransaction(db) { [self] conn, sql in
                let drafts = try await job(conn, sql)
                let last = try await lastEntry(sql)
                let entries = Ledger.seal(drafts, after: last, at: now)
                for chunk in entries.chunked(1000) { try await Self.insert(ledger: chunk, sql) }
                return entries.last.map { ($0.seq, $0.hash) } ?? last
            }
            state.withLock { $0.last = sealed }
            cont.resume()
        } catch {
            cont.resume(throwing: error)
        }
    }

    /// What a batch of punches comes to: each caller's outcome, the rows to store, the cache after them.
    private struct Plan: Sendable {
        var outcomes: [PunchOutcome] = []
        var rows: [PunchRow] = []
        var drafts: [LedgerDraft] = []
        var overlay: [UUID: RecentPunches] = [:]
    }

    /// Decides each punch in order against the person's recent punches (and those earlier in the batch).
    private func plan(_ prepared: [PreparedPunch], snapshot: [UUID: RecentPunches], now: Date) -> Plan {
        var plan = Plan()
        let horizon = dateFromMs(nowMs(now) - Self.window)
        for pp in prepared {
            let cmd = pp.cmd
            var recent = plan.overlay[cmd.staffId] ?? snapshot[cmd.staffId] ?? RecentPunches(effective: [], byKey: [:])
            if let k = cmd.idempotencyKey, let prior = recent.byKey[k] {
                plan.outcomes.append(.replayed(prior)); continue
            }
            let at = cmd.at ?? cmd.receivedAt
            let check: Result<Void, PunchRuleViolation>
            if cmd.at == nil {
                check = SessionBuilder.check(next: cmd.kind, after: recent.effective, now: at, abandonAfter: abandonAfter)
            } else {
                var trial = recent.effective
                trial.append(EffectivePunch(id: UUID(), kind: cmd.kind, at: at, place: cmd.place, source: cmd.source, correctionId: nil))
                trial.sort { $0.at < $1.at }
                check = at > now.addingTimeInterval(60) ? .failure(.inFuture) : SessionBuilder.validate(trial, around: at, abandonAfter: abandonAfter)
            }
            if case .failure(let v) = check { plan.outcomes.append(.rejected(v)); continue }
            let row = pp.row
            plan.rows.append(row)
            plan.drafts.append(LedgerDraft(municipalityId: row.municipalityId, actorId: row.recordedBy, type: "punch.created",
                                           subjectId: row.id.lowerText, payload: pp.payload))
            recent.effective.append(EffectivePunch(id: row.id, kind: cmd.kind, at: dateFromMs(row.atMs), place: row.place, source: cmd.source, correctionId: nil))
            recent.effective.sort { $0.at < $1.at }
            if let k = cmd.idempotencyKey { recent.byKey[k] = row }
            // keep the cache to its window, so a server that runs for months does not grow without end
            if let first = recent.effective.first, first.at < horizon {
                recent.effective.removeAll { $0.at < horizon }
                recent.byKey = recent.byKey.filter { $0.value.atMs >= nowMs(horizon) }
            }
            plan.overlay[cmd.staffId] = recent
            plan.outcomes.append(.created(row))
        }
        return plan
    }

    /// A batch's start: its time, and each punch decided against the cache as it stands now.
    private func decide(_ prepared: [(PreparedPunch, Reply)]) -> (now: Date, plan: Plan) {
        let now = clock()
        let punches = prepared.map(\.0)
        let snapshot = state.withLock { s in punches.reduce(into: [UUID: RecentPunches]()) { $0[$1.cmd.staffId] = s.recent[$1.cmd.staffId] } }
        return (now, plan(punches, snapshot: snapshot, now: now))
    }

    /// One batch: decide, then BEGIN / INSERT punches / INSERT ledger / COMMIT, as one chain of futures on the
    /// writer's own event loop, so no step waits for a turn on the task pool the request handlers keep busy.
    /// Idempotency keys older than the cache are caught by the unique index (ON CONFLICT DO NOTHING), not by a
    /// probe before every batch: the rare retry of an old key is answered from the stored punch afterwards.
    private func runPunches(_ prepared: [(PreparedPunch, Reply)]) async {
        let (now, plan) = decide(prepared)
        do {
            var sealed: (seq: Int64, hash: String)? = nil
            var conflicted: [PunchRow] = []
            if !plan.rows.isEmpty {
                let last = try await lastEntry(db.sql)
                let rows = plan.rows, drafts = plan.drafts
                let (inserted, entries): (Set<UUID>, [LedgerEntry]) = try await db.withConnection { conn in
                    let sql = conn.sql
                    let begin = sql.dialect.name == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN"
                    return sql.raw(SQLQueryString(begin)).run()
                        .flatMap { Self.insertFuture(punches: rows, sql) }
                        .flatMap { inserted -> EventLoopFuture<(Set<UUID>, [LedgerEntry])> in
                            let kept = inserted.count == rows.count ? drafts : zip(rows, drafts).filter { inserted.contains($0.0.id) }.map(\.1)
                            let entries = Ledger.seal(kept, after: last, at: now)
                            return Self.insertFuture(ledger: entries, sql).map { (inserted, entries) }
                        }
                        .flatMap { r in sql.raw("COMMIT").run().map { r } }
                        .flatMapError { error in sql.raw("ROLLBACK").run().flatMapThrowing { throw error }.flatMapErrorThrowing { _ in throw error } }
                }.get()
                if let e = entries.last { sealed = (e.seq, e.hash) }
                conflicted = rows.filter { !inserted.contains($0.id) }
            }
            var found: [PunchRow] = []
            if !conflicted.isEmpty {
                // a key used before the cached window: answer with the punch stored then
                let keys = conflicted.compactMap(\.idempotencyKey)
                found = try await db.sql.select().column("*").from("punches").where("staff_id", .in, SQLBind.group(Array(Set(conflicted.map(\.staffId)))))
                    .where("idempotency_key", .in, SQLBind.group(keys)).all(decoding: PunchRow.self, with: rowDecoder)
            }
            finish(prepared, plan, sealed: sealed, conflicted: conflicted, found: found, started: now)
        } catch {
            fail(prepared, error)
        }
    }

    /// The same batch on SQLite, run start to end on the writer's thread with its own connection.
    private func runPunchesDirect(_ prepared: [(PreparedPunch, Reply)], _ store: SQLitePunchStore) {
        let (now, plan) = decide(prepared)
        do {
            var sealed: (seq: Int64, hash: String)? = nil
            var conflicted: [PunchRow] = []
            if !plan.rows.isEmpty {
                let last = try state.withLock({ $0.last }) ?? store.lastLedgerEntry()
                let (inserted, entries) = try store.write(rows: plan.rows, drafts: plan.drafts, after: last, at: now)
                if let e = entries.last { sealed = (e.seq, e.hash) }
                if inserted.count != plan.rows.count { conflicted = plan.rows.filter { !inserted.contains($0.id) } }
            }
            let found = conflicted.isEmpty ? [] : try store.punches(keys: conflicted.compactMap { r in r.idempotencyKey.map { (r.staffId, $0) } })
            finish(prepared, plan, sealed: sealed, conflicted: conflicted, found: found, started: now)
        } catch {
            fail(prepared, error)
        }
    }

    /// After the commit: rows skipped as old keys become replays of the stored punch, the cache and the chain
    /// head are updated, and every caller is answered.
    private func finish(_ prepared: [(PreparedPunch, Reply)], _ plan: Plan,
                        sealed: (seq: Int64, hash: String)?, conflicted: [PunchRow], found: [PunchRow], started: Date) {
        var plan = plan
        if !conflicted.isEmpty {
            for (i, outcome) in plan.outcomes.enumerated() {
                guard case .created(let row) = outcome, conflicted.contains(where: { $0.id == row.id }) else { continue }
                if let prior = found.first(where: { $0.staffId == row.staffId && $0.idempotencyKey == row.idempotencyKey }) {
                    plan.outcomes[i] = .replayed(prior)
                }
            }
            for r in conflicted { plan.overlay.removeValue(forKey: r.staffId) }
        }
        let final = plan
        state.withLock { s in
            if let sealed { s.last = sealed }
            for (id, r) in final.overlay { s.recent[id] = r }
            for r in conflicted { s.recent.removeValue(forKey: r.staffId) }
        }
        logger.debug("punch batch", metadata: ["n": "\(prepared.count)", "stored": "\(plan.rows.count - conflicted.count)",
                                               "ms": "\(Int(Date().timeIntervalSince(started) * 1000))"])
        for ((_, reply), outcome) in zip(prepared, plan.outcomes) { reply.succeed(outcome) }
    }

    private func fail(_ prepared: [(PreparedPunch, Reply)], _ error: any Error) {
        logger.error("punch batch of \(prepared.count) failed: \(String(describing: error))")
        state.withLock { s in for p in prepared { s.recent.removeValue(forKey: p.0.cmd.staffId) } }
        for (_, reply) in prepared { reply.fail(error) }
    }
}

extension LedgerWriter {
    static func insert(punches rows: [PunchRow], _ sql: any SQLDatabase) async throws { _ = try await insertFuture(punches: rows, sql).get() }
    static func insert(ledger entries: [LedgerEntry], _ sql: any SQLDatabase) async throws { try await insertFuture(ledger: entries, sql).get() }

    /// Explicit columns and binds: the hot path skips Codable row encoding. A row whose (staff_id, idempotency_key)
    /// is already stored is skipped; the ids of the rows inserted come back.
    static func insertFuture(punches rows: [PunchRow], _ sql: any SQLDatabase) -> EventLoopFuture<Set<UUID>> {
        guard !rows.isEmpty else { return sql.eventLoop.makeSucceededFuture([]) }
        let columns = "(\"id\",\"municipality_id\",\"staff_id\",\"kind\",\"at_ms\",\"device_at_ms\",\"place\",\"source\",\"recorded_by\",\"idempotency_key\",\"note\",\"method\",\"kiosk_id\",\"face_distance_e4\",\"verification\")"
        let tail = " ON CONFLICT (\"staff_id\", \"idempotency_key\") DO NOTHING RETURNING \"id\""
        if let lite = sql as? any SQLiteDatabase {
            // SQLite: one statement with plain SQLiteData binds (UUIDs as their text, as SQLKit stores them)
            var binds: [SQLiteData] = []
            binds.reserveCapacity(rows.count * 15)
            for r in rows {
                binds.append(.text(r.id.upperText)); binds.append(.text(r.municipalityId.upperText)); binds.append(.text(r.staffId.upperText))
                binds.append(.text(r.kind)); binds.append(.integer(Int(r.atMs))); binds.append(r.deviceAtMs.map { .integer(Int($0)) } ?? .null)
                binds.append(.text(r.place)); binds.append(.text(r.source)); binds.append(.text(r.recordedBy.upperText))
                binds.append(r.idempotencyKey.map { .text($0) } ?? .null); binds.append(r.note.map { .text($0) } ?? .null)
                binds.append(r.method.map { .text($0) } ?? .null); binds.append(r.kioskId.map { .text($0.upperText) } ?? .null)
                binds.append(r.faceDistanceE4.map { .integer($0) } ?? .null); binds.append(r.verification.map { .text($0) } ?? .null)
            }
            let values = Array(repeating: "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", count: rows.count).joined(separator: ",")
            return lite.query("INSERT INTO \"punches\" " + columns + " VALUES " + values + tail, binds).map { result in
                Set(result.compactMap { $0.column("id")?.string.flatMap(UUID.init(uuidString:)) })
            }
        }
        var q = SQLQueryString("INSERT INTO \"punches\" " + columns + " VALUES ")
        for (i, r) in rows.enumerated() {
            q.appendLiteral(i == 0 ? "(" : ",(")
            q.appendInterpolation(bind: r.id); q.appendLiteral(","); q.appendInterpolation(bind: r.municipalityId); q.appendLiteral(",")
            q.appendInterpolation(bind: r.staffId); q.appendLiteral(","); q.appendInterpolation(bind: r.kind); q.appendLiteral(",")
            q.appendInterpolation(bind: r.atMs); q.appendLiteral(","); q.appendInterpolation(bind: r.deviceAtMs); q.appendLiteral(",")
            q.appendInterpolation(bind: r.place); q.appendLiteral(","); q.appendInterpolation(bind: r.source); q.appendLiteral(",")
            q.appendInterpolation(bind: r.recordedBy); q.appendLiteral(","); q.appendInterpolation(bind: r.idempotencyKey); q.appendLiteral(",")
            q.appendInterpolation(bind: r.note); q.appendLiteral(","); q.appendInterpolation(bind: r.method); q.appendLiteral(",")
            q.appendInterpolation(bind: r.kioskId); q.appendLiteral(","); q.appendInterpolation(bind: r.faceDistanceE4); q.appendLiteral(",")
            q.appendInterpolation(bind: r.verification); q.appendLiteral(")")
        }
        q.appendLiteral(tail)
        return sql.raw(q).all().flatMapThrowing { result in Set(try result.map { try $0.decode(column: "id", as: UUID.self) }) }
    }

    static func insertFuture(ledger entries: [LedgerEntry], _ sql: any SQLDatabase) -> EventLoopFuture<Void> {
        guard !entries.isEmpty else { return sql.eventLoop.makeSucceededVoidFuture() }
        if let lite = sql as? any SQLiteDatabase {
            var binds: [SQLiteData] = []
            binds.reserveCapacity(entries.count * 9)
            for e in entries {
                binds.append(.integer(Int(e.seq))); binds.append(.integer(Int(e.recordedAtMs)))
                binds.append(e.municipalityId.map { .text($0.upperText) } ?? .null); binds.append(e.actorId.map { .text($0.upperText) } ?? .null)
                binds.append(.text(e.type)); binds.append(.text(e.subjectId)); binds.append(.text(e.payload)); binds.append(.text(e.prevHash)); binds.append(.text(e.hash))
            }
            let values = Array(repeating: "(?,?,?,?,?,?,?,?,?)", count: entries.count).joined(separator: ",")
            return lite.query("INSERT INTO \"ledger\" (\"seq\",\"recorded_at_ms\",\"municipality_id\",\"actor_id\",\"type\",\"subject_id\",\"payload\",\"prev_hash\",\"hash\") VALUES " + values, binds).map { _ in }
        }
        var q = sql.insert(into: "ledger").columns("seq", "recorded_at_ms", "municipality_id", "actor_id", "type", "subject_id", "payload", "prev_hash", "hash")
        for e in entries {
            q = q.values([SQLBind(e.seq), SQLBind(e.recordedAtMs), e.municipalityId.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null,
                          e.actorId.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null, SQLBind(e.type), SQLBind(e.subjectId),
                          SQLBind(e.payload), SQLBind(e.prevHash), SQLBind(e.hash)] as [any SQLExpression])
        }
        return q.run()
    }
}

/// A punch as it is written on the ledger.
struct PunchFact: Codable, Sendable {
    var id: UUID; var staffId: UUID; var kind: String; var atMs: Int64; var deviceAtMs: Int64?; var place: String
    var source: String; var recordedBy: UUID; var idempotencyKey: String?; var note: String?
    var method: String?; var kioskId: UUID?; var faceDistanceE4: Int?; var verification: String?
    init(_ r: PunchRow) {
        id = r.id; staffId = r.staffId; kind = r.kind; atMs = r.atMs; deviceAtMs = r.deviceAtMs; place = r.place
        source = r.source; recordedBy = r.recordedBy; idempotencyKey = r.idempotencyKey; note = r.note
        method = r.method; kioskId = r.kioskId; faceDistanceE4 = r.faceDistanceE4; verification = r.verification
    }

    /// The same bytes as `Ledger.canonicalJSON(self)` (sorted keys, absent nils), written by hand because
    /// JSONEncoder is the largest cost of a punch on Linux. A test holds the two equal.
    var canonicalJSON: String {
        var out = "{\"atMs\":\(atMs)"
        if let d = deviceAtMs { out += ",\"deviceAtMs\":\(d)" }
        if let f = faceDistanceE4 { out += ",\"faceDistanceE4\":\(f)" }
        out += ",\"id\":\"\(id.upperText)\""
        if let k = idempotencyKey { out += ",\"idempotencyKey\":" + jsonString(k) }
        out += ",\"kind\":" + jsonString(kind)
        if let k = kioskId { out += ",\"kioskId\":\"\(k.upperText)\"" }
        if let m = method { out += ",\"method\":" + jsonString(m) }
        if let n = note { out += ",\"note\":" + jsonString(n) }
        out += ",\"place\":" + jsonString(place)
        out += ",\"recordedBy\":\"\(recordedBy.upperText)\",\"source\":" + jsonString(source)
        out += ",\"staffId\":\"\(staffId.upperText)\""
        if let v = verification { out += ",\"verification\":" + jsonString(v) }
        out += "}"
        return out
    }
}

/// A JSON string literal as JSONEncoder writes it with `.withoutEscapingSlashes`.
func jsonString(_ s: String) -> String { JSONText.quote(s) }

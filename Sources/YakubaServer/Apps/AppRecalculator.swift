import Foundation
import Vapor
import Fluent
import SQLKit
import Synchronization
import YakubaCore
import YakubaApps

/// `apps.recalc_after`: the record number after which an app's calculated fields still need computing again (an
/// expression changed); none when they are all current.
struct AddAppRecalculation: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("apps").field("recalc_after", .int64).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema("apps").deleteField("recalc_after").update()
    }
}

/// Computes an app's calculated fields again after an expression changed, in the background, `batch` records per writer
/// transaction: the writer (and with it every clock-in) waits for one batch at most, never for the whole app. Where it
/// stands is kept in `apps.recalc_after`, so a restarted server (or a later change, which starts it over from the first
/// record) carries on; each batch reads the app's definition as it is then. A user saving a record in the meantime gets
/// the new calculation at once; lists show a notice until the app is done.
final class AppRecalculator: Sendable {
    struct Progress: Sendable, Equatable { var done: Int64; var total: Int64 }
    let batch: Int
    private let state = Mutex<(tasks: [String: Task<Void, Never>], progress: [String: Progress], again: Set<String>)>(([:], [:], []))

    init(batch: Int = 500) { self.batch = batch }

    /// Starts working on the app unless it already is (the running task notices a restart by itself).
    func start(_ writer: LedgerWriter, appId: String, logger: Logger) {
        state.withLock { s in
            // a running task looks again before it ends (a change may come just after its last batch)
            guard s.tasks[appId] == nil else { s.again.insert(appId); return }
            s.progress[appId] = Progress(done: 0, total: 0)
            s.tasks[appId] = Task.detached { [self] in await self.run(writer, appId: appId, logger: logger) }
        }
    }

    /// Resumes every app left unfinished (at start-up).
    func resume(_ writer: LedgerWriter, _ sql: any SQLDatabase, logger: Logger) async throws {
        for id in try await sql.raw("SELECT id FROM apps WHERE recalc_after IS NOT NULL").all().map({ try $0.decode(column: "id", as: String.self) }) {
            start(writer, appId: id, logger: logger)
        }
    }

    func progress(_ appId: String) -> Progress? { state.withLock { $0.progress[appId] } }

    /// Waits until the app's calculation is done (commands and tests).
    func wait(_ appId: String) async { await state.withLock({ $0.tasks[appId] })?.value }

    /// Stops every task at a batch boundary (shutdown); the database says where to resume.
    func stop() async {
        let tasks = state.withLock { Array($0.tasks.values) }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }

    /// Ends the task unless a start came meanwhile (then it goes on), in one step under the lock.
    private func finish(_ appId: String) -> Bool {
        state.withLock { s in
            if s.again.remove(appId) != nil { return false }
            s.tasks[appId] = nil; s.progress[appId] = nil
            return true
        }
    }

    private func run(_ writer: LedgerWriter, appId: String, logger: Logger) async {
        let size = batch
        var failures = 0
        while !Task.isCancelled {
            do {
                let step: (more: Bool, restarted: Bool, count: Int64, total: Int64) = try await writer.perform(returning: { _, sql in
                    guard let app = try await sql.raw("SELECT definition, recalc_after, record_count FROM apps WHERE id = \(bind: appId)").first(),
                          let after = try app.decode(column: "recalc_after", as: Int64?.self),
                          let def = try? JSONDecoder().decode(AppDefinition.self, from: Data(try app.decode(column: "definition", as: String.self).utf8)) else {
                        return ((false, false, 0, 0), [])
                    }
                    let rows = try await sql.raw("SELECT id, number, \(unsafeRaw: AppStore.dataColumn(sql, alias: "")) FROM app_records WHERE app_id = \(bind: appId) AND number > \(bind: after) ORDER BY number LIMIT \(unsafeRaw: String(size))").all()
                    var last = after
                    for r in rows {
                        last = try r.decode(column: "number", as: Int64.self)
                        guard case .object(var data)? = AppValue.parse(try r.decode(column: "data", as: String.self)) else { continue }
                        let before = data
                        RecordValidation.calculate(def, &data)
                        if data != before {
                            try await sql.raw("UPDATE app_records SET data = \(jsonValue(sql, AppValue.object(data).canonicalJSON)) WHERE id = \(bind: try r.decode(column: "id", as: String.self))").run()
                        }
                    }
                    let more = rows.count == size
                    if more { try await sql.raw("UPDATE apps SET recalc_after = \(bind: last) WHERE id = \(bind: appId)").run() }
                    else { try await sql.raw("UPDATE apps SET recalc_after = NULL WHERE id = \(bind: appId)").run() }
                    return ((more, after == 0, Int64(rows.count), try app.decode(column: "record_count", as: Int64.self)), [])
                })
                state.withLock { s in
                    let done = (step.restarted ? 0 : s.progress[appId]?.done ?? 0) + step.count
                    s.progress[appId] = Progress(done: done, total: step.total)
                }
                failures = 0
                if !step.more, finish(appId) { return }
            } catch {
                failures += 1
                logger.error("app recalculation: \(appId): \(String(describing: error)) (retrying)")
                if failures > 5 { state.withLock { s in s.tasks[appId] = nil; s.progress[appId] = nil; s.again.remove(appId) }; return }   // left in recalc_after: resumed at the next start
                try? await Task.sleep(for: .seconds(2))
            }
        }
        state.withLock { s in s.tasks[appId] = nil; s.progress[appId] = nil; s.again.remove(appId) }
    }
}

/// Stops the background calculations before the writer closes.
struct RecalculatorShutdown: LifecycleHandler {
    let recalculator: AppRecalculator
    func shutdownAsync(_ application: Application) async { await recalculator.stop() }
}

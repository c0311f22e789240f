import Fluent
import SQLKit
import NIOCore

/// Runs `body` in one transaction on one connection. On SQLite it begins IMMEDIATE, taking the write
/// lock up front, so a transaction that reads before it writes cannot fail half-way on a lock upgrade.
func writeTransaction<T: Sendable>(_ db: any Database, _ body: @escaping @Sendable (any Database, any SQLDatabase) async throws -> T) async throws -> T {
    try await db.withConnection { conn in
        conn.eventLoop.makeFutureWithTask {
            guard let sql = conn as? any SQLDatabase else { throw YakubaError.internal("database is not SQL") }
            let sqlite = sql.dialect.name == "sqlite"
            try await sql.raw(SQLQueryString(sqlite ? "BEGIN IMMEDIATE" : "BEGIN")).run()
            do {
                let result = try await body(conn, sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }.get()
}

enum YakubaError: Error, CustomStringConvertible {
    case `internal`(String)
    var description: String { switch self { case .internal(let s): "internal: \(s)" } }
}

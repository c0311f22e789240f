import Foundation
import VaporCSQLite
import YakubaCore

/// Bulk reads for the monthly close on SQLite: a read-only connection of its own and a prepared statement stepped
/// row by row, columns read by position. Reading a month of punches for 20,000 people through SQLKit's Codable
/// row decoder costs tens of microseconds a row (snake-case key conversion and UUID parsing per field); this reads
/// them at the speed of SQLite. WAL mode lets it read beside the writer without blocking it.
struct SQLiteBulkReader {
    let path: String

    struct Row {
        fileprivate let stmt: OpaquePointer
        func isNull(_ i: Int32) -> Bool { sqlite_nio_sqlite3_column_type(stmt, i) == SQLITE_NULL }
        func int64(_ i: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(stmt, i) }
        func int(_ i: Int32) -> Int { Int(sqlite_nio_sqlite3_column_int64(stmt, i)) }
        func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
        func text(_ i: Int32) -> String {
            guard let p = sqlite_nio_sqlite3_column_text(stmt, i) else { return "" }
            return String(cString: p)
        }
        func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
        /// A UUID stored as its 36-character text, parsed without Foundation's scanner.
        func uuid(_ i: Int32) -> UUID? {
            guard let p = sqlite_nio_sqlite3_column_text(stmt, i), sqlite_nio_sqlite3_column_bytes(stmt, i) == 36 else { return nil }
            return SQLiteBulkReader.parseUUID(p)
        }
    }

    enum Bind { case text(String), int(Int64) }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Runs `sql` with `binds`, calling `row` for each result row.
    func each(_ sql: String, _ binds: [Bind], row: (Row) throws -> Void) throws {
        try session { s in try s.run(sql, binds, row: row) }
    }

    /// A read-only connection for several statements; a statement run many times is prepared once.
    final class Session {
        fileprivate let db: OpaquePointer
        private var prepared: [String: OpaquePointer] = [:]
        fileprivate init(db: OpaquePointer) { self.db = db }
        deinit { for s in prepared.values { sqlite_nio_sqlite3_finalize(s) } }

        func run(_ sql: String, _ binds: [Bind], row: (Row) throws -> Void) throws {
            let stmt: OpaquePointer
            if let s = prepared[sql] { stmt = s } else {
                var s: OpaquePointer?
                guard sqlite_nio_sqlite3_prepare_v2(db, sql, -1, &s, nil) == SQLITE_OK, let s else {
                    throw Failure(description: String(cString: sqlite_nio_sqlite3_errmsg(db)))
                }
                prepared[sql] = s
                stmt = s
            }
            defer { sqlite_nio_sqlite3_reset(stmt); sqlite_nio_sqlite3_clear_bindings(stmt) }
            let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
            for (i, b) in binds.enumerated() {
                switch b {
                case .text(let s): sqlite_nio_sqlite3_bind_text(stmt, Int32(i + 1), s, -1, transient)
                case .int(let v): sqlite_nio_sqlite3_bind_int64(stmt, Int32(i + 1), v)
                }
            }
            while true {
                let rc = sqlite_nio_sqlite3_step(stmt)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw Failure(description: String(cString: sqlite_nio_sqlite3_errmsg(db))) }
                try row(Row(stmt: stmt))
            }
        }
    }

    func session<T>(_ body: (Session) throws -> T) throws -> T {
        var db: OpaquePointer?
        guard sqlite_nio_sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite_nio_sqlite3_close(db)
            throw Failure(description: "cannot open \(path) for reading")
        }
        SQLitePunchStore.installBusyHandler(db)
        // a large page cache and the file mapped: a close reads most of a month's pages once, in index order
        for pragma in ["PRAGMA cache_size=-131072", "PRAGMA mmap_size=4294967296", "PRAGMA temp_store=MEMORY"] {
            sqlite_nio_sqlite3_exec(db, pragma, nil, nil, nil)
        }
        let s = Session(db: db)
        defer { sqlite_nio_sqlite3_close_v2(db) }
        // one read transaction: every statement sees the same snapshot
        try s.run("BEGIN", []) { _ in }
        defer { try? s.run("COMMIT", []) { _ in } }
        return try withExtendedLifetime(s) { try body(s) }
    }

    static func parseUUID(_ p: UnsafePointer<UInt8>) -> UUID? {
        @inline(__always) func hex(_ c: UInt8) -> UInt8 {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: 255
            }
        }
        var u: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &u) { out -> Bool in
            var j = 0, i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 { if p[i] != 45 { return false }; i += 1; continue }
                let hi = hex(p[i]), lo = hex(p[i + 1])
                if hi > 15 || lo > 15 { return false }
                out[j] = hi << 4 | lo
                j += 1; i += 2
            }
            return true
        }
        return ok ? UUID(uuid: u) : nil
    }

    /// The municipality's staff, every column, in 職員番号 order.
    func staff(municipalityId: UUID) throws -> [StaffRow] {
        var out: [StaffRow] = []
        try each("""
            SELECT id, staff_number, family_name, given_name, family_kana, given_kana, employment_type, department_id, position, schedule,
                   start_date, end_date, active, roles, password_hash, must_change_password, locale, updated_at_ms
            FROM staff WHERE municipality_id = ? ORDER BY staff_number
            """, [.text(municipalityId.uuidString)]) { r in
            guard let id = r.uuid(0) else { return }
            out.append(StaffRow(id: id, municipalityId: municipalityId, staffNumber: r.text(1), familyName: r.text(2), givenName: r.text(3),
                                familyKana: r.text(4), givenKana: r.text(5), employmentType: r.text(6), departmentId: r.isNull(7) ? nil : r.uuid(7),
                                position: r.text(8), schedule: r.text(9), startDate: r.text(10), endDate: r.optionalText(11), active: r.int(12) != 0,
                                roles: r.text(13), passwordHash: r.optionalText(14), mustChangePassword: r.int(15) != 0, locale: r.text(16),
                                updatedAtMs: r.int64(17)))
        }
        return out
    }

    /// The month's facts for a close: punches and marks for the staff in `ids`, one indexed lookup per person.
    func closeFacts(ids: [UUID], fromMs: Int64, toMs: Int64, firstDay: CalendarDate, lastDay: CalendarDate)
        throws -> (punches: [UUID: [PunchRow]], marks: [UUID: [DayMark]]) {
        var punches: [UUID: [PunchRow]] = [:]
        var marks: [UUID: [DayMark]] = [:]
        try session { s in
            for staff in ids {
                let key = staff.uuidString
                var list: [PunchRow] = []
                try s.run("""
                    SELECT id, municipality_id, kind, at_ms, device_at_ms, place, source, recorded_by, idempotency_key, note
                    FROM punches WHERE staff_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms
                    """, [.text(key), .int(fromMs), .int(toMs)]) { r in
                    guard let id = r.uuid(0), let muni = r.uuid(1), let by = r.uuid(7) else { return }
                    list.append(PunchRow(id: id, municipalityId: muni, staffId: staff, kind: r.text(2), atMs: r.int64(3),
                                         deviceAtMs: r.isNull(4) ? nil : r.int64(4), place: r.text(5), source: r.text(6),
                                         recordedBy: by, idempotencyKey: r.optionalText(8), note: r.optionalText(9)))
                }
                if !list.isEmpty { punches[staff] = list }
                try s.run("SELECT date, code, minutes FROM day_marks WHERE staff_id = ? AND date >= ? AND date <= ?",
                          [.text(key), .text(firstDay.iso), .text(lastDay.iso)]) { r in
                    guard let d = CalendarDate(iso: r.text(0)), let c = DayMarkCode(rawValue: r.text(1)) else { return }
                    marks[staff, default: []].append(DayMark(date: d, code: c, minutes: r.optionalInt(2)))
                }
            }
        }
        return (punches, marks)
    }

    /// The month's orders with their events.
    func orders(municipalityId: UUID, from: CalendarDate, to: CalendarDate) throws -> [OvertimeOrderRecord] {
        var rows: [UUID: OvertimeOrderRecord] = [:]
        var order: [UUID] = []
        rows.reserveCapacity(1 << 16)
        order.reserveCapacity(1 << 16)
        try each("""
            SELECT id, staff_id, department_id, date, start_minute, end_minute, reason, urgent, special_case, special_reason, ordered_by, ordered_at_ms
            FROM overtime_orders WHERE municipality_id = ? AND date >= ? AND date <= ?
            """, [.text(municipalityId.uuidString), .text(from.iso), .text(to.iso)]) { r in
            guard let id = r.uuid(0), let staff = r.uuid(1), let by = r.uuid(10) else { return }
            let row = OvertimeOrderRow(id: id, municipalityId: municipalityId, staffId: staff, departmentId: r.isNull(2) ? nil : r.uuid(2), date: r.text(3),
                                       startMinute: r.int(4), endMinute: r.int(5), reason: r.text(6), urgent: r.int(7) != 0, specialCase: r.int(8) != 0,
                                       specialReason: r.optionalText(9), orderedBy: by, orderedAtMs: r.int64(11))
            rows[id] = OvertimeOrderRecord(order: row)
            order.append(id)
        }
        try each("""
            SELECT e.id, e.order_id, e.kind, e.start_minute, e.end_minute, e.note, e.actor_id, e.at_ms
            FROM overtime_orders o CROSS JOIN overtime_order_events e ON e.order_id = o.id
            WHERE o.municipality_id = ? AND o.date >= ? AND o.date <= ?
            """, [.text(municipalityId.uuidString), .text(from.iso), .text(to.iso)]) { r in
            guard let id = r.uuid(0), let orderId = r.uuid(1), let actor = r.uuid(6) else { return }
            let e = OvertimeEventRow(id: id, orderId: orderId, kind: r.text(2), startMinute: r.optionalInt(3), endMinute: r.optionalInt(4),
                                     note: r.text(5), actorId: actor, atMs: r.int64(7))
            switch e.kind {
            case "reported": rows[orderId]?.report = e
            case "confirmed": rows[orderId]?.confirmation = e
            case "cancelled": rows[orderId]?.cancellation = e
            default: break
            }
        }
        return order.compactMap { rows[$0] }
    }
}

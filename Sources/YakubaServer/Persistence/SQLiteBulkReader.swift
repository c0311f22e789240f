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
        let stmt: OpaquePointer
        func isNull(_ i: Int32) -> Bool { sqlite_nio_sqlite3_column_type(stmt, i) == SQLITE_NULL }
        func int64(_ i: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(stmt, i) }
        func int(_ i: Int32) -> Int { Int(sqlite_nio_sqlite3_column_int64(stmt, i)) }
        func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
        func text(_ i: Int32) -> String {
            guard let p = sqlite_nio_sqlite3_column_text(stmt, i) else { return "" }
            return String(cString: p)
        }
        func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
        func double(_ i: Int32) -> Double { sqlite_nio_sqlite3_column_double(stmt, i) }
        /// A UUID stored as its 36-character text, parsed without Foundation's scanner.
        func uuid(_ i: Int32) -> UUID? {
            guard let p = sqlite_nio_sqlite3_column_text(stmt, i), sqlite_nio_sqlite3_column_bytes(stmt, i) == 36 else { return nil }
            return SQLiteBulkReader.parseUUID(p)
        }
    }

    enum Bind { case text(String), int(Int64), double(Double) }

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
                case .double(let v): sqlite_nio_sqlite3_bind_double(stmt, Int32(i + 1), v)
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

    /// Blocking work (a bulk read on a connection of its own) on a thread of its own: not on one of the few threads async
    /// code shares, nor on Dispatch's global queue, which runs no more such work at once than there are cores (a third
    /// read would wait for one of the first two to end).
    static func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let t = Thread { c.resume(with: Result { try work() }) }
            t.stackSize = 1 << 20
            t.start()
        }
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

    /// The municipality's sensitive-record facts (sex, births), for the published indicators.
    func personalFacts(municipalityId: UUID) throws -> [PersonalFact] {
        var out: [PersonalFact] = []
        try each("SELECT id, staff_id, kind, value, recorded_at_ms FROM staff_personal_facts WHERE municipality_id = ?", [.text(municipalityId.uuidString)]) { r in
            guard let id = r.uuid(0), let staff = r.uuid(1), let kind = PersonalFact.Kind(rawValue: r.text(2)) else { return }
            out.append(PersonalFact(id: id, staffId: staff, kind: kind, value: r.text(3), recordedAtMs: r.int64(4)))
        }
        return out
    }

    /// The municipality's staff, every column, in 職員番号 order; with `departmentIds`, the active staff of those departments
    /// only (walking the department index).
    func staff(municipalityId: UUID, departmentIds: Set<UUID>? = nil) throws -> [StaffRow] {
        var out: [StaffRow] = []
        let departments = departmentIds.map { Array($0) } ?? []
        let filter = departmentIds == nil ? "municipality_id = ?"
            : "+municipality_id = ? AND active = 1 AND department_id IN (" + departments.map { _ in "?" }.joined(separator: ", ") + ")"
        if departmentIds?.isEmpty == true { return [] }
        try each("""
            SELECT id, staff_number, family_name, given_name, family_kana, given_kana, employment_type, department_id, position, schedule,
                   start_date, end_date, active, roles, password_hash, must_change_password, locale, updated_at_ms
            FROM staff WHERE \(filter) ORDER BY staff_number
            """, [.text(municipalityId.uuidString)] + departments.map { .text($0.uuidString) }) { r in
            guard let id = r.uuid(0) else { return }
            out.append(StaffRow(id: id, municipalityId: municipalityId, staffNumber: r.text(1), familyName: r.text(2), givenName: r.text(3),
                                familyKana: r.text(4), givenKana: r.text(5), employmentType: r.text(6), departmentId: r.isNull(7) ? nil : r.uuid(7),
                                position: r.text(8), schedule: r.text(9), startDate: r.text(10), endDate: r.optionalText(11), active: r.int(12) != 0,
                                roles: r.text(13), passwordHash: r.optionalText(14), mustChangePassword: r.int(15) != 0, locale: r.text(16),
                                updatedAtMs: r.int64(17)))
        }
        return out
    }

    /// The month's facts for a close: punches and marks for the staff in `ids`, a few hundred people per statement (each
    /// statement walks the (staff, time) index person by person). Punches come as the facts the day computation needs
    /// (no device time, key or note), the few texts they repeat shared.
    func closeFacts(ids: [UUID], fromMs: Int64, toMs: Int64, firstDay: CalendarDate, lastDay: CalendarDate)
        throws -> (punches: [UUID: [EffectivePunch]], marks: [UUID: [DayMark]]) {
        var punches: [UUID: [EffectivePunch]] = [:]
        var marks: [UUID: [DayMark]] = [:]
        punches.reserveCapacity(ids.count)
        var places: [String] = []
        func place(_ r: Row, _ i: Int32) -> String {
            guard let p = sqlite_nio_sqlite3_column_text(r.stmt, i) else { return "" }
            let bytes = UnsafeBufferPointer(start: p, count: Int(sqlite_nio_sqlite3_column_bytes(r.stmt, i)))
            if let known = places.first(where: { $0.utf8.elementsEqual(bytes) }) { return known }
            let s = String(decoding: bytes, as: UTF8.self)
            if places.count < 64 { places.append(s) }
            return s
        }
        // rows come grouped by person: the person's id is parsed once per group, the text compared for the rest
        var groupText = [UInt8](repeating: 0, count: 36)
        var group: UUID?
        func person(_ r: Row, _ i: Int32) -> UUID? {
            guard let p = sqlite_nio_sqlite3_column_text(r.stmt, i), sqlite_nio_sqlite3_column_bytes(r.stmt, i) == 36 else { return nil }
            if let g = group, memcmp(groupText, p, 36) == 0 { return g }
            group = SQLiteBulkReader.parseUUID(p)
            for k in 0..<36 { groupText[k] = p[k] }
            return group
        }
        let first = firstDay.iso, last = lastDay.iso
        try session { s in
            for chunk in ids.chunked(250) {
                let list = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let keys = chunk.map { Bind.text($0.uuidString) }
                var current: UUID?
                var rows: [EffectivePunch] = []
                rows.reserveCapacity(64)
                try s.run("""
                    SELECT staff_id, id, kind, at_ms, place, source FROM punches
                    WHERE staff_id IN (\(list)) AND at_ms >= ? AND at_ms < ? ORDER BY staff_id, at_ms
                    """, keys + [.int(fromMs), .int(toMs)]) { r in
                    guard let staff = person(r, 0), let id = r.uuid(1) else { return }
                    if staff != current {
                        if let c = current, !rows.isEmpty { punches[c] = rows }
                        current = staff
                        rows = []
                        rows.reserveCapacity(64)
                    }
                    let kind: PunchKind = switch r.text(2) { case "out": .clockOut; case "break_start": .breakStart; case "break_end": .breakEnd; default: .clockIn }
                    let source: PunchSource = switch r.text(5) { case "proxy": .proxy; case "correction": .correction; default: .selfService }
                    rows.append(EffectivePunch(id: id, kind: kind, at: dateFromMs(r.int64(3)), place: place(r, 4), source: source, correctionId: nil))
                }
                if let c = current, !rows.isEmpty { punches[c] = rows }
                try s.run("SELECT staff_id, date, code, minutes FROM day_marks WHERE staff_id IN (\(list)) AND date >= ? AND date <= ?",
                          keys + [.text(first), .text(last)]) { r in
                    guard let staff = person(r, 0), let d = CalendarDate(iso: r.text(1)), let c = DayMarkCode(rawValue: r.text(2)) else { return }
                    marks[staff, default: []].append(DayMark(date: d, code: c, minutes: r.optionalInt(3)))
                }
            }
        }
        return (punches, marks)
    }

    /// The leave requests touching `from`…`to`, with their decisions (the close asks which are still open).
    func leave(municipalityId: UUID, from: CalendarDate, to: CalendarDate) throws -> (requests: [LeaveRequestRow], decisions: [UUID: [LeaveDecisionRow]]) {
        var requests: [LeaveRequestRow] = []
        var decisions: [UUID: [LeaveDecisionRow]] = [:]
        let binds: [Bind] = [.text(municipalityId.uuidString), .text(to.iso), .text(from.iso)]
        try session { s in
            try s.run("""
                SELECT id, staff_id, type_code, from_date, to_date, unit, half, start_minute, end_minute, relationship, days, minutes, reason, requested_at_ms
                FROM leave_requests WHERE municipality_id = ? AND from_date <= ? AND to_date >= ? ORDER BY requested_at_ms DESC
                """, binds) { r in
                guard let id = r.uuid(0), let staff = r.uuid(1) else { return }
                requests.append(LeaveRequestRow(id: id, municipalityId: municipalityId, staffId: staff, typeCode: r.text(2), fromDate: r.text(3),
                                                toDate: r.text(4), unit: r.text(5), half: r.optionalText(6), startMinute: r.optionalInt(7),
                                                endMinute: r.optionalInt(8), relationship: r.optionalText(9), days: r.text(10), minutes: r.int(11),
                                                reason: r.text(12), requestedAtMs: r.int64(13)))
            }
            try s.run("""
                SELECT d.id, d.request_id, d.step, d.outcome, d.decided_by, d.on_behalf_of, d.comment, d.decided_at_ms
                FROM leave_requests q CROSS JOIN leave_decisions d ON d.request_id = q.id
                WHERE q.municipality_id = ? AND q.from_date <= ? AND q.to_date >= ?
                """, binds) { r in
                guard let id = r.uuid(0), let request = r.uuid(1), let by = r.uuid(4) else { return }
                decisions[request, default: []].append(LeaveDecisionRow(id: id, requestId: request, step: r.int(2), outcome: r.text(3), decidedBy: by,
                                                                         onBehalfOf: r.isNull(5) ? nil : r.uuid(5), comment: r.text(6), decidedAtMs: r.int64(7)))
            }
        }
        return (requests, decisions)
    }

    /// The month's orders as the close needs them: where each stands and the time it pays. One walk of the orders'
    /// covering (municipality, date, id, …) index, each order's events (report, confirmation, cancellation) joined from
    /// the covering (order, kind, start, end) index: the rows of one order come together, in (date, id) order, which
    /// the index gives without sorting.
    /// The orders of the municipality (or of `staffIds` only) dated `from`…`to`, each with its status and paid range. For some
    /// people, their (staff, date) index is walked instead (`+municipality_id`), and the rows sorted after.
    func closeOrders(municipalityId: UUID, from: CalendarDate, to: CalendarDate, staffIds: [UUID]? = nil) throws -> [CloseOrder] {
        guard let staffIds else { return try closeOrders(municipalityId: municipalityId, from: from, to: to, staffClause: "", staff: []) }
        var out: [CloseOrder] = []
        for chunk in staffIds.chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            out += try closeOrders(municipalityId: municipalityId, from: from, to: to, staffClause: " AND o.staff_id IN (\(marks))",
                                   staff: chunk.map { .text($0.uuidString) })
        }
        return out
    }

    private func closeOrders(municipalityId: UUID, from: CalendarDate, to: CalendarDate, staffClause: String, staff: [Bind]) throws -> [CloseOrder] {
        var out: [CloseOrder] = []
        out.reserveCapacity(1 << 14)
        var lastDate = ("", CalendarDate(dayNumber: 0))
        struct Pending {
            var id: UUID, staff: UUID, date: CalendarDate, ordered: MinuteRange, urgent: Bool
            var reported: MinuteRange?, confirmed: MinuteRange?, wasReported = false, wasConfirmed = false, cancelled = false
        }
        var pending: Pending?
        func flush() {
            guard let p = pending else { return }
            let status = OvertimeOrderRecord.status(reported: p.wasReported, confirmed: p.wasConfirmed, cancelled: p.cancelled)
            let paid = OvertimeOrderRecord.paidRange(status: status, ordered: p.ordered, urgent: p.urgent, reported: p.reported, confirmed: p.confirmed)
            out.append(CloseOrder(id: p.id, staffId: p.staff, date: p.date, status: status, paidRange: paid))
            pending = nil
        }
        var idText = [UInt8](repeating: 0, count: 36)
        try each("""
            SELECT o.id, o.staff_id, o.date, o.start_minute, o.end_minute, o.urgent, e.kind, e.start_minute, e.end_minute
            FROM overtime_orders o LEFT JOIN overtime_order_events e ON e.order_id = o.id
            WHERE \(staffClause.isEmpty ? "" : "+")o.municipality_id = ? AND o.date >= ? AND o.date <= ?\(staffClause) ORDER BY o.date, o.id
            """, [.text(municipalityId.uuidString), .text(from.iso), .text(to.iso)] + staff) { r in
            guard let p = sqlite_nio_sqlite3_column_text(r.stmt, 0), sqlite_nio_sqlite3_column_bytes(r.stmt, 0) == 36 else { return }
            // a row of the order before it: only its event is new
            if pending == nil || memcmp(idText, p, 36) != 0 {
                flush()
                guard let id = SQLiteBulkReader.parseUUID(p), let staff = r.uuid(1) else { return }
                for k in 0..<36 { idText[k] = p[k] }
                // orders come in date order: parse each date once
                let text = r.text(2)
                if text != lastDate.0 { guard let d = CalendarDate(iso: text) else { return }; lastDate = (text, d) }
                pending = Pending(id: id, staff: staff, date: lastDate.1, ordered: MinuteRange(start: r.int(3), end: r.int(4)), urgent: r.int(5) != 0)
            }
            guard !r.isNull(6) else { return }
            let range: MinuteRange? = r.isNull(7) || r.isNull(8) ? nil : MinuteRange(start: r.int(7), end: r.int(8))
            switch r.text(6) {
            case "reported": pending?.wasReported = true; pending?.reported = range
            case "confirmed": pending?.wasConfirmed = true; pending?.confirmed = range
            case "cancelled": pending?.cancelled = true
            default: break
            }
        }
        flush()
        return out
    }
}

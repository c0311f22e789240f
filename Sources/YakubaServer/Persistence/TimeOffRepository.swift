import Foundation
import Fluent
import SQLKit
import YakubaCore

/// 超勤代休時間 (work-rules §2.5): the 所属長's offers of time off for a month's hours over 60, and what became of each
/// (accepted, declined, withdrawn, cancelled), as facts: an offer is never changed, each answer is a row of its own.
struct CreateOvertimeTimeOff: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("overtime_time_off")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("source_month", .string, .required)     // YYYY-MM: the month whose hours over 60 it is given for
            .field("date", .string, .required)             // the day off
            .field("part", .string, .required)             // day | start | end
            .field("minutes", .int, .required)             // time off, out of the month's balance
            .field("top_up_minutes", .int, .required)      // whole hours of 年休 that make up the unit
            .field("note", .string, .required)
            .field("offered_by", .uuid, .required)
            .field("offered_at_ms", .int64, .required)
            .create()
        try await db.schema("overtime_time_off_events")
            .id()
            .field("time_off_id", .uuid, .required, .references("overtime_time_off", "id"))
            .field("municipality_id", .uuid, .required)
            .field("action", .string, .required)           // accept | decline | withdraw | cancel
            .field("actor_id", .uuid, .required)
            .field("at_ms", .int64, .required)
            .unique(on: "time_off_id", "action")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "overtime_time_off_staff_idx").on("overtime_time_off").column("staff_id").column("date").run()
            try await sql.create(index: "overtime_time_off_muni_idx").on("overtime_time_off").column("municipality_id").column("source_month").run()
            try await sql.create(index: "overtime_time_off_events_idx").on("overtime_time_off_events").column("time_off_id").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["overtime_time_off_events", "overtime_time_off"] { try await db.schema(t).delete() }
    }
}

struct TimeOffRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var sourceMonth: String
    var date: String
    var part: String
    var minutes: Int
    var topUpMinutes: Int
    var note: String
    var offeredBy: UUID
    var offeredAtMs: Int64

    var day: CalendarDate? { CalendarDate(iso: date) }
    var month: YearMonth? { YearMonth(iso: sourceMonth) }
    var dayPart: OvertimeCompensatoryTime.Part { OvertimeCompensatoryTime.Part(rawValue: part) ?? .day }
    var amounts: OvertimeCompensatoryTime.Amounts { .init(unit: minutes + topUpMinutes, timeOff: minutes) }
}

struct TimeOffEventRow: Codable, Sendable, Hashable {
    var id: UUID
    var timeOffId: UUID
    var municipalityId: UUID
    var action: String
    var actorId: UUID
    var atMs: Int64
}

/// An offer and its answers.
struct TimeOffRecord: Sendable {
    var offer: TimeOffRow
    var events: [TimeOffEventRow]

    var actions: [OvertimeCompensatoryTime.Action] { events.compactMap { OvertimeCompensatoryTime.Action(rawValue: $0.action) } }
    func state(today: CalendarDate) -> OvertimeCompensatoryTime.State {
        OvertimeCompensatoryTime.state(after: actions, date: offer.day ?? today, today: today)
    }
    /// Given: accepted and not cancelled (whatever the date), the only state that puts time off on the book and in the close.
    var isGiven: Bool {
        var s = OvertimeCompensatoryTime.State.offered
        for a in actions { if let next = OvertimeCompensatoryTime.transition(s, a) { s = next } }
        return s == .accepted
    }
    /// The day off as a mark on the attendance book.
    var mark: DayMark? { offer.day.map { OvertimeCompensatoryTime.mark(date: $0, part: offer.dayPart, amounts: offer.amounts) } }
}

enum TimeOffRepository {
    /// Offers, with their answers: of these people (or the whole municipality), for the hours of `sourceMonth`, or with
    /// the day off from `from` through `to`.
    static func records(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]? = nil, sourceMonth: YearMonth? = nil,
                        from: CalendarDate? = nil, to: CalendarDate? = nil) async throws -> [TimeOffRecord] {
        func query() -> SQLSelectBuilder {
            var q = sql.select().column("*").from("overtime_time_off").where("municipality_id", .equal, SQLBind(municipalityId))
            if let sourceMonth { q = q.where("source_month", .equal, SQLBind(sourceMonth.iso)) }
            if let from { q = q.where("date", .greaterThanOrEqual, SQLBind(from.iso)) }
            if let to { q = q.where("date", .lessThanOrEqual, SQLBind(to.iso)) }
            return q
        }
        var offers: [TimeOffRow] = []
        if let staffIds {
            for chunk in staffIds.chunked(500) {
                offers += try await query().where("staff_id", .in, SQLBind.group(chunk)).all(decoding: TimeOffRow.self, with: rowDecoder)
            }
        } else {
            offers = try await query().all(decoding: TimeOffRow.self, with: rowDecoder)
        }
        guard !offers.isEmpty else { return [] }
        var events: [UUID: [TimeOffEventRow]] = [:]
        for chunk in offers.map(\.id).chunked(500) {
            for e in try await sql.select().column("*").from("overtime_time_off_events").where("time_off_id", .in, SQLBind.group(chunk))
                .orderBy("at_ms").all(decoding: TimeOffEventRow.self, with: rowDecoder) {
                events[e.timeOffId, default: []].append(e)
            }
        }
        return offers.sorted { ($0.date, $0.offeredAtMs) < ($1.date, $1.offeredAtMs) }.map { TimeOffRecord(offer: $0, events: events[$0.id] ?? []) }
    }

    /// One offer and its answers.
    static func record(_ sql: any SQLDatabase, id: UUID) async throws -> TimeOffRecord? {
        guard let offer = try await sql.select().column("*").from("overtime_time_off").where("id", .equal, SQLBind(id))
            .first(decoding: TimeOffRow.self, with: rowDecoder) else { return nil }
        let events = try await sql.select().column("*").from("overtime_time_off_events").where("time_off_id", .equal, SQLBind(id))
            .orderBy("at_ms").all(decoding: TimeOffEventRow.self, with: rowDecoder)
        return TimeOffRecord(offer: offer, events: events)
    }

    /// The days off given from `from` through `to`, as marks on each person's book.
    static func marks(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]? = nil, from: CalendarDate, to: CalendarDate) async throws -> [UUID: [DayMark]] {
        var out: [UUID: [DayMark]] = [:]
        for r in try await records(sql, municipalityId: municipalityId, staffIds: staffIds, from: from, to: to) where r.isGiven {
            if let m = r.mark { out[r.offer.staffId, default: []].append(m) }
        }
        return out
    }

    /// The time off given for each person's hours over 60 in `month`, in minutes.
    static func given(_ records: [TimeOffRecord]) -> [UUID: Int] {
        var out: [UUID: Int] = [:]
        for r in records where r.isGiven { out[r.offer.staffId, default: 0] += r.offer.minutes }
        return out
    }

    /// The minutes held by offers still open or given, of the month's balance, per person.
    static func held(_ records: [TimeOffRecord], today: CalendarDate) -> [UUID: Int] {
        var out: [UUID: Int] = [:]
        for r in records where r.state(today: today).holdsBalance { out[r.offer.staffId, default: 0] += r.offer.minutes }
        return out
    }
}

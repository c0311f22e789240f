import Fluent
import SQLKit

/// One migration per schema change, registered in order. Times are stored as milliseconds since 1970 (UTC)
/// in 64-bit integers and dates as ISO `YYYY-MM-DD` text, so both engines store and compare them alike.
enum Migrations {
    static let all: [any Migration] = [CreateOrganisation(), CreateAttendance(), CreateLedger(), SessionRecord.migration, CreateOvertime(), CreateLeave(), CreateClose(), CreateOvertimeAnalyses(), CreateNotifications(), CoverOrderEventIndex(), CoverOrderIndex(), AddMunicipalPolicies(), CreateScheduleAssignments(), CreateRestDaySwaps(), AddCompensatoryDaysOff(), AddLaborAgreements(), CreateRosterDays(), CreateOvertimeTimeOff(), CreateMonthStats(), CreatePersonalFacts(), CreateConditionChecks(), AddOrderedMinutes(), CreateApps(), AddTokenAppScope(), CreateAppFiles(), AddAppRecalculation(), CreateKiosks(), AddPunchMethod(), AddPunchKiosk(), AddPunchFaceDistance(), AddPunchVerification(), CreateFaceOptions()]
}

struct CreateOrganisation: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("municipalities")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("time_zone", .string, .required)
            .field("places", .string, .required)           // JSON array of 打刻場所
            .field("rules", .string, .required)            // JSON AttendanceRules
            .field("holiday_rules", .string, .required)    // JSON MunicipalHolidayRules
            .field("created_at_ms", .int64, .required)
            .unique(on: "code")
            .create()
        try await db.schema("departments")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("parent_id", .uuid, .references("departments", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("level", .int, .required)
            .field("active", .bool, .required)
            .unique(on: "municipality_id", "code")
            .create()
        try await db.schema("staff")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_number", .string, .required)
            .field("family_name", .string, .required)
            .field("given_name", .string, .required)
            .field("family_kana", .string, .required)
            .field("given_kana", .string, .required)
            .field("employment_type", .string, .required)
            .field("department_id", .uuid, .references("departments", "id"))
            .field("position", .string, .required)
            .field("schedule", .string, .required)         // JSON WeeklySchedule
            .field("start_date", .string, .required)
            .field("end_date", .string)
            .field("active", .bool, .required)
            .field("roles", .string, .required)            // comma-separated Role raw values
            .field("password_hash", .string)
            .field("must_change_password", .bool, .required)
            .field("locale", .string, .required)
            .field("updated_at_ms", .int64, .required)
            .unique(on: "municipality_id", "staff_number")
            .create()
        try await db.schema("approver_departments")
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("department_id", .uuid, .required, .references("departments", "id"))
            .unique(on: "staff_id", "department_id")
            .create()
        try await db.schema("api_tokens")
            .id()
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("created_at_ms", .int64, .required)
            .field("created_by", .uuid, .required)
            .field("revoked_at_ms", .int64)
            .unique(on: "token_hash")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "staff_department_idx").on("staff").column("department_id").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["api_tokens", "approver_departments", "staff", "departments", "municipalities"] { try await db.schema(t).delete() }
    }
}

struct CreateAttendance: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("punches")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("kind", .string, .required)
            .field("at_ms", .int64, .required)
            .field("device_at_ms", .int64)
            .field("place", .string, .required)
            .field("source", .string, .required)
            .field("recorded_by", .uuid, .required)
            .field("idempotency_key", .string)
            .field("note", .string)                        // the reason of a proxy punch
            .unique(on: "staff_id", "idempotency_key")
            .create()
        try await db.schema("corrections")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("action", .string, .required)
            .field("target_punch_id", .uuid)
            .field("kind", .string)
            .field("at_ms", .int64)
            .field("place", .string)
            .field("reason", .string, .required)
            .field("requested_by", .uuid, .required)
            .field("requested_at_ms", .int64, .required)
            .create()
        // a decision is a fact of its own: the request row is never updated
        try await db.schema("correction_decisions")
            .field("correction_id", .uuid, .required, .references("corrections", "id"))
            .field("status", .string, .required)
            .field("decided_by", .uuid, .required)
            .field("decided_at_ms", .int64, .required)
            .field("comment", .string, .required)
            .unique(on: "correction_id")
            .create()
        try await db.schema("day_marks")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("date", .string, .required)
            .field("code", .string, .required)
            .field("minutes", .int)
            .field("recorded_by", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "punches_staff_at_idx").on("punches").column("staff_id").column("at_ms").run()
            try await sql.create(index: "corrections_staff_idx").on("corrections").column("staff_id").column("requested_at_ms").run()
            try await sql.create(index: "day_marks_staff_idx").on("day_marks").column("staff_id").column("date").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["day_marks", "correction_decisions", "corrections", "punches"] { try await db.schema(t).delete() }
    }
}

struct CreateLedger: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("ledger")
            .field("seq", .int64, .identifier(auto: false))
            .field("recorded_at_ms", .int64, .required)
            .field("municipality_id", .uuid)
            .field("actor_id", .uuid)
            .field("type", .string, .required)
            .field("subject_id", .string, .required)
            .field("payload", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
    }
    func revert(on db: any Database) async throws { try await db.schema("ledger").delete() }
}

/// 超過勤務: departments' 自律/他律 designations (dated, append-only), orders, their report/confirm/cancel events
/// (facts of their own: an order row is never updated), and staff's requests not to be ordered overtime.
struct CreateOvertime: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("department_workloads")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("department_id", .uuid, .required, .references("departments", "id"))
            .field("workload", .string, .required)         // DepartmentWorkload raw value
            .field("from_month", .string, .required)       // YYYY-MM: applies from this month on
            .field("set_by", .uuid, .required)
            .field("set_at_ms", .int64, .required)
            .create()
        try await db.schema("overtime_orders")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("department_id", .uuid)
            .field("date", .string, .required)
            .field("start_minute", .int, .required)        // minutes after the day's midnight; past 1440 for after midnight
            .field("end_minute", .int, .required)
            .field("reason", .string, .required)
            .field("urgent", .bool, .required)             // ordered after the fact (緊急)
            .field("special_case", .bool, .required)       // 特例業務: may exceed the limits
            .field("special_reason", .string)
            .field("ordered_by", .uuid, .required)
            .field("ordered_at_ms", .int64, .required)
            .create()
        try await db.schema("overtime_order_events")
            .id()
            .field("order_id", .uuid, .required, .references("overtime_orders", "id"))
            .field("kind", .string, .required)             // reported | confirmed | cancelled
            .field("start_minute", .int)
            .field("end_minute", .int)
            .field("note", .string, .required)
            .field("actor_id", .uuid, .required)
            .field("at_ms", .int64, .required)
            .unique(on: "order_id", "kind")
            .create()
        try await db.schema("overtime_exemptions")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("reason", .string, .required)
            .field("from_date", .string, .required)
            .field("to_date", .string, .required)
            .field("recorded_by", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "overtime_orders_staff_idx").on("overtime_orders").column("staff_id").column("date").run()
            try await sql.create(index: "overtime_orders_muni_idx").on("overtime_orders").column("municipality_id").column("date").run()
            try await sql.create(index: "overtime_exemptions_staff_idx").on("overtime_exemptions").column("staff_id").run()
            try await sql.create(index: "department_workloads_dept_idx").on("department_workloads").column("department_id").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["overtime_exemptions", "overtime_order_events", "overtime_orders", "department_workloads"] { try await db.schema(t).delete() }
    }
}

/// 要因の整理・分析・検証: the record required after the limits were exceeded under 特例業務 (one per person and fiscal year).
struct CreateOvertimeAnalyses: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("overtime_analyses")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("fiscal_year", .int, .required)
            .field("factors", .string, .required)          // 要因の整理
            .field("analysis", .string, .required)         // 分析
            .field("verification", .string, .required)     // 検証
            .field("recorded_by", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
    }
    func revert(on db: any Database) async throws { try await db.schema("overtime_analyses").delete() }
}

/// The close reads every overtime order of the month with its report and confirmation: an index carrying the event
/// columns it needs keeps those lookups inside the index. (A covering (staff, time) index for punches was tried too and
/// dropped: it saved the close ~0.4 s but cost the morning rush 10–20% of its punches per second.)
struct CoverOrderEventIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.create(index: "overtime_order_events_cover_idx").on("overtime_order_events")
            .column("order_id").column("kind").column("start_minute").column("end_minute").run()
    }
    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.drop(index: "overtime_order_events_cover_idx").run()
    }
}

/// The close walks a month's orders of a municipality: a covering (municipality, date, id, staff, times, urgent) index
/// gives them in (date, id) order without a visit to each row (92,000 orders of 20,000 staff: 0.19 → 0.05 s on SQLite).
/// It takes the place of the narrow (municipality, date) index, which is its prefix.
struct CoverOrderIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.create(index: "overtime_orders_cover_idx").on("overtime_orders")
            .column("municipality_id").column("date").column("id").column("staff_id").column("start_minute").column("end_minute").column("urgent").run()
        try await sql.drop(index: "overtime_orders_muni_idx").run()
    }
    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.create(index: "overtime_orders_muni_idx").on("overtime_orders").column("municipality_id").column("date").run()
        try await sql.drop(index: "overtime_orders_cover_idx").run()
    }
}

/// The municipality's own 年次休暇 policy and pay rules (JSON `MunicipalityRow.Policies`), set on the 勤務条件 page;
/// none means the common default.
struct AddMunicipalPolicies: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("municipalities").field("policies", .string).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema("municipalities").deleteField("policies").update()
    }
}

/// API tokens limited to some apps (issue 6): JSON `TokenScope`; none means the token acts as its owner everywhere.
struct AddTokenAppScope: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("api_tokens").field("app_scope", .string).update()
    }
    func revert(on db: any Database) async throws {
        try await db.schema("api_tokens").deleteField("app_scope").update()
    }
}

/// Dated schedule assignments (勤務時間の割振りの変更 from a date): facts, never updated; the latest on or before a day
/// applies, and of two on one date the later recorded. `staff.schedule` keeps the schedule in force most recently set.
struct CreateScheduleAssignments: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("schedule_assignments")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("from_date", .string, .required)
            .field("schedule", .string, .required)         // JSON WeeklySchedule
            .field("recorded_by", .uuid)
            .field("recorded_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "schedule_assignments_staff_idx").on("schedule_assignments").column("staff_id").column("from_date").run()
        }
    }
    func revert(on db: any Database) async throws {
        try await db.schema("schedule_assignments").delete()
    }
}

/// 週休日の振替 as facts: a swap, and later perhaps its cancellation (a row naming the swap it cancels).
struct CreateRestDaySwaps: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("rest_day_swaps")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("work_on", .string, .required)
            .field("rest_on", .string, .required)
            .field("reason", .string, .required)
            .field("cancels_id", .uuid)
            .field("recorded_by", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "rest_day_swaps_staff_idx").on("rest_day_swaps").column("staff_id").column("work_on").run()
            try await sql.create(index: "rest_day_swaps_muni_idx").on("rest_day_swaps").column("municipality_id").column("work_on").run()
        }
    }
    func revert(on db: any Database) async throws {
        try await db.schema("rest_day_swaps").delete()
    }
}

/// A migration that adds one column, in SQL both SQLite and PostgreSQL read.
protocol AddsColumn: AsyncMigration {
    static var table: String { get }
    static var column: String { get }
    /// the column's type and constraints, e.g. `TEXT NOT NULL DEFAULT 'x'`
    static var definition: String { get }
}

extension AddsColumn {
    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \(unsafeRaw: Self.table) ADD COLUMN \(unsafeRaw: Self.column) \(unsafeRaw: Self.definition)").run()
    }
    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \(unsafeRaw: Self.table) DROP COLUMN \(unsafeRaw: Self.column)").run()
    }
}

/// 代休日 are kept with the swaps: both name a day worked and a day off, and are cancelled the same way; `kind` tells them
/// apart (the rows before it are all swaps).
struct AddCompensatoryDaysOff: AddsColumn {
    static let table = "rest_day_swaps", column = "kind", definition = "TEXT NOT NULL DEFAULT 'rest_day'"
}

/// A department may be under a 36協定 (公営企業, LSA 別表第一 units) instead of 自律/他律: its terms are kept with the designation.
struct AddLaborAgreements: AddsColumn {
    static let table = "department_workloads", column = "agreement", definition = "TEXT"
}

/// 勤務割 (交替制 rosters): a person's shift on a date, replacing the weekly schedule for that day. Facts: a later row for
/// the same person and date supersedes the earlier one; an empty `code` returns the day to the weekly schedule.
struct CreateRosterDays: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("roster_days")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("date", .string, .required)
            .field("code", .string, .required)
            .field("start_minute", .int)
            .field("end_minute", .int)
            .field("break_start", .int)
            .field("break_end", .int)
            .field("recorded_by", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "roster_days_staff_idx").on("roster_days").column("staff_id").column("date").run()
            try await sql.create(index: "roster_days_muni_idx").on("roster_days").column("municipality_id").column("date").run()
        }
    }
    func revert(on db: any Database) async throws {
        try await db.schema("roster_days").delete()
    }
}

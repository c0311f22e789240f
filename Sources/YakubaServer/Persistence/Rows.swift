import Foundation
import SQLKit
import YakubaCore
import YakubaInsights

/// Rows as plain `Sendable` values, read and written with SQLKit (snake_case columns).
let rowDecoder = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
let rowEncoder = SQLQueryEncoder(keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil)

extension Array {
    /// Consecutive pieces of at most `size` elements: bound parameters and statement sizes stay within limits.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// Rows whose `column` is one of `ids`, by id, in IN-queries of 500.
func rows<Row: Decodable>(_ sql: any SQLDatabase, from table: String, where column: String, in ids: some Collection<UUID>,
                          as: Row.Type, id: (Row) -> UUID) async throws -> [UUID: Row] {
    var out: [UUID: Row] = [:]
    for chunk in Array(ids).chunked(500) {
        for r in try await sql.select().column("*").from(table).where(column, .in, SQLBind.group(chunk)).all(decoding: Row.self, with: rowDecoder) {
            out[id(r)] = r
        }
    }
    return out
}

func nowMs(_ d: Date = Date()) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
func dateFromMs(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

struct MunicipalityRow: Codable, Sendable, Hashable {
    var id: UUID
    var code: String
    var name: String
    var timeZone: String
    var places: String
    var rules: String
    var holidayRules: String
    var createdAtMs: Int64
    /// JSON `Policies`; nil until HR sets the 勤務条件 (the common default)
    var policies: String? = nil

    var placeList: [String] { (try? JSONDecoder().decode([String].self, from: Data(places.utf8))) ?? [] }
    var attendanceRules: AttendanceRules { (try? JSONDecoder().decode(AttendanceRules.self, from: Data(rules.utf8))) ?? .default }
    var holidays: MunicipalHolidayRules { (try? JSONDecoder().decode(MunicipalHolidayRules.self, from: Data(holidayRules.utf8))) ?? MunicipalHolidayRules() }
    var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Asia/Tokyo")! }

    /// The rules a municipality sets beyond the day's (`rules`) and the calendar's (`holidayRules`).
    struct Policies: Codable, Sendable {
        var annualLeave: AnnualLeavePolicy = .default
        var pay: PayRules = .default
        /// by type code; a type without one is as the common catalogue has it
        var leaveTypes: [String: LeaveTypeSetting]? = nil
        /// the shift patterns rosters are made of (nil: `ShiftPattern.defaults`)
        var shiftPatterns: [ShiftPattern]? = nil
        /// the early warning's thresholds and weights (nil: `RiskSettings.default`)
        var risk: RiskSettings? = nil
        /// the rank class of each position title HR mapped (the rest by `RankClassMap.guess`)
        var rankClasses: RankClassMap? = nil
        /// whether staff are asked their condition (コンディション) at clock-in (nil: not asked)
        var conditionCheck: Bool? = nil
        /// the DX office's yearly target of staff hours saved (北九州市: 50,000 h); nil: none set
        var dxTargetHours: Int? = nil
    }
    private var storedPolicies: Policies? { policies.flatMap { try? JSONDecoder().decode(Policies.self, from: Data($0.utf8)) } }
    var annualLeavePolicy: AnnualLeavePolicy { storedPolicies?.annualLeave ?? .default }
    var payRules: PayRules { storedPolicies?.pay ?? .default }
    /// The leave types with the municipality's settings (the ones it stopped offering included, for old requests).
    var leaveTypes: [LeaveType] { LeaveCatalogue.applying(storedPolicies?.leaveTypes ?? [:]) }
    /// The row with these leave-type settings (the rest of the policies kept).
    func with(leaveTypes settings: [String: LeaveTypeSetting]) -> MunicipalityRow { withPolicies { $0.leaveTypes = settings } }

    /// The row with its policies changed by `edit` (the rest of them kept).
    func withPolicies(_ edit: (inout Policies) -> Void) -> MunicipalityRow {
        var m = self
        var p = storedPolicies ?? Policies()
        edit(&p)
        m.policies = Seed.json(p)
        return m
    }

    var riskSettings: RiskSettings { storedPolicies?.risk ?? .default }
    /// The row with these early-warning settings (the rest of the policies kept).
    func with(risk settings: RiskSettings) -> MunicipalityRow { withPolicies { $0.risk = settings } }

    var dxTargetHours: Int? { storedPolicies?.dxTargetHours }

    var conditionCheck: Bool { storedPolicies?.conditionCheck ?? false }
    /// The row with the condition check on or off (the rest of the policies kept).
    func with(conditionCheck on: Bool) -> MunicipalityRow { withPolicies { $0.conditionCheck = on } }

    var rankClasses: RankClassMap { storedPolicies?.rankClasses ?? RankClassMap() }
    /// The row with this mapping of position titles to rank classes (the rest of the policies kept).
    func with(rankClasses map: RankClassMap) -> MunicipalityRow { withPolicies { $0.rankClasses = map } }

    var shiftPatterns: [ShiftPattern] { storedPolicies?.shiftPatterns ?? ShiftPattern.defaults }
    /// The row with these shift patterns (the rest of the policies kept).
    func with(shiftPatterns patterns: [ShiftPattern]) -> MunicipalityRow { withPolicies { $0.shiftPatterns = patterns } }

    /// Everything the 勤務条件 page edits, from where each part is kept.
    var workRules: WorkRulesSettings {
        let h = holidays
        return WorkRulesSettings(attendance: attendanceRules, annualLeave: annualLeavePolicy, pay: payRules,
                                 yearEndStart: MonthDay(month: h.yearEndStartMonth, day: h.yearEndStartDay),
                                 yearEndEnd: MonthDay(month: h.yearEndEndMonth, day: h.yearEndEndDay))
    }
    /// The row with `settings` put where each part is kept (the calendar's own closed days untouched).
    func with(_ settings: WorkRulesSettings) -> MunicipalityRow {
        var m = self
        m.rules = Seed.json(settings.attendance)
        var h = holidays
        h.yearEndStartMonth = settings.yearEndStart.month; h.yearEndStartDay = settings.yearEndStart.day
        h.yearEndEndMonth = settings.yearEndEnd.month; h.yearEndEndDay = settings.yearEndEnd.day
        m.holidayRules = Seed.json(h)
        var p = storedPolicies ?? Policies()
        p.annualLeave = settings.annualLeave
        p.pay = settings.pay
        m.policies = Seed.json(p)
        return m
    }

    static let defaultPlaces = ["本庁舎", "出先機関", "在宅", "サテライト"]
}

struct DepartmentRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var parentId: UUID?
    var code: String
    var name: String
    var level: Int
    var active: Bool
    /// 特定事業主 (`Employer`), set on the department or inherited from the one above it; nil on every level = 市長部局
    var employer: String? = nil
}

struct StaffRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffNumber: String
    var familyName: String
    var givenName: String
    var familyKana: String
    var givenKana: String
    var employmentType: String
    var departmentId: UUID?
    var position: String
    var schedule: String
    var startDate: String
    var endDate: String?
    var active: Bool
    var roles: String
    var passwordHash: String?
    var mustChangePassword: Bool
    var locale: String
    var updatedAtMs: Int64

    var fullName: String { "\(familyName) \(givenName)" }
    var fullKana: String { "\(familyKana) \(givenKana)" }
    var employment: EmploymentType { EmploymentType(rawValue: employmentType) ?? .regular }
    var roleSet: Set<Role> { Set(roles.split(separator: ",").compactMap { Role(rawValue: String($0)) }) }
    var weeklySchedule: WeeklySchedule { (try? JSONDecoder().decode(WeeklySchedule.self, from: Data(schedule.utf8))) ?? .standard }
    var start: CalendarDate? { CalendarDate(iso: startDate) }
    var end: CalendarDate? { endDate.flatMap { CalendarDate(iso: $0) } }

    /// The public part of the record, as it goes on the ledger (never the password hash).
    var ledgerFact: StaffFact {
        StaffFact(id: id, staffNumber: staffNumber, familyName: familyName, givenName: givenName, familyKana: familyKana, givenKana: givenKana,
                  employmentType: employmentType, departmentId: departmentId, position: position, schedule: schedule,
                  startDate: startDate, endDate: endDate, active: active, roles: roles)
    }
}

struct StaffFact: Codable, Sendable {
    var id: UUID; var staffNumber: String; var familyName: String; var givenName: String; var familyKana: String; var givenKana: String
    var employmentType: String; var departmentId: UUID?; var position: String; var schedule: String; var startDate: String
    var endDate: String?; var active: Bool; var roles: String
}

struct ApiTokenRow: Codable, Sendable {
    var id: UUID
    var staffId: UUID
    var name: String
    var tokenHash: String
    var prefix: String
    var createdAtMs: Int64
    var createdBy: UUID
    var revokedAtMs: Int64?
    /// JSON `TokenScope` for a token limited to some apps; nil for one that acts as its owner everywhere.
    var appScope: String? = nil

    var scope: TokenScope? { appScope.flatMap { try? JSONDecoder().decode(TokenScope.self, from: Data($0.utf8)) } }
}

/// What an app-scoped API token may do (for RPA and integrations): only the app API, only these apps (the owner's
/// rights there still apply), and only reading unless `write`.
struct TokenScope: Codable, Sendable, Equatable {
    var apps: [String]
    var write: Bool

    var json: String { String(decoding: (try? JSONEncoder.sorted.encode(self)) ?? Data(), as: UTF8.self) }
}

extension JSONEncoder {
    static var sorted: JSONEncoder { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }
}

struct PunchRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var kind: String
    var atMs: Int64
    var deviceAtMs: Int64?
    var place: String
    var source: String
    var recordedBy: UUID
    var idempotencyKey: String?
    var note: String? = nil
    /// how a kiosk identified the person: `face`, `pin` or `card`; nil for the punch page and the API
    var method: String? = nil
    /// the kiosk device it was made on
    var kioskId: UUID? = nil
    /// face: the distance to the person's enrolment, in ten-thousandths (0.3612 → 3612)
    var faceDistanceE4: Int? = nil
    /// face: `verified`, or `unverified` (a manager reviews it)
    var verification: String? = nil

    var punch: Punch {
        Punch(id: id, staffId: staffId, kind: PunchKind(rawValue: kind) ?? .clockIn, at: dateFromMs(atMs), deviceAt: deviceAtMs.map(dateFromMs),
              place: place, source: PunchSource(rawValue: source) ?? .selfService, recordedBy: recordedBy)
    }
}

struct CorrectionRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var action: String
    var targetPunchId: UUID?
    var kind: String?
    var atMs: Int64?
    var place: String?
    var reason: String
    var requestedBy: UUID
    var requestedAtMs: Int64
}

struct DecisionRow: Codable, Sendable, Hashable {
    var correctionId: UUID
    var status: String
    var decidedBy: UUID
    var decidedAtMs: Int64
    var comment: String
}

struct DayMarkRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var date: String
    var code: String
    var minutes: Int?
    var recordedBy: UUID
    var recordedAtMs: Int64
}

struct LedgerRow: Codable, Sendable {
    var seq: Int64
    var recordedAtMs: Int64
    var municipalityId: UUID?
    var actorId: UUID?
    var type: String
    var subjectId: String
    var payload: String
    var prevHash: String
    var hash: String

    init(_ e: LedgerEntry) {
        seq = e.seq; recordedAtMs = e.recordedAtMs; municipalityId = e.municipalityId; actorId = e.actorId
        type = e.type; subjectId = e.subjectId; payload = e.payload; prevHash = e.prevHash; hash = e.hash
    }
    var entry: LedgerEntry {
        LedgerEntry(seq: seq, recordedAtMs: recordedAtMs, municipalityId: municipalityId, actorId: actorId, type: type,
                    subjectId: subjectId, payload: payload, prevHash: prevHash, hash: hash)
    }
}

func correction(_ c: CorrectionRow, _ d: DecisionRow?) -> PunchCorrection {
    PunchCorrection(id: c.id, staffId: c.staffId, action: CorrectionAction(rawValue: c.action) ?? .add, targetPunchId: c.targetPunchId,
                    kind: c.kind.flatMap(PunchKind.init(rawValue:)), at: c.atMs.map(dateFromMs), place: c.place, reason: c.reason,
                    status: d.flatMap { RequestStatus(rawValue: $0.status) } ?? .pending, requestedBy: c.requestedBy,
                    requestedAt: dateFromMs(c.requestedAtMs), decidedBy: d?.decidedBy, decidedAt: d.map { dateFromMs($0.decidedAtMs) },
                    decisionComment: d?.comment)
}

/// A dated schedule assignment (`schedule_assignments`): from `fromDate` on, the person works `schedule`.
struct ScheduleAssignmentRow: Codable, Sendable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var fromDate: String
    var schedule: String
    var recordedBy: UUID?
    var recordedAtMs: Int64

    var assignment: ScheduleAssignment? {
        guard let from = CalendarDate(iso: fromDate), let week = try? JSONDecoder().decode(WeeklySchedule.self, from: Data(schedule.utf8)) else { return nil }
        return ScheduleAssignment(from: from, week: week)
    }
}

/// A 週休日の振替 (`rest_day_swaps`), or, with `cancelsId`, the cancellation of one.
struct RestDaySwapRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var workOn: String
    var restOn: String
    var reason: String
    var cancelsId: UUID?
    var recordedBy: UUID
    var recordedAtMs: Int64
    /// `rest_day` (週休日の振替: `workOn` a 週休日) or `compensatory` (代休日: `workOn` the 休日 worked, `restOn` the day off)
    var kind: String = Kind.restDay.rawValue

    enum Kind: String, CaseIterable { case restDay = "rest_day", compensatory }

    var swap: RestDaySwap? {
        guard kind == Kind.restDay.rawValue, let w = CalendarDate(iso: workOn), let r = CalendarDate(iso: restOn) else { return nil }
        return RestDaySwap(workOn: w, restOn: r)
    }

    var dayOff: CompensatoryDayOff? {
        guard kind == Kind.compensatory.rawValue, let w = CalendarDate(iso: workOn), let r = CalendarDate(iso: restOn) else { return nil }
        return CompensatoryDayOff(holidayWorked: w, dayOff: r)
    }
}

extension StaffRow {
    /// The schedule in force on each day: `schedule` (the one most recently set), replaced on and after each dated
    /// assignment, with the days moved by swaps.
    func timeline(_ assignments: [ScheduleAssignment]?, swaps: [RestDaySwap]? = nil, daysOff: [CompensatoryDayOff]? = nil, roster: [RosterDay]? = nil) -> ScheduleTimeline {
        ScheduleTimeline(base: weeklySchedule, assignments: assignments ?? [], swaps: swaps ?? [], daysOff: daysOff ?? [], roster: roster ?? [])
    }
}

/// One cell of a roster, as recorded (see `CreateRosterDays`).
struct RosterDayRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var date: String
    /// a pattern's code, `休` for a rostered 週休日, or empty: the weekly schedule again
    var code: String
    var startMinute: Int?
    var endMinute: Int?
    var breakStart: Int?
    var breakEnd: Int?
    var recordedBy: UUID
    var recordedAtMs: Int64

    /// The roster day it sets (nil: none, the weekly schedule applies).
    var rosterDay: RosterDay? {
        guard !code.isEmpty, let d = CalendarDate(iso: date) else { return nil }
        guard let s = startMinute, let e = endMinute else { return RosterDay(date: d, code: code, shift: nil) }
        let b = breakStart.flatMap { bs in breakEnd.map { MinuteRange(start: bs, end: $0) } }
        return RosterDay(date: d, code: code, shift: DailySchedule(start: s, end: e, breakWindow: b))
    }
}

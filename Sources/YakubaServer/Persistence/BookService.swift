import Foundation
import SQLKit
import YakubaCore

/// 出勤簿: one person's month, computed from the facts.
struct AttendanceBook: Sendable {
    var staff: StaffRow
    var month: YearMonth
    var days: [AttendanceDay]
    var totals: AttendanceTotals
    /// every correction touching the month (pending, approved, rejected), shown beside the originals
    var corrections: [PunchCorrection]
    /// the raw punches of the month, originals included
    var rawPunches: [PunchRow]
    /// the weekly schedules in force during the month: the one on the 1st, then each that starts within it
    var weeks: [(from: CalendarDate, week: WeeklySchedule)] = []
    /// the person's 週休日の振替 and 代休日 in force (to mark the days they move)
    var timeline: ScheduleTimeline? = nil
}

enum BookService {
    /// The facts a month of books is computed from, read from the database.
    struct Facts: Sendable {
        var punches: [UUID: [PunchRow]] = [:]
        var corrections: [UUID: [PunchCorrection]] = [:]
        var marks: [UUID: [DayMark]] = [:]
        /// dated schedule assignments, 週休日の振替 and 代休日 of those who have any
        var assignments: [UUID: [ScheduleAssignment]] = [:]
        var swaps: [UUID: [RestDaySwap]] = [:]
        var daysOff: [UUID: [CompensatoryDayOff]] = [:]
        /// the month's 勤務割 of those who have one
        var roster: [UUID: [RosterDay]] = [:]
    }

    static func facts(_ sql: any SQLDatabase, municipality muni: MunicipalityRow, staffIds ids: [UUID], month: YearMonth) async throws -> Facts {
        var f = Facts()
        guard !ids.isEmpty else { return f }
        let zone = muni.zone
        let from = month.first.adding(days: -1).instant(atMinute: 0, in: zone)
        let to = month.last.adding(days: 2).instant(atMinute: 0, in: zone)
        for chunk in ids.chunked(400) {
            for p in try await PunchRepository.punches(sql, staffIds: chunk, fromMs: nowMs(from), toMs: nowMs(to)) { f.punches[p.staffId, default: []].append(p) }
        }
        f.corrections = try await CorrectionRepository.corrections(sql: sql, staffIds: ids, fromMs: nowMs(from) - 86_400_000, toMs: nowMs(to))
        f.marks = try await DayMarkRepository.marks(sql, staffIds: ids, from: month.first, to: month.last)
        // 超勤代休時間 given on the month's days
        f.marks.merge(try await TimeOffRepository.marks(sql, municipalityId: muni.id, staffIds: ids, from: month.first, to: month.last)) { $0 + $1 }
        f.assignments = try await ScheduleRepository.assignments(sql, staffIds: ids)
        let moves = try await ScheduleRepository.moves(sql, staffIds: ids)
        f.swaps = moves.swaps
        f.daysOff = moves.daysOff
        f.roster = try await ScheduleRepository.roster(sql, staffIds: ids, from: month.first, to: month.last)
        return f
    }

    static func books(_ sql: any SQLDatabase, municipality muni: MunicipalityRow, staff: [StaffRow], month: YearMonth, now: Date = Date()) async throws -> [AttendanceBook] {
        guard !staff.isEmpty else { return [] }
        let f = try await facts(sql, municipality: muni, staffIds: staff.map(\.id), month: month)
        return books(f, municipality: muni, staff: staff, month: month, now: now)
    }

    /// What a close reads: each person's punches (as facts, in time order, read as they count without corrections),
    /// approved corrections and marks.
    struct CloseFacts: Sendable {
        var punches: [UUID: [EffectivePunch]] = [:]
        var corrections: [UUID: [PunchCorrection]] = [:]
        var marks: [UUID: [DayMark]] = [:]
        var assignments: [UUID: [ScheduleAssignment]] = [:]
        var swaps: [UUID: [RestDaySwap]] = [:]
        var daysOff: [UUID: [CompensatoryDayOff]] = [:]
        var roster: [UUID: [RosterDay]] = [:]

        init() {}
        init(_ f: Facts) {
            punches = f.punches.mapValues { $0.map { EffectivePunch(raw: $0.punch) } }
            corrections = f.corrections
            marks = f.marks
            assignments = f.assignments
            swaps = f.swaps
            daysOff = f.daysOff
            roster = f.roster
        }
    }

    /// Each person's month for the close, folded into its figures as the days are computed (the days are not kept, but
    /// for those with an anomaly still open, which HR checks), handed to `body` one person at a time with their position in
    /// `staff`: pure computation.
    /// - schedules: the distinct weekly schedules, and each person's position in them (`weeklySchedules(of:)`)
    /// - paidOrders: per person and date, the paid ranges of their confirmed or reported overtime orders.
    /// - timeOff: per person, the 超勤代休時間 given for the month's hours over 60.
    /// - weekRegularBefore: per person with a 振替 in the week the month starts in, the 正規 minutes worked in it before the 1st.
    static func closeFigures(_ f: CloseFacts, municipality muni: MunicipalityRow, staff: ArraySlice<StaffRow>, month: YearMonth, now: Date = Date(),
                             schedules: (weeks: [WeeklySchedule], index: [Int]), paidOrders: [UUID: [CalendarDate: [MinuteRange]]],
                             timeOff: [UUID: Int] = [:], weekRegularBefore: [UUID: Int] = [:], _ body: (Int, MonthlyFigures, [AttendanceDay]) -> Void) {
        let rules = muni.attendanceRules
        let payRules = muni.payRules
        let holidays = muni.holidays
        let dates = month.days
        let first = month.first.dayNumber
        // the calendar's 休日 of the month, by day of the month; one clock for everybody
        let holidayNames: [String?] = dates.map { holidays.holidayName($0) }
        let clock = LocalClock(zone: muni.zone, from: month.first, to: month.last)
        // each weekly schedule's month, day by day: made here, on this thread, so the close's threads do not share (and
        // count references to) one schedule's storage for every day of every person
        struct Plan { var schedules: [DailySchedule?]; var kinds: [DayKind] }
        var plans = [Plan?](repeating: nil, count: schedules.weeks.count)
        for i in staff.indices {
            // the fields read in place (a copy of the row would retain each of its texts)
            let id = staff[i].id, partTime = staff[i].employment.isPartTime
            // most of these are empty for a whole city (no swaps, no dated schedules, few corrections): no hashing then
            let eff = PunchStream.effective(raw: f.punches[id] ?? [], corrections: f.corrections.isEmpty ? [] : f.corrections[id] ?? [])
            let swapped = f.swaps.isEmpty ? [] : f.swaps[id] ?? []
            let daysOff = f.daysOff.isEmpty ? [] : f.daysOff[id] ?? []
            let roster = f.roster.isEmpty ? [] : f.roster[id] ?? []
            let given = timeOff.isEmpty ? 0 : timeOff[id] ?? 0
            let orders = paidOrders[id] ?? [:], swapWeeks = swapped.isEmpty ? [] : RestDaySwap.weekStarts(swapped)
            // the person's employment as day numbers
            let start = staff[i].start?.dayNumber ?? .min, end = staff[i].end?.dayNumber ?? .max
            let assigned = f.assignments.isEmpty ? [] : f.assignments[id] ?? []
            let week = schedules.index[i]
            let result: (figures: MonthlyFigures, openDays: [AttendanceDay])
            if !assigned.isEmpty || !swapped.isEmpty || !daysOff.isEmpty || !roster.isEmpty {
                // hours changed from a date, days swapped or rostered, 代休日 named: each day's schedule from the one in force that day
                let timeline = ScheduleTimeline(base: schedules.weeks[week], assignments: assigned, swaps: swapped, daysOff: daysOff, roster: roster)
                result = MonthlyComputation.closeMonth(
                    dates: dates,
                    schedule: { d in
                        let n = d.dayNumber
                        return n < start || n > end ? nil : timeline.day(on: d)
                    },
                    dayKind: { d in timeline.dayKind(on: d, holidayName: holidayNames[d.dayNumber - first]) },
                    punches: eff, marks: (f.marks[id] ?? []) + timeline.dayOffMarks(from: month.first, to: month.last), isPartTime: partTime, attendanceRules: rules, clock: clock,
                    now: now, paidOrders: orders, payRules: payRules, swapWeeks: swapWeeks, timeOffMinutes: given,
                    weekRegularBefore: weekRegularBefore.isEmpty ? 0 : weekRegularBefore[id] ?? 0)
            } else {
                let plan: Plan
                if let known = plans[week] { plan = known } else {
                    let ws = schedules.weeks[week]
                    let days = dates.map { ws.schedule(weekday: $0.weekday) }
                    plan = Plan(schedules: days, kinds: dates.indices.map { DayKind(holidayName: holidayNames[$0], hasHours: days[$0] != nil) })
                    plans[week] = plan
                }
                // the calculator asks only about `dates`, the month's days: each is its own index from the 1st
                result = MonthlyComputation.closeMonth(
                    dates: dates,
                    schedule: { d in
                        let n = d.dayNumber
                        return n < start || n > end ? nil : plan.schedules[n - first]
                    },
                    dayKind: { d in plan.kinds[d.dayNumber - first] },
                    punches: eff, marks: f.marks[id] ?? [], isPartTime: partTime, attendanceRules: rules, clock: clock,
                    now: now, paidOrders: orders, payRules: payRules, swapWeeks: swapWeeks, timeOffMinutes: given)
            }
            body(i, result.figures, result.openDays)
        }
    }

    /// Each distinct stored weekly schedule decoded once, and each person's position among them (a city of 20,000 holds a
    /// handful of schedules; decoding per person was half the close's computation).
    static func weeklySchedules(of staff: [StaffRow]) -> (weeks: [WeeklySchedule], index: [Int]) {
        var position: [String: Int] = [:]
        var weeks: [WeeklySchedule] = []
        var last: (text: String, index: Int)?
        let index = staff.map { s in
            // neighbours mostly share a text: comparing with the last one is far cheaper than hashing a few hundred bytes
            if let l = last, l.text == s.schedule { return l.index }
            if let known = position[s.schedule] { last = (s.schedule, known); return known }
            weeks.append(s.weeklySchedule)
            position[s.schedule] = weeks.count - 1
            last = (s.schedule, weeks.count - 1)
            return weeks.count - 1
        }
        return (weeks, index)
    }

    /// The books from facts already in memory: pure computation.
    static func books(_ f: Facts, municipality muni: MunicipalityRow, staff: [StaffRow], month: YearMonth, now: Date = Date()) -> [AttendanceBook] {
        let zone = muni.zone
        let punches = f.punches, corrections = f.corrections, marks = f.marks
        let rules = muni.attendanceRules
        let monthStart = nowMs(month.first.instant(atMinute: 0, in: zone)), monthEnd = nowMs(month.last.adding(days: 1).instant(atMinute: 0, in: zone))
        // most people share a handful of schedules: decode each JSON text once
        var schedules: [String: WeeklySchedule] = [:]
        let holidays = muni.holidays
        return staff.map { s in
            let raw = punches[s.id] ?? []
            let corr = corrections[s.id] ?? []
            let eff = PunchStream.effective(raw: raw.map(\.punch), corrections: corr)
            let ws: WeeklySchedule
            if let known = schedules[s.schedule] { ws = known } else { ws = s.weeklySchedule; schedules[s.schedule] = ws }
            let start = s.start, end = s.end
            let timeline = ScheduleTimeline(base: ws, assignments: f.assignments[s.id] ?? [], swaps: f.swaps[s.id] ?? [], daysOff: f.daysOff[s.id] ?? [],
                                            roster: f.roster[s.id] ?? [])
            let days = AttendanceCalculator.days(
                dates: month.days,
                schedule: { d in
                    if let st = start, d < st { return nil }
                    if let en = end, d > en { return nil }
                    return timeline.day(on: d)
                },
                dayKind: { d in timeline.dayKind(on: d, holidayName: holidays.holidayName(d)) }, punches: eff,
                marks: (marks[s.id] ?? []) + timeline.dayOffMarks(from: month.first, to: month.last), isPartTime: s.employment.isPartTime,
                rules: rules, zone: zone, now: now)
            let monthCorrections = corr.filter { c in
                let t = c.at.map { nowMs($0) } ?? nowMs(c.requestedAt)
                return (t >= monthStart && t < monthEnd) || raw.contains { $0.id == c.targetPunchId && $0.atMs >= monthStart && $0.atMs < monthEnd }
            }.sorted { $0.requestedAt < $1.requestedAt }
            var weeks = [(from: month.first, week: timeline.week(on: month.first))]
            for a in timeline.assignments where a.from > month.first && a.from <= month.last {
                if weeks.last?.from == a.from { weeks[weeks.count - 1].week = a.week } else { weeks.append((a.from, a.week)) }
            }
            return AttendanceBook(staff: s, month: month, days: days, totals: AttendanceTotals(days: days), corrections: monthCorrections,
                                  rawPunches: raw.filter { $0.atMs >= monthStart && $0.atMs < monthEnd }, weeks: weeks,
                                  timeline: timeline)
        }
    }
}

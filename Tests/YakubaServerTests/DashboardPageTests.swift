import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaInsights

@Suite("The HR dashboard and its monthly aggregates (issue 5)", .serialized)
struct DashboardPageTests {
    /// Work days before today, last month's and this month's, newest first.
    static func pastWorkDays(_ city: TestCity, count: Int) -> [CalendarDate] {
        var out: [CalendarDate] = []
        var d = CalendarDate(Date(), in: city.muni.zone).adding(days: -1)
        while out.count < count {
            if (1...5).contains(d.weekday) && !city.muni.holidays.isHoliday(d) { out.append(d) }
            d = d.adding(days: -1)
        }
        return out
    }

    static func punch(_ city: TestCity, _ staff: StaffRow, _ kind: PunchKind, _ day: CalendarDate, _ minute: Int) async throws {
        let cmd = PunchCommand(staffId: staff.id, municipalityId: city.muni.id, kind: kind, place: "本庁舎", deviceAt: nil, source: .selfService,
                               recordedBy: staff.id, idempotencyKey: nil, at: day.instant(atMinute: minute, in: city.muni.zone))
        // written as the demo writes its history (the writer checks a new punch against now, not against its own time)
        let (row, payload) = cmd.prepared()
        try await city.app.yakuba.writer.perform { _, sql in
            try await LedgerWriter.insert(punches: [row], sql)
            return [LedgerDraft(municipalityId: city.muni.id, actorId: staff.id, type: "punch.created", subjectId: row.id.lowerText, payload: payload)]
        }
        city.app.yakuba.writer.invalidate(staffId: staff.id)
    }

    /// The stored rows and the rows in memory both equal a computation from scratch, month by month.
    static func expectFresh(_ city: TestCity, months: [YearMonth], today: CalendarDate, _ note: Comment) async throws {
        let sql = city.app.db.sql
        let tree = DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: city.muni.id))
        let stored = Set(try await StatsService.load(sql, municipalityId: city.muni.id, sqlitePath: city.app.yakuba.sqlitePath).filter { months.contains($0.month) })
        var fresh = Set<StaffMonthStats>()
        for m in months {
            fresh.formUnion(try await StatsService.compute(sql, municipality: city.muni, tree: tree, month: m, work: .everyone, today: today,
                                                           sqlitePath: city.app.yakuba.sqlitePath).rows)
        }
        #expect(stored == fresh, note)
        let cached = try await city.app.yakuba.stats.rows(app: city.app, sql: sql, municipality: city.muni, tree: tree, months: months, today: today)
        #expect(Set(cached.rows) == fresh, note)
        #expect(cached.status.progress == nil && cached.status.missing.isEmpty)
    }

    @Test func theAggregatesAlwaysEqualARecomputationFromScratch() async throws {
        try await withCity { city in
            let sql = city.app.db.sql
            let today = CalendarDate(Date(), in: city.muni.zone)
            let days = Self.pastWorkDays(city, count: 6)
            let months = Array(Set(days.map { YearMonth($0) } + [YearMonth(today)])).sorted()
            for d in days.reversed() {
                for s in [city.staffA, city.staffA2, city.partTimeA] where !(s.id == city.staffA2.id && d == days[2]) {
                    try await Self.punch(city, s, .clockIn, d, 505)
                    try await Self.punch(city, s, .clockOut, d, s.id == city.partTimeA.id ? 1050 : 1100)
                }
            }
            // S101 forgets to clock out on the oldest day
            try await Self.punch(city, city.staffB, .clockIn, days[5], 510)
            let tree = DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: city.muni.id))
            let first = try await city.app.yakuba.stats.refresh(app: city.app, sql: sql, municipality: city.muni, tree: tree, months: months, today: today)
            #expect(first.wholeMonths == months.filter { $0.first < today }.count, "never computed: every month in full")
            try await Self.expectFresh(city, months: months, today: today, "after the first computation")
            let before = try await StatsService.load(sql, municipalityId: city.muni.id, sqlitePath: city.app.yakuba.sqlitePath)
            let b = try #require(before.first { $0.staffId == city.staffB.id && $0.month == YearMonth(days[5]) })
            #expect(b.counts.missingDays == 1 && b.counts.completeDays == 0)
            let p = try #require(before.first { $0.staffId == city.partTimeA.id && $0.month == YearMonth(days[0]) })
            #expect(p.counts.beyondScheduleMinutes > 0, "the part-timer worked past 16:00")

            // nothing changed: nothing to do
            #expect(try await StatsService.plan(sql, municipality: city.muni, months: months, today: today).months.isEmpty)
            // a punch today is not counted yet (the figures are as of this midnight)
            try await Self.punch(city, city.staffA, .clockIn, today, 1)
            var plan = try await StatsService.plan(sql, municipality: city.muni, months: months, today: today)
            #expect(plan.months.isEmpty, "a punch today touches no counted day")

            // S101's forgotten clock-out is corrected and approved: only S101 is computed again
            let staff = Browser(city.app)
            try await staff.login("S101")
            try await staff.get("/corrections/new")
            #expect(try await staff.post("/corrections", ["action": "add", "kind": "out", "date": days[5].iso, "time": "17:40", "reason": "退勤の打刻を忘れたため"]).status == .seeOther)
            let c = try #require(try await CorrectionRepository.list(sql, staffIds: [city.staffB.id], municipalityId: city.muni.id, pendingOnly: true, limit: 10).first)
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/corrections")
            #expect(try await hr.post("/corrections/\(c.id)/decision", ["decision": "approve", "comment": "確認しました"]).status == .seeOther)
            plan = try await StatsService.plan(sql, municipality: city.muni, months: months, today: today)
            #expect(plan.months[YearMonth(days[5])] == .people([city.staffB.id]), "the approval names the correction, whose owner is S101")
            // the page brings it up to date before it answers (a small change is waited for)
            let page = try await hr.get("/dashboard?period=\(YearMonth(days[5]).iso)")
            #expect(page.status == .ok)
            try await Self.expectFresh(city, months: months, today: today, "after a correction")
            let after = try await StatsService.load(sql, municipalityId: city.muni.id, sqlitePath: city.app.yakuba.sqlitePath)
            let b2 = try #require(after.first { $0.staffId == city.staffB.id && $0.month == YearMonth(days[5]) })
            #expect(b2.counts.missingDays == 0 && b2.counts.correctedDays == 1 && b2.counts.completeDays == 0, "corrected, so not counted as complete")

            // a day of annual leave approved for a past day (the request and the decision on the ledger)
            let leaveDay = days[2]
            let s1 = Browser(city.app)
            try await s1.login("S002")
            try await s1.get("/leave/new")
            let res = try await s1.post("/leave", ["type": "annual", "unit": "day", "from": leaveDay.iso, "to": leaveDay.iso, "reason": "私用"])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(300))")
            let leave = try await LeaveRepository.requests(sql, municipalityId: city.muni.id, staffIds: [city.staffA2.id], from: leaveDay, to: leaveDay)
            let lr = try #require(leave.first)
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/approvals")
            #expect(try await manager.post("/leave/\(lr.id)/decision", ["decision": "approve"]).status == .seeOther)
            plan = try await StatsService.plan(sql, municipality: city.muni, months: months, today: today)
            #expect(plan.months[YearMonth(leaveDay)] == .people([city.staffA2.id]))
            _ = try await city.app.yakuba.stats.refresh(app: city.app, sql: sql, municipality: city.muni, tree: tree, months: months, today: today)
            try await Self.expectFresh(city, months: months, today: today, "after leave")
            let a2 = try #require(try await StatsService.load(sql, municipalityId: city.muni.id, sqlitePath: nil).first { $0.staffId == city.staffA2.id && $0.month == YearMonth(leaveDay) })
            #expect(a2.counts.annualLeaveDays == 1)

            // tomorrow, the months holding the day that ended are computed again for everyone
            let tomorrow = today.adding(days: 1)
            plan = try await StatsService.plan(sql, municipality: city.muni, months: months + [YearMonth(tomorrow)], today: tomorrow)
            #expect(plan.months[YearMonth(today)] == .everyone)
            // and a month that ended less than two days before the figures' day (a session open at its last midnight)
            let old = YearMonth(days[5])
            #expect(plan.months[old] == (old == YearMonth(today) || old.last.adding(days: 2) >= today ? .everyone : nil))

            // another process (`yakuba stats refresh` from cron) stores a month: the server reads it again instead of
            // serving what it holds
            try await city.app.yakuba.writer.perform { _, _ in
                [LedgerDraft(municipalityId: city.muni.id, actorId: nil, type: "notification.test", subjectId: "x", payload: "{}")]
            }
            struct Seq: Decodable { var seq: Int64? }
            let seq = try #require(try await sql.raw("SELECT MAX(seq) AS seq FROM ledger").first(decoding: Seq.self)?.seq)
            let m0 = YearMonth(days[0])
            var changed = try await StatsService.load(sql, municipalityId: city.muni.id, sqlitePath: nil, month: m0)
            changed[0].overtimeMinutes += 777
            try await StatsService.store(city.app.yakuba.writer, municipalityId: city.muni.id, month: m0, rows: changed, people: nil, asOf: today, seq: seq)
            let served = try await city.app.yakuba.stats.rows(app: city.app, sql: sql, municipality: city.muni, tree: tree, months: [m0], today: today)
            #expect(Set(served.rows) == Set(changed))
        }
    }

    @Test func whatEachLedgerEntryTouches() {
        let zone = TimeZone(identifier: "Asia/Tokyo")!
        let staff = UUID()
        let punch = "{\"atMs\":1764633600000,\"id\":\"\(UUID().uuidString)\",\"kind\":\"in\",\"staffId\":\"\(staff.uuidString)\"}"
        guard case .person(let who, let dates?) = StatsService.impact(type: "punch.created", subject: UUID().uuidString, payload: punch, zone: zone) else {
            Issue.record("a punch names its person and day"); return
        }
        // 2025-12-02 09:00 JST, and the day before (a clock-out after midnight closes it)
        // the day before (a clock-out after midnight closes it) and the day after (a clock-in late at night takes its stray clock-out)
        #expect(who == staff && dates.map(\.iso) == ["2025-12-01", "2025-12-02", "2025-12-03"])
        #expect(StatsService.impact(type: "municipality.holidays_updated", subject: "x", payload: "{}", zone: zone) == .everyone)
        #expect(StatsService.impact(type: "token.created", subject: "x", payload: "{\"staffId\":\"\(staff.uuidString)\"}", zone: zone) == .none)
        #expect(StatsService.impact(type: "month.closed", subject: "2026-10", payload: "{}", zone: zone) == .none)
        let order = UUID()
        #expect(StatsService.impact(type: "overtime.confirmed", subject: order.uuidString.lowercased(), payload: "{\"orderId\":\"x\"}", zone: zone) == .subject(order))
        #expect(StatsService.impact(type: "staff.updated", subject: staff.uuidString.lowercased(), payload: "{\"id\":\"x\"}", zone: zone) == .person(staff, dates: nil))
        #expect(StatsService.impact(type: "something.new", subject: "not-an-id", payload: "{}", zone: zone) == .everyone, "unknown: everyone, to be safe")
        #expect(StatsService.field("staffId", in: "{\"a\":1,\"staffId\":\"abc\",\"z\":2}") == "abc")
        #expect(StatsService.field("atMs", in: "{\"atMs\":123,\"b\":2}") == "123")
    }

    @Test func onlyHRSeeTheDashboardAndBadFiltersAreRefused() async throws {
        try await withCity { city in
            let days = Self.pastWorkDays(city, count: 2)
            for d in days.reversed() { try await Self.punch(city, city.staffA, .clockIn, d, 505); try await Self.punch(city, city.staffA, .clockOut, d, 1100) }
            let hr = Browser(city.app)
            try await hr.login("H001")
            // the first look computes the months: a small city's are done before the page answers
            let page = try await hr.get("/dashboard")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("人事ダッシュボード") && html.contains("超過勤務の分布") && html.contains("role=\"img\""))
            #expect(html.contains("<caption>超過勤務の分布（線を超えた職員の数）</caption>"), "the chart's data as a table beside it")
            #expect(html.contains("打刻率"))
            #expect(try await hr.get("/dashboard?lang=en").body.string.contains("HR dashboard"))
            let month = YearMonth(days[0]).iso
            #expect(try await hr.get("/dashboard?period=\(month)&department=\(city.deptA.id)&employment=regular&employer=mayor").status == .ok)
            #expect(try await hr.get("/dashboard/people?period=\(month)&metric=overtime&group=\(city.deptA1.id)").status == .ok)
            #expect(try await hr.get("/dashboard?period=\(month)&employer=educationBoard").body.string.contains("対象の職員：0人"))
            for bad in ["period=2026-13", "period=FY1990", "period=\(YearMonth(CalendarDate(Date(), in: city.muni.zone)).next.next.iso)", "department=\(UUID())",
                        "department=x", "employment=boss", "employer=king"] {
                let res = try await hr.get("/dashboard?\(bad)")
                #expect(res.status == .unprocessableEntity, "\(bad)")
            }
            #expect(try await hr.get("/dashboard/people?metric=nonsense").status == .unprocessableEntity)
            #expect(try await hr.get("/dashboard/people?metric=missing&group=\(UUID())").status == .unprocessableEntity)
            // a manager and staff are not HR
            for who in ["M001", "S001"] {
                let b = Browser(city.app)
                try await b.login(who)
                #expect(try await b.get("/dashboard").status == .forbidden, "\(who)")
                #expect(try await b.get("/dashboard/people?metric=overtime").status == .forbidden, "\(who)")
            }
        }
    }
}

@Suite("特定事業主 on the department tree (issue 5)", .serialized)
struct EmployerTests {
    @Test func hrNamesADepartmentsAppointingAuthorityAndItCoversThoseBelow() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/admin/departments").body.string.contains("特定事業主（任命権者）"))
            var res = try await hr.post("/admin/departments/employer", ["department": city.deptA.id.uuidString, "employer": "educationBoard"])
            #expect(res.status == .seeOther)
            let tree = DepartmentTree(try await DepartmentRepository.all(city.app.db.sql, municipalityId: city.muni.id))
            #expect(tree.employer(city.deptA.id) == .educationBoard && tree.employer(city.deptA1.id) == .educationBoard, "人事課 inherits 総務部's")
            #expect(tree.employer(city.deptB.id) == .mayor && tree.employer(nil) == .mayor)
            // bad input beside the field; the same designation twice is refused
            for (form, field) in [(["department": "", "employer": "mayor"], "組織を選んでください"), (["department": city.deptB.id.uuidString, "employer": "king"], "一覧から選んでください"),
                                  (["department": city.deptA.id.uuidString, "employer": "educationBoard"], "すでにこの指定です")] {
                res = try await hr.post("/admin/departments/employer", form)
                #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains(field), "\(field)")
            }
            // back to inherited, on the ledger both times
            #expect(try await hr.post("/admin/departments/employer", ["department": city.deptA.id.uuidString, "employer": ""]).status == .seeOther)
            #expect(DepartmentTree(try await DepartmentRepository.all(city.app.db.sql, municipalityId: city.muni.id)).employer(city.deptA1.id) == .mayor)
            struct N: Decodable { var n: Int }
            let n = try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM ledger WHERE type = 'department.employer_set'").first(decoding: N.self)?.n
            #expect(n == 2)
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/punch")
            #expect(try await staff.post("/admin/departments/employer", ["department": city.deptA.id.uuidString, "employer": "mayor"]).status == .forbidden)
        }
    }
}

@Suite("Early warnings and rankings, on the page (issue 5)", .serialized)
struct RiskPageTests {
    /// Stores months as the aggregates would hold them, marked as seen up to the ledger's last entry (the computation
    /// itself is tested against a recomputation above; here the pages are).
    static func store(_ city: TestCity, _ rows: [StaffMonthStats]) async throws {
        // the city's first punch, in the earliest month: months before it are before the city used Yakuba
        if let first = rows.map(\.month).min() { try await DashboardPageTests.punch(city, city.staffA2, .clockIn, first.first, 540) }
        struct Seq: Decodable { var seq: Int64? }
        let seq = try await city.app.db.sql.raw("SELECT MAX(seq) AS seq FROM ledger").first(decoding: Seq.self)?.seq ?? 0
        let today = CalendarDate(Date(), in: city.muni.zone)
        for (m, part) in Dictionary(grouping: rows, by: \.month) {
            try await StatsService.store(city.app.yakuba.writer, municipalityId: city.muni.id, month: m, rows: part, people: nil, asOf: today, seq: seq)
        }
    }

    static func month(_ s: StaffRow, _ m: YearMonth, overtimeHours: Int, leave: Int = 0, complete: Int = 20) -> StaffMonthStats {
        var c = DayCounts()
        c.punchDays = 20; c.completeDays = complete; c.annualLeaveDays = leave
        return StaffMonthStats(staffId: s.id, month: m, departmentId: s.departmentId, employment: s.employment, overtimeMinutes: overtimeHours * 60,
                               workedMinutes: 9000, scheduledDays: 20, scheduledMinutes: 9300, counts: c)
    }

    @Test func theManagerSeesWhoIsAtRiskAndWhyAndHRTunesIt() async throws {
        try await withCity { city in
            let now = YearMonth(CalendarDate(Date(), in: city.muni.zone))
            let window = RiskScore.window(through: now)
            var rows: [StaffMonthStats] = []
            for m in window {
                rows.append(Self.month(city.staffA, m, overtimeHours: m == now ? 5 : 85))          // six months over 45, average 85, no leave
                rows.append(Self.month(city.staffA2, m, overtimeHours: 10, leave: 1))
                rows.append(Self.month(city.staffB, m, overtimeHours: m == now ? 5 : 90))          // another department
            }
            try await Self.store(city, rows)
            let manager = Browser(city.app)
            try await manager.login("M001")
            let page = try await manager.get("/risk")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(city.staffA.fullName) && !html.contains(city.staffA2.fullName))
            #expect(!html.contains("（S101）"), "another department's staff are not the manager's")
            #expect(html.contains("超過勤務が月45時間を超えた月が6か月続いています（60点）"))
            #expect(html.contains("2〜6か月平均の超過勤務が最大85時間です（70時間以上で該当）（30点）"))
            #expect(html.contains("年休を6か月続けて取っていません（3か月以上で該当）（15点）"))
            #expect(html.contains("105点"))
            #expect(try await manager.get("/team").body.string.contains("早期警戒の対象：1人"))
            #expect(try await manager.get("/risk?department=\(city.deptB.id)").status == .forbidden)
            #expect(try await manager.get("/risk?department=nope").status == .unprocessableEntity)
            #expect(try await manager.get("/admin/risk").status == .forbidden)

            // HR sees both, and raises the bar
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/risk").body.string.contains("（S101）"))
            try await hr.get("/admin/risk")
            var form = RiskSettings.default.formValues
            form["list_from"] = "abc"; form["average_weight"] = "101"
            var res = try await hr.post("/admin/risk", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("1〜500の整数で入力してください") && res.body.string.contains("0〜100の整数で入力してください"))
            form = RiskSettings.default.formValues
            form["list_from"] = "200"
            res = try await hr.post("/admin/risk", form)
            #expect(res.status == .seeOther)
            #expect(try await hr.get("/risk").body.string.contains("該当する職員はいません"))
            struct N: Decodable { var n: Int }
            #expect(try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM ledger WHERE type = 'risk.settings_updated'").first(decoding: N.self)?.n == 1)
            // the settings change does not send the monthly aggregates to be computed again
            #expect(try await StatsService.plan(city.app.db.sql, municipality: city.muni,
                                                months: window, today: CalendarDate(Date(), in: city.muni.zone)).months.isEmpty)
        }
    }

    @Test func staffSeeOnlyTheirOwnStandingAndManagersTheTable() async throws {
        try await withCity { city in
            let now = YearMonth(CalendarDate(Date(), in: city.muni.zone))
            try await Self.store(city, [Self.month(city.staffA, now, overtimeHours: 12, complete: 18), Self.month(city.staffB, now, overtimeHours: 30, complete: 20)])
            let staff = Browser(city.app)
            try await staff.login("S001")
            var html = try await staff.get("/rankings?period=\(now.iso)").body.string
            #expect(html.contains("あなたの打刻率：90.0%") && html.contains("あなたの超過勤務：12.0時間"))
            #expect(html.contains("あなたの課の打刻率の順位：2課中2位"))
            #expect(!html.contains("打刻率のランキング（課別）") && !html.contains("建設部"), "staff see no other department's figures")
            let manager = Browser(city.app)
            try await manager.login("M001")
            html = try await manager.get("/rankings?period=\(now.iso)").body.string
            #expect(html.contains("打刻率のランキング（課別）") && html.contains("（担当）"))
            // 建設部 has one person: another department's section that small would show an individual
            #expect(!html.contains("建設部") && html.contains("5人未満の課は、個人が分かるため表示していません"))
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/rankings?period=\(now.iso)").body.string.contains("建設部"), "HR sees every section")
            #expect(try await manager.get("/rankings?period=2026-99").status == .unprocessableEntity)
        }
    }
}

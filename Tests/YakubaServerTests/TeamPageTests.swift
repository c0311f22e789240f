import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("The 所属長's team page (issue 5)", .serialized)
struct TeamPageTests {
    @Test func theMonthsBeforeThisOneComeFromTheAggregatesAndEqualTheOrders() async throws {
        // the limits look at the fiscal year and the 2–6 months before: the page reads those months' counts from the monthly
        // aggregates, which must hold what the orders give
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let month = YearMonth(today), last = YearMonth(today).previous
            let lastDays = last.days.filter { (1...5).contains($0.weekday) && !city.muni.holidays.isHoliday($0) }
            try await DashboardPageTests.punch(city, city.staffA, .clockIn, lastDays[0], 500)
            for day in lastDays.prefix(6) { _ = try await OvertimeTests.placeOrder(city, staff: city.staffA, date: day, start: 1035, end: 1215) }
            for day in lastDays.prefix(2) { _ = try await OvertimeTests.placeOrder(city, staff: city.staffA2, date: day, start: 1035, end: 1095) }
            let ids = [city.staffA.id, city.staffA2.id]
            let orders = try await OvertimeRepository.countedMinutes(city.app.db.sql, municipalityId: city.muni.id, staffIds: ids, month: month, rules: .national,
                                                                     sqlitePath: city.app.yakuba.sqlitePath)
            #expect(orders[city.staffA.id]?[last] == 6 * 180 && orders[city.staffA2.id]?[last] == 2 * 60)
            let tree = DepartmentTree(try await DepartmentRepository.all(city.app.db.sql, municipalityId: city.muni.id))
            let rows = try await city.app.yakuba.stats.rows(app: city.app, sql: city.app.db.sql, municipality: city.muni, tree: tree, months: [last], today: today).rows
            for id in ids {
                #expect(rows.first { $0.staffId == id && $0.month == last }?.orderedMinutes == orders[id]?[last], "\(id)")
            }
            // an order confirmed later for last month: the aggregates follow
            let late = OvertimeOrderRow(id: UUID.timeOrdered(), municipalityId: city.muni.id, staffId: city.staffA2.id, departmentId: city.staffA2.departmentId,
                                        date: lastDays[3].iso, startMinute: 1035, endMinute: 1155, reason: "テスト", urgent: false, specialCase: false,
                                        specialReason: nil, orderedBy: city.approverA.id, orderedAtMs: nowMs())
            try await city.app.yakuba.writer.perform { _, sql in
                try await sql.insert(into: "overtime_orders").model(late, with: rowEncoder).run()
                return [LedgerDraft(municipalityId: city.muni.id, actorId: city.approverA.id, type: "overtime.ordered", subjectId: late.id.lowerText, fact: late)]
            }
            let after = try await city.app.yakuba.stats.rows(app: city.app, sql: city.app.db.sql, municipality: city.muni, tree: tree, months: [last], today: today).rows
            #expect(after.first { $0.staffId == city.staffA2.id && $0.month == last }?.orderedMinutes == 2 * 60 + 120)
            let manager = Browser(city.app)
            try await manager.login("M001")
            #expect(try await manager.get("/team").status == .ok)
            #expect(try await manager.get("/team?month=\(last.iso)").body.string.contains("<td>18:00</td>"), "last month's 18 hours, from the aggregates")
        }
    }

    @Test func requestsWaitingAreThoseWithoutARefusalAndShortOfTheirRoutesApprovals() async throws {
        try await withCity { city in
            func request(_ days: Int) async throws -> UUID { try await LeaveTests.placeRequest(city, staff: city.staffA2, date: LeaveTests.workDay(city, after: days)) }
            func decide(_ id: UUID, _ step: Int, _ outcome: String) async throws {
                let d = LeaveDecisionRow(id: UUID.timeOrdered(), requestId: id, step: step, outcome: outcome, decidedBy: city.approverA.id, onBehalfOf: nil,
                                         comment: "", decidedAtMs: nowMs())
                try await city.app.yakuba.writer.perform { _, sql in try await sql.insert(into: "leave_decisions").model(d, with: rowEncoder).run(); return [] }
            }
            _ = try await request(3)
            let approved = try await request(5), refused = try await request(7), withdrawn = try await request(9)
            try await decide(approved, 0, "approved"); try await decide(refused, 0, "rejected"); try await decide(withdrawn, -1, "withdrawn")
            let manager = Browser(city.app)
            try await manager.login("M001")
            #expect(try await manager.get("/team").body.string.contains("未処理の申請が1件あります"), "only the undecided one waits")
            // a two-step route for 人事課: one approval is no longer the end of it
            let steps = [ApprovalStep(label: "課長", approverIds: [city.approverA.id]), ApprovalStep(label: "人事", approverIds: [city.hr.id])]
            let route = ApprovalRouteRow(id: UUID(), municipalityId: city.muni.id, departmentId: city.deptA1.id, requestType: "leave",
                                         steps: String(decoding: try JSONEncoder().encode(steps), as: UTF8.self), setBy: city.hr.id, setAtMs: nowMs())
            try await city.app.yakuba.writer.perform { _, sql in try await sql.insert(into: "approval_routes").model(route, with: rowEncoder).run(); return [] }
            #expect(try await manager.get("/team").body.string.contains("未処理の申請が2件あります"), "the approved one waits for its second step")
        }
    }

    @Test func reportsWaitingAreThoseNeitherConfirmedNorCancelled() async throws {
        try await withCity { city in
            let month = YearMonth(CalendarDate(Date(), in: city.muni.zone))
            let days = month.days.filter { (1...5).contains($0.weekday) }
            func order(_ i: Int, _ kinds: [String]) async throws {
                let id = try await OvertimeTests.placeOrder(city, staff: city.staffA, date: days[i], start: 1035, end: 1095)
                for k in kinds {
                    let e = OvertimeEventRow(id: UUID.timeOrdered(), orderId: id, kind: k, startMinute: 1035, endMinute: 1095, note: "", actorId: city.staffA.id, atMs: nowMs())
                    try await city.app.yakuba.writer.perform { _, sql in try await sql.insert(into: "overtime_order_events").model(e, with: rowEncoder).run(); return [] }
                }
            }
            try await order(0, ["reported"]); try await order(1, ["reported"]); try await order(2, ["reported", "confirmed"])
            try await order(3, ["reported", "cancelled"]); try await order(4, [])
            let counts = try await OvertimeRepository.reportedCounts(city.app.db.sql, municipalityId: city.muni.id, staffIds: [city.staffA.id, city.staffB.id],
                                                                     from: month.first, to: month.last)
            #expect(counts == [city.staffA.id: 2])
            // the same as the orders' own status says
            let records = try await OvertimeRepository.orders(city.app.db.sql, municipalityId: city.muni.id, staffIds: [city.staffA.id], from: month.first, to: month.last)
            #expect(records.filter { $0.status == .reported }.count == 2)
        }
    }

    @Test func theManagerSeesWhoNeedsAttentionAndWhy() async throws {
        try await withCity { city in
            // S001 is ordered 4h on ten days of this month: 40h, 88% of the 自律部署's 45h
            let month = YearMonth(CalendarDate(Date(), in: city.muni.zone))
            for day in month.days.filter({ (1...5).contains($0.weekday) }).prefix(10) {
                _ = try await OvertimeTests.placeOrder(city, staff: city.staffA, date: day, start: 1035, end: 1275)
            }
            _ = try await LeaveTests.placeRequest(city, staff: city.staffA2, date: LeaveTests.workDay(city, after: 3))
            // the bulk reader counts the orders as the SQLKit path does
            let ids = [city.staffA.id, city.staffA2.id, city.staffB.id]
            let plain = try await OvertimeRepository.countedMinutes(city.app.db.sql, municipalityId: city.muni.id, staffIds: ids, month: month, rules: .national)
            if let path = city.app.yakuba.sqlitePath {
                let bulk = try await OvertimeRepository.countedMinutes(city.app.db.sql, municipalityId: city.muni.id, staffIds: ids, month: month, rules: .national, sqlitePath: path)
                #expect(bulk == plain && plain[city.staffA.id]?[month] == 2400)
            }
            let manager = Browser(city.app)
            try await manager.login("M001")
            let page = try await manager.get("/team")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("先に対応が必要な職員"))
            #expect(html.contains("上限「月45時間」の88%です（40時間）"), "the reason names the limit and the figure")
            #expect(html.contains("未処理の申請が1件あります"), "S002's leave request waits")
            #expect(html.contains(city.staffA.fullName) && html.contains(city.partTimeA.fullName))
            #expect(!html.contains(city.staffB.fullName), "another department's staff are not shown")
            // the most urgent first: S001 before S002
            let a = try #require(html.range(of: "（S001）")), b = try #require(html.range(of: "（S002）"))
            #expect(a.lowerBound < b.lowerBound)
            #expect(html.contains("<svg class=\"bar\""), "a bar against the monthly limit, with the figure beside it")

            // another department, an unknown one, a bad month
            var res = try await manager.get("/team?department=\(city.deptB.id)")
            #expect(res.status == .forbidden); #expect(res.body.string.contains("あなたの担当ではありません"))
            res = try await manager.get("/team?department=\(UUID())")
            #expect(res.status == .unprocessableEntity)
            res = try await manager.get("/team?department=x")
            #expect(res.status == .unprocessableEntity)
            res = try await manager.get("/team?month=2026-13")
            #expect(res.status == .unprocessableEntity)
            res = try await manager.get("/team?month=1999-01")
            #expect(res.status == .unprocessableEntity)
            #expect(try await manager.get("/team?lang=en").body.string.contains("Who needs attention first"))

            // HR chooses any department
            let hr = Browser(city.app)
            try await hr.login("H001")
            res = try await hr.get("/team?department=\(city.deptB.id)")
            #expect(res.status == .ok); #expect(res.body.string.contains(city.staffB.fullName))
        }
    }
}

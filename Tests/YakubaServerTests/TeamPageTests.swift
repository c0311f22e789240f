import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("The 所属長's team page (issue 5)", .serialized)
struct TeamPageTests {
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

import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("The holiday calendar page", .serialized)
struct CalendarPageTests {
    @Test func hrAddsAndRemovesClosedDaysClashesAreRefused() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            var page = try await hr.get("/calendar?year=2026")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("国民の休日"))       // 2026-09-22
            #expect(page.body.string.contains("年末年始"))
            // a day that is already a 休日 clashes
            var res = try await hr.post("/calendar/days", ["date": "2026-05-05", "label": "臨時閉庁", "year": "2026"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("すでに休日（こどもの日）です"))
            res = try await hr.post("/calendar/days", ["date": "2026-13-01", "label": "x"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("日付を正しく入力してください"))
            res = try await hr.post("/calendar/days", ["date": "2026-06-23", "label": ""])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("名称を30文字以内で"))
            // Okinawa's 慰霊の日 every year, and a one-off closure
            res = try await hr.post("/calendar/days", ["date": "2026-06-23", "label": "慰霊の日", "repeats": "1"])
            #expect(res.status == .seeOther)
            res = try await hr.post("/calendar/days", ["date": "2027-06-23", "label": "慰霊の日", "repeats": "1"])
            #expect(res.status == .unprocessableEntity)
            res = try await hr.post("/calendar/days", ["date": "2026-08-14", "label": "庁舎閉庁日"])
            #expect(res.status == .seeOther)
            let muni = try #require(try await MunicipalityRepository.find(city.app.db.sql, id: city.muni.id))
            #expect(muni.holidays.holidayName(CalendarDate(year: 2030, month: 6, day: 23)!) == "慰霊の日")
            #expect(muni.holidays.holidayName(CalendarDate(year: 2026, month: 8, day: 14)!) == "庁舎閉庁日")
            #expect(muni.holidays.holidayName(CalendarDate(year: 2027, month: 8, day: 14)!) == nil)
            // the book shows it as a 休日
            let book = try await hr.get("/books/\(city.staffA.id)?month=2026-08")
            #expect(book.body.string.contains("庁舎閉庁日"))
            // staff see the calendar but cannot change it
            let staff = Browser(city.app)
            try await staff.login("S001")
            page = try await staff.get("/calendar?year=2026")
            #expect(page.body.string.contains("庁舎閉庁日") && !page.body.string.contains("/calendar/days/remove"))
            #expect(try await staff.post("/calendar/days", ["date": "2026-08-13", "label": "x"]).status == .forbidden)
            // remove
            res = try await hr.post("/calendar/days/remove", ["key": "once:2026-08-14", "year": "2026"])
            #expect(res.status == .seeOther)
            #expect(try await hr.post("/calendar/days/remove", ["key": "once:2026-08-14"]).status == .notFound)
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.filter { $0 == "municipality.holidays_updated" }.count == 3)
        }
    }
}

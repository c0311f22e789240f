import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("Staff schedules that do not add up are refused", .serialized)
struct ScheduleFormTests {
    @Test func weeksMustFitTheAppointment() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/staff/new")
            var form = ["staff_number": "S900", "family_name": "試験", "given_name": "花子", "family_kana": "シケン", "given_kana": "ハナコ",
                        "employment_type": "regular", "department": city.deptA1.id.uuidString, "weekdays": "月火水木金",
                        "start": "8:30", "end": "17:00", "break_minutes": "60", "start_date": "2026-04-01"]
            var res = try await hr.post("/admin/staff", form)   // 7h30m × 5 = 37h30m for a 常勤
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("常勤の勤務時間は週38:45です（この割振りは週37:30）"))
            form["employment_type"] = "reappointedShortTime"  // 再任用短時間: 37h30m is over 31h
            res = try await hr.post("/admin/staff", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("週15:30〜31:00"))
            form["employment_type"] = "fiscalYearPartTime"; form["start"] = "9:00"; form["end"] = "16:00"; form["break_minutes"] = "0"
            res = try await hr.post("/admin/staff", form)       // 7h without a break
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("休憩が45分以上必要です"))
            form["break_minutes"] = "60"
            res = try await hr.post("/admin/staff", form)
            #expect(res.status == .seeOther)
        }
    }
}

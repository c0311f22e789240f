import Foundation
import Testing
import Vapor
import VaporTesting
@testable import YakubaServer
import YakubaCore

@Suite("Corrections: request, approval, the book")
struct CorrectionTests {
    /// Yesterday's date in the municipality's zone, and a clock-in at 8:30 made by proxy for it.
    func forgottenClockOut(_ city: TestCity) async throws -> CalendarDate {
        let zone = city.muni.zone
        var day = CalendarDate(Date(), in: zone).adding(days: -1)
        // a day whose session is already a forgotten clock-out (open for over 20 hours): just after midnight, not yesterday
        while day.weekday == 0 || day.weekday == 6 || JapaneseHolidays.name(of: day) != nil
                || Date().timeIntervalSince(day.instant(atMinute: 510, in: zone)) < 21 * 3600 { day = day.adding(days: -1) }
        let cmd = PunchCommand(staffId: city.staffA.id, municipalityId: city.muni.id, kind: .clockIn, place: "本庁舎", deviceAt: nil, source: .selfService,
                               recordedBy: city.staffA.id, idempotencyKey: nil, at: day.instant(atMinute: 510, in: zone))
        guard case .created = try await city.app.yakuba.writer.punch(cmd) else { Issue.record("seed punch refused"); return day }
        return day
    }

    @Test func forgottenClockOutIsCorrectedAndApproved() async throws {
        try await withCity { city in
            let day = try await forgottenClockOut(city)
            let staff = Browser(city.app)
            try await staff.login("S001")
            let before = try await staff.get("/books/\(city.staffA.id)?month=\(YearMonth(day).iso)")
            #expect(before.body.string.contains("退勤打刻なし"))
            try await staff.get("/corrections/new")
            let res = try await staff.post("/corrections", ["action": "add", "kind": "out", "date": day.iso, "time": "17:40", "reason": "退勤の打刻を忘れたため"])
            #expect(res.status == .seeOther)
            // nobody approves their own request: the staff member has no approver role, and even HR cannot approve its own
            let pending = try await CorrectionRepository.list(city.app.db.sql, staffIds: [city.staffA.id], municipalityId: city.muni.id, pendingOnly: true, limit: 10)
            let c = try #require(pending.first)
            #expect(try await staff.post("/corrections/\(c.id)/decision", ["decision": "approve"]).status == .forbidden)
            let other = Browser(city.app)
            try await other.login("S101")
            try await other.get("/corrections")
            #expect(try await other.post("/corrections/\(c.id)/decision", ["decision": "approve"]).status == .forbidden)

            let manager = Browser(city.app)
            try await manager.login("M001")
            let list = try await manager.get("/corrections")
            #expect(list.body.string.contains("退勤の打刻を忘れたため"))
            // the 所属長 is told, inside Yakuba; a colleague is not
            #expect(list.body.string.contains("（未読1件）"))
            #expect(try await manager.get("/notifications").body.string.contains("職員 太郎さんから打刻修正の申請があります（\(showDate(day, .ja))、追加）"))
            #expect(!(try await other.get("/notifications").body.string.contains("打刻修正の申請")))
            let reject = try await manager.post("/corrections/\(c.id)/decision", ["decision": "reject", "comment": ""])
            #expect(reject.status == .unprocessableEntity, "a rejection needs a comment")
            #expect(try await manager.post("/corrections/\(c.id)/decision", ["decision": "approve", "comment": "確認しました"]).status == .seeOther)
            #expect(try await manager.post("/corrections/\(c.id)/decision", ["decision": "reject", "comment": "やはり"]).status == .conflict)
            // and the person is told of the decision
            #expect(try await staff.get("/notifications").body.string.contains("打刻修正が承認されました（\(showDate(day, .ja))）：確認しました"))

            let after = try await staff.get("/books/\(city.staffA.id)?month=\(YearMonth(day).iso)").body.string
            #expect(!after.contains("退勤打刻なし"))
            #expect(after.contains("修正あり"))
            #expect(after.contains("17:40"))
            // the original punch is still there, untouched; the correction is a fact of its own
            let raw = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(raw.count == 1)
            let t = try await token(city, city.staffA)
            let days = try decodeJSON(try await api(city.app, .GET, "/api/v1/days?month=\(YearMonth(day).iso)", token: t), as: DaysJSON.self)
            let d = try #require(days.days.first { $0.date == day.iso })
            #expect(d.worked_minutes == 17 * 60 + 40 - 510 - 60)
            #expect(d.flags.contains("corrected"))
        }
    }

    @Test func badCorrectionsAreRejectedNextToTheField() async throws {
        try await withCity { city in
            let day = try await forgottenClockOut(city)
            let staff = Browser(city.app)
            try await staff.login("S001")
            try await staff.get("/corrections/new")
            let tomorrow = CalendarDate(Date(), in: city.muni.zone).adding(days: 1)
            let cases: [([String: String], String)] = [
                (["action": "add", "kind": "out", "date": day.iso, "time": "07:00", "reason": "x"], "打刻の順序"),   // clock-out before the clock-in
                (["action": "add", "kind": "out", "date": tomorrow.iso, "time": "17:00", "reason": "x"], "未来"),
                (["action": "add", "kind": "out", "date": "2025-02-30", "time": "17:00", "reason": "x"], "日付を正しく"),
                (["action": "add", "kind": "out", "date": day.iso, "time": "25:99", "reason": "x"], "時刻を正しく"),
                (["action": "add", "kind": "out", "date": day.iso, "time": "17:00", "reason": "  "], "理由を入力"),
                (["action": "replace", "kind": "in", "date": day.iso, "time": "08:00", "reason": "x", "target": UUID().uuidString], "見つかりません"),
            ]
            for (form, message) in cases {
                let res = try await staff.post("/corrections", form)
                #expect(res.status == .unprocessableEntity, "\(form)")
                #expect(res.body.string.contains(message), "\(form) should say \(message)")
                #expect(res.body.string.contains("aria-invalid=\"true\""))
            }
            // someone else's punch is 'not found', whoever asks
            let t = try await token(city, city.staffB)
            let theirs = try decodeJSON(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#), as: PunchJSON.self)
            let res = try await staff.post("/corrections", ["action": "void", "target": theirs.id.uuidString, "reason": "x"])
            #expect(res.status == .unprocessableEntity)
            let count = try await CorrectionRepository.list(city.app.db.sql, staffIds: nil, municipalityId: city.muni.id, pendingOnly: false, limit: 100).count
            #expect(count == 0)
        }
    }
}

import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("Attendance books, exports, ledger, today")
struct BookTests {
    @Test func csvExportsInUTF8WithBOMAndShiftJIS() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#).status == .created)
            let b = Browser(city.app)
            try await b.login("S001")
            let utf = try await b.get("/books/\(city.staffA.id)/csv?encoding=utf8")
            #expect(utf.status == .ok)
            let bytes = Array(utf.body.readableBytesView)
            #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF])
            #expect(utf.headers.first(name: .contentDisposition)?.contains("attachment") == true)
            let sjis = try await b.get("/books/\(city.staffA.id)/csv?encoding=sjis")
            let decoded = try #require(JapaneseTextEncoding.decode(Array(sjis.body.readableBytesView)))
            #expect(decoded.encoding == "Shift_JIS")
            #expect(decoded.text.hasPrefix("職員番号,氏名,日付,和暦"))
            #expect(decoded.text.contains("令和"))
            #expect(try await b.get("/books/\(city.staffA.id)/csv?encoding=ebcdic").status == .unprocessableEntity)
            #expect(try await b.get("/books/\(city.staffA.id)?month=2025-13").status == .unprocessableEntity)
        }
    }

    @Test func bookAndPrintViewShowJapaneseDates() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.login("H001")
            let page = try await b.get("/books/\(city.partTimeA.id)?month=2025-04")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("令和7年4月1日(火)"))
            #expect(html.contains("昭和の日"))
            #expect(html.contains("<th scope=\"col\">"))
            #expect(try await b.get("/books/\(city.partTimeA.id)/print?month=2025-04").status == .ok)
            let en = try await b.get("/books/\(city.partTimeA.id)?month=2025-04&lang=en")
            #expect(en.body.string.contains("Attendance book"))
        }
    }

    @Test func storedTextIsEscapedOnPages() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.login("S001")
            try await b.get("/tokens")
            #expect(try await b.post("/tokens", ["name": "<script>alert(1)</script>\"'"]).status == .created)
            let page = try await b.get("/tokens").body.string
            #expect(!page.contains("<script>alert(1)"))
            #expect(page.contains("&lt;script&gt;"))
        }
    }

    @Test func ledgerVerifiesAndDetectsTampering() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#).status == .created)
            let sql = city.app.db.sql
            let rows = try await sql.select().column("*").from("ledger").orderBy("seq").all(decoding: LedgerRow.self, with: rowDecoder)
            #expect(rows.count > 10)
            #expect(try Ledger.verify(rows.map(\.entry)).get() == Int64(rows.count))
            // alter one payload in place
            try await sql.update("ledger").set("payload", to: SQLBind("{}")).where("seq", .equal, SQLBind(Int64(5))).run()
            let tampered = try await sql.select().column("*").from("ledger").orderBy("seq").all(decoding: LedgerRow.self, with: rowDecoder)
            guard case .failure(let f) = Ledger.verify(tampered.map(\.entry)) else { Issue.record("tampering not detected"); return }
            #expect(f.seq == 5)
        }
    }

    @Test func todayShowsWhoIsIn() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in","place":"在宅"}"#).status == .created)
            let b = Browser(city.app)
            try await b.login("M001")
            let html = try await b.get("/today").body.string
            #expect(html.contains("在宅・サテライト"))
            #expect(html.contains("職員 太郎"))
            #expect(!html.contains("他部"))
        }
    }

    @Test func departmentsAndStaffFormsValidate() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/departments")
            let bad = try await hr.post("/admin/departments", ["code": "", "name": "", "parent": UUID().uuidString])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("コードを20文字以内"))
            #expect(try await hr.post("/admin/departments", ["code": "0102", "name": "職員課", "parent": city.deptA.id.uuidString]).status == .seeOther)
            #expect(try await hr.post("/admin/departments", ["code": "0102", "name": "重複", "parent": ""]).status == .unprocessableEntity)
            try await hr.get("/admin/staff/new")
            let badStaff = try await hr.post("/admin/staff", ["staff_number": "S001", "family_name": "", "given_name": "x", "family_kana": "ひらがな", "given_kana": "カナ",
                                                              "employment_type": "boss", "department": "", "weekdays": "月火", "start": "9:00", "end": "8:00",
                                                              "break_minutes": "60", "start_date": "2025-02-30"])
            #expect(badStaff.status == .unprocessableEntity)
            let html = badStaff.body.string
            for m in ["すでに使われています", "入力してください", "カタカナで", "雇用形態を選んで", "所属を選んで", "終業を始業より後", "YYYY-MM-DD"] {
                #expect(html.contains(m), "missing: \(m)")
            }
        }
    }
}

@Suite("Roster import and proxy punches")
struct ImportAndProxyTests {
    func upload(_ b: Browser, _ bytes: [UInt8]) async throws -> TestingHTTPResponse {
        let boundary = "----yakuba\(UUID().uuidString)"
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(b.csrf ?? "")\r\n")
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"staff.csv\"\r\nContent-Type: text/csv\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        var h: HTTPHeaders = [:]
        h.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        h.replaceOrAdd(name: .accept, value: "text/html")
        if let c = b.cookie { h.replaceOrAdd(name: .cookie, value: c) }
        let res = try await b.app.testing().sendRequest(.POST, "/admin/import", headers: h, body: body)
        b.absorb(res)
        return res
    }

    @Test func aShiftJISRosterImportsAllOrNothing() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/import")
            let header = "職員番号,姓,名,姓カナ,名カナ,雇用形態,所属コード,職名,勤務曜日,始業,終業,休憩,任用開始日,役割\r\n"
            let bad = header + "T001,髙橋,一郎,タカハシ,イチロウ,常勤,0101,主事,月-金,8:30,17:15,60,2025-04-01,\r\nT002,山﨑,二郎,ヤマザキ,ジロウ,常勤,0101,主事,月-金,8:30,17:15,60,2025-13-01,\r\n"
            let res = try await upload(hr, try JapaneseTextEncoding.encode(bad, as: .shiftJIS))
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("任用開始日"))
            #expect(try await StaffRepository.find(city.app.db.sql, municipalityId: city.muni.id, staffNumber: "T001") == nil, "nothing is imported when a row is wrong")
            let good = header + "T001,髙橋,一郎,タカハシ,イチロウ,常勤,0101,主事,月-金,8:30,17:15,60,2025-04-01,\r\nT002,山﨑,二郎,ヤマザキ,ジロウ,会計年度パートタイム,02,,月水金,9:00,16:00,60,2025-04-01,所属長\r\n"
            let ok = try await upload(hr, try JapaneseTextEncoding.encode(good, as: .shiftJIS))
            #expect(ok.status == .seeOther)
            let t2 = try #require(try await StaffRepository.find(city.app.db.sql, municipalityId: city.muni.id, staffNumber: "T002"))
            #expect(t2.familyName == "山﨑")
            #expect(t2.employment == .fiscalYearPartTime)
            #expect(try await StaffRepository.approverDepartments(city.app.db.sql, staffId: t2.id) == [city.deptB.id])
            // imported staff sign in once HR issues a one-time password
            #expect(try await Browser(city.app).login("T002", "anything-at-all").status == .unauthorized)
            try await hr.get("/admin/staff")
            #expect(try await hr.post("/admin/staff/\(t2.id.uuidString)/password", [:]).status == .seeOther)
            let list = try await hr.get("/admin/staff").body.string
            let pw = try #require(list.range(of: "初回パスワード：").map { String(list[$0.upperBound...].prefix(16)) })
            #expect(try await Browser(city.app).login("T002", pw).location == "/password")
            // an empty upload and a non-text file are refused with a message
            #expect(try await upload(hr, []).status == .unprocessableEntity)
            #expect(try await upload(hr, [0xFF, 0xFE, 0x00, 0x81, 0x00]).status == .unprocessableEntity)
        }
    }

    @Test func managersPunchOnBehalfAndItIsMarked() async throws {
        try await withCity { city in
            let zone = city.muni.zone
            let now = Date()
            let today = CalendarDate(now, in: zone)
            let minute = max(0, Int(now.timeIntervalSince(today.instant(atMinute: 0, in: zone)) / 60) - 5)
            let m = Browser(city.app)
            try await m.login("M001")
            try await m.get("/books/\(city.staffA.id)")
            let time = String(format: "%02d:%02d", minute / 60, minute % 60)
            let res = try await m.post("/books/\(city.staffA.id)/proxy-punch", ["kind": "in", "date": today.iso, "time": time, "place": "本庁舎", "reason": "端末故障のため"])
            #expect(res.status == .seeOther)
            let rows = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(rows.count == 1)
            #expect(rows.first?.source == "proxy")
            #expect(rows.first?.recordedBy == city.approverA.id)
            #expect(rows.first?.note == "端末故障のため")
            let book = try await m.get("/books/\(city.staffA.id)").body.string
            #expect(book.contains("代理打刻"))
            // not for oneself, not outside one's departments, not a week ago, not without a reason
            try await m.get("/books/\(city.approverA.id)")
            #expect(try await m.post("/books/\(city.approverA.id)/proxy-punch", ["kind": "in", "date": today.iso, "time": "08:00", "place": "本庁舎", "reason": "x"]).status == .forbidden)
            #expect(try await m.post("/books/\(city.staffB.id)/proxy-punch", ["kind": "in", "date": today.iso, "time": "08:00", "place": "本庁舎", "reason": "x"]).status == .notFound)
            let old = try await m.post("/books/\(city.staffA2.id)/proxy-punch", ["kind": "in", "date": today.adding(days: -7).iso, "time": "08:00", "place": "本庁舎", "reason": ""])
            #expect(old.status == .unprocessableEntity)
            #expect(old.body.string.contains("本日か前日"))
            #expect(old.body.string.contains("理由を500文字以内"))
        }
    }
}

@Suite("Roster edits and municipality settings")
struct RosterEditTests {
    @Test func hrMovesAndRetiresAPerson() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            let hr = Browser(city.app)
            try await hr.login("H001")
            let form = try await hr.get("/admin/staff/\(city.staffA.id)/edit")
            #expect(form.body.string.contains("value=\"テスト\""))
            var fields = ["family_name": "職員", "given_name": "太郎", "family_kana": "テスト", "given_kana": "タロウ", "employment_type": "fiscalYearPartTime",
                          "department": city.deptB.id.uuidString, "position": "会計年度任用職員", "weekdays": "月水金", "start": "9:00", "end": "16:00",
                          "break_minutes": "60", "start_date": "2025-04-01", "active": "1"]
            #expect(try await hr.post("/admin/staff/\(city.staffA.id)", fields).status == .seeOther)
            let moved = try #require(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id))
            #expect(moved.departmentId == city.deptB.id)
            #expect(moved.weeklySchedule.workingWeekdays == [1, 3, 5])
            // the manager of 総務部 no longer sees the person
            let m = Browser(city.app)
            try await m.login("M001")
            #expect(try await m.get("/books/\(city.staffA.id)").status == .notFound)
            fields["active"] = nil
            #expect(try await hr.post("/admin/staff/\(city.staffA.id)", fields).status == .seeOther)
            #expect(try await api(city.app, .GET, "/api/v1/me", token: t).status == .unauthorized, "a retired person's tokens stop working")
            #expect(try await Browser(city.app).login("S001").status == .unauthorized)
            let ledger = try await city.app.db.sql.select().column("type").from("ledger").where("subject_id", .equal, city.staffA.id.uuidString.lowercased())
                .all(decodingColumn: "type", as: String.self)
            // the new hours (月水金 from today) are a dated assignment, recorded with the hours the person had until then
            #expect(ledger == ["staff.created", "staff.updated", "staff.schedule_assigned", "staff.schedule_assigned", "staff.updated"])
            fields["family_kana"] = "ひらがな"
            #expect(try await hr.post("/admin/staff/\(city.staffA2.id)", fields).status == .unprocessableEntity)
        }
    }

    @Test func newHoursApplyFromTheirDateAndTheDaysBeforeKeepTheirs() async throws {
        // 勤務時間の割振りの変更 from a date (work-rules §1): the book of a month keeps 8:30 before the date and shows
        // 9:00 from it; a date before the appointment, a bad date, or one in a closed month is refused beside the field.
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            let zone = city.muni.zone
            let month = YearMonth(CalendarDate(Date(), in: zone))
            let from = month.first.adding(days: 14)
            var fields = ["family_name": "職員", "given_name": "太郎", "family_kana": "テスト", "given_kana": "タロウ", "employment_type": "regular",
                          "department": city.deptA1.id.uuidString, "position": "主事", "weekdays": "月火水木金", "start": "9:00", "end": "17:45",
                          "break_minutes": "60", "start_date": "2020-04-01", "active": "1", "schedule_from": "2019-04-01"]
            #expect(try await hr.get("/admin/staff/\(city.staffA.id)/edit").body.string.contains("勤務時間の適用開始日"))
            var res = try await hr.post("/admin/staff/\(city.staffA.id)", fields)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("任用開始日（2020-04-01）以降の日にしてください"))
            fields["schedule_from"] = "来月から"
            res = try await hr.post("/admin/staff/\(city.staffA.id)", fields)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("適用開始日を YYYY-MM-DD で入力してください"))
            // a closed month cannot change under its frozen figures
            let closed = month.first.adding(days: -1)
            try await city.app.db.sql.insert(into: "monthly_closes").model(
                CloseEventRow(id: UUID(), municipalityId: city.muni.id, month: YearMonth(closed).iso, departmentId: nil, action: "closed", reason: "",
                              staffCount: 0, actorId: city.hr.id, atMs: nowMs()), with: rowEncoder).run()
            fields["schedule_from"] = closed.iso
            res = try await hr.post("/admin/staff/\(city.staffA.id)", fields)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("\(YearMonth(closed).iso) は締め済みです"))
            #expect(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id)?.weeklySchedule == .standard, "nothing saved")

            fields["schedule_from"] = from.iso
            #expect(try await hr.post("/admin/staff/\(city.staffA.id)", fields).status == .seeOther)
            let staff = try #require(try await StaffRepository.find(city.app.db.sql, id: city.staffA.id))
            let book = try await BookService.books(city.app.db.sql, municipality: city.muni, staff: [staff], month: month)[0]
            for d in book.days where d.kind.isWorkDay {
                #expect(d.schedule?.start == (d.date < from ? 510 : 540), "\(d.date.iso)")
            }
            // two weeks on each side of the date: work days under both schedules are checked
            #expect(book.days.contains { $0.date < from && $0.kind.isWorkDay } && book.days.contains { $0.date >= from && $0.kind.isWorkDay })
            // the book says when the hours changed
            #expect(book.weeks.map(\.from) == [month.first, from])
            let page = try await hr.get("/books/\(city.staffA.id)?month=\(month.iso)").body.string
            #expect(page.contains("\(showDate(from, .ja))から 38:45（月火水木金）"))
            // the edit form now shows the new hours
            #expect(try await hr.get("/admin/staff/\(city.staffA.id)/edit").body.string.contains("value=\"9:00\""))
            // saving again without a change of hours adds no assignment
            #expect(try await hr.post("/admin/staff/\(city.staffA.id)", fields).status == .seeOther)
            let assignments = try await ScheduleRepository.assignments(city.app.db.sql, staffIds: [city.staffA.id])[city.staffA.id] ?? []
            #expect(assignments.map(\.from) == [CalendarDate(iso: "2020-04-01")!, from])
        }
    }

    @Test func adminSetsTheMunicipality() async throws {
        try await withCity { city in
            let a = Browser(city.app)
            try await a.login("A001")
            try await a.get("/admin/municipality")
            let bad = try await a.post("/admin/municipality", ["code": "172066", "name": "", "places": ""])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("検査数字"))
            #expect(try await a.post("/admin/municipality", ["code": "131016", "name": "x", "places": "本庁舎"]).status == .unprocessableEntity, "another municipality has that code")
            #expect(try await a.post("/admin/municipality", ["code": "172065", "name": "加賀市", "places": "本庁舎\n支所\n在宅"]).status == .seeOther)
            let t = try await token(city, city.staffA)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in","place":"支所"}"#).status == .created)
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/admin/municipality").status == .forbidden)
        }
    }
}

@Suite("HTML pieces")
struct HTMLPieceTests {
    @Test func aScrollingTableIsAFocusableNamedRegion() {
        let html = el("div", tableRegion("日ごとの勤務"), el("table")).render()
        #expect(html == #"<div class="table-wrap" role="region" aria-label="日ごとの勤務" tabindex="0"><table></table></div>"#)
    }
}

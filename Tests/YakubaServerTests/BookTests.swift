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

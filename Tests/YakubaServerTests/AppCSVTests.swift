import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaApps

/// Records as CSV (issue 6): export a view, change it in Excel, import it back (Shift_JIS or UTF-8); a wrong column or
/// a wrong row imports nothing and says where and why.
@Suite("App records as CSV", .serialized)
struct AppCSVTests {
    static func upload(_ b: Browser, _ path: String, _ bytes: [UInt8]) async throws -> TestingHTTPResponse {
        try await b.get(path)
        return try await b.postMultipart(path, [], files: [("file", "records.csv", "text/csv", bytes)])
    }

    static func sjis(_ s: String) throws -> [UInt8] { try JapaneseTextEncoding.encode(s, as: .shiftJIS) }

    func count(_ city: TestCity) async throws -> Int {
        try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM app_records r JOIN apps a ON a.id = r.app_id WHERE a.code = 'equipment_loans'").first()!.decode(column: "n", as: Int.self)
    }

    @Test func aRegisterGoesOutToExcelAndComesBackChanged() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/apps/build")
            #expect(try await admin.post("/apps/build", AppPageTests.loans).status == .seeOther)
            #expect(try await admin.get("/apps/equipment_loans/csv").body.string.contains("レコード番号、ステータス、作業者、機器、借りる人、貸出日、返却予定日、貸出日数"))

            // three loans typed in Excel, saved as Shift_JIS; the calculated column is left as Excel had it
            let file = "機器,借りる人,貸出日,返却予定日,貸出日数\r\nノートPC 1号,S001,2026/12/1,2026/12/8,\r\nプロジェクター,S002,2026-12-02,,\r\n\r\n髙橋さんのタブレット,S101,2026/12/3,2026/12/4,99\r\n"
            let done = try await Self.upload(admin, "/apps/equipment_loans/csv", try Self.sjis(file))
            #expect(done.status == .seeOther, "\(done.body.string.prefix(2000))")
            #expect(try await admin.get("/apps/equipment_loans").body.string.contains("CSV を読み込みました（追加 3件、変更 0件）"))
            #expect(try await count(city) == 3)

            // out again: numbers, people as staff numbers, the calculated days; in Shift_JIS for Excel
            let out = try await admin.get("/apps/equipment_loans/records.csv?view=&encoding=sjis")
            #expect(out.status == .ok && out.headers.contentType?.description.contains("Shift_JIS") == true)
            let text = JapaneseTextEncoding.decode(Array(out.body.readableBytesView))!.text
            let rows = try CSV.parse(text)
            #expect(rows[0].prefix(8) == ["レコード番号", "ステータス", "作業者", "機器", "借りる人", "貸出日", "返却予定日", "貸出日数"])
            let first = try #require(rows.first { $0[3] == "ノートPC 1号" })
            #expect(first[1] == "申請" && first[4] == "S001" && first[5] == "2026-12-01" && first[7] == "7")
            let tablet = try #require(rows.first { $0[3] == "髙橋さんのタブレット" })
            #expect(tablet[7] == "1", "the file's 99 was ignored: the days are calculated")

            // one due date changed in Excel, the rest as exported: one record changes, with its history
            let changed = rows.map { r in r[3] == "ノートPC 1号" ? r.enumerated().map { $0.offset == 6 ? "2026/12/15" : $0.element } : r }
            let again = try await Self.upload(admin, "/apps/equipment_loans/csv", Array(CSV.write(changed).utf8))
            #expect(again.status == .seeOther, "\(again.body.string.prefix(2000))")
            #expect(try await admin.get("/apps/equipment_loans").body.string.contains("追加 0件、変更 1件"))
            let id = try await city.app.db.sql.raw("SELECT r.id FROM app_records r WHERE r.number = \(bind: Int(first[0])!) AND r.app_id = (SELECT id FROM apps WHERE code = 'equipment_loans')").first()!.decode(column: "id", as: String.self)
            let page = try await admin.get("/apps/equipment_loans/records/\(id)")
            #expect(page.body.string.contains("14 日"), "recalculated from the new date")
            #expect(try await count(city) == 3)
            let entries = try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM ledger WHERE type = 'app_record.updated'").first()!.decode(column: "n", as: Int.self)
            #expect(entries == 1, "unchanged rows write nothing")

            // the list's filter narrows the export; a filter that does not parse is a 422
            let filtered = try await admin.get("/apps/equipment_loans/records.csv?q=" + "item like \"PC\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(try CSV.parse(JapaneseTextEncoding.decode(Array(filtered.body.readableBytesView))!.text).count == 2)
            #expect(try await admin.get("/apps/equipment_loans/records.csv?q=item%20%3E").status == .unprocessableEntity)
            #expect(try await admin.get("/apps/equipment_loans/records.csv?encoding=latin1").status == .unprocessableEntity)
        }
    }

    @Test func aWrongColumnOrRowImportsNothingAndSaysWhere() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/apps/build")
            #expect(try await admin.post("/apps/build", AppPageTests.loans).status == .seeOther)
            let path = "/apps/equipment_loans/csv"

            let column = try await Self.upload(admin, path, Array("機器,借りる人,貸出日,色\nPC,S001,2026-12-01,赤\n".utf8))
            #expect(column.status == .unprocessableEntity)
            #expect(column.body.string.contains("列「色」はこのアプリにありません"))
            #expect(column.body.string.contains("何も取り込みませんでした"))

            let missing = try await Self.upload(admin, path, Array("機器,貸出日\nPC,2026-12-01\n".utf8))
            #expect(missing.body.string.contains("必須の項目「借りる人」の列がありません"))

            // rows 2 and 4 are fine, 3 and 5 are not: nothing is added, and each problem names its row and column
            let rows = "機器,借りる人,貸出日\nPC,S001,2026-12-01\n,X999,2026-02-30\nタブレット,S002,2026-12-02\n\"プロジェクター\",S001,あした\n"
            let bad = try await Self.upload(admin, path, Array(rows.utf8))
            #expect(bad.status == .unprocessableEntity)
            let html = bad.body.string
            #expect(html.contains("3件の誤り") || html.contains("4件の誤り"), "\(html.prefix(3000))")
            #expect(html.contains("<th scope=\"row\">3</th><td>機器</td>"), "row 3: 機器 is required")
            #expect(html.contains("職員番号「X999」の職員が見つかりません"))
            #expect(html.contains("<th scope=\"row\">5</th><td>貸出日</td><td>あした</td>"))
            #expect(try await count(city) == 0, "all or nothing")

            // record numbers: unknown, repeated, not a number
            let numbers = "レコード番号,機器\n7,PC\n1x,PC\n"
            let n = try await Self.upload(admin, path, Array(numbers.utf8))
            #expect(n.status == .unprocessableEntity)
            #expect(n.body.string.contains("レコード番号 7 のレコードが見つからないか"))
            #expect(n.body.string.contains("レコード番号は数字で入れてください"))

            #expect(try await Self.upload(admin, path, [0x82, 0xA0, 0xFF, 0xFF, 0x00]).body.string.contains("文字コードを読み取れません"))
            #expect(try await Self.upload(admin, path, Array("機器,借りる人,貸出日\n\"PC,S001\n".utf8)).body.string.contains("閉じていない引用符"))
            #expect(try await Self.upload(admin, path, Array("機器,借りる人,貸出日\n".utf8)).body.string.contains("データの行がありません"))
            #expect(try await count(city) == 0)
        }
    }

    @Test func onlyThoseGivenImportAndExportMayUseThem() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/apps/build")
            #expect(try await admin.post("/apps/build", AppPageTests.loans).status == .seeOther)
            let staff = Browser(city.app)
            try await staff.login(city.staffA.staffNumber)
            #expect(try await staff.get("/apps/equipment_loans/csv").status == .forbidden)
            #expect(try await staff.get("/apps/equipment_loans/records.csv").status == .forbidden)
            #expect(!(try await staff.get("/apps/equipment_loans").body.string.contains("/csv\"")), "no link to what they may not use")
            try await staff.get("/apps/equipment_loans")
            #expect(try await Self.upload(staff, "/apps/equipment_loans/csv", Array("機器,借りる人,貸出日\nPC,S001,2026-12-01\n".utf8)).status == .forbidden)
            #expect(try await count(city) == 0)
        }
    }
}

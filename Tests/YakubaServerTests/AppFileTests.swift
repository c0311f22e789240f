import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaApps

/// Attachments (issue 6): a file goes in with its record (one transaction), comes out only through a record the caller
/// may see, and a file too big or of the wrong kind is refused beside its field with nothing saved.
@Suite("App attachments", .serialized)
struct AppFileTests {
    static let pdf = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".utf8)

    static func post(_ b: Browser, _ path: String, _ pairs: [(String, String)], files: [(String, String, [UInt8])]) async throws -> TestingHTTPResponse {
        try await b.postMultipart(path, pairs, files: files.map { ($0.0, $0.1, "application/octet-stream", $0.2) })
    }

    func counts(_ city: TestCity) async throws -> (records: Int, files: Int) {
        let r = try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM app_records").first()!.decode(column: "n", as: Int.self)
        let f = try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM app_files").first()!.decode(column: "n", as: Int.self)
        return (r, f)
    }

    @Test func aFileGoesInWithItsRecordAndComesOutOnlyThroughIt() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/apps/build")
            var loans = AppPageTests.loans
            loans["fields.count"] = "6"
            loans["fields.5.label"] = "貸出票"; loans["fields.5.code"] = "slip"; loans["fields.5.type"] = "attachment"; loans["fields.5.maxMB"] = "0.001"
            let built = try await admin.post("/apps/build", loans)
            #expect(built.status == .seeOther, "\(built.body.string.prefix(2000))")

            let staff = Browser(city.app)
            try await staff.login(city.staffA.staffNumber)
            let form = try await staff.get("/apps/equipment_loans/records/new")
            #expect(form.body.string.contains("enctype=\"multipart/form-data\"") && form.body.string.contains("type=\"file\""))
            #expect(form.body.string.contains("1 KBまで"))
            let fields: [(String, String)] = [("__f_item", "1"), ("item", "ノートPC 3号"), ("__f_borrower", "1"), ("borrower", "S001"), ("__f_out_on", "1"), ("out_on", "2026-12-03"), ("__f_slip", "1")]

            // too big, the wrong kind: refused beside the field, nothing saved
            let big = try await Self.post(staff, "/apps/equipment_loans/records", fields, files: [("slip", "slip.pdf", Self.pdf + Array(repeating: 32, count: 2000))])
            #expect(big.status == .unprocessableEntity && big.body.string.contains("「slip.pdf」は2 KBです。「貸出票」に添付できるのは1 KBまでです"))
            #expect(!big.body.string.contains("職員が見つかりません"), "the other fields are read as on saving: S001 is a staff number")
            let exe = try await Self.post(staff, "/apps/equipment_loans/records", fields, files: [("slip", "slip.pdf", Array("MZ\u{90}\u{0}".utf8))])
            #expect(exe.status == .unprocessableEntity && exe.body.string.contains("添付できない種類"))
            // a good file with another field wrong: nothing saved, and the form says to choose the file again
            let other = try await Self.post(staff, "/apps/equipment_loans/records", fields.filter { $0.0 != "item" } + [("item", "")], files: [("slip", "slip.pdf", Self.pdf)])
            #expect(other.status == .unprocessableEntity && other.body.string.contains("もう一度選んでください"))
            #expect(try await counts(city) == (0, 0))

            let saved = try await Self.post(staff, "/apps/equipment_loans/records", fields, files: [("slip", "貸出票 12月.pdf", Self.pdf)])
            #expect(saved.status == .seeOther, "\(saved.body.string.prefix(2000))")
            #expect(try await counts(city) == (1, 1))
            let recordPath = saved.location ?? ""
            let page = try await staff.get(recordPath).body.string
            let href = try #require(page.range(of: "/apps/equipment_loans/files/").map { String(page[$0.lowerBound...].prefix(while: { $0 != "\"" })) })
            let file = try await staff.get(href)
            #expect(file.status == .ok && Array(file.body.readableBytesView) == Self.pdf)
            #expect(file.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(file.headers.first(name: .contentDisposition)?.contains("filename*=UTF-8''%E8%B2%B8") == true)
            #expect(file.headers.first(name: "X-Content-Type-Options") == "nosniff" && file.headers.contentType?.description == "application/pdf")
            let hash = try await city.app.db.sql.raw("SELECT COUNT(*) AS n FROM ledger WHERE type = 'app_record.created' AND payload LIKE '%sha256%'").first()!.decode(column: "n", as: Int.self)
            #expect(hash == 1, "the ledger entry holds the file's hash")

            #expect(try await admin.get(href).status == .ok, "the administrator sees the app's records")
            // the API cannot point a record at a file by copying its description
            let sql = city.app.db.sql
            let meta = try #require(try await sql.raw("SELECT \(unsafeRaw: AppStore.dataColumn(sql, alias: "")) FROM app_records").first()?.decode(column: "data", as: String.self))
            let slip = try #require(AppValue.parse(meta)?.object?["slip"])
            let tok = try await token(city, city.staffA)
            let copy = try await api(city.app, .POST, "/api/v1/apps/equipment_loans/records", token: tok,
                                     json: #"{"record":{"item":"別の機器","borrower":"S001","out_on":"2026-12-04","slip":\#(slip.canonicalJSON)}}"#)
            #expect(copy.status == .unprocessableEntity && copy.body.string.contains("このレコードの添付ファイルではありません"), "\(copy.body.string)")

            // the file is taken off the record: it is no longer reachable (its bytes stay, as every fact does)
            let id = recordPath.split(separator: "/").last.map(String.init) ?? ""
            try await staff.get(recordPath + "/edit")
            let removed = try await Self.post(staff, recordPath, [("revision", "1"), ("__f_slip", "1")], files: [])
            #expect(removed.status == .seeOther, "\(removed.body.string.prefix(2000))")
            #expect(try await staff.get(href).status == .notFound)
            #expect(try await counts(city) == (1, 1))
            _ = id
        }
    }
}

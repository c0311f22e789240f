import Foundation
import Testing
import YakubaCore
@testable import YakubaApps

/// Attachments (issue 6: "attachment (stored …, size-limited, type-checked)"; bad input: "an upload that is too big or
/// of the wrong type"): the type is what the bytes are, not what the name or the browser says.
@Suite struct AttachmentTests {
    let field = FieldDefinition(code: "files", label: "添付", type: .attachment, maxBytes: 1024)
    let pdf = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF".utf8)

    @Test func theTypeComesFromTheBytes() {
        #expect(Attachments.sniff(pdf, name: "見積書.pdf") == "application/pdf")
        #expect(Attachments.sniff(pdf, name: "renamed.txt") == "application/pdf", "the name does not decide")
        #expect(Attachments.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], name: "a.png") == "image/png")
        #expect(Attachments.sniff([0xFF, 0xD8, 0xFF, 0xE0, 1, 2], name: "photo") == "image/jpeg")
        #expect(Attachments.sniff(Array("MZ\u{90}\u{0}".utf8), name: "setup.pdf") == nil, "a program named .pdf is nothing we accept")
        #expect(Attachments.sniff(Array("<svg onload=alert(1)>".utf8), name: "a.svg") == nil)
        #expect(Attachments.sniff(Array("名前,数\n機器,1\n".utf8), name: "list.csv") == "text/csv")
        #expect(Attachments.sniff([0x50, 0x4B, 0x03, 0x04] + Array("random zip".utf8), name: "a.xlsx") == nil, "a ZIP that is not an Office file")
        #expect(Attachments.sniff([0x50, 0x4B, 0x03, 0x04] + Array("....[Content_Types].xml".utf8), name: "a.xlsx") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(Attachments.sniff([0x61, 0, 0x62], name: "a.txt") == nil, "binary is not text")
    }

    @Test func aFileTooBigEmptyOrOfTheWrongKindIsRefusedWithWhatToDo() throws {
        func message(_ name: String, _ bytes: [UInt8]) -> String? {
            if case .failure(let p) = Attachments.check(field, name: name, bytes: bytes, id: UUID()) { return p.messageJa }
            return nil
        }
        #expect(message("big.pdf", pdf + Array(repeating: 32, count: 2000)) == "「big.pdf」は2 KBです。「添付」に添付できるのは1 KBまでです。小さくしてから添付してください。")
        #expect(message("empty.pdf", [])?.contains("空のファイル") == true)
        let wrong = try #require(message("setup.exe", Array("MZ\u{90}\u{0}".utf8)))
        #expect(wrong.contains("添付できない種類") && wrong.contains("PDF、PNG、JPEG"))
        let ok = try Attachments.check(field, name: "C:\\Users\\職員\\見積書.pdf", bytes: pdf, id: UUID()).get()
        #expect(ok.name == "見積書.pdf" && ok.type == "application/pdf" && ok.size == pdf.count && ok.sha256.count == 64)
        #expect(Attachments.cleanName("../../etc/passwd") == "passwd")
        #expect(Attachments.cleanName("a\u{0}b\"c.pdf") == "abc.pdf")
    }

    @Test func aRecordHoldsEachFileAsItsFullDescriptionOnly() throws {
        var app = AppDefinitionTests.loans()
        app.fields.append(field)
        let meta = try Attachments.check(field, name: "a.pdf", bytes: pdf, id: UUID()).get()
        let base: [String: AppValue] = ["item": .text("PC"), "borrower": .text(UUID().uuidString), "out_on": .text("2026-12-01")]
        var good = base; good["files"] = .list([meta.value])
        #expect(try RecordValidation.apply(app, changes: good, to: nil, status: "申請", zone: .current).get()["files"] == .list([meta.value]))
        var bare = base; bare["files"] = .list([.object(["id": .text(meta.id)])])
        if case .failure(let p) = RecordValidation.apply(app, changes: bare, to: nil, status: "申請", zone: .current) {
            #expect(p.all.map(\.messageJa) == ["「添付」の添付ファイルを読めません。もう一度添付してください。"])
        } else { Issue.record("an id alone is refused") }
        #expect(Attachments.accept(["application/pdf", "image/jpeg"]) == "application/pdf,.pdf,image/jpeg,.jpg,.jpeg")
    }
}

import Foundation
import Testing
@testable import YakubaCore

@Suite("Staff roster import (CSV from Excel)")
struct StaffImportTests {
    let header = "職員番号,姓,名,姓カナ,名カナ,雇用形態,所属コード,職名,勤務曜日,始業,終業,休憩,任用開始日,役割\r\n"

    @Test func theTemplateImports() throws {
        let drafts = try StaffImport.parse(StaffImport.template, departmentCodes: ["0101", "0102"], existingNumbers: []).get()
        #expect(drafts.count == 2)
        #expect(drafts[1].familyName == "髙橋")           // 異体字 kept as typed
        #expect(drafts[1].employmentType == .fiscalYearPartTime)
        #expect(drafts[1].schedule.workingWeekdays == [1, 3, 5])
    }

    @Test func everyBadRowIsReportedAndNothingIsReturned() {
        let text = header
            + "200001,山田,太郎,ヤマダ,タロウ,常勤,0101,主事,月-金,8:30,17:15,60,2025-04-01,\r\n"
            + "200002,,花子,やまだ,ハナコ,社長,9999,,月-金,8:30,17:15,60,2025-02-30,\r\n"
            + "200001,佐藤,次郎,サトウ,ジロウ,常勤,0101,,月-金,8:30,7:00,60,2025-04-01,課長\r\n"
            + "100001,鈴木,三郎,スズキ,サブロウ,常勤,0101,,月-金,8:30,17:15,60,2025-04-01,\r\n"
        guard case .failure(let failure) = StaffImport.parse(text, departmentCodes: ["0101"], existingNumbers: ["100001"]) else {
            Issue.record("a bad file must not import"); return
        }
        let issues = failure.issues
        let byLine = Dictionary(grouping: issues, by: \.line).mapValues { Set($0.map(\.column)) }
        #expect(byLine[2] == nil)
        #expect(byLine[3] == ["姓", "姓カナ", "雇用形態", "所属コード", "任用開始日"])
        #expect(byLine[4] == ["職員番号", "終業", "役割"])
        #expect(byLine[5] == ["職員番号"])
        #expect(issues.allSatisfy { !$0.messageJa.isEmpty && !$0.messageEn.isEmpty })
    }

    @Test func missingColumnsAndEmptyFiles() {
        guard case .failure(let af) = StaffImport.parse("職員番号,姓\r\n1,a\r\n", departmentCodes: [], existingNumbers: []) else { Issue.record(); return }
        let a = af.issues
        #expect(a.first?.messageJa.contains("名カナ") == true)
        guard case .failure(let bf) = StaffImport.parse(header, departmentCodes: [], existingNumbers: []) else { Issue.record(); return }
        let b = bf.issues
        #expect(b.first?.messageJa == "データ行がありません。")
        guard case .failure(let cf) = StaffImport.parse("", departmentCodes: [], existingNumbers: []) else { Issue.record(); return }
        let c = cf.issues
        #expect(c.count == 1)
    }

    @Test func shiftJISUploadsDecode() throws {
        let bytes = try JapaneseTextEncoding.encode(StaffImport.template, as: .shiftJIS)
        let decoded = try #require(JapaneseTextEncoding.decode(bytes))
        #expect(decoded.encoding == "Shift_JIS")
        #expect(try StaffImport.parse(decoded.text, departmentCodes: ["0101", "0102"], existingNumbers: []).get().count == 2)
    }
}

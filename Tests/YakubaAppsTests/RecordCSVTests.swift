import Foundation
import Testing
import YakubaCore
@testable import YakubaApps

/// Records as CSV (issue 6, "CSV import and export ... with row-level errors"): what a header and a row are read as.
@Suite struct RecordCSVTests {
    var app: AppDefinition {
        var a = AppDefinitionTests.loans()
        a.fields.append(.init(code: "uses", label: "用途", type: .multiChoice, choices: ["会議", "研修", "窓口"]))
        a.fields.append(.init(code: "parts", label: "付属品", type: .subtable, columns: [.init(code: "name", label: "名前", type: .text)]))
        return a
    }

    func issues(_ header: [String]) -> [String] {
        if case .failure(let i) = RecordCSV.columns(header, app) { return i.all.map { "\($0.column): \($0.messageJa)" } }
        return []
    }

    @Test func theExportsHeadingsReadBackAsItsColumns() throws {
        let codes = RecordCSV.exportColumns(app, readable: { _ in true })
        #expect(!codes.contains("parts"), "sub-tables are not in CSV")
        #expect(codes.first == "record_number" && codes.contains("status") && codes.contains("days"))
        let headings = codes.map { RecordCSV.heading($0, app) }
        #expect(headings.prefix(3) == ["レコード番号", "ステータス", "作業者"])
        let columns = try RecordCSV.columns(headings, app).get()
        #expect(columns.first == .number)
        #expect(columns.contains(.field("item")) && columns.contains(.field("uses")))
        #expect(columns.contains(.readOnly("days")), "a calculated field is written, not read")
        #expect(columns.contains(.readOnly("status")) && columns.contains(.readOnly("created_at")))
    }

    @Test func fieldsMayBeNamedByCodeAndAFieldTheCallerCannotReadIsNotExported() throws {
        #expect(try RecordCSV.columns(["\u{FEFF}record_number", "out_on", "borrower", "item"], app).get().first == .number, "a BOM before the first heading is ignored")
        #expect(!RecordCSV.exportColumns(app, readable: { $0 != "price" }).contains("price"))
    }

    @Test func aWrongColumnIsRefusedWithTheHeadingsItMayHave() {
        let unknown = issues(["機器", "借りる人", "貸出日", "色"])
        #expect(unknown.count == 1 && unknown[0].hasPrefix("色: 列「色」はこのアプリにありません。見出しは次のどれかにしてください: レコード番号、ステータス"))
        #expect(issues(["機器", "item", "借りる人", "貸出日"]) == ["item: 列「item」は「機器」と同じ項目です。どちらかを削除してください。"])
        #expect(issues(["機器", "借りる人", "貸出日", "付属品"]).first?.contains("表のため CSV では取り込めません") == true)
        #expect(issues(["機器", "", "借りる人", "貸出日"]) == [": 見出しが空の列があります。見出しを入れるか、列を削除してください。"])
        #expect(issues(["ステータス", "貸出日数"]).first?.contains("取り込める列がありません") == true)
    }

    @Test func aFileThatAddsRecordsNeedsEveryRequiredColumn() {
        #expect(issues(["機器", "貸出日"]) == ["借りる人: 必須の項目「借りる人」の列がありません。列を追加してください。"])
        // with record numbers it may change a few fields of existing records
        #expect(issues(["レコード番号", "返却予定日"]).isEmpty)
    }

    @Test func aRowIsReadAsTheFormWouldSendIt() throws {
        let columns = try RecordCSV.columns(["レコード番号", "機器", "用途", "貸出日数"], app).get()
        let new = RecordCSV.row(["", "ノートPC", "会議\r\n研修\n", "99"], columns, app, line: 2)
        #expect(new.number == nil && new.issues.isEmpty)
        #expect(new.values == ["item": .text("ノートPC"), "uses": .list([.text("会議"), .text("研修")])], "several choices one per line; the calculated column is ignored")
        #expect(RecordCSV.row(["＃１２", "PC"], columns, app, line: 3).number == 12, "full-width digits and a # are read")
        let bad = RecordCSV.row(["12a", "PC"], columns, app, line: 4)
        #expect(bad.number == nil && bad.issues.map(\.line) == [4] && bad.issues[0].messageJa.contains("数字で"))
        #expect(RecordCSV.row(["3"], columns, app, line: 5).values["item"] == .text(""), "a short row leaves its last cells empty")
    }

    @Test func whatTheExportGuardedAgainstExcelFormulasReadsBackAsItWas() {
        #expect(RecordCSV.undefused(CSV.defused("+81-3-1234-5678")) == "+81-3-1234-5678")
        #expect(RecordCSV.undefused(CSV.defused("- 会議室")) == "- 会議室")
        #expect(RecordCSV.undefused("'それでも") == "'それでも", "an apostrophe a person typed stays")
        #expect(RecordCSV.undefused("-5") == "-5")
    }

    @Test func blankLinesAreSkippedAndRowsKeepTheirNumbers() {
        let rows = RecordCSV.dataRows([["a"], ["1"], ["", " "], ["2"]])
        #expect(rows.map(\.line) == [2, 4])
    }
}

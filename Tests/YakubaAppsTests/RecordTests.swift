import Foundation
import Testing
import YakubaCore
@testable import YakubaApps

@Suite struct RecordTests {
    let zone = TimeZone(identifier: "Asia/Tokyo")!
    let app = AppDefinitionTests.loans()
    let me = UUID()

    func apply(_ changes: [String: AppValue], to existing: [String: AppValue]? = nil, status: String? = "申請",
               access: @escaping (String) -> FieldAccess = { _ in .write }) -> Result<[String: AppValue], AppProblems> {
        RecordValidation.apply(app, changes: changes, to: existing, status: status, access: access, zone: zone)
    }
    func messages(_ r: Result<[String: AppValue], AppProblems>) -> [String] {
        if case .failure(let p) = r { return p.all.map { "\($0.path): \($0.messageJa)" } }
        return []
    }
    var valid: [String: AppValue] { ["item": .text("ノートPC 12号"), "borrower": .text(me.uuidString), "out_on": .text("2026/4/1"), "due_on": .text("２０２６－０４－１０")] }

    @Test func formTextIsReadAsEachFieldsType() throws {
        var c = valid
        c["price"] = .text("￥1,200")
        c["kind"] = .text(" PC ")
        let d = try apply(c).get()
        #expect(d["out_on"] == .text("2026-04-01"))
        #expect(d["due_on"] == .text("2026-04-10"))
        #expect(d["borrower"] == .text(me.uuidString.lowercased()))
        #expect(d["price"] == .number(1200))
        #expect(d["kind"] == .text("PC"))
        #expect(d["days"] == .number(9), "the calculated field is computed")
    }

    @Test func requiredFieldsAndBadValuesAreEachNamedBesideTheirField() {
        let m = messages(apply(["price": .text("千円"), "kind": .text("スマホ"), "out_on": .text("2026-02-30"), "ghost": .text("x"), "days": .number(3)]))
        #expect(m.contains("item: 「機器」を入力してください。"))
        #expect(m.contains("borrower: 「借りる人」を入力してください。"))
        #expect(m.contains { $0.hasPrefix("price:") && $0.contains("数字を入力") })
        #expect(m.contains { $0.hasPrefix("kind:") && $0.contains("選択肢にありません") && $0.contains("PC、タブレット、プロジェクター") })
        #expect(m.contains { $0.hasPrefix("out_on:") && $0.contains("2026-04-01 のような日付") })
        #expect(m.contains { $0.hasPrefix("ghost:") && $0.contains("ありません") })
        #expect(m.contains { $0.hasPrefix("days:") && $0.contains("計算で決まる") })
        #expect(!m.contains { $0.hasPrefix("out_on:") && $0.contains("を入力してください") }, "one message per field")
    }

    @Test func moneyIsWholeYenAndNumbersKeepTheirBounds() {
        var c = valid; c["price"] = .number(Decimal(string: "10.5")!)
        #expect(messages(apply(c)).contains { $0.contains("整数で") })
        c["price"] = .number(-1)
        #expect(messages(apply(c)).contains { $0.contains("0以上") })
        c["price"] = .text("1e20")
        #expect(messages(apply(c)).contains { $0.contains("数字を入力") })
    }

    @Test func aPartialUpdateKeepsOtherFieldsAndAnEmptyValueClearsOne() throws {
        let first = try apply(valid).get()
        let second = try apply(["due_on": .text("")], to: first).get()
        #expect(second["item"] == first["item"])
        #expect(second["due_on"] == nil)
        #expect(second["days"] == nil, "the calculation follows")
    }

    @Test func aLockedStatusAndFieldAccessRefuseChangesButNotUnchangedValues() throws {
        let first = try apply(valid).get()
        #expect(messages(apply(["item": .text("別の機器")], to: first, status: "返却済")).first?.contains("「返却済」では変更できません") == true)
        #expect(try apply(["item": first["item"]!], to: first, status: "返却済").get() == first, "sending back the same value is not a change")
        #expect(messages(apply(["price": .number(5)], to: first, access: { $0 == "price" ? .read : .write })).first?.contains("変更する権限がありません") == true)
    }

    @Test func dateTimesAreStoredInUTCFromTheMunicipalitysTime() throws {
        let f = FieldDefinition(code: "at", label: "日時", type: .dateTime)
        #expect(try RecordValidation.normalize(f, .text("2026-04-01T09:30"), path: "at", zone: zone).get() == .text("2026-04-01T00:30:00Z"))
        #expect(try RecordValidation.normalize(f, .text("2026-04-01 09:30:15+09:00"), path: "at", zone: zone).get() == .text("2026-04-01T00:30:15Z"))
        #expect(try RecordValidation.normalize(f, .text("2026-04-01T00:30:00Z"), path: "at", zone: zone).get() == .text("2026-04-01T00:30:00Z"))
        #expect((try? RecordValidation.normalize(f, .text("2026-04-01T25:00"), path: "at", zone: zone).get()) == nil)
    }

    @Test func subTableRowsAreCheckedWithTheirRowNumber() throws {
        let table = FieldDefinition(code: "rows", label: "明細", type: .subtable, columns: [
            .init(code: "name", label: "品名", type: .text, required: true), .init(code: "amount", label: "金額", type: .money)])
        let r = RecordValidation.normalize(table, .list([.object(["name": .text("紙"), "amount": .text("500")]), .object(["amount": .text("abc")]), .object([:])]), path: "rows", zone: zone)
        guard case .failure(let p) = r else { Issue.record("accepted"); return }
        #expect(p.all.map(\.path).sorted() == ["rows[1].amount", "rows[1].name"])
        #expect(p.all.allSatisfy { $0.messageJa.hasPrefix("2行目") })
        let ok = RecordValidation.normalize(table, .list([.object(["name": .text("紙"), "amount": .text("500")]), .object([:])]), path: "rows", zone: zone)
        #expect(try ok.get() == .list([.object(["name": .text("紙"), "amount": .number(500)])]), "empty rows are dropped")
    }

    @Test func multipleChoicesKeepTheListsOrder() throws {
        let f = FieldDefinition(code: "m", label: "M", type: .multiChoice, choices: ["a", "b", "c"])
        #expect(try RecordValidation.normalize(f, .list([.text("c"), .text("a"), .text("c")]), path: "m", zone: zone).get() == .list([.text("a"), .text("c")]))
    }

    /// Property: applying a record's own data again changes nothing, and its canonical JSON reads back equal.
    @Test func applyingTheStoredDataAgainChangesNothing() throws {
        var rng = SplitMix(seed: 7)
        for _ in 0..<300 {
            var c: [String: AppValue] = valid
            c["price"] = .number(Decimal(Int(rng.next() % 1_000_000)))
            c["kind"] = .text(["PC", "タブレット", "プロジェクター"][Int(rng.next() % 3)])
            c["due_on"] = .text(CalendarDate(year: 2026, month: 4, day: 1)!.adding(days: Int(rng.next() % 400)).iso)
            let d = try apply(c).get()
            #expect(try apply(d.filter { $0.key != "days" }, to: d).get() == d)
            #expect(AppValue.parse(AppValue.object(d).canonicalJSON) == .object(d))
        }
    }

    @Test func canonicalJSONIsSortedAndPlain() {
        let v: AppValue = .object(["b": .number(Decimal(string: "1.50")!), "a": .list([.text("改\n行\""), .bool(true), .null])])
        #expect(v.canonicalJSON == #"{"a":["改\n行\"",true,null],"b":1.5}"#)
    }
}

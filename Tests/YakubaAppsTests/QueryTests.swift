import Foundation
import Testing
import YakubaCore
@testable import YakubaApps

@Suite struct QueryTests {
    let app = AppDefinitionTests.loans()
    let caller = AppCaller(staffId: UUID(uuidString: "00000000-0000-0000-0000-0000000000AA")!, roles: [], departmentIds: [UUID(uuidString: "00000000-0000-0000-0000-0000000000D1")!])

    var ctx: RecordSQL.Context {
        RecordSQL.Context(caller: caller, today: CalendarDate(year: 2026, month: 12, day: 3)!, zone: TimeZone(identifier: "Asia/Tokyo")!,
                          staff: { $0 == "S001" ? UUID(uuidString: "00000000-0000-0000-0000-000000000001") : UUID(uuidString: $0) },
                          department: { UUID(uuidString: $0) })
    }

    @Test func parsesConditionsAndSorts() throws {
        let q = try RecordQuery(parsing: "status in (\"申請\", \"貸出中\") and (price >= 1000 or item like \"PC\") and due_on is not empty order by due_on desc, item")
        #expect(q.sort == [.init(field: "due_on", descending: true), .init(field: "item", descending: false)])
        #expect(q.fields == ["status", "price", "item", "due_on"])
        guard case .all(let parts)? = q.condition else { Issue.record("not an and"); return }
        #expect(parts.count == 3)
        #expect(try RecordQuery(parsing: "").condition == nil)
        #expect(try RecordQuery(parsing: "order by record_number").sort.count == 1)
        #expect(try RecordQuery(parsing: "due_on < FROM_TODAY(-7)").condition == .compare("due_on", .lt, .fromToday(-7)))
    }

    @Test func badQueriesAreRefusedWithAMessage() {
        func problem(_ s: String) -> String? {
            do { return try RecordQuery(parsing: s).check(app).first?.messageJa } catch { return error.messageJa }
        }
        #expect(problem("price >")?.contains("値が必要") == true)
        #expect(problem("price = 1 and")?.contains("フィールドのコードが必要") == true)
        #expect(problem("item = 機器")?.contains("使えません") == true)
        #expect(problem("item = abc")?.contains("引用符で囲んで") == true)
        #expect(problem("owner = \"x\"")?.contains("フィールド「owner」はありません") == true)
        #expect(problem("kind = \"スマホ\"")?.contains("選択肢にありません") == true)
        #expect(problem("status = \"廃棄\"")?.contains("選択肢にありません") == true)
        #expect(problem("price like \"1\"")?.contains("文字列のフィールドにだけ") == true)
        #expect(problem("kind > \"PC\"")?.contains("= か !=") == true)
        #expect(problem("out_on = \"4月1日\"")?.contains("YYYY-MM-DD") == true)
        #expect(problem("due_on = NEXTWEEK()")?.contains("関数「NEXTWEEK」はありません") == true)
        #expect(problem("price = 1 order by")?.contains("並べ替えるフィールド") == true)
        #expect(problem("price = 1 limit 10")?.contains("「limit」は読めません") == true)
        #expect(problem(String(repeating: "(", count: 40) + "price = 1" + String(repeating: ")", count: 40))?.contains("深すぎ") == true)
        // a field the caller cannot read cannot be filtered or sorted on (a filter would reveal it)
        let q = try? RecordQuery(parsing: "price > 100000")
        #expect(q?.check(app, readable: { $0 != "price" }).first?.messageJa.contains("見られません") == true)
    }

    @Test func compilesToSQLiteWithBinds() throws {
        let sql = RecordSQL(dialect: .sqlite, app: app)
        let q = try RecordQuery(parsing: "kind in (\"PC\") and price >= 1000 and borrower = LOGINUSER() and due_on = TODAY() and item != \"x\"")
        let f = try sql.condition(q.condition!, ctx)
        #expect(f.sql == "(json_extract(r.data, '$.kind') IN (?) AND json_extract(r.data, '$.price') >= ? AND json_extract(r.data, '$.borrower') = ? AND (json_extract(r.data, '$.due_on') >= ? AND json_extract(r.data, '$.due_on') < ?) AND (json_extract(r.data, '$.item') IS NULL OR json_extract(r.data, '$.item') != ?))")
        #expect(f.binds == [.text("PC"), .double(1000), .text("00000000-0000-0000-0000-0000000000aa"), .text("2026-12-03"), .text("2026-12-04"), .text("x")])
    }

    @Test func compilesToPostgresWithNumericCasts() throws {
        let sql = RecordSQL(dialect: .postgres, app: app)
        let f = try sql.condition(try RecordQuery(parsing: "price < 10.5 and item like \"5%_off\"").condition!, ctx)
        #expect(f.sql == "(((r.data->>'price')::numeric) < CAST(? AS numeric) AND (r.data->>'item') ILIKE ? ESCAPE '\\')")
        #expect(f.binds == [.text("10.5"), .text("%5\\%\\_off%")])
        #expect(sql.orderBy([.init(field: "due_on", descending: false)]) == "(r.data->>'due_on') ASC NULLS FIRST, r.number ASC")
    }

    @Test func userValuesAreNamedByStaffNumberAndUnknownOnesRefused() throws {
        let sql = RecordSQL(dialect: .sqlite, app: app)
        let f = try sql.condition(.compare("borrower", .eq, .text("S001")), ctx)
        #expect(f.binds == [.text("00000000-0000-0000-0000-000000000001")])
        #expect(throws: AppProblem.self) { try sql.condition(.compare("borrower", .eq, .text("S999")), ctx) }
    }

    @Test func dateTimeFieldsCompareByTheMunicipalitysDays() throws {
        let a = AppDefinition(code: "a", name: "A", fields: [.init(code: "at", label: "日時", type: .dateTime)])
        let f = try RecordSQL(dialect: .sqlite, app: a).condition(.compare("at", .le, .text("2026-04-01")), ctx)
        #expect(f.binds == [.text("2026-04-01T15:00:00Z")], "up to the end of 4/1 in Japan")
    }

    @Test func recordRulesBecomeAPredicate() throws {
        var a = app
        a.permissions = AppPermissions(roles: [AppRole(code: "desk", label: "窓口")],
                                       records: [RecordRule(condition: "", parties: [.role("desk")], edit: true),
                                                 RecordRule(condition: "kind = \"PC\"", parties: [.creator], edit: false)])
        let plain = try RecordSQL(dialect: .sqlite, app: a).visible(ctx)
        #expect(plain.sql == "(r.created_by = ? AND json_extract(r.data, '$.kind') = ?)")
        #expect(try RecordSQL(dialect: .sqlite, app: a).visible(ctx, edit: true) == .false, "only the desk may edit")
        var desk = ctx; desk.caller.roles = ["desk"]
        #expect(try RecordSQL(dialect: .sqlite, app: a).visible(desk) == .true)
        a.permissions.records = []
        #expect(try RecordSQL(dialect: .sqlite, app: a).visible(ctx) == .true, "no record rules: the app right decides")
    }

    @Test func cursorsContinueAfterTheLastRowIncludingEmptyValues() {
        let sql = RecordSQL(dialect: .sqlite, app: app)
        let sorts = [RecordQuery.Sort(field: "due_on", descending: true)]
        let f = sql.after(sorts, values: [.text("2026-04-10"), .number(17)])!
        #expect(f.sql == "((json_extract(r.data, '$.due_on') < ? OR json_extract(r.data, '$.due_on') IS NULL) OR (json_extract(r.data, '$.due_on') = ? AND r.number < ?))")
        let empty = sql.after(sorts, values: [.null, .number(17)])!
        #expect(empty.sql == "(1=0 OR (json_extract(r.data, '$.due_on') IS NULL AND r.number < ?))")
        #expect(sql.after(sorts, values: [.number(1)]) == nil, "a cursor with the wrong number of keys is refused")
        #expect(RecordSQL(dialect: .postgres, app: app).after(sorts, values: [.null, .number(17)])?.binds == [.int(17)], "the record number binds as an integer on PostgreSQL")
    }
}

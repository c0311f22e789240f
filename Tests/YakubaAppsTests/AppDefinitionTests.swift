import Foundation
import Testing
import YakubaCore
@testable import YakubaApps

@Suite struct AppDefinitionTests {
    static func loans() -> AppDefinition {
        AppDefinition(code: "equipment_loans", name: "貸出機器台帳", fields: [
            .init(code: "item", label: "機器", type: .text, required: true),
            .init(code: "borrower", label: "借りる人", type: .user, required: true),
            .init(code: "out_on", label: "貸出日", type: .date, required: true),
            .init(code: "due_on", label: "返却予定日", type: .date),
            .init(code: "days", label: "貸出日数", type: .calculated, expression: "datediff(due_on, out_on)"),
            .init(code: "kind", label: "種類", type: .choice, choices: ["PC", "タブレット", "プロジェクター"]),
            .init(code: "price", label: "金額", type: .money, minimum: 0),
        ], process: ProcessDefinition(statuses: [.init(name: "申請"), .init(name: "貸出中"), .init(name: "返却済", lockedFields: ["*"])],
                                      actions: [.init(name: "貸し出す", from: "申請", to: "貸出中"), .init(name: "返却", from: "貸出中", to: "返却済")]),
           views: [.init(name: "一覧", kind: .list, columns: ["item", "borrower", "due_on"], query: "status != \"返却済\" order by due_on asc")],
           titleField: "item")
    }

    @Test func theShippedAppsAreValid() {
        let t = ShippedApps.template
        #expect(t.problems(existingApps: []) == [])
        #expect(Self.loans().problems() == [])
        #expect(t.roles.map(\.code) == ["dx_office"])
    }

    @Test func theRequestAppRanksByHoursSavedTimesConfidenceOverEffort() throws {
        let app = ShippedApps.digitisationRequests
        let data = try RecordValidation.apply(app, changes: [
            "title": .text("介護保険の申請書を電子化"), "department": .text(UUID().uuidString), "current_procedure": .text("紙で受け付けて転記"),
            "cases_per_year": .number(1200), "minutes_now": .number(30), "minutes_after": .number(10), "staff_involved": .number(2),
            "confidence": .number(80), "effort_days": .number(20),
        ], to: nil, status: "受付", zone: TimeZone(identifier: "Asia/Tokyo")!).get()
        #expect(data["hours_now"] == .number(1200))                  // 1200 × 30 × 2 / 60
        #expect(data["hours_saved_estimated"] == .number(800))       // 1200 × 20 × 2 / 60
        #expect(data["priority"] == .number(32))                     // 800 × 0.8 / 20
        #expect(data["hours_saved_measured"] == nil, "measured savings stay empty until measured")
    }

    func problems(_ edit: (inout AppDefinition) -> Void) -> [AppProblem] {
        var a = Self.loans(); edit(&a); return a.problems(knownApps: ["equipment_loans"])
    }

    @Test func aCalculatedFieldThatRefersToItselfOrAMissingFieldOrACircleIsRefused() {
        #expect(problems { $0.fields[4].expression = "days + 1" }.first?.messageJa.contains("自分自身を参照") == true)
        #expect(problems { $0.fields[4].expression = "datediff(due_on, start_on)" }.first?.messageJa.contains("フィールド「start_on」はありません") == true)
        let circle = problems {
            $0.fields.append(.init(code: "a", label: "A", type: .calculated, expression: "b + 1"))
            $0.fields.append(.init(code: "b", label: "B", type: .calculated, expression: "a + 1"))
        }
        #expect(circle.contains { $0.messageJa.contains("循環") && $0.messageJa.contains("A → B → A") })
        #expect(problems { $0.fields[4].expression = "" }.contains { $0.messageJa.contains("計算式を入力") })
    }

    @Test func badDefinitionsAreEachNamed() {
        func has(_ needle: String, _ edit: (inout AppDefinition) -> Void) -> Bool {
            let p = problems(edit)
            if !p.contains(where: { $0.messageJa.contains(needle) }) { Issue.record("\(needle) not in \(p)"); return false }
            return true
        }
        #expect(has("重複") { $0.fields[1].code = "item" })
        #expect(has("予約") { $0.fields[1].code = "status" })
        #expect(has("英小文字") { $0.fields[1].code = "貸出" })
        #expect(has("選択肢を1つ以上") { $0.fields[5].choices = [] })
        #expect(has("選択肢が重複") { $0.fields[5].choices = ["PC", "PC"] })
        #expect(has("最小値が最大値より大きく") { $0.fields[6].minimum = 10; $0.fields[6].maximum = 5 })
        #expect(has("参照先アプリ「nowhere」がありません") { $0.fields.append(.init(code: "ref", label: "参照", type: .link, linkApp: "nowhere")) })
        #expect(has("レイアウトにないフィールド") { $0.layout = [["item", "ghost"]] })
        #expect(has("削除したフィールド") { $0.retiredFields = ["price"] })
        #expect(has("カンバンはプロセス管理") { $0.process = nil; $0.views = [.init(name: "k", kind: .kanban)] })
        #expect(has("カレンダーには日付") { $0.views.append(.init(name: "c", kind: .calendar, dateField: "item")) })
        #expect(has("合計・平均するのは数値") { $0.views.append(.init(name: "g", kind: .chart, chart: ChartSpec(aggregate: .sum, field: "item", groups: [.init(field: "kind")]))) })
        #expect(has("月か年") { $0.views.append(.init(name: "g", kind: .chart, chart: ChartSpec(aggregate: .count, groups: [.init(field: "out_on")]))) })
        #expect(has("選択肢にありません") { $0.views[0].query = "kind = \"スマホ\"" })
        #expect(has("行き先「どこか」がありません") { $0.process!.actions.append(.init(name: "x", from: "申請", to: "どこか")) })
        #expect(has("役割「dx」はこのアプリにありません") { $0.permissions.app = [AppGrant(party: .role("dx"), rights: [.view])] })
        #expect(has("職員フィールドではありません") { $0.permissions.records = [RecordRule(condition: "", parties: [.field("item")], edit: false)] })
        #expect(has("フィールド「owner」はありません") { $0.permissions.records = [RecordRule(condition: "owner = LOGINUSER()", parties: [.everyone], edit: false)] })
        #expect(has("表「表」に列を1つ以上") { $0.fields.append(.init(code: "rows", label: "表", type: .subtable, columns: [])) })
        #expect(has("表の列に添付ファイルは使えません") { $0.fields.append(.init(code: "rows", label: "表", type: .subtable, columns: [.init(code: "f", label: "F", type: .attachment)])) })
    }
}

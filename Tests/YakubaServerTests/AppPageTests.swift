import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaApps

/// The app engine's pages (issue 6): a DX builder makes a loan-equipment register in the browser, staff add a record and
/// move it through its statuses, the app goes out as a template and comes back under another name.
@Suite("App engine pages", .serialized)
struct AppPageTests {
    static let loans: [String: String] = [
        "app.name": "貸出機器台帳", "app.code": "equipment_loans", "app.description": "ノートPCやプロジェクターの貸出", "app.titleField": "item", "app.process": "1",
        "fields.count": "5",
        "fields.0.label": "機器", "fields.0.code": "item", "fields.0.type": "text", "fields.0.required": "1",
        "fields.1.label": "借りる人", "fields.1.code": "borrower", "fields.1.type": "user", "fields.1.required": "1",
        "fields.2.label": "貸出日", "fields.2.code": "out_on", "fields.2.type": "date", "fields.2.required": "1",
        "fields.3.label": "返却予定日", "fields.3.code": "due_on", "fields.3.type": "date",
        "fields.4.label": "貸出日数", "fields.4.code": "days", "fields.4.type": "calculated", "fields.4.expression": "datediff(due_on, out_on)", "fields.4.unit": "日",
        "statuses.count": "3", "statuses.0.name": "申請", "statuses.1.name": "貸出中", "statuses.2.name": "返却済", "statuses.2.lockAll": "1",
        "actions.count": "2", "actions.0.name": "貸し出す", "actions.0.from": "申請", "actions.0.to": "貸出中",
        "actions.1.name": "返却", "actions.1.from": "貸出中", "actions.1.to": "返却済",
        "grant.everyone|view": "1", "grant.everyone|add": "1", "grant.everyone|edit": "1",
        "views.count": "2", "views.0.name": "貸出中の機器", "views.0.kind": "list", "views.0.columns": "item, borrower, due_on", "views.0.query": "status != \"返却済\" order by due_on asc",
        "views.1.name": "進み具合", "views.1.kind": "kanban", "views.1.columns": "borrower",
    ]

    @Test func aBuilderMakesAnAppAndStaffUseItThroughItsStatuses() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            #expect(try await admin.get("/apps/build").status == .ok)
            // a calculation that refers to itself is refused beside its field; nothing is made
            var bad = Self.loans; bad["fields.4.expression"] = "days + 1"
            let refused = try await admin.post("/apps/build", bad)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("自分自身を参照"))
            #expect(refused.body.string.contains("value=\"days + 1\""), "the form comes back as typed")
            let made = try await admin.post("/apps/build", Self.loans)
            #expect(made.status == .seeOther, "\(made.body.string.prefix(2000))")
            #expect(made.location == "/apps/equipment_loans")

            // a staff member borrows a PC on a phone-sized form
            let staff = Browser(city.app)
            try await staff.login(city.staffA.staffNumber)
            #expect(try await staff.get("/apps").body.string.contains("貸出機器台帳"))
            let form = try await staff.get("/apps/equipment_loans/records/new")
            #expect(form.status == .ok && form.body.string.contains("name=\"out_on\""))
            let missing = try await staff.post("/apps/equipment_loans/records", ["__f_item": "1", "item": "", "__f_borrower": "1", "borrower": "X999", "__f_out_on": "1", "out_on": "2026-12-03"])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("「機器」を入力してください"))
            #expect(missing.body.string.contains("職員番号「X999」の職員が見つかりません"))
            let saved = try await staff.post("/apps/equipment_loans/records", ["__f_item": "1", "item": "ノートPC 12号", "__f_borrower": "1", "borrower": "S001",
                                                                                "__f_out_on": "1", "out_on": "2026-12-03", "__f_due_on": "1", "due_on": "2026/12/10"])
            #expect(saved.status == .seeOther, "\(saved.body.string.prefix(1500))")
            let recordPath = saved.location ?? ""
            let page = try await staff.get(recordPath)
            #expect(page.body.string.contains("申請") && page.body.string.contains("7 日"), "status and the calculated 7 days")
            #expect(try await staff.post(recordPath + "/actions", ["action": "貸し出す"]).status == .seeOther)
            #expect(try await staff.post(recordPath + "/actions", ["action": "返却"]).status == .seeOther)
            let returned = try await staff.get(recordPath)
            #expect(returned.body.string.contains("返却済"))
            #expect(returned.body.string.contains("「貸し出す」: 申請 → 貸出中"), "the history shows each step")
            let locked = try await staff.post(recordPath, ["__f_item": "1", "item": "別の機器"])
            #expect(locked.status == .unprocessableEntity && locked.body.string.contains("変更できません"))
            let list = try await staff.get("/apps/equipment_loans")
            #expect(list.status == .ok && !list.body.string.contains("ノートPC 12号"), "the view hides returned equipment")
            let kanban = try await staff.get("/apps/equipment_loans?view=" + "進み具合".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(kanban.body.string.contains("ノートPC 12号"))
            let filtered = try await staff.get("/apps/equipment_loans?q=" + "due_on >".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(filtered.status == .unprocessableEntity && filtered.body.string.contains("値が必要"))

            // the app goes out as a template file and comes back under another name
            let file = try await admin.get("/apps/equipment_loans/template.json")
            #expect(file.status == .ok && file.body.string.contains("yakuba-app-template"))
            #expect(!file.body.string.contains("ノートPC 12号"), "no records in a template")
            let imported = try await Self.upload(admin, file.body.string, fields: ["code": "equipment_loans_b", "name": "貸出機器台帳（支所）"])
            #expect(imported.status == .seeOther, "\(imported.body.string.prefix(1500))")
            #expect(imported.location == "/apps/equipment_loans_b")
            #expect(try await admin.get("/apps").body.string.contains("貸出機器台帳（支所）"))
            let clash = try await Self.upload(admin, file.body.string, fields: [:])
            #expect(clash.status == .unprocessableEntity && clash.body.string.contains("もう使われています"))
            let newer = try await Self.upload(admin, file.body.string.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 9"), fields: ["code": "x_app"])
            #expect(newer.status == .unprocessableEntity && newer.body.string.contains("新しい版（9）"))

            // the builder changes the app: a removed field's code never comes back, a new field starts empty
            var change = Self.loans
            change["fields.count"] = "6"
            change["fields.3.existing"] = "1"; change["fields.3.remove"] = "1"
            for i in 0..<5 where i != 3 { change["fields.\(i).existing"] = "1" }
            change["fields.4.expression"] = "0"
            change["fields.5.label"] = "備考"; change["fields.5.code"] = "memo"; change["fields.5.type"] = "multilineText"
            change["views.0.query"] = "status != \"返却済\""
            change["views.0.columns"] = "item, borrower"
            let settings = try await admin.get("/apps/equipment_loans/settings")
            #expect(settings.status == .ok)
            let resaved = try await admin.post("/apps/equipment_loans/settings", change)
            #expect(resaved.status == .seeOther, "\(resaved.body.string.prefix(2000))")
            let after = try await staff.get(recordPath)
            #expect(after.body.string.contains("due_on（削除したフィールド）: "), "history still reads the removed field")
            var reuse = change; reuse["fields.count"] = "6"; reuse["fields.5.code"] = "due_on"; reuse["fields.5.existing"] = ""
            let reused = try await admin.post("/apps/equipment_loans/settings", reuse)
            #expect(reused.status == .unprocessableEntity && reused.body.string.contains("削除したフィールドのコード"))
        }
    }

    /// Changing a calculation reaches every record, in batches in the background (the writer is never held for the whole
    /// app); the list says so while it runs.
    @Test func aChangedCalculationReachesEveryRecordInTheBackground() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/apps/build")
            #expect(try await admin.post("/apps/build", Self.loans).status == .seeOther)
            let sql = city.app.db.sql
            let app = try #require(try await AppStore.app(sql, municipalityId: city.muni.id, code: "equipment_loans"))
            let borrower = AppStore.id(city.staffA.id)
            let records = (0..<1201).map { i in
                AppStore.NewRecord(data: ["item": .text("PC \(i)"), "borrower": .text(borrower), "out_on": .text("2026-12-01"), "due_on": .text("2026-12-08"), "days": .number(7)],
                                   state: RecordState(status: "申請"))
            }
            for chunk in records.chunked(100) { _ = try await AppStore.insert(city.app.yakuba.writer, app: app, records: chunk, actor: city.admin.id) }

            var change = Self.loans
            for i in 0..<5 { change["fields.\(i).existing"] = "1" }
            change["fields.4.expression"] = "datediff(due_on, out_on) + 1"
            try await admin.get("/apps/equipment_loans/settings")
            let saved = try await admin.post("/apps/equipment_loans/settings", change)
            #expect(saved.status == .seeOther, "\(saved.body.string.prefix(1500))")
            await city.app.yakuba.recalculator.wait(app.id)
            var days: [Decimal: Int] = [:]
            for r in try await sql.raw("SELECT \(unsafeRaw: AppStore.dataColumn(sql, alias: "")) FROM app_records WHERE app_id = \(bind: app.id)").all() {
                if case .number(let d)? = AppValue.parse(try r.decode(column: "data", as: String.self))?.object?["days"] { days[d, default: 0] += 1 }
            }
            #expect(days == [8: 1201], "every record, across three batches of 500")
            let pending = try await sql.raw("SELECT recalc_after FROM apps WHERE id = \(bind: app.id)").first()?.decode(column: "recalc_after", as: Int64?.self)
            #expect(pending == nil)
            #expect(!(try await admin.get("/apps/equipment_loans").body.string.contains("計算式の変更をレコードに反映しています")), "no notice once done")

            // a change that leaves the calculations alone computes nothing
            var rename = change; rename["app.name"] = "貸出機器台帳（本庁）"
            try await admin.get("/apps/equipment_loans/settings")
            #expect(try await admin.post("/apps/equipment_loans/settings", rename).status == .seeOther)
            #expect(city.app.yakuba.recalculator.progress(app.id) == nil)
        }
    }

    /// 三条市's method: each bottleneck of a department interview becomes a request, started from its row (filled from it)
    /// and linked back to it when saved.
    @Test func aBottleneckBecomesARequestLinkedFromItsRow() async throws {
        try await withCity { city in
            try await AppAPITests.install(city)
            let dx = city.staffA2
            let made = try await api(city.app, .POST, "/api/v1/apps/\(ShippedApps.interviewsCode)/records", token: try await token(city, dx), json: """
                {"record":{"department":"0101","interview_date":"2026-11-20","bottlenecks":[
                  {"issue":"窓口の申請書を手で転記","cases_per_year":1200,"minutes_per_case":15},
                  {"issue":"会議録の作成","cases_per_year":40}]}}
                """)
            #expect(made.status == .created, "\(made.body.string)")
            let interview = try decodeJSON(made, as: AppAPITests.Rec.self)
            let b = Browser(city.app)
            try await b.login(dx.staffNumber)
            let page = try await b.get("/apps/\(ShippedApps.interviewsCode)/records/\(interview.id)").body.string
            #expect(page.contains("「デジタル化相談案件」に登録"), "\(page.prefix(3000))")
            let page0 = try await b.get("/apps/\(ShippedApps.interviewsCode)/records/\(interview.id)").body.string
            let from = try #require(page0.range(of: "records/new?from=").map { r in
                String(page0[r.upperBound...].prefix { $0 != "\"" }).removingPercentEncoding ?? "" })
            #expect(from.hasPrefix("\(ShippedApps.interviewsCode):\(interview.id):bottlenecks:0:request:"))
            #expect(try await b.get("/apps/dx_requests/records/new?from=" + (from.dropLast(3) + "xyz").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).status == .notFound,
                    "a row that is no longer the one the link was made for starts nothing")
            let path = "/apps/dx_requests/records/new?from=" + from.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let form = try await b.get(path)
            #expect(form.status == .ok)
            #expect(form.body.string.contains("value=\"窓口の申請書を手で転記\""), "the title comes from the row")
            #expect(form.body.string.contains("value=\"1200\""), "the yearly cases come from the row")
            #expect(form.body.string.contains("name=\"__from\""))
            let saved = try await b.post("/apps/dx_requests/records", [
                "__from": from, "__f_title": "1", "title": "窓口の申請書を手で転記", "__f_department": "1", "department": city.deptA1.id.uuidString,
                "__f_current_procedure": "1", "current_procedure": "紙の申請書を基幹システムへ転記", "__f_cases_per_year": "1", "cases_per_year": "1200",
                "__f_minutes_now": "1", "minutes_now": "15", "__f_minutes_after": "1", "minutes_after": "3", "__f_staff_involved": "1", "staff_involved": "1"])
            #expect(saved.status == .seeOther && saved.location == "/apps/\(ShippedApps.interviewsCode)/records/\(interview.id)", "\(saved.body.string.prefix(3000))")
            let after = try await b.get(saved.location ?? "").body.string
            #expect(after.contains("元の行にリンクしました") && after.contains("窓口の申請書を手で転記"))
            #expect(after.components(separatedBy: ">「デジタル化相談案件」に登録</a>").count - 1 == 1, "only the second bottleneck is left to register")
            #expect(try await b.get(path).status == .notFound, "a linked row does not start another request")
            // someone who may not edit the interview is offered nothing
            let staff = Browser(city.app)
            try await staff.login(city.staffA.staffNumber)
            #expect(!(try await staff.get("/apps/\(ShippedApps.interviewsCode)/records/\(interview.id)").body.string.contains("に登録")))
        }
    }

    static func upload(_ b: Browser, _ json: String, fields: [String: String]) async throws -> TestingHTTPResponse {
        try await b.get("/apps/import")
        return try await b.postMultipart("/apps/import", fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                         files: [("file", "t.yakuba-app.json", "application/json", Array(json.utf8))])
    }
}

@Suite("DX dashboard and chart views", .serialized)
struct DXDashboardTests {
    @Test func theDashboardCountsRanksAndComparesHoursWithTheTarget() async throws {
        try await withCity { city in
            try await AppAPITests.install(city)
            let dx = try await token(city, city.staffA2)
            // three requests: one in operation with a measurement, one being investigated, one refused
            let records = [
                #"{"title":"A","department":"0101","current_procedure":"紙","cases_per_year":600,"minutes_now":30,"minutes_after":10,"staff_involved":1,"confidence":100,"effort_days":10,"cost_avoided":1200000,"measured_cases":500,"measured_minutes_after":12}"#,
                #"{"title":"B","department":"0101","current_procedure":"紙","cases_per_year":300,"minutes_now":20,"minutes_after":10,"staff_involved":1,"confidence":50,"effort_days":5}"#,
                #"{"title":"C","department":"02","current_procedure":"紙","cases_per_year":60,"minutes_now":10,"minutes_after":5,"staff_involved":1}"#,
            ]
            let made = try decodeJSON(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: dx, json: #"{"records":[\#(records.joined(separator: ","))]}"#), as: [String: [AppAPITests.Rec]].self)["records"]!
            func act(_ id: String, _ action: String, comment: String = "") async throws {
                let res = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(id)/actions", token: dx,
                                        json: #"{"action":"\#(action)","assignee":"\#(city.staffA2.id.uuidString)","comment":"\#(comment)"}"#)
                #expect(res.status == .ok, "\(action): \(res.body.string)")
            }
            for a in ["調査を始める", "内製で対応", "本運用を始める"] { try await act(made[0].id, a) }
            try await act(made[1].id, "調査を始める")
            try await act(made[2].id, "見送る", comment: "件数が少ない")
            // the DX office sees every request (the administrator, outside every record rule, would count none)
            let b = Browser(city.app)
            try await b.login(city.staffA2.staffNumber)
            try await b.get("/dx")
            let bad = try await b.post("/dx/target", ["target": "たくさん"])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("整数"), "\(bad.status) \(bad.body.string.prefix(800))")
            #expect(try await b.post("/dx/target", ["target": "1,000"]).status == .seeOther)
            let page = try await b.get("/dx")
            #expect(page.status == .ok)
            let html = page.body.string
            // estimated: A 200 h + B 50 h (C was refused); measured: A 500 × (30 − 12) / 60 = 150 h; target 1,000 h
            #expect(html.contains("250時間") && html.contains("150時間") && html.contains("1,000時間"), "\(html.prefix(3000))")
            #expect(html.contains("25.0%") && html.contains("15.0%"))
            #expect(html.contains("1,200,000円"), "cost avoided by the request in operation")
            #expect(html.contains("#2 B"), "the open request is ranked")
            #expect(!html.contains("#1 A</a></th>"), "a request in operation is not in the open ranking")
            let staff = Browser(city.app)
            try await staff.login(city.staffA.staffNumber)
            try await staff.get("/dx")
            #expect(try await staff.post("/dx/target", ["target": "5"]).status == .forbidden)
            // the shipped chart and calendar views draw
            let chart = try await staff.get("/apps/dx_requests?view=" + "削減時間（見込み）部署別".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(chart.status == .ok && chart.body.string.contains("<svg") && chart.body.string.contains("<caption>削減時間（見込み）部署別（表）</caption>"))
            let calendar = try await staff.get("/apps/dx_requests?view=" + "本運用の予定".addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&month=2026-04")
            #expect(calendar.status == .ok && calendar.body.string.contains("前の月"))
        }
    }
}

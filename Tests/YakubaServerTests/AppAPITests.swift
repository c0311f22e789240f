import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaApps

/// The app engine through its API (issue 6), with the shipped DX apps installed and the DX office mapped to S002.
@Suite("App engine API", .serialized)
struct AppAPITests {
    static func install(_ city: TestCity) async throws {
        _ = try await AppStore.install(city.app.yakuba.writer, municipalityId: city.muni.id, apps: ShippedApps.template.apps,
                                       roleMap: ["dx_office": ["staff:\(city.staffA2.id.uuidString.lowercased())"]], actor: city.admin.id)
    }

    static func request(_ city: TestCity, title: String = "介護保険の申請書を電子化", extra: String = "") -> String {
        #"{"record":{"title":"\#(title)","department":"0101","current_procedure":"紙で受け付けて転記","cases_per_year":1200,"minutes_now":30,"minutes_after":"10","staff_involved":2\#(extra)}}"#
    }

    struct Page: Decodable { var records: [Rec]; var next: String?; var count: Int; var countIsExact: Bool }
    struct Rec: Decodable { var id: String; var number: Int; var status: String?; var revision: Int; var assignees: [String]; var data: [String: AppValue] }
    struct Problem: Decodable { var status: Int; var title: String; var errors: [String: String]? }

    @Test func aRequestIsFiledRankedAndMovedThroughItsStatuses() async throws {
        try await withCity { city in
            try await Self.install(city)
            let s1 = try await token(city, city.staffA), dx = try await token(city, city.staffA2), other = try await token(city, city.staffB)
            let made = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: s1, json: Self.request(city))
            #expect(made.status == .created, "\(made.body.string)")
            let rec = try decodeJSON(made, as: Rec.self)
            #expect(rec.number == 1 && rec.status == "受付")
            #expect(rec.assignees == [city.staffA2.id.uuidString.lowercased()], "the DX office is the assignee")
            #expect(rec.data["hours_saved_estimated"] == .number(800))
            #expect(rec.data["department"] == .text(city.deptA1.id.uuidString.lowercased()), "a department code is read as its id")

            // the requester may not set the DX office's judgement fields
            let judged = try await api(city.app, .PATCH, "/api/v1/apps/dx_requests/records/\(rec.id)", token: s1, json: #"{"record":{"confidence":80}}"#)
            #expect(judged.status == .unprocessableEntity)
            #expect(try decodeJSON(judged, as: Problem.self).errors?["confidence"]?.contains("権限がありません") == true)

            // the DX office judges it, then moves it on, choosing who investigates
            let set = try await api(city.app, .PATCH, "/api/v1/apps/dx_requests/records/\(rec.id)", token: dx, json: #"{"revision":1,"record":{"confidence":80,"effort_days":20}}"#)
            #expect(set.status == .ok, "\(set.body.string)")
            #expect(try decodeJSON(set, as: Rec.self).data["priority"] == .number(32))
            let stale = try await api(city.app, .PATCH, "/api/v1/apps/dx_requests/records/\(rec.id)", token: dx, json: #"{"revision":1,"record":{"notes":"x"}}"#)
            #expect(stale.status == .conflict, "an old revision is refused")
            for bad in [#"{"revision":{},"record":{}}"#, #"{"revision":null,"record":{}}"#, #"{"revision":"1","record":{}}"#, #"{"revision":1.5,"record":{}}"#] {
                let refused = try await api(city.app, .PATCH, "/api/v1/apps/dx_requests/records/\(rec.id)", token: dx, json: bad)
                #expect(refused.status == .unprocessableEntity, "a revision that is not a whole number is refused: \(bad)")
            }
            #expect(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rec.id)/actions", token: dx, json: #"{"action":"調査を始める","assignee":5}"#).status == .unprocessableEntity)
            let moved = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rec.id)/actions", token: dx,
                                      json: #"{"action":"調査を始める","assignee":"\#(city.staffA2.id.uuidString)"}"#)
            #expect(moved.status == .ok, "\(moved.body.string)")
            #expect(try decodeJSON(moved, as: Rec.self).status == "調査")
            let notMine = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rec.id)/actions", token: s1, json: #"{"action":"内製で対応"}"#)
            #expect(notMine.status == .unprocessableEntity, "only the assignee moves it")
            let noReason = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rec.id)/actions", token: dx, json: #"{"action":"見送る"}"#)
            #expect(try decodeJSON(noReason, as: Problem.self).errors?["comment"] != nil)

            // a department sees its own requests; another department sees nothing of them
            let mine = try decodeJSON(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records", token: s1), as: Page.self)
            #expect(mine.records.map(\.id) == [rec.id])
            let theirs = try decodeJSON(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records", token: other), as: Page.self)
            #expect(theirs.records.isEmpty)
            #expect(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records/\(rec.id)", token: other).status == .notFound)
            let m1 = try await token(city, city.approverA)
            let managed = try decodeJSON(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records", token: m1), as: Page.self)
            #expect(managed.records.count == 1, "the 所属長 of 総務部 sees the 人事課's request")

            // comments with a mention notify the person mentioned
            let c = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rec.id)/comments", token: dx, json: #"{"comment":"@S001 件数の根拠を教えてください"}"#)
            #expect(c.status == .created)
            let sql = city.app.db as! any SQLDatabase
            let notes = try await sql.raw("SELECT kind FROM notifications WHERE staff_id = \(bind: city.staffA.id)").all().map { try $0.decode(column: "kind", as: String.self) }
            #expect(notes.contains("app.mentioned"))
            let history = try await AppStore.history(sql, recordId: rec.id)
            #expect(history.map(\.event.kind) == ["created", "updated", "action", "comment"])
            #expect(history[1].event.changes?.map(\.field) == ["confidence", "effort_days", "priority"])
            let ledger = try await sql.raw("SELECT type FROM ledger WHERE subject_id = \(bind: rec.id) ORDER BY seq").all().map { try $0.decode(column: "type", as: String.self) }
            #expect(ledger == ["app_record.created", "app_record.updated", "app_record.action", "app_record.comment"])

            // another municipality never sees the app
            let outsider = try await token(city, city.otherHR)
            #expect(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records", token: outsider).status == .notFound)
        }
    }

    /// "API tokens scoped to apps": a token for RPA reads (or writes) the apps it names, and nothing else of its owner's.
    @Test func aTokenLimitedToAnAppCallsThatAppAndNothingElse() async throws {
        try await withCity { city in
            try await Self.install(city)
            let owner = city.staffA2   // the DX office: manages every shipped app when signed in
            let read = try await TokenController.issue(city.app.yakuba, staff: owner, name: "rpa", actor: owner.id, scope: TokenScope(apps: [ShippedApps.requestsCode], write: false))
            let write = try await TokenController.issue(city.app.yakuba, staff: owner, name: "rpa", actor: owner.id, scope: TokenScope(apps: [ShippedApps.requestsCode], write: true))
            #expect(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records", token: read).status == .ok)
            let refused = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: read, json: Self.request(city))
            #expect(refused.status == .forbidden, "read only: \(refused.body.string)")
            let written = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: write, json: Self.request(city))
            #expect(written.status == .created)
            let rid = try decodeJSON(written, as: Rec.self).id
            // view rights alone let the owner comment or, as the assignee, act: a read-only token does neither
            let comment = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rid)/comments", token: read, json: #"{"comment":"読むだけ"}"#)
            #expect(comment.status == .forbidden && comment.body.string.contains("読み取り専用"), "\(comment.body.string)")
            #expect(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records/\(rid)/actions", token: read, json: #"{"action":"調査を始める"}"#).status == .forbidden)
            let apps = try await api(city.app, .GET, "/api/v1/apps", token: read)
            #expect(apps.status == .ok && apps.body.string.contains("dx_requests") && !apps.body.string.contains(ShippedApps.helpdeskCode), "\(apps.body.string)")
            #expect(try await api(city.app, .GET, "/api/v1/apps/\(ShippedApps.helpdeskCode)/records", token: write).status == .notFound, "another app is not there for it")
            let punches = try await api(city.app, .GET, "/api/v1/punches", token: write)
            #expect(punches.status == .forbidden && punches.body.string.contains("専用"), "\(punches.body.string)")
            #expect(try await api(city.app, .GET, "/apps", token: write).status == .forbidden, "nor the pages")

            // made on the tokens page: apps the person can see, read only unless ticked
            let b = Browser(city.app)
            try await b.login(owner.staffNumber)
            let page = try await b.get("/tokens")
            #expect(page.body.string.contains("アプリ専用にする") && page.body.string.contains("value=\"dx_requests\""))
            let made = try await b.post("/tokens", ["name": "RPA 集計", "app": "dx_requests"])
            #expect(made.status == .created && made.body.string.contains("デジタル化相談案件（読み取りのみ）"), "\(made.body.string.prefix(3000))")
            let unknown = try await b.post("/tokens", ["name": "RPA", "app": "nothing_here"])
            #expect(unknown.status == .unprocessableEntity && unknown.body.string.contains("見られないため選べません"))
            let noApps = try await b.post("/tokens", ["name": "RPA", "write": "1"])
            #expect(noApps.status == .unprocessableEntity && noApps.body.string.contains("アプリを選んでください"))
        }
    }

    /// On SQLite a chart's rows are added up in Swift (no temporary B-tree sort of every record); it must give exactly what
    /// SQL's GROUP BY gives, for every kind of chart, with and without a filter.
    @Test func chartsAddedUpInSwiftEqualSQLsGroupBy() async throws {
        try await withCity { city in
            try await Self.install(city)
            let dx = try await token(city, city.staffA2)
            let depts = [city.deptA1.code, city.deptB.code, "0101"]
            let records = (0..<60).map { i in
                #"{"title":"案件\#(i)","department":"\#(depts[i % 3])","current_procedure":"紙","cases_per_year":\#(i * 10),"minutes_now":\#(5 + i % 7),"minutes_after":\#(i % 5),"staff_involved":\#(1 + i % 2)\#(i % 4 == 0 ? #","go_live":"2026-0\#(1 + i % 9)-15""# : "")}"#
            }
            let made = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: dx, json: #"{"records":[\#(records.joined(separator: ","))]}"#)
            #expect(made.status == .created, "\(made.body.string.prefix(500))")
            let sql = city.app.db.sql
            let scope = Scope(principal: TokenCache.principal(city.staffA2, viaToken: false), municipality: city.muni,
                              tree: DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: city.muni.id)), approverOf: [])
            let app = try #require(try await AppStore.app(sql, municipalityId: city.muni.id, code: "dx_requests"))
            let a = AppsService.access(scope, app, dialect: .sqlite)
            guard let path = city.app.yakuba.sqlitePath else { return }   // PostgreSQL groups in SQL only
            let specs = [
                ChartSpec(aggregate: .count, groups: [.init(field: "department"), .init(field: "status")]),
                ChartSpec(aggregate: .sum, field: "cases_per_year", groups: [.init(field: "department")]),
                ChartSpec(aggregate: .average, field: "minutes_now", groups: [.init(field: "staff_involved")]),
                ChartSpec(aggregate: .sum, field: "hours_saved_estimated", groups: [.init(field: "go_live", period: .month)]),
                ChartSpec(aggregate: .average, field: "go_live_missing_is_fine", groups: [.init(field: "department")]),
            ].dropLast()
            for query in [RecordQuery(), try RecordQuery(parsing: "cases_per_year >= 200")] {
                for spec in specs {
                    let viaSQL = try await AppStore.aggregate(sql, a, spec: spec, query: query)
                    let inSwift = try await AppStore.aggregate(sql, a, spec: spec, query: query, sqlitePath: path)
                    #expect(!viaSQL.isEmpty && viaSQL == inSwift, "\(spec): \(viaSQL) vs \(inSwift)")
                }
            }
        }
    }

    @Test func badValuesAreRefusedFieldByFieldAndNothingIsSaved() async throws {
        try await withCity { city in
            try await Self.install(city)
            let s1 = try await token(city, city.staffA)
            let bad = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: s1,
                                    json: #"{"record":{"title":"","department":"9999","cases_per_year":"たくさん","solution":"魔法","ghost":1,"hours_now":5}}"#)
            #expect(bad.status == .unprocessableEntity)
            let errors = try decodeJSON(bad, as: Problem.self).errors ?? [:]
            #expect(Set(errors.keys) == ["title", "department", "current_procedure", "cases_per_year", "solution", "ghost", "hours_now"], "\(errors)")
            #expect(errors["solution"]?.contains("選択肢にありません") == true)
            #expect(errors["department"]?.contains("見つかりません") == true)
            // a bulk write with one bad record writes none
            var many = (0..<3).map { i in #"{"title":"案件\#(i)","department":"0101","current_procedure":"紙"}"# }
            many.append(#"{"title":"","department":"0101","current_procedure":"紙"}"#)
            let bulk = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: s1, json: #"{"records":[\#(many.joined(separator: ","))]}"#)
            #expect(bulk.status == .unprocessableEntity)
            #expect(try decodeJSON(bulk, as: Problem.self).errors?["records[3].title"] != nil)
            let sql = city.app.db as! any SQLDatabase
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM app_records").first()?.decode(column: "n", as: Int.self) == 0)
            let tooMany = "[" + Array(repeating: #"{"title":"a","department":"0101","current_procedure":"b"}"#, count: 101).joined(separator: ",") + "]"
            #expect(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: s1, json: #"{"records":\#(tooMany)}"#).status == .unprocessableEntity)
            #expect(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: s1, json: "[1,2]").status == .badRequest)
            let query = try await api(city.app, .GET, "/api/v1/apps/dx_requests/records?query=" + "status = 受付".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, token: s1)
            #expect(query.status == .unprocessableEntity)
            #expect(try decodeJSON(query, as: Problem.self).errors?["query"] != nil)
        }
    }

    @Test func bulkWritesListsWithQueriesAndCursorsCoverEveryRecordOnce() async throws {
        try await withCity { city in
            try await Self.install(city)
            let dx = try await token(city, city.staffA2)
            let records = (0..<100).map { i in #"{"title":"案件\#(i)","department":"0101","current_procedure":"紙","cases_per_year":\#(i % 10 * 100),"minutes_now":10,"minutes_after":5,"staff_involved":1,"confidence":100,"effort_days":\#(i % 7 + 1)}"# }
            let made = try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: dx, json: #"{"records":[\#(records.joined(separator: ","))]}"#)
            #expect(made.status == .created)
            var seen: [String] = [], cursor: String? = nil, previous = Decimal.greatestFiniteMagnitude
            let q = "cases_per_year >= 300 order by priority desc".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            repeat {
                let page = try decodeJSON(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records?limit=7&query=\(q)" + (cursor.map { "&cursor=\($0)" } ?? ""), token: dx), as: Page.self)
                for r in page.records {
                    let p = r.data["priority"]?.number ?? 0
                    #expect(p <= previous, "sorted by priority, descending")
                    previous = p
                    #expect(r.data["cases_per_year"]!.number! >= 300)
                }
                seen += page.records.map(\.id)
                cursor = page.next
            } while cursor != nil
            #expect(seen.count == 70 && Set(seen).count == 70)
            let exact = try decodeJSON(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records?limit=5&count=exact&query=\(q)", token: dx), as: Page.self)
            #expect(exact.count == 70 && exact.countIsExact)
            // bulk update: all or none
            let two = exact.records.prefix(2).map { #"{"id":"\#($0.id)","record":{"notes":"確認済み"}}"# }.joined(separator: ",")
            #expect(try await api(city.app, .PATCH, "/api/v1/apps/dx_requests/records", token: dx, json: #"{"records":[\#(two)]}"#).status == .ok)
            #expect(try await api(city.app, .GET, "/api/v1/apps/dx_requests/records?cursor=garbage", token: dx).status == .unprocessableEntity)
        }
    }

    @Test func aLinkToARecordTheCallerCannotSeeIsRefused() async throws {
        try await withCity { city in
            try await Self.install(city)
            let s1 = try await token(city, city.staffA), other = try await token(city, city.staffB)
            let req = try decodeJSON(try await api(city.app, .POST, "/api/v1/apps/dx_requests/records", token: s1, json: Self.request(city)), as: Rec.self)
            let help = #"{"record":{"subject":"入力の相談","received_at":"2026-04-01T09:00","channel":"電話","category":"業務改善の相談","description":"…","request":"\#(req.number)"}}"#
            let ok = try await api(city.app, .POST, "/api/v1/apps/dx_helpdesk/records", token: s1, json: help)
            #expect(ok.status == .created, "\(ok.body.string)")
            #expect(try decodeJSON(ok, as: Rec.self).data["request"] == .text(req.id), "a record number is read as the record's id")
            let refused = try await api(city.app, .POST, "/api/v1/apps/dx_helpdesk/records", token: other, json: help)
            #expect(refused.status == .unprocessableEntity, "\(refused.body.string)")
            #expect(try decodeJSON(refused, as: Problem.self).errors?["request"]?.contains("見る権限がありません") == true, "\(refused.body.string)")
        }
    }
}

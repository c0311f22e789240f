import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore
import YakubaInsights

@Suite("Published indicators and the personal data behind them (issue 5)", .serialized)
struct IndicatorPageTests {
    static func ledger(_ city: TestCity, _ type: String) async throws -> [String] {
        try await city.app.db.sql.select().column("payload").from("ledger").where("type", .equal, SQLBind(type))
            .all(decodingColumn: "payload", as: String.self)
    }

    /// An approved request of `code` for `staff` on `day`, as the approval route leaves it.
    static func approvedLeave(_ city: TestCity, _ staff: StaffRow, _ code: String, _ day: CalendarDate) async throws {
        let days = [LeaveDay(date: day, minutes: 465, range: nil)]
        let row = LeaveRequestRow(id: UUID.timeOrdered(), municipalityId: staff.municipalityId, staffId: staff.id, typeCode: code, fromDate: day.iso,
                                  toDate: day.iso, unit: "day", half: nil, startMinute: nil, endMinute: nil, relationship: nil,
                                  days: String(decoding: try JSONEncoder().encode(days), as: UTF8.self), minutes: 465, reason: "", requestedAtMs: nowMs())
        let decision = LeaveDecisionRow(id: UUID.timeOrdered(), requestId: row.id, step: 0, outcome: "approved", decidedBy: city.approverA.id, onBehalfOf: nil,
                                        comment: "", decidedAtMs: nowMs())
        try await city.app.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "leave_requests").model(row, with: rowEncoder).run()
            try await sql.insert(into: "leave_decisions").model(decision, with: rowEncoder).run()
            return []
        }
    }

    /// The CSV's line for the whole municipality's all-staff column and `label`.
    static func csvLine(_ csv: String, _ label: String) -> [String]? {
        csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            .first { $0.count > 4 && $0[1] == "団体全体" && $0[2] == "全体" && $0[4] == label }
    }

    @Test func hrRecordsSexAndBirthsWithMessagesForBadInputAndEveryViewIsOnTheLedger() async throws {
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let hr = Browser(city.app)
            try await hr.login("H001")
            let base = "/admin/staff/\(city.staffA2.id.uuidString)/personal"
            var page = try await hr.get(base)
            #expect(page.status == .ok && page.body.string.contains("性別と子の出生"))
            #expect(try await Self.ledger(city, "personal.viewed").count == 1, "opening a person's record is logged")
            var res = try await hr.post(base + "/sex", ["sex": "other"])
            #expect(res.status == .unprocessableEntity && res.body.string.contains("女性・男性・登録しないのいずれかを選んでください。"))
            #expect(res.body.string.contains("aria-describedby=\"sex-error\""))
            res = try await hr.post(base + "/sex", [:])
            #expect(res.status == .unprocessableEntity)
            res = try await hr.post(base + "/sex", ["sex": "male"])
            #expect(res.status == .seeOther)
            // the same again records nothing new
            try await hr.get(base)
            #expect(try await hr.post(base + "/sex", ["sex": "male"]).status == .seeOther)
            #expect(try await Self.ledger(city, "staff.personal_recorded").count == 1)
            for (bad, message) in [("", "子の生年月日を入力してください。"), ("2026-02-30", "2026-05-01 の形"), (today.adding(days: 1).iso, "未来の日付"),
                                   ("1949-12-31", "古すぎます")] {
                res = try await hr.post(base + "/births", ["birth_date": bad])
                #expect(res.status == .unprocessableEntity && res.body.string.contains(message), "\(bad)")
                #expect(res.body.string.contains("id=\"birth_date-error\""), "the message is beside the field")
            }
            #expect(try await hr.post(base + "/births", ["birth_date": today.iso]).status == .seeOther)
            res = try await hr.post(base + "/births", ["birth_date": today.iso])
            #expect(res.status == .unprocessableEntity && res.body.string.contains("登録済み"))
            let record = try #require(try await PersonalRepository.records(city.app.db.sql, municipalityId: city.muni.id, staffIds: [city.staffA2.id])[city.staffA2.id])
            #expect(record.sex == .male && record.births.map(\.date) == [today])
            // a birth that is not there cannot be withdrawn
            #expect(try await hr.post(base + "/births/withdraw", ["fact": UUID().uuidString]).status == .unprocessableEntity)

            // the staff member themself, their manager and the system administrator cannot see it
            for who in ["S002", "M001", "A001"] {
                let b = Browser(city.app)
                try await b.login(who)
                #expect(try await b.get(base).status == .forbidden, "\(who)")
                #expect(try await b.get("/indicators").status == .forbidden, "\(who)")
            }
            // another municipality's HR: not found
            page = try await hr.get("/admin/staff/\(city.otherHR.id.uuidString)/personal")
            #expect(page.status == .notFound)
            // the staff edit page links to the record for HR
            #expect(try await hr.get("/admin/staff/\(city.staffA2.id.uuidString)/edit").body.string.contains(base))
        }
    }

    @Test func theIndicatorsCountWhatHRRecordedAndTheLeavesApproved() async throws {
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let hr = Browser(city.app)
            try await hr.login("H001")
            // S002 is a father this year who took 配偶者出産休暇; S001 is a woman; the rest are not recorded
            for (s, sex) in [(city.staffA2, "male"), (city.staffA, "female")] {
                try await hr.get("/admin/staff/\(s.id.uuidString)/personal")
                #expect(try await hr.post("/admin/staff/\(s.id.uuidString)/personal/sex", ["sex": sex]).status == .seeOther)
            }
            try await hr.get("/admin/staff/\(city.staffA2.id.uuidString)/personal")
            #expect(try await hr.post("/admin/staff/\(city.staffA2.id.uuidString)/personal/births", ["birth_date": today.iso]).status == .seeOther)
            try await Self.approvedLeave(city, city.staffA2, "spouse_birth", today)

            let views = try await Self.ledger(city, "personal.viewed").count
            let page = try await hr.get("/indicators")
            #expect(page.status == .ok)
            let html = page.body.string
            for text in ["公表指標", "団体全体", "市長部局", "男性職員の配偶者出産休暇の取得率", "管理的地位（課長級以上）にある職員に占める女性の割合",
                         "性別が登録されていない在職者が", "<th scope=\"col\">常勤職員</th>", "指標の定義"] {
                #expect(html.contains(text), "\(text)")
            }
            #expect(try await Self.ledger(city, "personal.viewed").count == views + 1, "each view of the indicators is logged")

            let csv = try await hr.get("/indicators.csv")
            #expect(csv.status == .ok && csv.headers.first(name: .contentType)?.contains("text/csv") == true)
            let body = csv.body.string
            let spouse = try #require(Self.csvLine(body, "男性職員の配偶者出産休暇の取得率"))
            #expect(spouse[5] == "100.0" && spouse[7] == "1" && spouse[8] == "1", "\(spouse)")
            let women = try #require(Self.csvLine(body, "職員に占める女性の割合"))
            #expect(women[5] == "50.0" && women[7] == "1" && women[8] == "2", "one woman of the two recorded: \(women)")
            let men = try #require(Self.csvLine(body, "男性職員の育児休業取得率"))
            #expect(men[5] == "0.0" && men[7] == "0" && men[8] == "1", "a father who did not take 育児休業: 0 of 1 is 0%: \(men)")
            #expect(try #require(Self.csvLine(body, "職員の給与の男女の差異"))[5] == "", "no pay data: not computed")

            // withdrawn in error: he is no longer newly eligible
            let record = try #require(try await PersonalRepository.records(city.app.db.sql, municipalityId: city.muni.id, staffIds: [city.staffA2.id])[city.staffA2.id])
            try await hr.get("/admin/staff/\(city.staffA2.id.uuidString)/personal")
            #expect(try await hr.post("/admin/staff/\(city.staffA2.id.uuidString)/personal/births/withdraw", ["fact": record.births[0].factId.uuidString]).status == .seeOther)
            let after = try await hr.get("/indicators.csv").body.string
            #expect(try #require(Self.csvLine(after, "男性職員の配偶者出産休暇の取得率"))[8] == "0")

            // bad queries: 422 with the message
            for (q, message) in [("basis=monthly", "集計の単位は「年度」か「暦年」から選んでください。"), ("year=abc", "西暦4桁"), ("year=1990", "西暦4桁"),
                                 ("year=2010", "この期間のデータはありません。"), ("employer=nobody", "特定事業主が正しくありません。")] {
                let res = try await hr.get("/indicators?\(q)")
                #expect(res.status == .unprocessableEntity && res.body.string.contains(message), "\(q)")
                #expect(try await hr.get("/indicators.csv?\(q)").status == .unprocessableEntity, "\(q)")
            }
            #expect(try await hr.get("/indicators.csv?encoding=ebcdic").status == .unprocessableEntity)
            #expect(try await hr.get("/indicators.csv?encoding=sjis").status == .ok)
            // one body: its table only
            let one = try await hr.get("/indicators?employer=educationBoard").body.string
            #expect(one.contains("教育委員会") && !one.contains("id=\"t-all\""))
        }
    }

    @Test func rankClassesAreMappedByHRAndCountWomenInManagement() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/staff/\(city.staffA.id.uuidString)/personal")
            #expect(try await hr.post("/admin/staff/\(city.staffA.id.uuidString)/personal/sex", ["sex": "female"]).status == .seeOther)
            var csv = try await hr.get("/indicators.csv").body.string
            #expect(try #require(Self.csvLine(csv, "管理的地位（課長級以上）にある職員に占める女性の割合"))[8] == "0", "主事 is general staff by default")
            let page = try await hr.get("/admin/rank-classes").body.string
            #expect(page.contains("主事") && page.contains("aria-label=\"主事の役職段階\""))
            // every title in the test city is 主事: make it management
            var res = try await hr.post("/admin/rank-classes", ["title-0": "主事", "class-0": "boss"])
            #expect(res.status == .unprocessableEntity && res.body.string.contains("役職段階を一覧から選んでください"))
            res = try await hr.post("/admin/rank-classes", ["title-0": "主事", "class-0": "management"])
            #expect(res.status == .seeOther)
            #expect(try await Self.ledger(city, "rank_classes.updated").count == 1)
            csv = try await hr.get("/indicators.csv").body.string
            let share = try #require(Self.csvLine(csv, "管理的地位（課長級以上）にある職員に占める女性の割合"))
            #expect(share[7] == "1" && share[8] == "1", "\(share)")
        }
    }

    @Test func theRosterImportCarriesSexForHROnly() async throws {
        try await withCity { city in
            let header = "職員番号,姓,名,姓カナ,名カナ,雇用形態,所属コード,職名,勤務曜日,始業,終業,休憩,任用開始日,役割,性別\r\n"
            let rows = header + "T001,髙橋,一郎,タカハシ,イチロウ,常勤,0101,主事,月-金,8:30,17:15,60,2025-04-01,,男性\r\n"
                + "T002,山田,花子,ヤマダ,ハナコ,常勤,0101,主事,月-金,8:30,17:15,60,2025-04-01,,女\r\n"
            let admin = Browser(city.app)
            try await admin.login("A001")
            try await admin.get("/admin/import")
            var res = try await ImportAndProxyTests().upload(admin, Array(rows.utf8))
            #expect(res.status == .unprocessableEntity && res.body.string.contains("性別の列は人事課の職員だけが取り込めます"))
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/import")
            res = try await ImportAndProxyTests().upload(hr, Array((header + "T003,山田,花子,ヤマダ,ハナコ,常勤,0101,主事,月-金,8:30,17:15,60,2025-04-01,,不明\r\n").utf8))
            #expect(res.status == .unprocessableEntity && res.body.string.contains("性別は「女性」「男性」です"))
            res = try await ImportAndProxyTests().upload(hr, Array(rows.utf8))
            #expect(res.status == .seeOther)
            let t2 = try #require(try await StaffRepository.find(city.app.db.sql, municipalityId: city.muni.id, staffNumber: "T002"))
            #expect(try await PersonalRepository.records(city.app.db.sql, municipalityId: city.muni.id, staffIds: [t2.id])[t2.id]?.sex == .female)
            #expect(try await Self.ledger(city, "staff.personal_recorded").count == 2)
        }
    }
}

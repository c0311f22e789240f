import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import YakubaServer
import YakubaCore

@Suite("Overtime: orders, limits, reports", .serialized)
struct OvertimeTests {
    /// The next working day from today (so an ordinary order is not a past day), in the city's zone.
    static func nextWorkDay(_ city: TestCity) -> CalendarDate {
        var d = CalendarDate(Date(), in: city.muni.zone)
        while d.weekday == 0 || d.weekday == 6 || city.muni.holidays.isHoliday(d) { d = d.adding(days: 1) }
        return d
    }

    /// An order made directly, for tests that need one in place (the matrix uses it too).
    static func placeOrder(_ city: TestCity, staff: StaffRow, date: CalendarDate, start: Int, end: Int) async throws -> UUID {
        let row = OvertimeOrderRow(id: UUID.timeOrdered(), municipalityId: staff.municipalityId, staffId: staff.id, departmentId: staff.departmentId,
                                   date: date.iso, startMinute: start, endMinute: end, reason: "テスト", urgent: false, specialCase: false,
                                   specialReason: nil, orderedBy: city.approverA.id, orderedAtMs: nowMs())
        try await city.app.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "overtime_orders").model(row, with: rowEncoder).run()
            return []
        }
        return row.id
    }

    @Test func aDepartmentUnderA36AgreementIsHeldToItsOwnLimits() async throws {
        // 36協定 as data (work-rules §2.2): 建設部 as a 公営企業 with 30h a month and no special clause
        try await withCity { city in
            let day = Self.nextWorkDay(city)
            let month = YearMonth(day)
            let hr = Browser(city.app)
            try await hr.login("H001")
            #expect(try await hr.get("/admin/departments").body.string.contains("36協定の上限"))
            var form = ["department": city.deptB.id.uuidString, "workload": "agreement_36", "from_month": month.iso,
                        "ag_month": "46", "ag_year": "300"]
            var res = try await hr.post("/admin/departments/workload", form)
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("月の上限（時間）を1〜45の整数で入力してください"), "beyond the 限度時間 of LSA 36条")
            #expect(try await OvertimeRepository.workloads(city.app.db.sql, municipalityId: city.muni.id).isEmpty, "nothing saved")
            form["ag_month"] = "30"
            res = try await hr.post("/admin/departments/workload", form)
            #expect(res.status == .seeOther)
            #expect(try await hr.get("/admin/departments").body.string.contains("36協定（月30時間・年300時間）（\(month.iso)から）"))
            #expect(try await hr.post("/admin/departments/workload", form).body.string.contains("すでに"), "the same designation twice")

            // 28h already ordered; 3h more would cross 30h: refused with the agreement's limit named
            var d = month.first
            var placed = 0
            while placed < 28 * 60 {
                if d != day { _ = try await Self.placeOrder(city, staff: city.staffB, date: d, start: 1080, end: 1200); placed += 120 }
                d = d.adding(days: 1)
            }
            try await hr.get("/overtime/new")
            res = try await hr.post("/overtime", ["staff_number": "S101", "date": day.iso, "start": "17:15", "end": "20:15", "reason": "浄水場の修繕"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("上限を超える命令です"))
            let staff = Browser(city.app)
            try await staff.login("S101")
            #expect(try await staff.get("/overtime?month=\(month.iso)").body.string.contains("36協定（月30時間・年300時間）"), "the person sees which rules apply")
        }
    }

    @Test func externallyDrivenDepartmentWarnsThenNeedsSpecialCase() async throws {
        try await withCity { city in
            let day = Self.nextWorkDay(city)
            let month = YearMonth(day)
            // HR designates 総務部 as 他律 from this month: the limits become under 100h a month
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/departments")
            var res = try await hr.post("/admin/departments/workload", ["department": city.deptA.id.uuidString, "workload": "externally_driven", "from_month": month.iso])
            #expect(res.status == .seeOther)
            let page = try await hr.get("/admin/departments")
            #expect(page.body.string.contains("他律部署（\(month.iso)から）"))
            // 人事課 below it inherits
            let tree = DepartmentTree(try await DepartmentRepository.all(city.app.db.sql, municipalityId: city.muni.id))
            let map = WorkloadMap(try await OvertimeRepository.workloads(city.app.db.sql, municipalityId: city.muni.id), tree: tree)
            #expect(map.regime(city.deptA1.id, month: month) == .workload(.externallyDriven))
            #expect(map.regime(city.deptB.id, month: month) == .workload(.selfPaced))
            #expect(map.regime(city.deptA1.id, month: month.previous) == .workload(.selfPaced))

            // 95h already ordered this month (the days before; 5h a day), as data
            var d = month.first
            var placed = 0
            while placed < 95 * 60 {
                if d != day { _ = try await Self.placeOrder(city, staff: city.staffA, date: d, start: 1080, end: 1380); placed += 300 }
                d = d.adding(days: 1)
            }
            // the manager orders 3h more: 98h is allowed, with a warning in the flash
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/overtime/new")
            res = try await manager.post("/overtime", ["staff_number": "S001", "date": day.iso, "start": "17:15", "end": "20:15", "reason": "議会対応"])
            #expect(res.status == .seeOther, "\(res.body.string.prefix(500))")
            var list = try await manager.get("/overtime?month=\(month.iso)")
            #expect(list.body.string.contains("月100時間未満"))
            #expect(list.body.string.contains("注意"))
            // 2h more would reach 100h: refused with the limit named, until designated 特例業務 with a reason
            try await manager.get("/overtime/new")
            res = try await manager.post("/overtime", ["staff_number": "S001", "date": day.iso, "start": "20:15", "end": "22:15", "reason": "議会対応"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("上限を超える命令です"))
            #expect(res.body.string.contains("月100時間未満"))
            #expect(res.body.string.contains("医師による面接指導"))
            res = try await manager.post("/overtime", ["staff_number": "S001", "date": day.iso, "start": "20:15", "end": "22:15", "reason": "議会対応", "special_case": "1"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("特例とする理由を入力してください"))
            res = try await manager.post("/overtime", ["staff_number": "S001", "date": day.iso, "start": "20:15", "end": "22:15", "reason": "議会対応",
                                                       "special_case": "1", "special_reason": "大雨災害の避難所運営"])
            #expect(res.status == .seeOther)
            list = try await manager.get("/overtime?month=\(month.iso)")
            #expect(list.body.string.contains("特例業務"))
            #expect(list.body.string.contains("上限超過"))
            // a 特例 past the limit needs 要因の整理・分析・検証 for the fiscal year
            #expect(list.body.string.contains("記録が必要：職員 太郎（S001）"))
            res = try await manager.post("/overtime/analyses", ["staff_number": "S001", "factors": "大雨災害", "analysis": "", "verification": "応援体制"])
            #expect(res.status == .unprocessableEntity)
            res = try await manager.post("/overtime/analyses", ["staff_number": "S001", "factors": "大雨災害で避難所運営が続いた", "analysis": "他課の応援が遅れた",
                                                                "verification": "応援の手順を定めた", "fiscal_year": "\(FiscalYear(containing: day).startYear)"])
            #expect(res.status == .seeOther)
            #expect(try await manager.get("/overtime?month=\(month.iso)").body.string.contains("記録済み：職員 太郎（S001）"))
            // every write is on the ledger
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.filter { $0 == "overtime.ordered" }.count == 2)
            #expect(types.contains("overtime.analysis_recorded"))
            #expect(types.contains("department.workload_set"))
        }
    }

    @Test func badOrdersAreRefusedAndNothingIsSaved() async throws {
        try await withCity { city in
            let day = Self.nextWorkDay(city)
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/overtime/new")
            func post(_ f: [String: String]) async throws -> TestingHTTPResponse { try await manager.post("/overtime", f) }
            let ok = ["staff_number": "S001", "date": day.iso, "start": "17:15", "end": "19:00", "reason": "資料作成"]
            var f = ok; f["staff_number"] = "S101" // another department
            var res = try await post(f)
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("あなたが命令できる職員はいません"))
            f = ok; f["staff_number"] = "M001" // oneself
            res = try await post(f); #expect(res.body.string.contains("自分に超過勤務を命令することはできません"))
            f = ok; f["start"] = "16:00" // inside 正規の勤務時間
            res = try await post(f); #expect(res.body.string.contains("正規の勤務時間（8:30〜17:15）と重なっています"))
            f = ok; f["end"] = "17:00"
            res = try await post(f); #expect(res.body.string.contains("終了時刻は開始時刻より後に"))
            f = ok; f["date"] = day.adding(days: -7).iso // a past day without the urgent flag
            res = try await post(f); #expect(res.body.string.contains("緊急の場合だけ"))
            f = ok; f["reason"] = "  "
            res = try await post(f); #expect(res.body.string.contains("業務の内容・理由を入力してください"))
            f = ok; f["start"] = "25:99"
            res = try await post(f); #expect(res.body.string.contains("開始時刻を正しく入力してください"))
            #expect(res.body.string.contains("aria-invalid=\"true\""))
            let count = try await city.app.db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("overtime_orders")
                .first(decodingColumn: "n", as: Int.self)
            #expect(count == 0)
            // a past day with the urgent flag is accepted (事後命令)
            f = ok; f["date"] = day.adding(days: -7).iso; f["urgent"] = "1"
            res = try await post(f); #expect(res.status == .seeOther)
        }
    }

    @Test func staffWhoAskedCannotBeOrdered() async throws {
        try await withCity { city in
            let day = Self.nextWorkDay(city)
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/overtime")
            var res = try await hr.post("/overtime/exemptions", ["staff_number": "S001", "reason": "child_under_3", "from": day.adding(days: -30).iso, "to": day.adding(days: 300).iso])
            #expect(res.status == .seeOther)
            res = try await hr.post("/overtime/exemptions", ["staff_number": "S001", "reason": "child_under_3", "from": day.iso, "to": day.adding(days: -1).iso])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("終了日は開始日以降に"))
            let manager = Browser(city.app)
            try await manager.login("M001")
            try await manager.get("/overtime/new")
            res = try await manager.post("/overtime", ["staff_number": "S001", "date": day.iso, "start": "17:15", "end": "19:00", "reason": "資料作成"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.body.string.contains("3歳未満の子の養育のため超過勤務をさせないよう請求しています"))
        }
    }

    @Test func staffReportsManagerConfirmsOnlyOrderedTimeIsPaid() async throws {
        try await withCity { city in
            let today = CalendarDate(Date(), in: city.muni.zone)
            let id = try await Self.placeOrder(city, staff: city.staffA, date: today, start: 1035, end: 1155) // 17:15–19:15
            let staff = Browser(city.app)
            try await staff.login("S001")
            let page = try await staff.get("/overtime")
            #expect(page.body.string.contains("実績を報告"))
            // a colleague cannot report it, nor the manager
            let colleague = Browser(city.app)
            try await colleague.login("S002")
            try await colleague.get("/overtime")
            #expect(try await colleague.post("/overtime/\(id)/report", ["start": "17:15", "end": "20:00"]).status == .notFound)
            #expect(try await staff.post("/overtime/\(id)/report", ["start": "17:15", "end": "17:00"]).status == .unprocessableEntity)
            #expect(try await staff.post("/overtime/\(id)/report", ["start": "17:15", "end": "20:00"]).status == .seeOther)
            #expect(try await staff.post("/overtime/\(id)/report", ["start": "17:15", "end": "20:00"]).status == .conflict)
            // the staff member cannot confirm their own
            #expect(try await staff.post("/overtime/\(id)/confirm", [:]).status == .forbidden)
            let manager = Browser(city.app)
            try await manager.login("M001")
            let waiting = try await manager.get("/overtime")
            #expect(try await manager.post("/overtime/\(id)/report", ["start": "17:15", "end": "20:00"]).status == .forbidden)
            #expect(waiting.body.string.contains("確認する"))
            let res = try await manager.post("/overtime/\(id)/confirm", [:])
            #expect(res.status == .seeOther)
            let record = try #require(try await OvertimeRepository.find(city.app.db.sql, id: id))
            #expect(record.status == .confirmed)
            #expect(record.paidRange == MinuteRange(start: 1035, end: 1155)) // 20:00 reported, 19:15 ordered: 2h paid
            #expect(try await manager.post("/overtime/\(id)/cancel", [:]).status == .conflict)
        }
    }

    @Test func workloadDesignationValidates() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login("H001")
            try await hr.get("/admin/departments")
            var res = try await hr.post("/admin/departments/workload", ["department": UUID().uuidString, "workload": "externally_driven", "from_month": "2099-01"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("組織を選んでください"))
            res = try await hr.post("/admin/departments/workload", ["department": city.deptA.id.uuidString, "workload": "externally_driven", "from_month": "2001-04"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("過去の年度にさかのぼって変更することはできません"))
            res = try await hr.post("/admin/departments/workload", ["department": city.deptA.id.uuidString, "workload": "busy", "from_month": "2099-01"])
            #expect(res.status == .unprocessableEntity); #expect(res.body.string.contains("区分を選んでください"))
            let n = try await city.app.db.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("department_workloads")
                .first(decodingColumn: "n", as: Int.self)
            #expect(n == 0)
        }
    }
}

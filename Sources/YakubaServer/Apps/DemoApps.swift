import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// The demo city's DX office (issue 6): the shipped apps installed from their template, with the DX office role mapped to
/// the DX staff, about a hundred digitisation requests from the departments at every stage (Kitakyushu registered 104),
/// helpdesk consultations over the last half year, and one interview per 課 with its bottlenecks (Sanjo's method), some
/// of which became requests.
enum DemoApps {
    static let procedures = ["紙の申請書を受け付けてシステムに転記", "電話で予約を受けて台帳に記入", "Excel の集計表を毎月手作業で作成", "押印のために書類を回覧",
                             "窓口で証明書の申請を受け付け", "補助金の申請書類を目視で点検", "メールの添付ファイルを印刷して保管", "現地調査の写真を整理して報告書を作成"]
    static let titles = ["電子申請化", "RPA による転記の自動化", "集計の自動化", "電子決裁への移行", "オンライン予約", "チェックリストのアプリ化", "台帳のアプリ化", "書類の電子保存"]
    static let topics = ["申請", "予約", "集計", "決裁", "証明書", "補助金", "台帳", "報告書"]

    static func install(app: Application, municipality: MunicipalityRow, staff: [StaffRow], departments: [DepartmentRow], dx: [StaffRow], now: Date,
                        progress: @escaping @Sendable (String) -> Void) async throws {
        var rng = SeededRandom(seed: 20_261_203)
        let writer = app.yakuba.writer
        let admin = staff[0]
        let holders = dx.map { "staff:\(AppStore.id($0.id))" }
        _ = try await AppStore.install(writer, municipalityId: municipality.id, apps: ShippedApps.template.apps, roleMap: ["dx_office": holders], actor: admin.id)
        let sql = app.db as! any SQLDatabase
        guard let requests = try await AppStore.app(sql, municipalityId: municipality.id, code: ShippedApps.requestsCode),
              let helpdesk = try await AppStore.app(sql, municipalityId: municipality.id, code: ShippedApps.helpdeskCode),
              let interviews = try await AppStore.app(sql, municipalityId: municipality.id, code: ShippedApps.interviewsCode) else { return }
        let zone = municipality.zone
        let today = CalendarDate(now, in: zone)
        let kas = departments.filter { $0.level == 2 }
        let people = staff.filter { $0.active && $0.departmentId != nil }
        let byKa: [UUID: [StaffRow]] = Dictionary(grouping: people) { s in
            let d = departments.first { $0.id == s.departmentId }
            return d?.level == 3 ? d!.parentId! : d!.id
        }
        func pick<T>(_ a: [T]) -> T { a[rng.int(0...(a.count - 1))] }
        let dxIds = dx.map(\.id)

        // requests: status by age; estimates from the interviews' numbers; measured savings once in operation
        let count = min(104 + staff.count / 200, 400)
        let stages: [(String, Double)] = [("受付", 0.15), ("調査", 0.15), ("対応中（内製）", 0.12), ("対応中（外注）", 0.06), ("対応中（RPA）", 0.07), ("本運用", 0.12), ("効果測定", 0.08), ("完了", 0.17), ("見送り", 0.08)]
        var newRecords: [AppStore.NewRecord] = []
        var requesters: [UUID] = []
        for i in 0..<count {
            let ka = pick(kas)
            let requester = byKa[ka.id].map(pick) ?? pick(people)
            var r = Double.random(in: 0..<1, using: &rng), stage = stages[0].0
            for (s, p) in stages { if r < p { stage = s; break }; r -= p }
            let cases = [120, 300, 600, 1200, 2400, 5000][rng.int(0...5)]
            let now = [10, 15, 20, 30, 45, 60][rng.int(0...5)]
            let after = max(2, now * rng.int(15...60) / 100)
            var values: [String: AppValue] = [
                "title": .text("\(ka.name)の\(pick(topics))\(pick(titles))"), "department": .text(AppStore.id(ka.id)), "requester": .text(AppStore.id(requester.id)),
                "current_procedure": .text(pick(procedures)), "cases_per_year": .number(Decimal(cases)), "minutes_now": .number(Decimal(now)),
                "minutes_after": .number(Decimal(after)), "staff_involved": .number(Decimal(rng.int(1...3))),
            ]
            let judged = stage != "受付"
            if judged {
                values["confidence"] = .number([50, 80, 100][rng.int(0...2)])
                values["effort_days"] = .number(Decimal(rng.int(2...40)))
                values["dx_staff"] = .text(AppStore.id(pick(dxIds)))
            }
            if stage.hasPrefix("対応中") || ["本運用", "効果測定", "完了"].contains(stage) {
                values["solution"] = .text(stage.contains("外注") ? "外注" : stage.contains("RPA") ? "RPA" : pick(["内製アプリ", "電子申請フォーム", "業務見直し（BPR）"]))
                if values["solution"] != .text("外注") { values["cost_avoided"] = .number(Decimal(rng.int(3...80) * 50_000)) }
            }
            if ["本運用", "効果測定", "完了"].contains(stage) {
                values["go_live"] = .text(today.adding(days: -rng.int(20...330)).iso)
            }
            if ["効果測定", "完了"].contains(stage) {
                values["measured_cases"] = .number(Decimal(cases * rng.int(70...120) / 100))
                values["measured_minutes_after"] = .number(Decimal(max(1, after * rng.int(60...140) / 100)))
            }
            if stage == "見送り" { values["notes"] = .text("費用対効果が小さいため見送り（\(i % 2 == 0 ? "国のシステム標準化を待つ" : "件数が少ない")）") }
            guard case .success(let data) = RecordValidation.apply(requests.definition, changes: values, to: nil, status: "受付", zone: zone) else { continue }
            let assignees: [UUID] = stage == "受付" ? dxIds : ["完了", "見送り"].contains(stage) ? [] : [values["dx_staff"]?.text.flatMap(UUID.init(uuidString:)) ?? dxIds[0]]
            newRecords.append(.init(data: data, state: RecordState(status: stage, assignees: assignees)))
            requesters.append(requester.id)
        }
        for chunk in newRecords.chunked(100) {
            _ = try await AppStore.insert(writer, app: requests, records: Array(chunk), actor: dx[0].id)
        }
        let requestIds = try await sql.raw("SELECT id, number FROM app_records WHERE app_id = \(bind: requests.id) ORDER BY number").all().map { try $0.decode(column: "id", as: String.self) }

        // helpdesk: a few a week over half a year, some linked to a request
        var consults: [AppStore.NewRecord] = []
        let channels = ["電話", "メール", "チャット", "窓口", "その他"], categories = ["操作方法", "不具合", "アカウント・権限", "アプリ作成の相談", "業務改善の相談", "その他"]
        for i in 0..<min(60 + staff.count / 100, 600) {
            let who = pick(people)
            let day = today.adding(days: -rng.int(0...180))
            let minute = rng.int(510...1020)
            var values: [String: AppValue] = [
                "subject": .text("\(pick(topics))について（\(i + 1)）"), "received_at": .text(RecordValidation.formatInstant(day.instant(atMinute: minute, in: zone))),
                "requester": .text(AppStore.id(who.id)), "department": .text(AppStore.id(who.departmentId!)), "channel": .text(pick(channels)),
                "category": .text(pick(categories)), "description": .text("\(pick(procedures))の方法を知りたい。"), "minutes_spent": .number(Decimal(rng.int(5...90))),
            ]
            let status: String
            if day.dayNumber > today.dayNumber - 3 { status = pick(["受付", "対応中"]) }
            else if rng.chance(0.15), !requestIds.isEmpty { status = "案件化"; values["request"] = .text(pick(requestIds)); values["response"] = .text("デジタル化相談案件として登録しました。") }
            else { status = "解決"; values["response"] = .text("手順を案内しました。") }
            guard case .success(let data) = RecordValidation.apply(helpdesk.definition, changes: values, to: nil, status: "受付", zone: zone) else { continue }
            consults.append(.init(data: data, state: RecordState(status: status, assignees: ["受付"].contains(status) ? dxIds : status == "対応中" ? [pick(dxIds)] : [])))
        }
        for chunk in consults.chunked(100) { _ = try await AppStore.insert(writer, app: helpdesk, records: Array(chunk), actor: dx[0].id) }

        // interviews: one per 課, 2–4 bottlenecks each; the first of each became a request where one exists
        var talks: [AppStore.NewRecord] = []
        for (i, ka) in kas.enumerated() {
            var rows: [AppValue] = []
            for j in 0..<rng.int(2...4) {
                var row: [String: AppValue] = ["issue": .text("\(pick(topics))の\(["転記", "集計", "確認", "保管"][rng.int(0...3)])"), "cases_per_year": .number(Decimal([100, 300, 800, 2000][rng.int(0...3)])),
                                               "minutes_per_case": .number(Decimal([5, 10, 20, 40][rng.int(0...3)])), "idea": .text(pick(titles))]
                if j == 0, i < requestIds.count { row["request"] = .text(requestIds[i]) }
                rows.append(.object(row))
            }
            let values: [String: AppValue] = ["department": .text(AppStore.id(ka.id)), "interview_date": .text(today.adding(days: -rng.int(30...300)).iso),
                                              "interviewer": .text(AppStore.id(pick(dxIds))), "attendees": .text("\(ka.name)長、担当者2名"),
                                              "summary": .text("窓口と内部事務の手作業について聞き取り。"), "bottlenecks": .list(rows)]
            guard case .success(let data) = RecordValidation.apply(interviews.definition, changes: values, to: nil, status: "予定", zone: zone) else { continue }
            talks.append(.init(data: data, state: RecordState(status: i < requestIds.count ? "案件化済" : "実施済")))
        }
        for chunk in talks.chunked(100) { _ = try await AppStore.insert(writer, app: interviews, records: Array(chunk), actor: dx[0].id) }
        // a yearly target of hours saved in proportion to the staff (北九州市 aims at 50,000 h with about 8,000 staff)
        let target = max(1000, staff.count * 6 / 100 * 100)
        let updated = municipality.withPolicies { $0.dxTargetHours = target }
        try await writer.perform { _, sql in
            try await sql.update("municipalities").set("policies", to: SQLBind(updated.policies)).where("id", .equal, SQLBind(updated.id)).run()
            return [LedgerDraft(municipalityId: updated.id, actorId: admin.id, type: "app.dx_target_set", subjectId: updated.id.uuidString.lowercased(), fact: ["dxTargetHours": target])]
        }
        progress("DX apps: \(newRecords.count) requests, \(consults.count) consultations, \(talks.count) interviews; target \(target) h a year")
    }
}

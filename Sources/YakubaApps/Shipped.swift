import Foundation

/// The apps Yakuba ships, built with the engine like any other and installed as a template: the DX office's
/// デジタル化相談案件 (Kitakyushu's request app), ヘルプデスク相談, and 業務ヒアリング (Sanjo's interviews of every
/// department, each bottleneck becoming a request).
public enum ShippedApps {
    public static let requestsCode = "dx_requests"
    public static let helpdeskCode = "dx_helpdesk"
    public static let interviewsCode = "dx_interviews"

    public static var template: AppTemplate { AppTemplate(apps: [digitisationRequests, helpdeskConsultations, businessInterviews]) }

    static let dxOffice = AppRole(code: "dx_office", label: "DX推進担当")

    /// デジタル化相談案件: what a department asks to digitise, its hours now and after, and a RICE-like priority
    /// (annual hours saved × confidence ÷ effort) the DX office ranks by; measured hours recorded apart after go-live.
    public static var digitisationRequests: AppDefinition {
        let f: [FieldDefinition] = [
            .init(code: "title", label: "件名", type: .text, required: true, maxLength: 100),
            .init(code: "department", label: "依頼部署", type: .department, required: true),
            .init(code: "requester", label: "依頼者", type: .user),
            .init(code: "current_procedure", label: "現在の手順", type: .multilineText, required: true, help: "いまの仕事の流れ（紙・押印・転記など）を書いてください。"),
            .init(code: "cases_per_year", label: "年間件数", type: .number, unit: "件", minimum: 0, decimals: 0),
            .init(code: "minutes_now", label: "1件あたりの時間（現在）", type: .number, unit: "分", minimum: 0, decimals: 1),
            .init(code: "minutes_after", label: "1件あたりの時間（改善後の見込み）", type: .number, unit: "分", minimum: 0, decimals: 1),
            .init(code: "staff_involved", label: "1件に関わる職員数", type: .number, unit: "人", minimum: 1, decimals: 0),
            .init(code: "hours_now", label: "年間の業務時間（現在）", type: .calculated, unit: "時間",
                  expression: "round(cases_per_year * minutes_now * staff_involved / 60, 1)"),
            .init(code: "hours_saved_estimated", label: "削減時間（見込み）", type: .calculated, unit: "時間/年",
                  expression: "round(cases_per_year * (minutes_now - minutes_after) * staff_involved / 60, 1)"),
            .init(code: "confidence", label: "見込みの確度", type: .number, help: "見込みの確かさ: 100（実測に基づく）、80（聞き取り）、50（推測）", unit: "%", minimum: 0, maximum: 100, decimals: 0),
            .init(code: "effort_days", label: "対応工数（見込み）", type: .number, unit: "人日", minimum: 0, decimals: 1),
            .init(code: "priority", label: "優先度", type: .calculated,
                  help: "削減時間（見込み）× 確度 ÷ 工数。大きいほど先に取り組む価値があります。",
                  expression: "if(effort_days > 0, round(hours_saved_estimated * confidence / 100 / effort_days, 1), 0)"),
            .init(code: "solution", label: "対応方法", type: .choice, choices: ["内製アプリ", "外注", "RPA", "電子申請フォーム", "業務見直し（BPR）", "その他"]),
            .init(code: "dx_staff", label: "DX担当", type: .user),
            .init(code: "cost_avoided", label: "外注した場合の費用（回避額）", type: .money, help: "内製したことで要らなくなった開発費の見積り。", minimum: 0),
            .init(code: "go_live", label: "本運用開始日", type: .date),
            .init(code: "measured_cases", label: "年間件数（実測）", type: .number, unit: "件", minimum: 0, decimals: 0),
            .init(code: "measured_minutes_after", label: "1件あたりの時間（改善後の実測）", type: .number, unit: "分", minimum: 0, decimals: 1),
            .init(code: "hours_saved_measured", label: "削減時間（実測）", type: .calculated, unit: "時間/年",
                  expression: "round(measured_cases * (minutes_now - measured_minutes_after) * staff_involved / 60, 1)"),
            .init(code: "notes", label: "メモ", type: .multilineText),
        ]
        let working = AssigneeRule(mode: .one, candidates: [.role("dx_office")])
        let estimates = ["cases_per_year", "minutes_now", "minutes_after", "staff_involved", "confidence", "effort_days"]
        return AppDefinition(
            code: requestsCode, name: "デジタル化相談案件",
            description: "各課から寄せられたデジタル化の相談を受け付け、削減できる時間と工数から優先度を付けて、対応から効果測定まで追います。",
            fields: f,
            layout: [["title"], ["department", "requester"], ["current_procedure"],
                     ["cases_per_year", "minutes_now", "minutes_after", "staff_involved"], ["hours_now", "hours_saved_estimated"],
                     ["confidence", "effort_days", "priority"], ["solution", "dx_staff", "cost_avoided"],
                     ["go_live", "measured_cases", "measured_minutes_after", "hours_saved_measured"], ["notes"]],
            process: ProcessDefinition(
                statuses: [
                    .init(name: "受付", assignee: AssigneeRule(mode: .any, candidates: [.role("dx_office")])),
                    .init(name: "調査", assignee: working),
                    .init(name: "対応中（内製）", assignee: working),
                    .init(name: "対応中（外注）", assignee: working),
                    .init(name: "対応中（RPA）", assignee: working),
                    .init(name: "本運用", assignee: working, lockedFields: estimates),
                    .init(name: "効果測定", assignee: working, lockedFields: estimates),
                    .init(name: "完了", lockedFields: ["*"]),
                    .init(name: "見送り", lockedFields: ["*"]),
                ],
                actions: [
                    .init(name: "調査を始める", from: "受付", to: "調査"),
                    .init(name: "見送る", from: "受付", to: "見送り", requiresComment: true),
                    .init(name: "内製で対応", from: "調査", to: "対応中（内製）"),
                    .init(name: "外注で対応", from: "調査", to: "対応中（外注）"),
                    .init(name: "RPAで対応", from: "調査", to: "対応中（RPA）"),
                    .init(name: "見送る", from: "調査", to: "見送り", requiresComment: true),
                    .init(name: "本運用を始める", from: "対応中（内製）", to: "本運用"),
                    .init(name: "本運用を始める", from: "対応中（外注）", to: "本運用"),
                    .init(name: "本運用を始める", from: "対応中（RPA）", to: "本運用"),
                    .init(name: "見送る", from: "対応中（内製）", to: "見送り", requiresComment: true),
                    .init(name: "見送る", from: "対応中（外注）", to: "見送り", requiresComment: true),
                    .init(name: "見送る", from: "対応中（RPA）", to: "見送り", requiresComment: true),
                    .init(name: "効果を測る", from: "本運用", to: "効果測定"),
                    .init(name: "完了にする", from: "効果測定", to: "完了"),
                    .init(name: "受付に戻す", from: "見送り", to: "受付", allowed: [.role("dx_office")], requiresComment: true),
                ]),
            views: [
                .init(name: "優先順位", kind: .list, columns: ["title", "department", "hours_saved_estimated", "effort_days", "priority"],
                      query: "status not in (\"完了\", \"見送り\") order by priority desc"),
                .init(name: "すべて", kind: .list, columns: ["title", "department", "solution", "hours_saved_estimated", "hours_saved_measured"], query: "order by record_number desc"),
                .init(name: "進み具合", kind: .kanban, columns: ["title", "department", "priority"]),
                .init(name: "本運用の予定", kind: .calendar, columns: ["title"], dateField: "go_live"),
                .init(name: "部署別・ステータス別の件数", kind: .chart, chart: ChartSpec(aggregate: .count, groups: [.init(field: "department"), .init(field: "status")], shape: .stacked)),
                .init(name: "削減時間（見込み）部署別", kind: .chart, chart: ChartSpec(aggregate: .sum, field: "hours_saved_estimated", groups: [.init(field: "department")])),
                .init(name: "削減時間（実測）本運用開始月別", kind: .chart, query: "hours_saved_measured is not empty",
                      chart: ChartSpec(aggregate: .sum, field: "hours_saved_measured", groups: [.init(field: "go_live", period: .month)], shape: .line)),
            ],
            permissions: AppPermissions(
                roles: [dxOffice],
                app: [AppGrant(party: .everyone, rights: [.view, .add, .edit]), AppGrant(party: .role("dx_office"), rights: [.manage])],
                records: [
                    RecordRule(condition: "", parties: [.role("dx_office")], edit: true),
                    RecordRule(condition: "", parties: [.creator, .field("requester")], edit: true),
                    RecordRule(condition: "department = MYDEPARTMENT()", parties: [.everyone], edit: false),
                ],
                fields: ["confidence", "effort_days", "dx_staff", "cost_avoided"].map {
                    FieldRule(field: $0, parties: [.role("dx_office")], access: .write)
                } + ["confidence", "effort_days", "dx_staff", "cost_avoided"].map {
                    FieldRule(field: $0, parties: [.everyone], access: .read)
                }),
            titleField: "title")
    }

    /// ヘルプデスク相談: staff's questions to the DX office, linked to a request where one follows.
    public static var helpdeskConsultations: AppDefinition {
        AppDefinition(
            code: helpdeskCode, name: "ヘルプデスク相談",
            description: "職員からの問い合わせ・相談を記録します。デジタル化の案件につながったものは案件にリンクします。",
            fields: [
                .init(code: "subject", label: "件名", type: .text, required: true, maxLength: 100),
                .init(code: "received_at", label: "受付日時", type: .dateTime, required: true),
                .init(code: "requester", label: "相談者", type: .user),
                .init(code: "department", label: "相談者の所属", type: .department),
                .init(code: "channel", label: "受付方法", type: .choice, required: true, choices: ["電話", "メール", "チャット", "窓口", "その他"]),
                .init(code: "category", label: "分類", type: .choice, required: true, choices: ["操作方法", "不具合", "アカウント・権限", "アプリ作成の相談", "業務改善の相談", "その他"]),
                .init(code: "description", label: "相談内容", type: .multilineText, required: true),
                .init(code: "response", label: "回答・対応", type: .multilineText),
                .init(code: "minutes_spent", label: "対応時間", type: .number, unit: "分", minimum: 0, decimals: 0),
                .init(code: "request", label: "関連するデジタル化相談案件", type: .link, linkApp: requestsCode),
            ],
            layout: [["subject"], ["received_at", "channel", "category"], ["requester", "department"], ["description"], ["response"], ["minutes_spent", "request"]],
            process: ProcessDefinition(
                statuses: [
                    .init(name: "受付", assignee: AssigneeRule(mode: .any, candidates: [.role("dx_office")])),
                    .init(name: "対応中", assignee: AssigneeRule(mode: .one, candidates: [.role("dx_office")])),
                    .init(name: "解決", lockedFields: ["*"]),
                    .init(name: "案件化", lockedFields: ["subject", "received_at", "description"]),
                ],
                actions: [
                    .init(name: "対応する", from: "受付", to: "対応中"),
                    .init(name: "解決", from: "対応中", to: "解決"),
                    .init(name: "案件にする", from: "対応中", to: "案件化"),
                    .init(name: "再開する", from: "解決", to: "対応中", allowed: [.role("dx_office")]),
                ]),
            views: [
                .init(name: "未解決", kind: .list, columns: ["subject", "received_at", "category", "requester"], query: "status in (\"受付\", \"対応中\") order by received_at asc"),
                .init(name: "すべて", kind: .list, columns: ["subject", "received_at", "category", "minutes_spent"], query: "order by received_at desc"),
                .init(name: "受付日カレンダー", kind: .calendar, columns: ["subject"], dateField: "received_at"),
                .init(name: "分類別・月別の件数", kind: .chart, chart: ChartSpec(aggregate: .count, groups: [.init(field: "received_at", period: .month), .init(field: "category")], shape: .stacked)),
            ],
            permissions: AppPermissions(
                roles: [dxOffice],
                app: [AppGrant(party: .everyone, rights: [.view, .add]), AppGrant(party: .role("dx_office"), rights: [.manage])],
                records: [
                    RecordRule(condition: "", parties: [.role("dx_office")], edit: true),
                    RecordRule(condition: "", parties: [.creator, .field("requester")], edit: false),
                ]),
            titleField: "subject")
    }

    /// 業務ヒアリング: one record per department interview, its bottlenecks as rows; each bottleneck can become a request.
    public static var businessInterviews: AppDefinition {
        AppDefinition(
            code: interviewsCode, name: "業務ヒアリング",
            description: "各課への聞き取りを1件ずつ記録し、挙がった業務のボトルネックを行として残します。各行はデジタル化相談案件にできます（三条市の方法）。",
            fields: [
                .init(code: "department", label: "部署", type: .department, required: true),
                .init(code: "interview_date", label: "実施日", type: .date, required: true),
                .init(code: "interviewer", label: "聞き取った人", type: .user),
                .init(code: "attendees", label: "出席者", type: .text, maxLength: 200),
                .init(code: "summary", label: "概要", type: .multilineText),
                .init(code: "bottlenecks", label: "ボトルネック", type: .subtable, columns: [
                    .init(code: "issue", label: "困っている業務", type: .text, required: true, maxLength: 100),
                    .init(code: "cases_per_year", label: "年間件数", type: .number, unit: "件", minimum: 0, decimals: 0),
                    .init(code: "minutes_per_case", label: "1件あたりの時間", type: .number, unit: "分", minimum: 0, decimals: 1),
                    .init(code: "idea", label: "改善のアイデア", type: .text, maxLength: 200),
                    .init(code: "request", label: "案件", type: .link, linkApp: requestsCode),
                ]),
                .init(code: "bottleneck_count", label: "ボトルネックの数", type: .calculated, unit: "件", expression: "count(bottlenecks)"),
                .init(code: "annual_cases", label: "ボトルネックの年間件数（計）", type: .calculated, unit: "件", expression: "sum(bottlenecks.cases_per_year)"),
            ],
            layout: [["department", "interview_date"], ["interviewer", "attendees"], ["summary"], ["bottlenecks"], ["bottleneck_count", "annual_cases"]],
            process: ProcessDefinition(
                statuses: [.init(name: "予定"), .init(name: "実施済"), .init(name: "案件化済", lockedFields: ["department", "interview_date"])],
                actions: [
                    .init(name: "実施した", from: "予定", to: "実施済"),
                    .init(name: "案件化を終えた", from: "実施済", to: "案件化済"),
                ]),
            views: [
                .init(name: "すべて", kind: .list, columns: ["department", "interview_date", "bottleneck_count"], query: "order by interview_date desc"),
                .init(name: "実施日カレンダー", kind: .calendar, columns: ["department"], dateField: "interview_date"),
            ],
            permissions: AppPermissions(
                roles: [dxOffice],
                app: [AppGrant(party: .role("dx_office"), rights: [.manage]), AppGrant(party: .everyone, rights: [.view])],
                records: [
                    RecordRule(condition: "", parties: [.role("dx_office")], edit: true),
                    RecordRule(condition: "department = MYDEPARTMENT()", parties: [.everyone], edit: false),
                ]),
            titleField: nil)
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaInsights

/// 公表指標 (issue 5, work-rules §5): the yearly table each 特定事業主 publishes, per employment type, for a fiscal or a
/// calendar year, as a page and as CSV. 人事課 only; each view goes on the ledger (the figures are by sex, and a small body's
/// may point at a person).
enum IndicatorController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["indicators"], access: PersonalController.hrOnly) { req in try await page(req) }
        r.on(.GET, ["indicators.csv"], access: PersonalController.hrOnly) { req in try await csv(req) }
    }

    struct Query {
        var period: IndicatorPeriod
        var employer: Employer?
        var today: CalendarDate
        var dataStart: YearMonth
        func href(_ path: String) -> String {
            "\(path)?basis=\(period.basis.rawValue)&year=\(period.year)" + (employer.map { "&employer=\($0.rawValue)" } ?? "")
        }
    }

    /// The request's basis, year and body, checked (422 with the field's message).
    static func query(_ req: Request, _ scope: Scope) async throws -> Query {
        let l = req.lang
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        var errors: [String: String] = [:]
        let basisText = (req.query[String.self, at: "basis"] ?? "").trimmingCharacters(in: .whitespaces)
        let basis = basisText.isEmpty ? .fiscal : IndicatorBasis(rawValue: basisText)
        if basis == nil { errors["basis"] = l.t("集計の単位は「年度」か「暦年」から選んでください。", "Choose fiscal year or calendar year.") }
        let b = basis ?? .fiscal
        let yearText = (req.query[String.self, at: "year"] ?? "").trimmingCharacters(in: .whitespaces)
        let year = yearText.isEmpty ? (b == .fiscal ? FiscalYear(containing: today).startYear : today.year) : Int(yearText)
        if year == nil || !(2000...2100).contains(year!) { errors["year"] = l.t("年は 2026 のように西暦4桁で指定してください。", "Give the year as four digits, e.g. 2026.") }
        let employerText = (req.query[String.self, at: "employer"] ?? "").trimmingCharacters(in: .whitespaces)
        let employer = employerText.isEmpty ? nil : Employer(rawValue: employerText)
        if !employerText.isEmpty && employer == nil { errors["employer"] = l.t("特定事業主が正しくありません。一覧から選んでください。", "Unknown appointing authority: choose one from the list.") }
        if !errors.isEmpty {
            throw ProblemError(status: .unprocessableEntity, title: errors.values.sorted().joined(separator: " "), errors: errors, code: "validation")
        }
        let period = IndicatorPeriod(basis: b, year: year!)
        let current = YearMonth(today)
        let dataStart = try await req.yakuba.stats.dataStart(req.sql, municipalityId: scope.municipality.id) ?? current
        if !period.months.contains(where: { $0 >= dataStart && $0 <= current }) {
            let message = l.t("この期間のデータはありません。\(JapaneseEra.formatMonth(dataStart))以降の年を選んでください。",
                              "There is no data for this period: choose a year from \(dataStart.iso) on.")
            throw ProblemError(status: .unprocessableEntity, title: message, errors: ["year": l.t("データのない期間です。", "No data for this period.")], code: "validation")
        }
        return Query(period: period, employer: employer, today: today, dataStart: dataStart)
    }

    /// The tables, from the monthly rows, the roster, its sensitive part and the childcare leaves approved.
    static func tables(_ req: Request, _ scope: Scope, _ q: Query) async throws -> (tables: [IndicatorTable], status: StatsCache.Status, unrecorded: Int) {
        let muni = scope.municipality
        var timer = PhaseTimer("indicators")
        defer { timer.log(req.logger) }
        let months = q.period.months.filter { $0 >= q.dataStart && $0 <= YearMonth(q.today) }
        let (rows, status) = try await req.yakuba.stats.rows(app: req.application, sql: req.sql, municipality: muni, tree: scope.tree, months: months, today: q.today)
        timer.mark("monthly_rows")
        // the reference day: the period's last day, or today while it runs
        let ref = min(q.period.to, q.today)
        let path = req.yakuba.sqlitePath
        let staff: [StaffRow]
        if let path {
            staff = try await SQLiteBulkReader.offThread { try SQLiteBulkReader(path: path).staff(municipalityId: muni.id) }
        } else {
            staff = try await req.sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(muni.id)).all(decoding: StaffRow.self, with: rowDecoder)
        }
        timer.mark("staff")
        let personal = try await PersonalRepository.records(req.sql, municipalityId: muni.id, sqlitePath: path)
        timer.mark("personal")
        let leaves = try await childcareLeaves(req, scope, staff: staff, from: q.period.from.adding(days: -1100), to: q.period.to)
        timer.mark("childcare_leaves")
        let map = muni.rankClasses, policy = muni.annualLeavePolicy
        // a title's class and a department's body, worked out once each (a city has a few dozen titles, twenty thousand people)
        var rankOf: [String: RankClass] = [:], employerOf: [UUID?: Employer] = [:]
        var weeks: [String: WeeklySchedule] = [:]
        var people: [IndicatorPerson] = []
        people.reserveCapacity(staff.count)
        var unrecorded = 0
        for s in staff {
            let inService = (s.start.map { $0 <= ref } ?? true) && (s.end.map { $0 >= ref } ?? true) && (s.active || s.end != nil)
            var grant = 0
            if inService {
                let week: WeeklySchedule
                if let w = weeks[s.schedule] { week = w } else { week = s.weeklySchedule; weeks[s.schedule] = week }
                grant = AnnualLeaveBook.grantDays(staff: s, week: week, yearStart: AnnualLeaveBook.yearStart(staff: s, date: ref, policy: policy), policy: policy)
            }
            let record = personal[s.id]
            if inService && record?.sex == nil { unrecorded += 1 }
            let rank: RankClass
            if let known = rankOf[s.position] { rank = known } else { rank = map.rankClass(of: s.position); rankOf[s.position] = rank }
            let employer: Employer
            if let known = employerOf[s.departmentId] { employer = known } else { employer = scope.tree.employer(s.departmentId); employerOf[s.departmentId] = employer }
            people.append(IndicatorPerson(staffId: s.id, sex: record?.sex, rankClass: rank, employment: s.employment,
                                          employer: employer, inService: inService,
                                          births: record?.births.map(\.date) ?? [], annualGrantDays: grant))
        }
        timer.mark("people_and_grants")
        let tree = scope.tree
        defer { timer.mark("fold") }
        let tables = Indicators.tables(period: q.period, people: people, rows: Array(rows), leaves: leaves, employerOf: { tree.employer($0) }, only: q.employer,
                                         asOf: q.today)
        return (tables, status, unrecorded)
    }

    /// The approved 育児休業, 配偶者出産休暇 and 育児参加休暇 touching `from`…`to`.
    static func childcareLeaves(_ req: Request, _ scope: Scope, staff: [StaffRow], from: CalendarDate, to: CalendarDate) async throws -> [ChildcareLeaveUse] {
        let codes = ChildcareLeaveKind.allCases.map(\.rawValue)
        let rows = try await req.sql.select().column("*").from("leave_requests").where("municipality_id", .equal, SQLBind(scope.municipality.id))
            .where("type_code", .in, SQLBind.group(codes)).where("from_date", .lessThanOrEqual, SQLBind(to.iso))
            .where("to_date", .greaterThanOrEqual, SQLBind(from.iso)).all(decoding: LeaveRequestRow.self, with: rowDecoder)
        guard !rows.isEmpty else { return [] }
        let mine = Set(rows.map(\.staffId))
        let byId = Dictionary(staff.filter { mine.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let routing = try await Routing.load(req.sql, municipalityId: scope.municipality.id, tree: scope.tree)
        return try await LeaveRepository.records(req.sql, rows, staffById: byId, routing: routing).compactMap { r in
            guard r.state == .approved, let kind = ChildcareLeaveKind(rawValue: r.request.typeCode),
                  let f = CalendarDate(iso: r.request.fromDate), let t = CalendarDate(iso: r.request.toDate) else { return nil }
            // the days are counted for the fathers' leaves (5 days together); a year of 育児休業's days is not decoded
            var days = 0.0
            if kind != .childcareLeave {
                let perDay = Double(byId[r.request.staffId].map { AnnualLeaveBook.minutesPerDay($0.weeklySchedule) } ?? 465)
                days = r.request.leaveDays.reduce(0.0) { $0 + ($1.range == nil ? 1 : Double($1.minutes) / perDay) }
            }
            return ChildcareLeaveUse(staffId: r.request.staffId, kind: kind, from: f, to: t, days: days)
        }
    }

    static func formatted(_ v: IndicatorValue, _ l: Lang) -> String {
        guard let x = v.value else { return "—" }
        switch v.kind.unit {
        case .people: return l.t("\(Int(x))人", "\(Int(x))")
        case .percent: return String(format: "%.1f%%", x * 100)
        case .hours: return l.t(String(format: "%.1f時間", x), String(format: "%.1f h", x))
        case .days: return l.t(String(format: "%.1f日", x), String(format: "%.1f days", x))
        }
    }
    /// What a rate was computed from, e.g. "3 / 25".
    static func basisText(_ v: IndicatorValue) -> String? {
        guard v.kind.unit != .people, v.kind != .payGap else { return nil }
        func n(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
        return "\(n(v.numerator)) / \(n(v.denominator))"
    }
    static func employerName(_ e: Employer?, _ l: Lang) -> String { e.map { l.t($0.labelJa, $0.labelEn) } ?? l.t("団体全体", "The whole municipality") }
    static func columnName(_ c: IndicatorColumn, _ l: Lang) -> String { c.employment.map { l.t($0.labelJa, $0.labelEn) } ?? l.t("全体", "All") }

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let q = try await query(req, scope)
        let (tables, status, unrecorded) = try await tables(req, scope, q)
        try await PersonalRepository.logView(req.yakuba.writer, municipalityId: scope.municipality.id, viewer: scope.principal.staffId,
                                             subject: scope.municipality.id.uuidString.lowercased(),
                                             what: "indicators \(q.period.basis.rawValue) \(q.period.year) \(q.employer?.rawValue ?? "all")")
        let title = l.t("公表指標", "Published indicators")
        var content: [N] = [
            el("h1", txt(title + "（" + l.t(q.period.labelJa, q.period.labelEn) + "）")),
            el("p", txt(l.t("女性活躍推進法・次世代法に基づき、特定事業主（任命権者）ごとに公表する数値です。雇用形態ごとの列があります。この画面の表示は台帳に記録されます。",
                            "The figures each appointing authority publishes under the Women's Advancement Act and the Next Generation Act, with a column per employment type. Each view of this page is recorded on the ledger."))),
            filters(req, q),
            el("p", cls("noprint"), link(q.href("/indicators.csv"), l.t("CSVで出力", "Download CSV"), cls("button"))),
            DashboardController.statusNote(l, status, reload: req.url.string),
        ]
        if q.period.to > q.today {
            content.append(el("p", cls("notice"), txt(l.t("この期間はまだ終わっていません。公表には、期間が終わってからの数値を使ってください。",
                                                        "This period has not ended yet: publish the figures once it has."))))
        }
        if unrecorded > 0 {
            content.append(el("p", cls("notice"), txt(l.t("性別が登録されていない在職者が\(unrecorded)人います。女性の割合や育児休業取得率には含まれません。職員名簿の取込（性別の列）か、各職員の「性別・子の出生」から登録してください。",
                                                        "\(unrecorded) staff in service have no sex recorded: they are left out of the shares and the childcare-leave rates. Record it by importing the roster (with the sex column) or on each person's record.")),
                                  txt(" "), link("/admin/import", l.t("職員名簿の取込", "Import staff"))))
        }
        content.append(el("p", cls("noprint"), link("/admin/rank-classes", l.t("役職段階（管理職の範囲）を設定する", "Set the rank classes (who counts as management)"))))
        for t in tables { content.append(table(t, l)) }
        content += [
            el("h2", txt(l.t("指標の定義", "Definitions"))),
            el("dl", [cls("definitions")] + IndicatorKind.allCases.flatMap { k in
                [el("dt", txt(l.t(k.labelJa, k.labelEn))), el("dd", txt(l.t(k.definitionJa, k.definitionEn)))]
            }),
        ]
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()))
    }

    static func table(_ t: IndicatorTable, _ l: Lang) -> N {
        let name = employerName(t.employer, l)
        // a body per group of rows, headed by the group's name
        var groups: [(String, [IndicatorKind])] = []
        for k in IndicatorKind.allCases {
            if groups.last?.0 == k.groupJa { groups[groups.count - 1].1.append(k) } else { groups.append((k.groupJa, [k])) }
        }
        let body: [N] = groups.map { _, kinds in
            el("tbody", [el("tr", cls("group"), el("th", attr("scope", "rowgroup"), attr("colspan", "\(t.columns.count + 1)"), txt(l.t(kinds[0].groupJa, kinds[0].groupEn))))]
               + kinds.map { k in
                   el("tr", [el("th", attr("scope", "row"), txt(l.t(k.labelJa, k.labelEn)))] + t.columns.map { c in
                       let v = c.value(k)
                       return el("td", cls("num"), txt(formatted(v, l)), basisText(v).map { N.group([el("br"), el("small", cls("muted"), txt("（\($0)）"))]) } ?? .empty)
                   })
               })
        }
        return el("section", attr("aria-labelledby", "t-\(t.employer?.rawValue ?? "all")"),
                  el("h2", attr("id", "t-\(t.employer?.rawValue ?? "all")"), txt(name)),
                  el("p", txt(l.t("在職者：\(t.women + t.men + t.sexUnknown)人（女性\(t.women)人・男性\(t.men)人・性別未登録\(t.sexUnknown)人）",
                                  "Staff in service: \(t.women + t.men + t.sexUnknown) (\(t.women) women, \(t.men) men, \(t.sexUnknown) not recorded)"))),
                  el("div", tableRegion(name), el("table", cls("indicators"),
                     el("caption", txt(l.t("\(name)の公表指標", "Indicators of \(name)"))),
                     el("thead", el("tr", [el("th", attr("scope", "col"), txt(l.t("指標", "Indicator")))] + t.columns.map { el("th", attr("scope", "col"), txt(columnName($0, l))) })),
                     N.group(body))))
    }

    static func filters(_ req: Request, _ q: Query) -> N {
        let l = req.lang
        let first = min(FiscalYear(containing: q.dataStart.first).startYear, q.dataStart.year), last = q.today.year
        let years = (first...last).reversed().map { (String($0), String($0)) }
        return el("form", attr("method", "get"), attr("action", "/indicators"), cls("filters noprint"), attr("aria-label", l.t("期間と特定事業主", "Period and authority")),
                  field(id: "basis", label: l.t("集計の単位", "Basis"), error: nil) { d in
                      select(id: "basis", name: "basis", options: IndicatorBasis.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) }, selected: q.period.basis.rawValue, describedBy: d)
                  },
                  field(id: "year", label: l.t("年（年度は開始年）", "Year (a fiscal year by its first year)"), error: nil) { d in
                      select(id: "year", name: "year", options: years, selected: String(q.period.year), describedBy: d)
                  },
                  field(id: "employer", label: l.t("特定事業主", "Appointing authority"), error: nil) { d in
                      select(id: "employer", name: "employer", options: [("", l.t("団体全体と各特定事業主", "All"))] + Employer.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) },
                             selected: q.employer?.rawValue ?? "", describedBy: d)
                  },
                  el("button", attr("type", "submit"), txt(l.t("表示", "Show"))))
    }

    static func csv(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let q = try await query(req, scope)
        guard let enc = ExportEncoding(rawValue: req.query[String.self, at: "encoding"] ?? "utf8") else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("encoding は utf8 か sjis です。", "encoding must be utf8 or sjis."),
                               errors: ["encoding": l.t("utf8 か sjis を指定してください。", "Use utf8 or sjis.")], code: "validation")
        }
        let (tables, status, _) = try await tables(req, scope, q)
        // a file made to be published is never made of months still being added up
        if !status.missing.isEmpty {
            let pct = status.progress.map { $0.total > 0 ? min(100, $0.done * 100 / $0.total) : 0 } ?? 0
            throw ProblemError(status: .conflict, title: l.t("この期間を集計しています（\(pct)%）。終わってから出力してください。",
                                                          "Adding up this period (\(pct)%): download the file once it is done."), code: "not_ready")
        }
        try await PersonalRepository.logView(req.yakuba.writer, municipalityId: scope.municipality.id, viewer: scope.principal.staffId,
                                             subject: scope.municipality.id.uuidString.lowercased(),
                                             what: "indicators.csv \(q.period.basis.rawValue) \(q.period.year) \(q.employer?.rawValue ?? "all")")
        var rows: [[String]] = [["期間", "特定事業主", "雇用形態", "区分", "指標", "値", "単位", "分子", "分母"]]
        let periodLabel = q.period.labelJa
        func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.2f", x) }
        for t in tables {
            for c in t.columns {
                for k in IndicatorKind.allCases {
                    let v = c.value(k)
                    let (value, unit): (String, String)
                    switch k.unit {
                    case .people: (value, unit) = (v.value.map { number($0) } ?? "", "人")
                    case .percent: (value, unit) = (v.value.map { String(format: "%.1f", $0 * 100) } ?? "", "%")
                    case .hours: (value, unit) = (v.value.map { String(format: "%.1f", $0) } ?? "", "時間")
                    case .days: (value, unit) = (v.value.map { String(format: "%.1f", $0) } ?? "", "日")
                    }
                    let rate = k.unit != .people && k != .payGap
                    rows.append([periodLabel, t.employer?.labelJa ?? "団体全体", c.employment?.labelJa ?? "全体", k.groupJa, k.labelJa, value, unit,
                                 rate ? number(v.numerator) : "", rate ? number(v.denominator) : ""])
                }
            }
        }
        return try CSVDownload.response(rows, encoding: enc, name: "indicators-\(scope.municipality.code)-\(q.period.basis == .fiscal ? "FY" : "CY")\(q.period.year)", l)
    }
}

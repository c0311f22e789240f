import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps
import YakubaInsights

/// Charts and calendars of an app's records (issue 6): counts, sums and averages grouped by one or two fields (a date by
/// its month or year) computed in the database over every record the caller may see, drawn as SVG with the table beside it.
struct ChartRow: Sendable, Hashable { var g1: String?; var g2: String?; var value: Double; var count: Int }

extension AppStore {
    static func aggregate(_ sql: any SQLDatabase, _ access: AppAccess, spec: ChartSpec, query: RecordQuery, sqlitePath: String? = nil) async throws -> [ChartRow] {
        let c = access.compiler
        for f in spec.groups.map(\.field) + [spec.field].compactMap({ $0 }) where !access.canRead(f) || access.app.definition.queryTypes[f] == nil {
            throw AppProblem("chart", "フィールド「\(f)」で集計できません（ないか、見る権限がありません）。", "Cannot aggregate by \"\(f)\" (it does not exist or you may not see it).")
        }
        let visible = try c.visible(access.context)
        let condition = try query.condition.map { cond throws(AppProblem) in try c.condition(cond, access.context) } ?? .true
        let pg = !isSQLite(sql)
        func group(_ g: ChartSpec.Group) -> String {
            let col = c.column(g.field)
            switch g.period {
            case .month?: return "substr(CAST(\(col) AS TEXT), 1, 7)"
            case .year?: return "substr(CAST(\(col) AS TEXT), 1, 4)"
            case nil: return "CAST(\(col) AS TEXT)"
            }
        }
        let value: String
        switch spec.aggregate {
        case .count: value = "COUNT(*)"
        case .sum: value = "SUM(\(c.column(spec.field ?? "")))"
        case .average: value = "AVG(\(c.column(spec.field ?? "")))"
        }
        let measured = spec.aggregate == .count ? "NULL" : c.column(spec.field ?? "")
        let groups = spec.groups.prefix(2).map(group)
        guard !groups.isEmpty else { throw AppProblem("chart", "分類するフィールドを選んでください。", "Choose a field to group by.") }
        var select = "SELECT \(groups[0]) AS g1"
        if groups.count > 1 { select += ", \(groups[1]) AS g2" }
        select += ", CAST(\(value) AS \(pg ? "DOUBLE PRECISION" : "REAL")) AS v, COUNT(*) AS n "
        let tail = " GROUP BY \(groups.indices.map { "g\($0 + 1)" }.joined(separator: ", ")) ORDER BY g1 LIMIT 5000"
        if let path = sqlitePath, !pg {
            // a chart reads every record. SQLite groups by sorting every row into a temporary B-tree (about 300 of the
            // 500 ms at 200,000 records); here the rows are stepped through on a connection of our own, off the request
            // threads, and added up in a dictionary — a handful of groups, no sort
            let text = "SELECT \(groups[0]), \(groups.count > 1 ? groups[1] : "NULL"), \(measured) FROM app_records r WHERE r.app_id = '\(access.app.id)' AND "
                + visible.sql + " AND " + condition.sql
            let binds: [SQLiteBulkReader.Bind] = (visible.binds + condition.binds).map { b in
                switch b { case .text(let s): .text(s); case .double(let d): .double(d); case .int(let n): .int(Int64(n)) }
            }
            let two = groups.count > 1, aggregate = spec.aggregate
            return try await SQLiteBulkReader.offThread {
                struct Key: Hashable { var g1: String?; var g2: String? }
                // compensated (Kahan–Babuška–Neumaier) summation, as SQLite's own SUM and AVG do: the same figures to the last digit
                struct Sum {
                    var rows = 0, values = 0, sum = 0.0, error = 0.0
                    var total: Double { sum + error }
                    mutating func add(_ x: Double) {
                        let t = sum + x
                        if abs(sum) >= abs(x) { error += (sum - t) + x } else { error += (x - t) + sum }
                        sum = t
                    }
                }
                var sums: [Key: Sum] = [:]
                try SQLiteBulkReader(path: path).each(text, binds) { r in
                    let k = Key(g1: r.optionalText(0), g2: two ? r.optionalText(1) : nil)
                    var s = sums[k] ?? Sum()
                    s.rows += 1
                    if !r.isNull(2) { s.values += 1; s.add(r.double(2)) }
                    sums[k] = s
                }
                // as SQL orders them: an empty group first, then by the text's bytes
                func before(_ a: String?, _ b: String?) -> Bool {
                    switch (a, b) {
                    case (nil, nil): return false
                    case (nil, _): return true
                    case (_, nil): return false
                    case let (x?, y?): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
                    }
                }
                return sums.sorted { before($0.key.g1, $1.key.g1) || ($0.key.g1 == $1.key.g1 && before($0.key.g2, $1.key.g2)) }.prefix(5000).map { k, s in
                    let v: Double
                    switch aggregate {
                    case .count: v = Double(s.rows)
                    case .sum: v = s.total
                    case .average: v = s.values == 0 ? 0 : s.total / Double(s.values)
                    }
                    return ChartRow(g1: k.g1, g2: k.g2, value: v, count: s.rows)
                }
            }
        }
        var q: SQLQueryString = "\(unsafeRaw: select)FROM app_records r WHERE r.app_id = '\(unsafeRaw: access.app.id)' AND " + visible.query + " AND " + condition.query
        q.appendLiteral(tail)
        return try await sql.raw(q).all().map { r in
            ChartRow(g1: try r.decode(column: "g1", as: String?.self), g2: groups.count > 1 ? try r.decode(column: "g2", as: String?.self) : nil,
                     value: try r.decode(column: "v", as: Double?.self) ?? 0, count: try r.decode(column: "n", as: Int.self))
        }
    }
}

enum AppCharts {
    /// A group's value as people read it: a department's or person's name, はい/いいえ, "（空）" for an empty one.
    static func label(_ raw: String?, _ field: String, _ a: AppAccess, _ scope: Scope, _ names: AppForms.Names, _ l: Lang, period: ChartSpec.Period?) -> String {
        guard let raw, !raw.isEmpty else { return l.t("（空）", "(empty)") }
        if period != nil { return raw }
        switch a.app.definition.queryTypes[field] {
        case .department?: return UUID(uuidString: raw).map { scope.tree.rows[$0]?.name ?? raw } ?? raw
        case .user?: return UUID(uuidString: raw).flatMap { names.staff[$0]?.name } ?? raw
        case .yesNo?: return raw == "1" || raw == "true" ? l.t("はい", "Yes") : l.t("いいえ", "No")
        default: return raw
        }
    }

    /// The chart of a view (or of a spec given through the API) with its data table.
    static func render(_ req: Request, _ scope: Scope, _ a: AppAccess, spec: ChartSpec, title: String, query: RecordQuery) async throws -> N {
        let l = req.lang
        let rows = try await AppStore.aggregate(req.sql, a, spec: spec, query: query, sqlitePath: req.yakuba.sqlitePath)
        var names = AppForms.Names()
        let staffIds = rows.flatMap { [$0.g1, $0.g2] }.compactMap { $0.flatMap(UUID.init(uuidString:)) }
        for (id, s) in try await StaffRepository.find(req.sql, ids: staffIds) where s.municipalityId == scope.principal.municipalityId { names.staff[id] = (s.staffNumber, s.fullName) }
        let g1 = spec.groups[0], g2 = spec.groups.count > 1 ? spec.groups[1] : nil
        let def = a.app.definition
        func fieldLabel(_ f: String) -> String { def.field(f)?.label ?? SystemField(rawValue: f).map { l.t($0.labelJa, $0.labelEn) } ?? f }
        let what: String
        switch spec.aggregate {
        case .count: what = l.t("件数", "Count")
        case .sum: what = l.t("\(fieldLabel(spec.field ?? ""))の合計", "Sum of \(fieldLabel(spec.field ?? ""))")
        case .average: what = l.t("\(fieldLabel(spec.field ?? ""))の平均", "Average of \(fieldLabel(spec.field ?? ""))")
        }
        let unit = spec.aggregate == .count ? l.t("件", "") : (spec.field.flatMap { def.field($0)?.unit } ?? "")
        func fmt(_ v: Double) -> String { AppForms.grouped(Decimal(string: String(format: "%.1f", v)) ?? 0).replacingOccurrences(of: ".0", with: "") }
        // statuses in the process's order, choices in the list's; other values sorted
        func order(_ field: String) -> [String]? {
            if field == SystemField.status.rawValue { return def.process?.statuses.map(\.name) }
            return def.field(field)?.choices
        }
        func sorted(_ values: Set<String>, _ field: String) -> [String] {
            guard let o = order(field) else { return values.sorted() }
            return values.sorted { (o.firstIndex(of: $0) ?? Int.max, $0) < (o.firstIndex(of: $1) ?? Int.max, $1) }
        }
        let cats = sorted(Set(rows.map { label($0.g1, g1.field, a, scope, names, l, period: g1.period) }), g1.field)
        let desc = l.t("\(fieldLabel(g1.field))ごとの\(what)", "\(what) by \(fieldLabel(g1.field))") + (g2.map { l.t("（\(fieldLabel($0.field))別）", " and \(fieldLabel($0.field))") } ?? "")
        if rows.isEmpty { return el("p", txt(l.t("集計するレコードがありません。", "There are no records to chart."))) }
        let svg: String
        let table: N
        if let g2 {
            let series = sorted(Set(rows.map { label($0.g2, g2.field, a, scope, names, l, period: g2.period) }), g2.field)
            var grid: [String: [String: Double]] = [:]
            for r in rows { grid[label(r.g1, g1.field, a, scope, names, l, period: g1.period), default: [:]][label(r.g2, g2.field, a, scope, names, l, period: g2.period), default: 0] += r.value }
            let s = series.map { name in SVGChart.Series(name: name, values: cats.map { grid[$0]?[name] }) }
            svg = spec.shape == .line ? SVGChart.lines(id: "app-chart", title: title, desc: desc, categories: cats, series: s, unit: unit)
                : SVGChart.stackedBars(id: "app-chart", title: title, desc: desc, categories: cats, series: s, unit: unit)
            table = el("table", el("caption", txt(l.t("\(title)（表）", "\(title) (table)"))),
                       el("thead", el("tr", [el("th", attr("scope", "col"), txt(fieldLabel(g1.field)))] + series.map { el("th", attr("scope", "col"), cls("num"), txt($0)) })),
                       el("tbody", cats.map { c in el("tr", [el("th", attr("scope", "row"), txt(c))] + series.map { sname in el("td", cls("num"), txt(grid[c]?[sname].map(fmt) ?? "—")) }) }))
        } else {
            var totals: [String: Double] = [:]
            for r in rows { totals[label(r.g1, g1.field, a, scope, names, l, period: g1.period), default: 0] += r.value }
            if spec.shape == .line {
                svg = SVGChart.lines(id: "app-chart", title: title, desc: desc, categories: cats, series: [SVGChart.Series(name: what, values: cats.map { totals[$0] })], unit: unit)
            } else {
                let ordered = g1.period == nil ? cats.sorted { (totals[$0] ?? 0, $1) > (totals[$1] ?? 0, $0) } : cats
                svg = SVGChart.bars(id: "app-chart", title: title, desc: desc, bars: ordered.prefix(60).map { SVGChart.Bar(label: $0, value: totals[$0] ?? 0, text: fmt(totals[$0] ?? 0) + unit) })
            }
            table = el("table", el("caption", txt(l.t("\(title)（表）", "\(title) (table)"))),
                       el("thead", el("tr", el("th", attr("scope", "col"), txt(fieldLabel(g1.field))), el("th", attr("scope", "col"), cls("num"), txt(what)))),
                       el("tbody", cats.map { c in el("tr", el("th", attr("scope", "row"), txt(c)), el("td", cls("num"), txt(fmt(totals[c] ?? 0) + unit))) }))
        }
        return .group([el("figure", cls("chart"), .raw(svg)), el("div", tableRegion(l.t("\(title)（表）", "\(title) (table)")), table)])
    }

    /// A month of a date field: each day with the records on it, as a table a screen reader reads row by row.
    static func calendar(_ req: Request, _ scope: Scope, _ a: AppAccess, view: ViewDefinition, query: RecordQuery, month: YearMonth) async throws -> N {
        let l = req.lang
        let def = a.app.definition
        guard let dateField = view.dateField, let f = def.field(dateField) else { return el("p", txt(l.t("日付のフィールドがありません。", "The view has no date field."))) }
        var q = query
        q.condition = RecordQuery.and(query.condition, .all([.compare(dateField, .ge, .text(month.first.iso)), .compare(dateField, .le, .text(month.first.lastOfMonth.iso))]))
        q.sort = [.init(field: dateField, descending: false)]
        let page = try await AppStore.list(req.sql, a, query: q, cursor: nil, limit: 500, exactCount: false)
        let names = try await AppForms.names(req, scope, a, records: page.records)
        let title = def.titleField.flatMap { def.field($0) }
        var byDay: [Int: [StoredRecord]] = [:]
        for r in page.records {
            guard let v = r.data[dateField]?.text else { continue }
            let d = f.type == .dateTime ? RecordValidation.parseDateTime(v, zone: scope.municipality.zone).map { CalendarDate($0, in: scope.municipality.zone) } : CalendarDate(iso: v)
            if let d, d.month == month.month, d.year == month.year { byDay[d.day, default: []].append(r) }
        }
        let base = "/apps/\(def.code)?view=" + (view.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let days = (1...CalendarDate.daysIn(year: month.year, month: month.month)).map { CalendarDate(year: month.year, month: month.month, day: $0)! }
        return .group([
            el("p", link(base + "&month=\(month.previous.iso)", l.t("前の月", "Previous month"), attr("rel", "prev")), txt(" "), el("strong", txt(showMonth(month, l))), txt(" "),
               link(base + "&month=\(month.next.iso)", l.t("次の月", "Next month"), attr("rel", "next"))),
            page.next == nil ? .empty : el("p", cls("hint"), txt(l.t("この月のレコードが多いため、最初の500件を表示しています。", "This month has many records; the first 500 are shown."))),
            el("div", tableRegion(view.name), el("table", cls("calendar"),
               el("caption", txt("\(view.name) — \(showMonth(month, l))")),
               el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("日", "Day"))), el("th", attr("scope", "col"), txt(l.t("レコード", "Records"))))),
               el("tbody", days.filter { byDay[$0.day] != nil }.map { d in
                   el("tr", el("th", attr("scope", "row"), txt(showDate(d, l, weekday: true))),
                      el("td", el("ul", (byDay[d.day] ?? []).map { r in
                          el("li", link("/apps/\(def.code)/records/\(r.id)", "#\(r.number) " + (title.map { AppForms.text($0, r.data[$0.code], l, scope, names) } ?? "")),
                             r.status.map { s in .group([txt(" "), el("span", cls("status"), txt(s))]) } ?? .empty)
                      })))
               }))),
            byDay.isEmpty ? el("p", txt(l.t("この月のレコードはありません。", "No records this month."))) : .empty,
        ])
    }
}

import Foundation
import YakubaCore

extension AppDefinition {
    /// The type a query compares each field as: the app's fields (a calculated field as what it gives) and the system fields.
    public var queryTypes: [String: FieldType] {
        var out: [String: FieldType] = [:]
        for s in SystemField.allCases where s != .status || process != nil { out[s.rawValue] = s.valueType }
        let calc = (try? calculatedTypes()) ?? [:]
        for f in fields {
            if f.type == .calculated {
                switch calc[f.code] {
                case .number?: out[f.code] = .number
                case .date?: out[f.code] = .date
                case .text?: out[f.code] = .text
                case .bool?: out[f.code] = .yesNo
                case nil: break
                }
            } else { out[f.code] = f.type }
        }
        return out
    }

    /// How an expression reads a field of this type.
    static func expressionType(_ t: FieldType) -> Formula.ValueType? {
        switch t {
        case .number, .money: .number
        case .date: .date
        case .text, .multilineText, .choice: .text
        case .yesNo: .bool
        default: nil
        }
    }

    /// The calculated fields in the order they must be computed (each after the ones it reads), with their types.
    /// Throws naming a field that refers to itself, to a missing field, or a cycle.
    public func calculationOrder() throws(AppProblem) -> [(field: FieldDefinition, expression: Formula, type: Formula.ValueType)] {
        var parsed: [String: Formula] = [:]
        for f in fields where f.type == .calculated {
            if f.expression?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                throw AppProblem("fields.\(f.code).expression", "「\(f.label)」の計算式を入力してください。", "Enter the expression of \"\(f.label)\".")
            }
            do { parsed[f.code] = try Formula(parsing: f.expression ?? "") }
            catch { throw AppProblem("fields.\(f.code).expression", "「\(f.label)」の計算式: " + error.messageJa, "The expression of \"\(f.label)\": " + error.messageEn) }
        }
        var order: [(FieldDefinition, Formula, Formula.ValueType)] = []
        var types: [String: Formula.ValueType] = [:]
        var state: [String: Int] = [:]   // 1 visiting, 2 done
        func visit(_ code: String, _ trail: [String]) throws(AppProblem) {
            if state[code] == 2 { return }
            guard let f = field(code), let e = parsed[code] else { return }
            if state[code] == 1 {
                let cycle = (trail.drop { $0 != code } + [code]).map { self.field($0)?.label ?? $0 }
                if trail.last == code {
                    throw AppProblem("fields.\(code).expression", "「\(f.label)」の計算式が自分自身を参照しています。", "The expression of \"\(f.label)\" refers to itself.")
                }
                throw AppProblem("fields.\(code).expression", "計算式が循環しています: \(cycle.joined(separator: " → "))。", "The expressions refer to each other in a circle: \(cycle.joined(separator: " → ")).")
            }
            state[code] = 1
            for r in e.references.sorted() where parsed[r] != nil { try visit(r, trail + [code]) }
            let t: Formula.ValueType
            do {
                t = try e.check { name in
                    guard let g = self.field(name) else { return nil }
                    if g.type == .calculated { return types[name].map(Formula.Reference.value) }
                    if g.type == .subtable {
                        var cols: [String: Formula.ValueType] = [:]
                        for c in g.rowFields { if let ct = Self.expressionType(c.type) { cols[c.code] = ct } }
                        return .table(cols)
                    }
                    return Self.expressionType(g.type).map(Formula.Reference.value) ?? .unusable(g.type)
                }
            } catch {
                throw AppProblem("fields.\(code).expression", "「\(f.label)」の計算式: " + error.messageJa, "The expression of \"\(f.label)\": " + error.messageEn)
            }
            types[code] = t
            state[code] = 2
            order.append((f, e, t))
        }
        for f in fields where f.type == .calculated { try visit(f.code, []) }
        return order
    }

    public func calculatedTypes() throws(AppProblem) -> [String: Formula.ValueType] {
        Dictionary(uniqueKeysWithValues: try calculationOrder().map { ($0.field.code, $0.type) })
    }

    /// Everything wrong with the definition. `knownApps` are the codes a link field may point at (this municipality's
    /// apps and the others being installed with it).
    public func problems(knownApps: Set<String> = []) -> [AppProblem] {
        var out: [AppProblem] = []
        func add(_ path: String, _ ja: String, _ en: String) { out.append(AppProblem(path, ja, en)) }
        if !FieldCode.isValid(code) { add("code", "アプリのコードは英小文字で始まる英数字と _ で、40文字以内にしてください（例: equipment_loans）。", "The app code must start with a lower-case letter and use letters, digits and _ only, up to 40 characters (e.g. equipment_loans).") }
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 { add("name", "アプリ名を100文字以内で入力してください。", "Enter the app's name (up to 100 characters).") }
        if description.count > 2000 { add("description", "説明は2000文字以内にしてください。", "Keep the description to 2,000 characters.") }
        if fields.isEmpty { add("fields", "フィールドを1つ以上作ってください。", "Add at least one field.") }
        if fields.count > Self.maxFields { add("fields", "フィールドは\(Self.maxFields)個までです。", "An app has at most \(Self.maxFields) fields.") }
        let roleCodes = Set(permissions.roles.map(\.code))

        func checkField(_ f: FieldDefinition, _ path: String, inTable: Bool) {
            if !FieldCode.isValid(f.code) { add(path + ".code", "フィールドコード「\(f.code)」は英小文字で始まる英数字と _ にしてください（例: due_date）。", "The field code \"\(f.code)\" must start with a lower-case letter and use letters, digits and _ (e.g. due_date).") }
            if SystemField(rawValue: f.code) != nil { add(path + ".code", "「\(f.code)」は予約されています。別のコードにしてください。", "\"\(f.code)\" is reserved; choose another code.") }
            if retiredFields.contains(f.code) { add(path + ".code", "「\(f.code)」は削除したフィールドのコードです。履歴と混ざらないよう別のコードにしてください。", "\"\(f.code)\" belonged to a removed field; choose another code so old history is not read as this field.") }
            if f.label.trimmingCharacters(in: .whitespaces).isEmpty || f.label.count > 100 { add(path + ".label", "「\(f.code)」の名前を100文字以内で入力してください。", "Enter a label for \"\(f.code)\" (up to 100 characters).") }
            if (f.help?.count ?? 0) > 500 { add(path + ".help", "説明は500文字以内にしてください。", "Keep the help text to 500 characters.") }
            if (f.unit?.count ?? 0) > 20 { add(path + ".unit", "単位は20文字以内にしてください。", "Keep the unit to 20 characters.") }
            if inTable, !f.type.allowedInSubtable { add(path + ".type", "表の列に\(f.type.labelJa)は使えません。", "A table column cannot be \(f.type.labelEn).") }
            if let lo = f.minimum, let hi = f.maximum, lo > hi { add(path + ".minimum", "「\(f.label)」の最小値が最大値より大きくなっています。", "The minimum of \"\(f.label)\" is above its maximum.") }
            if let d = f.decimals, !(0...6).contains(d) { add(path + ".decimals", "小数の桁数は0〜6にしてください。", "Decimals must be 0 to 6.") }
            if let m = f.maxLength, !(1...100_000).contains(m) { add(path + ".maxLength", "最大文字数は1〜100000にしてください。", "The maximum length must be 1 to 100,000.") }
            switch f.type {
            case .choice, .multiChoice:
                let cs = f.choices ?? []
                if cs.isEmpty { add(path + ".choices", "「\(f.label)」の選択肢を1つ以上入力してください。", "Enter at least one choice for \"\(f.label)\".") }
                if cs.count > 200 { add(path + ".choices", "選択肢は200個までです。", "At most 200 choices.") }
                if Set(cs).count != cs.count { add(path + ".choices", "「\(f.label)」の選択肢が重複しています。", "The choices of \"\(f.label)\" repeat.") }
                if cs.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty || $0.count > 100 }) { add(path + ".choices", "空の選択肢や100文字を超える選択肢があります。", "A choice is empty or longer than 100 characters.") }
            case .link:
                if let a = f.linkApp, !a.isEmpty {
                    if !knownApps.contains(a) && a != code { add(path + ".linkApp", "「\(f.label)」の参照先アプリ「\(a)」がありません。先にそのアプリを作るか、一緒に読み込んでください。", "\"\(f.label)\" links to the app \"\(a)\", which does not exist here. Create or import it first (or in the same file).") }
                } else { add(path + ".linkApp", "「\(f.label)」が参照するアプリを選んでください。", "Choose the app \"\(f.label)\" links to.") }
            case .attachment:
                if let m = f.maxBytes, !(1...FieldDefinition.largestMaxBytes).contains(m) { add(path + ".maxBytes", "ファイルの上限は50MBまでにしてください。", "The file size limit can be at most 50 MB.") }
                for t in f.contentTypes ?? [] where !t.contains("/") || t.count > 100 { add(path + ".contentTypes", "ファイルの種類「\(t)」は MIME 形式（例: application/pdf）で書いてください。", "Write the file type \"\(t)\" as a MIME type (e.g. application/pdf).") }
            case .subtable:
                let cols = f.rowFields
                if cols.isEmpty { add(path + ".columns", "表「\(f.label)」に列を1つ以上作ってください。", "Add at least one column to the table \"\(f.label)\".") }
                var seen = Set<String>()
                for (j, c) in cols.enumerated() {
                    if !seen.insert(c.code).inserted { add(path + ".columns[\(j)].code", "列コード「\(c.code)」が重複しています。", "The column code \"\(c.code)\" repeats.") }
                    checkField(c, path + ".columns[\(j)]", inTable: true)
                }
            default: break
            }
            if f.type != .calculated, f.expression != nil, !(f.expression ?? "").isEmpty { add(path + ".expression", "計算式は計算フィールドにだけ書けます。", "Only a calculated field has an expression.") }
            if inTable, f.type == .calculated { add(path + ".type", "表の列に計算フィールドは使えません。表全体の合計は sum(表.列) で求めてください。", "A table column cannot be calculated; sum a column with sum(table.column).") }
        }

        var seen = Set<String>()
        for (i, f) in fields.enumerated() {
            if !seen.insert(f.code).inserted { add("fields[\(i)].code", "フィールドコード「\(f.code)」が重複しています。", "The field code \"\(f.code)\" repeats.") }
            checkField(f, "fields[\(i)]", inTable: false)
        }
        do { _ = try calculationOrder() } catch { out.append(error) }

        var placed = Set<String>()
        for (r, row) in layout.enumerated() {
            for c in row {
                if field(c) == nil { add("layout[\(r)]", "レイアウトにないフィールド「\(c)」があります。", "The layout names a field \"\(c)\" that does not exist.") }
                if !placed.insert(c).inserted { add("layout[\(r)]", "「\(c)」がレイアウトに2回あります。", "\"\(c)\" is placed twice in the layout.") }
            }
            if row.count > 4 { add("layout[\(r)]", "1行に置けるのは4項目までです（スマートフォンで読めるように）。", "Put at most four fields on one row (so a phone can show them).") }
        }
        if let t = titleField, ![.text, .choice, .number, .date, .calculated].contains(field(t)?.type) {
            add("titleField", "タイトルにするフィールド「\(t)」は1行の文字列などにしてください。", "The title field \"\(t)\" must be a one-line text (or a number, date or choice).")
        }

        for (i, r) in permissions.roles.enumerated() {
            if !FieldCode.isValid(r.code) { add("permissions.roles[\(i)]", "役割のコード「\(r.code)」は英小文字で始まる英数字と _ にしてください。", "The role code \"\(r.code)\" must start with a lower-case letter and use letters, digits and _.") }
            if r.label.isEmpty { add("permissions.roles[\(i)]", "役割「\(r.code)」の名前を入力してください。", "Enter a name for the role \"\(r.code)\".") }
        }
        if roleCodes.count != permissions.roles.count { add("permissions.roles", "役割のコードが重複しています。", "A role code repeats.") }
        func checkParty(_ p: Party, _ path: String, recordContext: Bool) {
            switch p {
            case .role(let r): if !roleCodes.contains(r) { add(path, "役割「\(r)」はこのアプリにありません。", "The app has no role \"\(r)\".") }
            case .field(let f): if field(f)?.type != .user { add(path, "「\(f)」は職員フィールドではありません。", "\"\(f)\" is not a staff-member field.") }
            case .creator, .assignee: if !recordContext { add(path, "\(p) はレコードごとの規則でだけ使えます。", "\(p) can be used only in rules about records.") }
            case .everyone: break
            }
        }
        for (i, g) in permissions.app.enumerated() { checkParty(g.party, "permissions.app[\(i)]", recordContext: false) }
        for (i, r) in permissions.records.enumerated() {
            r.parties.forEach { checkParty($0, "permissions.records[\(i)]", recordContext: true) }
            if !r.condition.trimmingCharacters(in: .whitespaces).isEmpty {
                do {
                    let q = try RecordQuery(parsing: r.condition, path: "permissions.records[\(i)]")
                    if !q.sort.isEmpty { add("permissions.records[\(i)]", "権限の条件に order by は書けません。", "A permission condition has no \"order by\".") }
                    out += q.check(self, path: "permissions.records[\(i)]")
                } catch { out.append(error) }
            }
        }
        for (i, r) in permissions.fields.enumerated() {
            if field(r.field) == nil { add("permissions.fields[\(i)]", "フィールド「\(r.field)」はありません。", "There is no field \"\(r.field)\".") }
            r.parties.forEach { checkParty($0, "permissions.fields[\(i)]", recordContext: true) }
        }

        if let p = process {
            let names = p.statuses.map(\.name)
            if names.isEmpty { add("process.statuses", "ステータスを1つ以上作ってください。", "Add at least one status.") }
            if Set(names).count != names.count { add("process.statuses", "ステータス名が重複しています。", "A status name repeats.") }
            for (i, s) in p.statuses.enumerated() {
                if s.name.trimmingCharacters(in: .whitespaces).isEmpty || s.name.count > 40 { add("process.statuses[\(i)].name", "ステータス名を40文字以内で入力してください。", "Enter the status name (up to 40 characters).") }
                for f in s.lockedFields where f != "*" && field(f) == nil { add("process.statuses[\(i)].lockedFields", "ロックするフィールド「\(f)」はありません。", "There is no field \"\(f)\" to lock.") }
                if let a = s.assignee {
                    if a.candidates.isEmpty { add("process.statuses[\(i)].assignee", "「\(s.name)」の作業者の候補を選んでください。", "Choose who can be the assignee in \"\(s.name)\".") }
                    a.candidates.forEach { if $0 == .assignee { add("process.statuses[\(i)].assignee", "作業者の候補に assignee は使えません。", "\"assignee\" cannot be an assignee candidate.") } else { checkParty($0, "process.statuses[\(i)].assignee", recordContext: true) } }
                }
            }
            var actionKeys = Set<String>()
            for (i, a) in p.actions.enumerated() {
                if a.name.trimmingCharacters(in: .whitespaces).isEmpty || a.name.count > 40 { add("process.actions[\(i)].name", "アクション名を40文字以内で入力してください。", "Enter the action's name (up to 40 characters).") }
                if !names.contains(a.from) { add("process.actions[\(i)].from", "アクション「\(a.name)」の元のステータス「\(a.from)」がありません。", "The action \"\(a.name)\" starts from \"\(a.from)\", which is not a status.") }
                if !names.contains(a.to) { add("process.actions[\(i)].to", "アクション「\(a.name)」の行き先「\(a.to)」がありません。", "The action \"\(a.name)\" goes to \"\(a.to)\", which is not a status.") }
                if !actionKeys.insert(a.from + "\u{1}" + a.name).inserted { add("process.actions[\(i)].name", "「\(a.from)」からのアクション「\(a.name)」が重複しています。", "The action \"\(a.name)\" from \"\(a.from)\" repeats.") }
                a.allowed.forEach { checkParty($0, "process.actions[\(i)].allowed", recordContext: true) }
            }
        }

        var viewNames = Set<String>()
        let types = queryTypes
        for (i, v) in views.enumerated() {
            let path = "views[\(i)]"
            if v.name.trimmingCharacters(in: .whitespaces).isEmpty || v.name.count > 60 { add(path + ".name", "一覧の名前を60文字以内で入力してください。", "Enter the view's name (up to 60 characters).") }
            if !viewNames.insert(v.name).inserted { add(path + ".name", "一覧の名前「\(v.name)」が重複しています。", "The view name \"\(v.name)\" repeats.") }
            for c in v.columns where types[c] == nil { add(path + ".columns", "表示するフィールド「\(c)」はありません。", "There is no field \"\(c)\" to show.") }
            if !v.query.trimmingCharacters(in: .whitespaces).isEmpty {
                do { out += try RecordQuery(parsing: v.query, path: path + ".query").check(self, path: path + ".query") } catch { out.append(error) }
            }
            switch v.kind {
            case .kanban: if process == nil { add(path + ".kind", "カンバンはプロセス管理のあるアプリで使えます。", "A kanban view needs the app's process (statuses).") }
            case .calendar:
                if let d = v.dateField, [.date, .dateTime].contains(types[d]) {} else { add(path + ".dateField", "カレンダーには日付のフィールドを選んでください。", "Choose a date field for the calendar.") }
            case .chart:
                guard let c = v.chart else { add(path + ".chart", "グラフの集計方法を選んでください。", "Choose what the chart counts or sums."); continue }
                if c.aggregate != .count {
                    if let f = c.field, [.number, .money].contains(types[f]) {} else { add(path + ".chart.field", "合計・平均するのは数値のフィールドにしてください。", "Sum or average a number field.") }
                }
                if c.groups.isEmpty || c.groups.count > 2 { add(path + ".chart.groups", "グラフの分類は1つか2つにしてください。", "Group the chart by one or two fields.") }
                for g in c.groups {
                    guard let t = types[g.field] else { add(path + ".chart.groups", "分類するフィールド「\(g.field)」はありません。", "There is no field \"\(g.field)\" to group by."); continue }
                    if [.date, .dateTime].contains(t) { if g.period == nil { add(path + ".chart.groups", "日付で分類するときは月か年を選んでください。", "Group a date by month or year.") } }
                    else if ![.choice, .user, .department, .yesNo, .text].contains(t) { add(path + ".chart.groups", "「\(g.field)」（\(t.labelJa)）では分類できません。", "Records cannot be grouped by \"\(g.field)\" (\(t.labelEn)).") }
                }
            case .list: break
            }
        }
        return out
    }
}

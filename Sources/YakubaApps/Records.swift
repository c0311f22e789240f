import Foundation
import YakubaCore

/// Turns what a form or the API sent into a record's stored data: each value read as its field's type (a form's text
/// "1,200" as the number 1200, "2026/4/1" as the date 2026-04-01), checked against the field's rules, the status's
/// locks and the caller's field access, then the calculated fields computed. Nothing is stored unless all is well.
public enum RecordValidation {
    public static let maxRows = 200
    public static let maxAttachments = 10
    public static let defaultTextLength = 1000
    public static let defaultMultilineLength = 20_000

    /// The record's data after `changes` (a partial update: fields not named keep their values), or every problem.
    /// `existing` is nil for a new record, which starts from empty. Values of fields no longer in the app are dropped
    /// (they stay in the record's history).
    public static func apply(_ app: AppDefinition, changes: [String: AppValue], to existing: [String: AppValue]?, status: String?,
                             access: (String) -> FieldAccess = { _ in .write }, zone: TimeZone) -> Result<[String: AppValue], AppProblems> {
        var problems: [AppProblem] = []
        var data: [String: AppValue] = [:]
        for f in app.fields { if let v = existing?[f.code] { data[f.code] = v } }
        let locked = status.flatMap { app.process?.status($0) }
        for (code, raw) in changes.sorted(by: { $0.key < $1.key }) {
            guard let f = app.field(code) else {
                problems.append(AppProblem(code, "フィールド「\(code)」はこのアプリにありません。", "The app has no field \"\(code)\".")); continue
            }
            if f.type == .calculated {
                if !raw.isEmpty { problems.append(AppProblem(code, "「\(f.label)」は計算で決まるため入力できません。", "\"\(f.label)\" is calculated and cannot be entered.")) }
                continue
            }
            switch normalize(f, raw, path: code, zone: zone) {
            case .failure(let p): problems += p.all
            case .success(let v):
                let before = data[code] ?? .null
                if v == before || (v.isEmpty && before.isEmpty) { continue }
                if access(code) < .write {
                    problems.append(AppProblem(code, "「\(f.label)」を変更する権限がありません。", "You may not change \"\(f.label)\".")); continue
                }
                if existing != nil, let s = locked, s.locks(code) {
                    problems.append(AppProblem(code, "「\(f.label)」はステータス「\(s.name)」では変更できません。", "\"\(f.label)\" cannot be changed while the record is \"\(s.name)\".")); continue
                }
                data[code] = v.isEmpty ? nil : v
            }
        }
        for f in app.fields where f.required && f.type != .calculated && (data[f.code] ?? .null).isEmpty {
            if !problems.contains(where: { $0.path == f.code }) {
                problems.append(AppProblem(f.code, "「\(f.label)」を入力してください。", "Enter \"\(f.label)\"."))
            }
        }
        guard problems.isEmpty else { return .failure(AppProblems(problems)) }
        calculate(app, &data)
        return .success(data)
    }

    /// Computes every calculated field from the others (in dependency order). An app whose expressions do not check
    /// leaves its calculated fields empty rather than failing a record (the app cannot be saved that way).
    public static func calculate(_ app: AppDefinition, _ data: inout [String: AppValue]) {
        guard let order = try? app.calculationOrder(), !order.isEmpty else { return }
        var types: [String: Formula.ValueType] = [:]
        var tables: [String: [String: Formula.ValueType]] = [:]
        for f in app.fields {
            if let t = AppDefinition.expressionType(f.type) { types[f.code] = t }
            if f.type == .subtable { tables[f.code] = Dictionary(uniqueKeysWithValues: f.rowFields.compactMap { c in AppDefinition.expressionType(c.type).map { (c.code, $0) } }) }
        }
        for (f, e, t) in order {
            types[f.code] = t
            let v = e.evaluate(data, types: types, tables: tables)
            data[f.code] = v == .null ? nil : v
        }
    }

    /// One value read as its field's type and checked against the field's rules.
    public static func normalize(_ f: FieldDefinition, _ raw: AppValue, path: String, zone: TimeZone) -> Result<AppValue, AppProblems> {
        func fail(_ ja: String, _ en: String) -> Result<AppValue, AppProblems> { .failure(AppProblems([AppProblem(path, ja, en)])) }
        if raw.isEmpty { return .success(.null) }
        switch f.type {
        case .text, .multilineText:
            guard case .text(let s0) = raw else {
                if case .number(let d) = raw { return normalize(f, .text(AppValue.format(d)), path: path, zone: zone) }
                return fail("「\(f.label)」には文字列を入力してください。", "\"\(f.label)\" takes text.")
            }
            let s = f.type == .text ? s0.trimmingCharacters(in: .whitespaces) : s0.replacingOccurrences(of: "\r\n", with: "\n")
            if f.type == .text, s.contains(where: \.isNewline) { return fail("「\(f.label)」は1行で入力してください。", "Enter \"\(f.label)\" on one line.") }
            let limit = f.maxLength ?? (f.type == .text ? defaultTextLength : defaultMultilineLength)
            if s.count > limit { return fail("「\(f.label)」は\(limit)文字以内にしてください（いま\(s.count)文字）。", "Keep \"\(f.label)\" to \(limit) characters (it has \(s.count)).") }
            return .success(s.isEmpty ? .null : .text(s))
        case .number, .money:
            var d: Decimal
            switch raw {
            case .number(let n): d = n
            case .text(let s):
                let t = WorkRulesSettings.ascii(s).replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "，", with: "")
                    .replacingOccurrences(of: "．", with: ".").replacingOccurrences(of: "－", with: "-").replacingOccurrences(of: "円", with: "")
                    .replacingOccurrences(of: "¥", with: "").replacingOccurrences(of: "￥", with: "")
                guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
                      let n = Decimal(string: t, locale: Locale(identifier: "en_US_POSIX")) else {
                    return fail("「\(f.label)」には数字を入力してください（「\(s)」は数として読めません）。", "\"\(f.label)\" takes a number (\"\(s)\" is not one).")
                }
                d = n
            default: return fail("「\(f.label)」には数字を入力してください。", "\"\(f.label)\" takes a number.")
            }
            let places = f.type == .money ? 0 : (f.decimals ?? 6)
            var rounded = Decimal(), copy = d
            NSDecimalRound(&rounded, &copy, places, .plain)
            if rounded != d {
                return places == 0 ? fail("「\(f.label)」は整数で入力してください。", "Enter \"\(f.label)\" as a whole number.")
                    : fail("「\(f.label)」の小数は\(places)桁までです。", "\"\(f.label)\" takes at most \(places) decimal places.")
            }
            if abs(NSDecimalNumber(decimal: d).doubleValue) >= 1e15 { return fail("「\(f.label)」が大きすぎます。", "\"\(f.label)\" is too large.") }
            if let lo = f.minimum, d < lo { return fail("「\(f.label)」は\(AppValue.format(lo))以上にしてください。", "\"\(f.label)\" must be at least \(AppValue.format(lo)).") }
            if let hi = f.maximum, d > hi { return fail("「\(f.label)」は\(AppValue.format(hi))以下にしてください。", "\"\(f.label)\" must be at most \(AppValue.format(hi)).") }
            return .success(.number(d))
        case .date:
            guard case .text(let s) = raw, let d = parseDate(s) else {
                return fail("「\(f.label)」は 2026-04-01 のような日付で入力してください。", "Enter \"\(f.label)\" as a date such as 2026-04-01.")
            }
            guard (1900...2200).contains(d.year) else { return fail("「\(f.label)」の年を確かめてください。", "Check the year of \"\(f.label)\".") }
            return .success(.text(d.iso))
        case .dateTime:
            guard case .text(let s) = raw, let instant = parseDateTime(s, zone: zone) else {
                return fail("「\(f.label)」は 2026-04-01T09:30 のような日時で入力してください。", "Enter \"\(f.label)\" as a date and time such as 2026-04-01T09:30.")
            }
            return .success(.text(formatInstant(instant)))
        case .yesNo:
            switch raw {
            case .bool: return .success(raw)
            case .text(let s):
                let t = s.lowercased().trimmingCharacters(in: .whitespaces)
                if ["1", "true", "on", "yes", "はい"].contains(t) { return .success(.bool(true)) }
                if ["0", "false", "off", "no", "いいえ"].contains(t) { return .success(.bool(false)) }
                return fail("「\(f.label)」は はい か いいえ で答えてください。", "Answer \"\(f.label)\" with yes or no.")
            case .number(let n): return .success(.bool(n != 0))
            default: return fail("「\(f.label)」は はい か いいえ で答えてください。", "Answer \"\(f.label)\" with yes or no.")
            }
        case .choice:
            guard case .text(let s0) = raw else { return fail("「\(f.label)」は選択肢から選んでください。", "Choose \"\(f.label)\" from its list.") }
            let s = s0.trimmingCharacters(in: .whitespaces)
            guard (f.choices ?? []).contains(s) else {
                return fail("「\(s)」は「\(f.label)」の選択肢にありません。次から選んでください: \((f.choices ?? []).joined(separator: "、"))。", "\"\(s)\" is not a choice of \"\(f.label)\". Choose one of: \((f.choices ?? []).joined(separator: ", ")).")
            }
            return .success(.text(s))
        case .multiChoice:
            let items: [AppValue]
            switch raw { case .list(let a): items = a; case .text: items = [raw]; default: return fail("「\(f.label)」は選択肢から選んでください。", "Choose \"\(f.label)\" from its list.") }
            var chosen: [String] = []
            for item in items {
                guard case .text(let s) = item, (f.choices ?? []).contains(s) else {
                    return fail("「\(item.text ?? item.canonicalJSON)」は「\(f.label)」の選択肢にありません。", "\"\(item.text ?? item.canonicalJSON)\" is not a choice of \"\(f.label)\".")
                }
                if !chosen.contains(s) { chosen.append(s) }
            }
            // kept in the order of the list, so equal choices give equal data
            let order = f.choices ?? []
            return .success(chosen.isEmpty ? .null : .list(chosen.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }.map(AppValue.text)))
        case .user, .department, .link:
            guard case .text(let s) = raw, let id = UUID(uuidString: s.trimmingCharacters(in: .whitespaces)) else {
                let what = f.type == .user ? ("職員", "staff member") : f.type == .department ? ("所属", "department") : ("レコード", "record")
                return fail("「\(f.label)」の\(what.0)が見つかりません。一覧から選んでください。", "The \(what.1) given for \"\(f.label)\" was not found; choose one from the list.")
            }
            return .success(.text(id.uuidString.lowercased()))
        case .attachment:
            guard case .list(let files) = raw, case let metas = files.compactMap(Attachments.Meta.init), metas.count == files.count else {
                return fail("「\(f.label)」の添付ファイルを読めません。もう一度添付してください。", "The attachments of \"\(f.label)\" cannot be read; attach them again.")
            }
            if files.count > maxAttachments { return fail("「\(f.label)」に添付できるのは\(maxAttachments)個までです。", "\"\(f.label)\" takes at most \(maxAttachments) files.") }
            return .success(metas.isEmpty ? .null : .list(metas.map(\.value)))
        case .calculated:
            return .success(.null)
        case .subtable:
            guard case .list(let rows) = raw else { return fail("「\(f.label)」の行を読めません。", "The rows of \"\(f.label)\" cannot be read.") }
            if rows.count > maxRows { return fail("「\(f.label)」の行は\(maxRows)行までです。", "\"\(f.label)\" takes at most \(maxRows) rows.") }
            var problems: [AppProblem] = []
            var out: [AppValue] = []
            for (i, row) in rows.enumerated() {
                if case .object(let cells) = row, cells.values.allSatisfy(\.isEmpty) { continue }
                guard case .object(let cells) = row else { problems.append(AppProblem("\(path)[\(i)]", "「\(f.label)」の\(i + 1)行目を読めません。", "Row \(i + 1) of \"\(f.label)\" cannot be read.")); continue }
                var clean: [String: AppValue] = [:]
                for (k, v) in cells {
                    guard let c = f.rowFields.first(where: { $0.code == k }) else {
                        problems.append(AppProblem("\(path)[\(i)].\(k)", "「\(f.label)」に列「\(k)」はありません。", "\"\(f.label)\" has no column \"\(k)\".")); continue
                    }
                    switch normalize(c, v, path: "\(path)[\(i)].\(k)", zone: zone) {
                    case .success(let nv): if !nv.isEmpty { clean[k] = nv }
                    case .failure(let p): problems += p.all.map { AppProblem($0.path, "\(i + 1)行目: " + $0.messageJa, "Row \(i + 1): " + $0.messageEn) }
                    }
                }
                for c in f.rowFields where c.required && (clean[c.code] ?? .null).isEmpty {
                    problems.append(AppProblem("\(path)[\(i)].\(c.code)", "\(i + 1)行目: 「\(c.label)」を入力してください。", "Row \(i + 1): enter \"\(c.label)\"."))
                }
                if !clean.isEmpty { out.append(.object(clean)) }
            }
            if !problems.isEmpty { return .failure(AppProblems(problems)) }
            return .success(out.isEmpty ? .null : .list(out))
        }
    }

    /// "2026-04-01", "2026/4/1", "２０２６／４／１".
    public static func parseDate(_ s: String) -> CalendarDate? {
        var t = WorkRulesSettings.ascii(s).replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "－", with: "-")
        if t.hasSuffix("日") { t = String(t.dropLast()).replacingOccurrences(of: "年", with: "-").replacingOccurrences(of: "月", with: "-") }
        let parts = t.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }

    /// "2026-04-01T09:30", "2026-04-01 09:30:00", with an optional Z or ±hh:mm; without one it is the municipality's time.
    public static func parseDateTime(_ s: String, zone: TimeZone) -> Date? {
        var t = WorkRulesSettings.ascii(s).replacingOccurrences(of: " ", with: "T")
        var offset: Int? = nil
        if t.hasSuffix("Z") { offset = 0; t.removeLast() }
        else if t.count > 16, case let sign = t[t.index(t.endIndex, offsetBy: -6)], sign == "+" || sign == "-" {
            let tail = t.suffix(5).split(separator: ":")
            guard tail.count == 2, let h = Int(tail[0]), let m = Int(tail[1]) else { return nil }
            offset = (sign == "+" ? 1 : -1) * (h * 3600 + m * 60)
            t.removeLast(6)
        }
        let halves = t.split(separator: "T")
        guard halves.count == 2, let date = parseDate(String(halves[0])) else { return nil }
        let hms = halves[1].split(separator: ":")
        guard (2...3).contains(hms.count), let h = Int(hms[0]), let mi = Int(hms[1]), (0...23).contains(h), (0...59).contains(mi) else { return nil }
        var sec = 0
        if hms.count == 3 { guard let s = Double(hms[2]), (0..<60).contains(s) else { return nil }; sec = Int(s) }
        let minutes = h * 60 + mi
        if let o = offset {
            return date.instant(atMinute: minutes, in: TimeZone(secondsFromGMT: o)!).addingTimeInterval(Double(sec))
        }
        return date.instant(atMinute: minutes, in: zone).addingTimeInterval(Double(sec))
    }

    /// UTC, to the second: "2026-04-01T00:30:00Z" (sorts as text in time order).
    public static func formatInstant(_ d: Date) -> String {
        let s = Int64(d.timeIntervalSince1970.rounded(.down))
        let day = CalendarDate(dayNumber: Int((s - ((s % 86400) + 86400) % 86400) / 86400))
        let r = Int(((s % 86400) + 86400) % 86400)
        return String(format: "%@T%02d:%02d:%02dZ", day.iso, r / 3600, r / 60 % 60, r % 60)
    }
}

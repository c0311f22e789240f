import Foundation
import YakubaCore

/// The query language of lists, views, record rules and the API (kintone's, which staff already know):
///
///     status in ("受付", "調査") and cases_per_year >= 100 order by priority desc
///     department = MYDEPARTMENT() or created_by = LOGINUSER()
///     due < FROM_TODAY(14) and title like "申請"  and memo is not empty
///
/// Operators: = != < <= > >= in, not in, like, not like, is empty, is not empty, and, or, brackets.
/// Values: "text", numbers, true/false, LOGINUSER(), MYDEPARTMENT(), TODAY(), FROM_TODAY(n), THIS_MONTH().
public struct RecordQuery: Sendable, Hashable {
    public indirect enum Condition: Sendable, Hashable {
        case all([Condition])
        case any([Condition])
        case compare(String, Op, Operand)
        case within(String, [Operand], negated: Bool)
        case like(String, String, negated: Bool)
        case empty(String, negated: Bool)
    }
    public enum Op: String, Sendable, Hashable { case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
    public enum Operand: Sendable, Hashable {
        case number(Decimal)
        case text(String)
        case bool(Bool)
        /// the caller's staff id
        case loginUser
        /// the caller's department and every department under it (and, for a 所属長, the departments they head)
        case myDepartment
        case today
        case fromToday(Int)
        /// for a date field: any day of the current month
        case thisMonth
    }
    public struct Sort: Sendable, Hashable {
        public var field: String
        public var descending: Bool
        public init(field: String, descending: Bool) { self.field = field; self.descending = descending }
    }

    public var condition: Condition?
    public var sort: [Sort]

    public init(condition: Condition? = nil, sort: [Sort] = []) { self.condition = condition; self.sort = sort }

    public static let maxLength = 2000

    public init(parsing text: String, path: String = "query") throws(AppProblem) {
        guard text.count <= Self.maxLength else {
            throw AppProblem(path, "条件は\(Self.maxLength)文字以内にしてください。", "Keep the query to \(Self.maxLength) characters.")
        }
        var p = QueryParser(parser: Parser(tokens: try Lexer.tokens(text, path: path), path: path))
        self = try p.query()
    }

    /// The fields the condition and the sort name.
    public var fields: Set<String> {
        var out = Set(sort.map(\.field))
        func walk(_ c: Condition) {
            switch c {
            case .all(let cs), .any(let cs): cs.forEach(walk)
            case .compare(let f, _, _), .within(let f, _, _), .like(let f, _, _), .empty(let f, _): out.insert(f)
            }
        }
        condition.map(walk)
        return out
    }

    /// Both conditions (a view's and the user's filter, or a list and a record rule).
    public static func and(_ a: Condition?, _ b: Condition?) -> Condition? {
        switch (a, b) {
        case (nil, nil): nil
        case (let x?, nil), (nil, let x?): x
        case (let x?, let y?): .all([x, y])
        }
    }

    // MARK: checking against an app

    /// Checks every field, operator and value against the app. `readable` says which fields the caller may read:
    /// a query never filters or sorts on a field its caller cannot see.
    public func check(_ app: AppDefinition, readable: (String) -> Bool = { _ in true }, path: String = "query") -> [AppProblem] {
        var problems: [AppProblem] = []
        let types = app.queryTypes
        func problem(_ ja: String, _ en: String) { problems.append(AppProblem(path, ja, en)) }
        func fieldType(_ f: String) -> FieldType? {
            guard let t = types[f], readable(f) else {
                problem("フィールド「\(f)」はありません（または見られません）。", "There is no field \"\(f)\" (or you cannot see it)."); return nil
            }
            return t
        }
        func checkValue(_ f: String, _ t: FieldType, _ v: Operand) {
            switch (t, v) {
            case (.number, .number), (.money, .number): break
            case (.date, .today), (.date, .fromToday), (.date, .thisMonth), (.dateTime, .today), (.dateTime, .fromToday), (.dateTime, .thisMonth): break
            case (.date, .text(let s)):
                if CalendarDate(iso: s) == nil { problem("「\(f)」と比べる日付「\(s)」は YYYY-MM-DD で書いてください。", "Write the date compared with \"\(f)\" as YYYY-MM-DD, not \"\(s)\".") }
            case (.dateTime, .text(let s)):
                if CalendarDate(iso: String(s.prefix(10))) == nil { problem("「\(f)」と比べる日時「\(s)」は YYYY-MM-DD か YYYY-MM-DDThh:mm で書いてください。", "Write the time compared with \"\(f)\" as YYYY-MM-DD or YYYY-MM-DDThh:mm.") }
            case (.yesNo, .bool): break
            case (.user, .loginUser), (.user, .text): break
            case (.department, .myDepartment), (.department, .text): break
            case (.link, .text), (.link, .number): break
            case (.text, .text), (.multilineText, .text): break
            case (.choice, .text(let s)), (.multiChoice, .text(let s)):
                let options = f == SystemField.status.rawValue ? (app.process?.statuses.map(\.name) ?? []) : (app.field(f)?.choices ?? [])
                if !options.contains(s) { problem("「\(s)」は「\(f)」の選択肢にありません（\(options.joined(separator: "、"))）。", "\"\(s)\" is not one of the choices of \"\(f)\" (\(options.joined(separator: ", "))).") }
            default:
                problem("「\(f)」（\(t.labelJa)）とその値は比べられません。", "That value cannot be compared with \"\(f)\" (\(t.labelEn)).")
            }
        }
        func walk(_ c: Condition) {
            switch c {
            case .all(let cs), .any(let cs): cs.forEach(walk)
            case .compare(let f, let op, let v):
                guard let t = fieldType(f) else { return }
                if [.multilineText, .multiChoice, .attachment, .subtable].contains(t) {
                    problem("「\(f)」（\(t.labelJa)）には「\(op.rawValue)」は使えません。", "\"\(op.rawValue)\" cannot be used on \"\(f)\" (\(t.labelEn)).")
                } else if [.choice, .user, .department, .link, .yesNo, .text].contains(t) && op != .eq && op != .ne {
                    problem("「\(f)」（\(t.labelJa)）には = か != を使ってください。", "Use = or != with \"\(f)\" (\(t.labelEn)).")
                } else { checkValue(f, t, v) }
            case .within(let f, let vs, _):
                guard let t = fieldType(f) else { return }
                if [.multilineText, .attachment, .subtable, .dateTime, .date].contains(t) {
                    problem("「\(f)」（\(t.labelJa)）には in は使えません。", "\"in\" cannot be used on \"\(f)\" (\(t.labelEn)).")
                } else { vs.forEach { checkValue(f, t, $0) } }
            case .like(let f, _, _):
                guard let t = fieldType(f) else { return }
                if ![.text, .multilineText].contains(t) { problem("like は文字列のフィールドにだけ使えます（「\(f)」は\(t.labelJa)）。", "\"like\" works on text fields only (\"\(f)\" is \(t.labelEn)).") }
            case .empty(let f, _):
                _ = fieldType(f)
            }
        }
        condition.map(walk)
        for s in sort {
            guard let t = fieldType(s.field) else { continue }
            if !t.isScalar || t == .multilineText { problem("「\(s.field)」（\(t.labelJa)）では並べ替えられません。", "Records cannot be sorted by \"\(s.field)\" (\(t.labelEn)).") }
        }
        if sort.count > 3 { problem("並べ替えは3項目までにしてください。", "Sort by at most three fields.") }
        return problems
    }
}

struct QueryParser {
    var parser: Parser

    mutating func query() throws(AppProblem) -> RecordQuery {
        var q = RecordQuery()
        if parser.peek != nil, !parser.isWord(parser.peek, "order") { q.condition = try or(depth: 0) }
        if parser.isWord(parser.peek, "order") {
            parser.i += 1
            guard parser.isWord(parser.next(), "by") else { throw parser.problem(parser.tokens[parser.i - 1], "order の後は by です。", "\"order\" is followed by \"by\".") }
            repeat {
                guard let f = parser.next(), f.kind == .identifier else { throw parser.problem(parser.peek, "並べ替えるフィールドのコードが必要です。", "A field code to sort by is expected.") }
                var desc = false
                if parser.isWord(parser.peek, "desc") { desc = true; parser.i += 1 } else if parser.isWord(parser.peek, "asc") { parser.i += 1 }
                q.sort.append(.init(field: f.text, descending: desc))
            } while parser.isSymbol(parser.peek, ",") && { parser.i += 1; return true }()
        }
        if let t = parser.peek { throw parser.problem(t, "「\(t.text)」は読めません。and・or・order by でつないでください。", "\"\(t.text)\" cannot be read here; join conditions with and, or, order by.") }
        return q
    }

    mutating func or(depth: Int) throws(AppProblem) -> RecordQuery.Condition {
        guard depth < 30 else { throw parser.problem(parser.peek, "条件の入れ子が深すぎます。", "The query is nested too deeply.") }
        var parts = [try and(depth: depth + 1)]
        while parser.isWord(parser.peek, "or") { parser.i += 1; parts.append(try and(depth: depth + 1)) }
        return parts.count == 1 ? parts[0] : .any(parts)
    }

    mutating func and(depth: Int) throws(AppProblem) -> RecordQuery.Condition {
        var parts = [try term(depth: depth + 1)]
        while parser.isWord(parser.peek, "and") { parser.i += 1; parts.append(try term(depth: depth + 1)) }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    mutating func term(depth: Int) throws(AppProblem) -> RecordQuery.Condition {
        if parser.isSymbol(parser.peek, "(") {
            parser.i += 1
            let c = try or(depth: depth + 1)
            try parser.expect(")")
            return c
        }
        guard let f = parser.next(), f.kind == .identifier else { throw parser.problem(parser.tokens.indices.contains(parser.i - 1) ? parser.tokens[parser.i - 1] : nil, "フィールドのコードが必要です。", "A field code is expected.") }
        let field = f.text
        if parser.isWord(parser.peek, "is") {
            parser.i += 1
            var negated = false
            if parser.isWord(parser.peek, "not") { negated = true; parser.i += 1 }
            guard parser.isWord(parser.next(), "empty") else { throw parser.problem(parser.peek, "is の後は empty か not empty です。", "\"is\" is followed by \"empty\" or \"not empty\".") }
            return .empty(field, negated: negated)
        }
        var negated = false
        if parser.isWord(parser.peek, "not") { negated = true; parser.i += 1 }
        if parser.isWord(parser.peek, "in") {
            parser.i += 1
            try parser.expect("(")
            var values: [RecordQuery.Operand] = []
            repeat { values.append(try operand()) } while parser.isSymbol(parser.peek, ",") && { parser.i += 1; return true }()
            try parser.expect(")")
            guard values.count <= 100 else { throw parser.problem(parser.peek, "in の値は100個までです。", "\"in\" takes at most 100 values.") }
            return .within(field, values, negated: negated)
        }
        if parser.isWord(parser.peek, "like") {
            parser.i += 1
            guard let s = parser.next(), s.kind == .string else { throw parser.problem(parser.peek, "like の後には \"文字列\" が必要です。", "\"like\" is followed by a \"text\".") }
            return .like(field, s.text, negated: negated)
        }
        if negated { throw parser.problem(parser.peek, "not の後は in か like です。", "\"not\" is followed by \"in\" or \"like\".") }
        guard let o = parser.next(), o.kind == .symbol, let op = RecordQuery.Op(rawValue: o.text) else {
            throw parser.problem(parser.tokens.indices.contains(parser.i - 1) ? parser.tokens[parser.i - 1] : nil, "「\(field)」の後に = != < <= > >= in like is のどれかが必要です。", "\"\(field)\" is followed by one of = != < <= > >= in like is.")
        }
        return .compare(field, op, try operand())
    }

    mutating func operand() throws(AppProblem) -> RecordQuery.Operand {
        guard let t = parser.next() else { throw parser.problem(nil, "値が必要です。", "A value is expected.") }
        switch t.kind {
        case .string: return .text(t.text)
        case .number:
            guard let d = Decimal(string: t.text, locale: Locale(identifier: "en_US_POSIX")) else { throw parser.problem(t, "「\(t.text)」は数として読めません。", "\"\(t.text)\" is not a number.") }
            return .number(d)
        case .symbol:
            if t.text == "-", let n = parser.next(), n.kind == .number, let d = Decimal(string: n.text, locale: Locale(identifier: "en_US_POSIX")) { return .number(-d) }
            throw parser.problem(t, "「\(t.text)」の位置に値が必要です。", "A value is expected where \"\(t.text)\" is.")
        case .identifier:
            let name = t.text.uppercased()
            if name == "TRUE" { return .bool(true) }
            if name == "FALSE" { return .bool(false) }
            guard parser.isSymbol(parser.peek, "(") else { throw parser.problem(t, "文字列の値は \"\(t.text)\" のように引用符で囲んでください。", "Put text values in quotes: \"\(t.text)\".") }
            parser.i += 1
            var arg: Int?
            if name == "FROM_TODAY" {
                var sign = 1
                if parser.isSymbol(parser.peek, "-") { sign = -1; parser.i += 1 }
                guard let n = parser.next(), n.kind == .number, let v = Int(n.text), v <= 36_500 else { throw parser.problem(parser.peek, "FROM_TODAY には日数を渡してください（例: FROM_TODAY(-7)）。", "FROM_TODAY takes a number of days, e.g. FROM_TODAY(-7).") }
                arg = sign * v
            }
            try parser.expect(")")
            switch name {
            case "LOGINUSER": return .loginUser
            case "MYDEPARTMENT": return .myDepartment
            case "TODAY": return .today
            case "THIS_MONTH": return .thisMonth
            case "FROM_TODAY": return .fromToday(arg!)
            default: throw parser.problem(t, "関数「\(t.text)」はありません（LOGINUSER, MYDEPARTMENT, TODAY, FROM_TODAY, THIS_MONTH）。", "There is no function \"\(t.text)\" (LOGINUSER, MYDEPARTMENT, TODAY, FROM_TODAY, THIS_MONTH).")
            }
        }
    }
}

import Foundation
import YakubaCore

/// The calculated fields' small expression language, parsed and evaluated here (never by an `eval`):
///
///     cases_per_year * (minutes_now - minutes_after) / 60
///     if(effort_days > 0, round(hours_saved * confidence / 100 / effort_days, 1), 0)
///     datediff(end_date, start_date)        // days from start_date to end_date
///     sum(items.amount)   count(items)      // over a sub-table's rows
///
/// Numbers are exact decimals. Operators: + − * / (numbers), & (joins text), = != < <= > >=, and, or, not. A date plus
/// a number is a date that many days later. Functions: if, min, max, round, floor, ceil, abs, datediff, adddays, year,
/// month, isempty, sum, avg, count. An empty operand makes an empty result (an unknown "after" gives no saving, not a
/// saving of everything); a division by zero is empty too; min, max, sum and avg skip empty values.
public struct Formula: Sendable, Hashable {
    public indirect enum Node: Sendable, Hashable {
        case number(Decimal)
        case text(String)
        case bool(Bool)
        case field(String)
        /// a sub-table's column, only inside sum, avg, min, max
        case column(String, String)
        case unary(String, Node)
        case binary(String, Node, Node)
        case call(String, [Node])
    }

    public enum ValueType: String, Sendable, Hashable { case number, text, date, bool
        var labelJa: String { switch self { case .number: "数値"; case .text: "文字列"; case .date: "日付"; case .bool: "真偽" } }
    }

    public let source: String
    public let root: Node

    public static let maxLength = 1000
    static let maxDepth = 40

    public init(parsing source: String) throws(AppProblem) {
        guard source.count <= Self.maxLength else {
            throw AppProblem("expression", "計算式は\(Self.maxLength)文字以内にしてください。", "Keep the expression to \(Self.maxLength) characters.")
        }
        var p = Parser(tokens: try Lexer.tokens(source))
        let node = try p.expression(depth: 0)
        if let t = p.peek { throw p.problem(t, "「\(t.text)」の前で式が終わっているはずです。演算子か括弧を確かめてください。", "The expression should end before \"\(t.text)\". Check the operators and brackets.") }
        self.source = source
        root = node
    }

    /// The fields it reads: plain fields, and the sub-tables whose columns it reads.
    public var references: Set<String> {
        var out = Set<String>()
        func walk(_ n: Node) {
            switch n {
            case .field(let f): out.insert(f)
            case .column(let t, _): out.insert(t)
            case .unary(_, let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .call(_, let args): args.forEach(walk)
            default: break
            }
        }
        walk(root)
        return out
    }

    // MARK: type checking

    /// What a name in an expression refers to, for checking.
    public enum Reference: Sendable { case value(ValueType), table([String: ValueType]), unusable(FieldType) }

    /// Checks the expression against the fields it may read and says what type it gives.
    public func check(_ lookup: (String) -> Reference?) throws(AppProblem) -> ValueType {
        try Self.type(of: root, lookup)
    }

    static func type(of n: Node, _ lookup: (String) -> Reference?) throws(AppProblem) -> ValueType {
        func bad(_ ja: String, _ en: String) -> AppProblem { AppProblem("expression", ja, en) }
        switch n {
        case .number: return .number
        case .text: return .text
        case .bool: return .bool
        case .field(let f):
            switch lookup(f) {
            case nil: throw bad("フィールド「\(f)」はありません。フィールドコードを確かめてください。", "There is no field \"\(f)\". Check the field code.")
            case .value(let t)?: return t
            case .table?: throw bad("「\(f)」は表です。sum(\(f).列) や count(\(f)) のように使ってください。", "\"\(f)\" is a table: use it as sum(\(f).column) or count(\(f)).")
            case .unusable(let t)?: throw bad("「\(f)」（\(t.labelJa)）は計算式では使えません。", "\"\(f)\" (\(t.labelEn)) cannot be used in an expression.")
            }
        case .column(let t, let c):
            throw bad("表の列「\(t).\(c)」は sum・avg・min・max の中でだけ使えます。", "A table's column (\(t).\(c)) can be used only inside sum, avg, min or max.")
        case .unary(let op, let a):
            let ta = try type(of: a, lookup)
            if op == "-" {
                guard ta == .number else { throw bad("「-」は数値にだけ使えます。", "\"-\" applies to numbers only.") }
                return .number
            }
            guard ta == .bool else { throw bad("「not」は条件にだけ使えます。", "\"not\" applies to conditions only.") }
            return .bool
        case .binary(let op, let a, let b):
            let ta = try type(of: a, lookup), tb = try type(of: b, lookup)
            switch op {
            case "+", "-":
                if ta == .number, tb == .number { return .number }
                if ta == .date, tb == .number { return .date }
                if op == "-", ta == .date, tb == .date {
                    throw bad("日付の差は datediff(後の日付, 前の日付) で求めてください。", "For the days between two dates use datediff(later, earlier).")
                }
                throw bad("「\(op)」は数値どうし（または日付と日数）に使えます。ここでは\(ta.labelJa)と\(tb.labelJa)です。", "\"\(op)\" needs numbers (or a date and a number of days); here it has a \(ta.rawValue) and a \(tb.rawValue).")
            case "*", "/":
                guard ta == .number, tb == .number else { throw bad("「\(op)」は数値どうしに使えます。ここでは\(ta.labelJa)と\(tb.labelJa)です。", "\"\(op)\" needs two numbers; here it has a \(ta.rawValue) and a \(tb.rawValue).") }
                return .number
            case "&": return .text
            case "and", "or":
                guard ta == .bool, tb == .bool else { throw bad("「\(op)」は条件どうしをつなぎます。", "\"\(op)\" joins two conditions.") }
                return .bool
            default:
                guard ta == tb else { throw bad("\(ta.labelJa)と\(tb.labelJa)は比べられません。", "A \(ta.rawValue) cannot be compared with a \(tb.rawValue).") }
                return .bool
            }
        case .call(let name, let args):
            func arity(_ range: ClosedRange<Int>) throws(AppProblem) {
                guard range.contains(args.count) else {
                    let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)〜\(range.upperBound)"
                    throw bad("\(name) には\(want)個の値を渡してください（いまは\(args.count)個）。", "\(name) takes \(want) argument(s), not \(args.count).")
                }
            }
            func want(_ i: Int, _ t: ValueType) throws(AppProblem) {
                let got = try type(of: args[i], lookup)
                guard got == t else { throw bad("\(name) の\(i + 1)番目には\(t.labelJa)を渡してください（いまは\(got.labelJa)）。", "Argument \(i + 1) of \(name) must be a \(t.rawValue), not a \(got.rawValue).") }
            }
            switch name {
            case "if":
                try arity(3...3); try want(0, .bool)
                let a = try type(of: args[1], lookup), b = try type(of: args[2], lookup)
                guard a == b else { throw bad("if の2番目と3番目は同じ種類にしてください（\(a.labelJa)と\(b.labelJa)）。", "The two results of if must have one type (\(a.rawValue) and \(b.rawValue)).") }
                return a
            case "min", "max", "sum", "avg":
                try arity(1...20)
                if args.count == 1, case .column(let table, let c) = args[0] {
                    guard case .table(let cols)? = lookup(table) else {
                        throw bad("表「\(table)」はありません。", "There is no table \"\(table)\".")
                    }
                    guard let t = cols[c] else { throw bad("表「\(table)」に列「\(c)」はありません。", "Table \"\(table)\" has no column \"\(c)\".") }
                    guard t == .number || (t == .date && (name == "min" || name == "max")) else { throw bad("\(name) は数値の列に使えます。", "\(name) applies to a column of numbers.") }
                    return t
                }
                guard name == "min" || name == "max" else { throw bad("\(name) には表の列を渡してください（例: \(name)(明細.金額)）。", "\(name) takes a table's column, e.g. \(name)(items.amount).") }
                let t0 = try type(of: args[0], lookup)
                guard t0 == .number || t0 == .date else { throw bad("\(name) は数値か日付に使えます。", "\(name) applies to numbers or dates.") }
                for i in args.indices { try want(i, t0) }
                return t0
            case "count":
                try arity(1...1)
                guard case .field(let t) = args[0], case .table? = lookup(t) else { throw bad("count には表を渡してください（例: count(明細)）。", "count takes a table, e.g. count(items).") }
                return .number
            case "round":
                try arity(1...2); try want(0, .number); if args.count == 2 { try want(1, .number) }
                return .number
            case "floor", "ceil", "abs":
                try arity(1...1); try want(0, .number); return .number
            case "datediff":
                try arity(2...2); try want(0, .date); try want(1, .date); return .number
            case "adddays":
                try arity(2...2); try want(0, .date); try want(1, .number); return .date
            case "year", "month":
                try arity(1...1); try want(0, .date); return .number
            case "isempty":
                try arity(1...1); _ = try type(of: args[0], lookup); return .bool
            default:
                throw bad("関数「\(name)」はありません。使える関数: \(Self.functions.joined(separator: ", "))。", "There is no function \"\(name)\". Functions: \(Self.functions.joined(separator: ", ")).")
            }
        }
    }

    public static let functions = ["if", "min", "max", "round", "floor", "ceil", "abs", "datediff", "adddays", "year", "month", "isempty", "sum", "avg", "count"]

    // MARK: evaluation

    enum Val: Equatable {
        case null, number(Decimal), text(String), date(CalendarDate), bool(Bool)
    }

    /// The value for a record. `types` says how to read each field (a date field's text is a date).
    public func evaluate(_ record: [String: AppValue], types: [String: ValueType], tables: [String: [String: ValueType]] = [:]) -> AppValue {
        switch Self.eval(root, record, types, tables) {
        case .null: return .null
        case .number(let d): return d.isNaN ? .null : .number(Self.tidy(d))
        case .text(let s): return .text(s)
        case .date(let d): return .text(d.iso)
        case .bool(let b): return .bool(b)
        }
    }

    /// Results keep 6 decimal places, so stored values are short and equal across runs.
    static func tidy(_ d: Decimal) -> Decimal {
        var d = d, r = Decimal()
        NSDecimalRound(&r, &d, 6, .plain)
        return r
    }

    static func read(_ v: AppValue?, _ t: ValueType?) -> Val {
        switch (v, t) {
        case (.number(let d)?, _): return .number(d)
        case (.bool(let b)?, _): return .bool(b)
        case (.text(let s)?, .date?): return CalendarDate(iso: s).map(Val.date) ?? .null
        case (.text(let s)?, _): return s.isEmpty ? .null : .text(s)
        default: return .null
        }
    }

    static func eval(_ n: Node, _ r: [String: AppValue], _ types: [String: ValueType], _ tables: [String: [String: ValueType]]) -> Val {
        func ev(_ n: Node) -> Val { eval(n, r, types, tables) }
        func columnValues(_ t: String, _ c: String) -> [Val] {
            guard case .list(let rows)? = r[t] else { return [] }
            return rows.compactMap { row -> Val? in
                let v = read(row.object?[c], tables[t]?[c])
                return v == .null ? nil : v
            }
        }
        switch n {
        case .number(let d): return .number(d)
        case .text(let s): return .text(s)
        case .bool(let b): return .bool(b)
        case .field(let f): return read(r[f], types[f])
        case .column: return .null
        case .unary(let op, let a):
            switch (op, ev(a)) {
            case ("-", .number(let d)): return .number(-d)
            case ("not", .bool(let b)): return .bool(!b)
            default: return .null
            }
        case .binary(let op, let a, let b):
            let va = ev(a), vb = ev(b)
            switch op {
            case "and":
                if va == .bool(false) || vb == .bool(false) { return .bool(false) }
                if case .bool = va, case .bool = vb { return .bool(true) }
                return .null
            case "or":
                if va == .bool(true) || vb == .bool(true) { return .bool(true) }
                if case .bool = va, case .bool = vb { return .bool(false) }
                return .null
            case "&":
                func s(_ v: Val) -> String {
                    switch v { case .null: ""; case .number(let d): AppValue.format(d); case .text(let t): t; case .date(let d): d.iso; case .bool(let b): b ? "true" : "false" }
                }
                return .text(s(va) + s(vb))
            default: break
            }
            switch (va, vb) {
            case (.number(let x), .number(let y)):
                switch op {
                case "+": return .number(x + y)
                case "-": return .number(x - y)
                case "*": return .number(x * y)
                case "/": return y == 0 ? .null : .number(x / y)
                default: return compare(op, x < y, x == y)
                }
            case (.date(let d), .number(let n)) where op == "+" || op == "-":
                guard let days = Int(exactly: NSDecimalNumber(decimal: n).doubleValue.rounded(.towardZero)), abs(days) < 3_000_000 else { return .null }
                return .date(d.adding(days: op == "+" ? days : -days))
            case (.date(let x), .date(let y)): return compare(op, x < y, x == y)
            case (.text(let x), .text(let y)): return compare(op, x < y, x == y)
            case (.bool(let x), .bool(let y)): return compare(op, !x && y, x == y)
            default: return .null
            }
        case .call(let name, let args):
            switch name {
            case "if":
                return ev(args[0]) == .bool(true) ? ev(args[1]) : ev(args[2])
            case "isempty":
                return .bool(ev(args[0]) == .null)
            case "count":
                guard case .field(let t) = args[0] else { return .null }
                return .number(Decimal(r[t]?.list?.count ?? 0))
            case "min", "max", "sum", "avg":
                var vals: [Val]
                if args.count == 1, case .column(let t, let c) = args[0] { vals = columnValues(t, c) } else { vals = args.map(ev).filter { $0 != .null } }
                if name == "sum" || name == "avg" {
                    let nums = vals.compactMap { if case .number(let d) = $0 { d } else { nil } }
                    if name == "sum" { return .number(nums.reduce(0, +)) }
                    return nums.isEmpty ? .null : .number(nums.reduce(0, +) / Decimal(nums.count))
                }
                guard var best = vals.first else { return .null }
                for v in vals.dropFirst() {
                    switch (best, v) {
                    case (.number(let x), .number(let y)): if (name == "min") == (y < x) && y != x { best = v }
                    case (.date(let x), .date(let y)): if (name == "min") == (y < x) && y != x { best = v }
                    default: break
                    }
                }
                return best
            case "round", "floor", "ceil":
                guard case .number(var x) = ev(args[0]) else { return .null }
                var places = 0
                if args.count == 2 {
                    guard case .number(let p) = ev(args[1]) else { return .null }
                    places = max(-6, min(6, NSDecimalNumber(decimal: p).intValue))
                }
                var out = Decimal()
                NSDecimalRound(&out, &x, places, name == "round" ? .plain : name == "floor" ? .down : .up)
                return .number(out)
            case "abs":
                guard case .number(let x) = ev(args[0]) else { return .null }
                return .number(x < 0 ? -x : x)
            case "datediff":
                guard case .date(let a) = ev(args[0]), case .date(let b) = ev(args[1]) else { return .null }
                return .number(Decimal(a.dayNumber - b.dayNumber))
            case "adddays":
                return eval(.binary("+", args[0], args[1]), r, types, tables)
            case "year", "month":
                guard case .date(let d) = ev(args[0]) else { return .null }
                return .number(Decimal(name == "year" ? d.year : d.month))
            default: return .null
            }
        }
    }

    static func compare(_ op: String, _ less: Bool, _ equal: Bool) -> Val {
        switch op {
        case "=": .bool(equal)
        case "!=": .bool(!equal)
        case "<": .bool(less)
        case "<=": .bool(less || equal)
        case ">": .bool(!less && !equal)
        case ">=": .bool(!less)
        default: .null
        }
    }
}

// MARK: - lexer and parser (shared with the query language)

struct Token: Equatable {
    enum Kind: Equatable { case number, string, identifier, symbol }
    var kind: Kind
    var text: String
    /// 1-based character position, for messages
    var position: Int
}

enum Lexer {
    static func tokens(_ s: String, path: String = "expression") throws(AppProblem) -> [Token] {
        var out: [Token] = []
        let chars = Array(s)
        var i = 0
        func isIdentStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_" || c == "$") }
        func isIdent(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace || c == "\u{3000}" { i += 1; continue }
            let start = i + 1
            if c.isASCII && c.isNumber {
                var j = i
                while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "." { j += 1 }
                out.append(Token(kind: .number, text: String(chars[i..<j]), position: start)); i = j
            } else if isIdentStart(c) {
                var j = i
                while j < chars.count, isIdent(chars[j]) { j += 1 }
                out.append(Token(kind: .identifier, text: String(chars[i..<j]), position: start)); i = j
            } else if c == "\"" || c == "「" {
                let close: Character = c == "\"" ? "\"" : "」"
                var j = i + 1, text = ""
                while j < chars.count, chars[j] != close {
                    if chars[j] == "\\", j + 1 < chars.count { j += 1 }
                    text.append(chars[j]); j += 1
                }
                guard j < chars.count else {
                    throw AppProblem(path, "\(start)文字目からの文字列が閉じていません（\(close) が必要です）。", "The text starting at character \(start) is not closed (add \(close)).")
                }
                out.append(Token(kind: .string, text: text, position: start)); i = j + 1
            } else {
                let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
                if ["!=", "<=", ">=", "<>"].contains(two) {
                    out.append(Token(kind: .symbol, text: two == "<>" ? "!=" : two, position: start)); i += 2
                } else if "+-*/()<>=,&.".contains(c) {
                    out.append(Token(kind: .symbol, text: String(c), position: start)); i += 1
                } else if let mapped = ["（": "(", "）": ")", "＋": "+", "－": "-", "＊": "*", "／": "/", "、": ",", "，": ","][c] {
                    out.append(Token(kind: .symbol, text: mapped, position: start)); i += 1
                } else {
                    throw AppProblem(path, "\(start)文字目の「\(c)」は使えません。フィールドは英字のフィールドコードで書いてください。", "Character \(start) (\"\(c)\") is not allowed. Write fields by their codes.")
                }
            }
        }
        return out
    }
}

struct Parser {
    var tokens: [Token]
    var i = 0
    var path = "expression"

    init(tokens: [Token], path: String = "expression") { self.tokens = tokens; self.path = path }

    var peek: Token? { i < tokens.count ? tokens[i] : nil }
    mutating func next() -> Token? { defer { i += 1 }; return peek }
    func problem(_ t: Token?, _ ja: String, _ en: String) -> AppProblem {
        guard let t else { return AppProblem(path, "式の終わりで: " + ja, "At the end: " + en) }
        return AppProblem(path, "\(t.position)文字目: " + ja, "At character \(t.position): " + en)
    }
    func isWord(_ t: Token?, _ w: String) -> Bool { t?.kind == .identifier && t?.text.lowercased() == w }
    func isSymbol(_ t: Token?, _ s: String) -> Bool { t?.kind == .symbol && t?.text == s }
    mutating func expect(_ s: String) throws(AppProblem) {
        guard isSymbol(peek, s) else { throw problem(peek, "「\(s)」が必要です。", "\"\(s)\" is expected.") }
        i += 1
    }

    static let precedence: [String: Int] = ["or": 1, "and": 2, "=": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "&": 4, "+": 5, "-": 5, "*": 6, "/": 6]

    func binaryOperator(_ t: Token?) -> String? {
        guard let t else { return nil }
        if t.kind == .symbol, Self.precedence[t.text] != nil { return t.text }
        if t.kind == .identifier, ["and", "or"].contains(t.text.lowercased()) { return t.text.lowercased() }
        return nil
    }

    mutating func expression(depth: Int, minPrecedence: Int = 1) throws(AppProblem) -> Formula.Node {
        guard depth < Formula.maxDepth else { throw problem(peek, "式の入れ子が深すぎます。", "The expression is nested too deeply.") }
        var left = try unary(depth: depth + 1)
        while let op = binaryOperator(peek), let p = Self.precedence[op], p >= minPrecedence {
            i += 1
            let right = try expression(depth: depth + 1, minPrecedence: p + 1)
            left = .binary(op, left, right)
        }
        return left
    }

    mutating func unary(depth: Int) throws(AppProblem) -> Formula.Node {
        if isSymbol(peek, "-") { i += 1; return .unary("-", try unary(depth: depth + 1)) }
        if isWord(peek, "not") { i += 1; return .unary("not", try unary(depth: depth + 1)) }
        return try primary(depth: depth)
    }

    mutating func primary(depth: Int) throws(AppProblem) -> Formula.Node {
        guard let t = next() else { throw problem(nil, "値かフィールドが必要です。", "A value or a field is expected.") }
        switch t.kind {
        case .number:
            guard let d = Decimal(string: t.text, locale: Locale(identifier: "en_US_POSIX")), t.text.filter({ $0 == "." }).count <= 1 else {
                throw problem(t, "「\(t.text)」は数として読めません。", "\"\(t.text)\" is not a number.")
            }
            return .number(d)
        case .string: return .text(t.text)
        case .symbol:
            guard t.text == "(" else { throw problem(t, "「\(t.text)」の位置に値かフィールドが必要です。", "A value or a field is expected where \"\(t.text)\" is.") }
            let e = try expression(depth: depth + 1)
            try expect(")")
            return e
        case .identifier:
            let lower = t.text.lowercased()
            if lower == "true" { return .bool(true) }
            if lower == "false" { return .bool(false) }
            if isSymbol(peek, "(") {
                i += 1
                var args: [Formula.Node] = []
                if !isSymbol(peek, ")") {
                    repeat {
                        args.append(try expression(depth: depth + 1))
                    } while isSymbol(peek, ",") && { i += 1; return true }()
                }
                try expect(")")
                return .call(lower, args)
            }
            if isSymbol(peek, ".") {
                i += 1
                guard let c = next(), c.kind == .identifier else { throw problem(peek, "「\(t.text).」の後に列のコードが必要です。", "A column code is expected after \"\(t.text).\".") }
                return .column(t.text, c.text)
            }
            return .field(t.text)
        }
    }
}

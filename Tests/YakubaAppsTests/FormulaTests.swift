import Foundation
import Testing
import YakubaCore
@testable import YakubaApps

@Suite struct FormulaTests {
    let numbers: [String: Formula.ValueType] = ["cases": .number, "now": .number, "after": .number, "effort": .number, "conf": .number]

    func eval(_ source: String, _ record: [String: AppValue], types: [String: Formula.ValueType]? = nil) throws -> AppValue {
        try Formula(parsing: source).evaluate(record, types: types ?? numbers)
    }

    @Test func parsesAndEvaluatesArithmetic() throws {
        let e = try Formula(parsing: "cases * (now - after) / 60")
        #expect(e.evaluate(["cases": .number(120), "now": .number(30), "after": .number(10)], types: numbers) == .number(40))
        #expect(e.references == ["cases", "now", "after"])
        #expect(try eval("1 + 2 * 3 - 4 / 2", [:]) == .number(5))
        #expect(try eval("-(2 + 3) * 2", [:]) == .number(-10))
        #expect(try eval("0.1 + 0.2", [:]) == .number(Decimal(string: "0.3")!), "decimals are exact, not binary floating point")
    }

    @Test func fullWidthBracketsAndOperatorsAreRead() throws {
        #expect(try eval("（cases ＋ 1）＊ 2", ["cases": .number(4)]) == .number(10))
    }

    @Test func anEmptyOperandGivesAnEmptyResultAndDivisionByZeroIsEmpty() throws {
        // an unknown "after" gives no saving, not a saving of everything
        #expect(try eval("cases * (now - after)", ["cases": .number(10), "now": .number(5)]) == .null)
        #expect(try eval("now / effort", ["now": .number(5), "effort": .number(0)]) == .null)
        #expect(try eval("if(effort > 0, now / effort, 0)", ["now": .number(5)]) == .number(0), "an empty condition takes the else branch")
        #expect(try eval("min(now, after, cases)", ["now": .number(5), "cases": .number(3)]) == .number(3), "min skips empty values")
        #expect(try eval("max(now, after)", [:]) == .null)
    }

    @Test func functions() throws {
        #expect(try eval("round(10 / 3, 2)", [:]) == .number(Decimal(string: "3.33")!))
        #expect(try eval("round(2.5)", [:]) == .number(3))
        #expect(try eval("floor(2.7) + ceil(2.1) + abs(-4)", [:]) == .number(9))
        #expect(try eval("if(cases >= 100 and now > 10, \"高\", \"低\")", ["cases": .number(120), "now": .number(11)]) == .text("高"))
        #expect(try eval("isempty(after)", [:]) == .bool(true))
        #expect(try eval("\"第\" & cases & \"号\"", ["cases": .number(3)]) == .text("第3号"))
    }

    @Test func datesDifferenceAndAddition() throws {
        let t: [String: Formula.ValueType] = ["start": .date, "end": .date]
        let r: [String: AppValue] = ["start": .text("2026-03-30"), "end": .text("2026-04-02")]
        #expect(try eval("datediff(end, start)", r, types: t) == .number(3))
        #expect(try eval("start + 3", r, types: t) == .text("2026-04-02"))
        #expect(try eval("adddays(end, -33)", r, types: t) == .text("2026-02-28"))
        #expect(try eval("year(end) * 100 + month(end)", r, types: t) == .number(202604))
        #expect(try eval("max(start, end)", r, types: t) == .text("2026-04-02"))
        #expect(try eval("end > start", r, types: t) == .bool(true))
    }

    @Test func subTableAggregates() throws {
        let rows: AppValue = .list([.object(["amount": .number(1200), "qty": .number(2)]), .object(["amount": .number(800)]), .object([:])])
        let e = try Formula(parsing: "sum(items.amount) + count(items) * 1000")
        #expect(e.evaluate(["items": rows], types: [:], tables: ["items": ["amount": .number, "qty": .number]]) == .number(5000))
        let avg = try Formula(parsing: "avg(items.amount)")
        #expect(avg.evaluate(["items": rows], types: [:], tables: ["items": ["amount": .number]]) == .number(1000))
        #expect(avg.evaluate([:], types: [:], tables: ["items": ["amount": .number]]) == .null)
    }

    @Test func syntaxErrorsSayWhere() {
        func problem(_ s: String) -> AppProblem? { do { _ = try Formula(parsing: s); return nil } catch { return error } }
        #expect(problem("(1 + 2")?.messageJa.contains("「)」が必要です") == true)
        #expect(problem("1 + ")?.messageJa.contains("式の終わり") == true)
        #expect(problem("1 2")?.messageJa.contains("2文字目") == false)
        #expect(problem("1 2")?.messageJa.contains("3文字目") == true)
        #expect(problem("件数 * 2")?.messageJa.contains("フィールドコード") == true, "a Japanese label is not a code")
        #expect(problem("\"open")?.messageJa.contains("閉じていません") == true)
        #expect(problem(String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60))?.messageJa.contains("深すぎ") == true)
        #expect(problem(String(repeating: "1+", count: 600) + "1")?.messageJa.contains("1000文字以内") == true)
    }

    @Test func typeErrorsNameTheProblem() throws {
        let lookup: (String) -> Formula.Reference? = { name in
            switch name {
            case "n": .value(.number)
            case "d": .value(.date)
            case "t": .value(.text)
            case "items": .table(["amount": .number])
            case "files": .unusable(.attachment)
            default: nil
            }
        }
        func problem(_ s: String) -> String? { do { _ = try Formula(parsing: s).check(lookup); return nil } catch { return error.messageJa } }
        #expect(problem("n + missing")?.contains("フィールド「missing」はありません") == true)
        #expect(problem("n + t")?.contains("数値どうし") == true)
        #expect(problem("d - d")?.contains("datediff") == true)
        #expect(problem("if(n, 1, 2)")?.contains("真偽") == true)
        #expect(problem("if(n > 1, 1, \"a\")")?.contains("同じ種類") == true)
        #expect(problem("items + 1")?.contains("sum(items.列)") == true)
        #expect(problem("items.amount * 2")?.contains("sum・avg・min・max の中でだけ") == true)
        #expect(problem("sum(items.nothing)")?.contains("列「nothing」はありません") == true)
        #expect(problem("files")?.contains("計算式では使えません") == true)
        #expect(problem("round(n, 1, 2)")?.contains("1〜2個") == true)
        #expect(problem("eval(n)")?.contains("関数「eval」はありません") == true)
        #expect(problem("sum(n)")?.contains("表の列を渡して") == true)
        #expect(try Formula(parsing: "if(n > 0, d + n, d)").check(lookup) == .date)
    }

    /// Property: for random numbers, the expression language agrees with Decimal arithmetic done directly.
    @Test func agreesWithDirectArithmeticOnRandomValues() throws {
        var rng = SplitMix(seed: 42)
        let e = try Formula(parsing: "round(cases * (now - after) * staff / 60, 1)")
        for _ in 0..<500 {
            let c = Decimal(Int(rng.next() % 10_000)), n = Decimal(Int(rng.next() % 600)) / 10, a = Decimal(Int(rng.next() % 600)) / 10, s = Decimal(Int(rng.next() % 5) + 1)
            var direct = c * (n - a) * s / 60, rounded = Decimal()
            NSDecimalRound(&rounded, &direct, 1, .plain)
            let got = e.evaluate(["cases": .number(c), "now": .number(n), "after": .number(a), "staff": .number(s)],
                                 types: ["cases": .number, "now": .number, "after": .number, "staff": .number])
            #expect(got == .number(rounded))
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

import Foundation
import YakubaCore

/// A value of a record's field as it is stored: the JSON a record's `data` holds, with numbers as exact decimals.
/// The field's type says how to read it (a date is a `text` "2026-04-01", a user a `text` holding the staff id).
public enum AppValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Decimal)
    case text(String)
    case list([AppValue])
    case object([String: AppValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Decimal.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .text(s); return }
        if let a = try? c.decode([AppValue].self) { self = .list(a); return }
        self = .object(try c.decode([String: AppValue].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .text(let s): try c.encode(s)
        case .list(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .null: true
        case .text(let s): s.isEmpty
        case .list(let a): a.isEmpty
        default: false
        }
    }
    public var text: String? { if case .text(let s) = self { s } else { nil } }
    public var number: Decimal? { if case .number(let d) = self { d } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var list: [AppValue]? { if case .list(let a) = self { a } else { nil } }
    public var object: [String: AppValue]? { if case .object(let o) = self { o } else { nil } }

    /// Canonical JSON: keys sorted, no spaces, numbers in plain decimal notation. The same value always gives the same
    /// bytes, so a record's data can be hashed onto the ledger and compared.
    public var canonicalJSON: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += AppValue.format(d)
        case .text(let s): AppValue.quote(s, into: &out)
        case .list(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.write(into: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                AppValue.quote(k, into: &out); out += ":"; o[k]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// A decimal in plain notation ("12.5", "-3", "0.001"), never with an exponent.
    public static func format(_ d: Decimal) -> String {
        var d = d
        var r = Decimal()
        NSDecimalRound(&r, &d, 6, .plain)
        let s = NSDecimalNumber(decimal: r).stringValue
        return s == "-0" ? "0" : s
    }

    static func quote(_ s: String, into out: inout String) { out += JSONText.quote(s) }

    /// Parses JSON text into a value (numbers exact). Nil for text that is not JSON.
    public static func parse(_ json: String) -> AppValue? {
        try? JSONDecoder().decode(AppValue.self, from: Data(json.utf8))
    }
}

/// One thing wrong with an app's definition, a record, a query or a template: where (a field code or a path such as
/// `fields[3].choices`), and what to do about it, in Japanese and English.
public struct AppProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var messageJa: String
    public var messageEn: String
    public init(_ path: String, _ ja: String, _ en: String) { self.path = path; messageJa = ja; messageEn = en }
    public var description: String { "\(path): \(messageEn)" }
}

/// Every problem found, so a form can show each beside its field.
public struct AppProblems: Error, Hashable, Sendable, CustomStringConvertible {
    public var all: [AppProblem]
    public init(_ all: [AppProblem]) { self.all = all }
    public var description: String { all.map(\.description).joined(separator: "; ") }
}

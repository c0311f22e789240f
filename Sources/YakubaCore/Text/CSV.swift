import Foundation

/// A CSV syntax error.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A quoted field is still open at the end of the text.
        case unterminatedQuote
    }

    public let kind: Kind
    /// 1-based physical line (CR, LF and CRLF each end a line) where the problem starts;
    /// for `unterminatedQuote`, the line of the opening quote.
    public let line: Int

    public init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    public static func unterminatedQuote(line: Int) -> CSVError { CSVError(kind: .unterminatedQuote, line: line) }

    public var description: String {
        switch kind {
        case .unterminatedQuote: "CSV: \(line)行目で始まる \" の引用が閉じていません (unterminated quote starting on line \(line))"
        }
    }
}

/// RFC 4180 CSV, as exchanged with Excel.
///
/// Reading is lenient where Excel is: a `"` inside an unquoted field, or text after a closing
/// quote, is kept literally (`ab"c` → `ab"c`, `"ab"c` → `abc`).
public enum CSV {
    /// Parses CSV text into rows of fields.
    ///
    /// * Fields may be quoted; quoted fields may contain `,`, `""` (a literal quote) and line breaks,
    ///   which are kept exactly as written (CRLF stays CRLF).
    /// * Records end with CR, LF or CRLF. A final line break does not create an empty row, and
    ///   fully empty lines are skipped (a line `""` is a row with one empty field).
    /// * A leading U+FEFF (BOM) is ignored.
    public static func parse(_ text: String) throws(CSVError) -> [[String]] {
        let quote: Unicode.Scalar = "\"", comma: Unicode.Scalar = ",", cr: Unicode.Scalar = "\r", lf: Unicode.Scalar = "\n"
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var rowStarted = false // anything (even a comma or quotes) seen on this record
        var fieldQuoted = false // current field began with a quote (so further quotes are literal)
        var inQuotes = false
        var line = 1
        var quoteLine = 1

        var i = scalars.startIndex
        let end = scalars.endIndex
        while i < end {
            let c = scalars[i]
            let next = scalars.index(after: i)
            if inQuotes {
                if c == quote {
                    if next < end, scalars[next] == quote {
                        field.append(quote)
                        i = scalars.index(after: next)
                    } else {
                        inQuotes = false
                        i = next
                    }
                    continue
                }
                if c == lf || (c == cr && !(next < end && scalars[next] == lf)) { line += 1 }
                field.append(c)
                i = next
                continue
            }
            switch c {
            case quote where field.isEmpty && !fieldQuoted:
                inQuotes = true
                fieldQuoted = true
                rowStarted = true
                quoteLine = line
                i = next
            case comma:
                row.append(String(field))
                field = String.UnicodeScalarView()
                fieldQuoted = false
                rowStarted = true
                i = next
            case cr, lf:
                if rowStarted || !field.isEmpty {
                    row.append(String(field))
                    rows.append(row)
                }
                row = []
                field = String.UnicodeScalarView()
                fieldQuoted = false
                rowStarted = false
                line += 1
                i = (c == cr && next < end && scalars[next] == lf) ? scalars.index(after: next) : next
            default:
                field.append(c)
                rowStarted = true
                i = next
            }
        }
        if inQuotes { throw .unterminatedQuote(line: quoteLine) }
        if rowStarted || !field.isEmpty {
            row.append(String(field))
            rows.append(row)
        }
        return rows
    }

    /// Writes rows as CSV, ending every row (the last one too) with `lineEnding`.
    ///
    /// A field is quoted only if it contains `,`, `"`, CR or LF (quotes are doubled).
    /// A row consisting of one empty field is written as `""` so that it survives a round trip;
    /// an empty row `[]` is written as an empty line, which `parse` skips.
    ///
    /// **Formula injection:** with `defuseFormulas` (the default), a field that starts with
    /// `=`, `+`, `-` or `@` followed by at least one more character, and that is not a plain
    /// number such as `-1.5` or `+81`, is written with a leading apostrophe (`'=SUM(A1)`), so Excel
    /// shows it as text instead of evaluating it (OWASP "CSV Injection"). Such a field reads
    /// back with the apostrophe; pass `defuseFormulas: false` for machine-to-machine files.
    public static func write(_ rows: [[String]], lineEnding: String = "\r\n", defuseFormulas: Bool = true) -> String {
        var out = ""
        for row in rows {
            if row.count == 1, row[0].isEmpty {
                out += "\"\""
            } else {
                var first = true
                for raw in row {
                    if !first { out += "," }
                    first = false
                    out += encodeField(defuseFormulas ? defused(raw) : raw)
                }
            }
            out += lineEnding
        }
        return out
    }

    /// `field` with a leading `'` if Excel would take it for a formula (see `write`).
    public static func defused(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@".unicodeScalars.contains(first),
              field.unicodeScalars.count > 1, !isPlainNumber(field) else { return field }
        return "'" + field
    }

    private static func isPlainNumber(_ s: String) -> Bool {
        var digits = 0, dots = 0
        for (k, c) in s.unicodeScalars.enumerated() {
            switch c {
            case "+", "-": if k != 0 { return false }
            case "0"..."9": digits += 1
            case ".": dots += 1
            default: return false
            }
        }
        return digits > 0 && dots <= 1 && s.unicodeScalars.last != "."
    }

    private static func encodeField(_ field: String) -> String {
        let needsQuotes = field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return field }
        // Work on scalars: a quote followed by a combining mark is one Character, and
        // `replacingOccurrences` would miss it.
        var out = String.UnicodeScalarView()
        out.append("\"")
        for c in field.unicodeScalars {
            out.append(c)
            if c == "\"" { out.append("\"") }
        }
        out.append("\"")
        return String(out)
    }
}

import Foundation
import Testing
@testable import YakubaCore

/// Deterministic generator so that a failing case can be reproduced.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let csvAlphabet: [String] = [
    "a", "Z", "0", "9", " ", ",", "\"", "\r", "\n", "\r\n", "=", "+", "-", "@", "'", "\t",
    "山", "田", "髙", "﨑", "①", "〜", "ｱ", "が", "👍", "𠮷", "e\u{301}", "\u{301}", ";",
]

private func randomField(_ rng: inout SplitMix64) -> String {
    let n = Int.random(in: 0...6, using: &rng)
    return (0..<n).map { _ in csvAlphabet.randomElement(using: &rng)! }.joined()
}

@Suite("CSV")
struct CSVTests {
    @Test func parsesRFC4180() throws {
        let text = "a,b,c\r\n\"x,y\",\"he said \"\"hi\"\"\",\"multi\r\nline\"\r\n1,,3\r\n"
        #expect(try CSV.parse(text) == [["a", "b", "c"], ["x,y", "he said \"hi\"", "multi\r\nline"], ["1", "", "3"]])
    }

    @Test func lineEndingsAndEmptyLines() throws {
        #expect(try CSV.parse("a,b\nc,d") == [["a", "b"], ["c", "d"]])
        #expect(try CSV.parse("a,b\rc,d\r") == [["a", "b"], ["c", "d"]])
        #expect(try CSV.parse("a\r\n\r\n\nb\n\n") == [["a"], ["b"]])
        #expect(try CSV.parse("\"a\nb\",\"c\rd\"\n") == [["a\nb", "c\rd"]])
        #expect(try CSV.parse("") == [])
        #expect(try CSV.parse("\n\r\n") == [])
        #expect(try CSV.parse("\"\"\n") == [[""]])
        #expect(try CSV.parse(",\n") == [["", ""]])
        #expect(try CSV.parse("a,\n") == [["a", ""]])
        #expect(try CSV.parse("\u{FEFF}氏名,所属\r\n山田,総務課\r\n") == [["氏名", "所属"], ["山田", "総務課"]])
    }

    @Test func lenientQuotes() throws {
        #expect(try CSV.parse("ab\"c,d") == [["ab\"c", "d"]])
        #expect(try CSV.parse("\"ab\"c,d") == [["abc", "d"]])
    }

    @Test func unterminatedQuoteReportsTheLine() {
        #expect(throws: CSVError.unterminatedQuote(line: 3)) {
            try CSV.parse("a,b\r\nc,d\r\ne,\"f\r\ng\r\n")
        }
        #expect(throws: CSVError.unterminatedQuote(line: 1)) { try CSV.parse("\"") }
        #expect(throws: CSVError.unterminatedQuote(line: 2)) { try CSV.parse("x\n\"a\"\"") }
        do {
            _ = try CSV.parse("\"oops")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 1)
            #expect(error.kind == .unterminatedQuote)
        }
    }

    @Test func writesMinimalQuoting() {
        #expect(CSV.write([["a", "b,c", "d\"e", "f\ng", "h\ri", "山田"]]) == "a,\"b,c\",\"d\"\"e\",\"f\ng\",\"h\ri\",山田\r\n")
        #expect(CSV.write([["a"], ["b"]], lineEnding: "\n") == "a\nb\n")
        #expect(CSV.write([[""]]) == "\"\"\r\n")
        #expect(CSV.write([["", ""]]) == ",\r\n")
        #expect(CSV.write([]) == "")
    }

    @Test func defusesFormulaInjection() throws {
        #expect(CSV.write([["=SUM(A1:A2)", "+cmd", "-1+2", "@foo", "=HYPERLINK(\"http://x\",\"y\")"]])
            == "'=SUM(A1:A2),'+cmd,'-1+2,'@foo,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n")
        // A lone sign, plain numbers and text that merely contains the characters are left alone.
        #expect(CSV.write([["=", "-", "-1.5", "+81", "-0", "a=b", "メール@example", "12-3"]]) == "=,-,-1.5,+81,-0,a=b,メール@example,12-3\r\n")
        #expect(CSV.defused("-1.") == "'-1.")
        #expect(CSV.defused("--1") == "'--1")
        #expect(CSV.defused("-1-1") == "'-1-1")
        #expect(CSV.write([["=1+1"]], defuseFormulas: false) == "=1+1\r\n")
        // Defused fields read back with the apostrophe.
        #expect(try CSV.parse(CSV.write([["=1+1", "x"]])) == [["'=1+1", "x"]])
    }

    @Test func randomRoundTrips() throws {
        var rng = SplitMix64(state: 20_250_401)
        for iteration in 0..<2_000 {
            let rowCount = Int.random(in: 1...5, using: &rng)
            let rows: [[String]] = (0..<rowCount).map { _ in
                (0..<Int.random(in: 1...5, using: &rng)).map { _ in randomField(&rng) }
            }
            let lineEnding = ["\r\n", "\n", "\r"].randomElement(using: &rng)!

            let plain = CSV.write(rows, lineEnding: lineEnding, defuseFormulas: false)
            let parsed = try CSV.parse(plain)
            #expect(parsed == rows, "iteration \(iteration): \(plain.debugDescription)")

            let safe = CSV.write(rows, lineEnding: lineEnding)
            #expect(try CSV.parse(safe) == rows.map { $0.map(CSV.defused) }, "iteration \(iteration)")
            // No field of the safe output starts a formula.
            for field in try CSV.parse(safe).joined() where field.unicodeScalars.count > 1 {
                let rest = field.unicodeScalars.dropFirst()
                if rest.allSatisfy({ ("0"..."9").contains($0) }) { continue } // a plain number like +9
                if let f = field.unicodeScalars.first, "=+-@".unicodeScalars.contains(f) {
                    Issue.record("not defused: \(field.debugDescription)")
                }
            }
            if parsed != rows { break }
        }
    }
}

@Suite("JapaneseTextEncoding")
struct JapaneseTextEncodingTests {
    @Test func foundationShiftJISIsCP932() {
        #expect("①".data(using: .shiftJIS).map([UInt8].init) == [0x87, 0x40])
        #expect("髙".data(using: .shiftJIS).map([UInt8].init) == [0xFB, 0xFC])
        #expect(String(data: Data([0x87, 0x40, 0xFB, 0xFC]), encoding: .shiftJIS) == "①髙")
    }

    @Test func shiftJISRoundTrip() throws {
        let text = "職員番号,氏名\r\n001,髙橋①\r\n002,山﨑 ｱｲｳ\r\n"
        let bytes = try JapaneseTextEncoding.encode(text, as: .shiftJIS)
        #expect(Array(bytes.prefix(4)) == [0x90, 0x45, 0x88, 0xF5]) // 職員
        #expect(bytes.count < text.utf8.count)
        let decoded = try #require(JapaneseTextEncoding.decode(bytes))
        #expect(decoded.text == text)
        #expect(decoded.encoding == "Shift_JIS")
    }

    @Test func mapsTheUsualSuspects() throws {
        let bytes = try JapaneseTextEncoding.encode("9:00〜17:00 −5 ‖ ¢£¬ — ¥", as: .shiftJIS)
        #expect(JapaneseTextEncoding.decode(bytes)?.text == "9:00～17:00 －5 ∥ ￠￡￢ ― ￥")
        #expect(try JapaneseTextEncoding.encode("〜", as: .shiftJIS) == [0x81, 0x60])
        #expect(try JapaneseTextEncoding.encode("—", as: .shiftJIS) == [0x81, 0x5C])
    }

    @Test func unencodableCharactersAreNamedWithTheirLine() {
        #expect(throws: UnencodableText(characters: ["𠮷"], line: 3)) {
            try JapaneseTextEncoding.encode("a\r\nb\r\n𠮷野家\r\n", as: .shiftJIS)
        }
        #expect(throws: UnencodableText(characters: ["😀", "é", "€"], line: 2)) {
            try JapaneseTextEncoding.encode("ok\nx😀y\r\ncafé 😀\n€", as: .shiftJIS)
        }
        #expect(throws: UnencodableText(characters: ["👍🏽"], line: 4)) {
            try JapaneseTextEncoding.encode("1\r2\n3\r\n👍🏽", as: .shiftJIS)
        }
        do {
            _ = try JapaneseTextEncoding.encode("山田\n𠮷田", as: .shiftJIS)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("𠮷"))
            #expect(error.description.contains("2行目"))
        }
        // The same text is fine as UTF-8.
        #expect(throws: Never.self) { try JapaneseTextEncoding.encode("𠮷😀", as: .utf8BOM) }
    }

    @Test func utf8BOM() throws {
        let bytes = try JapaneseTextEncoding.encode("氏名\r\n𠮷田", as: .utf8BOM)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(Array(bytes.dropFirst(3)) == Array("氏名\r\n𠮷田".utf8))
        let decoded = try #require(JapaneseTextEncoding.decode(bytes))
        #expect(decoded.text == "氏名\r\n𠮷田")
        #expect(decoded.encoding == "UTF-8")
        #expect(!decoded.text.hasPrefix("\u{FEFF}"))
    }

    @Test func decodeDetection() {
        #expect(JapaneseTextEncoding.decode(Array("abc".utf8))! == ("abc", "UTF-8"))
        #expect(JapaneseTextEncoding.decode(Array("山田".utf8))! == ("山田", "UTF-8"))
        #expect(JapaneseTextEncoding.decode([0x8E, 0x52, 0x93, 0x63])! == ("山田", "Shift_JIS"))
        #expect(JapaneseTextEncoding.decode([])! == ("", "UTF-8"))
        #expect(JapaneseTextEncoding.decode([0xEF, 0xBB, 0xBF])! == ("", "UTF-8"))
        // Neither UTF-8 nor Shift_JIS (0xFD/0x80 are never lead bytes; 0x85 0x40 is unassigned).
        #expect(JapaneseTextEncoding.decode([0x41, 0xFD, 0x42]) == nil)
        #expect(JapaneseTextEncoding.decode([0x41, 0x85, 0x40]) == nil)
        // A BOM promises UTF-8.
        #expect(JapaneseTextEncoding.decode([0xEF, 0xBB, 0xBF, 0x8E, 0x52]) == nil)
    }

    @Test func csvExportPipeline() throws {
        let rows = [["氏名", "備考"], ["髙橋", "9:00〜17:00, 在宅"], ["=cmd", "①"]]
        let csv = CSV.write(rows)
        let bytes = try JapaneseTextEncoding.encode(csv, as: .shiftJIS)
        let back = try #require(JapaneseTextEncoding.decode(bytes))
        #expect(try CSV.parse(back.text) == [["氏名", "備考"], ["髙橋", "9:00～17:00, 在宅"], ["'=cmd", "①"]])
        #expect(ExportEncoding(rawValue: "sjis") == .shiftJIS)
        #expect(ExportEncoding(rawValue: "utf8") == .utf8BOM)
    }
}

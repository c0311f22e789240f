import Foundation

/// The encodings offered for exports (CSV for Excel, files for the 財務会計/人事給与 systems).
public enum ExportEncoding: String, Sendable, CaseIterable, Codable {
    /// UTF-8 with a byte-order mark, which Excel needs to open UTF-8 CSV correctly.
    case utf8BOM = "utf8"
    /// Shift_JIS as Windows writes it (CP932, with NEC/IBM extensions such as ① and 髙).
    case shiftJIS = "sjis"
}

/// Text that cannot be written in the requested encoding.
public struct UnencodableText: Error, Sendable, Equatable, CustomStringConvertible {
    /// The characters that cannot be encoded, distinct, in order of first appearance
    /// (at most `JapaneseTextEncoding.maxReportedCharacters`).
    public let characters: [Character]
    /// The 1-based line (CR, LF and CRLF each end a line) of the first such character.
    public let line: Int

    public init(characters: [Character], line: Int) {
        self.characters = characters
        self.line = line
    }

    public var description: String {
        let list = characters.map { c in
            let codes = c.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
            return "「\(c)」(\(codes))"
        }.joined(separator: "、")
        return "Shift_JIS (CP932) で表せない文字があります: \(list)（\(line)行目）"
    }
}

/// Encoding and decoding of Japanese text files (work-rules-ja.md / architecture.md "Japanese text").
public enum JapaneseTextEncoding {
    /// How many distinct unencodable characters `UnencodableText` names at most.
    public static let maxReportedCharacters = 16

    /// Characters that Unicode/JIS mappings write differently from CP932, mapped to the
    /// code points that CP932 (and hence Foundation's `.shiftJIS`) can encode.
    public static let cp932Substitutes: [Unicode.Scalar: Unicode.Scalar] = [
        "\u{301C}": "\u{FF5E}", // 〜 WAVE DASH → ～ FULLWIDTH TILDE
        "\u{2212}": "\u{FF0D}", // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
        "\u{2016}": "\u{2225}", // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
        "\u{00A2}": "\u{FFE0}", // ¢ → ￠
        "\u{00A3}": "\u{FFE1}", // £ → ￡
        "\u{00AC}": "\u{FFE2}", // ¬ → ￢
        "\u{2014}": "\u{2015}", // — EM DASH → ― HORIZONTAL BAR
        "\u{00A6}": "\u{FFE4}", // ¦ → ￤
        "\u{00A5}": "\u{FFE5}", // ¥ → ￥ (0x5C would read back as a backslash)
    ]

    /// Applies `cp932Substitutes`.
    public static func mapForCP932(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { out.append(cp932Substitutes[s] ?? s) }
        return String(out)
    }

    /// Encodes `text` for export.
    ///
    /// * `.utf8BOM`: EF BB BF followed by UTF-8.
    /// * `.shiftJIS`: CP932 via Foundation's `.shiftJIS`, after `mapForCP932`. If any character
    ///   still cannot be encoded (emoji, 𠮷, é, …) nothing is written and `UnencodableText` names
    ///   the characters and the line of the first one.
    public static func encode(_ text: String, as encoding: ExportEncoding) throws(UnencodableText) -> [UInt8] {
        switch encoding {
        case .utf8BOM:
            return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        case .shiftJIS:
            let mapped = mapForCP932(text)
            if let data = mapped.data(using: .shiftJIS, allowLossyConversion: false) {
                return [UInt8](data)
            }
            return try encodeShiftJISByCharacter(mapped)
        }
    }

    /// Slow path: encode character by character to find the offenders (or, should the whole-string
    /// conversion have failed for another reason, to produce the bytes anyway).
    private static func encodeShiftJISByCharacter(_ text: String) throws(UnencodableText) -> [UInt8] {
        var bytes: [UInt8] = []
        var bad: [Character] = []
        var firstBadLine = 0
        var line = 1
        for c in text {
            if let data = String(c).data(using: .shiftJIS, allowLossyConversion: false) {
                bytes += data
            } else {
                if firstBadLine == 0 { firstBadLine = line }
                if bad.count < maxReportedCharacters, !bad.contains(c) { bad.append(c) }
            }
            // "\r\n" is a single Character; "\r" and "\n" alone also end a line.
            if c == "\n" || c == "\r" || c == "\r\n" { line += 1 }
        }
        if !bad.isEmpty { throw UnencodableText(characters: bad, line: firstBadLine) }
        return bytes
    }

    /// Decodes an uploaded file: a UTF-8 BOM is stripped; valid UTF-8 is taken as UTF-8
    /// (`"UTF-8"`), otherwise Shift_JIS/CP932 is tried (`"Shift_JIS"`); nil if neither fits.
    /// Pure ASCII is reported as UTF-8. Bytes that start with a BOM but are not valid UTF-8 are
    /// rejected (nil) rather than guessed as Shift_JIS.
    public static func decode(_ bytes: [UInt8]) -> (text: String, encoding: String)? {
        var body = bytes[...]
        let hasBOM = body.starts(with: [0xEF, 0xBB, 0xBF])
        if hasBOM { body = body.dropFirst(3) }
        if let text = String(validating: body, as: UTF8.self) {
            return (text, "UTF-8")
        }
        if hasBOM { return nil } // a BOM promised UTF-8
        if let text = String(data: Data(body), encoding: .shiftJIS) {
            return (text, "Shift_JIS")
        }
        return nil
    }
}

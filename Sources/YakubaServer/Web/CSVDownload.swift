import Foundation
import Vapor
import YakubaCore

/// A CSV file to download, in UTF-8 or Shift_JIS (what Excel on a municipal PC opens): `name` gets `-sjis` before `.csv`
/// for the latter. A character Shift_JIS cannot hold is a 422 naming it and its line, never a file with it dropped.
enum CSVDownload {
    static func response(_ rows: [[String]], encoding enc: ExportEncoding, name: String, _ l: Lang) throws -> Response {
        let bytes: [UInt8]
        do { bytes = try JapaneseTextEncoding.encode(CSV.write(rows), as: enc) } catch {
            throw ProblemError(status: .unprocessableEntity,
                               title: l.t("Shift_JIS で表せない文字があります：", "Some characters cannot be written in Shift_JIS: ") + String(error.characters)
                                   + l.t("（\(error.line)行目）。UTF-8 で出力してください。", " (line \(error.line)). Export as UTF-8 instead."), code: "unencodable")
        }
        let res = Response(status: .ok, body: .init(data: Data(bytes)))
        res.headers.replaceOrAdd(name: .contentType, value: enc == .shiftJIS ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\(enc == .shiftJIS ? "-sjis" : "").csv\"")
        return res
    }
}

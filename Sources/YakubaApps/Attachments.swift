import Foundation
import Crypto
import YakubaCore

/// Files attached to a record's attachment field: checked against the field's size limit and accepted types by what the
/// bytes are (their signature), never by the name or the type the browser claimed. A record keeps, for each file, its id,
/// name, type, size and SHA-256 — so the ledger entry of the record covers the file's content; the bytes are stored apart.
public enum Attachments {
    /// A file as a record holds it.
    public struct Meta: Sendable, Equatable {
        public var id: String
        public var name: String
        public var type: String
        public var size: Int
        public var sha256: String

        public init(id: String, name: String, type: String, size: Int, sha256: String) {
            self.id = id; self.name = name; self.type = type; self.size = size; self.sha256 = sha256
        }

        public var value: AppValue {
            .object(["id": .text(id), "name": .text(name), "type": .text(type), "size": .number(Decimal(size)), "sha256": .text(sha256)])
        }

        public init?(_ v: AppValue) {
            guard let o = v.object, let id = o["id"]?.text, UUID(uuidString: id) != nil, let name = o["name"]?.text, let type = o["type"]?.text,
                  case .number(let size)? = o["size"], let sha = o["sha256"]?.text else { return nil }
            self.init(id: id.lowercased(), name: name, type: type, size: NSDecimalNumber(decimal: size).intValue, sha256: sha)
        }
    }

    /// What people call the accepted types.
    public static func typeName(_ mime: String) -> String {
        switch mime {
        case "application/pdf": "PDF"
        case "image/png": "PNG"
        case "image/jpeg": "JPEG"
        case "image/gif": "GIF"
        case "text/csv": "CSV"
        case "text/plain": "テキスト"
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (.xlsx)"
        case "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)"
        case "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (.pptx)"
        default: mime
        }
    }

    /// The type the bytes are, from their signature (and, for the Office formats that are ZIP files and for text, the
    /// name's extension); nil when they are none of the types Yakuba knows.
    public static func sniff(_ bytes: [UInt8], name: String) -> String? {
        func starts(_ sig: [UInt8]) -> Bool { bytes.count >= sig.count && Array(bytes.prefix(sig.count)) == sig }
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if starts(Array("%PDF-".utf8)) { return "application/pdf" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            // Office files are ZIP archives whose first entry is [Content_Types].xml (or _rels); the extension says which
            let head = String(decoding: bytes.prefix(2048), as: UTF8.self)
            guard head.contains("[Content_Types].xml") || head.contains("_rels/") || head.contains("docProps/") || head.contains("xl/") || head.contains("word/") || head.contains("ppt/") else { return nil }
            switch ext {
            case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case "pptx": return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            default: return nil
            }
        }
        // text: no NUL byte, and readable as UTF-8 or Shift_JIS; never markup a browser would run
        if ["txt", "csv", "tsv", "text"].contains(ext), !bytes.contains(0), JapaneseTextEncoding.decode(bytes) != nil {
            return ext == "csv" || ext == "tsv" ? "text/csv" : "text/plain"
        }
        return nil
    }

    /// A file name as it may be stored and sent back: no folders, no control characters, at most 200 characters.
    public static func cleanName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != "\"" }.map(Character.init)).trimmingCharacters(in: .whitespaces)
        let name = clean.isEmpty || clean == "." || clean == ".." ? "file" : clean
        return String(name.suffix(200))
    }

    /// A file input's `accept`: the types and their usual extensions (so the phone's picker offers the right files).
    public static func accept(_ types: [String]) -> String {
        let ext: [String: String] = ["application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg,.jpeg", "image/gif": ".gif", "text/csv": ".csv",
                                     "text/plain": ".txt", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
                                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                                     "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx"]
        return types.flatMap { [$0] + (ext[$0].map { [$0] } ?? []) }.joined(separator: ",")
    }

    /// Size in the units people read: "850 KB", "12.3 MB".
    public static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return "\(Int((Double(bytes) / 1024).rounded())) KB" }
        return String(format: "%.1f MB", Double(bytes) / 1024 / 1024)
    }

    /// Checks one uploaded file for a field: not empty, within the field's limit, of a type it accepts. Returns the file
    /// as the record will hold it (with a new id), or the problem.
    public static func check(_ f: FieldDefinition, name raw: String, bytes: [UInt8], id: UUID) -> Result<Meta, AppProblem> {
        let name = cleanName(raw)
        if bytes.isEmpty {
            return .failure(AppProblem(f.code, "「\(name)」は空のファイルです。中身のあるファイルを選んでください。", "\"\(name)\" is empty. Choose a file with content."))
        }
        if bytes.count > f.largestFile {
            return .failure(AppProblem(f.code, "「\(name)」は\(size(bytes.count))です。「\(f.label)」に添付できるのは\(size(f.largestFile))までです。小さくしてから添付してください。",
                                       "\"\(name)\" is \(size(bytes.count)); \"\(f.label)\" takes files up to \(size(f.largestFile)). Make it smaller and attach it again."))
        }
        let accepted = f.acceptedContentTypes
        guard let type = sniff(bytes, name: name), accepted.contains(type) else {
            let list = accepted.map(typeName).joined(separator: "、")
            return .failure(AppProblem(f.code, "「\(name)」は「\(f.label)」に添付できない種類のファイルです。次の種類にしてください: \(list)。",
                                       "\"\(name)\" is not a kind of file \"\(f.label)\" takes. Use one of: \(accepted.map(typeName).joined(separator: ", "))."))
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return .success(Meta(id: id.uuidString.lowercased(), name: name, type: type, size: bytes.count, sha256: digest))
    }
}

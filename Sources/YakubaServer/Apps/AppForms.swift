import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// A form (URL-encoded, or multipart when it carries files) with repeated names kept (ticked boxes of a multiple
/// choice), in order, and its files.
struct FormPairs: Sendable {
    var pairs: [(String, String)]
    var files: [(field: String, filename: String, bytes: [UInt8])] = []

    init(_ req: Request) {
        if let type = req.headers.contentType, type.type == "multipart", let boundary = type.parameters["boundary"], let body = req.body.data {
            (pairs, files) = Self.multipart(Array(body.readableBytesView), boundary: boundary)
            return
        }
        let body = req.body.string ?? ""
        pairs = body.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }
    init(pairs: [(String, String)]) { self.pairs = pairs }

    /// multipart/form-data (RFC 7578): text parts as pairs, parts with a file name (and content) as files. A malformed body
    /// gives what could be read before the damage.
    static func multipart(_ bytes: [UInt8], boundary: String) -> ([(String, String)], [(field: String, filename: String, bytes: [UInt8])]) {
        let delimiter = Array(("--" + boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\""))).utf8)
        guard !delimiter.isEmpty, bytes.count >= delimiter.count else { return ([], []) }
        var marks: [Int] = []
        let first = delimiter[0], last = bytes.count - delimiter.count
        var i = 0
        while i <= last {
            if bytes[i] == first, (i == 0 || (i >= 2 && bytes[i - 2] == 13 && bytes[i - 1] == 10)), bytes[i..<(i + delimiter.count)].elementsEqual(delimiter) {
                marks.append(i); i += delimiter.count
            } else { i += 1 }
        }
        var pairs: [(String, String)] = []
        var files: [(field: String, filename: String, bytes: [UInt8])] = []
        for (m, next) in zip(marks, marks.dropFirst()) {
            var start = m + delimiter.count
            guard start + 1 < bytes.count, !(bytes[start] == 45 && bytes[start + 1] == 45) else { break }
            if bytes[start] == 13 && bytes[start + 1] == 10 { start += 2 }
            let end = next - 2   // the CRLF before the next delimiter
            guard end >= start else { continue }
            // headers end at the first blank line
            var h = start
            while h + 3 < end, !(bytes[h] == 13 && bytes[h + 1] == 10 && bytes[h + 2] == 13 && bytes[h + 3] == 10) { h += 1 }
            let found = h + 3 < end
            let headers = String(decoding: bytes[start..<(found ? h : end)], as: UTF8.self)
            let bodyStart = found ? h + 4 : end
            var name: String? = nil, filename: String? = nil
            for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = parameter(line, "name"); filename = parameter(line, "filename")
            }
            guard let field = name else { continue }
            let body = Array(bytes[bodyStart..<end])
            if let f = filename {
                if !f.isEmpty || !body.isEmpty { files.append((field, f, body)) }
            } else {
                pairs.append((field, String(decoding: body, as: UTF8.self)))
            }
        }
        return (pairs, files)
    }

    /// A quoted parameter of a Content-Disposition header line (`name="x"`), not matching inside another's name.
    static func parameter(_ line: String, _ key: String) -> String? {
        guard let r = line.range(of: "; \(key)=\"") ?? line.range(of: ";\(key)=\"") else { return nil }
        var out = "", escaped = false
        for ch in line[r.upperBound...] {
            if escaped { out.append(ch); escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "\"" { return out }
            out.append(ch)
        }
        return out
    }

    subscript(_ name: String) -> String? { pairs.last { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
    var dictionary: [String: String] { Dictionary(pairs, uniquingKeysWith: { _, b in b }) }
}

/// Reading a record form into values, and writing values back into form controls and into text for people.
enum AppForms {
    /// The form's values for the fields it showed (a field left out of the form is not changed).
    static func values(_ form: FormPairs, _ def: AppDefinition, zone: TimeZone) -> [String: AppValue] {
        var out: [String: AppValue] = [:]
        for f in def.fields where f.type != .calculated && f.type != .attachment {
            guard form["__f_\(f.code)"] != nil else { continue }
            switch f.type {
            case .multiChoice: out[f.code] = .list(form.all(f.code).map(AppValue.text))
            case .yesNo: out[f.code] = .bool(form[f.code] == "1")
            case .subtable:
                let rows = Int(form["__rows_\(f.code)"] ?? "0") ?? 0
                out[f.code] = .list((0..<min(rows, RecordValidation.maxRows + 5)).map { i in
                    .object(Dictionary(f.rowFields.compactMap { c -> (String, AppValue)? in
                        let v = form["\(f.code).\(i).\(c.code)"] ?? ""
                        return v.isEmpty ? nil : (c.code, .text(v))
                    }, uniquingKeysWith: { a, _ in a }))
                })
            default: out[f.code] = .text(form[f.code] ?? "")
            }
        }
        return out
    }

    /// The files a form sent for its attachment fields: the ones kept (ticked) of the record's, then the new uploads,
    /// each checked for size and type. Only fields the form showed are touched.
    struct Attached {
        var values: [String: AppValue] = [:]
        /// The values with the record's kept files only: what the form shows again when the change is refused (a browser
        /// cannot be sent back the files it uploaded).
        var kept: [String: AppValue] = [:]
        var files: [NewFile] = []
        var problems: [AppProblem] = []

        /// The form's values as they come back after a refusal, and a word beside each field whose new files must be chosen again.
        func again(_ values: [String: AppValue], _ errors: [String: String], _ l: Lang) -> ([String: AppValue], [String: String]) {
            var v = values, e = errors
            for (k, x) in kept { v[k] = x }
            for f in Set(files.map(\.field)) where e[f] == nil { e[f] = l.t("ほかの項目に誤りがあったため、追加したファイルは保存していません。もう一度選んでください。", "Another field was wrong, so the added files were not saved. Choose them again.") }
            return (v, e)
        }

        /// When a file was refused, the form comes back with every problem of the record, not the files' alone (staff
        /// numbers, departments and links read as they would be on saving).
        func refuse(_ req: Request, _ scope: Scope, _ access: AppAccess, _ values: [String: AppValue], existing: StoredRecord?) async throws {
            guard !problems.isEmpty else { return }
            let def = access.app.definition
            let fileFields = Set(problems.map(\.path))
            let (resolved, refProblems) = try await AppsService.resolve(req, scope, access, values.filter { !fileFields.contains($0.key) })
            var others = refProblems
            if case .failure(let p) = RecordValidation.apply(def, changes: resolved, to: existing?.data, status: existing?.status ?? def.process?.initial?.name,
                                                             zone: scope.municipality.zone) {
                others += p.all.filter { vp in !fileFields.contains(vp.path) && !refProblems.contains { $0.path == vp.path } }
            }
            throw AppProblems(problems.map { AppProblem($0.path, $0.messageJa + "（ほかのファイルも、もう一度選んでください）", $0.messageEn + " (Choose the other files again too.)") } + others)
        }
    }

    static func attachments(_ form: FormPairs, _ def: AppDefinition, existing: [String: AppValue]?) -> Attached {
        var out = Attached()
        for f in def.fields where f.type == .attachment {
            guard form["__f_\(f.code)"] != nil else { continue }
            let keep = Set(form.all("__keep_\(f.code)"))
            let kept = (existing?[f.code]?.list ?? []).compactMap(Attachments.Meta.init).filter { keep.contains($0.id) }
            var metas = kept
            for file in form.files where file.field == f.code {
                switch Attachments.check(f, name: file.filename, bytes: file.bytes, id: UUID.timeOrdered()) {
                case .success(let m): metas.append(m); out.files.append(NewFile(meta: m, field: f.code, bytes: file.bytes))
                case .failure(let p): out.problems.append(p)
                }
            }
            out.kept[f.code] = kept.isEmpty ? .null : .list(kept.map(\.value))
            out.values[f.code] = metas.isEmpty ? .null : .list(metas.map(\.value))
        }
        return out
    }

    /// Names and numbers behind the ids a page shows: staff, linked records.
    struct Names: Sendable {
        var staff: [UUID: (number: String, name: String)] = [:]
        var records: [String: (app: String, number: Int64, title: String)] = [:]
    }

    static func names(_ req: Request, _ scope: Scope, _ access: AppAccess, records: [StoredRecord]) async throws -> Names {
        var n = Names()
        var staffIds = Set<UUID>()
        var links: [String: Set<String>] = [:]
        let def = access.app.definition
        func collect(_ f: FieldDefinition, _ v: AppValue?) {
            switch f.type {
            case .user: if let u = v?.text.flatMap(UUID.init(uuidString:)) { staffIds.insert(u) }
            case .link: if let id = v?.text, let app = f.linkApp { links[app, default: []].insert(id) }
            case .subtable: for row in v?.list ?? [] { for c in f.rowFields { collect(c, row.object?[c.code]) } }
            default: break
            }
        }
        for r in records {
            staffIds.formUnion(r.assignees); staffIds.insert(r.createdBy); staffIds.insert(r.updatedBy)
            for f in def.fields { collect(f, r.data[f.code]) }
        }
        for (id, s) in try await StaffRepository.find(req.sql, ids: Array(staffIds)) where s.municipalityId == scope.principal.municipalityId {
            n.staff[id] = (s.staffNumber, s.fullName)
        }
        for (code, ids) in links {
            guard let target = try? await AppsService.access(req, scope, code: code) else { continue }
            let visible = try await AppStore.visibleIds(req.sql, target, ids: Array(ids))
            for chunk in Array(visible).chunked(200) {
                for row in try await req.sql.raw("SELECT id, number, \(unsafeRaw: AppStore.dataColumn(req.sql, alias: "")) FROM app_records WHERE id IN (\(binds: chunk))").all() {
                    let data = AppValue.parse(try row.decode(column: "data", as: String.self))?.object ?? [:]
                    let title = target.app.definition.titleField.flatMap { data[$0] }.map { plain($0) } ?? ""
                    n.records[try row.decode(column: "id", as: String.self)] = (code, try row.decode(column: "number", as: Int64.self), title)
                }
            }
        }
        return n
    }

    static func plain(_ v: AppValue) -> String {
        switch v {
        case .text(let s): s
        case .number(let d): AppValue.format(d)
        case .bool(let b): b ? "はい" : "いいえ"
        case .list(let a): a.map(plain).joined(separator: "、")
        default: ""
        }
    }

    /// A number with thousands separators, as written in Japan.
    static func grouped(_ d: Decimal) -> String {
        let s = AppValue.format(d)
        let neg = s.hasPrefix("-")
        let body = neg ? String(s.dropFirst()) : s
        let parts = body.split(separator: ".", maxSplits: 1)
        var int = String(parts[0]), out = ""
        while int.count > 3 { out = "," + int.suffix(3) + out; int = String(int.dropLast(3)) }
        return (neg ? "-" : "") + int + out + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// A value as text for people (lists, cards, CSV): names for people and departments, 和暦 dates in Japanese.
    static func text(_ f: FieldDefinition, _ v: AppValue?, _ l: Lang, _ scope: Scope, _ names: Names, calcType: Formula.ValueType? = nil) -> String {
        guard let v, !v.isEmpty else { return "" }
        switch f.type {
        case .number, .money, .calculated:
            if case .number(let d) = v {
                if f.type == .money { return l == .ja ? grouped(d) + "円" : "¥" + grouped(d) }
                return grouped(d) + (f.unit.map { " " + $0 } ?? "")
            }
            if case .bool(let b) = v { return b ? l.t("はい", "Yes") : l.t("いいえ", "No") }
            if calcType == .date, let d = v.text.flatMap(CalendarDate.init(iso:)) { return showDate(d, l) }
            return plain(v)
        case .date: return v.text.flatMap(CalendarDate.init(iso:)).map { showDate($0, l) } ?? plain(v)
        case .dateTime:
            guard let s = v.text, let d = RecordValidation.parseDateTime(s, zone: scope.municipality.zone) else { return plain(v) }
            return showDate(CalendarDate(d, in: scope.municipality.zone), l) + " " + showTime(d, scope.municipality.zone)
        case .yesNo: return v.bool == true ? l.t("はい", "Yes") : l.t("いいえ", "No")
        case .user: return v.text.flatMap(UUID.init(uuidString:)).flatMap { names.staff[$0] }.map { "\($0.name)（\($0.number)）" } ?? l.t("（不明な職員）", "(unknown person)")
        case .department: return v.text.flatMap(UUID.init(uuidString:)).map { scope.tree.path($0) } ?? ""
        case .link: return v.text.flatMap { names.records[$0] }.map { "#\($0.number) \($0.title)" } ?? l.t("（見られないレコード）", "(a record you cannot see)")
        case .subtable: return l.t("\(v.list?.count ?? 0)行", "\(v.list?.count ?? 0) rows")
        case .attachment: return l.t("\(v.list?.count ?? 0)件の添付", "\(v.list?.count ?? 0) attachments")
        default: return plain(v)
        }
    }

    /// The value in a form control's terms: a staff number for a person, a record number for a link, local time for a time.
    static func formText(_ f: FieldDefinition, _ v: AppValue?, _ scope: Scope, _ names: Names) -> String {
        guard let v, !v.isEmpty else { return "" }
        switch f.type {
        case .user: return v.text.flatMap(UUID.init(uuidString:)).flatMap { names.staff[$0]?.number } ?? (v.text ?? "")
        case .link: return v.text.flatMap { names.records[$0] }.map { String($0.number) } ?? ""
        case .dateTime:
            guard let s = v.text, let d = RecordValidation.parseDateTime(s, zone: scope.municipality.zone) else { return v.text ?? "" }
            let day = CalendarDate(d, in: scope.municipality.zone)
            let mins = Int(floor(d.timeIntervalSince(day.instant(atMinute: 0, in: scope.municipality.zone)) / 60))
            return day.iso + "T" + String(format: "%02d:%02d", mins / 60, mins % 60)
        default: return plain(v)
        }
    }
}

/// A sub-table row a new record starts from (`app:record:table:row:column:fingerprint`), when the caller may still edit
/// that record, read the table, and the row is still the one the link was made for (its fingerprint: a row deleted or
/// changed above it would otherwise put another row in its place) with its link still empty.
struct RowOrigin: Sendable {
    var access: AppAccess
    var record: StoredRecord
    var table: FieldDefinition
    var row: Int
    var column: FieldDefinition
    var linkApp: String { column.linkApp ?? "" }

    static func load(_ req: Request, _ scope: Scope, _ text: String) async throws -> RowOrigin? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, let row = Int(parts[3]), row >= 0,
              let a = try? await AppsService.access(req, scope, code: parts[0], need: .edit),
              let table = a.app.definition.field(parts[2]), table.type == .subtable,
              let column = table.rowFields.first(where: { $0.code == parts[4] && $0.type == .link }),
              let record = try await AppStore.record(req.sql, a, id: parts[1], edit: true),
              a.app.definition.permissions.access(table.code, caller: a.caller, record: record.context) == .write,
              case .list(let rows)? = record.data[table.code], row < rows.count, (rows[row].object?[column.code] ?? .null).isEmpty,
              fingerprint(rows[row]) == parts[5] else { return nil }
        return RowOrigin(access: a, record: record, table: table, row: row, column: column)
    }

    /// What identifies a row's content (its cells as canonical JSON, hashed): the `from` key carries it.
    static func fingerprint(_ row: AppValue) -> String { String(sha256Hex(row.canonicalJSON).prefix(16)) }

    static func key(app: String, record: String, table: String, row: Int, column: String, _ cells: AppValue) -> String {
        "\(app):\(record):\(table):\(row):\(column):\(fingerprint(cells))"
    }

    var cells: [String: AppValue] { record.data[table.code]?.list?[row].object ?? [:] }

    /// The new record's first values: same-coded fields from the row, then from its record; the title from the row's first text.
    func prefill(_ target: AppDefinition) -> [String: AppValue] {
        var out: [String: AppValue] = [:]
        let source = access.app.definition
        for f in target.fields where ![.calculated, .attachment, .subtable].contains(f.type) {
            if let v = cells[f.code], !v.isEmpty, sameKind(f, table.rowFields.first { $0.code == f.code }) { out[f.code] = v }
            // a field of the record only where its caller may read it there
            else if let v = record.data[f.code], !v.isEmpty, sameKind(f, source.field(f.code)),
                    source.permissions.access(f.code, caller: access.caller, record: record.context) >= .read { out[f.code] = v }
        }
        if let t = target.titleField, (out[t] ?? .null).isEmpty, let first = table.rowFields.first(where: { $0.type == .text }), let v = cells[first.code] { out[t] = v }
        return out
    }

    private func sameKind(_ a: FieldDefinition, _ b: FieldDefinition?) -> Bool {
        guard let b else { return false }
        let text: Set<FieldType> = [.text, .multilineText]
        let numbers: Set<FieldType> = [.number, .money]
        return a.type == b.type || (text.contains(a.type) && text.contains(b.type)) || (numbers.contains(a.type) && numbers.contains(b.type))
    }

    /// Sets the row's link to the new record (with the record's revision: a change in between refuses it).
    func link(_ req: Request, _ scope: Scope, to id: String) async throws {
        guard case .list(var rows)? = record.data[table.code], row < rows.count, case .object(var cells) = rows[row] else { throw AppStale(id: record.id, current: record.revision) }
        cells[column.code] = .text(id)
        rows[row] = .object(cells)
        _ = try await AppsService.update(req, scope, access, [(record.id, record.revision, [table.code: .list(rows)])])
    }
}

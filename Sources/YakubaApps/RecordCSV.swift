import Foundation
import YakubaCore

/// Records as CSV (what Excel on a municipal PC opens and saves): the columns an export writes and an import reads, and
/// how a file's header and cells are read back. A column is named by its field's label (as exported) or its code. An
/// export re-imports: people as 職員番号, departments as 所属コード, links as the linked record's number, several choices
/// one per line in the cell. A row with a レコード番号 updates that record; a row without one adds a record.
/// Sub-tables and attachments are not in CSV (the API carries them).
public enum RecordCSV {
    /// Rows a file may have: an import is one writer transaction (all or nothing), and clock-ins wait behind it.
    public static let maxRows = 2_000
    public static let numberHeader = (ja: "レコード番号", en: "Record number")

    /// A column of a file.
    public enum Column: Sendable, Equatable {
        /// レコード番号: which record a row updates (empty: a new record).
        case number
        /// A field a row sets.
        case field(String)
        /// A column that is written on export and ignored on import (status, assignees, who and when, calculated fields).
        case readOnly(String)
    }

    /// Whether a field goes into CSV at all.
    public static func inCSV(_ f: FieldDefinition) -> Bool { f.type != .subtable && f.type != .attachment }

    /// The export's columns: the record number, the status and assignees when there is a process, the fields the caller may
    /// read (form order), then who created and changed the record and when.
    public static func exportColumns(_ app: AppDefinition, readable: (String) -> Bool) -> [String] {
        var out = [SystemField.recordNumber.rawValue]
        if app.process != nil { out += [SystemField.status.rawValue, SystemField.assignee.rawValue] }
        out += app.fields.filter { inCSV($0) && readable($0.code) }.map(\.code)
        out += [SystemField.createdBy.rawValue, SystemField.createdAt.rawValue, SystemField.updatedBy.rawValue, SystemField.updatedAt.rawValue]
        return out
    }

    /// A column's heading: the field's label, or the system field's Japanese label.
    public static func heading(_ code: String, _ app: AppDefinition) -> String {
        if code == SystemField.recordNumber.rawValue { return numberHeader.ja }
        if let f = app.field(code) { return f.label }
        return SystemField(rawValue: code)?.labelJa ?? code
    }

    /// Reads a file's header: each column named by a field's label or code (or a system field's). Problems are
    /// per column, at line 1: an unknown name (with the names it may have), a repeated column, a sub-table or attachment,
    /// a required field missing from a file that adds records.
    /// What is wrong with a file's header.
    public struct HeaderIssues: Error, Sendable { public var all: [ImportIssue] }

    public static func columns(_ header: [String], _ app: AppDefinition) -> Result<[Column], HeaderIssues> {
        var out: [Column] = []
        var issues: [ImportIssue] = []
        var seen: [String: String] = [:]
        let expected = exportColumns(app, readable: { _ in true }).map { heading($0, app) }.joined(separator: "、")
        for raw in header {
            let name = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{FEFF}", with: "")
            func issue(_ ja: String, _ en: String) { issues.append(ImportIssue(line: 1, column: name, value: "", messageJa: ja, messageEn: en)) }
            let column: Column
            if name == numberHeader.ja || name == numberHeader.en || name == SystemField.recordNumber.rawValue {
                column = .number
            } else if let f = app.fields.first(where: { $0.label == name }) ?? app.field(name) {
                if !inCSV(f) {
                    issue("「\(name)」は\(f.type == .subtable ? "表" : "添付ファイル")のため CSV では取り込めません。この列を削除してください（API で登録できます）。",
                          "\"\(name)\" is a \(f.type == .subtable ? "sub-table" : "file attachment") and cannot be imported from CSV. Remove the column (the API takes it).")
                    continue
                }
                column = f.type == .calculated ? .readOnly(f.code) : .field(f.code)
            } else if let s = SystemField.allCases.first(where: { $0.labelJa == name || $0.labelEn == name || $0.rawValue == name }) {
                column = .readOnly(s.rawValue)
            } else if name.isEmpty {
                issue("見出しが空の列があります。見出しを入れるか、列を削除してください。", "A column has no heading. Name it or remove it.")
                continue
            } else {
                issue("列「\(name)」はこのアプリにありません。見出しは次のどれかにしてください: \(expected)。",
                      "The app has no column \"\(name)\". Headings must be among: \(expected).")
                continue
            }
            let key: String
            switch column { case .number: key = "#"; case .field(let c), .readOnly(let c): key = c }
            if let first = seen[key] {
                issue("列「\(name)」は「\(first)」と同じ項目です。どちらかを削除してください。", "The column \"\(name)\" is the same as \"\(first)\". Remove one.")
                continue
            }
            seen[key] = name
            out.append(column)
        }
        if issues.isEmpty && !out.contains(where: { if case .field = $0 { true } else { false } }) {
            issues.append(ImportIssue(line: 1, column: "", value: "", messageJa: "取り込める列がありません。1行目に項目名（\(expected)）を入れてください。",
                                      messageEn: "No column can be imported. Put the headings (\(expected)) on line 1."))
        }
        if issues.isEmpty && !out.contains(.number) {
            let named = Set(out.compactMap { c -> String? in if case .field(let f) = c { f } else { nil } })
            for f in app.fields where f.required && inCSV(f) && f.type != .calculated && !named.contains(f.code) {
                issues.append(ImportIssue(line: 1, column: f.label, value: "", messageJa: "必須の項目「\(f.label)」の列がありません。列を追加してください。",
                                          messageEn: "The required field \"\(f.label)\" has no column. Add it."))
            }
        }
        return issues.isEmpty ? .success(out) : .failure(HeaderIssues(all: issues))
    }

    /// One data row read for the columns: the record number it updates (nil: a new record; a problem when it is not a
    /// number) and the values it sets, as the form would send them (text, each choice on its own line for several).
    public static func row(_ cells: [String], _ columns: [Column], _ app: AppDefinition, line: Int) -> (number: Int64?, values: [String: AppValue], issues: [ImportIssue]) {
        var number: Int64? = nil
        var values: [String: AppValue] = [:]
        var issues: [ImportIssue] = []
        for (i, column) in columns.enumerated() {
            let cell = i < cells.count ? undefused(cells[i]) : ""
            switch column {
            case .number:
                let t = WorkRulesSettings.ascii(cell).trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "#＃")))
                if t.isEmpty { continue }
                if let n = Int64(t), n > 0 { number = n } else {
                    issues.append(ImportIssue(line: line, column: numberHeader.ja, value: cell, messageJa: "レコード番号は数字で入れてください（新しいレコードは空欄）。",
                                              messageEn: "The record number must be a number (empty for a new record)."))
                }
            case .readOnly: continue
            case .field(let code):
                guard let f = app.field(code) else { continue }
                switch f.type {
                case .multiChoice:
                    values[code] = .list(cell.replacingOccurrences(of: "\r\n", with: "\n").split(whereSeparator: \.isNewline)
                        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(AppValue.text))
                default: values[code] = .text(cell)
                }
            }
        }
        return (number, values, issues)
    }

    /// A cell as it was before the export kept Excel from reading it as a formula (`CSV.defused` puts a `'` before text
    /// that starts with = + - @), so an exported file imports back unchanged.
    public static func undefused(_ cell: String) -> String {
        guard cell.hasPrefix("'"), CSV.defused(String(cell.dropFirst())) == cell else { return cell }
        return String(cell.dropFirst())
    }

    /// The file's rows after the header: blank lines skipped, with their line numbers (1 is the header).
    public static func dataRows(_ table: [[String]]) -> [(line: Int, cells: [String])] {
        table.enumerated().dropFirst().compactMap { i, cells in
            cells.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } ? nil : (i + 1, cells)
        }
    }
}

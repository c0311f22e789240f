import Foundation
import Vapor
import SQLKit
import YakubaCore

/// 職員名簿の取込: a CSV from Excel (UTF-8 or Shift_JIS). Every row is checked first; one wrong row imports nothing.
enum ImportController {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["admin", "import"], access: AdminController.hrOrAdmin) { req in Pages.html(try await page(req, issues: [], error: nil)) }
        r.on(.GET, ["admin", "import", "template.csv"], access: AdminController.hrOrAdmin) { _ in
            let res = Response(status: .ok, body: .init(data: Data((try? JapaneseTextEncoding.encode(StaffImport.template, as: .shiftJIS)) ?? [])))
            res.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=Shift_JIS")
            res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"staff-template.csv\"")
            return res
        }
        r.on(.POST, ["admin", "import"], access: AdminController.hrOrAdmin, body: .collect(maxSize: "8mb")) { req in try await upload(req) }
        r.on(.POST, ["admin", "staff", ":id", "password"], access: AdminController.hrOrAdmin) { req in try await resetPassword(req) }
    }

    static func page(_ req: Request, issues: [ImportIssue], error: String?) async throws -> String {
        let l = req.lang
        return Pages.layout(req, title: l.t("職員名簿の取込", "Import staff"), [
            el("h1", txt(l.t("職員名簿の取込（CSV）", "Import staff (CSV)"))),
            el("p", txt(l.t("Excel で保存した CSV（UTF-8 または Shift_JIS）を取り込みます。1行でも誤りがあれば、何も登録せずに誤りの一覧を表示します。",
                            "Import a CSV saved from Excel (UTF-8 or Shift_JIS). If any row is wrong, nothing is imported and every problem is listed."))),
            el("p", link("/admin/import/template.csv", l.t("ひな形をダウンロード（Excel用）", "Download the template (for Excel)"))),
            el("p", cls("hint"), txt(l.t("列：", "Columns: ") + StaffImport.columns.map { $0.ja + ($0.required ? "" : l.t("（任意）", " (optional)")) }.joined(separator: "、"))),
            importProblems(issues, l, lineLabel: l.t("行", "Line")),
            el("form", attr("method", "post"), attr("action", "/admin/import"), attr("enctype", "multipart/form-data"),
               hidden("_csrf", req.csrfToken),
               field(id: "file", label: l.t("CSV ファイル", "CSV file"), error: error) { d in
                   void("input", [("id", "file"), ("name", "file"), ("type", "file"), ("accept", ".csv,text/csv"), ("required", ""),
                                  ("aria-describedby", issues.isEmpty ? d : "file-error")] + (error != nil ? [("aria-invalid", "true")] : []))
               },
               el("button", attr("type", "submit"), txt(l.t("取り込む", "Import"))))
        ])
    }

    struct UploadForm: Content { var file: File? }

    /// What a refused CSV import shows (the staff roster, an app's records): that nothing was imported, and each problem
    /// with its line or row, column and value (the first 500), as the alert the file input is described by.
    static func importProblems(_ issues: [ImportIssue], _ l: Lang, lineLabel: String) -> N {
        guard !issues.isEmpty else { return .empty }
        return .group([
            el("p", cls("alert"), attr("role", "alert"), attr("id", "file-error"),
               txt(l.t("\(issues.count)件の誤りがあるため、何も取り込みませんでした。修正してもう一度お試しください。", "\(issues.count) problem(s) found; nothing was imported. Fix them and try again."))),
            el("div", tableRegion(l.t("誤りの一覧", "Problems")), el("table", el("caption", txt(l.t("誤りの一覧", "Problems"))),
               el("thead", el("tr", [lineLabel, l.t("列", "Column"), l.t("値", "Value"), l.t("内容", "Problem")].map { el("th", attr("scope", "col"), txt($0)) })),
               el("tbody", issues.prefix(500).map { i in
                   el("tr", el("th", attr("scope", "row"), txt("\(i.line)")), el("td", txt(i.column)), el("td", txt(String(i.value.prefix(100)))), el("td", txt(l.t(i.messageJa, i.messageEn))))
               })))])
    }

    static func upload(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let form = try? req.content.decode(UploadForm.self)
        guard let file = form?.file, file.data.readableBytes > 0 else {
            return Pages.html(try await page(req, issues: [], error: l.t("CSV ファイルを選んでください。", "Choose a CSV file.")), status: .unprocessableEntity)
        }
        guard let decoded = JapaneseTextEncoding.decode(Array(file.data.readableBytesView)) else {
            return Pages.html(try await page(req, issues: [], error: l.t("文字コードを読み取れません。UTF-8 か Shift_JIS の CSV で保存してください。",
                                                                          "The file is neither UTF-8 nor Shift_JIS. Save it as CSV.")), status: .unprocessableEntity)
        }
        let existing = Set(try await req.sql.select().column("staff_number").from("staff").where("municipality_id", .equal, SQLBind(scope.principal.municipalityId))
            .all(decodingColumn: "staff_number", as: String.self))
        let byCode = Dictionary(scope.tree.rows.values.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        switch StaffImport.parse(decoded.text, departmentCodes: Set(byCode.keys), existingNumbers: existing, sexAllowed: scope.principal.isHROfficer) {
        case .failure(let failure):
            return Pages.html(try await page(req, issues: failure.issues, error: nil), status: .unprocessableEntity)
        case .success(let drafts):
            let now = nowMs()
            let rows = drafts.map { d in
                StaffRow(id: UUID(), municipalityId: scope.principal.municipalityId, staffNumber: d.staffNumber, familyName: d.familyName, givenName: d.givenName,
                         familyKana: d.familyKana, givenKana: d.givenKana, employmentType: d.employmentType.rawValue, departmentId: byCode[d.departmentCode]!.id,
                         position: d.position, schedule: Seed.json(d.schedule), startDate: d.startDate.iso, endDate: nil, active: true,
                         roles: d.roles.map(\.rawValue).joined(separator: ","), passwordHash: nil, mustChangePassword: true, locale: "ja", updatedAtMs: now)
            }
            let personal = zip(drafts, rows).compactMap { d, r in
                d.sex.map { PersonalFactRow(id: UUID.timeOrdered(), municipalityId: r.municipalityId, staffId: r.id, kind: PersonalFact.Kind.sex.rawValue,
                                            value: $0.rawValue, recordedBy: scope.principal.staffId, recordedAtMs: now) }
            }
            let approvers = zip(drafts, rows).filter { $0.0.roles.contains(.approver) }.map { ($0.1.id, byCode[$0.0.departmentCode]!.id) }
            let actor = scope.principal.staffId
            // one transaction: all rows or none
            try await req.yakuba.writer.perform { _, sql in
                for chunk in rows.chunked(500) { try await sql.insert(into: "staff").models(chunk, with: rowEncoder).run() }
                for (s, d) in approvers {
                    try await sql.insert(into: "approver_departments").columns("staff_id", "department_id").values(SQLBind(s), SQLBind(d)).run()
                }
                for chunk in personal.chunked(500) { try await sql.insert(into: "staff_personal_facts").models(chunk, with: rowEncoder).run() }
                return rows.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: actor, type: "staff.created", subjectId: $0.id.uuidString.lowercased(), fact: $0.ledgerFact) }
                    + personal.map(PersonalRepository.ledgerDraft)
            }
            req.session.data["flash"] = l.t("\(rows.count)名を取り込みました（\(decoded.encoding)）。ログインするには、一覧の「パスワード発行」で初回パスワードを発行してください。",
                                             "Imported \(rows.count) staff (\(decoded.encoding)). Issue each a one-time password from the list to let them sign in.")
            return req.redirect(to: "/admin/staff")
        }
    }

    static func resetPassword(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let staff = try await scope.staff(req, req.parameters.get("id", as: UUID.self))
        guard staff.id != scope.principal.staffId else {
            throw ProblemError(status: .forbidden, title: l.t("自分のパスワードは「パスワード変更」で変更してください。", "Change your own password on the password page."))
        }
        let password = PasswordPolicy.oneTime()
        let hash = try await req.password.async.hash(password)
        _ = try await StaffWrites.setPassword(req, staff: staff, hash: hash, mustChange: true, actor: scope.principal.staffId)
        req.session.data["flash"] = l.t("\(staff.fullName)（\(staff.staffNumber)）の初回パスワード：\(password)（初回ログイン時に変更が必要です）",
                                         "One-time password for \(staff.fullName) (\(staff.staffNumber)): \(password) (must be changed at first sign-in).")
        return req.redirect(to: "/admin/staff")
    }
}

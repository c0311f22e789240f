import Foundation
import Vapor
import SQLKit
import YakubaCore

/// The roster's sensitive part (issue 5): a person's sex and children's births, which the published indicators need, and
/// the rank class of each position title. 人事課 only (not the system administrator); every look at a person's record is
/// put on the ledger, and so is every change.
enum PersonalController {
    /// Sensitive personal data: the 人事課 alone.
    static let hrOnly = Access.roles([.hr])

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["admin", "staff", ":id", "personal"], access: hrOnly) { req in try await page(req, errors: [:], values: [:]) }
        r.on(.POST, ["admin", "staff", ":id", "personal", "sex"], access: hrOnly) { req in try await setSex(req) }
        r.on(.POST, ["admin", "staff", ":id", "personal", "births"], access: hrOnly) { req in try await addBirth(req) }
        r.on(.POST, ["admin", "staff", ":id", "personal", "births", "withdraw"], access: hrOnly) { req in try await withdrawBirth(req) }
        r.on(.GET, ["admin", "rank-classes"], access: hrOnly) { req in try await rankClasses(req, errors: [:], values: nil) }
        r.on(.POST, ["admin", "rank-classes"], access: hrOnly) { req in try await saveRankClasses(req) }
    }

    static func page(_ req: Request, errors: [String: String], values: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let s = try await scope.staff(req, req.parameters.get("id", as: UUID.self))
        let record = try await PersonalRepository.records(req.sql, municipalityId: s.municipalityId, staffIds: [s.id])[s.id] ?? PersonalRecord()
        try await PersonalRepository.logView(req.yakuba.writer, municipalityId: s.municipalityId, viewer: scope.principal.staffId,
                                             subject: s.id.uuidString.lowercased(), what: "personal_record")
        let title = l.t("\(s.fullName)さんの性別と子の出生", "\(s.fullName): sex and children's births")
        let base = "/admin/staff/\(s.id.uuidString)/personal"
        let sex = values["sex"] ?? record.sex?.rawValue ?? ""
        let options: [(String, String)] = [("female", l.t("女性", "Female")), ("male", l.t("男性", "Male")), ("", l.t("登録しない", "Not recorded"))]
        let content: [N] = [
            el("h1", txt(title)),
            el("p", cls("notice"), txt(l.t("公表指標（女性活躍推進法・次世代法）の算出だけに使う情報です。人事課の職員だけが見られ、表示と変更はすべて台帳に記録されます。",
                                           "Used only for the published indicators (Women's Advancement Act, Next Generation Act). Only HR can see it; every view and change is recorded on the ledger."))),
            el("p", link("/admin/staff/\(s.id.uuidString)/edit", l.t("職員情報へ戻る", "Back to the staff record")), txt(" "),
               link("/indicators", l.t("公表指標へ", "To the published indicators"))),
            RulesController.errorSummary(errors, l),
            el("h2", txt(l.t("性別", "Sex"))),
            el("form", attr("method", "post"), attr("action", base + "/sex"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
               el("fieldset", errors["sex"] != nil ? cls("has-error") : .empty,
                  el("legend", txt(l.t("性別", "Sex"))),
                  errors["sex"].map { el("p", attr("id", "sex-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                  N.group(options.enumerated().map { i, o in
                      el("label", void("input", [("type", "radio"), ("name", "sex"), ("value", o.0), ("id", "sex-\(i)")]
                                        + (o.0 == sex ? [("checked", "")] : []) + (errors["sex"] != nil ? [("aria-describedby", "sex-error")] : [])),
                         txt(o.1))
                  })),
               el("button", attr("type", "submit"), txt(l.t("性別を保存", "Save sex")))),
            el("h2", txt(l.t("子の出生", "Children's births"))),
            el("p", txt(l.t("子が生まれた日を登録します。その年度（暦年）に育児休業・配偶者出産休暇・育児参加休暇を新たに取得できるようになった職員として数えます。",
                            "The day a child was born: the person counts as newly eligible for childcare leave and the fathers' leaves in that year."))),
            record.births.isEmpty ? el("p", txt(l.t("登録はありません。", "None recorded.")))
                : el("div", tableRegion(l.t("子の出生", "Children's births")), el("table",
                    el("caption", txt(l.t("登録した出生日", "Births recorded"))),
                    el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("生年月日", "Date of birth"))), el("th", attr("scope", "col"), txt(l.t("操作", "Action"))))),
                    el("tbody", record.births.map { b in
                        el("tr", el("th", attr("scope", "row"), txt(l == .ja ? JapaneseEra.format(b.date) : b.date.iso)),
                           el("td", el("form", attr("method", "post"), attr("action", base + "/births/withdraw"), hidden("_csrf", req.csrfToken),
                                       hidden("fact", b.factId.uuidString),
                                       el("button", attr("type", "submit"), cls("secondary"),
                                          attr("aria-label", l.t("取り消す（誤登録）：\(b.date.iso)の出生", "Withdraw (entered in error): the birth on \(b.date.iso)")),
                                          txt(l.t("取り消す（誤登録）", "Withdraw (entered in error)"))))))
                    }))),
            el("form", attr("method", "post"), attr("action", base + "/births"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
               field(id: "birth_date", label: l.t("子の生年月日", "Child's date of birth"), error: errors["birth_date"], hint: "YYYY-MM-DD") { d in
                   input(id: "birth_date", name: "birth_date", value: values["birth_date"] ?? "", describedBy: d, required: true,
                         invalid: errors["birth_date"] != nil, extra: [("autocomplete", "off")])
               },
               el("button", attr("type", "submit"), txt(l.t("出生を登録", "Record the birth")))),
        ]
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()), status: status)
    }

    static func fact(_ req: Request, _ scope: Scope, _ s: StaffRow, _ kind: PersonalFact.Kind, _ value: String) -> PersonalFactRow {
        PersonalFactRow(id: UUID.timeOrdered(), municipalityId: s.municipalityId, staffId: s.id, kind: kind.rawValue, value: value,
                        recordedBy: scope.principal.staffId, recordedAtMs: nowMs())
    }

    /// A form posted about one person's record: the person (404 outside the caller's municipality), the form and the record.
    static func posted(_ req: Request) async throws -> (scope: Scope, staff: StaffRow, form: [String: String], record: PersonalRecord) {
        let scope = try await Scope.load(req)
        let s = try await scope.staff(req, req.parameters.get("id", as: UUID.self))
        let form = try req.content.decode([String: String].self)
        let record = try await PersonalRepository.records(req.sql, municipalityId: s.municipalityId, staffIds: [s.id])[s.id] ?? PersonalRecord()
        return (scope, s, form, record)
    }

    static func setSex(_ req: Request) async throws -> Response {
        let l = req.lang
        let (scope, s, form, record) = try await posted(req)
        let text = (form["sex"] ?? "").trimmingCharacters(in: .whitespaces)
        guard form["sex"] != nil, text.isEmpty || Sex(rawValue: text) != nil else {
            return try await page(req, errors: ["sex": l.t("女性・男性・登録しないのいずれかを選んでください。", "Choose female, male or not recorded.")],
                                  values: form, status: .unprocessableEntity)
        }
        if (record.sex?.rawValue ?? "") != text { try await PersonalRepository.append(req.yakuba.writer, [fact(req, scope, s, .sex, text)]) }
        req.session.data["flash"] = l.t("性別を保存しました。", "Saved.")
        return req.redirect(to: "/admin/staff/\(s.id.uuidString)/personal")
    }

    static func addBirth(_ req: Request) async throws -> Response {
        let l = req.lang
        let (scope, s, form, record) = try await posted(req)
        let text = (form["birth_date"] ?? "").trimmingCharacters(in: .whitespaces)
        let today = CalendarDate(Date(), in: scope.municipality.zone)
        let error: String?
        if text.isEmpty { error = l.t("子の生年月日を入力してください。", "Enter the child's date of birth.") }
        else if let d = CalendarDate(iso: text) {
            if d > today { error = l.t("生年月日が未来の日付です。生まれてから登録してください。", "The date is in the future: record the birth once the child is born.") }
            else if d.year < 1950 { error = l.t("生年月日が古すぎます。1950年以降の日付を入力してください。", "The date is too early: enter a date from 1950 on.") }
            else if record.births.contains(where: { $0.date == d }) { error = l.t("この日の出生は登録済みです（双子などは1回の出生として数えます）。", "A birth on this day is already recorded (twins count as one birth).") }
            else { error = nil }
        } else { error = l.t("生年月日は 2026-05-01 の形で入力してください。", "Enter the date as 2026-05-01.") }
        if let error { return try await page(req, errors: ["birth_date": error], values: form, status: .unprocessableEntity) }
        try await PersonalRepository.append(req.yakuba.writer, [fact(req, scope, s, .birth, CalendarDate(iso: text)!.iso)])
        req.session.data["flash"] = l.t("出生を登録しました。", "Recorded the birth.")
        return req.redirect(to: "/admin/staff/\(s.id.uuidString)/personal")
    }

    static func withdrawBirth(_ req: Request) async throws -> Response {
        let l = req.lang
        let (scope, s, form, record) = try await posted(req)
        guard let id = form["fact"].flatMap(UUID.init(uuidString:)), record.births.contains(where: { $0.factId == id }) else {
            return try await page(req, errors: ["birth_date": l.t("取り消す出生が見つかりません（すでに取り消されている可能性があります）。", "The birth to withdraw was not found (it may have been withdrawn already).")],
                                  values: [:], status: .unprocessableEntity)
        }
        try await PersonalRepository.append(req.yakuba.writer, [fact(req, scope, s, .birthWithdrawn, id.uuidString)])
        req.session.data["flash"] = l.t("出生の登録を取り消しました。", "Withdrew the birth.")
        return req.redirect(to: "/admin/staff/\(s.id.uuidString)/personal")
    }

    // MARK: - 役職段階

    /// The roster's position titles, with how many people hold each, most first.
    static func titles(_ req: Request, municipalityId: UUID) async throws -> [(title: String, people: Int)] {
        struct T: Decodable { var position: String; var n: Int }
        let rows = try await req.sql.raw("""
            SELECT position, COUNT(*) AS n FROM staff WHERE municipality_id = \(bind: municipalityId) AND active = \(bind: true) GROUP BY position
            """).all(decoding: T.self)
        return rows.map { ($0.position.trimmingCharacters(in: .whitespaces), $0.n) }
            .reduce(into: [String: Int]()) { $0[$1.0, default: 0] += $1.1 }
            .map { (title: $0.key, people: $0.value) }.sorted { ($1.people, $0.title) < ($0.people, $1.title) }
    }

    static func rankClasses(_ req: Request, errors: [String: String], values: [String: String]?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let map = scope.municipality.rankClasses
        let titles = try await titles(req, municipalityId: scope.municipality.id)
        let title = l.t("役職段階の設定", "Rank classes")
        let options = RankClass.allCases.map { ($0.rawValue, l.t($0.labelJa, $0.labelEn)) }
        let content: [N] = [
            el("h1", txt(title)),
            el("p", txt(l.t("職名ごとに、公表指標（管理的地位にある職員に占める女性の割合、各役職段階の女性の割合）で数える役職段階を選びます。課長補佐級以上を管理職とする団体は、課長補佐を「管理職」にしてください。変更は台帳に記録されます。",
                            "Choose the rank class each position title counts in for the published indicators (women in management, women at each rank). A body that counts deputy section chiefs as management sets them to management. Changes are recorded on the ledger."))),
            el("p", link("/indicators", l.t("公表指標へ", "To the published indicators"))),
            RulesController.errorSummary(errors, l),
            titles.isEmpty ? el("p", txt(l.t("在職中の職員がいません。", "There are no active staff."))) :
            el("form", attr("method", "post"), attr("action", "/admin/rank-classes"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
               el("div", tableRegion(title), el("table",
                  el("caption", txt(l.t("職名と役職段階", "Position titles and rank classes"))),
                  el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("職名", "Title"))), el("th", attr("scope", "col"), txt(l.t("人数", "Staff"))),
                                 el("th", attr("scope", "col"), txt(l.t("役職段階", "Rank class"))))),
                  el("tbody", titles.enumerated().map { i, t in
                      let id = "class-\(i)"
                      let chosen = values?[id] ?? map.rankClass(of: t.title).rawValue
                      return el("tr", el("th", attr("scope", "row"), txt(t.title.isEmpty ? l.t("（職名なし）", "(no title)") : t.title)),
                                el("td", txt("\(t.people)")),
                                el("td", hidden("title-\(i)", t.title),
                                   errors[id].map { el("p", attr("id", "\(id)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                                   el("select", [attr("id", id), attr("name", id), attr("aria-label", l.t("\(t.title)の役職段階", "Rank class of \(t.title)")),
                                                 errors[id] != nil ? attr("aria-invalid", "true") : .empty, attr("aria-describedby", errors[id] != nil ? "\(id)-error" : nil)]
                                      + options.map { o in el("option", attr("value", o.0), flag("selected", o.0 == chosen), txt(o.1)) })))
                  }))),
               el("button", attr("type", "submit"), txt(l.t("保存する", "Save")))),
        ]
        return Pages.html(Pages.layout(req, title: title, content, flash: req.takeFlash()), status: status)
    }

    static func saveRankClasses(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let form = try req.content.decode([String: String].self)
        var classes = scope.municipality.rankClasses.classes
        var errors: [String: String] = [:]
        var i = 0
        while let title = form["title-\(i)"] {
            let key = "class-\(i)"
            if let c = form[key].flatMap(RankClass.init(rawValue:)) {
                let t = title.trimmingCharacters(in: .whitespaces)
                // only what differs from the common default is kept, so a title's class follows the default until HR changes it
                classes[t] = c == RankClassMap.guess(t) ? nil : c
            } else {
                errors[key] = l.t("「\(title)」の役職段階を一覧から選んでください。", "Choose a rank class for \(title) from the list.")
            }
            i += 1
        }
        if i == 0 { errors["class-0"] = l.t("職名がありません。ページを開き直してください。", "No titles were sent: open the page again.") }
        if !errors.isEmpty { return try await rankClasses(req, errors: errors, values: form, status: .unprocessableEntity) }
        let map = RankClassMap(classes)
        try await RulesController.store(req, scope, scope.municipality.with(rankClasses: map), ledgerType: "rank_classes.updated", fact: map)
        req.session.data["flash"] = l.t("役職段階を保存しました。", "Saved the rank classes.")
        return req.redirect(to: "/admin/rank-classes")
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaFace
import YakubaImageIO

/// The people's side of the kiosk: one's own face enrolment (with consent) and kiosk PIN; HR's list of who is enrolled
/// and IC cards; the administrator's kiosk devices; managers' review of unverified face punches.
enum FaceController {
    /// The consent text's version, kept with each enrolment and on the ledger.
    static let consentVersion = "2026-12"

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["face"], access: .signedIn) { req in try await myPage(req) }
        r.on(.POST, ["face", "enrol"], access: .signedIn, body: .collect(maxSize: "40mb")) { req in try await enrol(req) }
        r.on(.POST, ["face", "withdraw"], access: .signedIn) { req in try await withdraw(req) }
        r.on(.POST, ["face", "pin"], access: .signedIn) { req in try await setPIN(req) }
        r.on(.POST, ["face", "smile"], access: .signedIn) { req in try await setSmile(req) }
        r.on(.POST, ["admin", "kiosks", "settings"], access: .roles([.admin])) { req in try await saveSettings(req) }
        r.on(.GET, ["kiosk-reviews", ":punch", "photo"], access: .roles([.approver, .hr, .admin])) { req in try await evidencePhoto(req) }
        r.on(.GET, ["admin", "face"], access: .roles([.hr, .admin])) { req in try await enrolledPage(req) }
        r.on(.POST, ["admin", "face", ":staff", "delete"], access: .roles([.hr, .admin])) { req in try await hrDelete(req) }
        r.on(.POST, ["admin", "face", "cards"], access: .roles([.hr, .admin])) { req in try await setCard(req) }
        r.on(.GET, ["admin", "kiosks"], access: .roles([.admin])) { req in try await kiosksPage(req) }
        r.on(.POST, ["admin", "kiosks"], access: .roles([.admin])) { req in try await registerKiosk(req) }
        r.on(.POST, ["admin", "kiosks", ":id", "revoke"], access: .roles([.admin])) { req in try await revokeKiosk(req) }
        r.on(.GET, ["kiosk-reviews"], access: .roles([.approver, .hr, .admin])) { req in try await reviewsPage(req) }
        r.on(.POST, ["kiosk-reviews", ":punch"], access: .roles([.approver, .hr, .admin])) { req in try await review(req) }
    }

    // MARK: my enrolment

    static func myPage(_ req: Request, errors: [String: String] = [:], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let face = req.yakuba.face
        let enrolment = try await KioskRepository.enrolment(req.sql, staffId: p.staffId)
        let creds = try await KioskRepository.credentials(req.sql, staffId: p.staffId)
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let hasPIN = creds.contains { $0.kind == "pin" }, hasCard = creds.contains { $0.kind == "card" }
        let consent = el("section", cls("consent"), attr("aria-labelledby", "consent-h"),
            el("h2", attr("id", "consent-h"), txt(l.t("顔認証の登録についての説明", "About enrolling your face"))),
            el("ul", [
                l.t("保存するもの：登録する写真から計算した「顔の特徴を表す128個の数値」だけです。写真そのものは保存しません。",
                    "What is kept: only 128 numbers that describe your face, computed from the photos. The photos themselves are not kept."),
                l.t("使う目的：庁舎の打刻端末で、あなたの出勤・退勤を記録するときの本人確認だけに使います。",
                    "Why: only to identify you when you clock in or out at the city hall's kiosks."),
                l.t("保管の方法：数値は暗号化して、この市役所のサーバーに保存します。外部のクラウドには送りません。",
                    "How: the numbers are encrypted and kept on this city hall's own server. Nothing is sent to an outside cloud."),
                l.t("保管の期間：あなたが登録をやめるか、退職するまでです。そのときにすぐ削除します。",
                    "For how long: until you withdraw or leave; they are deleted at once then."),
                l.t("やめ方：この画面の「登録を取り消す」でいつでもやめられます。やめても、PIN や IC カードで打刻できます。不利益な扱いはありません。",
                    "How to stop: press \"Withdraw\" on this page at any time. You can still clock in with a PIN or IC card, with no disadvantage."),
                l.t("人事課は、誰が登録しているかを見られますが、顔の数値や写真は見られません。",
                    "HR can see who is enrolled, never the numbers or photos."),
            ].map { el("li", txt($0)) }))
        var content: [N] = [el("h1", txt(l.t("顔認証・PIN", "Face & PIN")))]
        if let flash = req.takeFlash() { content.append(el("p", cls("flash"), attr("role", "status"), txt(flash))) }
        if let e = errors["form"] { content.append(el("p", cls("alert"), attr("role", "alert"), attr("id", "enrol-error"), txt(e))) }
        content.append(el("h2", txt(l.t("顔認証", "Face recognition"))))
        if let e = enrolment {
            content.append(el("p", attr("id", "enrolled-state"), txt(l.t("登録済みです（\(showDate(CalendarDate(dateFromMs(e.enrolledAtMs), in: muni.zone), l))、写真\(e.images)枚から）。",
                                                                     "You are enrolled (\(showDate(CalendarDate(dateFromMs(e.enrolledAtMs), in: muni.zone), l)), from \(e.images) photos)."))))
            content.append(el("form", attr("method", "post"), attr("action", "/face/withdraw"), hidden("_csrf", req.csrfToken),
                              el("button", attr("type", "submit"), cls("secondary"), attr("id", "withdraw"), txt(l.t("登録を取り消す（顔の数値を削除）", "Withdraw (delete my face data)")))))
        } else {
            content.append(el("p", attr("id", "enrolled-state"), txt(l.t("登録していません。", "You are not enrolled."))))
        }
        if face.models == nil || face.vault == nil {
            content.append(el("p", cls("notice"), txt(l.t("このサーバーでは顔認証を使えません（モデルまたは鍵がありません）。PIN と IC カードは使えます。",
                                                          "Face recognition is not available on this server (no models or key). PIN and IC card work."))))
        } else {
            content.append(consent)
            content.append(el("form", attr("method", "post"), attr("action", "/face/enrol"), attr("enctype", "multipart/form-data"), attr("novalidate", ""),
                hidden("_csrf", req.csrfToken),
                field(id: "images", label: l.t("顔写真（3〜5枚、JPEG か PNG）", "Photos of your face (3 to 5, JPEG or PNG)"), error: errors["images"],
                      hint: l.t("正面から、明るい場所で、顔がはっきり写った写真を、少しずつ違う時や角度で選んでください。一人だけが写っているものにしてください。",
                                "Facing the camera, in good light, sharp, taken at slightly different times or angles; only you in each photo.")) { d in
                    input(id: "images", name: "images", type: "file", value: nil, describedBy: d, required: true, invalid: errors["images"] != nil,
                          extra: [("accept", "image/jpeg,image/png"), ("multiple", "")])
                },
                el("div", cls(errors["consent"] != nil ? "field check has-error" : "field check"),
                   errors["consent"].map { el("p", attr("id", "consent-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                   el("label", void("input", [("type", "checkbox"), ("name", "consent"), ("value", "1"), ("id", "consent"),
                                              ("aria-describedby", errors["consent"] != nil ? "consent-h consent-error" : "consent-h"),
                                              ("aria-invalid", errors["consent"] != nil ? "true" : nil)]),
                      txt(l.t("上の説明を読み、顔の数値を打刻の本人確認に使うことに同意します。", "I have read the above and agree to my face numbers being used to identify me at clock-in.")))),
                el("button", attr("type", "submit"), attr("id", "enrol"), txt(enrolment == nil ? l.t("同意して登録する", "Agree and enrol") : l.t("同意して登録し直す", "Agree and enrol again")))))
        }
        if let options = try await KioskRepository.settings(req.sql, municipalityId: p.municipalityId), options.smile, face.smileModel != nil {
            let consented = try await KioskRepository.smileConsented(req.sql, staffId: p.staffId)
            let today = CalendarDate(Date(), in: muni.zone)
            let mine = consented ? try await KioskRepository.smiles(req.sql, municipalityId: p.municipalityId, staffId: p.staffId, from: today.adding(days: -30), to: today) : []
            content.append(el("h2", txt(l.t("笑顔スコア（任意）", "Smile score (optional)"))))
            content.append(el("p", txt(l.t("希望すると、打刻端末で顔認証で出勤したときの表情から「笑顔スコア」（0〜100）を計算して記録し、あなたに表示します。所属長には、5人以上の平均としてだけ示されます。いつでもやめられ、やめると記録は削除されます。",
                                           "If you choose, the kiosk computes a smile score (0–100) from your face when you clock in by face, records it and shows it to you. Managers see it only as averages of five people or more. You can stop at any time; your scores are then deleted."))))
            content.append(el("form", attr("method", "post"), attr("action", "/face/smile"), hidden("_csrf", req.csrfToken),
                              hidden("smile", consented ? "0" : "1"),
                              el("button", attr("type", "submit"), attr("id", "smile-toggle"), cls(consented ? "secondary" : ""),
                                 txt(consented ? l.t("笑顔スコアをやめる（記録を削除）", "Stop the smile score (delete my scores)") : l.t("笑顔スコアを記録する", "Record my smile score")))))
            if consented {
                content.append(mine.isEmpty ? el("p", cls("muted"), txt(l.t("まだ記録はありません。", "No scores yet.")))
                    : el("table", attr("id", "my-smiles"), el("caption", txt(l.t("最近30日の笑顔スコア", "Smile scores, last 30 days"))),
                         el("thead", el("tr", el("th", attr("scope", "col"), txt(l.t("日付", "Date"))), el("th", attr("scope", "col"), cls("num"), txt(l.t("スコア", "Score"))))),
                         el("tbody", mine.reversed().map { s in el("tr", el("td", txt(CalendarDate(iso: s.date).map { showDate($0, l) } ?? s.date)), el("td", cls("num"), txt("\(s.score)"))) })))
            }
        }
        content.append(el("h2", txt(l.t("打刻端末のPIN", "Kiosk PIN"))))
        content.append(el("p", txt(hasPIN ? l.t("PINは設定済みです。変更するときは新しいPINを入力してください。", "Your PIN is set. Enter a new one to change it.")
                                           : l.t("顔認証が使えないとき、打刻端末で職員番号とPINで打刻できます。", "When face recognition cannot be used, you can clock in at a kiosk with your staff number and PIN."))))
        content.append(el("form", attr("method", "post"), attr("action", "/face/pin"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
            field(id: "pin", label: l.t("新しいPIN（数字4〜8桁）", "New PIN (4 to 8 digits)"), error: errors["pin"]) { d in
                input(id: "pin", name: "pin", type: "password", value: "", describedBy: d, required: true, invalid: errors["pin"] != nil, extra: [("inputmode", "numeric"), ("autocomplete", "new-password"), ("maxlength", "8")])
            },
            field(id: "pin2", label: l.t("もう一度", "Again"), error: errors["pin2"]) { d in
                input(id: "pin2", name: "pin2", type: "password", value: "", describedBy: d, required: true, invalid: errors["pin2"] != nil, extra: [("inputmode", "numeric"), ("autocomplete", "new-password"), ("maxlength", "8")])
            },
            el("button", attr("type", "submit"), attr("id", "set-pin"), txt(l.t("PINを設定", "Set PIN")))))
        content.append(el("p", cls("muted"), txt(hasCard ? l.t("ICカードは登録済みです（人事課が登録します）。", "An IC card is registered for you (by HR).")
                                                     : l.t("ICカードは人事課が登録します。", "IC cards are registered by HR."))))
        return Pages.html(Pages.layout(req, title: l.t("顔認証・PIN", "Face & PIN"), content), status: status)
    }

    static func enrol(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let face = req.yakuba.face
        guard face.models != nil, let vault = face.vault else {
            return try await myPage(req, errors: ["form": l.t("このサーバーでは顔認証を使えません。", "Face recognition is not available on this server.")], status: .conflict)
        }
        let form = FormPairs(req)
        var errors: [String: String] = [:]
        if form["consent"] != "1" { errors["consent"] = l.t("登録するには、説明を読んで同意にチェックしてください。", "To enrol, read the explanation and tick the consent box.") }
        let files = form.files.filter { $0.field == "images" && !$0.bytes.isEmpty }
        if files.count < 3 || files.count > 5 { errors["images"] = l.t("写真を3〜5枚選んでください（\(files.count)枚でした）。", "Choose 3 to 5 photos (you chose \(files.count)).") }
        if !errors.isEmpty { return try await myPage(req, errors: errors, status: .unprocessableEntity) }
        // each photo: decoded, one confirmed face, large enough, frontal, sharp
        var descriptors: [[Float]] = []
        var problems: [String] = []
        for (i, f) in files.enumerated() {
            let name = "\(i + 1)（\(f.filename)）"
            switch try await face.describe(f.bytes, maxPixels: 30_000_000, on: req.eventLoop).get() {
            case .failure:
                problems.append(l.t("写真\(name)：JPEG か PNG の画像として読み取れません。", "Photo \(name): cannot be read as a JPEG or PNG image."))
            case .success(let (_, faces)):
                if let q = EnrolmentQuality.problem(faces, settings: face.quality) {
                    problems.append(l.t("写真\(name)：", "Photo \(name): ") + qualityMessage(q, l))
                } else if let d = faces.first(where: \.confirmed)?.descriptor {
                    descriptors.append(d)
                }
            }
        }
        if problems.isEmpty {
            let (different, duplicates) = EnrolmentQuality.inconsistencies(descriptors, settings: face.quality)
            if let (a, b) = different.first {
                problems.append(l.t("写真\(a + 1)と写真\(b + 1)は別の人のようです。ご本人の写真だけを選んでください。", "Photos \(a + 1) and \(b + 1) seem to show different people. Choose photos of yourself only."))
            } else if let (a, b) = duplicates.first {
                problems.append(l.t("写真\(a + 1)と写真\(b + 1)は同じ写真です。別の時に撮った写真を選んでください。", "Photos \(a + 1) and \(b + 1) are the same photo. Choose photos taken at different times."))
            }
        }
        if problems.isEmpty, let other = face.lookalike(descriptors, municipalityId: p.municipalityId, except: p.staffId) {
            req.logger.notice("face enrolment of \(p.staffId.lowerText) refused: the photos match another enrolled person (\(other.lowerText))")
            problems.append(l.t("この写真は、別の職員として登録されている顔と一致します。ご本人の写真か確認してください。解決しないときは人事課に連絡してください。",
                                "These photos match a face enrolled for another staff member. Check that they are of you; if so, contact HR."))
        }
        // enrolling again: the new photos must be of the person already enrolled on this account
        if problems.isEmpty, let old = try await KioskRepository.enrolment(req.sql, staffId: p.staffId), let oldDs = vault.open(old.sealed, staffId: p.staffId) {
            let closest = descriptors.flatMap { d in oldDs.map { FacePipeline.distance(d, $0) } }.min() ?? .infinity
            if closest > face.quality.samePersonMax {
                problems.append(l.t("登録済みの顔と別の人のようです。登録し直すときは、先に「登録を取り消す」を押してください。",
                                    "These seem to be of a different person than the face already enrolled. To replace it, withdraw first."))
            }
        }
        if !problems.isEmpty {
            return try await myPage(req, errors: ["images": problems.joined(separator: " ")], status: .unprocessableEntity)
        }
        let row = FaceEnrolmentRow(id: UUID(), municipalityId: p.municipalityId, staffId: p.staffId, sealed: try vault.seal(descriptors, staffId: p.staffId),
                                   images: descriptors.count, consentVersion: consentVersion, enrolledAtMs: nowMs())
        try await req.yakuba.writer.perform { _, sql in
            try await sql.delete(from: "face_enrolments").where("staff_id", .equal, SQLBind(p.staffId)).run()
            try await sql.insert(into: "face_enrolments").model(row, with: rowEncoder).run()
            struct Fact: Codable { var staffId: UUID; var images: Int; var consentVersion: String }
            return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "face.enrolled", subjectId: p.staffId.lowerText,
                                fact: Fact(staffId: p.staffId, images: row.images, consentVersion: consentVersion))]
        }
        face.setEnrolment(p.staffId, municipalityId: p.municipalityId, descriptors: descriptors)
        req.session.data["flash"] = l.t("顔を登録しました（写真\(descriptors.count)枚）。写真は保存していません。", "Your face is enrolled (\(descriptors.count) photos). The photos were not kept.")
        return req.redirect(to: "/face")
    }

    static func qualityMessage(_ q: EnrolmentQuality.Problem, _ l: Lang) -> String {
        switch q {
        case .noFace: l.t("顔が見つかりません。", "no face found.")
        case .severalFaces(let n): l.t("\(n)人の顔が写っています。一人だけの写真にしてください。", "\(n) faces; use a photo of you alone.")
        case .unconfirmed: l.t("顔をはっきり確認できません。正面から明るく撮った写真にしてください。", "the face cannot be confirmed; use a bright, frontal photo.")
        case .tooSmall: l.t("顔が小さすぎます。顔が大きく写った写真にしてください。", "the face is too small; use a closer photo.")
        case .notFrontal: l.t("顔が横を向いています。正面を向いた写真にしてください。", "the face is turned; use a frontal photo.")
        case .blurred: l.t("ぼやけています。ピントの合った写真にしてください。", "it is blurred; use a sharp photo.")
        }
    }

    /// Deletes a person's embeddings (withdrawal, retirement, HR), with the ledger entry, and forgets them in memory.
    static func deleteEnrolment(_ req: Request, staffId: UUID, municipalityId: UUID, actor: UUID, reason: String) async throws -> Bool {
        guard try await KioskRepository.enrolment(req.sql, staffId: staffId) != nil else { return false }
        try await req.yakuba.writer.perform { _, sql in
            try await sql.delete(from: "face_enrolments").where("staff_id", .equal, SQLBind(staffId)).run()
            struct Fact: Codable { var staffId: UUID; var reason: String }
            return [LedgerDraft(municipalityId: municipalityId, actorId: actor, type: "face.deleted", subjectId: staffId.lowerText, fact: Fact(staffId: staffId, reason: reason))]
        }
        req.yakuba.face.setEnrolment(staffId, municipalityId: municipalityId, descriptors: nil)
        return true
    }

    static func withdraw(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let done = try await deleteEnrolment(req, staffId: p.staffId, municipalityId: p.municipalityId, actor: p.staffId, reason: "withdrawn")
        req.session.data["flash"] = done ? req.lang.t("顔の登録を取り消し、数値を削除しました。", "Your enrolment is withdrawn and the face data deleted.")
                                         : req.lang.t("顔は登録されていません。", "You are not enrolled.")
        return req.redirect(to: "/face")
    }

    static func setPIN(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let form = FormPairs(req)
        let pin = form["pin"] ?? "", pin2 = form["pin2"] ?? ""
        var errors: [String: String] = [:]
        if !(4...8).contains(pin.count) || !pin.allSatisfy({ $0.isASCII && $0.isNumber }) { errors["pin"] = l.t("PINは数字4〜8桁です。", "A PIN is 4 to 8 digits.") }
        else if Set(pin).count == 1 || "0123456789876543210".contains(pin) { errors["pin"] = l.t("同じ数字や連続した数字だけのPINは使えません。", "A PIN of one repeated digit or a run of digits is not allowed.") }
        else if pin != pin2 { errors["pin2"] = l.t("2つのPINが一致しません。", "The two PINs differ.") }
        if !errors.isEmpty { return try await myPage(req, errors: errors, status: .unprocessableEntity) }
        let hash = try await req.password.async.hash(pin)
        try await KioskRepository.saveCredential(req.yakuba.writer, KioskCredentialRow(staffId: p.staffId, municipalityId: p.municipalityId, kind: "pin", secretHash: hash, setAtMs: nowMs()),
                                                 actor: p.staffId)
        req.session.data["flash"] = l.t("PINを設定しました。", "Your PIN is set.")
        return req.redirect(to: "/face")
    }

    static func setSmile(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let on = FormPairs(req)["smile"] == "1"
        guard let options = try await KioskRepository.settings(req.sql, municipalityId: p.municipalityId), options.smile else {
            return try await myPage(req, errors: ["form": l.t("この自治体では笑顔スコアを使っていません。", "This municipality does not use the smile score.")], status: .conflict)
        }
        try await req.yakuba.writer.perform { _, sql in
            try await sql.delete(from: "smile_consents").where("staff_id", .equal, SQLBind(p.staffId)).run()
            struct Fact: Codable { var staffId: UUID; var consented: Bool }
            if on {
                try await sql.insert(into: "smile_consents").columns("staff_id", "municipality_id", "consented_at_ms")
                    .values(SQLBind(p.staffId), SQLBind(p.municipalityId), SQLBind(nowMs())).run()
            } else {
                // stopping deletes what was recorded: the scores are the person's, kept only while they agree
                try await sql.delete(from: "smile_scores").where("staff_id", .equal, SQLBind(p.staffId)).run()
            }
            return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: on ? "smile.consented" : "smile.withdrawn", subjectId: p.staffId.lowerText,
                                fact: Fact(staffId: p.staffId, consented: on))]
        }
        req.session.data["flash"] = on ? l.t("笑顔スコアの記録を始めます。", "Your smile score will be recorded.") : l.t("笑顔スコアをやめ、記録を削除しました。", "The smile score is stopped and your scores deleted.")
        return req.redirect(to: "/face")
    }

    // MARK: HR: who is enrolled, IC cards

    static func enrolledPage(_ req: Request, errors: [String: String] = [:], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let rows = try await KioskRepository.enrolments(req.sql, municipalityId: p.municipalityId)
        let staff = try await StaffRepository.find(req.sql, ids: rows.map(\.staffId))
        let sorted = rows.sorted { (staff[$0.staffId]?.staffNumber ?? "") < (staff[$1.staffId]?.staffNumber ?? "") }
        var content: [N] = [el("h1", txt(l.t("顔認証の登録者", "Enrolled faces")))]
        if let flash = req.takeFlash() { content.append(el("p", cls("flash"), attr("role", "status"), txt(flash))) }
        content.append(el("p", txt(l.t("登録者の一覧です。顔の数値や写真は表示されません（暗号化して保存され、打刻の照合にだけ使われます）。退職した職員の数値は、退職の登録で自動的に削除されます。",
                                       "Who is enrolled. Face data and photos are never shown (they are kept encrypted and used only for matching at clock-in). A leaver's data is deleted when they are marked as retired."))))
        content.append(el("p", txt(l.t("登録者 \(rows.count) 人", "\(rows.count) enrolled"))))
        content.append(el("div", tableRegion(l.t("顔認証の登録者", "Enrolled faces")), el("table",
            el("caption", cls("visually-hidden"), txt(l.t("顔認証の登録者", "Enrolled faces"))),
            el("thead", el("tr", [l.t("職員番号", "Number"), l.t("氏名", "Name"), l.t("登録日", "Enrolled"), l.t("写真", "Photos"), l.t("同意文", "Consent"), ""].map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", sorted.map { r in
                let s = staff[r.staffId]
                return el("tr", el("td", txt(s?.staffNumber ?? "")), el("th", attr("scope", "row"), txt(s?.fullName ?? "")),
                          el("td", txt(showDate(CalendarDate(dateFromMs(r.enrolledAtMs), in: muni.zone), l))), el("td", cls("num"), txt("\(r.images)")),
                          el("td", txt(r.consentVersion)),
                          el("td", el("form", attr("method", "post"), attr("action", "/admin/face/\(r.staffId.uuidString)/delete"), hidden("_csrf", req.csrfToken),
                                      el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("\(s?.fullName ?? "")の顔データを削除", "Delete \(s?.fullName ?? "")'s face data")),
                                         txt(l.t("削除", "Delete"))))))
            }))))
        content.append(el("h2", txt(l.t("ICカードの登録", "Register an IC card"))))
        content.append(el("form", attr("method", "post"), attr("action", "/admin/face/cards"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
            field(id: "card-staff-number", label: l.t("職員番号", "Staff number"), error: errors["staff_number"]) { d in
                input(id: "card-staff-number", name: "staff_number", value: "", describedBy: d, required: true, invalid: errors["staff_number"] != nil, extra: [("maxlength", "32")])
            },
            field(id: "card-number", label: l.t("カード番号（読み取り機で読み取ると入力されます）", "Card number (filled in by the reader)"), error: errors["card"]) { d in
                input(id: "card-number", name: "card", type: "password", value: "", describedBy: d, required: true, invalid: errors["card"] != nil, extra: [("maxlength", "64"), ("autocomplete", "off")])
            },
            el("button", attr("type", "submit"), txt(l.t("カードを登録", "Register card")))))
        return Pages.html(Pages.layout(req, title: l.t("顔認証の登録者", "Enrolled faces"), content), status: status)
    }

    static func hrDelete(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("staff", as: UUID.self), let s = try await StaffRepository.find(req.sql, id: id), s.municipalityId == p.municipalityId else {
            throw ProblemError(status: .notFound, title: l.t("職員が見つかりません。", "Staff member not found."))
        }
        _ = try await deleteEnrolment(req, staffId: s.id, municipalityId: s.municipalityId, actor: p.staffId, reason: "deleted_by_hr")
        req.session.data["flash"] = l.t("\(s.fullName)さんの顔データを削除しました。", "\(s.fullName)'s face data is deleted.")
        return req.redirect(to: "/admin/face")
    }

    static func setCard(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let form = FormPairs(req)
        let number = (form["staff_number"] ?? "").trimmingCharacters(in: .whitespaces)
        let card = (form["card"] ?? "").filter { !$0.isWhitespace }
        var errors: [String: String] = [:]
        let staff = number.isEmpty ? nil : try await StaffRepository.find(req.sql, municipalityId: p.municipalityId, staffNumber: number)
        if staff == nil { errors["staff_number"] = l.t("この職員番号の職員はいません。", "No staff member has this number.") }
        if !(4...64).contains(card.count) || !card.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            errors["card"] = l.t("カード番号は英数字4〜64文字です。", "A card number is 4 to 64 letters or digits.")
        }
        let hash = KioskRepository.cardHash(municipalityId: p.municipalityId, card: card)
        if errors.isEmpty, let holder = try await KioskRepository.credential(req.sql, municipalityId: p.municipalityId, kind: "card", secretHash: hash), holder.staffId != staff?.id {
            errors["card"] = l.t("このカードは別の職員に登録されています。", "This card is registered to another staff member.")
        }
        guard errors.isEmpty, let s = staff else { return try await enrolledPage(req, errors: errors, status: .unprocessableEntity) }
        try await KioskRepository.saveCredential(req.yakuba.writer, KioskCredentialRow(staffId: s.id, municipalityId: p.municipalityId, kind: "card", secretHash: hash, setAtMs: nowMs()),
                                                 actor: p.staffId)
        req.session.data["flash"] = l.t("\(s.fullName)さんのICカードを登録しました。", "The IC card of \(s.fullName) is registered.")
        return req.redirect(to: "/admin/face")
    }

    // MARK: administrator: kiosk devices

    static func kiosksPage(_ req: Request, created: (KioskDeviceRow, String)? = nil, errors: [String: String] = [:], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let devices = try await KioskRepository.devices(req.sql, municipalityId: p.municipalityId)
        let face = req.yakuba.face
        var content: [N] = [el("h1", txt(l.t("打刻端末", "Kiosks")))]
        if let flash = req.takeFlash() { content.append(el("p", cls("flash"), attr("role", "status"), txt(flash))) }
        content.append(el("p", txt(l.t("庁舎の入口などに置くタブレットを打刻端末として登録します。端末では顔認証、職員番号とPIN、ICカードで打刻できます。",
                                       "Register a tablet at an entrance as a kiosk. Staff clock in there by face, by staff number and PIN, or by IC card."))))
        if let why = face.unavailable {
            content.append(el("p", cls("notice"), attr("id", "face-unavailable"), txt(l.t("顔認証のモデルを読み込めなかったため、端末ではPINとICカードだけが使えます：", "The face models could not be loaded, so kiosks offer PIN and IC card only: ") + why)))
        }
        if let (d, token) = created {
            let path = "/kiosk#token=" + token
            content.append(el("div", cls("flash"), attr("role", "status"),
                el("p", txt(l.t("「\(d.name)」を登録しました。次のリンクを端末のブラウザで開くと、その端末が打刻端末になります。リンクとトークンはこの画面を離れると二度と表示されません。",
                                "\"\(d.name)\" is registered. Open this link in the tablet's browser to make it the kiosk. The link and token will not be shown again."))),
                el("p", el("a", attr("href", path), attr("id", "pair-link"), txt(l.t("端末登録用リンク", "Kiosk registration link")))),
                el("p", txt(l.t("トークン：", "Token: ")), el("code", attr("id", "kiosk-token"), txt(token)))))
        }
        let options = try await KioskRepository.settings(req.sql, municipalityId: p.municipalityId)
        content.append(el("h2", txt(l.t("顔認証の設定", "Face recognition options"))))
        content.append(el("form", attr("method", "post"), attr("action", "/admin/kiosks/settings"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
            el("div", cls("field check"),
               el("label", void("input", [("type", "checkbox"), ("name", "smile"), ("value", "1"), ("id", "smile"), ("aria-describedby", "smile-hint")] + (options?.smile == true ? [("checked", "")] : [])),
                  txt(l.t("笑顔スコアを使う（職員本人が希望した場合だけ記録）", "Use the smile score (recorded only for staff who choose it)"))),
               el("p", attr("id", "smile-hint"), cls("hint"), txt(face.smileModel == nil ? l.t("笑顔のモデルが読み込まれていないため、今は計算されません。", "The smile model is not loaded, so no score is computed now.")
                                                                               : l.t("本人には本人の値を、所属長には5人以上の平均だけを示します。", "People see their own scores; managers only averages of five people or more.")))),
            field(id: "evidence-days", label: l.t("証拠写真の保存日数（0 = 保存しない）", "Keep evidence photos for (days; 0 = never)"), error: errors["evidence_days"],
                  hint: l.t("顔認証で打刻したときの画像を暗号化して保存し、この日数を過ぎると自動で削除します。所属長は確認画面でだけ見られます。", "The frame of each face punch is kept encrypted and deleted automatically after this many days. Managers see it only when reviewing.")) { d in
                input(id: "evidence-days", name: "evidence_days", type: "number", value: String(options?.evidenceDays ?? 0), describedBy: d, invalid: errors["evidence_days"] != nil,
                      extra: [("min", "0"), ("max", "90"), ("inputmode", "numeric")])
            },
            el("button", attr("type", "submit"), attr("id", "save-face-settings"), txt(l.t("設定を保存", "Save options")))))
        content.append(el("h2", txt(l.t("端末を登録", "Register a kiosk"))))
        content.append(el("form", attr("method", "post"), attr("action", "/admin/kiosks"), attr("novalidate", ""), hidden("_csrf", req.csrfToken),
            field(id: "kiosk-name", label: l.t("端末の名前", "Name"), error: errors["name"], hint: l.t("例：本庁舎1階入口", "e.g. Main building, ground-floor entrance")) { d in
                input(id: "kiosk-name", name: "name", value: "", describedBy: d, required: true, invalid: errors["name"] != nil, extra: [("maxlength", "100")])
            },
            field(id: "kiosk-place", label: l.t("勤務場所（打刻に記録されます）", "Place (recorded with the punches)"), error: errors["place"]) { d in
                select(id: "kiosk-place", name: "place", options: muni.placeList.map { ($0, $0) }, selected: muni.placeList.first, describedBy: d, invalid: errors["place"] != nil)
            },
            el("button", attr("type", "submit"), attr("id", "register-kiosk"), txt(l.t("登録する", "Register")))))
        content.append(el("div", tableRegion(l.t("登録済みの端末", "Registered kiosks")), el("table",
            el("caption", txt(l.t("登録済みの端末", "Registered kiosks"))),
            el("thead", el("tr", [l.t("名前", "Name"), l.t("場所", "Place"), l.t("トークンの先頭", "Token starts"), l.t("登録日", "Registered"), l.t("状態", "State"), ""].map { el("th", attr("scope", "col"), txt($0)) })),
            el("tbody", devices.map { d in
                el("tr", el("th", attr("scope", "row"), txt(d.name)), el("td", txt(d.place)), el("td", el("code", txt(d.prefix + "…"))),
                   el("td", txt(showDate(CalendarDate(dateFromMs(d.createdAtMs), in: muni.zone), l))),
                   el("td", txt(d.revokedAtMs == nil ? l.t("使用中", "Active") : l.t("失効", "Revoked"))),
                   el("td", d.revokedAtMs == nil ? el("form", attr("method", "post"), attr("action", "/admin/kiosks/\(d.id.uuidString)/revoke"), hidden("_csrf", req.csrfToken),
                                                      el("button", attr("type", "submit"), cls("secondary"), attr("aria-label", l.t("「\(d.name)」を失効させる", "Revoke \(d.name)")), txt(l.t("失効させる", "Revoke")))) : .empty))
            }))))
        return Pages.html(Pages.layout(req, title: l.t("打刻端末", "Kiosks"), content), status: status)
    }

    static func registerKiosk(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let muni = try await req.yakuba.municipality(p.municipalityId, req)
        let form = FormPairs(req)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let place = form["place"] ?? ""
        var errors: [String: String] = [:]
        if name.isEmpty || name.count > 100 { errors["name"] = l.t("端末の名前を100文字以内で入力してください。", "Enter a name of up to 100 characters.") }
        if !muni.placeList.contains(place) { errors["place"] = l.t("勤務場所を一覧から選んでください。", "Choose a place from the list.") }
        if !errors.isEmpty { return try await kiosksPage(req, errors: errors, status: .unprocessableEntity) }
        let (row, token) = try await issueKiosk(req.yakuba, municipalityId: p.municipalityId, name: name, place: place, actor: p.staffId)
        return try await kiosksPage(req, created: (row, token), status: .created)
    }

    static func saveSettings(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        let form = FormPairs(req)
        let daysText = (form["evidence_days"] ?? "0").trimmingCharacters(in: .whitespaces)
        guard let days = Int(daysText.isEmpty ? "0" : daysText), (0...90).contains(days) else {
            return try await kiosksPage(req, errors: ["evidence_days": l.t("保存日数は0〜90の整数です。", "Enter a whole number of days from 0 to 90.")], status: .unprocessableEntity)
        }
        let row = FaceSettingsRow(municipalityId: p.municipalityId, smile: form["smile"] == "1", evidenceDays: days, updatedAtMs: nowMs(), updatedBy: p.staffId)
        try await req.yakuba.writer.perform { _, sql in
            try await sql.delete(from: "face_settings").where("municipality_id", .equal, SQLBind(p.municipalityId)).run()
            try await sql.insert(into: "face_settings").model(row, with: rowEncoder).run()
            if days == 0 {
                // turned off: what was kept goes now, not after its period
                try await sql.delete(from: "punch_evidence").where("municipality_id", .equal, SQLBind(p.municipalityId)).run()
            }
            return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "face.settings", subjectId: p.municipalityId.lowerText, fact: row)]
        }
        req.yakuba.face.forgetSettings(p.municipalityId)
        req.session.data["flash"] = l.t("顔認証の設定を保存しました。", "The face recognition options are saved.")
        return req.redirect(to: "/admin/kiosks")
    }

    /// Registers a kiosk device: its token (returned, never stored) and the ledger entry.
    static func issueKiosk(_ services: YakubaServices, municipalityId: UUID, name: String, place: String, actor: UUID) async throws -> (KioskDeviceRow, String) {
        let token = TokenCache.newToken()
        let row = KioskDeviceRow(id: UUID(), municipalityId: municipalityId, name: name, place: place, tokenHash: TokenCache.hash(token),
                                 prefix: String(token.prefix(8)), createdAtMs: nowMs(), createdBy: actor, revokedAtMs: nil, revokedBy: nil)
        try await services.writer.perform { _, sql in
            try await sql.insert(into: "kiosk_devices").model(row, with: rowEncoder).run()
            struct Fact: Codable { var id: UUID; var name: String; var place: String; var prefix: String }
            return [LedgerDraft(municipalityId: municipalityId, actorId: actor, type: "kiosk.registered", subjectId: row.id.lowerText,
                                fact: Fact(id: row.id, name: name, place: place, prefix: row.prefix))]
        }
        services.face.addKiosk(row)
        return (row, token)
    }

    static func revokeKiosk(_ req: Request) async throws -> Response {
        let l = req.lang
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: UUID.self), let d = try await KioskRepository.device(req.sql, id: id), d.municipalityId == p.municipalityId else {
            throw ProblemError(status: .notFound, title: l.t("端末が見つかりません。", "Kiosk not found."))
        }
        if d.revokedAtMs == nil {
            let at = nowMs()
            try await req.yakuba.writer.perform { _, sql in
                try await sql.update("kiosk_devices").set("revoked_at_ms", to: SQLBind(at)).set("revoked_by", to: SQLBind(p.staffId)).where("id", .equal, SQLBind(id)).run()
                struct Fact: Codable { var id: UUID; var revokedAtMs: Int64 }
                return [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "kiosk.revoked", subjectId: id.lowerText, fact: Fact(id: id, revokedAtMs: at))]
            }
            req.yakuba.face.revokeKiosk(id: id)
        }
        req.session.data["flash"] = l.t("「\(d.name)」を失効させました。この端末では打刻できなくなります。", "\"\(d.name)\" is revoked; it can no longer record punches.")
        return req.redirect(to: "/admin/kiosks")
    }

    // MARK: managers: unverified face punches

    static func reviewsPage(_ req: Request, errors: [UUID: String] = [:], status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        let zone = scope.municipality.zone
        var staffIds: [UUID]? = nil
        if !p.isHR {
            staffIds = try await req.sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(p.municipalityId))
                .where("department_id", .in, SQLBind.group(Array(scope.approverOf))).all().map { try $0.decode(column: "id", as: UUID.self) }
        }
        let rows = try await KioskRepository.unreviewed(req.sql, municipalityId: p.municipalityId, staffIds: staffIds).filter { $0.staffId != p.staffId }
        let staff = try await StaffRepository.find(req.sql, ids: rows.map(\.staffId))
        let photos = try await KioskRepository.evidence(req.sql, punchIds: rows.map(\.id))
        var kioskNames: [UUID: String] = [:]
        for d in try await KioskRepository.devices(req.sql, municipalityId: p.municipalityId) { kioskNames[d.id] = d.name }
        var content: [N] = [el("h1", txt(l.t("顔認証の確認", "Face punches to review")))]
        if let flash = req.takeFlash() { content.append(el("p", cls("flash"), attr("role", "status"), txt(flash))) }
        content.append(el("p", txt(l.t("打刻端末の顔認証で一致が十分でなかった打刻です。本人の打刻か確認してください。本人ではない場合は打刻を取り消します（取消の記録が残ります）。",
                                       "Kiosk punches whose face match was not certain. Check that each was the person. If it was not, the punch is withdrawn (the withdrawal is recorded)."))))
        if rows.isEmpty {
            content.append(el("p", attr("id", "no-reviews"), txt(l.t("確認が必要な打刻はありません。", "Nothing to review."))))
        } else {
            content.append(el("div", tableRegion(l.t("確認が必要な打刻", "Punches to review")), el("table", attr("id", "reviews"),
                el("caption", txt(l.t("確認が必要な打刻", "Punches to review"))),
                el("thead", el("tr", [l.t("職員", "Staff"), l.t("日時", "When"), l.t("種類", "Kind"), l.t("端末", "Kiosk"), l.t("一致の距離", "Match distance"), l.t("確認", "Review")].map { el("th", attr("scope", "col"), txt($0)) })),
                el("tbody", rows.map { r in
                    let s = staff[r.staffId]
                    let at = dateFromMs(r.atMs)
                    let kind = PunchKind(rawValue: r.kind)
                    return el("tr", el("th", attr("scope", "row"), txt("\(s?.fullName ?? "")（\(s?.staffNumber ?? "")）")),
                              el("td", txt(showDate(CalendarDate(at, in: zone), l) + " " + showTime(at, zone))),
                              el("td", txt(kind.map { l.t($0.labelJa, $0.labelEn) } ?? r.kind), el("span", cls("method unverified"), txt(l.t("要確認", "Unverified")))),
                              el("td", txt(r.kioskId.flatMap { kioskNames[$0] } ?? ""),
                                 photos[r.id] == nil ? .empty : el("br"),
                                 photos[r.id] == nil ? .empty : link("/kiosk-reviews/\(r.id.uuidString)/photo", l.t("証拠写真", "Evidence photo"), attr("target", "_blank"), attr("rel", "noopener"))),
                              el("td", cls("num"), txt(r.faceDistanceE4.map { String(format: "%.2f", Double($0) / 10_000) } ?? "")),
                              el("td", el("form", attr("method", "post"), attr("action", "/kiosk-reviews/\(r.id.uuidString)"), cls("review-form"), hidden("_csrf", req.csrfToken),
                                          el("label", attr("for", "comment-\(r.id.uuidString)"), cls("visually-hidden"), txt(l.t("コメント（取消のときは必須）", "Comment (required to withdraw)"))),
                                          errors[r.id].map { el("p", attr("id", "comment-\(r.id.uuidString)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
                                          void("input", [("type", "text"), ("id", "comment-\(r.id.uuidString)"), ("name", "comment"), ("maxlength", "500"),
                                                         ("placeholder", l.t("コメント（取消のときは必須）", "Comment (required to withdraw)")),
                                                         ("aria-invalid", errors[r.id] != nil ? "true" : nil), ("aria-describedby", errors[r.id] != nil ? "comment-\(r.id.uuidString)-error" : nil)]),
                                          el("button", attr("type", "submit"), attr("name", "decision"), attr("value", "confirmed"), txt(l.t("本人と確認", "It was them"))),
                                          el("button", attr("type", "submit"), attr("name", "decision"), attr("value", "rejected"), cls("secondary"), txt(l.t("本人ではない（取消）", "Not them (withdraw)"))))))
                }))))
        }
        return Pages.html(Pages.layout(req, title: l.t("顔認証の確認", "Face punches to review"), content), status: status)
    }

    /// The evidence photo of a face punch, for whoever may review it; never cached.
    static func evidencePhoto(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        guard let id = req.parameters.get("punch", as: UUID.self), let ev = try await KioskRepository.evidence(req.sql, punchIds: [id])[id],
              let staff = try await StaffRepository.find(req.sql, id: ev.staffId), scope.canApprove(for: staff),
              let bytes = req.yakuba.face.vault?.open(bytes: ev.sealed, context: "evidence:" + id.lowerText) else {
            throw ProblemError(status: .notFound, title: l.t("写真はありません（保存期間を過ぎたか、保存されていません）。", "No photo (past its retention, or never kept)."))
        }
        let res = Response(status: .ok, body: .init(data: Data(bytes)))
        res.headers.replaceOrAdd(name: .contentType, value: ev.contentType == "image/png" ? "image/png" : "image/jpeg")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }

    static func review(_ req: Request) async throws -> Response {
        let l = req.lang
        let scope = try await Scope.load(req)
        let p = scope.principal
        guard let id = req.parameters.get("punch", as: UUID.self), let punch = try await PunchRepository.find(req.sql, id: id),
              let staff = try await StaffRepository.find(req.sql, id: punch.staffId), scope.canApprove(for: staff),
              punch.verification == FaceVerification.unverified.rawValue else {
            throw ProblemError(status: .notFound, title: l.t("確認する打刻が見つかりません。", "No such punch to review."))
        }
        let form = FormPairs(req)
        let comment = (form["comment"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let decision = form["decision"], decision == "confirmed" || decision == "rejected" else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("「本人と確認」か「本人ではない」を選んでください。", "Choose whether it was the person."), errors: ["decision": "confirmed|rejected"])
        }
        if decision == "rejected" && comment.isEmpty {
            return try await reviewsPage(req, errors: [id: l.t("取り消すときは、本人ではないと判断した理由をコメントに入力してください。", "To withdraw the punch, say in the comment why it was not the person.")], status: .unprocessableEntity)
        }
        if comment.count > 500 { return try await reviewsPage(req, errors: [id: l.t("コメントは500文字以内です。", "Keep the comment within 500 characters.")], status: .unprocessableEntity) }
        if try await KioskRepository.reviews(req.sql, punchIds: [id])[id] != nil {
            throw ProblemError(status: .conflict, title: l.t("この打刻はすでに確認されています。", "This punch has already been reviewed."))
        }
        let now = nowMs()
        let row = PunchReviewRow(punchId: id, municipalityId: p.municipalityId, staffId: staff.id, decision: decision, decidedBy: p.staffId, decidedAtMs: now, comment: comment)
        try await req.yakuba.writer.perform { _, sql in
            // the unique index on punch_id makes a concurrent second review fail instead of doubling
            try await sql.insert(into: "punch_reviews").model(row, with: rowEncoder).run()
            var drafts = [LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "punch.reviewed", subjectId: id.lowerText, fact: row)]
            if decision == "rejected" {
                // not the person: the punch is withdrawn by an approved correction, as any wrong punch is
                let c = CorrectionRow(id: UUID(), municipalityId: p.municipalityId, staffId: staff.id, action: CorrectionAction.void.rawValue, targetPunchId: id,
                                      kind: nil, atMs: nil, place: nil, reason: l.t("顔認証の確認で本人ではないと判断：", "Face review, not the person: ") + comment,
                                      requestedBy: p.staffId, requestedAtMs: now)
                let d = DecisionRow(correctionId: c.id, status: RequestStatus.approved.rawValue, decidedBy: p.staffId, decidedAtMs: now, comment: comment)
                try await sql.insert(into: "corrections").model(c, with: rowEncoder).run()
                try await sql.insert(into: "correction_decisions").model(d, with: rowEncoder).run()
                drafts.append(LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "correction.requested", subjectId: c.id.lowerText, fact: c))
                drafts.append(LedgerDraft(municipalityId: p.municipalityId, actorId: p.staffId, type: "correction.approved", subjectId: c.id.lowerText, fact: d))
            }
            return drafts
        }
        req.yakuba.writer.invalidate(staffId: staff.id)
        req.session.data["flash"] = decision == "confirmed" ? l.t("\(staff.fullName)さんの打刻を本人と確認しました。", "Confirmed \(staff.fullName)'s punch.")
                                                            : l.t("\(staff.fullName)さんの打刻を取り消しました。", "Withdrew the punch recorded for \(staff.fullName).")
        return req.redirect(to: "/kiosk-reviews")
    }
}

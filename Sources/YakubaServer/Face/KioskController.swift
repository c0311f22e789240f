import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaFace
import YakubaImageIO

/// The kiosk: a shared tablet at the entrance. The page is public (it holds no data); everything it does goes through
/// `/api/v1/kiosk/…` with the device's token in `X-Kiosk-Token`.
///
/// A face attempt: the kiosk starts one, then posts camera frames (JPEG, 640×480 from a canvas) until the answer is
/// `recognised` (liveness challenge passed, one enrolled person matched) or `refused`; the person then chooses 出勤 or
/// 退勤 and the kiosk posts the punch. PIN and IC card attempts are recognised (or refused) at once.
enum KioskController {
    /// frames from 160×120 to 1920×1080
    static let minFrame = (w: 160, h: 120), maxFrame = (w: 1920, h: 1080)

    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["kiosk"], access: .anonymous) { req in try await page(req) }
        r.on(.GET, ["assets", "kiosk.js"], access: .anonymous) { _ in Assets.serve(KioskAssets.js, "text/javascript; charset=utf-8") }
        r.on(.GET, ["api", "v1", "kiosk"], access: .kiosk) { req in try await about(req) }
        r.on(.POST, ["api", "v1", "kiosk", "attempts"], access: .kiosk) { req in try await start(req) }
        r.on(.POST, ["api", "v1", "kiosk", "attempts", ":attempt", "frames"], access: .kiosk, body: .collect(maxSize: "2mb")) { req in try await frame(req) }
        r.on(.POST, ["api", "v1", "kiosk", "attempts", ":attempt", "punch"], access: .kiosk) { req in try await punch(req) }
    }

    // MARK: the page

    static func page(_ req: Request) async throws -> Response {
        let l = req.lang
        let other = l == .ja ? "en" : "ja"
        func msg(_ key: String, _ ja: String, _ en: String) -> (String, String?) { ("data-m-" + key, l.t(ja, en)) }
        let messages: [(String, String?)] = [
            msg("start", "「顔で打刻」を押して、カメラに顔を向けてください。", "Press \"Clock with my face\" and look at the camera."),
            msg("camera", "カメラを使えません。PIN か IC カードで打刻してください。", "The camera is not available. Use your PIN or IC card."),
            msg("unpaired", "この端末はまだ登録されていません。管理者の「打刻端末」画面のリンクをこの端末で開いてください。",
                "This kiosk is not registered yet. Open the link from the administrator's Kiosks page on this device."),
            msg("network", "サーバーに接続できません。しばらくしてからもう一度お試しください。", "Cannot reach the server. Please try again shortly."),
            msg("facedown", "顔認証は現在使えません。PIN か IC カードで打刻してください。", "Face recognition is not available now. Use your PIN or IC card."),
            msg("recorded", "を記録しました", "recorded"),
            msg("unverified", "顔の一致が十分ではないため、所属長が確認します。", "The match was not certain, so your manager will check it."),
            msg("in", "出勤", "Clock in"), msg("out", "退勤", "Clock out"), msg("break_start", "休憩開始", "Start break"), msg("break_end", "休憩終了", "End break"),
        ]
        let html = "<!DOCTYPE html><html lang=\"\(l.rawValue)\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(escapeAttribute(l.t("打刻端末", "Kiosk"))) | Yakuba</title><link rel=\"stylesheet\" href=\"/assets/app.css\">"
            + "<script src=\"/assets/kiosk.js\" defer></script></head>"
            + el("body", cls("kiosk-body"),
                el("main", [attr("id", "main"), cls("kiosk"), attr("data-lang", l.rawValue)] + messages.map { attr($0.0, $0.1) } + [
                    el("div", cls("kiosk-head"),
                       el("h1", txt(l.t("打刻端末", "Kiosk")), el("span", attr("id", "kiosk-name"), cls("kiosk-name"))),
                       el("p", attr("id", "clock"), cls("clock"), attr("data-server-ms", String(nowMs())), attr("data-tz", req.yakuba.config.defaultTimeZone.identifier),
                          attr("aria-label", l.t("現在時刻", "Time now")), txt("--:--")),
                       link("/kiosk?lang=\(other)", l == .ja ? "English" : "日本語", attr("lang", other), attr("hreflang", other))),
                    el("section", attr("id", "pair"), attr("hidden", ""), attr("aria-labelledby", "pair-h"),
                       el("h2", attr("id", "pair-h"), txt(l.t("この端末の登録", "Register this kiosk"))),
                       el("p", attr("id", "pair-note"), cls("alert"), attr("role", "alert"), attr("hidden", "")),
                       el("p", txt(l.t("管理者が「打刻端末」画面で端末を登録すると、登録用のリンクが表示されます。そのリンクをこの端末のブラウザで開いてください。",
                                       "When an administrator registers a kiosk on the Kiosks page, a registration link is shown. Open that link in this device's browser."))),
                       el("form", attr("id", "pair-form"),
                          field(id: "pair-token", label: l.t("端末トークン（リンクの代わりに入力する場合）", "Kiosk token (instead of the link)"), error: nil) { d in
                              input(id: "pair-token", name: "token", value: "", describedBy: d, extra: [("autocomplete", "off"), ("spellcheck", "false")])
                          },
                          el("button", attr("type", "submit"), txt(l.t("登録する", "Register"))))),
                    el("section", attr("id", "face"), attr("aria-labelledby", "face-h"),
                       el("h2", attr("id", "face-h"), cls("visually-hidden"), txt(l.t("顔認証で打刻", "Clock in with your face"))),
                       el("div", cls("camera"),
                          el("video", attr("id", "camera"), attr("autoplay", ""), attr("playsinline", ""), attr("muted", ""), attr("aria-hidden", "true")),
                          el("canvas", attr("id", "frame"), attr("width", "640"), attr("height", "480"), attr("hidden", ""))),
                       el("p", attr("id", "instruction"), cls("instruction"), attr("role", "status"), attr("aria-live", "polite"),
                          txt(l.t("「顔で打刻」を押して、カメラに顔を向けてください。", "Press \"Clock with my face\" and look at the camera."))),
                       el("form", attr("id", "face-form"), cls("kiosk-start"),
                          field(id: "face-staff-number", label: l.t("職員番号（任意：入力すると本人との照合だけを行います）", "Staff number (optional: then only you are compared)"), error: nil) { d in
                              input(id: "face-staff-number", name: "staff_number", value: "", describedBy: d, extra: [("inputmode", "numeric"), ("autocomplete", "off"), ("maxlength", "32")])
                          },
                          el("button", attr("type", "submit"), attr("id", "start-face"), cls("big"), txt(l.t("顔で打刻", "Clock with my face"))))),
                    el("section", attr("id", "choose"), attr("hidden", ""), attr("aria-labelledby", "greeting"),
                       el("h2", attr("id", "greeting"), attr("tabindex", "-1")),
                       el("p", attr("id", "match-note"), cls("muted")),
                       el("div", attr("id", "choices")),
                       el("button", attr("type", "button"), attr("id", "cancel"), cls("secondary"), txt(l.t("やめる", "Cancel")))),
                    el("section", attr("id", "result"), attr("hidden", ""), attr("aria-labelledby", "result-text"),
                       el("p", attr("id", "result-text"), cls("result"), attr("role", "alert"), attr("tabindex", "-1"))),
                    el("details", attr("id", "fallback"),
                       el("summary", txt(l.t("顔認証を使わずに打刻する（職員番号とPIN・ICカード）", "Clock without face recognition (staff number and PIN, IC card)"))),
                       el("form", attr("id", "pin-form"), attr("novalidate", ""),
                          el("h2", txt(l.t("職員番号とPIN", "Staff number and PIN"))),
                          field(id: "pin-staff-number", label: l.t("職員番号", "Staff number"), error: nil) { d in
                              input(id: "pin-staff-number", name: "staff_number", value: "", describedBy: d, extra: [("inputmode", "numeric"), ("autocomplete", "off"), ("maxlength", "32")])
                          },
                          field(id: "pin", label: "PIN", error: nil, hint: l.t("PINは各自の「顔認証・PIN」画面で設定します。", "Set your PIN on your own Face & PIN page.")) { d in
                              input(id: "pin", name: "pin", type: "password", value: "", describedBy: d, extra: [("inputmode", "numeric"), ("autocomplete", "off"), ("maxlength", "12")])
                          },
                          el("p", attr("id", "pin-error"), cls("error"), attr("role", "alert"), attr("hidden", "")),
                          el("button", attr("type", "submit"), txt(l.t("確認", "Continue")))),
                       el("form", attr("id", "card-form"), attr("novalidate", ""),
                          el("h2", txt(l.t("ICカード", "IC card"))),
                          field(id: "card", label: l.t("カード番号（読み取り機にカードをかざすと入力されます）", "Card number (filled in when you touch the reader)"), error: nil) { d in
                              input(id: "card", name: "card", type: "password", value: "", describedBy: d, extra: [("autocomplete", "off"), ("maxlength", "64")])
                          },
                          el("p", attr("id", "card-error"), cls("error"), attr("role", "alert"), attr("hidden", "")),
                          el("button", attr("type", "submit"), txt(l.t("確認", "Continue"))))),
                    el("p", cls("muted kiosk-privacy"), txt(l.t("顔の画像はこの庁舎のサーバーで照合し、保存しません。", "Your face is compared on this city hall's own server and the image is not kept.")))
                ])).render()
            + "</html>"
        return Pages.html(html)
    }

    // MARK: API

    struct AboutJSON: Content { var name: String; var place: String; var municipality: String; var time_zone: String; var face: Bool; var face_unavailable: String? }

    static func about(_ req: Request) async throws -> Response {
        let k = try requireKiosk(req)
        let muni = try await req.yakuba.municipality(k.municipalityId, req)
        let f = req.yakuba.face
        let on = f.models != nil && f.vault != nil
        return try await AboutJSON(name: k.name, place: k.place, municipality: muni.name, time_zone: muni.timeZone, face: on,
                                   face_unavailable: on ? nil : req.lang.t("顔認証のモデルが読み込まれていません。", "The face models are not loaded.")).encodeResponse(for: req)
    }

    static func requireKiosk(_ req: Request) throws -> KioskDeviceRow {
        guard let k = req.kiosk else { throw ProblemError(status: .unauthorized, title: req.lang.t("登録された打刻端末からだけ使えます。", "Only a registered kiosk may call this."), code: "kiosk_not_registered") }
        return k
    }

    struct StartBody: Content { var method: String?; var staff_number: String?; var pin: String?; var card: String? }

    /// What the kiosk shows after each step.
    struct AttemptJSON: Content {
        var attempt: UUID
        var method: String
        /// `look` (no face yet, or not frontal), `no_face`, `several_faces`, `turn`, `recognised`, `refused`
        var state: String
        var message: String
        var challenge: String? = nil
        var code: String? = nil
        var person: Person? = nil
        var next: [String]? = nil
        var verification: String? = nil
        var distance: Double? = nil
        struct Person: Content { var name: String; var staff_number: String }
    }

    static func problem(_ req: Request, _ status: HTTPResponseStatus, _ ja: String, _ en: String, code: String, field: String? = nil) -> ProblemError {
        ProblemError(status: status, title: req.lang.t(ja, en), errors: field.map { [$0: req.lang.t(ja, en)] } ?? [:], code: code)
    }

    static func start(_ req: Request) async throws -> Response {
        let l = req.lang
        let k = try requireKiosk(req)
        let face = req.yakuba.face
        let body: StartBody
        do { body = try req.content.decode(StartBody.self, as: .json) } catch {
            throw problem(req, .badRequest, "JSON の形式が正しくありません。", "The body is not valid JSON of the expected shape.", code: "malformed_body")
        }
        let now = Date()
        let number = (body.staff_number ?? "").trimmingCharacters(in: .whitespaces)
        guard let method = body.method.flatMap(KioskMethod.init(rawValue:)) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("入力内容に誤りがあります。", "Some fields are invalid."),
                               errors: ["method": l.t("method は face, pin, card のいずれかです。", "method must be face, pin or card.")], code: "validation")
        }
        var attempt = KioskAttempt(id: UUID(), kioskId: k.id, municipalityId: k.municipalityId, method: method, target: nil, createdAt: now,
                                   expiresAt: now.addingTimeInterval(60), liveness: LivenessCheck(challenge: TurnDirection.allCases.randomElement()!, settings: face.liveness))
        switch method {
        case .face:
            guard face.models != nil, face.vault != nil else {
                throw problem(req, .conflict, "顔認証は現在使えません。PIN か IC カードで打刻してください。", "Face recognition is not available now. Use your PIN or IC card.", code: "face_unavailable")
            }
            if !number.isEmpty {
                guard let s = try await StaffRepository.find(req.sql, municipalityId: k.municipalityId, staffNumber: number), s.active,
                      face.isEnrolled(s.id, municipalityId: k.municipalityId) else {
                    throw problem(req, .unprocessableEntity, "この職員番号の顔は登録されていません。", "No face is enrolled for this staff number.", code: "not_enrolled", field: "staff_number")
                }
                attempt.target = s.id
            }
            face.start(attempt, now: now)
            let dir = attempt.liveness.challenge
            return try await AttemptJSON(attempt: attempt.id, method: method.rawValue, state: "look",
                                         message: l.t("カメラに顔を向けてください。", "Look at the camera."), challenge: dir.rawValue)
                .encodeResponse(status: .created, for: req)
        case .pin:
            let pin = body.pin ?? ""
            var errors: [String: String] = [:]
            if number.isEmpty || number.count > 32 { errors["staff_number"] = l.t("職員番号を入力してください。", "Enter your staff number.") }
            if pin.isEmpty || pin.count > 12 { errors["pin"] = l.t("PINを入力してください。", "Enter your PIN.") }
            if !errors.isEmpty { throw ProblemError(status: .unprocessableEntity, title: l.t("入力内容に誤りがあります。", "Some fields are invalid."), errors: errors, code: "validation") }
            let account = "kiosk-pin:\(k.municipalityId.lowerText):\(number)", address = "kiosk:\(k.id.lowerText)"
            if face.throttle.isBlocked(account: account, address: address) {
                throw problem(req, .tooManyRequests, "PINの誤りが続いたため、しばらく使えません。15分ほどしてから、またはICカードでお試しください。",
                              "Too many wrong PINs. Try again in about 15 minutes, or use your IC card.", code: "throttled")
            }
            let staff = try await StaffRepository.find(req.sql, municipalityId: k.municipalityId, staffNumber: number)
            var cred: KioskCredentialRow? = nil
            if let s = staff { cred = try await KioskRepository.credentials(req.sql, staffId: s.id).first { $0.kind == "pin" } }
            var ok = false
            if let s = staff, s.active, let c = cred { ok = try await req.password.async.verify(pin, created: c.secretHash) }
            else { _ = try? await req.password.async.hash("timing-equaliser") }
            guard ok, let s = staff else {
                face.throttle.fail(account: account, address: address)
                throw problem(req, .unauthorized, "職員番号またはPINが違います。", "The staff number or PIN is wrong.", code: "pin_wrong", field: "pin")
            }
            face.throttle.succeed(account: account)
            attempt.state = .recognised(staffId: s.id, verification: nil, distanceE4: nil, at: now)
            face.start(attempt, now: now)
            return try await recognised(req, attempt, s, status: .created)
        case .card:
            let card = (body.card ?? "").filter { !$0.isWhitespace }
            guard (4...64).contains(card.count), card.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw problem(req, .unprocessableEntity, "カードを読み取れませんでした。もう一度かざしてください。", "The card could not be read. Touch the reader again.", code: "validation", field: "card")
            }
            let address = "kiosk:\(k.id.lowerText)"
            if face.throttle.isBlocked(account: "kiosk-card", address: address) {
                throw problem(req, .tooManyRequests, "登録されていないカードが続いたため、しばらく使えません。", "Too many unknown cards. Please wait a while.", code: "throttled")
            }
            let hash = KioskRepository.cardHash(municipalityId: k.municipalityId, card: card)
            guard let c = try await KioskRepository.credential(req.sql, municipalityId: k.municipalityId, kind: "card", secretHash: hash),
                  let s = try await StaffRepository.find(req.sql, id: c.staffId), s.active else {
                face.throttle.fail(account: "kiosk-card:\(hash)", address: address)
                throw problem(req, .unauthorized, "このカードは登録されていません。", "This card is not registered.", code: "card_unknown", field: "card")
            }
            attempt.state = .recognised(staffId: s.id, verification: nil, distanceE4: nil, at: now)
            face.start(attempt, now: now)
            return try await recognised(req, attempt, s, status: .created)
        }
    }

    static func greeting(_ now: Date, zone: TimeZone, _ l: Lang) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.hour, .minute], from: now)
        let minute = (c.hour ?? 0) * 60 + (c.minute ?? 0)
        if minute < 10 * 60 + 30 { return l.t("おはようございます", "Good morning") }
        if minute < 17 * 60 { return l.t("こんにちは", "Hello") }
        return l.t("お疲れさまです", "Good evening")
    }

    /// The answer once the person is known: their name, a greeting and what they may punch now.
    static func recognised(_ req: Request, _ a: KioskAttempt, _ s: StaffRow, status: HTTPResponseStatus = .ok) async throws -> Response {
        let l = req.lang
        let muni = try await req.yakuba.municipality(a.municipalityId, req)
        let now = Date()
        let recent = try await req.yakuba.writer.recent(staffId: s.id)
        let next = SessionBuilder.state(recent.effective, now: now, abandonAfter: req.yakuba.writer.abandonAfter).allowedNext
        var verification: String? = nil, distance: Double? = nil
        if case .recognised(_, let v, let d, _) = a.state { verification = v?.rawValue; distance = d.map { Double($0) / 10_000 } }
        return try await AttemptJSON(attempt: a.id, method: a.method.rawValue, state: "recognised",
                                     message: l.t("\(s.familyName)さん、\(greeting(now, zone: muni.zone, l))。", "\(greeting(now, zone: muni.zone, l)), \(s.fullName)."),
                                     person: .init(name: s.fullName, staff_number: s.staffNumber), next: next.map(\.rawValue),
                                     verification: verification, distance: distance).encodeResponse(status: status, for: req)
    }

    static func attemptId(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("attempt", as: UUID.self) else {
            throw problem(req, .notFound, "この打刻の手続きは見つかりません。最初からやり直してください。", "This attempt was not found. Start again.", code: "attempt_not_found")
        }
        return id
    }

    /// One camera frame of a face attempt.
    static func frame(_ req: Request) async throws -> Response {
        let l = req.lang
        let k = try requireKiosk(req)
        let face = req.yakuba.face
        let id = try attemptId(req)
        let now = Date()
        let type = (req.headers.first(name: .contentType) ?? "").lowercased()
        guard type.hasPrefix("image/jpeg") || type.hasPrefix("image/png") else {
            throw problem(req, .unsupportedMediaType, "フレームは JPEG か PNG の画像で送ってください。", "Send the frame as a JPEG or PNG image.", code: "unsupported_media_type")
        }
        guard let seqText = req.headers.first(name: "X-Frame-Seq"), let seq = Int(seqText), seq > 0 else {
            throw problem(req, .unprocessableEntity, "X-Frame-Seq（1から増える番号）がありません。", "X-Frame-Seq (a number counting up from 1) is missing.", code: "validation", field: "X-Frame-Seq")
        }
        guard let buffer = req.body.data, buffer.readableBytes > 0 else {
            throw problem(req, .unprocessableEntity, "画像が空です。", "The image is empty.", code: "bad_frame")
        }
        // the route collects at most 2 MB from the network; a body handed over whole is held to the same
        guard buffer.readableBytes <= 2 * 1024 * 1024 else {
            throw problem(req, .payloadTooLarge, "画像が大きすぎます（2 MB まで）。", "The image is too large (at most 2 MB).", code: "too_large")
        }
        let bytes = Array(buffer.readableBytesView)
        // the attempt: this kiosk's, still open, and this frame newer than the last
        let check: (KioskAttempt?, String?) = face.update(id, kioskId: k.id) { a in
            if a.expiresAt <= now { return (nil, "expired") }
            guard a.method == .face, a.state == .running else { return (nil, "finished") }
            guard seq > a.lastSeq else { return (nil, "replayed") }
            a.lastSeq = seq
            return (a, nil)
        } ?? (nil, "unknown")
        switch check.1 {
        case "unknown"?: throw problem(req, .notFound, "この打刻の手続きは見つかりません。最初からやり直してください。", "This attempt was not found. Start again.", code: "attempt_not_found")
        case "expired"?: throw problem(req, .gone, "時間切れです。最初からやり直してください。", "Time is up. Please start again.", code: "attempt_expired")
        case "finished"?: throw problem(req, .conflict, "この手続きは終わっています。最初からやり直してください。", "This attempt has ended. Start again.", code: "attempt_finished")
        case "replayed"?: throw problem(req, .conflict, "同じフレームが再送されました。", "This frame was sent before.", code: "replayed_frame")
        default: break
        }
        // out of time for the challenge: refused whatever this frame holds
        let timedOut = face.update(id, kioskId: k.id) { a -> Bool in
            a.frames += 1
            return a.firstFaceAt.map { now.timeIntervalSince($0) > face.challengeSeconds } ?? false
        } ?? false
        if timedOut {
            _ = face.update(id, kioskId: k.id) { $0.state = .refused(code: "liveness_failed") }
            req.logger.info("kiosk \(k.id.lowerText): attempt refused (liveness_failed)")
            return try await AttemptJSON(attempt: id, method: "face", state: "refused", message: l.t(
                "本人確認（顔の向きの確認）ができませんでした。写真や画面では打刻できません。もう一度お試しいただくか、PIN か IC カードで打刻してください。",
                "We could not confirm a live person (the head turn). Photos and screens cannot clock in. Try again, or use your PIN or IC card."), code: "liveness_failed").encodeResponse(for: req)
        }
        // a live camera never sends the same bytes twice: a frame seen before (from this kiosk) is a replay
        if face.isReplay(bytes, kioskId: k.id) {
            throw problem(req, .conflict, "同じフレームが再送されました。", "This frame was sent before.", code: "replayed_frame")
        }
        let options = try await face.settings(k.municipalityId, req.sql)
        let wantSmile = options?.smile == true && face.smileModel != nil
        let keepFrame = (options?.evidenceDays ?? 0) > 0
        let described = try await face.describe(bytes, maxPixels: maxFrame.w * maxFrame.h, smile: wantSmile, on: req.eventLoop).get()
        let image: RGBImage, faces: [FaceDescription], smile: Float?
        switch described {
        case .failure:
            // too large a frame is refused by the decoder before it allocates; both are the kiosk's fault, not the person's
            throw problem(req, .unprocessableEntity, "画像を読み取れません（JPEG か PNG、\(maxFrame.w)×\(maxFrame.h) 以下）。",
                          "The image cannot be read (JPEG or PNG, at most \(maxFrame.w)×\(maxFrame.h)).", code: "bad_frame")
        case .success(let r): (image, faces, smile) = (r.image, r.faces, r.smile)
        }
        guard image.width >= minFrame.w, image.height >= minFrame.h, image.width <= maxFrame.w, image.height <= maxFrame.h else {
            throw problem(req, .unprocessableEntity, "フレームの大きさは \(minFrame.w)×\(minFrame.h) から \(maxFrame.w)×\(maxFrame.h) までです。",
                          "A frame must be from \(minFrame.w)×\(minFrame.h) to \(maxFrame.w)×\(maxFrame.h).", code: "frame_size")
        }
        let real = faces.filter(\.confirmed)
        func answer(_ state: String, _ ja: String, _ en: String, challenge: TurnDirection? = nil, code: String? = nil) async throws -> Response {
            try await AttemptJSON(attempt: id, method: "face", state: state, message: l.t(ja, en), challenge: challenge?.rawValue, code: code).encodeResponse(for: req)
        }
        // a step that ends the attempt, refused
        func refuse(_ code: String, _ ja: String, _ en: String) async throws -> Response {
            _ = face.update(id, kioskId: k.id) { $0.state = .refused(code: code) }
            req.logger.info("kiosk \(k.id.lowerText): attempt refused (\(code))")
            return try await answer("refused", ja, en, code: code)
        }
        if real.count > 1 { return try await answer("several_faces", "一人ずつカメラに向かってください。", "One person at a time, please.") }
        guard let f = real.first, let yaw = HeadPose.yaw(f.landmarks) else {
            return try await answer("no_face", "顔が見つかりません。カメラの正面に立ってください。", "No face found. Stand in front of the camera.")
        }
        let target = face.update(id, kioskId: k.id) { $0.target } ?? nil
        let matches = face.nearest(f.descriptor, municipalityId: k.municipalityId, target: target)
        let best = matches.first
        let verdict = best.map { face.policy.verdict(best: $0.distance, second: matches.count > 1 ? matches[1].distance : nil) } ?? .unknown
        enum Step { case refuse(String), unknown(Int), progress(LivenessCheck.Stage, KioskAttempt) }
        let step: Step = face.update(id, kioskId: k.id) { a -> Step in
            if a.firstFaceAt == nil { a.firstFaceAt = now }
            guard verdict != .unknown, let b = best else {
                a.unknownFrames += 1
                return .unknown(a.unknownFrames)
            }
            if let c = a.candidate, c != b.staffId { return .refuse("person_changed") }
            a.candidate = b.staffId
            if b.distance < a.bestDistance {
                a.bestDistance = b.distance
                a.secondDistance = matches.count > 1 ? matches[1].distance : nil
                if keepFrame { a.bestFrame = bytes; a.bestFrameType = type.hasPrefix("image/png") ? "image/png" : "image/jpeg" }
            }
            if let s = smile, abs(yaw) <= face.liveness.frontalMax { a.smile = max(a.smile ?? 0, s) }
            let stage = a.liveness.observe(yaw: yaw)
            if stage == .passed {
                let v = face.policy.verdict(best: a.bestDistance, second: a.secondDistance)
                a.state = .recognised(staffId: b.staffId, verification: v == .verified ? .verified : .unverified,
                                      distanceE4: Int((a.bestDistance * 10_000).rounded()), at: now)
                a.expiresAt = now.addingTimeInterval(face.chooseSeconds)
            }
            return .progress(stage, a)
        } ?? .refuse("attempt_not_found")
        switch step {
        case .refuse("person_changed"):
            return try await refuse("person_changed", "途中で別の方に替わりました。お一人ずつ最初からやり直してください。", "The person changed. Start again, one person at a time.")
        case .refuse:
            throw problem(req, .notFound, "この打刻の手続きは見つかりません。最初からやり直してください。", "This attempt was not found. Start again.", code: "attempt_not_found")
        case .unknown(let n):
            if n >= face.unknownFramesToRefuse {
                return try await refuse("not_recognised", target == nil ? "登録されている職員と一致しませんでした。顔を登録していない方は PIN か IC カードで打刻してください。"
                                                                        : "入力された職員番号の方と一致しませんでした。PIN か IC カードで打刻してください。",
                                        target == nil ? "You did not match any enrolled staff member. If you have not enrolled, use your PIN or IC card."
                                                      : "You did not match the staff number entered. Use your PIN or IC card.")
            }
            return try await answer("look", "照合しています。カメラの正面で少しお待ちください。", "Matching. Please stay in front of the camera.")
        case .progress(let stage, let a):
            switch stage {
            case .lookAtCamera:
                return try await answer("look", "まずカメラの正面を向いてください。", "First, look straight at the camera.", challenge: a.liveness.challenge)
            case .turn(let d):
                return try await answer("turn", "ゆっくり\(d.labelJa)を向いてください。", "Slowly turn your head to the \(d.labelEn).", challenge: d)
            case .passed:
                guard case .recognised(let sid, _, _, _) = a.state, let s = try await StaffRepository.find(req.sql, id: sid), s.active else {
                    return try await refuse("not_recognised", "登録されている職員と一致しませんでした。", "You did not match any enrolled staff member.")
                }
                return try await recognised(req, a, s)
            }
        }
    }

    /// After a face punch: the smile score at clock-in (municipality and person both opted in) and the evidence photo
    /// (when the municipality keeps them). Answers the words the person sees about the smile, if any.
    static func afterFacePunch(_ req: Request, row: PunchRow, attempt a: KioskAttempt, kind: PunchKind, zone: TimeZone) async throws -> String {
        let face = req.yakuba.face
        guard let options = try await face.settings(a.municipalityId, req.sql) else { return "" }
        var note = ""
        if options.smile, kind == .clockIn, let s = a.smile, try await KioskRepository.smileConsented(req.sql, staffId: row.staffId) {
            let score = SmileScoreRow(id: UUID(), municipalityId: a.municipalityId, staffId: row.staffId, date: CalendarDate(dateFromMs(row.atMs), in: zone).iso,
                                      score: Int((s * 100).rounded()), punchId: row.id, recordedAtMs: nowMs())
            try await req.yakuba.writer.perform { _, sql in
                try await sql.insert(into: "smile_scores").model(score, with: rowEncoder).run()
                return [LedgerDraft(municipalityId: a.municipalityId, actorId: row.staffId, type: "smile.recorded", subjectId: score.id.lowerText, fact: score)]
            }
            note = req.lang.t("笑顔スコア \(score.score)。", " Smile score \(score.score).")
        }
        if options.evidenceDays > 0, let frame = a.bestFrame, let vault = face.vault {
            let now = nowMs()
            let ev = PunchEvidenceRow(punchId: row.id, municipalityId: a.municipalityId, staffId: row.staffId,
                                      sealed: try vault.seal(bytes: frame, context: "evidence:" + row.id.lowerText), contentType: a.bestFrameType,
                                      createdAtMs: now, deleteAfterMs: now + Int64(options.evidenceDays) * 86_400_000)
            try await req.yakuba.writer.perform { _, sql in
                try await sql.insert(into: "punch_evidence").model(ev, with: rowEncoder).run()
                struct Fact: Codable { var punchId: UUID; var deleteAfterMs: Int64 }
                return [LedgerDraft(municipalityId: a.municipalityId, actorId: nil, type: "evidence.stored", subjectId: row.id.lowerText,
                                    fact: Fact(punchId: row.id, deleteAfterMs: ev.deleteAfterMs))]
            }
        }
        return note
    }

    struct PunchBody: Content { var kind: String? }
    struct PunchAnswer: Content { var punch: PunchJSON; var message: String; var method: String; var verification: String? }

    /// 出勤 / 退勤 (or a break) for a recognised attempt. Sent twice (a lost answer), it answers the same punch.
    static func punch(_ req: Request) async throws -> Response {
        let l = req.lang
        let k = try requireKiosk(req)
        let face = req.yakuba.face
        let id = try attemptId(req)
        let body: PunchBody
        do { body = try req.content.decode(PunchBody.self, as: .json) } catch {
            throw problem(req, .badRequest, "JSON の形式が正しくありません。", "The body is not valid JSON of the expected shape.", code: "malformed_body")
        }
        guard let kind = body.kind.flatMap(PunchKind.init(rawValue:)) else {
            throw ProblemError(status: .unprocessableEntity, title: l.t("入力内容に誤りがあります。", "Some fields are invalid."),
                               errors: ["kind": l.t("kind は in, out, break_start, break_end のいずれかです。", "kind must be one of in, out, break_start, break_end.")], code: "validation")
        }
        let now = Date()
        guard let a = face.update(id, kioskId: k.id, { $0 }) else {
            throw problem(req, .notFound, "この打刻の手続きは見つかりません。最初からやり直してください。", "This attempt was not found. Start again.", code: "attempt_not_found")
        }
        let staffId: UUID, details: KioskPunchDetails
        switch a.state {
        case .recognised(let sid, let v, let d, _):
            guard a.expiresAt > now else { throw problem(req, .gone, "時間切れです。最初からやり直してください。", "Time is up. Please start again.", code: "attempt_expired") }
            staffId = sid
            details = KioskPunchDetails(method: a.method, kioskId: k.id, faceDistanceE4: d, verification: v)
        case .punched:
            // the same request again: the writer answers the stored punch by its idempotency key
            guard let sid = a.candidate else {
                throw problem(req, .conflict, "本人確認が済んでいません。最初からやり直してください。", "You have not been identified. Start again.", code: "not_recognised")
            }
            staffId = sid
            details = KioskPunchDetails(method: a.method, kioskId: k.id, faceDistanceE4: nil, verification: nil)
        default:
            throw problem(req, .conflict, "本人確認が済んでいません。最初からやり直してください。", "You have not been identified. Start again.", code: "not_recognised")
        }
        let muni = try await req.yakuba.context(k.municipalityId, req)
        let cmd = PunchCommand(staffId: staffId, municipalityId: k.municipalityId, kind: kind, place: k.place, deviceAt: nil, source: .selfService,
                               recordedBy: staffId, idempotencyKey: "kiosk:" + id.lowerText, at: nil, kiosk: details)
        let outcome = try await req.yakuba.writer.punch(cmd)
        var smileNote = ""
        if case .created(let row) = outcome, a.method == .face {
            smileNote = try await afterFacePunch(req, row: row, attempt: a, kind: kind, zone: muni.zone)
        }
        switch outcome {
        case .created(let row), .replayed(let row):
            guard row.kind == kind.rawValue else {
                throw problem(req, .conflict, "この手続きでは既に別の打刻を記録しました。", "This attempt already recorded a different punch.", code: "already_punched")
            }
            _ = face.update(id, kioskId: k.id) { at in
                if case .recognised(let sid, _, _, _) = at.state { at.candidate = sid }
                at.state = .punched(punchId: row.id)
            }
            let time = showTime(dateFromMs(row.atMs), muni.zone)
            let unverified = row.verification == FaceVerification.unverified.rawValue
            let message = l.t("\(kind.labelJa)を \(time) に記録しました（\(k.place)）。", "\(kind.labelEn) recorded at \(time) (\(k.place)).")
                + (unverified ? l.t("顔の一致が十分ではないため、所属長が確認します。", " The match was not certain, so your manager will check it.") : "") + smileNote
            return try await PunchAnswer(punch: PunchJSON(row, zone: muni.zone), message: message, method: a.method.rawValue, verification: row.verification)
                .encodeResponse(status: .created, for: req)
        case .rejected(let v):
            throw ProblemError(status: .conflict, title: l.t(v.messageJa, v.messageEn), code: v.rawValue)
        }
    }
}

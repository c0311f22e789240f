import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import NIOCore
@testable import YakubaServer
import YakubaCore

/// The kiosk without face models (as every plain test run is): devices, the PIN and IC-card fallbacks, the review of
/// unverified face punches, the sealing of embeddings. The face journey itself is in `KioskFaceTests`.
@Suite("Kiosk")
struct KioskTests {
    /// Registers a kiosk as the administrator; answers the device and its token (read from the page, shown once).
    static func registerKiosk(_ city: TestCity, name: String = "本庁舎1階入口") async throws -> (id: UUID, token: String) {
        let b = Browser(city.app)
        try await b.login(city.admin.staffNumber)
        try await b.get("/admin/kiosks")
        let res = try await b.post("/admin/kiosks", ["name": name, "place": "本庁舎"])
        #expect(res.status == .created, "kiosk registered: \(res.status)")
        let body = res.body.string
        guard let r = body.range(of: "id=\"kiosk-token\">") else { Issue.record("no token on the page"); throw Abort(.internalServerError) }
        let token = String(body[r.upperBound...].prefix { $0 != "<" })
        let id = try await city.app.db.sql.select().column("id").from("kiosk_devices").where("name", .equal, SQLBind(name)).first(decodingColumn: "id", as: UUID.self)!
        return (id, token)
    }

    static func kiosk(_ app: Application, _ method: HTTPMethod, _ path: String, token: String, json: String? = nil,
                      body: [UInt8]? = nil, headers extra: [(String, String)] = []) async throws -> TestingHTTPResponse {
        var h: HTTPHeaders = ["X-Kiosk-Token": token]
        if json != nil { h.replaceOrAdd(name: .contentType, value: "application/json") }
        for (k, v) in extra { h.replaceOrAdd(name: k, value: v) }
        let buffer = json.map { ByteBuffer(string: $0) } ?? body.map { ByteBuffer(bytes: $0) }
        return try await app.testing().sendRequest(method, path, headers: h, body: buffer)
    }

    struct Attempt: Decodable { var attempt: UUID; var state: String; var message: String; var code: String?; var next: [String]?; var verification: String?; var challenge: String?
        struct Person: Decodable { var name: String; var staff_number: String }; var person: Person? }
    struct Problem: Decodable { var status: Int; var title: String; var code: String?; var errors: [String: String]? }
    struct Punched: Decodable { var message: String; var method: String; var verification: String?; struct P: Decodable { var id: UUID; var kind: String; var place: String }; var punch: P }

    static func setPIN(_ city: TestCity, _ staff: StaffRow, _ pin: String) async throws {
        let b = Browser(city.app)
        try await b.login(staff.staffNumber)
        try await b.get("/face")
        let res = try await b.post("/face/pin", ["pin": pin, "pin2": pin])
        #expect(res.status == .seeOther, "PIN set: \(res.status)")
    }

    @Test func anAdministratorRegistersAKioskWhoseTokenIsShownOnceAndCanBeRevoked() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.login(city.admin.staffNumber)
            try await b.get("/admin/kiosks")
            let bad = try await b.post("/admin/kiosks", ["name": "", "place": "月面"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("端末の名前を100文字以内で入力してください。") && bad.body.string.contains("勤務場所を一覧から選んでください。"))
            let (id, token) = try await Self.registerKiosk(city)
            #expect(token.count >= 32)
            let about = try await Self.kiosk(city.app, .GET, "/api/v1/kiosk", token: token)
            #expect(about.status == .ok)
            let modelsLoaded = city.app.yakuba.face.models != nil
            #expect(about.body.string.contains("\"place\":\"本庁舎\"") && about.body.string.contains("\"face\":\(modelsLoaded)"))
            // the token is stored as a hash only and shown on no later page
            let stored = try await city.app.db.sql.select().column("token_hash").from("kiosk_devices").where("id", .equal, SQLBind(id)).first(decodingColumn: "token_hash", as: String.self)!
            #expect(stored != token && stored.count == 64)
            #expect(!(try await b.get("/admin/kiosks")).body.string.contains(token))
            // a wrong token, and no token
            #expect(try await Self.kiosk(city.app, .GET, "/api/v1/kiosk", token: "not-a-token").status == .unauthorized)
            #expect(try await city.app.testing().sendRequest(.GET, "/api/v1/kiosk").status == .unauthorized)
            // revoked: refused at once, with a message the kiosk shows
            try await b.get("/admin/kiosks")
            #expect(try await b.post("/admin/kiosks/\(id.uuidString)/revoke", [:]).status == .seeOther)
            let after = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"pin","staff_number":"1","pin":"1"}"#)
            #expect(after.status == .unauthorized)
            #expect(try decodeJSON(after, as: Problem.self).code == "kiosk_not_registered")
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.contains("kiosk.registered") && types.contains("kiosk.revoked"))
        }
    }

    @Test func aPINPunchIsRecordedWithTheKioskAndWrongPINsAreThrottled() async throws {
        try await withCity { city in
            // the PIN form refuses short, trivial and mismatched PINs beside the field
            let b = Browser(city.app)
            try await b.login(city.staffA.staffNumber)
            try await b.get("/face")
            for (pin, pin2, message) in [("12", "12", "PINは数字4〜8桁です。"), ("1111", "1111", "同じ数字や連続した数字だけのPINは使えません。"),
                                         ("2468", "2469", "2つのPINが一致しません。"), ("12a4", "12a4", "PINは数字4〜8桁です。")] {
                let res = try await b.post("/face/pin", ["pin": pin, "pin2": pin2])
                #expect(res.status == .unprocessableEntity && res.body.string.contains(message), "\(pin)/\(pin2)")
            }
            try await Self.setPIN(city, city.staffA, "4826")
            try await Self.setPIN(city, city.staffA2, "5937")
            let (kioskId, token) = try await Self.registerKiosk(city)
            // face needs models: a server without them tells the kiosk to use the fallbacks (this suite also runs with them)
            if city.app.yakuba.face.models == nil {
                let face = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"face"}"#)
                #expect(try face.status == .conflict && (try decodeJSON(face, as: Problem.self)).code == "face_unavailable")
            }
            let missing = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"pin"}"#)
            #expect(missing.status == .unprocessableEntity)
            #expect(Set((try decodeJSON(missing, as: Problem.self)).errors?.keys.map { $0 } ?? []) == ["staff_number", "pin"])
            #expect(try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: "{not json").status == .badRequest)
            #expect(try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"iris"}"#).status == .unprocessableEntity)
            // five wrong PINs for one person, then even the right one waits
            for _ in 0..<5 {
                let wrong = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"pin","staff_number":"\#(city.staffA.staffNumber)","pin":"0000"}"#)
                #expect(try wrong.status == .unauthorized && (try decodeJSON(wrong, as: Problem.self)).code == "pin_wrong")
            }
            let blocked = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"pin","staff_number":"\#(city.staffA.staffNumber)","pin":"4826"}"#)
            #expect(blocked.status == .tooManyRequests)
            // another person on the same kiosk is not held up by it
            let ok = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"pin","staff_number":"\#(city.staffA2.staffNumber)","pin":"5937"}"#)
            #expect(ok.status == .created, "\(ok.body.string)")
            let a = try decodeJSON(ok, as: Attempt.self)
            #expect(a.state == "recognised" && a.person?.staff_number == city.staffA2.staffNumber && a.next == ["in"])
            let punch = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a.attempt)/punch", token: token, json: #"{"kind":"in"}"#)
            #expect(punch.status == .created, "\(punch.body.string)")
            let p = try decodeJSON(punch, as: Punched.self)
            #expect(p.method == "pin" && p.punch.place == "本庁舎" && p.punch.kind == "in")
            // the answer lost and the button pressed again: the same punch, not a second one
            let again = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a.attempt)/punch", token: token, json: #"{"kind":"in"}"#)
            #expect(try again.status == .created && (try decodeJSON(again, as: Punched.self)).punch.id == p.punch.id)
            #expect(try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a.attempt)/punch", token: token, json: #"{"kind":"out"}"#).status == .conflict)
            #expect(try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a.attempt)/punch", token: token, json: #"{"kind":"lunch"}"#).status == .unprocessableEntity)
            #expect(try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(UUID())/punch", token: token, json: #"{"kind":"in"}"#).status == .notFound)
            let row = try await PunchRepository.find(city.app.db.sql, id: p.punch.id)!
            #expect(row.method == "pin" && row.kioskId == kioskId && row.verification == nil && row.staffId == city.staffA2.id)
            let payload = try await city.app.db.sql.select().column("payload").from("ledger").where("subject_id", .equal, SQLBind(p.punch.id.lowerText)).first(decodingColumn: "payload", as: String.self)!
            #expect(payload.contains("\"method\":\"pin\"") && payload.contains("\"kioskId\":\"\(kioskId.upperText)\""))
        }
    }

    @Test func anICCardRegisteredByHRIdentifiesItsHolder() async throws {
        try await withCity { city in
            let hr = Browser(city.app)
            try await hr.login(city.hr.staffNumber)
            try await hr.get("/admin/face")
            let bad = try await hr.post("/admin/face/cards", ["staff_number": "nobody", "card": "ab"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("この職員番号の職員はいません。") && bad.body.string.contains("カード番号は英数字4〜64文字です。"))
            #expect(try await hr.post("/admin/face/cards", ["staff_number": city.staffB.staffNumber, "card": "0123 4567 89AB CDEF"]).status == .seeOther)
            try await hr.get("/admin/face")
            let taken = try await hr.post("/admin/face/cards", ["staff_number": city.staffA.staffNumber, "card": "0123456789abcdef"])
            #expect(taken.status == .unprocessableEntity && taken.body.string.contains("このカードは別の職員に登録されています。"))
            let (_, token) = try await Self.registerKiosk(city)
            let unknown = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"card","card":"FFFF0000"}"#)
            #expect(try unknown.status == .unauthorized && (try decodeJSON(unknown, as: Problem.self)).code == "card_unknown")
            #expect(try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"card","card":"<script>"}"#).status == .unprocessableEntity)
            let ok = try await Self.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"card","card":"0123456789ABCDEF"}"#)
            #expect(ok.status == .created)
            #expect(try decodeJSON(ok, as: Attempt.self).person?.staff_number == city.staffB.staffNumber)
            // the number is stored only as a hash
            let stored = try await city.app.db.sql.select().column("secret_hash").from("kiosk_credentials").where("kind", .equal, SQLBind("card")).all(decodingColumn: "secret_hash", as: String.self)
            #expect(stored.count == 1 && !stored[0].uppercased().contains("0123456789ABCDEF"))
        }
    }

    @Test func aManagerReviewsAnUnverifiedFacePunchAndWithdrawsItWhenItWasNotThePerson() async throws {
        try await withCity { city in
            let (kioskId, _) = try await Self.registerKiosk(city)
            func facePunch(_ kind: PunchKind, minutesAgo: Double) async throws -> UUID {
                let cmd = PunchCommand(staffId: city.staffA.id, municipalityId: city.muni.id, kind: kind, place: "本庁舎", deviceAt: nil, source: .selfService,
                                       recordedBy: city.staffA.id, idempotencyKey: nil, at: Date().addingTimeInterval(-minutesAgo * 60),
                                       kiosk: KioskPunchDetails(method: .face, kioskId: kioskId, faceDistanceE4: 4512, verification: .unverified))
                guard case .created(let row) = try await city.app.yakuba.writer.punch(cmd) else { Issue.record("punch not created"); throw Abort(.internalServerError) }
                return row.id
            }
            let first = try await facePunch(.clockIn, minutesAgo: 90)
            let second = try await facePunch(.clockOut, minutesAgo: 30)
            let m = Browser(city.app)
            try await m.login(city.approverA.staffNumber)
            // the attendance book marks the unverified face punches apart from verified ones
            let before = try await m.get("/books/\(city.staffA.id.uuidString)").body.string
            #expect(before.contains("method unverified") && before.contains("顔認証・要確認"))
            let page = try await m.get("/kiosk-reviews")
            #expect(page.status == .ok && page.body.string.contains(city.staffA.fullName) && page.body.string.contains("0.45"))
            // someone outside the department does not see it
            let other = Browser(city.app)
            try await other.login(city.staffB.staffNumber)
            #expect(try await other.get("/kiosk-reviews").status == .forbidden)
            let noComment = try await m.post("/kiosk-reviews/\(second.uuidString)", ["decision": "rejected"])
            #expect(noComment.status == .unprocessableEntity)
            #expect(try await m.post("/kiosk-reviews/\(second.uuidString)", ["decision": "maybe"]).status == .unprocessableEntity)
            try await m.get("/kiosk-reviews")
            #expect(try await m.post("/kiosk-reviews/\(first.uuidString)", ["decision": "confirmed"]).status == .seeOther)
            try await m.get("/kiosk-reviews")
            #expect(try await m.post("/kiosk-reviews/\(second.uuidString)", ["decision": "rejected", "comment": "本人は出張中"]).status == .seeOther)
            try await m.get("/kiosk-reviews")
            #expect(try await m.post("/kiosk-reviews/\(first.uuidString)", ["decision": "confirmed"]).status == .conflict)
            #expect(try await m.get("/kiosk-reviews").body.string.contains("確認が必要な打刻はありません。"))
            let after = try await m.get("/books/\(city.staffA.id.uuidString)").body.string
            #expect(after.contains("顔認証・所属長が確認") && !after.contains("顔認証・要確認"))
            // the rejected punch no longer counts; the raw fact stays
            let recent = try await city.app.yakuba.writer.recent(staffId: city.staffA.id)
            #expect(recent.effective.map(\.id).contains(first) && !recent.effective.map(\.id).contains(second))
            #expect(try await PunchRepository.find(city.app.db.sql, id: second) != nil)
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.filter { $0 == "punch.reviewed" }.count == 2 && types.contains("correction.approved"))
        }
    }

    @Test func theKioskPageAndTheConsentPageRender() async throws {
        try await withCity { city in
            let kiosk = try await city.app.testing().sendRequest(.GET, "/kiosk", headers: ["Accept": "text/html"])
            #expect(kiosk.status == .ok && kiosk.body.string.contains("id=\"start-face\"") && kiosk.body.string.contains("/assets/kiosk.js"))
            #expect(try await city.app.testing().sendRequest(.GET, "/assets/kiosk.js").body.string.contains("X-Kiosk-Token"))
            let b = Browser(city.app)
            try await b.login(city.staffA.staffNumber)
            let face = try await b.get("/face").body.string
            // no models on this server: said plainly, and the PIN still offered
            #expect(face.contains("このサーバーでは顔認証を使えません") == (city.app.yakuba.face.models == nil) && face.contains("id=\"set-pin\""))
        }
    }

    @Test func faceOptionsAreTheAdministratorsAndEvidencePhotosAreDeletedAfterTheirPeriod() async throws {
        try await withCity { city in
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/admin/kiosks")
            for bad in ["91", "-1", "abc", "1.5"] {
                let res = try await admin.post("/admin/kiosks/settings", ["smile": "1", "evidence_days": bad])
                #expect(res.status == .unprocessableEntity && res.body.string.contains("保存日数は0〜90の整数です。"), "\(bad)")
            }
            #expect(try await KioskRepository.settings(city.app.db.sql, municipalityId: city.muni.id) == nil)
            // a person cannot opt in to a smile score the municipality does not use
            let staff = Browser(city.app)
            try await staff.login(city.staffA.staffNumber)
            try await staff.get("/face")
            #expect(try await staff.post("/face/smile", ["smile": "1"]).status == .conflict)
            try await admin.get("/admin/kiosks")
            #expect(try await admin.post("/admin/kiosks/settings", ["smile": "1", "evidence_days": "7"]).status == .seeOther)
            let s = try await KioskRepository.settings(city.app.db.sql, municipalityId: city.muni.id)
            #expect(s?.smile == true && s?.evidenceDays == 7)
            // an evidence photo, sealed, shown to the manager, gone after its period
            let (kioskId, _) = try await Self.registerKiosk(city)
            let cmd = PunchCommand(staffId: city.staffA.id, municipalityId: city.muni.id, kind: .clockIn, place: "本庁舎", deviceAt: nil, source: .selfService,
                                   recordedBy: city.staffA.id, idempotencyKey: nil, at: nil,
                                   kiosk: KioskPunchDetails(method: .face, kioskId: kioskId, faceDistanceE4: 4400, verification: .unverified))
            guard case .created(let punch) = try await city.app.yakuba.writer.punch(cmd) else { Issue.record("no punch"); return }
            let photo: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array("a frame".utf8)
            let vault = city.app.yakuba.face.vault!
            let ev = PunchEvidenceRow(punchId: punch.id, municipalityId: city.muni.id, staffId: city.staffA.id, sealed: try vault.seal(bytes: photo, context: "evidence:" + punch.id.lowerText),
                                      contentType: "image/jpeg", createdAtMs: nowMs(), deleteAfterMs: nowMs() + 7 * 86_400_000)
            try await city.app.yakuba.writer.perform { _, sql in try await sql.insert(into: "punch_evidence").model(ev, with: rowEncoder).run(); return [] }
            #expect(!ev.sealed.contains("a frame") && vault.open(bytes: ev.sealed, context: "evidence:" + UUID().lowerText) == nil)
            let m = Browser(city.app)
            try await m.login(city.approverA.staffNumber)
            #expect(try await m.get("/kiosk-reviews").body.string.contains("/kiosk-reviews/\(punch.id.uuidString)/photo"))
            let got = try await m.get("/kiosk-reviews/\(punch.id.uuidString)/photo")
            #expect(got.status == .ok && Array(got.body.readableBytesView) == photo && got.headers.first(name: .cacheControl) == "no-store")
            let outsider = Browser(city.app)
            try await outsider.login(city.staffB.staffNumber)
            #expect(try await outsider.get("/kiosk-reviews/\(punch.id.uuidString)/photo").status == .forbidden)
            #expect(try await KioskRepository.sweepEvidence(city.app.yakuba.writer, now: nowMs() + 6 * 86_400_000) == 0)
            #expect(try await KioskRepository.sweepEvidence(city.app.yakuba.writer, now: nowMs() + 8 * 86_400_000) == 1)
            #expect(try await m.get("/kiosk-reviews/\(punch.id.uuidString)/photo").status == .notFound)
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.contains("face.settings") && types.contains("evidence.deleted"))
        }
    }

    @Test func sealedEmbeddingsOpenOnlyForTheirPersonWithTheirKey() throws {
        let vault = FaceVault(key: .init(size: .bits256))
        let ds: [[Float]] = (0..<3).map { r in (0..<128).map { Float(r * 128 + $0) / 1000 - 0.2 } }
        let a = UUID(), b = UUID()
        let sealed = try vault.seal(ds, staffId: a)
        #expect(vault.open(sealed, staffId: a) == ds)
        #expect(vault.open(sealed, staffId: b) == nil)
        #expect(FaceVault(key: .init(size: .bits256)).open(sealed, staffId: a) == nil)
        #expect(vault.open("not base64!", staffId: a) == nil)
        var bytes = [UInt8](Data(base64Encoded: sealed)!)
        bytes[20] ^= 1
        #expect(vault.open(Data(bytes).base64EncodedString(), staffId: a) == nil)
        // the same numbers sealed twice differ (a fresh nonce each time)
        #expect(try vault.seal(ds, staffId: a) != sealed)
    }
}

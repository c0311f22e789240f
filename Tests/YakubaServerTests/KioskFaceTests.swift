import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import NIOCore
@testable import YakubaServer
import YakubaCore
import YakubaFace
import YakubaImageIO

/// The face kiosk end to end on the server, with the real models and the `face_recognition` test photographs
/// (`scripts/face-golden` provides both: YAKUBA_FACE_MODELS, YAKUBA_FACE_IMAGES). Skipped without them unless
/// YAKUBA_FACE_REQUIRED=1, when their absence fails.
@Suite("Kiosk face", .serialized)
struct KioskFaceTests {
    static let env = ProcessInfo.processInfo.environment
    static var images: String? { env["YAKUBA_FACE_IMAGES"] }
    static var ready: Bool {
        guard env["YAKUBA_FACE_MODELS"] != nil, let i = images, FileManager.default.fileExists(atPath: i + "/obama.jpg") else {
            if env["YAKUBA_FACE_REQUIRED"] == "1" { Issue.record("YAKUBA_FACE_MODELS and YAKUBA_FACE_IMAGES are required") }
            return false
        }
        return true
    }
    static func file(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: images! + "/" + name))) }
    static func photo(_ name: String) throws -> RGBImage { try ImageDecoder.decode(try file(name)) }

    /// A kiosk frame of a photograph (letterboxed 640×480), mirrored if asked, with a little noise so no two are equal.
    static func frame(_ name: String, mirrored: Bool = false, seed: Int) throws -> [UInt8] {
        var img = FaceFrame.kioskFrame(try photo(name))
        if mirrored {
            var px = img.pixels
            for y in 0..<img.height { for x in 0..<img.width { for c in 0..<3 { px[(y * img.width + x) * 3 + c] = img.pixels[(y * img.width + img.width - 1 - x) * 3 + c] } } }
            img.pixels = px
        }
        var state = UInt32(truncatingIfNeeded: seed &* 2654435761 &+ 1)
        for i in stride(from: 0, to: img.pixels.count, by: 97) {
            state = state &* 1664525 &+ 1013904223
            img.pixels[i] = img.pixels[i] &+ UInt8(state >> 31)
        }
        return PNG.encode(img)
    }

    static func enrol(_ city: TestCity, _ staff: StaffRow, _ names: [String], consent: Bool = true) async throws -> TestingHTTPResponse {
        let b = Browser(city.app)
        try await b.login(staff.staffNumber)
        try await b.get("/face")
        return try await b.postMultipart("/face/enrol", consent ? [("consent", "1")] : [],
                                         files: try names.map { (field: "images", filename: $0, type: $0.hasSuffix(".png") ? "image/png" : "image/jpeg", bytes: try file($0)) })
    }

    typealias Attempt = KioskTests.Attempt
    typealias Problem = KioskTests.Problem

    static func start(_ city: TestCity, _ token: String, staffNumber: String? = nil) async throws -> Attempt {
        let res = try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token,
                                            json: staffNumber.map { #"{"method":"face","staff_number":"\#($0)"}"# } ?? #"{"method":"face"}"#)
        #expect(res.status == .created, "\(res.body.string)")
        return try decodeJSON(res, as: Attempt.self)
    }

    static func send(_ city: TestCity, _ token: String, _ a: UUID, _ bytes: [UInt8], seq: Int, type: String = "image/png") async throws -> TestingHTTPResponse {
        try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a)/frames", token: token, body: bytes, headers: [("Content-Type", type), ("X-Frame-Seq", "\(seq)")])
    }

    /// Frontal, then turned the way the challenge asks (obama2.jpg is turned to his right; mirrored, to his left).
    static func followChallenge(_ city: TestCity, _ token: String, _ a: Attempt, seed: Int = 0) async throws -> Attempt {
        var last: Attempt? = nil
        let turned = a.challenge == "right" ? try frame("obama2.jpg", seed: seed + 2) : try frame("obama2.jpg", mirrored: true, seed: seed + 2)
        for (i, f) in [try frame("obama.jpg", seed: seed + 1), turned].enumerated() {
            let res = try await send(city, token, a.attempt, f, seq: i + 1)
            #expect(res.status == .ok, "\(res.body.string)")
            last = try decodeJSON(res, as: Attempt.self)
            if i == 0 { #expect(last?.state == "turn" && last?.challenge == a.challenge, "\(res.body.string)") }
        }
        return last!
    }

    @Test func enrolmentChecksThePhotosAndKeepsOnlySealedNumbers() async throws {
        guard Self.ready else { return }
        try await withCity { city in
            let noConsent = try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"], consent: false)
            #expect(noConsent.status == .unprocessableEntity && noConsent.body.string.contains("同意にチェックしてください"))
            let two = try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg"])
            #expect(two.status == .unprocessableEntity && two.body.string.contains("写真を3〜5枚選んでください（2枚でした）"))
            let mixed = try await Self.enrol(city, city.staffA, ["obama.jpg", "biden.jpg", "obama3.jpg"])
            #expect(mixed.status == .unprocessableEntity && mixed.body.string.contains("別の人のようです"), "\(mixed.body.string.suffix(2000))")
            let same = try await Self.enrol(city, city.staffA, ["obama2.jpg", "32bit.png", "obama3.jpg"])
            #expect(same.status == .unprocessableEntity && same.body.string.contains("同じ写真です"))
            let noFace = try await Self.enrol(city, city.staffA, ["obama.jpg", "obama_partial_face.jpg", "obama3.jpg"])
            #expect(noFace.status == .unprocessableEntity && noFace.body.string.contains("顔が見つかりません"))
            let garbage = Browser(city.app)
            try await garbage.login(city.staffA.staffNumber)
            try await garbage.get("/face")
            let notImage = try await garbage.postMultipart("/face/enrol", [("consent", "1")], files: (0..<3).map { (field: "images", filename: "x\($0).jpg", type: "image/jpeg", bytes: Array("not a photo \($0)".utf8)) })
            #expect(notImage.status == .unprocessableEntity && notImage.body.string.contains("読み取れません"))
            #expect(try await KioskRepository.enrolments(city.app.db.sql).isEmpty)

            let ok = try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"])
            #expect(ok.status == .seeOther, "\(ok.body.string.suffix(1500))")
            let row = try await KioskRepository.enrolment(city.app.db.sql, staffId: city.staffA.id)!
            #expect(row.images == 3 && row.consentVersion == FaceController.consentVersion)
            // sealed: no readable numbers in the database, and it opens for this person only
            #expect(!row.sealed.contains("0.") && city.app.yakuba.face.vault!.open(row.sealed, staffId: city.staffA.id)?.count == 3)
            #expect(city.app.yakuba.face.vault!.open(row.sealed, staffId: city.staffB.id) == nil)
            // the same face for another account is refused
            let other = try await Self.enrol(city, city.staffB, ["obama.jpg", "obama2.jpg", "obama3.jpg"])
            #expect(other.status == .unprocessableEntity && other.body.string.contains("別の職員として登録されている顔と一致します"))
            // HR sees who, never the data
            let hr = Browser(city.app)
            try await hr.login(city.hr.staffNumber)
            let list = try await hr.get("/admin/face").body.string
            #expect(list.contains(city.staffA.fullName) && !list.contains(row.sealed.prefix(20)))
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.filter { $0 == "face.enrolled" }.count == 1)
        }
    }

    @Test func theKioskClocksInTheEnrolledPersonWhoTurnsTheirHead() async throws {
        guard Self.ready else { return }
        try await withCity { city in
            #expect(try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"]).status == .seeOther)
            let (kioskId, token) = try await KioskTests.registerKiosk(city)
            let a = try await Self.start(city, token)
            #expect(a.state == "look" && ["left", "right"].contains(a.challenge ?? ""))
            let done = try await Self.followChallenge(city, token, a)
            #expect(done.state == "recognised" && done.person?.staff_number == city.staffA.staffNumber && done.verification == "verified" && done.next == ["in"],
                    "\(done)")
            let punch = try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a.attempt)/punch", token: token, json: #"{"kind":"in"}"#)
            #expect(punch.status == .created, "\(punch.body.string)")
            let p = try decodeJSON(punch, as: KioskTests.Punched.self)
            let row = try await PunchRepository.find(city.app.db.sql, id: p.punch.id)!
            #expect(row.method == "face" && row.kioskId == kioskId && row.verification == "verified" && row.place == "本庁舎")
            #expect((row.faceDistanceE4 ?? 99_999) < 4000)
            // the attempt is spent: no more frames
            #expect(try await Self.send(city, token, a.attempt, try Self.frame("obama.jpg", seed: 9), seq: 3).status == .conflict)
            // 1:1 after the staff number, then 退勤
            let one = try await Self.start(city, token, staffNumber: city.staffA.staffNumber)
            let again = try await Self.followChallenge(city, token, one, seed: 10)
            #expect(again.state == "recognised" && again.next?.contains("out") == true)
            let unknownNumber = try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts", token: token, json: #"{"method":"face","staff_number":"\#(city.staffB.staffNumber)"}"#)
            #expect(try unknownNumber.status == .unprocessableEntity && (try decodeJSON(unknownNumber, as: Problem.self)).code == "not_enrolled")
        }
    }

    @Test func aStillPhotoAnotherPersonAndBadFramesAreRefused() async throws {
        guard Self.ready else { return }
        try await withCity { city in
            #expect(try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"]).status == .seeOther)
            let (kioskId, token) = try await KioskTests.registerKiosk(city)
            // a still photo: the face matches, but it never turns; after the challenge's time, refused
            let still = try await Self.start(city, token)
            var seq = 0, last: Attempt? = nil
            let deadline = Date().addingTimeInterval(city.app.yakuba.face.challengeSeconds + 5)
            while Date() < deadline {
                seq += 1
                let res = try await Self.send(city, token, still.attempt, try Self.frame("obama.jpg", seed: seq), seq: seq)
                if res.status != .ok { Issue.record("frame \(seq): \(res.status) \(res.body.string)"); break }
                last = try decodeJSON(res, as: Attempt.self)
                if last?.state == "refused" { break }
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(last?.state == "refused" && last?.code == "liveness_failed", "\(String(describing: last))")
            // another person: not enrolled, refused after a few frames
            let other = try await Self.start(city, token)
            var answer: Attempt? = nil
            for i in 1...4 {
                let res = try await Self.send(city, token, other.attempt, try Self.frame("biden.jpg", mirrored: i % 2 == 0, seed: 100 + i), seq: i)
                answer = try decodeJSON(res, as: Attempt.self)
                if answer?.state == "refused" { break }
            }
            #expect(answer?.state == "refused" && answer?.code == "not_recognised")
            // bad frames, each with a clear answer and no crash
            let a = try await Self.start(city, token)
            let good = try Self.frame("obama.jpg", seed: 500)
            func code(_ r: TestingHTTPResponse) -> String? { (try? decodeJSON(r, as: Problem.self))?.code }
            let garbage = try await Self.send(city, token, a.attempt, Array("definitely not an image".utf8), seq: 1, type: "image/jpeg")
            #expect(garbage.status == .unprocessableEntity && code(garbage) == "bad_frame")
            #expect(try await Self.send(city, token, a.attempt, good, seq: 2, type: "text/plain").status == .unsupportedMediaType)
            let small = PNG.encode(RGBImage(width: 100, height: 80, pixels: [UInt8](repeating: 128, count: 100 * 80 * 3)))
            let tooSmall = try await Self.send(city, token, a.attempt, small, seq: 3)
            #expect(tooSmall.status == .unprocessableEntity && code(tooSmall) == "frame_size")
            let huge = [UInt8](repeating: 0xFF, count: 3_000_000)
            #expect(try await Self.send(city, token, a.attempt, huge, seq: 4, type: "image/jpeg").status == .payloadTooLarge)
            #expect(try await Self.send(city, token, a.attempt, good, seq: 5).status == .ok)
            let replay = try await Self.send(city, token, a.attempt, good, seq: 6)
            #expect(replay.status == .conflict && code(replay) == "replayed_frame")
            let oldSeq = try await Self.send(city, token, a.attempt, try Self.frame("obama.jpg", seed: 501), seq: 5)
            #expect(oldSeq.status == .conflict && code(oldSeq) == "replayed_frame")
            let noSeq = try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(a.attempt)/frames", token: token, body: good, headers: [("Content-Type", "image/png")])
            #expect(noSeq.status == .unprocessableEntity)
            // two faces in the frame: the photograph twice, side by side
            let left = FaceFrame.kioskFrame(try Self.photo("obama.jpg"), width: 320, height: 480), right = FaceFrame.kioskFrame(try Self.photo("obama.jpg"), width: 320, height: 480)
            var pair = [UInt8](repeating: 0, count: 640 * 480 * 3)
            for y in 0..<480 {
                pair.replaceSubrange((y * 640 * 3)..<(y * 640 * 3 + 960), with: left.pixels[(y * 960)..<(y * 960 + 960)])
                pair.replaceSubrange((y * 640 * 3 + 960)..<((y + 1) * 640 * 3), with: right.pixels[(y * 960)..<(y * 960 + 960)])
            }
            let several = try await Self.send(city, token, a.attempt, PNG.encode(RGBImage(width: 640, height: 480, pixels: pair)), seq: 7)
            #expect(try decodeJSON(several, as: Attempt.self).state == "several_faces", "\(several.body.string)")
            // another kiosk cannot feed this attempt; a revoked kiosk cannot feed anything
            let (_, token2) = try await KioskTests.registerKiosk(city, name: "別館")
            #expect(try await Self.send(city, token2, a.attempt, try Self.frame("obama.jpg", seed: 502), seq: 8).status == .notFound)
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/admin/kiosks")
            #expect(try await admin.post("/admin/kiosks/\(kioskId.uuidString)/revoke", [:]).status == .seeOther)
            #expect(try await Self.send(city, token, a.attempt, try Self.frame("obama.jpg", seed: 503), seq: 9).status == .unauthorized)
        }
    }

    @Test func aSmileScoreForThoseWhoChooseItAndAnEvidencePhotoKeptSealed() async throws {
        guard Self.ready else { return }
        try await withCity { city in
            #expect(try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"]).status == .seeOther)
            let admin = Browser(city.app)
            try await admin.login(city.admin.staffNumber)
            try await admin.get("/admin/kiosks")
            #expect(try await admin.post("/admin/kiosks/settings", ["smile": "1", "evidence_days": "30"]).status == .seeOther)
            let (_, token) = try await KioskTests.registerKiosk(city)
            // not opted in: no score
            let b = Browser(city.app)
            try await b.login(city.staffA.staffNumber)
            #expect(try await b.get("/face").body.string.contains("id=\"smile-toggle\""))
            let first = try await Self.start(city, token)
            #expect(try await Self.followChallenge(city, token, first, seed: 20).state == "recognised")
            let p1 = try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(first.attempt)/punch", token: token, json: #"{"kind":"in"}"#)
            #expect(p1.status == .created && !p1.body.string.contains("笑顔スコア"))
            let punched = try decodeJSON(p1, as: KioskTests.Punched.self).punch.id
            // the frame is kept sealed, as the frame that was sent
            let ev = try await KioskRepository.evidence(city.app.db.sql, punchIds: [punched])[punched]
            #expect(ev != nil && ev!.contentType == "image/png")
            let opened = ev.flatMap { city.app.yakuba.face.vault!.open(bytes: $0.sealed, context: "evidence:" + punched.lowerText) }
            #expect(opened.map { Array($0.prefix(8)) } == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            #expect(try await KioskRepository.smiles(city.app.db.sql, municipalityId: city.muni.id, from: CalendarDate(year: 2000, month: 1, day: 1)!, to: CalendarDate(year: 2100, month: 1, day: 1)!).isEmpty)
            // opted in: a score at the next clock-in (after clocking out), shown to the person
            try await b.get("/face")
            #expect(try await b.post("/face/smile", ["smile": "1"]).status == .seeOther)
            let out = try await Self.start(city, token)
            _ = try await Self.followChallenge(city, token, out, seed: 30)
            #expect(try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(out.attempt)/punch", token: token, json: #"{"kind":"out"}"#).status == .created)
            let again = try await Self.start(city, token)
            _ = try await Self.followChallenge(city, token, again, seed: 40)
            let p2 = try await KioskTests.kiosk(city.app, .POST, "/api/v1/kiosk/attempts/\(again.attempt)/punch", token: token, json: #"{"kind":"in"}"#)
            #expect(p2.status == .created && p2.body.string.contains("笑顔スコア"), "\(p2.body.string)")
            let scores = try await KioskRepository.smiles(city.app.db.sql, municipalityId: city.muni.id, staffId: city.staffA.id,
                                                          from: CalendarDate(year: 2000, month: 1, day: 1)!, to: CalendarDate(year: 2100, month: 1, day: 1)!)
            #expect(scores.count == 1 && (0...100).contains(scores[0].score))
            #expect(try await b.get("/face").body.string.contains("id=\"my-smiles\""))
            // the manager sees no single person's score: one person is under five
            let m = Browser(city.app)
            try await m.login(city.approverA.staffNumber)
            let dept = try await m.get("/condition/departments").body.string
            #expect(dept.contains("id=\"no-smiles\"") && !dept.contains("chart-smile-heat"))
            // stopping deletes the scores
            try await b.get("/face")
            #expect(try await b.post("/face/smile", ["smile": "0"]).status == .seeOther)
            #expect(try await KioskRepository.smiles(city.app.db.sql, municipalityId: city.muni.id, staffId: city.staffA.id,
                                                     from: CalendarDate(year: 2000, month: 1, day: 1)!, to: CalendarDate(year: 2100, month: 1, day: 1)!).isEmpty)
        }
    }

    @Test func retirementDeletesTheFaceAndTheKioskCredentials() async throws {
        guard Self.ready else { return }
        try await withCity { city in
            #expect(try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"]).status == .seeOther)
            try await KioskTests.setPIN(city, city.staffA, "4826")
            let hr = Browser(city.app)
            try await hr.login(city.hr.staffNumber)
            try await hr.get("/admin/staff/\(city.staffA.id)/edit")
            // the edit form without 在職: retired
            let fields = ["family_name": city.staffA.familyName, "given_name": city.staffA.givenName, "family_kana": "テスト", "given_kana": "タロウ",
                          "employment_type": "regular", "department": city.staffA.departmentId!.uuidString, "position": "主事", "weekdays": "月火水木金",
                          "start": "8:30", "end": "17:15", "break_minutes": "60", "start_date": "2020-04-01"]
            #expect(try await hr.post("/admin/staff/\(city.staffA.id)", fields).status == .seeOther)
            #expect(try await KioskRepository.enrolment(city.app.db.sql, staffId: city.staffA.id) == nil)
            #expect(try await KioskRepository.credentials(city.app.db.sql, staffId: city.staffA.id).isEmpty)
            #expect(!city.app.yakuba.face.isEnrolled(city.staffA.id, municipalityId: city.muni.id))
            let payloads = try await city.app.db.sql.select().column("payload").from("ledger").where("type", .equal, SQLBind("face.deleted")).all(decodingColumn: "payload", as: String.self)
            #expect(payloads.count == 1 && payloads[0].contains("retired"))
        }
    }

    @Test func withdrawalDeletesTheNumbersAndTheKioskNoLongerKnowsTheFace() async throws {
        guard Self.ready else { return }
        try await withCity { city in
            #expect(try await Self.enrol(city, city.staffA, ["obama.jpg", "obama2.jpg", "obama3.jpg"]).status == .seeOther)
            let b = Browser(city.app)
            try await b.login(city.staffA.staffNumber)
            try await b.get("/face")
            #expect(try await b.post("/face/withdraw", [:]).status == .seeOther)
            #expect(try await KioskRepository.enrolment(city.app.db.sql, staffId: city.staffA.id) == nil)
            let (_, token) = try await KioskTests.registerKiosk(city)
            let a = try await Self.start(city, token)
            var last: Attempt? = nil
            for i in 1...3 { last = try decodeJSON(try await Self.send(city, token, a.attempt, try Self.frame("obama.jpg", seed: i), seq: i), as: Attempt.self) }
            #expect(last?.state == "refused" && last?.code == "not_recognised")
            let types = try await city.app.db.sql.select().column("type").from("ledger").all(decodingColumn: "type", as: String.self)
            #expect(types.contains("face.deleted"))
        }
    }
}

/// A minimal PNG writer for test frames: 8-bit RGB, stored (uncompressed) deflate blocks.
enum PNG {
    static func encode(_ img: RGBImage) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity((img.width * 3 + 1) * img.height)
        for y in 0..<img.height { raw.append(0); raw.append(contentsOf: img.pixels[(y * img.width * 3)..<((y + 1) * img.width * 3)]) }
        var z: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, raw.count - i)
            z.append(i + n == raw.count ? 1 : 0)
            z += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            z += raw[i..<(i + n)]
            i += n
        } while i < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for v in raw { a = (a + UInt32(v)) % 65521; b = (b + a) % 65521 }
        z += be(b << 16 | a)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be(UInt32(img.width)) + be(UInt32(img.height)) + [8, 2, 0, 0, 0])
        out += chunk("IDAT", z)
        out += chunk("IEND", [])
        return out
    }
    static func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        var c: UInt32 = 0xFFFF_FFFF
        for byte in body {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return be(UInt32(data.count)) + body + be(~c)
    }
}

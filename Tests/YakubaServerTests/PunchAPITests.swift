import Foundation
import Testing
import Vapor
import VaporTesting
@testable import YakubaServer
import YakubaCore

@Suite("Punch API: durability, idempotency, bad input")
struct PunchAPITests {
    struct Problem: Decodable { var title: String; var status: Int; var code: String?; var errors: [String: String]? }

    @Test func punchIsStoredAndOnTheLedger() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            let res = try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in","place":"在宅","device_time":"2025-04-01T08:29:00+09:00"}"#)
            #expect(res.status == .created)
            let body = try decodeJSON(res, as: PunchJSON.self)
            #expect(body.kind == "in")
            #expect(body.place == "在宅")
            #expect(body.device_time != nil)
            let stored = try await PunchRepository.find(city.app.db.sql, id: body.id)
            #expect(stored?.staffId == city.staffA.id)
            let ledger = try await city.app.db.sql.select().column("*").from("ledger").where("subject_id", .equal, body.id.uuidString.lowercased())
                .all(decoding: LedgerRow.self, with: rowDecoder)
            #expect(ledger.count == 1)
            #expect(ledger.first?.type == "punch.created")
        }
    }

    @Test func sameIdempotencyKeyMakesOnePunch() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            async let r1 = api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#, headers: [("Idempotency-Key", "tap-1")])
            async let r2 = api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#, headers: [("Idempotency-Key", "tap-1")])
            let (a, b) = try await (r1, r2)
            #expect(a.status == .created)
            #expect(b.status == .created)
            #expect(try decodeJSON(a, as: PunchJSON.self).id == decodeJSON(b, as: PunchJSON.self).id)
            let rows = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(rows.count == 1)
            let reused = try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"out"}"#, headers: [("Idempotency-Key", "tap-1")])
            #expect(reused.status == .unprocessableEntity)
            #expect(try decodeJSON(reused, as: Problem.self).code == "idempotency_key_reused")
        }
    }

    @Test func sequenceRulesAreEnforced() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            let out = try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"out"}"#)
            #expect(out.status == .conflict)
            #expect(out.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            #expect(try decodeJSON(out, as: Problem.self).code == "not_clocked_in")
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#).status == .created)
            let twice = try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#)
            #expect(twice.status == .conflict)
            #expect(try decodeJSON(twice, as: Problem.self).code == "already_clocked_in")
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"break_start"}"#).status == .created)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"out"}"#).status == .conflict)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"break_end"}"#).status == .created)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"out"}"#).status == .created)
            let list = try await api(city.app, .GET, "/api/v1/punches", token: t)
            #expect(try decodeJSON(list, as: PunchList.self).punches.map(\.kind) == ["in", "break_start", "break_end", "out"])
        }
    }

    @Test(arguments: [
        (#"{"kind":"sideways"}"#, "kind"),
        (#"{"kind":"in","place":"月面基地"}"#, "place"),
        (#"{"kind":"in","device_time":"yesterday"}"#, "device_time"),
    ])
    func invalidFieldsGive422WithTheField(body: String, field: String) async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            let res = try await api(city.app, .POST, "/api/v1/punches", token: t, json: body)
            #expect(res.status == .unprocessableEntity)
            #expect(try decodeJSON(res, as: Problem.self).errors?[field] != nil)
            #expect(try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max).isEmpty)
        }
    }

    @Test func malformedAndHostileBodiesAre4xx() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            for body in ["{", "[]", "null", #"{"kind": 5}"#, String(repeating: "[", count: 5000), "\u{FFFD}\u{0}"] {
                let res = try await api(city.app, .POST, "/api/v1/punches", token: t, json: body)
                #expect((400..<500).contains(Int(res.status.code)), "\(body.prefix(20)) → \(res.status)")
            }
            // the body limit is enforced while the server collects a streamed body, so this one goes over a real socket
            let huge = #"{"kind":"in","place":""# + String(repeating: "あ", count: 400_000) + #""}"#
            let port = Int.random(in: 20_000..<60_000)
            var h: HTTPHeaders = [:]
            h.replaceOrAdd(name: .authorization, value: "Bearer \(t)")
            h.replaceOrAdd(name: .contentType, value: "application/json")
            let big = try await city.app.testing(method: .running(hostname: "127.0.0.1", port: port)).sendRequest(.POST, "/api/v1/punches", headers: h, body: ByteBuffer(string: huge))
            #expect(big.status == .payloadTooLarge)
            let badKey = try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#, headers: [("Idempotency-Key", String(repeating: "k", count: 300))])
            #expect(badKey.status == .unprocessableEntity)
        }
    }

    @Test func tokensAreRequiredAndRevocable() async throws {
        try await withCity { city in
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: nil, json: #"{"kind":"in"}"#).status == .unauthorized)
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: "ykb_not-a-token", json: #"{"kind":"in"}"#).status == .unauthorized)
            let t = try await token(city, city.staffA)
            #expect(try await api(city.app, .GET, "/api/v1/me", token: t).status == .ok)
            let b = Browser(city.app)
            try await b.login("S001")
            try await b.get("/tokens")
            let id = try await city.app.db.sql.select().column("id").from("api_tokens").where("staff_id", .equal, city.staffA.id).first(decodingColumn: "id", as: UUID.self)
            #expect(try await b.post("/tokens/\(id!.uuidString)/revoke", [:]).status == .seeOther)
            #expect(try await api(city.app, .GET, "/api/v1/me", token: t).status == .unauthorized)
        }
    }

    @Test func thePunchPageMakesOnePunchOnADoubleTap() async throws {
        try await withCity { city in
            let b = Browser(city.app)
            try await b.login("S001")
            let page = try await b.get("/punch")
            let key = try #require(page.body.string.range(of: "name=\"idempotency_key\" value=\"").map { String(page.body.string[$0.upperBound...].prefix(36)) })
            let first = try await b.post("/punch", ["kind": "in", "place": "本庁舎", "idempotency_key": key])
            let second = try await b.post("/punch", ["kind": "in", "place": "本庁舎", "idempotency_key": key])
            #expect(first.status == .seeOther)
            #expect(second.status == .seeOther)
            let rows = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(rows.count == 1)
            let after = try await b.get("/punch")
            #expect(after.body.string.contains("勤務中"))
            #expect(after.body.string.contains("value=\"out\""))
            let bad = try await b.post("/punch", ["kind": "in", "place": "どこか"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("勤務場所を選んでください"))
        }
    }
}

@Suite("Ledger payloads")
struct PayloadTests {
    /// The hand-written punch payload must be exactly what JSONEncoder gives for every other fact.
    @Test func handWrittenPunchJSONMatchesTheEncoder() throws {
        let strings = ["本庁舎", "在宅", "a\"b\\c/d", "line\nbreak\ttab", "\u{01}\u{1F}", "😀 髙", ""]
        for i in 0..<200 {
            let r = PunchRow(id: UUID(), municipalityId: UUID(), staffId: UUID(), kind: ["in", "out", "break_start"][i % 3],
                             atMs: Int64.random(in: 0...2_000_000_000_000), deviceAtMs: i % 2 == 0 ? nil : Int64(i),
                             place: strings[i % strings.count], source: "self", recordedBy: UUID(),
                             idempotencyKey: i % 3 == 0 ? nil : strings[(i + 1) % strings.count], note: i % 4 == 0 ? strings[(i + 2) % strings.count] : nil,
                             method: i % 5 == 0 ? ["face", "pin", "card"][i % 3] : nil, kioskId: i % 5 == 0 ? UUID() : nil,
                             faceDistanceE4: i % 10 == 0 ? i * 37 : nil, verification: i % 10 == 0 ? (i % 20 == 0 ? "verified" : "unverified") : nil)
            let fact = PunchFact(r)
            #expect(fact.canonicalJSON == Ledger.canonicalJSON(fact))
            // the API's answer, also written by hand, decodes to the same value JSONEncoder would have written
            let answer = PunchJSON(r, zone: TimeZone(identifier: "Asia/Tokyo")!)
            let viaEncoder = try JSONSerialization.jsonObject(with: JSONEncoder().encode(answer)) as! NSDictionary
            let byHand = try JSONSerialization.jsonObject(with: Data(answer.json.utf8)) as! NSDictionary
            #expect(viaEncoder == byHand)
        }
    }
}

@Suite("Idempotency beyond the cache")
struct OldKeyTests {
    @Test func aKeyUsedDaysAgoAnswersWithThatPunch() async throws {
        try await withCity { city in
            let old = PunchRow(id: UUID(), municipalityId: city.muni.id, staffId: city.staffA.id, kind: "in", atMs: nowMs() - 10 * 86_400_000,
                               deviceAtMs: nil, place: "本庁舎", source: "self", recordedBy: city.staffA.id, idempotencyKey: "reader-42", note: nil)
            try await LedgerWriter.insert(punches: [old], city.app.db.sql)
            let t = try await token(city, city.staffA)
            let res = try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#, headers: [("Idempotency-Key", "reader-42")])
            #expect(res.status == .created)
            #expect(res.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try decodeJSON(res, as: PunchJSON.self).id == old.id)
            let rows = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(rows.count == 1)
            // and the person can still punch now, with a new key
            #expect(try await api(city.app, .POST, "/api/v1/punches", token: t, json: #"{"kind":"in"}"#, headers: [("Idempotency-Key", "reader-43")]).status == .created)
            let rows2 = try await PunchRepository.punches(city.app.db.sql, staffIds: [city.staffA.id], fromMs: 0, toMs: Int64.max)
            #expect(rows2.count == 2)
        }
    }
}

@Suite("Punch body reader")
struct FlatJSONTests {
    struct Body: Decodable, Equatable { var kind: String?; var place: String?; var device_time: String? }

    /// Wherever the shortcut answers, JSONDecoder must give the same body; where JSONDecoder refuses, so must it.
    @Test func agreesWithJSONDecoder() throws {
        var inputs = [#"{"kind":"in","place":"本庁舎"}"#, #" { "kind" : "out" , "place" : null } "#, "{}", #"{"kind":"in",}"#,
                      #"{"kind":"in" "place":"x"}"#, #"{"kind":"i\"n"}"#, #"{"kind":"in\u0041"}"#, #"{"kind":5}"#, #"{"kind":"in"}x"#,
                      #"{"kind":"in","kind":"out"}"#, #"["in"]"#, "", "{", #"{"kind":nul}"#, #"{"kind":"a\#tb"}"#, "{\"kind\":\"\u{7}\"}",
                      #"{"kind":"in","device_time":"2026-04-01T08:30:00+09:00"}"#, #"{"kind":{"x":1}}"#, #"{"kind":"😀","place":"在宅"}"#,
                      "\u{FEFF}{\"kind\":\"in\"}", #"{"kind":"in"} "#, #"{"kind" :"in","place":"","device_time":null}"#]
        let pieces = ["{", "}", "\"kind\"", "\"place\"", ":", ",", "\"in\"", "null", " ", "\"本庁舎\"", "\\", "\"", "1", "[", "]"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 { inputs.append((0..<Int.random(in: 1...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()) }
        for input in inputs {
            let bytes = Array(input.utf8)
            let fast = bytes.withUnsafeBytes(FlatJSON.strings)
            let slow = try? JSONDecoder().decode(Body.self, from: Data(bytes))
            guard let fast else { continue }
            #expect(slow == Body(kind: fast["kind"] ?? nil, place: fast["place"] ?? nil, device_time: fast["device_time"] ?? nil), "\(input)")
        }
        // invalid UTF-8 is left to JSONDecoder (which refuses it)
        #expect([UInt8](#"{"kind":""#.utf8 + [0xFF] + #""}"#.utf8).withUnsafeBytes(FlatJSON.strings) == nil)
    }
}

@Suite("API edges")
struct APIEdgeTests {
    @Test func aBadStaffIdIsRefusedNotIgnored() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            for path in ["/api/v1/punches?staff_id=", "/api/v1/days?staff_id=x", "/api/v1/days?staff_id=1%20OR%201=1"] {
                let res = try await api(city.app, .GET, path, token: t)
                #expect(res.status == .unprocessableEntity, "\(path)")
                #expect(res.body.string.contains("staff_id"))
            }
        }
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        try await withCity { city in
            let t = try await token(city, city.staffA)
            let res = try await api(city.app, .DELETE, "/api/v1/punches", token: t)
            #expect(res.status == .methodNotAllowed)
            #expect(res.headers.first(name: .allow) == "GET, HEAD, POST")
            #expect(res.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            #expect(try await api(city.app, .PUT, "/api/v1/nothing-here", token: t).status == .notFound)
        }
    }
}

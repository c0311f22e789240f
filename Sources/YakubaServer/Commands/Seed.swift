import Foundation
import Vapor
import SQLKit
import YakubaCore

/// A small deterministic random generator (SplitMix64), so the demo city is the same on every machine.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &self) }
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i)); bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40; bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

enum Seed {
    /// The stored JSON of a value, keys sorted: one schedule (or rule set) is always the same text.
    static func json<T: Encodable>(_ v: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(data: try! encoder.encode(v), encoding: .utf8)!
    }

    static func municipality(code: String, name: String, id: UUID = UUID()) -> MunicipalityRow {
        MunicipalityRow(id: id, code: code, name: name, timeZone: "Asia/Tokyo", places: json(MunicipalityRow.defaultPlaces),
                        rules: json(AttendanceRules.default), holidayRules: json(MunicipalHolidayRules()), createdAtMs: nowMs())
    }

    static func insertMunicipality(_ app: Application, _ m: MunicipalityRow) async throws {
        try await app.yakuba.writer.perform { _, sql in
            try await sql.insert(into: "municipalities").model(m, with: rowEncoder).run()
            return [LedgerDraft(municipalityId: m.id, actorId: nil, type: "municipality.created", subjectId: m.id.uuidString.lowercased(), fact: m)]
        }
    }
}

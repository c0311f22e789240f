import Foundation
import Crypto

/// One entry of the append-only, hash-chained ledger (台帳).
/// `hash = SHA-256(prevHash ‖ "\n" ‖ canonical)`, where `canonical` is a fixed, line-based encoding
/// of every field but the hash itself. An entry altered, removed or moved breaks the chain from there on.
public struct LedgerEntry: Hashable, Sendable, Codable {
    public var seq: Int64
    /// milliseconds since 1970 (UTC)
    public var recordedAtMs: Int64
    public var municipalityId: UUID?
    public var actorId: UUID?
    /// e.g. `punch.created`, `correction.requested`, `correction.approved`, `staff.created`
    public var type: String
    public var subjectId: String
    /// canonical JSON of the fact (sorted keys)
    public var payload: String
    public var prevHash: String
    public var hash: String

    public init(seq: Int64, recordedAtMs: Int64, municipalityId: UUID?, actorId: UUID?, type: String, subjectId: String,
                payload: String, prevHash: String, hash: String) {
        self.seq = seq; self.recordedAtMs = recordedAtMs; self.municipalityId = municipalityId; self.actorId = actorId
        self.type = type; self.subjectId = subjectId; self.payload = payload; self.prevHash = prevHash; self.hash = hash
    }

    public var canonical: String {
        [String(seq), String(recordedAtMs), municipalityId?.lowerText ?? "-", actorId?.lowerText ?? "-",
         type, subjectId, payload].joined(separator: "\n")
    }

    public func computedHash() -> String { Ledger.hash(prev: prevHash, canonical: canonical) }
}

/// A fact about to be appended; the ledger writer gives it its place and hash.
public struct LedgerDraft: Sendable, Hashable {
    public var municipalityId: UUID?
    public var actorId: UUID?
    public var type: String
    public var subjectId: String
    public var payload: String

    public init<T: Encodable>(municipalityId: UUID?, actorId: UUID?, type: String, subjectId: String, fact: T) {
        self.municipalityId = municipalityId; self.actorId = actorId; self.type = type; self.subjectId = subjectId
        self.payload = Ledger.canonicalJSON(fact)
    }

    /// A payload already in canonical form.
    public init(municipalityId: UUID?, actorId: UUID?, type: String, subjectId: String, payload: String) {
        self.municipalityId = municipalityId; self.actorId = actorId; self.type = type; self.subjectId = subjectId; self.payload = payload
    }
}

public enum Ledger {
    /// The hash that precedes the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(prev: String, canonical: String) -> String {
        var h = SHA256()
        h.update(data: Array(prev.utf8))
        h.update(data: [0x0A])
        h.update(data: Array(canonical.utf8))
        return hex(h.finalize())
    }

    /// Lower-case hex, without `String(format:)` (which is slow on Linux).
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// JSON with sorted keys, ISO 8601 dates with milliseconds, no slash escaping: the same fact always gives the same bytes.
    public static func canonicalJSON<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(iso8601Millis(date))
        }
        guard let data = try? e.encode(value), let s = String(data: data, encoding: .utf8) else { return "{}" }
        return s
    }

    public static func iso8601Millis(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let secs = floorDiv(ms, 1000)
        let day = CalendarDate(dayNumber: Int(floorDiv(secs, 86400)))
        let sod = Int(secs - Int64(day.dayNumber) * 86400)
        return day.iso + "T" + pad(sod / 3600, 2) + ":" + pad((sod / 60) % 60, 2) + ":" + pad(sod % 60, 2) + "." + pad(Int(ms - secs * 1000), 3) + "Z"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Seals drafts onto the chain after `last` (seq, hash). Pure: the caller persists the result in one transaction.
    public static func seal(_ drafts: [LedgerDraft], after last: (seq: Int64, hash: String), at now: Date) -> [LedgerEntry] {
        var seq = last.seq
        var prev = last.hash
        let ms = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        return drafts.map { d in
            seq += 1
            var e = LedgerEntry(seq: seq, recordedAtMs: ms, municipalityId: d.municipalityId, actorId: d.actorId, type: d.type,
                                subjectId: d.subjectId, payload: d.payload, prevHash: prev, hash: "")
            e.hash = e.computedHash()
            prev = e.hash
            return e
        }
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// the position in the walk (1-based) and the seq found there
        public var position: Int64
        public var seq: Int64
        public var reason: String
        public var description: String { "entry seq=\(seq) (position \(position)): \(reason)" }
    }

    /// A verifier fed entries in seq order, so a large ledger can be streamed.
    public struct Verifier: Sendable {
        public private(set) var count: Int64 = 0
        public private(set) var lastHash: String = Ledger.genesis
        public private(set) var failure: Failure?
        public init() {}

        public mutating func feed(_ e: LedgerEntry) {
            guard failure == nil else { return }
            count += 1
            if e.seq != count {
                failure = Failure(position: count, seq: e.seq, reason: e.seq > count ? "missing entry \(count) (removed?)" : "out of order")
            } else if e.prevHash != lastHash {
                failure = Failure(position: count, seq: e.seq, reason: "previous hash does not match (an entry before it was altered, removed or reordered)")
            } else if e.computedHash() != e.hash {
                failure = Failure(position: count, seq: e.seq, reason: "hash does not match its content (altered)")
            }
            lastHash = e.hash
        }
    }

    public static func verify(_ entries: [LedgerEntry]) -> Result<Int64, Failure> {
        var v = Verifier()
        for e in entries { v.feed(e) }
        if let f = v.failure { return .failure(f) }
        return .success(v.count)
    }
}

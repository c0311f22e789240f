import Foundation
import Fluent
import SQLKit
import Crypto
import YakubaCore

// MARK: schema

/// Kiosk devices, face enrolments (sealed embeddings only), kiosk PINs and IC cards, and managers' reviews of
/// unverified face punches.
struct CreateKiosks: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("kiosk_devices")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("name", .string, .required)
            .field("place", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("created_at_ms", .int64, .required)
            .field("created_by", .uuid, .required)
            .field("revoked_at_ms", .int64)
            .field("revoked_by", .uuid)
            .unique(on: "token_hash")
            .create()
        // one row per enrolled person; deleted on withdrawal or retirement (biometric data is not kept as history:
        // the ledger records that it was enrolled and deleted, never the numbers)
        try await db.schema("face_enrolments")
            .id()
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("sealed", .string, .required)
            .field("images", .int, .required)
            .field("consent_version", .string, .required)
            .field("enrolled_at_ms", .int64, .required)
            .unique(on: "staff_id")
            .create()
        try await db.schema("kiosk_credentials")
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("kind", .string, .required)
            .field("secret_hash", .string, .required)
            .field("set_at_ms", .int64, .required)
            .unique(on: "staff_id", "kind")
            .create()
        try await db.schema("punch_reviews")
            .field("punch_id", .uuid, .required, .references("punches", "id"))
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required)
            .field("decision", .string, .required)
            .field("decided_by", .uuid, .required)
            .field("decided_at_ms", .int64, .required)
            .field("comment", .string, .required)
            .unique(on: "punch_id")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "kiosk_credentials_secret_idx").on("kiosk_credentials").column("municipality_id").column("kind").column("secret_hash").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["punch_reviews", "kiosk_credentials", "face_enrolments", "kiosk_devices"] { try await db.schema(t).delete() }
    }
}

/// A kiosk punch's method, device and (for a face) the match: columns of the punch itself, so they are on the ledger
/// with it and cannot be lost apart from it.
struct AddPunchMethod: AddsColumn { static let table = "punches", column = "method", definition = "TEXT" }
struct AddPunchKiosk: AddsColumn { static let table = "punches", column = "kiosk_id", definition = "TEXT" }
struct AddPunchFaceDistance: AddsColumn { static let table = "punches", column = "face_distance_e4", definition = "INTEGER" }
struct AddPunchVerification: AddsColumn { static let table = "punches", column = "verification", definition = "TEXT" }

// MARK: rows

struct KioskDeviceRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var name: String
    var place: String
    var tokenHash: String
    var prefix: String
    var createdAtMs: Int64
    var createdBy: UUID
    var revokedAtMs: Int64?
    var revokedBy: UUID?
}

struct FaceEnrolmentRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    /// the descriptors, sealed by `FaceVault`
    var sealed: String
    var images: Int
    var consentVersion: String
    var enrolledAtMs: Int64
}

struct KioskCredentialRow: Codable, Sendable, Hashable {
    var staffId: UUID
    var municipalityId: UUID
    /// `pin` (Bcrypt) or `card` (SHA-256 of the municipality and the card number, so a card is found by it)
    var kind: String
    var secretHash: String
    var setAtMs: Int64
}

struct PunchReviewRow: Codable, Sendable, Hashable {
    var punchId: UUID
    var municipalityId: UUID
    var staffId: UUID
    /// `confirmed` (it was the person) or `rejected` (it was not: the punch is withdrawn by a correction)
    var decision: String
    var decidedBy: UUID
    var decidedAtMs: Int64
    var comment: String
}

/// How a kiosk identified the person.
enum KioskMethod: String, Sendable, Codable, CaseIterable {
    case face, pin, card
    func label(_ l: Lang) -> String {
        switch self { case .face: l.t("顔認証", "Face"); case .pin: l.t("職員番号とPIN", "Staff number and PIN"); case .card: l.t("ICカード", "IC card") }
    }
}

/// A face match's standing.
enum FaceVerification: String, Sendable, Codable { case verified, unverified }

struct KioskPunchDetails: Sendable {
    var method: KioskMethod
    var kioskId: UUID
    var faceDistanceE4: Int?
    var verification: FaceVerification?
}

// MARK: sealing

/// Embeddings are biometric data: sealed with AES-256-GCM before they reach the database, bound to the person (the
/// staff id is the associated data, so a sealed value copied to another person does not open).
struct FaceVault: Sendable {
    let key: SymmetricKey

    /// The key from `YAKUBA_FACE_KEY` (base64 of 32 bytes), else from the key file, made (mode 0600) on first use.
    static func load(config: AppConfig) throws -> FaceVault {
        if let b64 = config.faceKey {
            guard let d = Data(base64Encoded: b64), d.count == 32 else { throw YakubaError.internal("YAKUBA_FACE_KEY must be the base64 of 32 bytes") }
            return FaceVault(key: SymmetricKey(data: d))
        }
        let path = config.faceKeyPath
        if let d = FileManager.default.contents(atPath: path) {
            guard let k = Data(base64Encoded: String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), k.count == 32 else {
                throw YakubaError.internal("\(path): not a face key (the base64 of 32 bytes)")
            }
            return FaceVault(key: SymmetricKey(data: k))
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw YakubaError.internal("\(path): cannot create the face key file")
        }
        return FaceVault(key: key)
    }

    func seal(_ descriptors: [[Float]], staffId: UUID) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(descriptors.count * 128 * 4)
        for d in descriptors { for v in d { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } } }
        let box = try AES.GCM.seal(bytes, using: key, authenticating: Array(staffId.lowerText.utf8))
        guard let combined = box.combined else { throw YakubaError.internal("sealing failed") }
        return combined.base64EncodedString()
    }

    /// Any bytes (an evidence photo), bound to `context` (e.g. the punch id).
    func seal(bytes: [UInt8], context: String) throws -> String {
        let box = try AES.GCM.seal(bytes, using: key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw YakubaError.internal("sealing failed") }
        return combined.base64EncodedString()
    }
    func open(bytes sealed: String, context: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Array(context.utf8)) else { return nil }
        return [UInt8](plain)
    }

    /// The descriptors, or nil when the value does not open with this key for this person (a wrong key, a changed row).
    func open(_ sealed: String, staffId: UUID) -> [[Float]]? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Array(staffId.lowerText.utf8)),
              plain.count > 0, plain.count % (128 * 4) == 0 else { return nil }
        let bytes = [UInt8](plain)
        var out: [[Float]] = []
        for r in 0..<(bytes.count / 512) {
            var d = [Float](repeating: 0, count: 128)
            for i in 0..<128 {
                let o = r * 512 + i * 4
                d[i] = Float(bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
            }
            guard d.allSatisfy(\.isFinite) else { return nil }
            out.append(d)
        }
        return out
    }
}

// MARK: queries

enum KioskRepository {
    static func devices(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> [KioskDeviceRow] {
        try await sql.select().column("*").from("kiosk_devices").where("municipality_id", .equal, SQLBind(municipalityId))
            .orderBy("created_at_ms", .descending).all(decoding: KioskDeviceRow.self, with: rowDecoder)
    }
    static func activeDevices(_ sql: any SQLDatabase) async throws -> [KioskDeviceRow] {
        try await sql.select().column("*").from("kiosk_devices").where("revoked_at_ms", .is, SQLLiteral.null)
            .all(decoding: KioskDeviceRow.self, with: rowDecoder)
    }
    static func device(_ sql: any SQLDatabase, id: UUID) async throws -> KioskDeviceRow? {
        try await sql.select().column("*").from("kiosk_devices").where("id", .equal, SQLBind(id)).first(decoding: KioskDeviceRow.self, with: rowDecoder)
    }
    static func enrolments(_ sql: any SQLDatabase, municipalityId: UUID? = nil) async throws -> [FaceEnrolmentRow] {
        var q = sql.select().column("*").from("face_enrolments")
        if let m = municipalityId { q = q.where("municipality_id", .equal, SQLBind(m)) }
        return try await q.all(decoding: FaceEnrolmentRow.self, with: rowDecoder)
    }
    static func enrolment(_ sql: any SQLDatabase, staffId: UUID) async throws -> FaceEnrolmentRow? {
        try await sql.select().column("*").from("face_enrolments").where("staff_id", .equal, SQLBind(staffId)).first(decoding: FaceEnrolmentRow.self, with: rowDecoder)
    }
    static func credentials(_ sql: any SQLDatabase, staffId: UUID) async throws -> [KioskCredentialRow] {
        try await sql.select().column("*").from("kiosk_credentials").where("staff_id", .equal, SQLBind(staffId)).all(decoding: KioskCredentialRow.self, with: rowDecoder)
    }
    static func credential(_ sql: any SQLDatabase, municipalityId: UUID, kind: String, secretHash: String) async throws -> KioskCredentialRow? {
        try await sql.select().column("*").from("kiosk_credentials").where("municipality_id", .equal, SQLBind(municipalityId))
            .where("kind", .equal, SQLBind(kind)).where("secret_hash", .equal, SQLBind(secretHash)).first(decoding: KioskCredentialRow.self, with: rowDecoder)
    }
    /// Sets (replaces) a person's PIN or card, in the caller's transaction.
    static func setCredential(_ sql: any SQLDatabase, _ row: KioskCredentialRow) async throws {
        try await sql.delete(from: "kiosk_credentials").where("staff_id", .equal, SQLBind(row.staffId)).where("kind", .equal, SQLBind(row.kind)).run()
        try await sql.insert(into: "kiosk_credentials").model(row, with: rowEncoder).run()
    }

    /// Sets a PIN or card with its ledger entry, in one transaction of its own.
    static func saveCredential(_ writer: LedgerWriter, _ row: KioskCredentialRow, actor: UUID) async throws {
        try await writer.perform { _, sql in
            try await setCredential(sql, row)
            struct Fact: Codable { var staffId: UUID }
            return [LedgerDraft(municipalityId: row.municipalityId, actorId: actor, type: "kiosk.\(row.kind)_set", subjectId: row.staffId.lowerText, fact: Fact(staffId: row.staffId))]
        }
    }

    /// A leaver's face enrolment, kiosk PIN and card, smile choice and scores, deleted in the caller's transaction;
    /// answers the ledger entries (none when there was nothing).
    static func forgetRetired(_ sql: any SQLDatabase, staffId: UUID, municipalityId: UUID, actor: UUID) async throws -> [LedgerDraft] {
        let had = try await sql.select().column("staff_id").from("face_enrolments").where("staff_id", .equal, SQLBind(staffId)).first() != nil
        for t in ["face_enrolments", "kiosk_credentials", "smile_consents", "smile_scores"] {
            try await sql.delete(from: t).where("staff_id", .equal, SQLBind(staffId)).run()
        }
        guard had else { return [] }
        struct Fact: Codable { var staffId: UUID; var reason: String }
        return [LedgerDraft(municipalityId: municipalityId, actorId: actor, type: "face.deleted", subjectId: staffId.lowerText, fact: Fact(staffId: staffId, reason: "retired"))]
    }

    /// The card's stored form: SHA-256 of the municipality and the number as read (spaces removed, upper case).
    static func cardHash(municipalityId: UUID, card: String) -> String {
        let normal = card.filter { !$0.isWhitespace }.uppercased()
        return SHA256.hash(data: Array((municipalityId.lowerText + ":" + normal).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Face punches still unverified and not yet reviewed, for the people given (a manager's departments, or all).
    static func unreviewed(_ sql: any SQLDatabase, municipalityId: UUID, staffIds: [UUID]?) async throws -> [PunchRow] {
        var q = sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("p"))).from(SQLAlias(SQLIdentifier("punches"), as: SQLIdentifier("p")))
            .join(SQLAlias(SQLIdentifier("punch_reviews"), as: SQLIdentifier("r")), method: SQLJoinMethod.left,
                  on: SQLColumn("punch_id", table: "r"), .equal, SQLColumn("id", table: "p"))
            .where(SQLColumn("municipality_id", table: "p"), .equal, SQLBind(municipalityId))
            .where(SQLColumn("verification", table: "p"), .equal, SQLBind(FaceVerification.unverified.rawValue))
            .where(SQLColumn("punch_id", table: "r"), .is, SQLLiteral.null)
        if let ids = staffIds {
            if ids.isEmpty { return [] }
            q = q.where(SQLColumn("staff_id", table: "p"), .in, SQLBind.group(ids))
        }
        return try await q.orderBy(SQLColumn("at_ms", table: "p"), SQLDirection.descending).limit(500).all(decoding: PunchRow.self, with: rowDecoder)
    }

    static func reviews(_ sql: any SQLDatabase, punchIds: [UUID]) async throws -> [UUID: PunchReviewRow] {
        guard !punchIds.isEmpty else { return [:] }
        var out: [UUID: PunchReviewRow] = [:]
        for r in try await sql.select().column("*").from("punch_reviews").where("punch_id", .in, SQLBind.group(punchIds))
            .all(decoding: PunchReviewRow.self, with: rowDecoder) { out[r.punchId] = r }
        return out
    }
}

// MARK: smile score and evidence photos (both off unless the municipality turns them on)

/// The municipality's kiosk choices (the administrator's): the smile score, and evidence photos kept for some days.
struct CreateFaceOptions: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("face_settings")
            .field("municipality_id", .uuid, .required, .references("municipalities", "id"))
            .field("smile", .bool, .required)
            .field("evidence_days", .int, .required)
            .field("updated_at_ms", .int64, .required)
            .field("updated_by", .uuid, .required)
            .unique(on: "municipality_id")
            .create()
        // a person's own choice to have a smile score (opt-in; absent = no)
        try await db.schema("smile_consents")
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("municipality_id", .uuid, .required)
            .field("consented_at_ms", .int64, .required)
            .unique(on: "staff_id")
            .create()
        try await db.schema("smile_scores")
            .id()
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required, .references("staff", "id"))
            .field("date", .string, .required)
            .field("score", .int, .required)
            .field("punch_id", .uuid, .required)
            .field("recorded_at_ms", .int64, .required)
            .create()
        // the frame a face punch was recognised from, sealed, deleted after the retention period
        try await db.schema("punch_evidence")
            .field("punch_id", .uuid, .required, .references("punches", "id"))
            .field("municipality_id", .uuid, .required)
            .field("staff_id", .uuid, .required)
            .field("sealed", .string, .required)
            .field("content_type", .string, .required)
            .field("created_at_ms", .int64, .required)
            .field("delete_after_ms", .int64, .required)
            .unique(on: "punch_id")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "smile_scores_muni_date_idx").on("smile_scores").column("municipality_id").column("date").run()
            try await sql.create(index: "smile_scores_staff_idx").on("smile_scores").column("staff_id").column("date").run()
            try await sql.create(index: "punch_evidence_expiry_idx").on("punch_evidence").column("delete_after_ms").run()
        }
    }
    func revert(on db: any Database) async throws {
        for t in ["punch_evidence", "smile_scores", "smile_consents", "face_settings"] { try await db.schema(t).delete() }
    }
}

struct FaceSettingsRow: Codable, Sendable, Hashable {
    var municipalityId: UUID
    var smile: Bool
    /// 0 = no evidence photos
    var evidenceDays: Int
    var updatedAtMs: Int64
    var updatedBy: UUID
}

struct SmileScoreRow: Codable, Sendable, Hashable {
    var id: UUID
    var municipalityId: UUID
    var staffId: UUID
    var date: String
    /// 0–100: the model's probability of 'happy', in percent
    var score: Int
    var punchId: UUID
    var recordedAtMs: Int64
}

struct PunchEvidenceRow: Codable, Sendable, Hashable {
    var punchId: UUID
    var municipalityId: UUID
    var staffId: UUID
    var sealed: String
    var contentType: String
    var createdAtMs: Int64
    var deleteAfterMs: Int64
}

extension KioskRepository {
    static func settings(_ sql: any SQLDatabase, municipalityId: UUID) async throws -> FaceSettingsRow? {
        try await sql.select().column("*").from("face_settings").where("municipality_id", .equal, SQLBind(municipalityId)).first(decoding: FaceSettingsRow.self, with: rowDecoder)
    }
    static func smileConsented(_ sql: any SQLDatabase, staffId: UUID) async throws -> Bool {
        try await sql.select().column("staff_id").from("smile_consents").where("staff_id", .equal, SQLBind(staffId)).first() != nil
    }
    static func smiles(_ sql: any SQLDatabase, municipalityId: UUID, staffId: UUID? = nil, from: CalendarDate, to: CalendarDate) async throws -> [SmileScoreRow] {
        var q = sql.select().column("*").from("smile_scores").where("municipality_id", .equal, SQLBind(municipalityId))
            .where("date", .greaterThanOrEqual, SQLBind(from.iso)).where("date", .lessThanOrEqual, SQLBind(to.iso))
        if let s = staffId { q = q.where("staff_id", .equal, SQLBind(s)) }
        return try await q.orderBy("date").all(decoding: SmileScoreRow.self, with: rowDecoder)
    }
    static func evidence(_ sql: any SQLDatabase, punchIds: [UUID]) async throws -> [UUID: PunchEvidenceRow] {
        guard !punchIds.isEmpty else { return [:] }
        var out: [UUID: PunchEvidenceRow] = [:]
        for r in try await sql.select().column("*").from("punch_evidence").where("punch_id", .in, SQLBind.group(punchIds))
            .all(decoding: PunchEvidenceRow.self, with: rowDecoder) { out[r.punchId] = r }
        return out
    }

    /// Deletes the evidence photos past their retention (at start-up and every hour), with one ledger entry per sweep.
    @discardableResult
    static func sweepEvidence(_ writer: LedgerWriter, now: Int64 = nowMs()) async throws -> Int {
        try await writer.perform(returning: { _, sql in
            struct Expired: Decodable { var punchId: UUID; var municipalityId: UUID }
            let expired = try await sql.select().columns("punch_id", "municipality_id").from("punch_evidence")
                .where("delete_after_ms", .lessThan, SQLBind(now)).all(decoding: Expired.self, with: rowDecoder)
            guard !expired.isEmpty else { return (0, []) }
            try await sql.delete(from: "punch_evidence").where("delete_after_ms", .lessThan, SQLBind(now)).run()
            struct Fact: Codable { var punchIds: [UUID]; var before: Int64 }
            let drafts = Dictionary(grouping: expired, by: \.municipalityId).map { m, rows in
                LedgerDraft(municipalityId: m, actorId: nil, type: "evidence.deleted", subjectId: m.lowerText,
                            fact: Fact(punchIds: rows.map(\.punchId).sorted { $0.uuidString < $1.uuidString }, before: now))
            }
            return (expired.count, drafts)
        })
    }
}

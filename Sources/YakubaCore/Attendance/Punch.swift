import Foundation

/// 打刻の種類. API spelling: `in`, `out`, `break_start`, `break_end`.
public enum PunchKind: String, Sendable, Codable, CaseIterable, Hashable {
    case clockIn = "in"
    case clockOut = "out"
    case breakStart = "break_start"
    case breakEnd = "break_end"

    public var labelJa: String {
        switch self { case .clockIn: "出勤"; case .clockOut: "退勤"; case .breakStart: "休憩開始"; case .breakEnd: "休憩終了" }
    }
    public var labelEn: String {
        switch self { case .clockIn: "Clock in"; case .clockOut: "Clock out"; case .breakStart: "Start break"; case .breakEnd: "End break" }
    }
}

/// Where a punch came from.
public enum PunchSource: String, Sendable, Codable, CaseIterable, Hashable {
    /// the person punched for themselves (phone, PC, kiosk, API)
    case selfService = "self"
    /// a manager entered it on the person's behalf (代理打刻); marked as such in the book
    case proxy
    /// created by an approved correction
    case correction
}

/// One clock event: a fact, never updated in place.
public struct Punch: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var staffId: UUID
    public var kind: PunchKind
    /// the server's time: authoritative
    public var at: Date
    /// the device's time as it reported it, kept beside for audits
    public var deviceAt: Date?
    public var place: String
    public var source: PunchSource
    /// who entered it (the staff member, a proxy manager, or the approver of a correction)
    public var recordedBy: UUID

    public init(id: UUID, staffId: UUID, kind: PunchKind, at: Date, deviceAt: Date? = nil, place: String, source: PunchSource = .selfService, recordedBy: UUID) {
        self.id = id; self.staffId = staffId; self.kind = kind; self.at = at; self.deviceAt = deviceAt
        self.place = place; self.source = source; self.recordedBy = recordedBy
    }
}

/// 打刻修正: what the person asks to change.
public enum CorrectionAction: String, Sendable, Codable, CaseIterable, Hashable {
    /// add a missing punch (forgotten clock-out, …)
    case add
    /// replace a wrong punch by one with another time or kind
    case replace
    /// withdraw a punch made by mistake
    case void
    public var labelJa: String { switch self { case .add: "追加"; case .replace: "修正"; case .void: "取消" } }
    public var labelEn: String { switch self { case .add: "Add"; case .replace: "Change"; case .void: "Withdraw" } }
}

public enum RequestStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pending, approved, rejected, withdrawn
    public var labelJa: String { switch self { case .pending: "承認待ち"; case .approved: "承認済"; case .rejected: "却下"; case .withdrawn: "取下げ" } }
    public var labelEn: String { switch self { case .pending: "Pending"; case .approved: "Approved"; case .rejected: "Rejected"; case .withdrawn: "Withdrawn" } }
}

/// A correction as a fact. The original punch stays; an approved correction is applied on top of it.
public struct PunchCorrection: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var staffId: UUID
    public var action: CorrectionAction
    /// the punch it changes (replace, void); nil for add
    public var targetPunchId: UUID?
    /// the new kind and time (add, replace)
    public var kind: PunchKind?
    public var at: Date?
    public var place: String?
    public var reason: String
    public var status: RequestStatus
    public var requestedBy: UUID
    public var requestedAt: Date
    public var decidedBy: UUID?
    public var decidedAt: Date?
    public var decisionComment: String?

    public init(id: UUID, staffId: UUID, action: CorrectionAction, targetPunchId: UUID?, kind: PunchKind?, at: Date?, place: String?,
                reason: String, status: RequestStatus = .pending, requestedBy: UUID, requestedAt: Date,
                decidedBy: UUID? = nil, decidedAt: Date? = nil, decisionComment: String? = nil) {
        self.id = id; self.staffId = staffId; self.action = action; self.targetPunchId = targetPunchId
        self.kind = kind; self.at = at; self.place = place; self.reason = reason; self.status = status
        self.requestedBy = requestedBy; self.requestedAt = requestedAt
        self.decidedBy = decidedBy; self.decidedAt = decidedAt; self.decisionComment = decisionComment
    }
}

/// A punch as it counts after corrections, with where it came from.
public struct EffectivePunch: Hashable, Sendable {
    public var id: UUID
    public var kind: PunchKind
    public var at: Date
    public var place: String
    public var source: PunchSource
    /// the approved correction that produced it, if any
    public var correctionId: UUID?

    public init(id: UUID, kind: PunchKind, at: Date, place: String, source: PunchSource, correctionId: UUID?) {
        self.id = id; self.kind = kind; self.at = at; self.place = place; self.source = source; self.correctionId = correctionId
    }

    /// A raw punch as it counts when no correction touches it.
    public init(raw p: Punch) {
        self.init(id: p.id, kind: p.kind, at: p.at, place: p.place, source: p.source, correctionId: nil)
    }
}

public enum PunchStream {
    /// Applies approved corrections (in the order they were decided) to the raw punches.
    /// Raw punches are never changed: a replaced or voided punch is left out of the result, and
    /// the correction's new punch is added in its place.
    public static func effective(raw: [Punch], corrections: [PunchCorrection]) -> [EffectivePunch] {
        effective(raw: raw.map(EffectivePunch.init(raw:)), corrections: corrections)
    }

    /// The same, the raw punches read as `EffectivePunch` already (`init(raw:)`: no correction id), as the close reads them.
    public static func effective(raw: [EffectivePunch], corrections: [PunchCorrection]) -> [EffectivePunch] {
        // most people have no approved correction in a month: keep their punches as they are, in order
        if !corrections.contains(where: { $0.status == .approved }) {
            // the database hands them over in time order: sort only when they are not
            if raw.indices.dropFirst().allSatisfy({ raw[$0 - 1].at < raw[$0].at }) { return raw }
            return raw.sorted { $0.at != $1.at ? $0.at < $1.at : $0.id.bytesPrecede($1.id) }
        }
        var byId: [UUID: EffectivePunch] = [:]
        for p in raw { byId[p.id] = p }
        let approved = corrections.filter { $0.status == .approved }
            .sorted { a, b in
                let x = a.decidedAt ?? a.requestedAt, y = b.decidedAt ?? b.requestedAt
                return x != y ? x < y : a.id.bytesPrecede(b.id)
            }
        for c in approved {
            switch c.action {
            case .add:
                if let k = c.kind, let at = c.at {
                    byId[c.id] = EffectivePunch(id: c.id, kind: k, at: at, place: c.place ?? "", source: .correction, correctionId: c.id)
                }
            case .replace:
                guard let t = c.targetPunchId, let old = byId.removeValue(forKey: t) else { continue }
                byId[c.id] = EffectivePunch(id: c.id, kind: c.kind ?? old.kind, at: c.at ?? old.at, place: c.place ?? old.place,
                                            source: .correction, correctionId: c.id)
            case .void:
                if let t = c.targetPunchId { byId.removeValue(forKey: t) }
            }
        }
        // by time, then by id (byte order, the same as the text's order, without formatting the text each time)
        return byId.values.sorted { $0.at != $1.at ? $0.at < $1.at : $0.id.bytesPrecede($1.id) }
    }
}

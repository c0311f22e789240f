import Foundation

// The roster's sensitive part (issue 5): what the published indicators need and nothing else — a person's sex, the
// births of their children (for who newly became eligible for 育児休業 and the fathers' leaves) — and the rank class
// each position title counts in (女性管理職比率). HR keeps them; every view of a person's record is logged by the server.

/// 性別, as the 女性活躍推進法 indicators count it. Not recorded = counted in the totals only.
public enum Sex: String, Sendable, Codable, CaseIterable, Hashable {
    case female, male
    public var labelJa: String { self == .female ? "女性" : "男性" }
    public var labelEn: String { self == .female ? "Female" : "Male" }

    /// Accepts the code or what HR types in a spreadsheet (女, 女性, F, …); nil for anything else.
    public init?(code: String) {
        switch code.trimmingCharacters(in: .whitespaces).lowercased() {
        case "female", "f", "女", "女性": self = .female
        case "male", "m", "男", "男性": self = .male
        default: return nil
        }
    }
}

/// 役職段階: the three classes a body's ranks are mapped to (work-rules §5.3). 管理的地位 is the management class; a body
/// that counts 課長補佐級 as management maps that title to it.
public enum RankClass: String, Sendable, Codable, CaseIterable, Hashable {
    /// 管理職（課長級以上）
    case management
    /// 監督職（係長級）
    case supervisory
    /// 一般職
    case general

    public var labelJa: String {
        switch self { case .management: "管理職（課長級以上）"; case .supervisory: "監督職（係長級）"; case .general: "一般職" }
    }
    public var labelEn: String {
        switch self { case .management: "Management (section chief and above)"; case .supervisory: "Supervisory (unit chief)"; case .general: "General" }
    }
}

/// Which rank class each position title (職名, as the roster spells it) counts in. A title HR has not mapped is classed by
/// the common titles (`guess`): 部長・次長・課長・参事・所長・局長… are management, 課長補佐・係長・主幹・主査… supervisory.
public struct RankClassMap: Sendable, Codable, Hashable {
    public var classes: [String: RankClass]
    public init(_ classes: [String: RankClass] = [:]) { self.classes = classes }

    public func rankClass(of position: String) -> RankClass {
        let p = position.trimmingCharacters(in: .whitespaces)
        return classes[p] ?? Self.guess(p)
    }

    /// The common default for a title: longest match first, so 課長補佐 is supervisory and 課長 management.
    public static func guess(_ position: String) -> RankClass {
        let p = position.trimmingCharacters(in: .whitespaces)
        if p.isEmpty { return .general }
        for s in ["補佐", "係長", "主幹", "主査"] where p.contains(s) { return .supervisory }
        for s in ["部長", "次長", "課長", "参事", "局長", "所長", "室長", "館長", "園長", "校長", "理事", "市長", "会計管理者"]
        where p.contains(s) { return .management }
        return .general
    }
}

/// One fact of a person's sensitive record, as HR entered it: never changed in place. A later `sex` fact replaces an earlier
/// one (an empty value clears it); a `birth` names a child's birth date; `birthWithdrawn` takes back a birth entered in error.
public struct PersonalFact: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable { case sex, birth, birthWithdrawn = "birth_withdrawn" }
    public var id: UUID
    public var staffId: UUID
    public var kind: Kind
    /// sex: `female` / `male` / empty; birth: the date (ISO); birthWithdrawn: the id of the birth fact
    public var value: String
    public var recordedAtMs: Int64
    public init(id: UUID, staffId: UUID, kind: Kind, value: String, recordedAtMs: Int64) {
        self.id = id; self.staffId = staffId; self.kind = kind; self.value = value; self.recordedAtMs = recordedAtMs
    }
}

/// A person's sensitive record, folded from their facts.
public struct PersonalRecord: Sendable, Hashable {
    public struct Birth: Sendable, Hashable { public var factId: UUID; public var date: CalendarDate }
    public var sex: Sex?
    /// children's births, oldest first
    public var births: [Birth]
    public init(sex: Sex? = nil, births: [Birth] = []) { self.sex = sex; self.births = births }

    /// Folds one person's facts (in any order: the time they were recorded decides).
    public static func fold(_ facts: [PersonalFact]) -> PersonalRecord {
        var r = PersonalRecord()
        var withdrawn = Set<UUID>()
        var births: [Birth] = []
        for f in facts.sorted(by: { ($0.recordedAtMs, $0.id.uuidString) < ($1.recordedAtMs, $1.id.uuidString) }) {
            switch f.kind {
            case .sex: r.sex = Sex(rawValue: f.value)
            case .birth: if let d = CalendarDate(iso: f.value) { births.append(Birth(factId: f.id, date: d)) }
            case .birthWithdrawn: if let id = UUID(uuidString: f.value) { withdrawn.insert(id) }
            }
        }
        r.births = births.filter { !withdrawn.contains($0.factId) }.sorted { ($0.date, $0.factId.uuidString) < ($1.date, $1.factId.uuidString) }
        return r
    }
}

import Foundation
import YakubaCore

// Rankings like jinjer's (issue 5): departments by 打刻率 and by overtime, from the same monthly aggregates as the
// dashboard. HR and 所属長 see the departments' table; a member of staff sees only their own figures and where their
// department stands.

/// A department's place in a ranking.
public struct RankedGroup: Sendable, Hashable {
    public var groupId: UUID
    /// 1 = first; equal figures share a rank (1, 2, 2, 4)
    public var rank: Int
    public var figures: GroupFigures
}

public enum Rankings {
    public enum Kind: String, Sendable, CaseIterable, Hashable {
        /// 打刻率, highest first (departments with no days needing punches are not ranked)
        case punchRate
        /// overtime per person-month, highest first
        case overtime
    }

    /// The groups of a report ranked by `kind`; ties share a rank and are listed by id for a stable order.
    public static func rank(_ groups: [GroupFigures], by kind: Kind) -> [RankedGroup] {
        func value(_ g: GroupFigures) -> Double? {
            switch kind {
            case .punchRate: g.punchRate
            case .overtime: g.personMonths > 0 ? g.overtimePerPersonMonth : nil
            }
        }
        let ranked = groups.compactMap { g -> (GroupFigures, Double, UUID)? in
            guard let id = g.groupId, let v = value(g) else { return nil }
            return (g, v, id)
        }.sorted { a, b in a.1 != b.1 ? a.1 > b.1 : a.2.uuidString < b.2.uuidString }
        var out: [RankedGroup] = []
        for (i, r) in ranked.enumerated() {
            let rank = i > 0 && ranked[i - 1].1 == r.1 ? out[i - 1].rank : i + 1
            out.append(RankedGroup(groupId: r.2, rank: rank, figures: r.0))
        }
        return out
    }
}

import Foundation
import YakubaCore

/// Trends of the condition check (issue 5): weekly averages for a person or a group, and the decline the early warning
/// counts. Groups show an average only when five people or more answered that week, so nobody's answer can be read off.
public enum ConditionTrend {
    /// A department's or a person's week.
    public struct Week: Sendable, Hashable {
        /// the Monday it starts on
        public var start: CalendarDate
        public var answers: Int
        public var people: Int
        public var total: Int
        /// the mean score, nil when nobody answered (or, for a group, fewer people than the minimum did)
        public var average: Double?
    }

    /// Groups are shown from this many people answering in a week.
    public static let minimumPeople = 5
    /// The recent window and the one before it, in days, and the answers each needs for a decline to be counted.
    public static let recentDays = 28, previousDays = 56, minimumAnswers = 5

    /// The Monday of the week holding `d`.
    public static func monday(_ d: CalendarDate) -> CalendarDate { d.adding(days: -((d.weekday + 6) % 7)) }

    /// The `count` weeks ending with the one holding `through`, oldest first.
    public static func weeks(count: Int, through: CalendarDate) -> [CalendarDate] {
        let last = monday(through)
        return (0..<count).reversed().map { last.adding(days: -7 * $0) }
    }

    /// Weekly averages of `checks` (one person's or a group's), for the weeks given; with `minimumPeople` above 1, a week
    /// with fewer people answering has no average.
    public static func weekly(_ checks: [ConditionCheck], weeks: [CalendarDate], minimumPeople: Int = 1) -> [Week] {
        var byWeek: [CalendarDate: (answers: Int, total: Int, people: Set<UUID>)] = [:]
        let wanted = Set(weeks)
        for c in checks {
            let w = monday(c.date)
            guard wanted.contains(w) else { continue }
            byWeek[w, default: (0, 0, [])].answers += 1
            byWeek[w, default: (0, 0, [])].total += c.score
            byWeek[w, default: (0, 0, [])].people.insert(c.staffId)
        }
        return weeks.map { w in
            let b = byWeek[w]
            let answers = b?.answers ?? 0, people = b?.people.count ?? 0, total = b?.total ?? 0
            let shown = answers > 0 && people >= minimumPeople
            return Week(start: w, answers: shown ? answers : 0, people: people, total: shown ? total : 0,
                        average: shown ? Double(total) / Double(answers) : nil)
        }
    }

    /// How far the mean of the last 28 days fell below the mean of the 56 days before, in tenths of a point (0 when it
    /// rose); nil when either window has fewer than five answers.
    public static func decline(recentTotal: Int, recentAnswers: Int, previousTotal: Int, previousAnswers: Int) -> Int? {
        guard recentAnswers >= minimumAnswers, previousAnswers >= minimumAnswers else { return nil }
        let drop = Double(previousTotal) / Double(previousAnswers) - Double(recentTotal) / Double(recentAnswers)
        return max(0, Int((drop * 10).rounded()))
    }

    /// The decline for one person's answers, up to `through`.
    public static func decline(_ checks: [ConditionCheck], through: CalendarDate) -> Int? {
        let recentFrom = through.adding(days: -(recentDays - 1)), previousFrom = recentFrom.adding(days: -previousDays)
        var rt = 0, rn = 0, pt = 0, pn = 0
        for c in checks where c.date <= through && c.date >= previousFrom {
            if c.date >= recentFrom { rt += c.score; rn += 1 } else { pt += c.score; pn += 1 }
        }
        return decline(recentTotal: rt, recentAnswers: rn, previousTotal: pt, previousAnswers: pn)
    }
}

import Foundation
import Testing
import YakubaCore
@testable import YakubaInsights

@Suite("The condition check's trends and the early warning's decline (issue 5)")
struct ConditionTests {
    func d(_ s: String) -> CalendarDate { CalendarDate(iso: s)! }

    @Test func weeksStartOnMondayAndAveragesAreWeekly() {
        #expect(ConditionTrend.monday(d("2026-11-29")).iso == "2026-11-23", "a Sunday belongs to the week that began the Monday before")
        #expect(ConditionTrend.monday(d("2026-11-30")).iso == "2026-11-30")
        let weeks = ConditionTrend.weeks(count: 3, through: d("2026-12-02"))
        #expect(weeks.map(\.iso) == ["2026-11-16", "2026-11-23", "2026-11-30"])
        let a = UUID()
        let checks = [ConditionCheck(staffId: a, date: d("2026-11-24"), score: 4), ConditionCheck(staffId: a, date: d("2026-11-25"), score: 3),
                      ConditionCheck(staffId: a, date: d("2026-12-01"), score: 2)]
        let t = ConditionTrend.weekly(checks, weeks: weeks)
        #expect(t.map(\.average) == [nil, 3.5, 2.0] && t.map(\.answers) == [0, 2, 1])
    }

    @Test func aGroupWeekWithFewerThanFivePeopleShowsNothing() {
        // only aggregates of five people or more are shown to managers: four people's answers cannot be read off
        let week = ConditionTrend.weeks(count: 1, through: d("2026-12-02"))
        let four = (0..<4).map { _ in ConditionCheck(staffId: UUID(), date: d("2026-12-01"), score: 1) }
        let w4 = ConditionTrend.weekly(four + four.map { ConditionCheck(staffId: $0.staffId, date: d("2026-12-02"), score: 1) }, weeks: week, minimumPeople: 5)[0]
        #expect(w4.average == nil && w4.answers == 0 && w4.people == 4, "eight answers from four people: hidden")
        let five = four + [ConditionCheck(staffId: UUID(), date: d("2026-12-02"), score: 5)]
        let w5 = ConditionTrend.weekly(five, weeks: week, minimumPeople: 5)[0]
        #expect(w5.average == 9.0 / 5 && w5.people == 5)
    }

    @Test func theDeclineComparesTheLastFourWeeksWithTheEightBeforeAndNeedsFiveAnswersEach() {
        let a = UUID()
        let through = d("2026-12-02")
        let before = (29...40).map { ConditionCheck(staffId: a, date: through.adding(days: -$0), score: 4) }
        let recent = (0...5).map { ConditionCheck(staffId: a, date: through.adding(days: -$0), score: 3) }
        #expect(ConditionTrend.decline(before + recent, through: through) == 10, "4.0 → 3.0: one point, ten tenths")
        #expect(ConditionTrend.decline(before + recent.prefix(4), through: through) == nil, "four recent answers are too few")
        #expect(ConditionTrend.decline(before.map { ConditionCheck(staffId: a, date: $0.date, score: 2) } + recent, through: through) == 0, "a rise is no decline")
        // answers older than 12 weeks and after `through` are not counted
        let old = ConditionCheck(staffId: a, date: through.adding(days: -84), score: 5), later = ConditionCheck(staffId: a, date: through.adding(days: 1), score: 1)
        #expect(ConditionTrend.decline(before + recent + [old, later], through: through) == 10)
    }

    @Test func theEarlyWarningCountsTheDeclineOnlyWhereTheCheckIsUsed() {
        let a = UUID(), month = YearMonth(iso: "2026-11")!
        let rows = [StaffMonthStats(staffId: a, month: month, departmentId: nil, employment: .regular, overtimeMinutes: 0, workedMinutes: 9000,
                                    scheduledDays: 20, scheduledMinutes: 9300, counts: DayCounts())]
        let without = RiskScore.assess(staffId: a, months: rows, through: month)
        #expect(!without.factors.contains { $0.kind == .conditionDecline }, "not used: the factor is not shown")
        let used = RiskScore.assess(staffId: a, months: rows, through: month, condition: .some(7))
        let f = try! #require(used.factors.first { $0.kind == .conditionDecline })
        #expect(f.points == RiskSettings.default.conditionWeight && f.labelJa.contains("0.7点下がっています"))
        let tooFew = RiskScore.assess(staffId: a, months: rows, through: month, condition: .some(nil))
        #expect(tooFew.factors.first { $0.kind == .conditionDecline }?.points == 0)
        let listed = RiskScore.listed(rows, through: month, settings: { var s = RiskSettings(); s.listFrom = 15; return s }(), conditions: [a: 5])
        #expect(listed.map(\.staffId) == [a])
        // settings saved before the factor existed read it as the default
        let old = try! JSONDecoder().decode(RiskSettings.self, from: Data(#"{"listFrom": 30}"#.utf8))
        #expect(old.listFrom == 30 && old.conditionDropTenths == 5 && old.conditionWeight == 15)
    }
}

import Foundation
import Testing
import YakubaCore
@testable import YakubaInsights

@Suite("The 所属長's team page: who needs attention first, and why (issue 5)")
struct TeamTests {
    let nov = YearMonth(year: 2026, month: 11)!
    let selfPaced = OvertimeRegime.workload(.selfPaced)
    let externallyDriven = OvertimeRegime.workload(.externallyDriven)

    func member(_ number: String, hours: [YearMonth: Int], regime: OvertimeRegime? = nil, partTime: Bool = false, missing: Int = 0, absent: Int = 0,
                pending: Int = 0, beyond: Int = 0) -> TeamMember {
        let minutes = hours.mapValues { $0 * 60 }
        let st = OvertimeLimits.standing(month: nov, minutes: minutes, regime: regime ?? selfPaced)
        return TeamMember(staffId: UUID(), sortKey: number, partTime: partTime, standing: st, overtimeMinutes: minutes[nov] ?? 0,
                          missingPunchDays: missing, absentDays: absent, pendingRequests: pending, beyondScheduleMinutes: beyond)
    }

    @Test func eachReasonNamesItsFigure() {
        // 自律部署 45h a month (人事院規則15-14): 40h is 88% of it; 50h is past it
        let near = TeamView.reasons(member("1", hours: [nov: 40]))
        #expect(near.count == 1)
        #expect(near[0].labelJa == "上限「月45時間」の88%です（40時間）")
        let over = TeamView.reasons(member("2", hours: [nov: 50]))
        #expect(over.first?.severity == 3)
        #expect(over[0].labelJa.contains("上限「月45時間」を超えています（50時間）"))
        #expect(over[0].labelEn.contains("Over the limit “45h a month” (50h)"))
        // 他律部署: 100h in a month is a doctor's interview and past the bound of under 100h
        let heavy = TeamView.reasons(member("3", hours: [nov: 100], regime: externallyDriven))
        #expect(heavy.first == .doctorInterview)
        #expect(heavy.contains { if case .limitExceeded = $0 { true } else { false } })
        // punches, absence, requests, a part-timer's time beyond their schedule
        let tidy = TeamView.reasons(member("4", hours: [:], partTime: true, missing: 2, absent: 1, pending: 3, beyond: 95))
        #expect(tidy.map(\.labelJa) == ["打刻も休暇もない勤務日が1日あります", "打刻漏れが2日あります", "勤務時間を超えて1時間35分働いています（会計年度任用職員）",
                                        "未処理の申請が3件あります"])
        // a regular person's time outside their schedule is overtime, counted by the limits, not a reason of its own; a
        // part-timer's few minutes are not hidden overtime
        #expect(TeamView.reasons(member("5", hours: [:], beyond: 95)).isEmpty)
        #expect(TeamView.reasons(member("6", hours: [:], partTime: true, beyond: 59)).isEmpty)
    }

    @Test func theMostUrgentComeFirst() {
        let team = [
            member("S1", hours: [nov: 10]),                                       // nothing
            member("S2", hours: [nov: 10], missing: 1),                           // tidy up
            member("S3", hours: [nov: 38]),                                       // 84%
            member("S4", hours: [nov: 40]),                                       // 88%
            member("S5", hours: [nov: 100], regime: externallyDriven),            // doctor
            member("S6", hours: [nov: 10], absent: 2),                            // absence
            member("S7", hours: [nov: 10]),                                       // nothing
        ]
        let order = TeamView.ordered(team).map(\.member.sortKey)
        #expect(order == ["S5", "S4", "S3", "S6", "S2", "S1", "S7"])
        // the 2–6-month average of 他律部署 counts the months before (work-rules §2.3)
        let oct = nov.previous
        let averaged = member("S8", hours: [oct: 95, nov: 70], regime: externallyDriven)
        #expect(TeamView.reasons(averaged).first == .doctorInterview, "(95 + 70) / 2 > 80")
    }

    @Test func theSummaryCountsEachPersonOnce() {
        let team = [member("1", hours: [nov: 50]), member("2", hours: [nov: 40], missing: 1, pending: 2), member("3", hours: [nov: 5], absent: 1, pending: 1),
                    member("4", hours: [nov: 100], regime: externallyDriven)]
        let s = TeamView.summary(team)
        #expect(s.people == 4 && s.overtimeMinutes == (50 + 40 + 5 + 100) * 60)
        #expect(s.overLimit == 2 && s.nearLimit == 1 && s.doctorInterview == 1)
        #expect(s.withMissingPunches == 2 && s.pendingRequests == 3)
        // property: however the team is ordered, the summary and the set of people are the same
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let shuffled = team.shuffled(using: &g)
            #expect(TeamView.summary(shuffled) == s)
            #expect(Set(TeamView.ordered(shuffled).map(\.member.staffId)) == Set(team.map(\.staffId)))
            #expect(TeamView.ordered(shuffled).map(\.member.staffId) == TeamView.ordered(team).map(\.member.staffId), "a total order")
        }
    }
}

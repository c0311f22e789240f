import Foundation
import Testing
import YakubaCore
@testable import YakubaInsights

@Suite("The HR dashboard's figures (issue 5)")
struct DashboardTests {
    let a = UUID(), b = UUID(), c = UUID()
    let deptX = UUID(), deptY = UUID()

    func row(_ staff: UUID, _ month: String, dept: UUID?, overtime: Int, employment: EmploymentType = .regular, punch: Int = 20, complete: Int = 20,
             missing: Int = 0, leaveDays: Int = 0, leaveMinutes: Int = 0, beyond: Int = 0) -> StaffMonthStats {
        var counts = DayCounts()
        counts.punchDays = punch; counts.completeDays = complete; counts.missingDays = missing
        counts.annualLeaveDays = leaveDays; counts.annualLeaveMinutes = leaveMinutes; counts.beyondScheduleMinutes = beyond
        return StaffMonthStats(staffId: staff, month: YearMonth(iso: month)!, departmentId: dept, employment: employment, overtimeMinutes: overtime,
                               workedMinutes: 9000, scheduledDays: 20, scheduledMinutes: 9300, counts: counts)
    }

    @Test func periodsAreParsedAndFiscalYearsRunAprilToMarch() {
        #expect(DashboardPeriod(code: "FY2026") == .fiscalYear(2026))
        #expect(DashboardPeriod(code: "fy2026") == .fiscalYear(2026))
        #expect(DashboardPeriod(code: "2026-11") == .month(YearMonth(iso: "2026-11")!))
        for bad in ["", "2026", "FY", "FY20x6", "2026-13", "FY1999"] { #expect(DashboardPeriod(code: bad) == nil, "\(bad)") }
        let months = DashboardPeriod.fiscalYear(2026).months
        #expect(months.count == 12 && months.first?.iso == "2026-04" && months.last?.iso == "2027-03")
        #expect(DashboardPeriod.fiscalYear(2026).labelJa == "2026年度（令和8年度）")
    }

    @Test func peopleOverEachLineAreCountedOncePerPersonAndOncePerMonth() {
        // work-rules §2.3: the lines are "over" 45/60/80/100 hours; exactly 45h is not over
        let rows = [
            row(a, "2026-04", dept: deptX, overtime: 45 * 60), row(a, "2026-05", dept: deptX, overtime: 45 * 60 + 1),
            row(a, "2026-06", dept: deptX, overtime: 81 * 60),
            row(b, "2026-04", dept: deptY, overtime: 101 * 60), row(b, "2026-05", dept: deptY, overtime: 100 * 60),
            row(b, "2026-06", dept: deptY, overtime: 100 * 60), row(b, "2026-07", dept: deptY, overtime: 100 * 60),
            row(c, "2026-04", dept: deptY, overtime: 0, employment: .fiscalYearPartTime, beyond: 30),
            // outside the fiscal year: not counted
            row(a, "2026-03", dept: deptX, overtime: 200 * 60),
        ]
        let r = Dashboard.report(rows, period: .fiscalYear(2026), filter: DashboardFilter(), group: { $0 })
        #expect(r.peopleOver[.h45] == 2)         // a (May, June), b
        #expect(r.personMonthsOver[.h45] == 6)  // a: May, June; b: all four
        #expect(r.peopleOver[.h80] == 2)
        #expect(r.peopleOver[.h100] == 1 && r.personMonthsOver[.h100] == 1)  // only b's April is over 100
        #expect(r.peopleOverYear[.h360] == 1)   // b: 401h; a: 171h
        #expect(r.peopleOverYear[.h720] == nil)
        #expect(r.total.people == 3 && r.total.personMonths == 8)
        #expect(r.total.overtimeMinutes == (45 * 60 + 45 * 60 + 1 + 81 * 60) + (101 + 100 + 100 + 100) * 60)
        #expect(r.monthsWithData.map(\.iso) == ["2026-04", "2026-05", "2026-06", "2026-07"])
        // minutes are conserved: the months, the groups and the people each add up to the total
        #expect(r.byMonth.map(\.overtimeMinutes).reduce(0, +) == r.total.overtimeMinutes)
        #expect(r.groups.map(\.overtimeMinutes).reduce(0, +) == r.total.overtimeMinutes)
        #expect(r.people.map(\.overtimeMinutes).reduce(0, +) == r.total.overtimeMinutes)
        // the groups, most overtime first; the top people, most first
        #expect(r.groups.map(\.groupId) == [deptY, deptX])
        #expect(r.top(2, by: .overtime).map(\.staffId) == [b, a])
        #expect(Dashboard.people(r, metric: .over80, group: deptX, groupOf: { $0 }).map(\.staffId) == [a])
        // a part-timer half an hour beyond their schedule in a month is not flagged (an hour a month is)
        #expect(r.partTimePeople == 1 && r.partTimeBeyond == 0)
    }

    @Test func filtersKeepOnlyTheDepartmentsAndEmploymentAsked() {
        let rows = [row(a, "2026-11", dept: deptX, overtime: 600), row(b, "2026-11", dept: deptY, overtime: 1200),
                    row(c, "2026-11", dept: deptY, overtime: 60, employment: .fiscalYearPartTime, beyond: 90), row(UUID(), "2026-11", dept: nil, overtime: 5)]
        let month = DashboardPeriod.month(YearMonth(iso: "2026-11")!)
        var r = Dashboard.report(rows, period: month, filter: DashboardFilter(departments: [deptY]), group: { $0 })
        #expect(r.total.people == 2 && r.total.overtimeMinutes == 1260)
        r = Dashboard.report(rows, period: month, filter: DashboardFilter(employment: .fiscalYearPartTime), group: { $0 })
        #expect(r.total.people == 1 && r.partTimeBeyond == 1)
        #expect(Dashboard.people(r, metric: .beyond, group: nil, groupOf: { $0 }).map(\.staffId) == [c])
        r = Dashboard.report(rows, period: month, filter: DashboardFilter(), group: { $0 })
        #expect(r.total.people == 4 && r.groups.count == 2, "a person without a department counts in the total, in no group")
    }

    @Test func clockInRateAndLeaveAreRatiosOfTheirOwnDays() {
        // 打刻率 = complete, uncorrected days ÷ days punches were expected; 年休 hours convert at the person's own day
        let rows = [row(a, "2026-11", dept: deptX, overtime: 0, punch: 20, complete: 18, missing: 2, leaveDays: 1, leaveMinutes: 465),
                    row(b, "2026-11", dept: deptX, overtime: 0, punch: 10, complete: 10, leaveDays: 0, leaveMinutes: 0)]
        let r = Dashboard.report(rows, period: .month(YearMonth(iso: "2026-11")!), filter: DashboardFilter(), group: { $0 })
        #expect(r.total.punchRate == 28.0 / 30.0)
        #expect(r.total.missingDays == 2)
        #expect(abs(r.total.annualLeaveDays - 2.0) < 1e-9, "1 day + 465 minutes at 465 minutes a day")
        #expect(abs(r.total.leavePerPerson - 1.0) < 1e-9)
        #expect(Dashboard.report([], period: .month(YearMonth(iso: "2026-11")!), filter: DashboardFilter(), group: { $0 }).total.punchRate == nil)
    }

    @Test func aPropertyTheTotalsAreTheSumOfTheirParts() {
        // over random cities: every person-month lands in exactly one month, at most one group, and the lines' counts
        // never exceed the people
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let staff = (0..<30).map { _ in UUID() }
            let depts = [deptX, deptY, UUID()]
            var rows: [StaffMonthStats] = []
            for s in staff {
                let dept = depts.randomElement(using: &rng)
                for m in DashboardPeriod.fiscalYear(2025).months where Bool.random(using: &rng) {
                    rows.append(row(s, m.iso, dept: dept, overtime: Int.random(in: 0...130 * 60, using: &rng), punch: 20, complete: Int.random(in: 0...20, using: &rng)))
                }
            }
            let r = Dashboard.report(rows, period: .fiscalYear(2025), filter: DashboardFilter(), group: { $0 })
            #expect(r.total.personMonths == rows.count)
            #expect(r.byMonth.map(\.personMonths).reduce(0, +) == rows.count)
            #expect(r.groups.map(\.personMonths).reduce(0, +) == rows.count)
            #expect(r.byMonth.map(\.completeDays).reduce(0, +) == rows.map(\.counts.completeDays).reduce(0, +))
            for l in OvertimeLine.allCases {
                #expect((r.peopleOver[l] ?? 0) <= r.total.people)
                #expect((r.personMonthsOver[l] ?? 0) == rows.filter { $0.overtimeMinutes > l.minutes }.count)
            }
            #expect((r.peopleOver[.h100] ?? 0) <= (r.peopleOver[.h80] ?? 0) && (r.peopleOver[.h80] ?? 0) <= (r.peopleOver[.h60] ?? 0))
        }
    }

    @Test func chartsAreImagesWithTheirTitleDescriptionAndEscapedText() {
        let svg = SVGChart.bars(id: "c1", title: "超過勤務 <分布>", desc: "説明 & 表", bars: [SVGChart.Bar(label: "総務部", value: 3, text: "3人")])
        #expect(svg.hasPrefix("<svg class=\"chart\" id=\"c1\" role=\"img\" aria-labelledby=\"c1-title c1-desc\""))
        #expect(svg.contains("<title id=\"c1-title\">超過勤務 &lt;分布&gt;</title>") && svg.contains("<desc id=\"c1-desc\">説明 &amp; 表</desc>"))
        #expect(svg.contains(">総務部</text>") && svg.contains(">3人</text>"))
        let heat = SVGChart.heatMap(id: "h", title: "t", desc: "d", rows: ["A"], columns: ["4月", "5月"], values: [[1.5, nil]], text: { String($0) })
        #expect(heat.contains(">1.5</text>") && heat.contains(">–</text>"), "a missing cell shows a dash")
        let lines = SVGChart.lines(id: "l", title: "t", desc: "d", categories: ["4月", "5月", "6月"], series: [SVGChart.Series(name: "s", values: [1, nil, 3])], unit: "h")
        #expect(lines.contains("<path d=\"M") && lines.components(separatedBy: " M").count == 2, "a gap breaks the line: the second part starts with a move")
        let stacked = SVGChart.stackedBars(id: "s", title: "t", desc: "d", categories: ["4月"], series: [SVGChart.Series(name: "a", values: [2]), SVGChart.Series(name: "b", values: [3])], unit: "")
        #expect(stacked.components(separatedBy: "<rect").count - 1 == 4, "two legend keys and two segments")
        #expect(SVGChart.niceMax(0) == 1 && SVGChart.niceMax(7) == 10 && SVGChart.niceMax(130) == 200 && SVGChart.niceMax(45) == 50)
    }

    /// Charts of app records (issue 6) can have many series and long category names: the seventh series onwards is striped
    /// (never the same look as the first), the legend wraps, and long labels slant (cut at 14 characters) instead of overlapping.
    @Test func manySeriesAndLongLabelsStayReadable() {
        let series = (0..<8).map { SVGChart.Series(name: "ステータス\($0)", values: [1, 2]) }
        let svg = SVGChart.stackedBars(id: "k", title: "t", desc: "d", categories: ["市民生活部 市民課 住民記録係", "総務部"], series: series, unit: "")
        #expect(svg.contains("<pattern id=\"k-p6\"") && svg.contains("<pattern id=\"k-p7\"") && svg.contains("fill=\"url(#k-p7)\""))
        #expect(!svg.contains("k-p5"), "the first six are plain colours")
        #expect(svg.contains("rotate(-40") && svg.contains(">市民生活部 市民課 住民記…</text>"), "a long name slants and is cut")
        let keys = svg.components(separatedBy: "<rect x=\"56.0\" y=\"").count - 1
        #expect(keys >= 2, "the legend wraps onto a second line at the left edge")
        let plain = SVGChart.stackedBars(id: "s", title: "t", desc: "d", categories: ["4月", "5月"], series: [SVGChart.Series(name: "a", values: [2, 3])], unit: "")
        #expect(!plain.contains("rotate(") && !plain.contains("<defs>"), "short labels stay level; no patterns needed")
    }
}

@Suite("Early warnings: a score made of factors anyone can check (issue 5)")
struct RiskTests {
    let who = UUID()
    func month(_ iso: String, overtime: Int, lateNights: Int = 0, leave: Int = 1, corrected: Int = 0, punch: Int = 20) -> StaffMonthStats {
        var c = DayCounts()
        c.lateNightDays = lateNights; c.annualLeaveDays = leave; c.correctedDays = corrected; c.punchDays = punch
        return StaffMonthStats(staffId: who, month: YearMonth(iso: iso)!, departmentId: nil, employment: .regular, overtimeMinutes: overtime * 60,
                               workedMinutes: 0, scheduledDays: 20, scheduledMinutes: 9300, counts: c)
    }

    @Test func theWindowIsTheMonthSoFarAndTheSixBefore() {
        #expect(RiskScore.window(through: YearMonth(iso: "2026-12")!).map(\.iso) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"])
    }

    @Test func eachFactorIsShownWithItsValueThresholdAndPoints() {
        // June–November: 50, 60, 75, 82, 85, 90 hours (four months over 45 in a row up to November… all six); December so far 10h
        let rows = [month("2026-06", overtime: 50), month("2026-07", overtime: 60), month("2026-08", overtime: 75, leave: 0),
                    month("2026-09", overtime: 82, leave: 0, corrected: 1), month("2026-10", overtime: 85, leave: 0, corrected: 4),
                    month("2026-11", overtime: 90, leave: 0, corrected: 5), month("2026-12", overtime: 10, lateNights: 4, leave: 0)]
        let a = RiskScore.assess(staffId: who, months: rows, through: YearMonth(iso: "2026-12")!)
        let byKind = Dictionary(uniqueKeysWithValues: a.factors.map { ($0.kind, $0) })
        // the month so far (10h) is not yet high: the run counts back from November, six months
        #expect(byKind[.consecutiveHigh]?.value == 6 && byKind[.consecutiveHigh]?.points == 60)
        // the highest 2–6-month average to November: 2 months (85+90)/2 = 87.5 → 87h; 人事院規則's line is over 80, near from 70
        #expect(byKind[.averageNear80]?.value == 87 && byKind[.averageNear80]?.points == 30)
        #expect(byKind[.lateNight]?.value == 4 && byKind[.lateNight]?.points == 15)
        // no 年休 since August: August–November, four months up to the last complete month
        #expect(byKind[.noLeave]?.value == 4 && byKind[.noLeave]?.points == 15)
        // corrections: Sep–Nov 10 of 60 days (16.7%) against Jun–Aug 0 of 60: up 17 points
        #expect(byKind[.moreCorrections]?.value == 17 && byKind[.moreCorrections]?.points == 10)
        #expect(a.score == 60 + 30 + 15 + 15 + 10)
        #expect(a.met.first?.kind == .consecutiveHigh, "the heaviest factor first")
        #expect(byKind[.averageNear80]?.labelJa == "2〜6か月平均の超過勤務が最大87時間です（70時間以上で該当）")
    }

    @Test func aQuietPersonScoresNothingAndIsNotListed() {
        let rows = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"].map { month($0, overtime: 10) }
        let a = RiskScore.assess(staffId: who, months: rows, through: YearMonth(iso: "2026-12")!)
        #expect(a.score == 0 && a.met.isEmpty)
        #expect(RiskScore.listed(rows, through: YearMonth(iso: "2026-12")!, settings: .default).isEmpty)
    }

    @Test func aMissingMonthBreaksARunAndHRsWeightsAreUsed() {
        // not employed in September: the run of high months is October–November only
        let rows = [month("2026-07", overtime: 60), month("2026-08", overtime: 60), month("2026-10", overtime: 60), month("2026-11", overtime: 60),
                    month("2026-12", overtime: 50)]
        var s = RiskSettings()
        s.consecutiveWeight = 7; s.listFrom = 21
        let a = RiskScore.assess(staffId: who, months: rows, through: YearMonth(iso: "2026-12")!, settings: s)
        // December is already over 45: it counts, with October and November
        #expect(a.factors.first { $0.kind == .consecutiveHigh }?.value == 3 && a.score >= 21)
        #expect(RiskScore.listed(rows, through: YearMonth(iso: "2026-12")!, settings: s).map(\.staffId) == [who])
    }

    @Test func settingsComeFromTheFormWithEachBadFieldNamed() throws {
        var form = RiskSettings.default.formValues
        #expect(try RiskSettings.from(form: form).get() == .default)
        form["average_weight"] = "x"; form["no_leave_months"] = "13"; form["list_from"] = ""
        guard case .failure(let p) = RiskSettings.from(form: form) else { Issue.record("bad fields were taken"); return }
        #expect(Set(p.messages.keys) == ["average_weight", "no_leave_months", "list_from"])
        #expect(p.messages["no_leave_months"]?.ja == "1〜12の整数で入力してください。")
        // settings saved before a field existed read it as its default
        #expect(try JSONDecoder().decode(RiskSettings.self, from: Data("{\"listFrom\":40}".utf8)).averageHours == 70)
    }
}

@Suite("Rankings of departments (issue 5)")
struct RankingTests {
    @Test func tiesShareARankAndDepartmentsWithoutDaysAreNotRanked() {
        let a = UUID(), b = UUID(), c = UUID(), d = UUID()
        func g(_ id: UUID, complete: Int, punch: Int, overtime: Int) -> GroupFigures {
            var f = GroupFigures(groupId: id)
            f.completeDays = complete; f.punchDays = punch; f.overtimeMinutes = overtime; f.personMonths = punch > 0 ? 2 : 0; f.people = 2
            return f
        }
        let groups = [g(a, complete: 18, punch: 20, overtime: 600), g(b, complete: 20, punch: 20, overtime: 1200), g(c, complete: 9, punch: 10, overtime: 600),
                      g(d, complete: 0, punch: 0, overtime: 0)]
        let rate = Rankings.rank(groups, by: .punchRate)
        #expect(rate.map(\.groupId) == [b] + [a, c].sorted { $0.uuidString < $1.uuidString })
        #expect(rate.map(\.rank) == [1, 2, 2], "90% and 90% share second place; the department with no days is not ranked")
        let overtime = Rankings.rank(groups, by: .overtime)
        #expect(overtime.first?.groupId == b && overtime.first?.rank == 1 && overtime.count == 3)
    }
}

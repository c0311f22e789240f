import Foundation
import Testing
import YakubaCore
@testable import YakubaInsights

@Suite("The published indicators (issue 5, work-rules §5)")
struct IndicatorsTests {
    let mayorDept = UUID(), schoolDept = UUID()
    let fy2026 = IndicatorPeriod(basis: .fiscal, year: 2026)

    func d(_ s: String) -> CalendarDate { CalendarDate(iso: s)! }
    func row(_ staff: UUID, _ month: String, dept: UUID? = nil, overtime: Int, employment: EmploymentType = .regular, leaveDays: Int = 0) -> StaffMonthStats {
        var counts = DayCounts()
        counts.annualLeaveDays = leaveDays
        return StaffMonthStats(staffId: staff, month: YearMonth(iso: month)!, departmentId: dept ?? mayorDept, employment: employment,
                               overtimeMinutes: overtime, workedMinutes: 9000, scheduledDays: 20, scheduledMinutes: 9300, counts: counts)
    }
    func person(_ id: UUID, _ sex: Sex?, rank: RankClass = .general, employment: EmploymentType = .regular, employer: Employer = .mayor,
                inService: Bool = true, births: [String] = [], grant: Int = 0) -> IndicatorPerson {
        IndicatorPerson(staffId: id, sex: sex, rankClass: rank, employment: employment, employer: employer, inService: inService,
                        births: births.map(d), annualGrantDays: grant)
    }
    func employerOf(_ dept: UUID?) -> Employer { dept == schoolDept ? .educationBoard : .mayor }
    func table(_ t: [IndicatorTable], _ e: Employer?) -> IndicatorTable { t.first { $0.employer == e }! }

    @Test func periodsRunAprilToMarchOrJanuaryToDecember() {
        #expect(fy2026.from.iso == "2026-04-01" && fy2026.to.iso == "2027-03-31" && fy2026.months.count == 12)
        let cy = IndicatorPeriod(basis: .calendar, year: 2026)
        #expect(cy.from.iso == "2026-01-01" && cy.to.iso == "2026-12-31")
        #expect(fy2026.labelJa == "2026年度（令和8年度）")
    }

    @Test func mensChildcareLeaveRateCountsNewTakersOverNewlyEligibleAndCanExceed100Percent() {
        // work-rules §5.3 (三重県 survey): new takers in the year ÷ men whose child was born in the year; a man whose child
        // was born the year before and who starts his leave this year is a taker without being in the denominator
        let a = UUID(), b = UUID(), c = UUID()
        let people = [person(a, .male, births: ["2026-06-10"]), person(b, .male, births: ["2026-02-01"]), person(c, .male)]
        let leaves = [
            ChildcareLeaveUse(staffId: a, kind: .childcareLeave, from: d("2026-07-01"), to: d("2026-09-30"), days: 64),
            ChildcareLeaveUse(staffId: b, kind: .childcareLeave, from: d("2026-04-01"), to: d("2026-05-31"), days: 40),
        ]
        let t = table(Indicators.tables(period: fy2026, people: people, rows: [], leaves: leaves, employerOf: employerOf), nil)
        let v = t.columns[0].value(.childcareLeaveMen)
        #expect(v.numerator == 2 && v.denominator == 1 && v.value == 2.0)
        // no woman had a child: her rate has nothing to divide by
        #expect(t.columns[0].value(.childcareLeaveWomen).value == nil)
    }

    @Test func eligibilityCountsPeopleAndARunningPeriodCountsOnlyLeaveBegunByToday() {
        // twins, or two children in one year: one man newly eligible; a leave approved for next month is not taken yet
        let a = UUID(), b = UUID()
        let people = [person(a, .male, births: ["2026-05-01", "2027-02-01"]), person(b, .male, births: ["2026-10-01"])]
        let leaves = [ChildcareLeaveUse(staffId: a, kind: .childcareLeave, from: d("2026-06-01"), to: d("2026-08-31"), days: 60),
                      ChildcareLeaveUse(staffId: b, kind: .childcareLeave, from: d("2026-12-10"), to: d("2027-01-31"), days: 30)]
        let done = Indicators.tables(period: fy2026, people: people, rows: [], leaves: leaves, employerOf: employerOf)[0].columns[0]
        #expect(done.value(.childcareLeaveMen).numerator == 2 && done.value(.childcareLeaveMen).denominator == 2)
        let running = Indicators.tables(period: fy2026, people: people, rows: [], leaves: leaves, employerOf: employerOf, asOf: d("2026-12-02"))[0].columns[0]
        #expect(running.value(.childcareLeaveMen).numerator == 1 && running.value(.childcareLeaveMen).denominator == 2,
                "b's leave starts on the 10th; a's second child is not born yet, and a is counted once anyway")
    }

    @Test func aLeaveExtendedByASecondRequestIsOneSpellBegunWhenTheFirstBegan() {
        let a = UUID()
        let spanning = [ChildcareLeaveUse(staffId: a, kind: .childcareLeave, from: d("2026-01-05"), to: d("2026-03-31"), days: 60),
                        ChildcareLeaveUse(staffId: a, kind: .childcareLeave, from: d("2026-04-01"), to: d("2026-06-30"), days: 60)]
        #expect(!Indicators.startsChildcareLeave(spanning, in: fy2026))
        // a second spell after a return to work is a new start
        let again = spanning + [ChildcareLeaveUse(staffId: a, kind: .childcareLeave, from: d("2026-09-01"), to: d("2026-09-30"), days: 20)]
        #expect(Indicators.startsChildcareLeave(again, in: fy2026))
        // 配偶者出産休暇 is not 育児休業
        #expect(!Indicators.startsChildcareLeave([ChildcareLeaveUse(staffId: a, kind: .spouseBirth, from: d("2026-05-01"), to: d("2026-05-01"), days: 1)], in: fy2026))
    }

    @Test func fathersLeavesAreCountedOverMenWhoseChildWasBornAndFiveDaysTogether() {
        // 三重県: 配偶者出産休暇 and 育児参加休暇 takers ÷ men newly eligible; "両休暇を合わせて5日以上" reported too
        let a = UUID(), b = UUID(), w = UUID()
        let people = [person(a, .male, births: ["2026-05-01"]), person(b, .male, births: ["2026-08-01"]), person(w, .female, births: ["2026-08-01"])]
        let leaves = [
            ChildcareLeaveUse(staffId: a, kind: .spouseBirth, from: d("2026-05-01"), to: d("2026-05-03"), days: 3),
            ChildcareLeaveUse(staffId: a, kind: .participation, from: d("2026-06-01"), to: d("2026-06-02"), days: 2),
            ChildcareLeaveUse(staffId: b, kind: .spouseBirth, from: d("2026-08-01"), to: d("2026-08-01"), days: 1),
            // the year before: not this year's
            ChildcareLeaveUse(staffId: b, kind: .participation, from: d("2026-03-01"), to: d("2026-03-05"), days: 5),
        ]
        let c = table(Indicators.tables(period: fy2026, people: people, rows: [], leaves: leaves, employerOf: employerOf), nil).columns[0]
        #expect(c.value(.spouseBirthLeave).value == 1.0)
        #expect(c.value(.participationLeave).value == 0.5)
        #expect(c.value(.fathersLeaveFiveDays).numerator == 1 && c.value(.fathersLeaveFiveDays).denominator == 2)
        // the woman's birth is not in the fathers' denominators
        #expect(c.value(.childcareLeaveWomen).denominator == 1)
    }

    @Test func overtimeAverageIsPerPersonMonthAndTheSurveyScopeLeavesManagersOut() {
        // 総務省 survey: Σ overtime ÷ Σ person-months, managers excluded; over 60h/80h as person-months over the line
        let a = UUID(), m = UUID()
        let people = [person(a, .female), person(m, .male, rank: .management)]
        let rows = [row(a, "2026-04", overtime: 60 * 60), row(a, "2026-05", overtime: 60 * 60 + 1), row(a, "2026-06", overtime: 81 * 60),
                    row(m, "2026-04", overtime: 0),
                    // outside the fiscal year: not counted
                    row(a, "2026-03", overtime: 200 * 60)]
        let c = table(Indicators.tables(period: fy2026, people: people, rows: rows, leaves: [], employerOf: employerOf), nil).columns[0]
        let total = Double(60 * 60 + 60 * 60 + 1 + 81 * 60) / 60
        #expect(c.value(.overtimeAverage).numerator == total && c.value(.overtimeAverage).denominator == 4)
        #expect(c.value(.overtimeAverageSurvey).denominator == 3 && c.value(.overtimeAverageSurvey).value == total / 3)
        // exactly 60 hours is not over 60
        #expect(c.value(.over60Share).numerator == 2 && c.value(.over80Share).numerator == 1)
        #expect(c.value(.over360People).value == 0)
    }

    @Test func over360CountsPeopleWhoseYearIsOverTheLineOnce() {
        let a = UUID(), b = UUID()
        let rows = (4...12).map { row(a, "2026-\(String(format: "%02d", $0))", overtime: 41 * 60) }   // 369h
            + (4...12).map { row(b, "2026-\(String(format: "%02d", $0))", overtime: 40 * 60) }       // exactly 360h: not over
        let c = table(Indicators.tables(period: fy2026, people: [person(a, .male), person(b, .male)], rows: rows, leaves: [], employerOf: employerOf), nil).columns[0]
        #expect(c.value(.over360People).value == 1)
    }

    @Test func womenInManagementAndTheSharesLeaveOutStaffWhoseSexIsNotRecorded() {
        let people = [person(UUID(), .female, rank: .management), person(UUID(), .male, rank: .management), person(UUID(), .male, rank: .management),
                      person(UUID(), nil, rank: .management), person(UUID(), .female, rank: .supervisory), person(UUID(), .female),
                      // left before the reference day: not on the staff counts
                      person(UUID(), .female, rank: .management, inService: false, births: ["2026-05-01"])]
        let t = table(Indicators.tables(period: fy2026, people: people, rows: [], leaves: [], employerOf: employerOf), nil)
        let c = t.columns[0]
        #expect(c.value(.staff).value == 6 && t.women == 3 && t.men == 2 && t.sexUnknown == 1)
        #expect(c.value(.womenInManagement).numerator == 1 && c.value(.womenInManagement).denominator == 3)
        #expect(c.value(.womenShare).value == 3.0 / 5)
        #expect(c.value(.womenInSupervisory).value == 1 && c.value(.womenInGeneral).value == 1)
    }

    @Test func annualLeaveUptakeIsDaysTakenOverDaysNewlyGranted() {
        // work-rules §5.3: days taken ÷ days newly granted (carried-over days excluded); average over those granted leave
        let a = UUID(), b = UUID(), p = UUID()
        let people = [person(a, .female, grant: 20), person(b, .male, grant: 20), person(p, .female, employment: .fiscalYearPartTime, grant: 7)]
        let rows = [row(a, "2026-04", overtime: 0, leaveDays: 3), row(a, "2026-08", overtime: 0, leaveDays: 9),
                    row(b, "2026-05", overtime: 0, leaveDays: 4), row(p, "2026-05", overtime: 0, employment: .fiscalYearPartTime, leaveDays: 2)]
        let t = table(Indicators.tables(period: fy2026, people: people, rows: rows, leaves: [], employerOf: employerOf), nil)
        let all = t.columns[0]
        #expect(all.value(.annualLeaveAverage).value == 18.0 / 3)
        #expect(all.value(.annualLeaveUptake).numerator == 18 && all.value(.annualLeaveUptake).denominator == 47)
        // fewer than 5 days among those granted 10 or more (LSA 39条7項): b only; the part-timer granted 7 is not counted
        #expect(all.value(.annualLeaveUnder5).numerator == 1 && all.value(.annualLeaveUnder5).denominator == 2)
        // the columns by employment type
        #expect(t.columns.map(\.employment) == [nil, .regular, .fiscalYearPartTime])
        #expect(t.columns[2].value(.annualLeaveUptake).value == 2.0 / 7)
    }

    @Test func eachEmployerHasItsOwnTableAndTheirFiguresAddUpToTheWhole() {
        // work-rules §5.1: each 特定事業主 publishes its own; a month counts where the person worked that month
        var rng = SystemRandomNumberGenerator()
        var people: [IndicatorPerson] = [], rows: [StaffMonthStats] = []
        for i in 0..<60 {
            let id = UUID()
            let school = i % 3 == 0
            people.append(person(id, i % 2 == 0 ? .female : .male, employer: school ? .educationBoard : .mayor, grant: 20))
            for m in ["2026-04", "2026-05", "2026-06"] {
                rows.append(row(id, m, dept: school ? schoolDept : mayorDept, overtime: Int.random(in: 0...6000, using: &rng), leaveDays: Int.random(in: 0...2, using: &rng)))
            }
        }
        let tables = Indicators.tables(period: fy2026, people: people, rows: rows, leaves: [], employerOf: employerOf)
        #expect(tables.map(\.employer) == [nil, .mayor, .educationBoard])
        for k in [IndicatorKind.overtimeAverage, .over60Share, .annualLeaveAverage, .staff, .womenShare] {
            let whole = tables[0].columns[0].value(k)
            let parts = tables.dropFirst().map { $0.columns[0].value(k) }
            #expect(abs(parts.map(\.numerator).reduce(0, +) - whole.numerator) < 1e-6, "\(k) numerators")
            #expect(parts.map(\.denominator).reduce(0, +) == whole.denominator, "\(k) denominators")
        }
        // one body asked for: its table only, even when it has nobody
        let hospital = Indicators.tables(period: fy2026, people: people, rows: rows, leaves: [], employerOf: employerOf, only: .hospital)
        #expect(hospital.map(\.employer) == [.hospital] && hospital[0].columns[0].value(.staff).value == 0)
    }

    @Test func thePayGapIsNotComputedWithoutPayData() {
        let c = Indicators.tables(period: fy2026, people: [person(UUID(), .female)], rows: [], leaves: [], employerOf: employerOf)[0].columns[0]
        #expect(c.value(.payGap).value == nil)
    }

    @Test func rankClassesFollowTheCommonTitlesUnlessHRMapsThem() {
        #expect(RankClassMap.guess("課長") == .management && RankClassMap.guess("部長") == .management && RankClassMap.guess("次長") == .management)
        #expect(RankClassMap.guess("課長補佐") == .supervisory && RankClassMap.guess("係長") == .supervisory && RankClassMap.guess("主査") == .supervisory)
        #expect(RankClassMap.guess("主事") == .general && RankClassMap.guess("") == .general && RankClassMap.guess("会計年度任用職員") == .general)
        // 豊橋市 counts 課長補佐級 as management: HR maps the title
        let map = RankClassMap(["課長補佐": .management])
        #expect(map.rankClass(of: "課長補佐") == .management && map.rankClass(of: "係長") == .supervisory)
    }

    @Test func thePersonalRecordIsFoldedFromFactsInTheOrderTheyWereRecorded() {
        let s = UUID(), b1 = UUID(), b2 = UUID()
        let facts = [
            PersonalFact(id: UUID(), staffId: s, kind: .sex, value: "male", recordedAtMs: 1),
            PersonalFact(id: b1, staffId: s, kind: .birth, value: "2026-05-01", recordedAtMs: 2),
            PersonalFact(id: b2, staffId: s, kind: .birth, value: "2025-01-01", recordedAtMs: 3),
            PersonalFact(id: UUID(), staffId: s, kind: .birthWithdrawn, value: b1.uuidString, recordedAtMs: 5),
            PersonalFact(id: UUID(), staffId: s, kind: .sex, value: "female", recordedAtMs: 4),
        ]
        let r = PersonalRecord.fold(facts.shuffled())
        #expect(r.sex == .female)
        #expect(r.births.map(\.date.iso) == ["2025-01-01"])
        // an empty value clears the sex
        #expect(PersonalRecord.fold(facts + [PersonalFact(id: UUID(), staffId: s, kind: .sex, value: "", recordedAtMs: 9)]).sex == nil)
        #expect(Sex(code: "女") == .female && Sex(code: "M") == .male && Sex(code: "x") == nil)
    }
}

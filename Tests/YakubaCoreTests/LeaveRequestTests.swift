import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }
private func r(_ a: Int, _ b: Int) -> MinuteRange { MinuteRange(start: a, end: b) }
/// Mon–Fri 8:30–17:15 with 12:00–13:00; 2026-11-23 (勤労感謝の日) is a 休日.
private func standard(_ date: CalendarDate) -> DailySchedule? {
    (1...5).contains(date.weekday) && date != d(2026, 11, 23) ? .standard : nil
}
private func type(_ code: String) -> LeaveType { LeaveCatalogue.find(code)! }

@Suite("Leave requests (休暇, work-rules §3)")
struct LeaveRequestTests {
    func check(_ spec: LeaveRequestSpec, _ t: LeaveType, employment: EmploymentType = .regular, existing: [LeaveDay] = [],
               worked: [CalendarDate: [MinuteRange]] = [:], balance: AnnualLeaveBalance? = AnnualLeaveBalance(minutesPerDay: 465, grantedDays: 20),
               used: Int = 0) -> [LeaveRequestProblem] {
        LeaveRules.check(spec, type: t, employment: employment, minutesPerDay: 465, schedule: standard, existingLeave: existing, worked: worked,
                         balance: balance, usedThisYearMinutes: used)
    }

    @Test func theCommonCatalogueIsPrefilled() {
        let codes = LeaveCatalogue.common.map(\.code)
        for c in ["annual", "summer", "sick", "marriage", "bereavement", "child_nursing", "short_care", "care_leave", "care_time", "prenatal",
                  "postnatal", "nursing_time", "spouse_birth", "childcare_participation", "childcare_leave", "partial_childcare", "absence"] {
            #expect(codes.contains(c), "\(c)")
        }
        #expect(Set(codes).count == codes.count)
        #expect(type("annual").usesAnnualBalance && type("annual").paid)
        #expect(!type("absence").paid && !type("absence").countsAsAttended)
    }

    @Test func weekendsAndHolidaysAreNotLeaveDays() {
        // 11/20 (Fri) – 11/24 (Tue): Sat, Sun and the 休日 11/23 are skipped → 2 days.
        let days = LeaveRules.days(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 20), to: d(2026, 11, 24), unit: .day), schedule: standard)
        #expect(days.map(\.date) == [d(2026, 11, 20), d(2026, 11, 24)])
        #expect(days.map(\.minutes) == [465, 465])
        #expect(check(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 21), to: d(2026, 11, 23), unit: .day), type("annual")) == [.noWorkDays])
    }

    @Test func halfDaysAreTheMorningOrTheAfternoonBlock() {
        // 半日 = a block of 3h30m–4h30m: morning 8:30–12:00 (3h30m), afternoon 13:00–17:15 (4h15m).
        let am = LeaveRules.days(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .halfDay, half: .morning), schedule: standard)
        let pm = LeaveRules.days(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .halfDay, half: .afternoon), schedule: standard)
        #expect(am.map(\.minutes) == [210])
        #expect(pm.map(\.minutes) == [255])
        #expect(check(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .halfDay), type("annual")) == [.halfNotChosen])
        #expect(check(LeaveRequestSpec(typeCode: "marriage", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .halfDay, half: .morning), type("marriage")) == [.unitNotOffered])
    }

    @Test func hourlyAnnualLeaveInWholeHoursWithinTheSchedule() {
        let spec = { (a: Int, b: Int) in LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .hour, range: r(a, b)) }
        #expect(check(spec(930, 1035), type("annual")) == [.balance(.notWholeHours)]) // 1h45m
        #expect(check(spec(915, 1035), type("annual")).isEmpty) // 15:15–17:15: 2h
        #expect(check(spec(480, 600), type("annual")) == [.rangeNotInSchedule])
        // over the lunch break: 11:00–14:00 takes 2h of scheduled time
        #expect(LeaveRules.days(spec(660, 840), schedule: standard).map(\.minutes) == [120])
        #expect(check(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 25), unit: .hour, range: r(915, 1035)), type("annual")).contains(.partDayIsOneDay))
    }

    @Test func beyondTheBalanceIsRefusedWithWhatIsLeft() {
        var b = AnnualLeaveBalance(minutesPerDay: 465, grantedDays: 2)
        try? b.use(minutes: 465, hourly: false)
        let p = check(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 25), unit: .day), type("annual"), balance: b)
        #expect(p == [.balance(.notEnough(remainingMinutes: 465))])
        #expect(p[0].messageJa.contains("残り 7:45"))
    }

    @Test func overlappingLeaveAndPunchesAreRefused() {
        let spec = LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .halfDay, half: .afternoon)
        #expect(check(spec, type("annual"), existing: [LeaveDay(date: d(2026, 11, 24), minutes: 465, range: nil)]) == [.overlapsLeave(d(2026, 11, 24))])
        // the morning's leave does not clash with the afternoon
        #expect(check(spec, type("annual"), existing: [LeaveDay(date: d(2026, 11, 24), minutes: 210, range: r(510, 720))]).isEmpty)
        // worked in the afternoon → refused; worked only in the morning → fine
        #expect(check(spec, type("annual"), worked: [d(2026, 11, 24): [r(780, 900)]]) == [.overlapsWork(d(2026, 11, 24))])
        #expect(check(spec, type("annual"), worked: [d(2026, 11, 24): [r(510, 720)]]).isEmpty)
    }

    @Test func typeRules() {
        // 夏季休暇: 3 days a year in July–September.
        #expect(check(LeaveRequestSpec(typeCode: "summer", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .day), type("summer")) == [.outsideMonths(7...9)])
        #expect(check(LeaveRequestSpec(typeCode: "summer", from: d(2026, 8, 3), to: d(2026, 8, 4), unit: .day), type("summer"), used: 465 * 2)
                == [.overYearlyLimit(limitDays: 3, usedMinutes: 930)])
        // 結婚休暇: 5 days for the event.
        #expect(check(LeaveRequestSpec(typeCode: "marriage", from: d(2026, 11, 2), to: d(2026, 11, 9), unit: .day), type("marriage")) == [.overEventLimit(days: 5)])
        // 忌引: the relationship sets the days (父母 7, 祖父母 3).
        #expect(check(LeaveRequestSpec(typeCode: "bereavement", from: d(2026, 11, 2), to: d(2026, 11, 4), unit: .day), type("bereavement")) == [.relationshipMissing])
        #expect(check(LeaveRequestSpec(typeCode: "bereavement", from: d(2026, 11, 2), to: d(2026, 11, 8), unit: .day, relationship: .parent), type("bereavement")).isEmpty)
        #expect(check(LeaveRequestSpec(typeCode: "bereavement", from: d(2026, 11, 2), to: d(2026, 11, 5), unit: .day, relationship: .grandparent), type("bereavement")) == [.overEventLimit(days: 3)])
        // 育児時間: 15-minute steps, at most 60 minutes a day.
        #expect(check(LeaveRequestSpec(typeCode: "nursing_time", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .quarterHour, range: r(510, 600)), type("nursing_time")) == [.dailyMax(minutes: 60)])
        #expect(check(LeaveRequestSpec(typeCode: "nursing_time", from: d(2026, 11, 24), to: d(2026, 11, 24), unit: .quarterHour, range: r(510, 545)), type("nursing_time")) == [.rangeNotInSteps(step: 15)])
        // a type limited to some employment types
        var t = type("summer"); t.appliesTo = [.regular]
        #expect(check(LeaveRequestSpec(typeCode: "summer", from: d(2026, 8, 3), to: d(2026, 8, 3), unit: .day), t, employment: .fiscalYearPartTime) == [.notForEmploymentType])
    }

    @Test func bereavementTableMatchesTheNationalRule() {
        // 規則15-14 別表第2.
        #expect(BereavementRelationship.spouse.days == 7)
        #expect(BereavementRelationship.parent.days == 7)
        #expect(BereavementRelationship.child.days == 5)
        #expect(BereavementRelationship.grandparent.days == 3)
        #expect(BereavementRelationship.grandparentHeir.days == 7)
        #expect(BereavementRelationship.grandchild.days == 1)
        #expect(BereavementRelationship.sibling.days == 3)
        #expect(BereavementRelationship.parentInLaw.days == 3 && BereavementRelationship.parentInLawSameHousehold.days == 7)
        #expect(BereavementRelationship.childInLaw.days == 1 && BereavementRelationship.childInLawSameHousehold.days == 5)
        #expect(BereavementRelationship.grandparentInLaw.days == 1 && BereavementRelationship.grandparentInLawSameHousehold.days == 3)
    }

    @Test func backwardsAndOverlongRangesAreRefused() {
        #expect(check(LeaveRequestSpec(typeCode: "annual", from: d(2026, 11, 25), to: d(2026, 11, 24), unit: .day), type("annual")) == [.toBeforeFrom])
        #expect(check(LeaveRequestSpec(typeCode: "sick", from: d(2026, 1, 1), to: d(2027, 6, 1), unit: .day), type("sick")) == [.tooLong(maxDays: 366)])
    }
}

import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }
private func r(_ a: Int, _ b: Int) -> MinuteRange { MinuteRange(start: a, end: b) }

@Suite("Overtime orders (超過勤務命令, work-rules §2.1)")
struct OvertimeOrdersTests {
    let today = d(2026, 11, 24)

    @Test func anOrdinaryOrderAfterHoursPasses() {
        #expect(OvertimeOrders.check(date: today, range: r(1035, 1155), today: today, urgent: false, schedule: .standard, existing: [], exemptions: []).isEmpty)
        // on a 週休日 there is no 正規 time to collide with
        #expect(OvertimeOrders.check(date: d(2026, 11, 28), range: r(540, 720), today: today, urgent: false, schedule: nil, existing: [], exemptions: []).isEmpty)
    }

    @Test func aPastDayNeedsTheUrgentAfterTheFactFlag() {
        // 事前命令が原則; 緊急でやむを得ない場合のみ事後 (倉浜衛生施設組合規則2条).
        let past = d(2026, 11, 20)
        #expect(OvertimeOrders.check(date: past, range: r(1035, 1155), today: today, urgent: false, schedule: .standard, existing: [], exemptions: []) == [.pastDayNeedsUrgent])
        #expect(OvertimeOrders.check(date: past, range: r(1035, 1155), today: today, urgent: true, schedule: .standard, existing: [], exemptions: []).isEmpty)
        #expect(OvertimeOrders.check(date: d(2026, 11, 25), range: r(1035, 1155), today: today, urgent: true, schedule: .standard, existing: [], exemptions: []) == [.urgentInFuture])
    }

    @Test func overtimeIsOutsideScheduledHours() {
        let p = OvertimeOrders.check(date: today, range: r(1000, 1100), today: today, urgent: false, schedule: .standard, existing: [], exemptions: [])
        #expect(p == [.overlapsScheduledTime(.standard)])
        #expect(p.first?.field == "end")
        // the lunch break itself is outside 正規の勤務時間
        #expect(OvertimeOrders.check(date: today, range: r(720, 780), today: today, urgent: false, schedule: .standard, existing: [], exemptions: []).isEmpty)
    }

    @Test func endAfterStartAndAtMost16Hours() {
        #expect(OvertimeOrders.check(date: today, range: r(1200, 1200), today: today, urgent: false, schedule: nil, existing: [], exemptions: []) == [.endNotAfterStart])
        #expect(OvertimeOrders.check(date: d(2026, 11, 28), range: r(0, 17 * 60), today: today, urgent: false, schedule: nil, existing: [], exemptions: []) == [.tooLong(maxMinutes: 960)])
        // past midnight is written as 25:30
        #expect(OvertimeOrders.check(date: today, range: r(1035, 1530), today: today, urgent: false, schedule: .standard, existing: [], exemptions: []).isEmpty)
    }

    @Test func overlappingOrdersAreRefused() {
        let p = OvertimeOrders.check(date: today, range: r(1100, 1200), today: today, urgent: false, schedule: .standard, existing: [r(1035, 1120)], exemptions: [])
        #expect(p == [.overlapsAnotherOrder(r(1035, 1120))])
    }

    @Test func staffWhoAskedAreNotOrderedOvertime() {
        // 妊娠中・産後1年以内 (一関市), 3歳未満の子を養育 (規則10-11 9条) — when the person asked.
        let e = OvertimeExemption(reason: .childUnder3, from: d(2026, 4, 1), to: d(2027, 3, 31))
        let p = OvertimeOrders.check(date: today, range: r(1035, 1155), today: today, urgent: false, schedule: .standard, existing: [], exemptions: [e])
        #expect(p == [.exempt(e)])
        #expect(p[0].field == "staff")
        #expect(p[0].messageJa.contains("3歳未満の子の養育"))
        #expect(OvertimeOrders.check(date: d(2027, 4, 1), range: r(1035, 1155), today: d(2027, 4, 1), urgent: false, schedule: .standard, existing: [], exemptions: [e]).isEmpty)
    }

    @Test func onlyTheOverlapOfOrderedAndActualIsPaid() {
        #expect(OvertimeOrders.paidRange(ordered: r(1035, 1155), actual: r(1035, 1200), urgent: false) == r(1035, 1155))
        #expect(OvertimeOrders.paidRange(ordered: r(1035, 1155), actual: r(1050, 1100), urgent: false) == r(1050, 1100))
        #expect(OvertimeOrders.paidRange(ordered: r(1035, 1155), actual: r(1200, 1260), urgent: false) == nil)
        // an urgent after-the-fact order pays the actual time
        #expect(OvertimeOrders.paidRange(ordered: r(1035, 1155), actual: r(1035, 1200), urgent: true) == r(1035, 1200))
    }
}

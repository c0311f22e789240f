import Foundation
import Testing
@testable import YakubaCore

let tokyo = TimeZone(identifier: "Asia/Tokyo")!

func punch(_ kind: PunchKind, _ date: CalendarDate, _ minute: Int, source: PunchSource = .selfService, place: String = "本庁舎") -> EffectivePunch {
    EffectivePunch(id: UUID(), kind: kind, at: date.instant(atMinute: minute, in: tokyo), place: place, source: source, correctionId: source == .correction ? UUID() : nil)
}

func day(_ punches: [EffectivePunch], on date: CalendarDate, schedule: DailySchedule? = .standard, kind: DayKind = .workDay,
         marks: [DayMark] = [], partTime: Bool = false, rules: AttendanceRules = .default, now: Date? = nil) -> AttendanceDay {
    AttendanceCalculator.days(dates: [date], schedule: { _ in schedule }, dayKind: { _ in kind }, punches: punches, marks: marks,
                              isPartTime: partTime, rules: rules, zone: tokyo, now: now ?? date.adding(days: 3).instant(atMinute: 0, in: tokyo))[0]
}

let d = CalendarDate(year: 2025, month: 4, day: 1)!   // a Tuesday

@Suite("Attendance days (work-rules §1, §6.3)")
struct AttendanceTests {
    @Test func standardDayWithAutomaticLunch() {
        // 8:25–17:20 with the 12:00–13:00 break not punched: the scheduled break is deducted (§1.2 common pattern)
        let a = day([punch(.clockIn, d, 505), punch(.clockOut, d, 1040)], on: d)
        #expect(a.breakMinutes == 60)
        #expect(a.workedMinutes == 1040 - 505 - 60)
        #expect(a.withinScheduleMinutes == 465)           // 7h45m
        #expect(a.outsideScheduleMinutes == a.workedMinutes - 465)
        #expect(a.flags.isEmpty)
    }

    @Test func lateAndEarlyLeave() {
        let a = day([punch(.clockIn, d, 540), punch(.clockOut, d, 1000)], on: d)
        #expect(a.lateMinutes == 30)
        #expect(a.earlyLeaveMinutes == 35)
        #expect(a.flags.isSuperset(of: [.late, .earlyLeave]))
        // an hour of leave (時間休) at the start excuses the lateness
        let b = day([punch(.clockIn, d, 570), punch(.clockOut, d, 1035)], on: d, marks: [DayMark(date: d, code: .annualLeave, minutes: 60)])
        #expect(b.lateMinutes == 0)
        #expect(!b.flags.contains(.late))
    }

    @Test func graceMinutesAreMunicipalityConfiguration() {
        var rules = AttendanceRules.default
        rules.lateGraceMinutes = 5
        #expect(day([punch(.clockIn, d, 514), punch(.clockOut, d, 1035)], on: d, rules: rules).lateMinutes == 0)
        #expect(day([punch(.clockIn, d, 516), punch(.clockOut, d, 1035)], on: d, rules: rules).lateMinutes == 6)
    }

    @Test func missingClockOutAndAbsence() {
        let a = day([punch(.clockIn, d, 505)], on: d)
        #expect(a.flags.contains(.missingClockOut))
        #expect(a.workedMinutes == 0)
        let absent = day([], on: d)
        #expect(absent.flags.contains(.absent))
        let onLeave = day([], on: d, marks: [DayMark(date: d, code: .annualLeave)])
        #expect(!onLeave.flags.contains(.absent))
        // today, still at work: not an anomaly yet
        let working = day([punch(.clockIn, d, 505)], on: d, now: d.instant(atMinute: 600, in: tokyo))
        #expect(!working.flags.contains(.missingClockOut))
        #expect(!working.flags.contains(.absent))
    }

    @Test func clockOutWithoutClockIn() {
        let a = day([punch(.clockOut, d, 1040)], on: d)
        #expect(a.flags.contains(.missingClockIn))
    }

    @Test func punchedBreaksReplaceTheScheduledOne() {
        let a = day([punch(.clockIn, d, 510), punch(.breakStart, d, 690), punch(.breakEnd, d, 735), punch(.clockOut, d, 1035)], on: d)
        #expect(a.breakMinutes == 45)
        #expect(a.workedMinutes == 525 - 45)
    }

    @Test func workOnARestDayIsOutsideTheSchedule() {
        let sat = CalendarDate(year: 2025, month: 4, day: 5)!
        let a = day([punch(.clockIn, sat, 600), punch(.clockOut, sat, 780)], on: sat, schedule: nil, kind: .weeklyRestDay)
        #expect(a.workedMinutes == 180)
        #expect(a.withinScheduleMinutes == 0)
        #expect(a.outsideScheduleMinutes == 180)
        #expect(a.flags.contains(.outsideSchedule))
        #expect(!a.flags.contains(.absent))
    }

    @Test func partTimeStaffWorkingBeyondTheirScheduleIsFlagged() {
        // Setagaya: the real overtime of 会計年度任用職員 made visible
        let pt = DailySchedule(start: 540, end: 960, breakWindow: MinuteRange(start: 720, end: 780))
        let a = day([punch(.clockIn, d, 535), punch(.clockOut, d, 1020)], on: d, schedule: pt, partTime: true)
        #expect(a.outsideScheduleMinutes == 65)
        #expect(a.flags.contains(.beyondSchedule))
        let regular = day([punch(.clockIn, d, 535), punch(.clockOut, d, 1020)], on: d, schedule: pt, partTime: false)
        #expect(!regular.flags.contains(.beyondSchedule))
    }

    @Test func insufficientBreakUnderLSA34() {
        // LSA 34条 (work-rules §1.2): over 6h → 45 min; over 8h → 60 min
        #expect(AttendanceRules.default.requiredBreak(worked: 360) == 0)
        #expect(AttendanceRules.default.requiredBreak(worked: 361) == 45)
        #expect(AttendanceRules.default.requiredBreak(worked: 480) == 45)
        #expect(AttendanceRules.default.requiredBreak(worked: 481) == 60)
        var fukushima = AttendanceRules.default
        fukushima.longDayThresholdMinutes = 465   // 7h45m in some 条例
        #expect(fukushima.requiredBreak(worked: 470) == 60)
        // 8:30–19:30 with a punched 45-minute break: 10h15m worked, 60 required
        let a = day([punch(.clockIn, d, 510), punch(.breakStart, d, 720), punch(.breakEnd, d, 765), punch(.clockOut, d, 1170)], on: d)
        #expect(a.flags.contains(.insufficientBreak))
    }

    @Test func correctedPunchesAreMarked() {
        let a = day([punch(.clockIn, d, 505), punch(.clockOut, d, 1040, source: .correction)], on: d)
        #expect(a.flags.contains(.corrected))
    }

    @Test func nightShiftBelongsToTheDayItStarted() {
        let next = d.adding(days: 1)
        let ps = [punch(.clockIn, d, 22 * 60), punch(.clockOut, next, 6 * 60)]
        let days = AttendanceCalculator.days(dates: [d, next], schedule: { _ in nil }, dayKind: { _ in .weeklyRestDay }, punches: ps, marks: [],
                                             isPartTime: false, rules: .default, zone: tokyo, now: next.adding(days: 2).instant(atMinute: 0, in: tokyo))
        #expect(days[0].workedMinutes == 480)
        #expect(days[1].workedMinutes == 0)
    }

    /// Property: minutes are conserved across classes — worked = within + outside, none negative,
    /// and within never exceeds the scheduled time — for random punch streams.
    @Test func minutesAreConserved() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var minute = Int.random(in: 300...700, using: &rng)
            var ps: [EffectivePunch] = []
            var kinds: [PunchKind] = [.clockIn]
            if Bool.random(using: &rng) { kinds += [.breakStart, .breakEnd] }
            kinds.append(.clockOut)
            if Int.random(in: 0..<4, using: &rng) == 0 { kinds.shuffle(using: &rng) }
            for k in kinds { ps.append(punch(k, d, minute)); minute += Int.random(in: 0...400, using: &rng) }
            let schedule: DailySchedule? = Bool.random(using: &rng) ? .standard : DailySchedule(start: 540, end: 960, breakWindow: nil)
            let a = day(ps, on: d, schedule: schedule, partTime: Bool.random(using: &rng))
            #expect(a.workedMinutes == a.withinScheduleMinutes + a.outsideScheduleMinutes)
            #expect(a.withinScheduleMinutes >= 0 && a.outsideScheduleMinutes >= 0 && a.breakMinutes >= 0)
            #expect(a.withinScheduleMinutes <= schedule!.scheduledMinutes)
        }
    }

    @Test func monthTotalsAddUp() {
        let month = YearMonth(year: 2025, month: 4)!
        var ps: [EffectivePunch] = []
        for dd in month.days where (1...5).contains(dd.weekday) && JapaneseHolidays.name(of: dd) == nil {
            ps += [punch(.clockIn, dd, 505), punch(.clockOut, dd, 1040)]
        }
        let days = AttendanceCalculator.days(dates: month.days, schedule: { WeeklySchedule.standard.schedule(weekday: $0.weekday) },
                                             dayKind: { JapaneseHolidays.name(of: $0).map { DayKind.holiday(name: $0) } ?? ($0.weekday == 0 || $0.weekday == 6 ? .weeklyRestDay : .workDay) },
                                             punches: ps, marks: [], isPartTime: false, rules: .default, zone: tokyo,
                                             now: CalendarDate(year: 2025, month: 6, day: 1)!.instant(atMinute: 0, in: tokyo))
        let t = AttendanceTotals(days: days)
        #expect(t.scheduledDays == 21)      // April 2025: 22 weekdays less 昭和の日 (Tue 4/29)
        #expect(t.daysWorked == 21)
        #expect(t.scheduledMinutes == 21 * 465)
        #expect(t.workedMinutes == days.map(\.workedMinutes).reduce(0, +))
        #expect(t.anomalyCount == 0)
    }
}

@Suite("Punch sequence (打刻の順序)")
struct SessionTests {
    let now = d.instant(atMinute: 600, in: tokyo)

    @Test func nextPunchFollowsTheState() {
        #expect(SessionBuilder.state([], now: now) == .off)
        let working = [punch(.clockIn, d, 505)]
        #expect(SessionBuilder.state(working, now: now).allowedNext == [.clockOut, .breakStart])
        #expect(SessionBuilder.check(next: .clockIn, after: working, now: now).violation == .alreadyClockedIn)
        #expect(SessionBuilder.check(next: .clockOut, after: [], now: now).violation == .notClockedIn)
        #expect(SessionBuilder.check(next: .breakEnd, after: working, now: now).violation == .notOnBreak)
        let onBreak = working + [punch(.breakStart, d, 580)]
        #expect(SessionBuilder.check(next: .clockOut, after: onBreak, now: now).violation == .onBreak)
        #expect(SessionBuilder.check(next: .breakEnd, after: onBreak, now: now).violation == nil)
    }

    @Test func aForgottenClockOutDoesNotBlockTheNextDay() {
        let yesterday = d.adding(days: -1)
        let ps = [punch(.clockIn, yesterday, 505)]
        #expect(SessionBuilder.check(next: .clockIn, after: ps, now: d.instant(atMinute: 500, in: tokyo)).violation == nil)
        // but a night shift that started 9 hours ago is still open
        #expect(SessionBuilder.check(next: .clockOut, after: [punch(.clockIn, yesterday, 22 * 60)], now: d.instant(atMinute: 420, in: tokyo)).violation == nil)
    }

    @Test func validationCatchesOutOfOrderCorrections() {
        let ps = [punch(.clockIn, d, 510), punch(.clockOut, d, 480)].sorted { $0.at < $1.at }
        #expect(SessionBuilder.validate(ps, around: d.instant(atMinute: 480, in: tokyo)).violation != nil)
        let good = [punch(.clockIn, d, 510), punch(.clockOut, d, 1040)]
        #expect(SessionBuilder.validate(good, around: d.instant(atMinute: 1040, in: tokyo)).violation == nil)
    }

    @Test func correctionsApplyOnTopOfRawFacts() {
        let staff = UUID(), me = UUID()
        let raw = [Punch(id: UUID(), staffId: staff, kind: .clockIn, at: d.instant(atMinute: 600, in: tokyo), place: "本庁舎", recordedBy: staff)]
        let replace = PunchCorrection(id: UUID(), staffId: staff, action: .replace, targetPunchId: raw[0].id, kind: .clockIn, at: d.instant(atMinute: 510, in: tokyo),
                                      place: nil, reason: "打刻漏れ", status: .approved, requestedBy: staff, requestedAt: Date(), decidedBy: me, decidedAt: Date())
        let add = PunchCorrection(id: UUID(), staffId: staff, action: .add, targetPunchId: nil, kind: .clockOut, at: d.instant(atMinute: 1040, in: tokyo),
                                  place: "本庁舎", reason: "退勤忘れ", status: .pending, requestedBy: staff, requestedAt: Date())
        let eff = PunchStream.effective(raw: raw, corrections: [replace, add])
        #expect(eff.count == 1)                    // the pending one does not count yet
        #expect(eff[0].at == d.instant(atMinute: 510, in: tokyo))
        #expect(eff[0].source == .correction)
        var approvedAdd = add; approvedAdd.status = .approved; approvedAdd.decidedAt = Date()
        #expect(PunchStream.effective(raw: raw, corrections: [replace, approvedAdd]).map(\.kind) == [.clockIn, .clockOut])
        let void = PunchCorrection(id: UUID(), staffId: staff, action: .void, targetPunchId: raw[0].id, kind: nil, at: nil, place: nil, reason: "誤打刻",
                                   status: .approved, requestedBy: staff, requestedAt: Date(), decidedAt: Date())
        #expect(PunchStream.effective(raw: raw, corrections: [void]).isEmpty)
    }
}

@Suite("Ledger hash chain")
struct LedgerTests {
    struct Fact: Codable { var n: Int; var text: String }

    func chain(_ n: Int) -> [LedgerEntry] {
        let drafts = (0..<n).map { LedgerDraft(municipalityId: nil, actorId: nil, type: "test", subjectId: "\($0)", fact: Fact(n: $0, text: "打刻\($0)")) }
        return Ledger.seal(drafts, after: (0, Ledger.genesis), at: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func aSealedChainVerifies() throws {
        let c = chain(50)
        #expect(try Ledger.verify(c).get() == 50)
        // sealing in two batches gives the same chain as one
        let first = Array(c.prefix(20))
        let rest = Ledger.seal((20..<50).map { LedgerDraft(municipalityId: nil, actorId: nil, type: "test", subjectId: "\($0)", fact: Fact(n: $0, text: "打刻\($0)")) },
                               after: (20, first.last!.hash), at: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(first + rest == c)
    }

    @Test func alteredRemovedOrReorderedEntriesAreNamed() {
        var altered = chain(10); altered[4].payload = #"{"n":999}"#
        #expect(Ledger.verify(altered).failureSeq == 5)
        var removed = chain(10); removed.remove(at: 6)
        #expect(Ledger.verify(removed).failureSeq == 8)
        var swapped = chain(10); swapped.swapAt(2, 3)
        #expect(Ledger.verify(swapped).failureSeq == 4)
        var rehashed = chain(10); rehashed[2].payload = "{}"; rehashed[2].hash = rehashed[2].computedHash()
        #expect(Ledger.verify(rehashed).failureSeq == 4, "re-hashing one entry breaks the next link")
    }

    @Test func canonicalJSONIsStable() {
        struct F: Codable { var b: Int; var a: String; var at: Date }
        let s = Ledger.canonicalJSON(F(b: 1, a: "x/y", at: Date(timeIntervalSince1970: 1.5)))
        #expect(s == #"{"a":"x/y","at":"1970-01-01T00:00:01.500Z","b":1}"#)
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test("upperText and lowerText are Foundation's uuidString, without printf")
    func text() {
        for _ in 0..<500 {
            let u = UUID()
            #expect(u.upperText == u.uuidString)
            #expect(u.lowerText == u.uuidString.lowercased())
        }
    }

    @Test("time-ordered ids are version 7, carry their millisecond and sort by time as text")
    func timeOrdered() {
        var previous = ""
        for i in 0..<2000 {
            let at = Date(timeIntervalSince1970: 1_790_000_000 + Double(i) * 0.0013)
            let u = UUID.timeOrdered(at: at)
            let s = u.uuidString
            #expect(Array(s)[14] == "7", "version nibble")
            #expect("89AB".contains(Array(s)[19]), "RFC variant")
            let ms = u.uuid.0, expected = UInt8(truncatingIfNeeded: UInt64(1_790_000_000_000 + Int64(Double(i) * 1.3)) >> 40)
            #expect(ms == expected)
            if String(s.prefix(13)) != String(previous.prefix(13)) { #expect(s > previous, "later millisecond sorts later") }
            previous = s
        }
        #expect(Set((0..<1000).map { _ in UUID.timeOrdered() }).count == 1000)
    }
}

extension Result where Failure == Ledger.Failure {
    var failureSeq: Int64? { if case .failure(let f) = self { f.seq } else { nil } }
}

@Suite("Organisation values")
struct OrganisationTests {
    @Test func municipalityCodeCheckDigit() {
        #expect(MunicipalityCode.isValid("131016"))   // 千代田区
        #expect(MunicipalityCode.isValid("011002"))   // 札幌市
        #expect(MunicipalityCode.isValid("172065"))   // 加賀市
        #expect(!MunicipalityCode.isValid("172066"))
        #expect(!MunicipalityCode.isValid("17206"))
    }

    @Test func schedulesAreParsedFromRosterSpelling() throws {
        let s = try WeeklySchedule.parse(weekdays: "月-金", start: "8:30", end: "17:15", breakSpec: "60").get()
        #expect(s == .standard)
        #expect(s.weeklyMinutes == 38 * 60 + 45)
        let pt = try WeeklySchedule.parse(weekdays: "月水金", start: "9:00", end: "16:00", breakSpec: "12:00-13:00").get()
        #expect(pt.workingWeekdays == [1, 3, 5])
        #expect(pt.weeklyMinutes == 3 * 360)
        #expect(WeeklySchedule.parse(weekdays: "月曜", start: "8:30", end: "17:15", breakSpec: "60").parseError == .weekdays)
        #expect(WeeklySchedule.parse(weekdays: "月", start: "25:00", end: "17:15", breakSpec: "60").parseError == .start)
        #expect(WeeklySchedule.parse(weekdays: "月", start: "9:00", end: "8:00", breakSpec: "60").parseError == .end)
        #expect(WeeklySchedule.parse(weekdays: "月", start: "9:00", end: "10:00", breakSpec: "90").parseError == .breakSpec)
    }

    @Test func employmentTypesAcceptJapaneseLabels() {
        #expect(EmploymentType(code: "会計年度パートタイム") == .fiscalYearPartTime)
        #expect(EmploymentType(code: "regular") == .regular)
        #expect(EmploymentType(code: "社長") == nil)
    }
}

extension Result where Success == Void, Failure == PunchRuleViolation {
    var violation: PunchRuleViolation? { if case .failure(let v) = self { v } else { nil } }
}

extension Result where Success == WeeklySchedule, Failure == ScheduleParseError {
    var parseError: ScheduleParseError? { if case .failure(let v) = self { v } else { nil } }
}

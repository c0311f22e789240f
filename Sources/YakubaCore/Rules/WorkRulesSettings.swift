import Foundation

/// A municipality's own settings of the work rules, where its 条例・規則 differ from the common default
/// (work-rules-ja.md marks each of these as municipality-specific): the grace before a clock-in is late, the break
/// the day needs (LSA 34条: over 6h → 45 min, over 8h → 60 min; some 条例 count from 7h45m), the scheduled break
/// deducted when none was punched, the 年次休暇 year (calendar or fiscal), carry-over and the cap on hourly use (LSA
/// 39条4項's 5 days binds some staff and not others ⚠️), whether Sunday is left out of the 60-hour count, the standard
/// day and week the pay bands count from (short-time staff's 100/100 band up to 7h45m, the 振替 band over 38h45m), and
/// the 年末年始 range (default 12/29–1/3).
public struct WorkRulesSettings: Hashable, Sendable, Codable {
    public var attendance: AttendanceRules
    public var annualLeave: AnnualLeavePolicy
    public var pay: PayRules
    public var yearEndStart: MonthDay
    public var yearEndEnd: MonthDay

    public init(attendance: AttendanceRules = .default, annualLeave: AnnualLeavePolicy = .default, pay: PayRules = .default,
                yearEndStart: MonthDay = MonthDay(month: 12, day: 29), yearEndEnd: MonthDay = MonthDay(month: 1, day: 3)) {
        self.attendance = attendance; self.annualLeave = annualLeave; self.pay = pay
        self.yearEndStart = yearEndStart; self.yearEndEnd = yearEndEnd
    }

    public static let `default` = WorkRulesSettings()

    /// A field that could not be taken, with what to do about it.
    public struct Problem: Hashable, Sendable {
        public var field: String
        public var messageJa: String
        public var messageEn: String
    }
    /// Every problem of a form, each beside its field.
    public struct Problems: Error, Hashable, Sendable { public var all: [Problem] }

    /// The form's field names, in the order the page shows them.
    public static let fields = ["late_grace", "early_grace", "auto_break", "break_after", "short_break", "long_day", "long_break",
                                "leave_year", "carry_over", "hourly_cap", "sixty_excludes_sunday", "standard_day", "standard_week",
                                "year_end_start", "year_end_end"]

    /// The settings as the form shows them (times as H:MM, days as M/D, a tick box as "1" or "").
    public var formValues: [String: String] {
        [
            "late_grace": String(attendance.lateGraceMinutes), "early_grace": String(attendance.earlyLeaveGraceMinutes),
            "auto_break": attendance.autoDeductScheduledBreak ? "1" : "",
            "break_after": WeeklySchedule.formatClock(attendance.breakRequiredAfterMinutes), "short_break": String(attendance.shortBreakMinutes),
            "long_day": WeeklySchedule.formatClock(attendance.longDayThresholdMinutes), "long_break": String(attendance.longBreakMinutes),
            "leave_year": annualLeave.yearBasis.rawValue, "carry_over": String(annualLeave.carryOverMaxDays),
            "hourly_cap": annualLeave.hourlyUseCapDays.map(String.init) ?? "",
            "sixty_excludes_sunday": pay.sixtyHourCountExcludesSunday ? "1" : "",
            "standard_day": WeeklySchedule.formatClock(pay.standardDayMinutes), "standard_week": WeeklySchedule.formatClock(pay.standardWeekMinutes),
            "year_end_start": "\(yearEndStart.month)/\(yearEndStart.day)", "year_end_end": "\(yearEndEnd.month)/\(yearEndEnd.day)",
        ]
    }

    /// A typed value trimmed, with the digits, colon and slash a Japanese input method types full-width read as ASCII.
    public static func ascii(_ text: String) -> String {
        let scalars = text.trimmingCharacters(in: .whitespaces).unicodeScalars.map { u -> Unicode.Scalar in
            (0xFF0F...0xFF1A).contains(u.value) ? Unicode.Scalar(u.value - 0xFEE0)! : u
        }
        return String(String.UnicodeScalarView(scalars)).trimmingCharacters(in: .whitespaces)
    }

    /// Reads the form onto these settings (what the form does not hold is kept). Every field is checked and every
    /// problem returned, so the page can show each one beside its field; nothing is taken unless all are right.
    public func applying(_ form: [String: String]) -> Result<WorkRulesSettings, Problems> {
        var out = self
        var problems: [Problem] = []
        func problem(_ field: String, _ ja: String, _ en: String) { problems.append(Problem(field: field, messageJa: ja, messageEn: en)) }
        func text(_ f: String) -> String { Self.ascii(form[f] ?? "") }
        func number(_ f: String, _ range: ClosedRange<Int>, _ ja: String, _ en: String) -> Int? {
            guard let v = Int(text(f)), range.contains(v) else { problem(f, ja, en); return nil }
            return v
        }
        func clock(_ f: String, _ range: ClosedRange<Int>, _ ja: String, _ en: String) -> Int? {
            guard let v = WeeklySchedule.parseClock(text(f)), range.contains(v) else { problem(f, ja, en); return nil }
            return v
        }
        func monthDay(_ f: String, months: ClosedRange<Int>, _ ja: String, _ en: String) -> MonthDay? {
            let parts = text(f).replacingOccurrences(of: "月", with: "/").replacingOccurrences(of: "日", with: "")
                .split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let m = Int(parts[0]), let d = Int(parts[1]), months.contains(m),
                  CalendarDate(year: 2001, month: m, day: d) != nil else { problem(f, ja, en); return nil }
            return MonthDay(month: m, day: d)
        }
        func tick(_ f: String) -> Bool { !(form[f] ?? "").isEmpty }

        let late = number("late_grace", 0...60, "遅刻とみなすまでの猶予を0〜60分で入力してください。", "Enter a grace of 0 to 60 minutes.")
        let early = number("early_grace", 0...60, "早退とみなすまでの猶予を0〜60分で入力してください。", "Enter a grace of 0 to 60 minutes.")
        let after = clock("break_after", 60...720, "休憩が必要になる勤務時間を 6:00 のように1:00〜12:00で入力してください。",
                          "Enter the hours after which a break is needed as H:MM, 1:00 to 12:00.")
        let short = number("short_break", 15...120, "休憩時間を15〜120分で入力してください。", "Enter a break of 15 to 120 minutes.")
        let long = clock("long_day", 60...960, "長い勤務の境目を 8:00 のように1:00〜16:00で入力してください。",
                         "Enter the long-day threshold as H:MM, 1:00 to 16:00.")
        let longBreak = number("long_break", 15...180, "長い勤務の休憩時間を15〜180分で入力してください。", "Enter a break of 15 to 180 minutes.")
        if let after, let long, long <= after {
            problem("long_day", "長い勤務の境目は、休憩が必要になる勤務時間より長くしてください（例：6:00 と 8:00）。",
                    "The long-day threshold must be longer than the hours after which a break is needed (e.g. 6:00 and 8:00).")
        }
        if let short, let longBreak, longBreak < short {
            problem("long_break", "長い勤務の休憩は、短い方の休憩（\(short)分）以上にしてください。", "The long day's break must be at least the shorter break (\(short) min).")
        }
        let basis = LeaveYearBasis(rawValue: text("leave_year"))
        if basis == nil { problem("leave_year", "年次休暇の年の区切りを選んでください。", "Choose how the leave year runs.") }
        let carry = number("carry_over", 0...20, "繰越の上限を0〜20日で入力してください。", "Enter a carry-over of 0 to 20 days.")
        var cap: Int?? = .some(nil)
        if !text("hourly_cap").isEmpty {
            cap = number("hourly_cap", 1...20, "時間単位の使用の上限を1〜20日で入力するか、上限がなければ空欄にしてください。",
                         "Enter a cap of 1 to 20 days, or leave it empty for no cap.").map { .some($0) }
        }
        // the 正規の勤務時間 the pay bands count from (勤務時間条例: 7h45m a day, 38h45m a week)
        let standardDay = clock("standard_day", 240...480, "1日の正規の勤務時間を 7:45 のように4:00〜8:00で入力してください。",
                                "Enter the standard day as H:MM, 4:00 to 8:00.")
        let standardWeek = clock("standard_week", 1200...2400, "1週の正規の勤務時間を 38:45 のように20:00〜40:00で入力してください。",
                                 "Enter the standard week as H:MM, 20:00 to 40:00.")
        let start = monthDay("year_end_start", months: 12...12, "年末年始の初日を 12/29 のように12月の日付で入力してください。",
                             "Enter the first day as a date in December, e.g. 12/29.")
        let end = monthDay("year_end_end", months: 1...1, "年末年始の最終日を 1/3 のように1月の日付で入力してください。",
                           "Enter the last day as a date in January, e.g. 1/3.")
        guard problems.isEmpty, let late, let early, let after, let short, let long, let longBreak, let basis, let carry, let cap, let start, let end,
              let standardDay, let standardWeek
        else { return .failure(Problems(all: problems)) }
        out.attendance.lateGraceMinutes = late
        out.attendance.earlyLeaveGraceMinutes = early
        out.attendance.autoDeductScheduledBreak = tick("auto_break")
        out.attendance.breakRequiredAfterMinutes = after
        out.attendance.shortBreakMinutes = short
        out.attendance.longDayThresholdMinutes = long
        out.attendance.longBreakMinutes = longBreak
        out.annualLeave.yearBasis = basis
        out.annualLeave.carryOverMaxDays = carry
        out.annualLeave.hourlyUseCapDays = cap
        out.pay.sixtyHourCountExcludesSunday = tick("sixty_excludes_sunday")
        out.pay.standardDayMinutes = standardDay
        out.pay.standardWeekMinutes = standardWeek
        out.yearEndStart = start
        out.yearEndEnd = end
        return .success(out)
    }
}

import Foundation
import Testing
@testable import YakubaCore

private func d(_ y: Int, _ m: Int, _ day: Int) -> CalendarDate { CalendarDate(year: y, month: m, day: day)! }

/// A year's holidays as sorted "M/D name" strings.
private func list(_ year: Int) -> [String] {
    JapaneseHolidays.holidays(in: year).sorted { $0.key < $1.key }.map { "\($0.key.month)/\($0.key.day) \($0.value)" }
}

@Suite("JapaneseHolidays")
struct JapaneseHolidaysTests {
    @Test func year2019AbdicationAndEnthronement() {
        let h = JapaneseHolidays.holidays(in: 2019)
        #expect(h[d(2019, 4, 29)] == "昭和の日")
        #expect(h[d(2019, 4, 30)] == "国民の休日")
        #expect(h[d(2019, 5, 1)] == "天皇の即位の日")
        #expect(h[d(2019, 5, 2)] == "国民の休日")
        #expect(h[d(2019, 5, 3)] == "憲法記念日")
        #expect(h[d(2019, 5, 4)] == "みどりの日")
        #expect(h[d(2019, 5, 5)] == "こどもの日")
        #expect(h[d(2019, 5, 6)] == "振替休日")
        #expect(h[d(2019, 8, 11)] == "山の日")
        #expect(h[d(2019, 8, 12)] == "振替休日")
        #expect(h[d(2019, 10, 22)] == "即位礼正殿の儀")
        #expect(h[d(2019, 11, 4)] == "振替休日")
        #expect(h[d(2019, 12, 23)] == nil) // no 天皇誕生日 in 2019
        #expect(h[d(2019, 2, 23)] == nil)
        #expect(h[d(2019, 10, 14)] == "体育の日")
        // 10 days off in a row: 4/27 (Sat) … 5/6.
        for n in 0..<10 {
            let day = d(2019, 4, 27).adding(days: n)
            #expect(h[day] != nil || day.weekday == 0 || day.weekday == 6, "\(day)")
        }
    }

    @Test func olympicMoves2020And2021() {
        let h20 = JapaneseHolidays.holidays(in: 2020)
        #expect(h20[d(2020, 7, 23)] == "海の日")
        #expect(h20[d(2020, 7, 24)] == "スポーツの日")
        #expect(h20[d(2020, 8, 10)] == "山の日")
        #expect(h20[d(2020, 7, 20)] == nil)
        #expect(h20[d(2020, 8, 11)] == nil)
        #expect(h20[d(2020, 10, 12)] == nil)
        #expect(h20[d(2020, 2, 23)] == "天皇誕生日")
        #expect(h20[d(2020, 2, 24)] == "振替休日")
        #expect(h20[d(2020, 5, 6)] == "振替休日") // 5/3 Sunday → nearest non-祝日 day

        let h21 = JapaneseHolidays.holidays(in: 2021)
        #expect(h21[d(2021, 7, 22)] == "海の日")
        #expect(h21[d(2021, 7, 23)] == "スポーツの日")
        #expect(h21[d(2021, 8, 8)] == "山の日")
        #expect(h21[d(2021, 8, 9)] == "振替休日")
        #expect(h21[d(2021, 7, 19)] == nil)
        #expect(h21[d(2021, 8, 11)] == nil)
        #expect(h21[d(2021, 10, 11)] == nil)

        #expect(JapaneseHolidays.name(of: d(2022, 10, 10)) == "スポーツの日")
        #expect(JapaneseHolidays.name(of: d(2022, 7, 18)) == "海の日")
    }

    @Test func citizensHoliday2026() {
        #expect(JapaneseHolidays.name(of: d(2026, 9, 21)) == "敬老の日")
        #expect(JapaneseHolidays.name(of: d(2026, 9, 22)) == "国民の休日")
        #expect(JapaneseHolidays.name(of: d(2026, 9, 23)) == "秋分の日")
    }

    @Test func fullList2025() {
        #expect(list(2025) == [
            "1/1 元日", "1/13 成人の日", "2/11 建国記念の日", "2/23 天皇誕生日", "2/24 振替休日",
            "3/20 春分の日", "4/29 昭和の日", "5/3 憲法記念日", "5/4 みどりの日", "5/5 こどもの日",
            "5/6 振替休日", "7/21 海の日", "8/11 山の日", "9/15 敬老の日", "9/23 秋分の日",
            "10/13 スポーツの日", "11/3 文化の日", "11/23 勤労感謝の日", "11/24 振替休日",
        ])
        #expect(JapaneseHolidays.holidays(in: 2025).count == 19)
    }

    @Test func equinoxes() {
        #expect(JapaneseHolidays.vernalEquinoxDay(2025) == 20)
        #expect(JapaneseHolidays.autumnalEquinoxDay(2025) == 23)
        #expect(JapaneseHolidays.name(of: d(2025, 3, 20)) == "春分の日")
        #expect(JapaneseHolidays.name(of: d(2025, 9, 23)) == "秋分の日")
        // Published 暦要項 values.
        #expect(JapaneseHolidays.vernalEquinoxDay(2024) == 20)
        #expect(JapaneseHolidays.autumnalEquinoxDay(2024) == 22)
        #expect(JapaneseHolidays.vernalEquinoxDay(2026) == 20)
        #expect(JapaneseHolidays.autumnalEquinoxDay(2026) == 23)
        #expect(JapaneseHolidays.autumnalEquinoxDay(2012) == 22)
        #expect(JapaneseHolidays.vernalEquinoxDay(1980) == 20)
        // 1900–1979 branch: INT((Y-1983)/4) truncates (flooring would give 22 / 24 here).
        #expect(JapaneseHolidays.autumnalEquinoxDay(1979) == 24)
        #expect(JapaneseHolidays.vernalEquinoxDay(1978) == 21)
        #expect(JapaneseHolidays.autumnalEquinoxDay(1978) == 23)
        #expect(JapaneseHolidays.vernalEquinoxDay(1960) == 20)
        #expect(JapaneseHolidays.autumnalEquinoxDay(1960) == 23)
        #expect(JapaneseHolidays.vernalEquinoxDay(2100) == 20)
        #expect(JapaneseHolidays.autumnalEquinoxDay(2100) == 23)
        #expect(JapaneseHolidays.vernalEquinoxDay(1899) == nil)
        #expect(JapaneseHolidays.vernalEquinoxDay(2151) == nil)
        for y in 1900...2150 {
            #expect((19...22).contains(JapaneseHolidays.vernalEquinoxDay(y)!), "\(y)")
            #expect((22...24).contains(JapaneseHolidays.autumnalEquinoxDay(y)!), "\(y)")
        }
    }

    @Test func citizensHolidayRuleStartsEnd1985() {
        // 国民の休日 only from 1985-12-27: 5/4 is no holiday in 1984 or 1985 …
        #expect(JapaneseHolidays.name(of: d(1984, 5, 4)) == nil)
        #expect(JapaneseHolidays.name(of: d(1985, 5, 4)) == nil)
        // … but is from 1986 (1986-05-04 was a Sunday, so 1988 is the first weekday example).
        #expect(JapaneseHolidays.name(of: d(1986, 5, 4)) == nil)
        #expect(JapaneseHolidays.name(of: d(1988, 5, 4)) == "国民の休日")
        // Old 3-2: a Sunday 5/3 makes 5/4 a 振替休日 (not a 国民の休日).
        #expect(JapaneseHolidays.name(of: d(1992, 5, 4)) == "振替休日")
        // From 2007 5/4 is みどりの日.
        #expect(JapaneseHolidays.name(of: d(2007, 5, 4)) == "みどりの日")
    }

    @Test func substituteHolidayRules() {
        // Old rule (before 2007): only the next day. 2006-01-01 was a Sunday.
        #expect(JapaneseHolidays.name(of: d(2006, 1, 2)) == "振替休日")
        // 2008-05-04 (Sunday, みどりの日) → 5/6 (5/5 is a 祝日).
        #expect(JapaneseHolidays.name(of: d(2008, 5, 6)) == "振替休日")
        // 振替休日 started 1973-04-12: 1973-04-29 (Sunday) → 4/30.
        #expect(JapaneseHolidays.name(of: d(1973, 4, 30)) == "振替休日")
        // 1973-02-11 was a Sunday, before the rule.
        #expect(JapaneseHolidays.name(of: d(1973, 2, 12)) == nil)
        // Saturday 祝日 have no substitute: 2022-01-01 was a Saturday.
        #expect(JapaneseHolidays.name(of: d(2022, 1, 3)) == nil)
    }

    @Test func emperorsBirthdayAndOneOffs() {
        #expect(JapaneseHolidays.name(of: d(1988, 4, 29)) == "天皇誕生日")
        #expect(JapaneseHolidays.name(of: d(1989, 4, 29)) == "みどりの日")
        #expect(JapaneseHolidays.name(of: d(1989, 12, 23)) == "天皇誕生日")
        #expect(JapaneseHolidays.name(of: d(2018, 12, 23)) == "天皇誕生日")
        #expect(JapaneseHolidays.name(of: d(2018, 12, 24)) == "振替休日")
        #expect(JapaneseHolidays.name(of: d(2020, 2, 23)) == "天皇誕生日")
        #expect(JapaneseHolidays.name(of: d(1989, 2, 24)) == "昭和天皇の大喪の礼")
        #expect(JapaneseHolidays.name(of: d(1990, 11, 12)) == "即位礼正殿の儀")
        #expect(JapaneseHolidays.name(of: d(1993, 6, 9)) == "皇太子徳仁親王の結婚の儀")
        #expect(JapaneseHolidays.name(of: d(1959, 4, 10)) == "皇太子明仁親王の結婚の儀")
        #expect(JapaneseHolidays.name(of: d(1999, 1, 15)) == "成人の日")
        #expect(JapaneseHolidays.name(of: d(2000, 1, 10)) == "成人の日")
        #expect(JapaneseHolidays.name(of: d(1999, 10, 10)) == "体育の日")
        #expect(JapaneseHolidays.name(of: d(2000, 10, 9)) == "体育の日")
        #expect(JapaneseHolidays.name(of: d(1996, 7, 20)) == "海の日")
        #expect(JapaneseHolidays.name(of: d(1995, 7, 20)) == nil)
        #expect(JapaneseHolidays.name(of: d(2015, 8, 11)) == nil)
        #expect(JapaneseHolidays.name(of: d(2016, 8, 11)) == "山の日")
        #expect(JapaneseHolidays.holidays(in: 1947).isEmpty)
        #expect(JapaneseHolidays.holidays(in: 1948).keys.allSatisfy { $0 >= d(1948, 7, 20) })
    }

    @Test func everyYearIsSane() {
        for y in 1949...2150 {
            let h = JapaneseHolidays.holidays(in: y)
            let national = JapaneseHolidays.nationalHolidays(in: y)
            #expect(h.keys.allSatisfy { $0.year == y })
            #expect(h[d(y, 1, 1)] == "元日")
            #expect((9...22).contains(h.count), "\(y): \(h.count)")
            for (day, name) in h {
                switch name {
                case "振替休日":
                    // Preceded by a run of 祝日 that starts on a Sunday.
                    var p = day.adding(days: -1)
                    while national[p] != nil, p.weekday != 0 { p = p.adding(days: -1) }
                    #expect(p.weekday == 0 && national[p] != nil, "\(day)")
                    #expect(national[day] == nil)
                case "国民の休日":
                    #expect(national[day.adding(days: -1)] != nil && national[day.adding(days: 1)] != nil, "\(day)")
                    #expect(national[day] == nil)
                default:
                    #expect(national[day] == name)
                }
            }
            // Every Sunday 祝日 from 1973-04-12 on is followed by a 振替休日.
            for day in national.keys where day.weekday == 0 && day >= d(1973, 4, 12) {
                var n = day.adding(days: 1)
                while national[n] != nil { n = n.adding(days: 1) }
                if y < 2007 && n != day.adding(days: 1) { continue } // old rule: only the next day
                #expect(h[n] == "振替休日", "\(day)")
            }
        }
    }

    /// Every 休日 1955–2099 against an independent implementation (PyPI jpholiday 1.0.3, its one
    /// known error corrected; see the fixture's header): the same dates with the same names, no more, no fewer.
    @Test func agreesWithJpholiday1955Through2099() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/national-holidays-1955-2099.tsv")
        var expected: [Int: [String]] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t")
            let date = try #require(CalendarDate(iso: String(f[0])))
            expected[date.year, default: []].append("\(date.month)/\(date.day) \(f[1])")
        }
        #expect(expected.values.map(\.count).reduce(0, +) == 2354)
        for year in 1955...2099 {
            #expect(list(year) == (expected[year] ?? []).sorted { a, b in
                let pa = a.split(separator: " ")[0].split(separator: "/").map { Int($0)! }
                let pb = b.split(separator: " ")[0].split(separator: "/").map { Int($0)! }
                return (pa[0], pa[1]) < (pb[0], pb[1])
            }, "year \(year)")
        }
    }

    @Test func concurrentLookupsAgree() async {
        let expected = JapaneseHolidays.holidays(in: 2030)
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<32 {
                group.addTask { JapaneseHolidays.holidays(in: 2030 + i % 3) == JapaneseHolidays.computeHolidays(in: 2030 + i % 3) }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(JapaneseHolidays.holidays(in: 2030) == expected)
    }
}

@Suite("MunicipalHolidayRules")
struct MunicipalHolidayRulesTests {
    @Test func yearEndAndExtraDays() throws {
        let rules = MunicipalHolidayRules.standard
        #expect(rules.holidayName(d(2025, 12, 28)) == nil)
        #expect(rules.holidayName(d(2025, 12, 29)) == "年末年始")
        #expect(rules.holidayName(d(2025, 12, 31)) == "年末年始")
        #expect(rules.holidayName(d(2026, 1, 1)) == "元日") // 祝日 take precedence
        #expect(rules.holidayName(d(2026, 1, 3)) == "年末年始")
        #expect(rules.holidayName(d(2026, 1, 4)) == nil) // a Sunday, but weekends are not reported
        #expect(rules.holidayName(d(2026, 1, 12)) == "成人の日")
        #expect(rules.holidayName(d(2025, 6, 23)) == nil)
        #expect(rules.holidayName(d(2025, 6, 21)) == nil) // Saturday

        let okinawa = MunicipalHolidayRules(extraDays: [MonthDay(month: 6, day: 23, label: "慰霊の日")])
        #expect(okinawa.holidayName(d(2025, 6, 23)) == "慰霊の日")

        let old = MunicipalHolidayRules(yearEndStartMonth: 12, yearEndStartDay: 30, yearEndEndMonth: 1, yearEndEndDay: 4)
        #expect(old.holidayName(d(2025, 12, 29)) == nil)
        #expect(old.holidayName(d(2026, 1, 4)) == "年末年始")

        // 2025: 19 祝日 + 12/29, 12/30, 12/31, 1/2, 1/3 (1/1 is 元日).
        #expect(rules.holidays(in: 2025).count == 24)

        // Codable: missing keys take the defaults.
        let decoded = try JSONDecoder().decode(MunicipalHolidayRules.self,
                                               from: Data(#"{"extraDays":[{"month":6,"day":23,"label":"慰霊の日"}]}"#.utf8))
        #expect(decoded == okinawa)
        let roundTrip = try JSONDecoder().decode(MunicipalHolidayRules.self, from: JSONEncoder().encode(old))
        #expect(roundTrip == old)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MonthDay.self, from: Data(#"{"month":2,"day":30}"#.utf8))
        }
        #expect(try JSONDecoder().decode(MonthDay.self, from: Data(#"{"month":8,"day":6}"#.utf8)) == MonthDay(month: 8, day: 6))
    }
}

@Suite("JapaneseEra")
struct JapaneseEraTests {
    @Test func boundaries() {
        #expect(JapaneseEra.format(d(1989, 1, 7)) == "昭和64年1月7日")
        #expect(JapaneseEra.format(d(1989, 1, 8)) == "平成元年1月8日")
        #expect(JapaneseEra.format(d(2019, 4, 30)) == "平成31年4月30日")
        #expect(JapaneseEra.format(d(2019, 5, 1)) == "令和元年5月1日")
        #expect(JapaneseEra.format(d(1926, 12, 24)) == "大正15年12月24日")
        #expect(JapaneseEra.format(d(1926, 12, 25)) == "昭和元年12月25日")
        #expect(JapaneseEra.format(d(1912, 7, 29)) == "明治45年7月29日")
        #expect(JapaneseEra.format(d(1912, 7, 30)) == "大正元年7月30日")
        #expect(JapaneseEra.format(d(1868, 1, 25)) == "明治元年1月25日")
        #expect(JapaneseEra.era(of: d(1868, 1, 24)) == nil)
        #expect(JapaneseEra.format(d(1868, 1, 24)) == "1868-01-24")
        #expect(JapaneseEra.format(d(1868, 1, 24), style: .short) == "1868-01-24")
        let e = JapaneseEra.era(of: d(2025, 4, 1))
        #expect(e?.era == .reiwa && e?.year == 7)
        #expect(JapaneseEra.era(of: d(2019, 4, 30))?.era == .heisei)
    }

    @Test func styles() {
        #expect(JapaneseEra.format(d(2025, 4, 1)) == "令和7年4月1日")
        #expect(JapaneseEra.format(d(2025, 4, 1), style: .short) == "R7.4.1")
        #expect(JapaneseEra.format(d(2019, 5, 1), style: .short) == "R1.5.1")
        #expect(JapaneseEra.format(d(2025, 4, 1), style: .longWithWeekday) == "令和7年4月1日(火)")
        #expect(JapaneseEra.format(d(1989, 1, 7), style: .short) == "S64.1.7")
        #expect(JapaneseEra.reiwa.kanji == "令和")
        #expect(JapaneseEra.reiwa.letter == "R")
        #expect(JapaneseEra.allCases.map(\.letter).joined() == "MTSHR")
        #expect(JapaneseEra.reiwa.start == d(2019, 5, 1))
        #expect((0..<7).map { JapaneseEra.weekdayKanji(d(2025, 4, 6).adding(days: $0)) }.joined() == "日月火水木金土")
    }

    @Test func months() {
        #expect(JapaneseEra.formatMonth(YearMonth(year: 2025, month: 4)!) == "令和7年4月")
        #expect(JapaneseEra.formatMonth(YearMonth(year: 2019, month: 5)!) == "令和元年5月")
        #expect(JapaneseEra.formatMonth(YearMonth(year: 2019, month: 4)!) == "平成31年4月")
        #expect(JapaneseEra.formatMonth(YearMonth(year: 1989, month: 1)!) == "昭和64年1月")
    }

    @Test func fiscalYearNames() {
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 2025)) == "令和7年度")
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 2019)) == "令和元年度")
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 2018)) == "平成30年度")
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 2020)) == "令和2年度")
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 1989)) == "平成元年度")
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 1988)) == "昭和63年度")
        #expect(JapaneseEra.fiscalYearName(FiscalYear(startYear: 1860)) == "1860年度")
    }
}

@Suite("FiscalYear")
struct FiscalYearTests {
    @Test func bounds() throws {
        let fy = FiscalYear(startYear: 2025)
        #expect(fy.first == d(2025, 4, 1))
        #expect(fy.last == d(2026, 3, 31))
        #expect(fy.contains(d(2025, 4, 1)) && fy.contains(d(2026, 3, 31)))
        #expect(!fy.contains(d(2025, 3, 31)) && !fy.contains(d(2026, 4, 1)))
        #expect(FiscalYear(containing: d(2026, 3, 31)) == fy)
        #expect(FiscalYear(containing: d(2025, 4, 1)) == fy)
        #expect(FiscalYear(containing: d(2025, 3, 31)) == FiscalYear(startYear: 2024))
        #expect(FiscalYear(startYear: 2024) < fy)
        #expect(fy.next.startYear == 2026 && fy.previous.startYear == 2024)
        #expect(fy.months.count == 12 && fy.months.first?.iso == "2025-04" && fy.months.last?.iso == "2026-03")
        #expect(String(decoding: try JSONEncoder().encode(fy), as: UTF8.self) == "2025")
        #expect(try JSONDecoder().decode(FiscalYear.self, from: Data("2025".utf8)) == fy)
        // Every day of a range of years lies in exactly the FY that `containing` gives.
        for n in d(2023, 1, 1).dayNumber...d(2027, 12, 31).dayNumber {
            let day = CalendarDate(dayNumber: n)
            #expect(FiscalYear(containing: day).contains(day))
        }
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore

/// `yakuba demo [--staff N] [--months M] [--password P]`: fills an empty database with a deterministic demo city.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "staff", help: "number of staff (default 300, up to 20000)") var staff: Int?
        @Option(name: "months", help: "months of punch history before this month, plus this month up to now (default 2; 0 = no punches)") var months: Int?
        @Flag(name: "no-today", help: "stop the punch history at the end of yesterday (for load tests)") var noToday: Bool
        @Option(name: "tokens-file", help: "write an API token for every demo staff member to this file (職員番号<TAB>token), for load tests") var tokensFile: String?
        @Option(name: "password", help: "the demo users' password (default: random, printed)") var password: String?
        init() {}
    }
    var help: String { "Fill an empty database with a demo city (部・課・係, staff, months of punches) and print the demo logins." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let n = signature.staff ?? 300
        guard (10...50_000).contains(n) else { context.console.error("--staff must be between 10 and 50000"); throw ExitCode(2) }
        let months = signature.months ?? 2
        guard (0...24).contains(months) else { context.console.error("--months must be between 0 and 24"); throw ExitCode(2) }
        let app = context.application
        let password = signature.password ?? PasswordPolicy.oneTime()
        // run again on the same file (the README's first command, twice): say so and let `serve` follow
        if try await MunicipalityRepository.all(app.db.sql).contains(where: { $0.code == DemoCity.code }) {
            context.console.print("デモ市はすでにこのデータベースにあります（ログインは最初に表示したものです）。")
            context.console.print("The demo city is already in this database; the logins are those printed the first time.")
            context.console.print("新しく作るには別の YAKUBA_DATABASE を指定してください / use another YAKUBA_DATABASE for a fresh one.")
            return
        }
        let result = try await DemoCity.build(app: app, staffCount: n, months: months, includeToday: !signature.noToday, password: password,
                                              tokensFile: signature.tokensFile, now: Date()) { line in
            context.console.print(line)
        }
        context.console.print("")
        context.console.print("デモ市「\(result.cityName)」を作成しました / demo city created: \(result.staffCount) staff, \(result.punchCount) punches")
        context.console.print("ログイン / logins (password for all: \(password))")
        for l in result.logins { context.console.print("  \(l.role)\t職員番号 \(l.staffNumber)\t\(l.name)") }
    }
}

enum DemoCity {
    /// やくば市: a fictional code whose check digit is right (99999 → 7)
    static let code = "999997"
    struct Login: Sendable { var role: String; var staffNumber: String; var name: String }
    struct Result: Sendable { var cityName: String; var staffCount: Int; var punchCount: Int; var logins: [Login] }

    static let families: [(String, String)] = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"), ("渡辺", "ワタナベ"),
        ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"),
        ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
        ("髙橋", "タカハシ"), ("山﨑", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"), ("前田", "マエダ")]
    static let givens: [(String, String)] = [("太郎", "タロウ"), ("花子", "ハナコ"), ("翔太", "ショウタ"), ("美咲", "ミサキ"), ("健一", "ケンイチ"), ("由美", "ユミ"),
        ("大輔", "ダイスケ"), ("陽菜", "ヒナ"), ("誠", "マコト"), ("恵", "メグミ"), ("直樹", "ナオキ"), ("彩", "アヤ"), ("拓也", "タクヤ"), ("結衣", "ユイ"),
        ("浩", "ヒロシ"), ("真由美", "マユミ"), ("亮", "リョウ"), ("愛", "アイ"), ("修", "オサム"), ("智子", "トモコ")]
    /// 部 and their 課, as a mid-sized city organises them (総務部 first: its 人事課 is HR).
    static let organisation: [(String, [String])] = [
        ("総務部", ["人事課", "総務課", "財政課", "情報政策課"]), ("企画政策部", ["企画課", "秘書広報課", "DX推進課", "地域振興課"]),
        ("市民生活部", ["市民課", "税務課", "保険年金課", "環境課"]), ("健康福祉部", ["福祉総務課", "障がい福祉課", "介護保険課", "健康課"]),
        ("こども未来部", ["こども政策課", "学校教育課", "保育課", "子育て支援課"]), ("産業振興部", ["商工課", "観光課", "農林課", "雇用対策課"]),
        ("建設部", ["都市計画課", "道路課", "建築課", "公園緑地課"]), ("上下水道部", ["水道課", "下水道課", "経営課", "施設課"]),
    ]
    static let bus = organisation.map(\.0)
    static let kakaris = ["庶務係", "事業係"]

    static func build(app: Application, staffCount n: Int, months: Int, includeToday: Bool = true, password: String, tokensFile: String? = nil,
                      now: Date, progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        let sql = app.db as! any SQLDatabase
        var rng = SeededRandom(seed: 20_250_401)
        let existingStaff = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("staff").first()?.decode(column: "n", as: Int.self) ?? 0
        let existingMunis = try await MunicipalityRepository.all(sql)
        let hasOnlyBootstrap = existingStaff <= 1 && existingMunis.count <= 1 && (existingMunis.first?.code ?? "000001") == "000001"
        guard hasOnlyBootstrap else {
            throw DemoError("the database already has data; use a new YAKUBA_DATABASE file for the demo / データがあるためデモを作成できません")
        }
        let writer = app.yakuba.writer
        // やくば市: a fictional code whose check digit is right (99999 → 7)
        var muni = Seed.municipality(code: code, name: "やくば市", id: rng.uuid())
        if let m = existingMunis.first {
            muni.id = m.id
            let updated = muni
            try await writer.perform { _, sql in
                try await sql.update("municipalities").set("code", to: SQLBind(updated.code)).set("name", to: SQLBind(updated.name))
                    .where("id", .equal, SQLBind(updated.id)).run()
                return [LedgerDraft(municipalityId: updated.id, actorId: nil, type: "municipality.updated", subjectId: updated.id.uuidString.lowercased(), fact: updated)]
            }
        } else {
            try await Seed.insertMunicipality(app, muni)
        }

        // departments: 部 → 課 → 係, scaled to the staff count
        let buCount = min(bus.count, max(3, n / 40))
        var departments: [DepartmentRow] = []
        var leafIds: [UUID] = []
        var kaIds: [UUID] = []
        var hrKa: UUID?
        for (bi, bu) in bus.prefix(buCount).enumerated() {
            // 特定事業主: the waterworks are a public enterprise; 学校教育課 works for the board of education
            let buRow = DepartmentRow(id: rng.uuid(), municipalityId: muni.id, parentId: nil, code: String(format: "%02d", bi + 1), name: bu, level: 1, active: true,
                                      employer: bu == "上下水道部" ? Employer.publicEnterprise.rawValue : nil)
            departments.append(buRow)
            let kaNames = Array(organisation[bi].1.prefix(n >= 1000 ? 4 : 2))
            for (ki, ka) in kaNames.enumerated() {
                let kaRow = DepartmentRow(id: rng.uuid(), municipalityId: muni.id, parentId: buRow.id, code: buRow.code + String(format: "%02d", ki + 1), name: ka, level: 2, active: true,
                                          employer: ka == "学校教育課" ? Employer.educationBoard.rawValue : nil)
                departments.append(kaRow)
                kaIds.append(kaRow.id)
                if ka == "人事課" { hrKa = kaRow.id }
                for (ji, kk) in kakaris.enumerated() {
                    let k = DepartmentRow(id: rng.uuid(), municipalityId: muni.id, parentId: kaRow.id, code: kaRow.code + String(format: "%02d", ji + 1), name: kk, level: 3, active: true)
                    departments.append(k)
                    leafIds.append(k.id)
                }
            }
        }
        let depts = departments
        try await writer.perform { _, sql in
            try await sql.insert(into: "departments").models(depts, with: rowEncoder).run()
            return depts.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: nil, type: "department.created", subjectId: $0.id.uuidString.lowercased(), fact: $0) }
        }
        progress("departments: \(depts.count)")

        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(password)
        let zone = muni.zone
        let today = CalendarDate(now, in: zone)
        let startDate = YearMonth(today).first.adding(days: -400)
        let partTimeDay = DailySchedule(start: 540, end: 960, breakWindow: MinuteRange(start: 720, end: 780))   // 9:00–16:00, 6h
        let shortDay = DailySchedule(start: 510, end: 1035, breakWindow: MinuteRange(start: 720, end: 780))
        var staff: [StaffRow] = []
        var approverLinks: [(UUID, UUID)] = []
        let kaOfLeaf: [UUID: UUID] = Dictionary(uniqueKeysWithValues: depts.filter { $0.level == 3 }.map { ($0.id, $0.parentId!) })
        var logins: [Login] = []
        for i in 0..<n {
            let number = String(format: "%06d", 100001 + i)
            let f = families[rng.int(0...(families.count - 1))], g = givens[rng.int(0...(givens.count - 1))]
            var roles: [Role] = []
            var type: EmploymentType
            var dept: UUID
            var position = "主事"
            var schedule = WeeklySchedule.standard
            if i == 0 {
                roles = [.admin, .hr]; type = .regular; dept = leafIds[0]; position = "情報政策担当"
            } else if i <= 2 {
                roles = [.hr]; type = .regular; dept = leafIds.first { kaOfLeaf[$0] == hrKa } ?? leafIds[0]; position = i == 1 ? "人事課長" : "人事係長"
            } else if i - 3 < kaIds.count {
                // one 課長 per 課, approver of the 課 and its 係
                roles = [.approver]; type = .regular; dept = leafIds.first { kaOfLeaf[$0] == kaIds[i - 3] }!; position = "課長"
                approverLinks.append((UUID(), kaIds[i - 3]))
            } else {
                let r = rng.int(0...99)
                type = r < 60 ? .regular : r < 65 ? .reappointedShortTime : r < 75 ? .fiscalYearFullTime : .fiscalYearPartTime
                dept = leafIds[rng.int(0...(leafIds.count - 1))]
                switch type {
                case .regular: position = ["主事", "主任", "主査", "係長"][rng.int(0...3)]
                case .reappointedShortTime: position = "再任用職員"; schedule = .make(weekdays: [1, 2, 3, 4], day: shortDay)
                case .fiscalYearFullTime: position = "会計年度任用職員"
                case .fiscalYearPartTime:
                    position = "会計年度任用職員"
                    schedule = rng.chance(0.5) ? .make(weekdays: [1, 2, 3, 4, 5], day: partTimeDay) : .make(weekdays: [1, 2, 3, 4], day: partTimeDay)
                }
            }
            let id = rng.uuid()
            if !roles.isEmpty, roles.contains(.approver) { approverLinks[approverLinks.count - 1].0 = id }
            let row = StaffRow(id: id, municipalityId: muni.id, staffNumber: number, familyName: f.0, givenName: g.0, familyKana: f.1, givenKana: g.1,
                               employmentType: type.rawValue, departmentId: dept, position: position, schedule: Seed.json(schedule),
                               startDate: startDate.iso, endDate: nil, active: true, roles: roles.map(\.rawValue).joined(separator: ","),
                               passwordHash: hash, mustChangePassword: false, locale: "ja", updatedAtMs: nowMs(now))
            staff.append(row)
        }
        // the DX office: two regular staff of DX推進課 (or 情報政策課, or anyone regular) may build apps
        let dxKa = depts.first { $0.name == "DX推進課" } ?? depts.first { $0.name == "情報政策課" }
        let dxCandidates = staff.indices.filter { i in staff[i].roles.isEmpty && staff[i].employment == .regular && i > 3 }
        let inDX = dxCandidates.filter { i in dxKa.map { k in kaOfLeaf[staff[i].departmentId!] == k.id } ?? false }
        for i in (inDX + dxCandidates.reversed()).prefix(2) { staff[i].roles = Role.dx.rawValue }
        // the demo logins: admin, HR, the 課長 of the first plain staff member, that staff member, a part-timer, the DX office
        let firstPlain = staff.first { $0.roles.isEmpty && $0.employment == .regular }!
        let partTimer = staff.first { $0.employment == .fiscalYearPartTime }
        let managerOfPlain = approverLinks.first { $0.1 == kaOfLeaf[firstPlain.departmentId!] }.flatMap { link in staff.first { $0.id == link.0 } }
        logins.append(Login(role: "管理者 admin", staffNumber: staff[0].staffNumber, name: staff[0].fullName))
        logins.append(Login(role: "人事課 HR", staffNumber: staff[1].staffNumber, name: staff[1].fullName))
        if let m = managerOfPlain { logins.append(Login(role: "所属長 manager", staffNumber: m.staffNumber, name: m.fullName)) }
        logins.append(Login(role: "職員 staff", staffNumber: firstPlain.staffNumber, name: firstPlain.fullName))
        if let p = partTimer { logins.append(Login(role: "会計年度(パート) part-time", staffNumber: p.staffNumber, name: p.fullName)) }
        let dxStaff = staff.filter { $0.roleSet.contains(.dx) }
        if let d = dxStaff.first { logins.append(Login(role: "DX推進 DX office", staffNumber: d.staffNumber, name: d.fullName)) }

        let links = approverLinks
        let muniId = muni.id
        for chunk in staff.chunked(500) {
            try await writer.perform { _, sql in
                try await sql.insert(into: "staff").models(chunk, with: rowEncoder).run()
                return chunk.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: nil, type: "staff.created", subjectId: $0.id.uuidString.lowercased(), fact: $0.ledgerFact) }
            }
        }
        try await writer.perform { _, sql in
            for (s, d) in links {
                try await sql.insert(into: "approver_departments").columns("staff_id", "department_id").values(SQLBind(s), SQLBind(d)).run()
            }
            struct Link: Codable { var staffId: UUID; var departmentId: UUID }
            return links.map { LedgerDraft(municipalityId: muniId, actorId: nil, type: "approver.assigned", subjectId: $0.0.uuidString.lowercased(), fact: Link(staffId: $0.0, departmentId: $0.1)) }
        }
        progress("staff: \(staff.count)")

        if let path = tokensFile {
            // one token each, in bulk: the load benchmark punches as 20,000 different people
            var lines: [String] = []
            var rows: [ApiTokenRow] = []
            for s in staff {
                let t = TokenCache.newToken()
                rows.append(ApiTokenRow(id: rng.uuid(), staffId: s.id, name: "demo load test", tokenHash: TokenCache.hash(t), prefix: String(t.prefix(10)),
                                        createdAtMs: nowMs(now), createdBy: s.id, revokedAtMs: nil))
                lines.append("\(s.staffNumber)\t\(t)")
            }
            for chunk in rows.chunked(500) {
                try await writer.perform { _, sql in
                    try await sql.insert(into: "api_tokens").models(chunk, with: rowEncoder).run()
                    struct Fact: Codable { var id: UUID; var staffId: UUID; var prefix: String }
                    return chunk.map { LedgerDraft(municipalityId: muniId, actorId: $0.staffId, type: "token.created", subjectId: $0.id.uuidString.lowercased(),
                                                   fact: Fact(id: $0.id, staffId: $0.staffId, prefix: $0.prefix)) }
                }
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            progress("tokens: \(rows.count) → \(path)")
        }

        // punches: from the first of (months) months ago to this morning (or to last night)
        let lastDay = includeToday ? today : today.adding(days: -1)
        let firstDay = months == 0 ? today.adding(days: 1) : { var m = YearMonth(today); for _ in 0..<months { m = m.previous }; return m.first }()
        let holidays = muni.holidays
        var punchCount = 0
        var batch: [PunchRow] = []
        var marks: [DayMarkRow] = []
        // orders and leave requests draw from their own stream, so the punches stay as they were
        var rng2 = SeededRandom(seed: 20_261_123)
        var orders: [OvertimeOrderRow] = []
        var orderEvents: [OvertimeEventRow] = []
        var leaveRequests: [LeaveRequestRow] = []
        var leaveDecisions: [LeaveDecisionRow] = []
        let kaApprover = Dictionary(links.map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
        let hrId = staff[1].id
        func approver(of s: StaffRow) -> UUID {
            guard let leaf = s.departmentId, let ka = kaOfLeaf[leaf], let a = kaApprover[ka], a != s.id else { return hrId }
            return a
        }
        let nowMinute = Int(floor(now.timeIntervalSince(today.instant(atMinute: 0, in: zone)) / 60))
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let rows = batch
            batch.removeAll(keepingCapacity: true)
            let drafts = rows.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: $0.recordedBy, type: "punch.created",
                                                subjectId: $0.id.uuidString.lowercased(), payload: PunchFact($0).canonicalJSON) }
            try await writer.perform { _, sql in
                for chunk in rows.chunked(1000) { try await LedgerWriter.insert(punches: chunk, sql) }
                return drafts
            }
        }
        // a few people worked long days all last month, past 60 hours of overtime, and long ones the month before: a colleague
        // of the demo staff member (so their 所属長 has someone to offer 超勤代休時間 to, and someone on the early warning) and
        // one in about 150 of the rest
        let lastMonth = YearMonth(today).previous
        var busy = Set<UUID>()
        if let colleague = staff.first(where: { $0.id != firstPlain.id && $0.roles.isEmpty && $0.employment == .regular && $0.departmentId == firstPlain.departmentId }) {
            busy.insert(colleague.id)
        }
        for (i, s) in staff.enumerated() where i % 150 == 77 && s.roles.isEmpty && s.employment == .regular && s.id != firstPlain.id { busy.insert(s.id) }
        // sex for everyone, and a few births with the leaves that follow them (the published indicators): those away on
        // leave do not punch
        let family = Self.households(staff: staff, exclude: busy.union([firstPlain.id]), firstDay: firstDay, today: today, holidays: holidays,
                                   recordedBy: hrId, approver: approver(of:), zone: zone)
        leaveRequests += family.requests
        leaveDecisions += family.decisions
        let away = family.away
        for s in staff {
            let ws = s.weeklySchedule
            let isBusy = busy.contains(s.id)
            var day = firstDay
            let homeWorker = rng.chance(0.15)
            let outpost = rng.chance(0.1)
            while day <= lastDay {
                defer { day = day.adding(days: 1) }
                guard let sc = ws.schedule(weekday: day.weekday), holidays.holidayName(day) == nil else { continue }
                if let a = away[s.id], a.contains(where: { $0.contains(day) }) { continue }
                if rng.chance(0.03) {
                    let by = approver(of: s)
                    marks.append(DayMarkRow(id: rng.uuid(), municipalityId: muni.id, staffId: s.id, date: day.iso, code: DayMarkCode.annualLeave.rawValue,
                                            minutes: nil, recordedBy: by, recordedAtMs: nowMs(now)))
                    // a 課長's own leave is recorded by HR (a mark without a request); everyone else asked and was approved
                    if by != hrId || s.roles.isEmpty {
                        let reqId = rng2.uuid()
                        let days = [LeaveDay(date: day, minutes: sc.scheduledMinutes, range: nil)]
                        leaveRequests.append(LeaveRequestRow(id: reqId, municipalityId: muni.id, staffId: s.id, typeCode: "annual", fromDate: day.iso, toDate: day.iso,
                                                             unit: "day", half: nil, startMinute: nil, endMinute: nil, relationship: nil,
                                                             days: String(decoding: try JSONEncoder().encode(days), as: UTF8.self), minutes: sc.scheduledMinutes,
                                                             reason: "", requestedAtMs: nowMs(day.adding(days: -7).instant(atMinute: 600, in: zone))))
                        leaveDecisions.append(LeaveDecisionRow(id: rng2.uuid(), requestId: reqId, step: 0, outcome: "approved", decidedBy: by, onBehalfOf: nil,
                                                               comment: "", decidedAtMs: nowMs(day.adding(days: -6).instant(atMinute: 600, in: zone))))
                    }
                    continue
                }
                if day < today && rng.chance(0.005) { continue }   // absent without a punch: HR's list flags it
                let late = rng.chance(0.04)
                let inMin = late ? sc.start + rng.int(1...40) : sc.start - rng.int(5...30)
                let overtimeDrawn = s.employment == .regular ? rng.chance(0.35) : rng.chance(0.12)
                let extra = overtimeDrawn ? rng.int(15...180) : rng.int(0...12)
                let longDay = isBusy && YearMonth(day) == lastMonth     // 4h to 4h45m past the end
                // and 3h to 3h30m the month before: two heavy months in a row, which the early warning lists
                let longishDay = isBusy && YearMonth(day) == lastMonth.previous
                let overtime = overtimeDrawn || longDay || longishDay
                let outMin = sc.end + (longDay ? 240 + extra % 46 : longishDay ? 180 + extra % 31 : extra)
                let place = homeWorker && rng.chance(0.3) ? "在宅" : outpost ? "出先機関" : "本庁舎"
                if day == today && inMin > nowMinute { continue }
                func add(_ kind: PunchKind, _ minute: Int) {
                    let at = day.instant(atMinute: minute, in: zone).addingTimeInterval(Double(rng.int(0...59)))
                    batch.append(PunchRow(id: rng.uuid(), municipalityId: muni.id, staffId: s.id, kind: kind.rawValue, atMs: nowMs(at),
                                          deviceAtMs: nowMs(at) - Int64(rng.int(0...3000)), place: place, source: PunchSource.selfService.rawValue,
                                          recordedBy: s.id, idempotencyKey: nil))
                    punchCount += 1
                }
                add(.clockIn, inMin)
                if day == today && outMin > nowMinute { continue }
                if day < today && rng.chance(0.01) { continue }   // forgotten clock-out
                add(.clockOut, outMin)
                if overtime && day < today && outMin > sc.end + 10 {
                    // the 課長 ordered it (mostly to the next full hour; sometimes less than was worked), the person reported, the 課長 confirmed
                    let planned = rng2.chance(0.85) ? sc.end + 60 * ((outMin - sc.end + 59) / 60) : sc.end + max(15, (outMin - sc.end) / 2)
                    let by = approver(of: s)
                    let orderId = rng2.uuid()
                    let at = nowMs(day.instant(atMinute: sc.start + 120, in: zone))
                    orders.append(OvertimeOrderRow(id: orderId, municipalityId: muni.id, staffId: s.id, departmentId: s.departmentId, date: day.iso,
                                                   startMinute: sc.end, endMinute: planned, reason: ["資料作成", "窓口対応", "議会対応", "会議準備"][rng2.int(0...3)],
                                                   urgent: false, specialCase: false, specialReason: nil, orderedBy: by, orderedAtMs: at))
                    let actual = MinuteRange(start: sc.end, end: outMin)
                    let paid = OvertimeOrders.paidRange(ordered: MinuteRange(start: sc.end, end: planned), actual: actual, urgent: false)
                    orderEvents.append(OvertimeEventRow(id: rng2.uuid(), orderId: orderId, kind: "reported", startMinute: actual.start, endMinute: actual.end,
                                                        note: "", actorId: s.id, atMs: at + 36_000_000))
                    orderEvents.append(OvertimeEventRow(id: rng2.uuid(), orderId: orderId, kind: "confirmed", startMinute: paid?.start, endMinute: paid?.end,
                                                        note: "", actorId: by, atMs: at + 86_400_000))
                }
                if batch.count >= 20_000 { try await flush() }
            }
        }
        try await flush()
        let markRows = marks
        try await writer.perform { _, sql in
            for chunk in markRows.chunked(500) { try await sql.insert(into: "day_marks").models(chunk, with: rowEncoder).run() }
            return markRows.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: $0.recordedBy, type: "day_mark.created", subjectId: $0.id.uuidString.lowercased(), fact: $0) }
        }
        // orders, reports and confirmations; approved leave requests; a 他律部署 (健康福祉部) from the fiscal year's start
        let orderRows = orders, eventRows = orderEvents, requestRows = leaveRequests, decisionRows = leaveDecisions
        for chunk in orderRows.chunked(20_000) {
            try await writer.perform { _, sql in
                for c in chunk.chunked(500) { try await sql.insert(into: "overtime_orders").models(c, with: rowEncoder).run() }
                return chunk.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: $0.orderedBy, type: "overtime.ordered", subjectId: $0.id.uuidString.lowercased(), fact: $0) }
            }
        }
        for chunk in eventRows.chunked(20_000) {
            try await writer.perform { _, sql in
                for c in chunk.chunked(500) { try await sql.insert(into: "overtime_order_events").models(c, with: rowEncoder).run() }
                return chunk.map { LedgerDraft(municipalityId: muniId, actorId: $0.actorId, type: "overtime.\($0.kind)", subjectId: $0.orderId.uuidString.lowercased(), fact: $0) }
            }
        }
        for (chunk, decisions) in zip(requestRows.chunked(5000), decisionRows.chunked(5000)) {
            try await writer.perform { _, sql in
                for c in chunk.chunked(500) { try await sql.insert(into: "leave_requests").models(c, with: rowEncoder).run() }
                for c in decisions.chunked(500) { try await sql.insert(into: "leave_decisions").models(c, with: rowEncoder).run() }
                return chunk.map { LedgerDraft(municipalityId: $0.municipalityId, actorId: $0.staffId, type: "leave.requested", subjectId: $0.id.uuidString.lowercased(), fact: $0) }
                    + decisions.map { LedgerDraft(municipalityId: muniId, actorId: $0.decidedBy, type: "leave.approved", subjectId: $0.requestId.uuidString.lowercased(), fact: $0) }
            }
        }
        // the condition check is on: about a third of the staff answer on half of their work days of the last 12 weeks;
        // the busy ones feel worse lately
        let conditionRows = Self.conditions(staff: staff, busy: busy, away: away, today: today, holidays: holidays)
        for chunk in conditionRows.chunked(20_000) {
            try await writer.perform { _, sql in
                for c in chunk.chunked(500) { try await sql.insert(into: "condition_checks").models(c, with: rowEncoder).run() }
                return chunk.map(ConditionRepository.ledgerDraft)
            }
        }
        let withCondition = muni.with(conditionCheck: true)
        try await writer.perform { _, sql in
            try await sql.update("municipalities").set("policies", to: SQLBind(withCondition.policies)).where("id", .equal, SQLBind(withCondition.id)).run()
            return [LedgerDraft(municipalityId: withCondition.id, actorId: hrId, type: "condition.settings_updated", subjectId: withCondition.id.uuidString.lowercased(), fact: ["conditionCheck": true])]
        }
        muni = withCondition
        for chunk in family.facts.chunked(5000) {
            try await writer.perform { _, sql in
                for c in chunk.chunked(500) { try await sql.insert(into: "staff_personal_facts").models(c, with: rowEncoder).run() }
                return chunk.map(PersonalRepository.ledgerDraft)
            }
        }
        if let welfare = depts.first(where: { $0.name == "健康福祉部" }) {
            let row = DepartmentWorkloadRow(id: rng2.uuid(), municipalityId: muniId, departmentId: welfare.id, workload: DepartmentWorkload.externallyDriven.rawValue,
                                            fromMonth: YearMonth(FiscalYear(containing: firstDay).first).iso, setBy: hrId, setAtMs: nowMs(now))
            try await writer.perform { _, sql in
                try await sql.insert(into: "department_workloads").model(row, with: rowEncoder).run()
                return [LedgerDraft(municipalityId: muniId, actorId: hrId, type: "department.workload_set", subjectId: welfare.id.uuidString.lowercased(), fact: row)]
            }
        }
        progress("punches: \(punchCount), leave marks: \(markRows.count), leave requests: \(requestRows.count), overtime orders: \(orderRows.count)")
        if !dxStaff.isEmpty {
            try await DemoApps.install(app: app, municipality: muni, staff: staff, departments: depts, dx: dxStaff, now: now, progress: progress)
        }
        // the dashboard's monthly figures, so HR's first look at the demo is instant
        if months > 0 {
            let t0 = Date()
            let tree = DepartmentTree(depts)
            var covered: [YearMonth] = []
            var m = YearMonth(firstDay)
            while m <= YearMonth(today) { covered.append(m); m = m.next }
            let refreshed = try await app.yakuba.stats.refresh(app: app, sql: sql, municipality: muni, tree: tree, months: covered, today: today)
            progress("monthly figures for the dashboard: \(refreshed.months.count) months in \(Int(Date().timeIntervalSince(t0))) s")
        }
        return Result(cityName: muni.name, staffCount: staff.count, punchCount: punchCount, logins: logins)
    }
}

extension DemoCity {
    /// The demo's personal data: everyone's sex (women are most of the part-timers and a few of the 課長), and about one in
    /// 30 full-time staff with a child born in the demo's months or the year before — mothers on 産前・産後休暇 and then
    /// 育児休業 for a year, fathers taking 配偶者出産休暇, 育児参加休暇 and some of them 育児休業 — all approved.
    static func households(staff: [StaffRow], exclude: Set<UUID>, firstDay: CalendarDate, today: CalendarDate, holidays: MunicipalHolidayRules,
                         recordedBy: UUID, approver: (StaffRow) -> UUID, zone: TimeZone)
        -> (facts: [PersonalFactRow], requests: [LeaveRequestRow], decisions: [LeaveDecisionRow], away: [UUID: [ClosedRange<CalendarDate>]]) {
        var rng = SeededRandom(seed: 20_261_202)
        var facts: [PersonalFactRow] = [], requests: [LeaveRequestRow] = [], decisions: [LeaveDecisionRow] = []
        var away: [UUID: [ClosedRange<CalendarDate>]] = [:]
        let at = nowMs(firstDay.instant(atMinute: 540, in: zone))
        func leave(_ s: StaffRow, _ code: String, _ from: CalendarDate, _ to: CalendarDate) {
            let ws = s.weeklySchedule
            var days: [LeaveDay] = []
            var d = from
            while d <= to {
                if let sc = ws.schedule(weekday: d.weekday), holidays.holidayName(d) == nil { days.append(LeaveDay(date: d, minutes: sc.scheduledMinutes, range: nil)) }
                d = d.adding(days: 1)
            }
            guard !days.isEmpty else { return }
            let id = rng.uuid()
            let asked = nowMs(from.adding(days: -30).instant(atMinute: 600, in: zone))
            requests.append(LeaveRequestRow(id: id, municipalityId: s.municipalityId, staffId: s.id, typeCode: code, fromDate: from.iso, toDate: to.iso,
                                            unit: "day", half: nil, startMinute: nil, endMinute: nil, relationship: nil,
                                            days: String(decoding: (try? JSONEncoder().encode(days)) ?? Data(), as: UTF8.self),
                                            minutes: days.reduce(0) { $0 + $1.minutes }, reason: "", requestedAtMs: asked))
            decisions.append(LeaveDecisionRow(id: rng.uuid(), requestId: id, step: 0, outcome: "approved", decidedBy: approver(s), onBehalfOf: nil,
                                              comment: "", decidedAtMs: asked + 86_400_000))
            away[s.id, default: []].append(from...to)
        }
        let firstBirth = firstDay.adding(days: -300), lastBirth = today.adding(days: -14)
        let span = max(1, lastBirth.dayNumber - firstBirth.dayNumber)
        for s in staff {
            let womenShare: Double
            switch s.employment {
            case .fiscalYearPartTime: womenShare = 0.75
            case .fiscalYearFullTime: womenShare = 0.6
            case .reappointedShortTime: womenShare = 0.3
            case .regular: womenShare = s.position.contains("課長") || s.position.contains("部長") ? 0.15 : 0.42
            }
            let sex: Sex = rng.chance(womenShare) ? .female : .male
            facts.append(PersonalFactRow(id: rng.uuid(), municipalityId: s.municipalityId, staffId: s.id, kind: PersonalFact.Kind.sex.rawValue, value: sex.rawValue,
                                         recordedBy: recordedBy, recordedAtMs: at))
            guard s.roles.isEmpty, !exclude.contains(s.id), s.employment == .regular || s.employment == .fiscalYearFullTime, rng.chance(1.0 / 30) else { continue }
            let birth = firstBirth.adding(days: rng.int(0...span))
            facts.append(PersonalFactRow(id: rng.uuid(), municipalityId: s.municipalityId, staffId: s.id, kind: PersonalFact.Kind.birth.rawValue, value: birth.iso,
                                         recordedBy: recordedBy, recordedAtMs: at))
            if sex == .female {
                leave(s, "prenatal", birth.adding(days: -42), birth.adding(days: -1))
                leave(s, "postnatal", birth, birth.adding(days: 56))
                leave(s, "childcare_leave", birth.adding(days: 57), birth.adding(days: 57 + 30 * rng.int(6...14)))
            } else {
                if rng.chance(0.7) { leave(s, "spouse_birth", birth, birth.adding(days: 1)) }
                if rng.chance(0.5) { leave(s, "childcare_participation", birth.adding(days: 14), birth.adding(days: 20)) }
                if rng.chance(0.4) { let start = birth.adding(days: rng.int(7...60)); leave(s, "childcare_leave", start, start.adding(days: 30 * rng.int(1...3))) }
            }
        }
        return (facts, requests, decisions, away)
    }

    /// The demo's condition answers (see `build`).
    static func conditions(staff: [StaffRow], busy: Set<UUID>, away: [UUID: [ClosedRange<CalendarDate>]], today: CalendarDate,
                           holidays: MunicipalHolidayRules) -> [ConditionRow] {
        var rng = SeededRandom(seed: 20_261_203)
        var out: [ConditionRow] = []
        let from = today.adding(days: -83)
        for s in staff where busy.contains(s.id) || rng.chance(0.33) {
            let ws = s.weeklySchedule
            let usual = rng.int(3...4)
            var d = from
            while d < today {
                defer { d = d.adding(days: 1) }
                guard ws.schedule(weekday: d.weekday) != nil, holidays.holidayName(d) == nil, !(away[s.id]?.contains { $0.contains(d) } ?? false),
                      busy.contains(s.id) || rng.chance(0.5) else { continue }
                var score = usual + (rng.chance(0.3) ? rng.int(-1...1) : 0)
                if busy.contains(s.id) && d >= today.adding(days: -27) { score -= rng.int(1...2) }
                out.append(ConditionRow(id: rng.uuid(), municipalityId: s.municipalityId, staffId: s.id, date: d.iso, score: min(5, max(1, score)),
                                        recordedAtMs: nowMs(d.instant(atMinute: 500, in: TimeZone(identifier: "Asia/Tokyo")!))))
            }
        }
        return out
    }
}

struct DemoError: Error, CustomStringConvertible { var description: String; init(_ s: String) { description = s } }

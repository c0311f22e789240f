import Foundation
import Vapor
import SQLKit
import YakubaCore

/// `yakuba token create 職員番号 [--name 用途] [--apps CODE,CODE [--write]]`: prints a new API token for that person,
/// limited to those apps' API (read only unless `--write`) when `--apps` is given.
struct TokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create") var action: String
        @Argument(name: "staffNumber", help: "職員番号") var staffNumber: String
        @Option(name: "name", help: "what the token is for") var name: String?
        @Option(name: "municipality", help: "地方公共団体コード, when several municipalities share the installation") var municipality: String?
        @Option(name: "apps", help: "limit the token to these apps' API (comma-separated app codes)") var apps: String?
        @Flag(name: "write", help: "with --apps: also add and change records and take status actions (default: read only)") var write: Bool
        init() {}
    }
    var help: String { "Create an API token for a staff member: yakuba token create <職員番号> [--apps CODE,CODE [--write]]" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "create" else { context.console.error("unknown action '\(signature.action)'; use: token create <職員番号>"); throw ExitCode(2) }
        let app = context.application
        let sql = app.db as! any SQLDatabase
        var matches = try await StaffRepository.findAll(sql, staffNumber: signature.staffNumber).filter(\.active)
        if let code = signature.municipality {
            let munis = try await MunicipalityRepository.all(sql).filter { $0.code == code }.map(\.id)
            matches = matches.filter { munis.contains($0.municipalityId) }
        }
        guard matches.count == 1, let staff = matches.first else {
            context.console.error(matches.isEmpty ? "no active staff member with number \(signature.staffNumber)" : "several municipalities have \(signature.staffNumber); add --municipality CODE")
            throw ExitCode(1)
        }
        var scope: TokenScope? = nil
        if let list = signature.apps {
            let codes = Array(Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
            let known = Set(try await AppStore.apps(sql, municipalityId: staff.municipalityId).map(\.definition.code))
            if codes.isEmpty || codes.contains(where: { !known.contains($0) }) {
                context.console.error("unknown app code(s): \(codes.filter { !known.contains($0) }.joined(separator: ", ")); see yakuba apps list")
                throw ExitCode(1)
            }
            scope = TokenScope(apps: codes, write: signature.write)
        } else if signature.write {
            context.console.error("--write needs --apps (a token without apps acts as its owner everywhere)")
            throw ExitCode(2)
        }
        let token = try await TokenController.issue(app.yakuba, staff: staff, name: signature.name ?? "cli", actor: staff.id, scope: scope)
        context.console.print(token)
    }
}

/// `yakuba kiosk register NAME [--place 本庁舎] [--municipality CODE]`: registers a kiosk device and prints its token
/// (open `/kiosk#token=TOKEN` on the tablet), for installations scripted without the administrator's page.
struct KioskCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "register") var action: String
        @Argument(name: "name", help: "the kiosk's name, e.g. 本庁舎1階入口") var name: String
        @Option(name: "place", help: "the place recorded with its punches (one of the municipality's places; default the first)") var place: String?
        @Option(name: "municipality", help: "地方公共団体コード, when several municipalities share the installation") var municipality: String?
        init() {}
    }
    var help: String { "Register a kiosk device and print its token: yakuba kiosk register <name> [--place 本庁舎]" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "register" else { context.console.error("unknown action '\(signature.action)'; use: kiosk register <name>"); throw ExitCode(2) }
        let app = context.application
        let sql = app.db as! any SQLDatabase
        let all = try await MunicipalityRepository.all(sql)
        let munis = signature.municipality.map { c in all.filter { $0.code == c } } ?? all
        guard munis.count == 1, let muni = munis.first else {
            context.console.error(munis.isEmpty ? "no such municipality" : "several municipalities: add --municipality CODE"); throw ExitCode(1)
        }
        let name = signature.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { context.console.error("the name must be 1 to 100 characters"); throw ExitCode(2) }
        let place = signature.place ?? muni.placeList.first ?? ""
        guard muni.placeList.contains(place) else { context.console.error("the place must be one of: \(muni.placeList.joined(separator: ", "))"); throw ExitCode(2) }
        guard let admin = try await sql.select().column("*").from("staff").where("municipality_id", .equal, SQLBind(muni.id)).all(decoding: StaffRow.self, with: rowDecoder)
            .first(where: { $0.active && $0.roleSet.contains(.admin) }) else {
            context.console.error("the municipality has no administrator to register it as"); throw ExitCode(1)
        }
        let (_, token) = try await FaceController.issueKiosk(app.yakuba, municipalityId: muni.id, name: name, place: place, actor: admin.id)
        context.console.print(token)
    }
}

/// `yakuba ledger verify`: walks the hash chain; exits 1 naming the first bad entry.
struct LedgerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify") var action: String
        init() {}
    }
    var help: String { "Verify the hash-chained ledger: yakuba ledger verify" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "verify" else { context.console.error("unknown action '\(signature.action)'; use: ledger verify"); throw ExitCode(2) }
        let sql = context.application.db as! any SQLDatabase
        var verifier = Ledger.Verifier()
        var after: Int64 = Int64.min
        while verifier.failure == nil {
            let rows = try await sql.select().column("*").from("ledger").where("seq", .greaterThan, SQLBind(after)).orderBy("seq").limit(5000)
                .all(decoding: LedgerRow.self, with: rowDecoder)
            if rows.isEmpty { break }
            for r in rows { verifier.feed(r.entry) }
            after = rows.last!.seq
        }
        if let f = verifier.failure {
            context.console.error("ledger verify: FAILED at \(f)")
            throw ExitCode(1)
        }
        context.console.print("ledger verify: ok entries=\(verifier.count) head=\(verifier.lastHash)")
    }
}

/// `yakuba database check`: the database's own consistency check, run by Yakuba's embedded SQLite (which reads the
/// JSONB that app records and their indexes hold — an older `sqlite3` tool reports "malformed JSON" on them).
/// Prints `database check: ok engine=…` or each problem found, and exits 1 then.
struct DatabaseCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "check") var action: String
        init() {}
    }
    var help: String { "Check the database's integrity: yakuba database check" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "check" else { context.console.error("unknown action '\(signature.action)'; use: database check"); throw ExitCode(2) }
        let sql = context.application.db as! any SQLDatabase
        struct Line: Decodable { var line: String }
        let problems: [String]
        if sql.dialect.name == "sqlite" {
            let integrity = try await sql.raw("SELECT integrity_check AS line FROM pragma_integrity_check").all(decoding: Line.self).map(\.line)
            let keys = try await sql.raw("SELECT \"table\" || ' row ' || rowid || ' → ' || parent AS line FROM pragma_foreign_key_check").all(decoding: Line.self).map(\.line)
            problems = integrity.filter { $0 != "ok" } + keys.map { "foreign key: " + $0 }
        } else {
            // PostgreSQL keeps its own pages consistent; what can drift is a constraint added NOT VALID. Report any.
            problems = try await sql.raw("SELECT conrelid::regclass::text || ': ' || conname AS line FROM pg_constraint WHERE NOT convalidated").all(decoding: Line.self).map(\.line)
        }
        guard problems.isEmpty else {
            for p in problems.prefix(100) { context.console.error("database check: " + p) }
            context.console.error("database check: FAILED problems=\(problems.count)")
            throw ExitCode(1)
        }
        context.console.print("database check: ok engine=\(sql.dialect.name)")
    }
}

/// `yakuba admin reset-password 職員番号`: a new one-time password, to be changed at next sign-in.
struct AdminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "reset-password") var action: String
        @Argument(name: "staffNumber", help: "職員番号") var staffNumber: String
        init() {}
    }
    var help: String { "Reset a password: yakuba admin reset-password <職員番号>" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "reset-password" else { context.console.error("use: admin reset-password <職員番号>"); throw ExitCode(2) }
        let app = context.application
        let sql = app.db as! any SQLDatabase
        let matches = try await StaffRepository.findAll(sql, staffNumber: signature.staffNumber)
        guard matches.count == 1, let staff = matches.first else { context.console.error("staff member not found (or ambiguous)"); throw ExitCode(1) }
        let password = PasswordPolicy.oneTime()
        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.next()).hash(password)
        let at = max(nowMs(), staff.updatedAtMs + 1)
        try await app.yakuba.writer.perform { _, sql in
            try await sql.update("staff").set("password_hash", to: SQLBind(hash)).set("must_change_password", to: SQLBind(true))
                .set("updated_at_ms", to: SQLBind(at)).where("id", .equal, SQLBind(staff.id)).run()
            struct Fact: Codable { var staffId: UUID; var mustChange: Bool }
            return [LedgerDraft(municipalityId: staff.municipalityId, actorId: nil, type: "staff.password_reset", subjectId: staff.id.uuidString.lowercased(), fact: Fact(staffId: staff.id, mustChange: true))]
        }
        context.console.print("one-time password for \(staff.staffNumber): \(password)")
    }
}

/// `yakuba calendar YEAR [--municipality CODE]`: the year's 休日, one `YYYY-MM-DD name` per line: the 祝日法
/// holidays (祝日, 振替休日, 国民の休日) and the municipality's closed days (年末年始 and its own days).
/// Weekends (週休日) are not listed. Without a municipality in the database, the common defaults are used.
struct CalendarCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "year", help: "a calendar year, 1955–2099 (e.g. 2026)") var year: String
        @Option(name: "municipality", help: "地方公共団体コード, when several municipalities share the installation") var municipality: String?
        init() {}
    }
    var help: String { "Print a year's 休日 (national holidays and the municipality's closed days): yakuba calendar <YEAR>" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let year = Int(signature.year), (1955...2099).contains(year) else {
            context.console.error("year must be a number from 1955 to 2099, e.g. yakuba calendar 2026")
            throw ExitCode(2)
        }
        let sql = context.application.db as! any SQLDatabase
        var munis = try await MunicipalityRepository.all(sql)
        if let code = signature.municipality {
            munis = munis.filter { $0.code == code }
            guard !munis.isEmpty else { context.console.error("no municipality with code \(code)"); throw ExitCode(1) }
        } else if munis.count > 1 {
            context.console.error("several municipalities share this installation; add --municipality CODE")
            throw ExitCode(1)
        }
        let rules = munis.first?.holidays ?? .standard
        for (date, name) in rules.holidays(in: year).sorted(by: { $0.key < $1.key }) {
            context.console.print("\(date.iso) \(name)")
        }
    }
}

/// `yakuba close YYYY-MM [--department CODE] [--acknowledge-anomalies] [--municipality CODE] [--measure]`: the monthly close
/// from the command line, as HR does it on the 「締め」 page; prints what blocks it, or closes it and prints the figures' timing
/// (`staff=… read_ms=… compute_ms=… write_ms=… close_ms=…`). `--measure` adds `person_year_us`: one person's year of days computed.
struct CloseCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "month", help: "the month to close, YYYY-MM") var month: String
        @Option(name: "department", help: "a department code (default: the whole municipality)") var department: String?
        @Option(name: "municipality", help: "地方公共団体コード, when several municipalities share the installation") var municipality: String?
        @Flag(name: "acknowledge-anomalies", help: "close although some days lack punches (they close as absence)") var acknowledge: Bool
        @Flag(name: "dry-run", help: "compute and report, do not close") var dryRun: Bool
        @Flag(name: "measure", help: "also time one person's year of days (person_year_us)") var measure: Bool
        init() {}
    }
    var help: String { "Close a month: yakuba close YYYY-MM [--department CODE] [--acknowledge-anomalies]" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let sql = app.db as! any SQLDatabase
        guard let month = YearMonth(iso: signature.month) else { context.console.error("month must be YYYY-MM, e.g. 2026-10"); throw ExitCode(2) }
        var munis = try await MunicipalityRepository.all(sql)
        if let code = signature.municipality { munis = munis.filter { $0.code == code } }
        guard munis.count == 1, let muni = munis.first else {
            context.console.error(munis.isEmpty ? "no such municipality" : "several municipalities share this installation; add --municipality CODE"); throw ExitCode(1)
        }
        let tree = DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: muni.id))
        var department: DepartmentRow?
        if let code = signature.department {
            department = tree.rows.values.first { $0.code == code }
            guard department != nil else { context.console.error("no department with code \(code)"); throw ExitCode(1) }
        }
        if month >= YearMonth(CalendarDate(Date(), in: muni.zone)) { context.console.error("\(month.iso) has not ended yet"); throw ExitCode(1) }
        let closed = CloseService.closedScopes(try await CloseService.events(sql, municipalityId: muni.id, month: month))
        if closed[nil] != nil || department.map({ closed[$0.id] != nil }) ?? false { context.console.error("\(month.iso) is already closed"); throw ExitCode(1) }
        guard let actor = try await sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(muni.id))
            .where("roles", .like, SQLBind("%hr%")).orderBy("staff_number").limit(1).first(decodingColumn: "id", as: UUID.self) else {
            context.console.error("the municipality has no HR staff member to record as the closer"); throw ExitCode(1)
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let staff = try await CloseService.staff(sql, municipalityId: muni.id, departments: department.map { tree.descendants(of: [$0.id]) }, month: month, sqlitePath: app.yakuba.sqlitePath)
        let (figures, blockers, computeRuns, _) = try await CloseService.compute(sql, municipality: muni, staff: staff, month: month, tree: tree,
                                                                              sqlitePath: app.yakuba.sqlitePath, timings: signature.measure ? 5 : 1)
        // the repeated runs are not part of the close: the close's own time counts the first
        let repeated = computeRuns.dropFirst().reduce(0, +)
        let t1 = DispatchTime.now().uptimeNanoseconds - repeated
        let computeNanos = computeRuns[0]
        context.console.print("\(month.iso): \(staff.count) staff; pending requests \(blockers.pendingCount); people with missing punches or absence \(blockers.anomalies.count)")
        if blockers.pendingCount > 0 { context.console.error("pending requests must be decided first (see the 締め page)"); throw ExitCode(1) }
        if !blockers.anomalies.isEmpty && !signature.acknowledge && !signature.dryRun {
            context.console.error("some days lack punches; check them, then run again with --acknowledge-anomalies"); throw ExitCode(1)
        }
        var writeNanos: UInt64 = 0
        if !signature.dryRun {
            let w0 = DispatchTime.now().uptimeNanoseconds
            _ = try await CloseService.close(app.yakuba.writer, municipalityId: muni.id, month: month, departmentId: department?.id, figures: figures, actor: actor)
            writeNanos = DispatchTime.now().uptimeNanoseconds - w0
        }
        let total = DispatchTime.now().uptimeNanoseconds - t0
        func ms(_ n: UInt64) -> String { String(format: "%.1f", Double(n) / 1e6) }
        var line = "staff=\(figures.count) read_ms=\(ms(t1 - t0 - computeNanos)) compute_ms=\(ms(computeNanos)) write_ms=\(ms(writeNanos)) close_ms=\(ms(total - repeated))"
        if signature.measure {
            // the pure computation run five times on the same facts: their median, and each run
            line += " compute_median_ms=\(ms(computeRuns.sorted()[computeRuns.count / 2])) compute_runs_ms=" + computeRuns.map(ms).joined(separator: ",")
            line += " person_year_us=" + String(format: "%.1f", PersonYearBenchmark.run(zone: muni.zone, holidays: muni.holidays))
        }
        context.console.print(line)
    }
}

/// One person's year of days (punches → days → classified figures for 12 months), timed: the average of many runs, in µs.
enum PersonYearBenchmark {
    static func run(zone: TimeZone, holidays: MunicipalHolidayRules, iterations: Int = 300) -> Double {
        let year = CalendarDate(Date(), in: zone).year - 1
        let ws = WeeklySchedule.standard
        var punches: [EffectivePunch] = []
        var orders: [CalendarDate: [MinuteRange]] = [:]
        var n = 0
        for m in 1...12 {
            for d in YearMonth(year: year, month: m)!.days where ws.schedule(weekday: d.weekday) != nil && !holidays.isHoliday(d) {
                n += 1
                punches.append(EffectivePunch(id: UUID(), kind: .clockIn, at: d.instant(atMinute: 500 + n % 20, in: zone), place: "本庁舎", source: .selfService, correctionId: nil))
                let out = n % 3 == 0 ? 1035 + 30 + n % 120 : 1035 + n % 10
                if n % 3 == 0 { orders[d] = [MinuteRange(start: 1035, end: out)] }
                punches.append(EffectivePunch(id: UUID(), kind: .clockOut, at: d.instant(atMinute: out, in: zone), place: "本庁舎", source: .selfService, correctionId: nil))
            }
        }
        let months = (1...12).map { YearMonth(year: year, month: $0)! }
        // each month's punches, as the database hands them over
        let slices = months.map { m in punches.filter { let d = CalendarDate($0.at, in: zone); return d >= m.first && d <= m.last } }
        let now = Date()
        var sink = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            for (i, m) in months.enumerated() {
                let punches = slices[i]
                let days = AttendanceCalculator.days(dates: m.days, schedule: { ws.schedule(weekday: $0.weekday) },
                                                     dayKind: { d in DayKind(holidayName: holidays.holidayName(d), hasHours: ws.schedule(weekday: d.weekday) != nil) },
                                                     punches: punches, marks: [], isPartTime: false, rules: .default, zone: zone, now: now)
                sink &+= MonthlyComputation.figures(days: days, paidOrders: orders, shortTime: false).overtimeMinutes
            }
        }
        let per = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations) / 1000
        return sink == -1 ? 0 : per
    }
}

struct ExitCode: Error, CustomStringConvertible {
    var code: Int32
    init(_ c: Int32) { code = c }
    var description: String { "exit \(code)" }
}

/// Registers Yakuba's commands, and runs the first-run bootstrap before `serve`.
public func registerCommands(_ app: Application) {
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(TokenCommand(), as: "token")
    app.asyncCommands.use(LedgerCommand(), as: "ledger")
    app.asyncCommands.use(DatabaseCommand(), as: "database")
    app.asyncCommands.use(AdminCommand(), as: "admin")
    app.asyncCommands.use(CalendarCommand(), as: "calendar")
    app.asyncCommands.use(CloseCommand(), as: "close")
    app.asyncCommands.use(StatsCommand(), as: "stats")
    app.asyncCommands.use(AppsCommand(), as: "apps")
    app.asyncCommands.use(KioskCommand(), as: "kiosk")
}

/// `yakuba stats refresh [--months N]`: brings the dashboard's monthly figures up to today (the server does it when a page
/// asks; this is for a nightly job or after a bulk import). Last line: `months=… person_months=… ms=…`.
/// `yakuba stats verify`: computes every stored month again from the facts, as of the day it was stored, and compares;
/// exits 1 naming the months that differ. Last line: `months=… rows=… mismatched=…`.
struct StatsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "refresh | verify") var action: String
        @Option(name: "months", help: "months back from this one (default 23: this fiscal year and the last)") var months: Int?
        init() {}
    }
    var help: String { "Bring the dashboard's monthly figures up to today: yakuba stats refresh [--months N]" }

    func run(using context: CommandContext, signature: Signature) async throws {
        if signature.action == "verify" { return try await verify(context) }
        guard signature.action == "refresh" else { context.console.error("unknown action \(signature.action): use refresh or verify"); throw ExitCode(2) }
        let back = signature.months ?? 23
        guard (0...120).contains(back) else { context.console.error("--months must be between 0 and 120"); throw ExitCode(2) }
        let app = context.application
        let sql = app.db.sql
        let t0 = DispatchTime.now().uptimeNanoseconds
        var monthsDone = 0, personMonths = 0
        for muni in try await MunicipalityRepository.all(sql) {
            let tree = DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: muni.id))
            let today = CalendarDate(Date(), in: muni.zone)
            var months: [YearMonth] = [YearMonth(today)]
            for _ in 0..<back { months.append(months.last!.previous) }
            if let start = try await app.yakuba.stats.dataStart(sql, municipalityId: muni.id) { months = months.filter { $0 >= start } } else { months = [] }
            var computed = 0
            let plan = try await app.yakuba.stats.refresh(app: app, sql: sql, municipality: muni, tree: tree, months: months, today: today) { done, total in
                computed = done
                context.console.print("  \(muni.name): \(done) / \(total)")
            }
            monthsDone += plan.months.count
            personMonths += computed
            context.console.print("\(muni.name): \(plan.months.count) months brought up to \(today.iso)")
        }
        context.console.print("months=\(monthsDone) person_months=\(personMonths) ms=\((DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000)")
    }

    func verify(_ context: CommandContext) async throws {
        let app = context.application
        let sql = app.db.sql
        var months = 0, rows = 0, behind = 0
        var bad: [String] = []
        struct Seq: Decodable { var seq: Int64? }
        let seq = try await sql.raw("SELECT MAX(seq) AS seq FROM ledger").first(decoding: Seq.self)?.seq ?? 0
        for muni in try await MunicipalityRepository.all(sql) {
            let tree = DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: muni.id))
            let stored = try await StatsService.load(sql, municipalityId: muni.id, sqlitePath: app.yakuba.sqlitePath)
            let byMonth = Dictionary(grouping: stored, by: \.month)
            let marks = try await sql.select().column("*").from("stats_months").where("municipality_id", .equal, SQLBind(muni.id))
                .all(decoding: StatsMonthRow.self, with: rowDecoder)
            for mark in marks.sorted(by: { $0.month < $1.month }) {
                guard let m = YearMonth(iso: mark.month), let asOf = CalendarDate(iso: mark.asOf) else { continue }
                // facts recorded since the month was stored that change its figures: it is behind (the next refresh or page
                // brings it up), not wrong; entries that change nothing counted (a view logged, a setting) leave it comparable
                if mark.ledgerSeq < seq, try await StatsService.plan(sql, municipality: muni, months: [m], today: asOf, stored: [mark]).months[m] != nil {
                    behind += 1; context.console.print("  \(muni.name) \(m.iso): behind the ledger, not compared (run refresh first)"); continue
                }
                let fresh = try await StatsService.compute(sql, municipality: muni, tree: tree, month: m, work: .everyone, today: asOf,
                                                           sqlitePath: app.yakuba.sqlitePath).rows
                months += 1
                rows += fresh.count
                let same = Set(fresh) == Set(byMonth[m] ?? [])
                if !same { bad.append("\(muni.name) \(m.iso)") }
                context.console.print("  \(muni.name) \(m.iso) (as of \(asOf.iso)): \(fresh.count) people, \(same ? "equal" : "DIFFERENT")")
            }
        }
        context.console.print("months=\(months) rows=\(rows) mismatched=\(bad.count) behind=\(behind)")
        if !bad.isEmpty { context.console.error("differ from a recomputation: \(bad.joined(separator: ", "))"); throw ExitCode(1) }
    }
}

import Foundation
import Vapor
import SQLKit
import YakubaCore

/// `yakuba token create 職員番号 [--name 用途]`: prints a new API token for that person.
struct TokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create") var action: String
        @Argument(name: "staffNumber", help: "職員番号") var staffNumber: String
        @Option(name: "name", help: "what the token is for") var name: String?
        @Option(name: "municipality", help: "地方公共団体コード, when several municipalities share the installation") var municipality: String?
        init() {}
    }
    var help: String { "Create an API token for a staff member: yakuba token create <職員番号>" }

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
        let token = try await TokenController.issue(app.yakuba, staff: staff, name: signature.name ?? "cli", actor: staff.id)
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
    app.asyncCommands.use(AdminCommand(), as: "admin")
    app.asyncCommands.use(CalendarCommand(), as: "calendar")
}

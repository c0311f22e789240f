import Foundation
import Vapor
import SQLKit
import YakubaCore
import YakubaApps

/// `yakuba apps list` · `yakuba apps export --app CODE [--out FILE]` · `yakuba apps import --file FILE [--role dx_office=職員番号,所属コード,role:hr]
/// [--code NEW --name 名前] [--as 職員番号]`: apps as template files from the command line (for operators sharing templates
/// between installations, and for scripts). The import is checked as the page checks it and refused with the same messages.
struct AppsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "list | export | import") var action: String
        @Option(name: "app", help: "export: the app's code") var appCode: String?
        @Option(name: "file", help: "import: the template file") var file: String?
        @Option(name: "out", help: "export: the file to write (default: standard output)") var out: String?
        @Option(name: "role", help: "import: ROLE=holders, holders being staff numbers, department codes, role:hr, everyone (comma-separated); repeat as --role a=…;b=…") var role: String?
        @Option(name: "code", help: "import: a new code for a one-app template") var code: String?
        @Option(name: "name", help: "import: a new name for a one-app template") var name: String?
        @Option(name: "as", help: "import: the staff number recorded as the installer (default: the first administrator)") var installer: String?
        @Option(name: "municipality", help: "地方公共団体コード, when several municipalities share the installation") var municipality: String?
        init() {}
    }
    var help: String { "App templates: yakuba apps list | export --app <code> [--out file] | import --file <file> [--role code=holders] [--code c --name n]" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let sql = app.db as! any SQLDatabase
        var munis = try await MunicipalityRepository.all(sql)
        if let c = signature.municipality { munis = munis.filter { $0.code == c } }
        guard munis.count == 1, let muni = munis.first else {
            context.console.error(munis.isEmpty ? "no such municipality" : "several municipalities: add --municipality CODE"); throw ExitCode(2)
        }
        let apps = try await AppStore.apps(sql, municipalityId: muni.id)
        switch signature.action {
        case "list":
            for a in apps { context.console.print("\(a.definition.code)\t\(a.definition.name)\trecords=\(a.row.recordCount)\trevision=\(a.row.revision)") }
        case "export":
            guard let code = signature.appCode, let a = apps.first(where: { $0.definition.code == code }) else { context.console.error("no app with that code; see: yakuba apps list"); throw ExitCode(1) }
            let data = AppTemplate(apps: [a.definition]).encoded()
            if let out = signature.out { try data.write(to: URL(fileURLWithPath: out)); context.console.print("wrote \(out)") }
            else { context.console.print(String(decoding: data, as: UTF8.self)) }
        case "import":
            guard let path = signature.file, let data = FileManager.default.contents(atPath: path) else { context.console.error("cannot read the template file"); throw ExitCode(1) }
            var template: AppTemplate
            switch AppTemplate.read(data, existingApps: Set(apps.map(\.definition.code)), checkClash: false) {
            case .failure(let p): for x in p.all { context.console.error("\(x.path): \(x.messageJa) / \(x.messageEn)") }; throw ExitCode(1)
            case .success(let t): template = t
            }
            if signature.code != nil || signature.name != nil {
                guard template.apps.count == 1 else { context.console.error("--code and --name are for a one-app template"); throw ExitCode(2) }
                template = template.renaming(template.apps[0].code, to: signature.code ?? template.apps[0].code, name: signature.name)
            }
            let problems = template.problems(existingApps: Set(apps.map(\.definition.code)))
            if !problems.isEmpty { for x in problems { context.console.error("\(x.path): \(x.messageJa) / \(x.messageEn)") }; throw ExitCode(1) }
            let tree = DepartmentTree(try await DepartmentRepository.all(sql, municipalityId: muni.id))
            var map: [String: [String]] = [:]
            for part in (signature.role ?? "").split(separator: ";") {
                let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, template.roles.contains(where: { $0.code == kv[0] }) else { context.console.error("unknown role in --role: \(part) (roles: \(template.roles.map(\.code).joined(separator: ", ")))"); throw ExitCode(2) }
                for h in kv[1].split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    if h == "everyone" || (h.hasPrefix("role:") && Role(rawValue: String(h.dropFirst(5))) != nil) { map[kv[0], default: []].append(h) }
                    else if let s = try await StaffRepository.find(sql, municipalityId: muni.id, staffNumber: h) { map[kv[0], default: []].append("staff:\(AppStore.id(s.id))") }
                    else if let d = tree.rows.values.first(where: { $0.code == h || $0.name == h }) { map[kv[0], default: []].append("department:\(AppStore.id(d.id))") }
                    else { context.console.error("\(h): not a staff number, department code, role:… or everyone"); throw ExitCode(1) }
                }
            }
            let installer: UUID
            if let n = signature.installer, let s = try await StaffRepository.find(sql, municipalityId: muni.id, staffNumber: n) { installer = s.id }
            else if let a = try await sql.select().column("id").from("staff").where("municipality_id", .equal, SQLBind(muni.id)).where("roles", .like, SQLBind("%admin%")).first(decodingColumn: "id", as: UUID.self) { installer = a }
            else { context.console.error("no installer: add --as 職員番号"); throw ExitCode(2) }
            _ = try await AppStore.install(app.yakuba.writer, municipalityId: muni.id, apps: template.apps, roleMap: map, actor: installer)
            for a in template.apps { context.console.print("installed \(a.code)\t\(a.name)") }
        default:
            context.console.error("unknown action '\(signature.action)'; use list, export or import"); throw ExitCode(2)
        }
    }
}

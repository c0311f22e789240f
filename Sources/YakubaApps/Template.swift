import Foundation

/// An app template as a file: one or more apps' settings (fields, layout, process, views, permissions with roles as
/// placeholders), never records or people. A readable JSON text that municipalities share, diff and review; versioned,
/// and refused with a clear message when it comes from a newer Yakuba or names what this one does not know.
public struct AppTemplate: Sendable, Hashable {
    public static let format = "yakuba-app-template"
    /// the version this Yakuba writes and reads; a file with a higher one is refused
    public static let currentVersion = 1
    public static let maxBytes = 2 * 1024 * 1024
    public static let maxApps = 20

    public var apps: [AppDefinition]
    public init(apps: [AppDefinition]) { self.apps = apps }

    /// The roles the apps use, which the installing municipality maps to its own people.
    public var roles: [AppRole] {
        var seen = Set<String>(), out: [AppRole] = []
        for a in apps { for r in a.permissions.roles where seen.insert(r.code).inserted { out.append(r) } }
        return out
    }

    struct File: Codable {
        var format: String
        var version: Int
        var generator: String?
        var apps: [AppDefinition]
    }

    /// The file's text: pretty-printed with sorted keys, so two exports of one app are byte-equal and diff well.
    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let clean = apps.map { a -> AppDefinition in var a = a; a.retiredFields = []; return a }
        return (try? e.encode(File(format: Self.format, version: Self.currentVersion, generator: "Yakuba", apps: clean))) ?? Data()
    }

    /// Reads a template file. `existingApps` are the codes of apps already installed: links may point at them, and (unless
    /// `checkClash` is false, for a file about to be renamed) a template's app may not take one of their codes.
    public static func read(_ data: Data, existingApps: Set<String> = [], checkClash: Bool = true) -> Result<AppTemplate, AppProblems> {
        func fail(_ ja: String, _ en: String, path: String = "file") -> Result<AppTemplate, AppProblems> { .failure(AppProblems([AppProblem(path, ja, en)])) }
        guard data.count <= maxBytes else { return fail("テンプレートファイルが大きすぎます（2MBまで）。", "The template file is too large (2 MB at most).") }
        guard let text = String(data: data, encoding: .utf8) else { return fail("テンプレートファイルは UTF-8 のテキストにしてください。", "The template file must be UTF-8 text.") }
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        guard let top = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            return fail("テンプレートファイルを JSON として読めません。Yakuba で書き出したファイルか確かめてください。", "The template file is not JSON. Check that it was exported from Yakuba.")
        }
        guard top["format"] as? String == format else {
            return fail("Yakuba のアプリテンプレートではありません（format が \(format) ではありません）。", "This is not a Yakuba app template (its format is not \(format)).", path: "format")
        }
        guard let version = top["version"] as? Int, version >= 1 else {
            return fail("テンプレートの版（version）がありません。", "The template has no version.", path: "version")
        }
        guard version <= currentVersion else {
            return fail("このテンプレートは新しい版（\(version)）の Yakuba で作られています。この Yakuba が読めるのは版\(currentVersion)までです。Yakuba を更新してから読み込んでください。",
                        "This template was made by a newer Yakuba (format version \(version)); this one reads up to version \(currentVersion). Update Yakuba, then import it.", path: "version")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(body.utf8)) }
        catch let p as AppProblem { return .failure(AppProblems([p])) }
        catch let DecodingError.keyNotFound(key, ctx) { return fail("「\(path(ctx.codingPath + [key]))」がありません。", "\"\(path(ctx.codingPath + [key]))\" is missing.", path: path(ctx.codingPath + [key])) }
        catch let DecodingError.typeMismatch(_, ctx) { return fail("「\(path(ctx.codingPath))」の値の形が違います。", "\"\(path(ctx.codingPath))\" has a value of the wrong kind.", path: path(ctx.codingPath)) }
        catch let DecodingError.valueNotFound(_, ctx) { return fail("「\(path(ctx.codingPath))」の値がありません。", "\"\(path(ctx.codingPath))\" has no value.", path: path(ctx.codingPath)) }
        catch let DecodingError.dataCorrupted(ctx) {
            if let p = ctx.underlyingError as? AppProblem { return .failure(AppProblems([p])) }
            return fail("「\(path(ctx.codingPath))」を読めません: \(ctx.debugDescription)", "\"\(path(ctx.codingPath))\" cannot be read: \(ctx.debugDescription)", path: path(ctx.codingPath))
        }
        catch { return fail("テンプレートを読めません。", "The template cannot be read.") }
        if file.apps.isEmpty { return fail("テンプレートにアプリがありません。", "The template holds no app.", path: "apps") }
        if file.apps.count > maxApps { return fail("1つのテンプレートに入れられるアプリは\(maxApps)個までです。", "A template holds at most \(maxApps) apps.", path: "apps") }
        let template = AppTemplate(apps: file.apps)
        let problems = template.problems(existingApps: existingApps, checkClash: checkClash)
        return problems.isEmpty ? .success(template) : .failure(AppProblems(problems))
    }

    /// Everything wrong with installing these apps beside `existingApps`.
    public func problems(existingApps: Set<String>, checkClash: Bool = true) -> [AppProblem] {
        var out: [AppProblem] = []
        let codes = apps.map(\.code)
        let known = existingApps.union(codes)
        var seen = Set<String>()
        for (i, a) in apps.enumerated() {
            if !seen.insert(a.code).inserted { out.append(AppProblem("apps[\(i)].code", "アプリのコード「\(a.code)」がファイルの中で重複しています。", "The app code \"\(a.code)\" repeats in the file.")) }
            if checkClash, existingApps.contains(a.code) { out.append(AppProblem("apps[\(i)].code", "アプリのコード「\(a.code)」はもう使われています。別のコードを付けて読み込んでください。", "The app code \"\(a.code)\" is already in use here; import it under another code.")) }
            out += a.problems(knownApps: known).map { AppProblem("apps[\(i)].\($0.path)", "「\(a.name)」: " + $0.messageJa, "\"\(a.name)\": " + $0.messageEn) }
        }
        return out
    }

    /// The template with one app under a new code and name; links to it from the file's other apps follow.
    public func renaming(_ code: String, to newCode: String, name: String?) -> AppTemplate {
        var t = self
        for i in t.apps.indices {
            if t.apps[i].code == code { t.apps[i].code = newCode; if let n = name, !n.isEmpty { t.apps[i].name = n } }
            for j in t.apps[i].fields.indices {
                if t.apps[i].fields[j].linkApp == code { t.apps[i].fields[j].linkApp = newCode }
                if var cols = t.apps[i].fields[j].columns {
                    for k in cols.indices where cols[k].linkApp == code { cols[k].linkApp = newCode }
                    t.apps[i].fields[j].columns = cols
                }
            }
        }
        return t
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
            .replacingOccurrences(of: ".[", with: "[")
    }
}

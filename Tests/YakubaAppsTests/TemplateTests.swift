import Foundation
import Testing
@testable import YakubaApps

@Suite struct TemplateTests {
    func read(_ text: String, existing: Set<String> = []) -> Result<AppTemplate, AppProblems> { AppTemplate.read(Data(text.utf8), existingApps: existing) }
    func firstMessage(_ r: Result<AppTemplate, AppProblems>) -> String? { if case .failure(let p) = r { p.all.first?.messageJa } else { nil } }

    @Test func anExportedTemplateReadsBackEqualAndIsReadableText() throws {
        let t = ShippedApps.template
        let data = t.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"format\" : \"yakuba-app-template\""))
        #expect(text.contains("\"version\" : 1"))
        #expect(text.contains("デジタル化相談案件"), "Japanese is written as it is, not escaped")
        #expect(text.contains("role:dx_office"))
        let back = try AppTemplate.read(data).get()
        #expect(back == t)
        #expect(back.encoded() == data, "two exports are byte-equal")
    }

    @Test func aTemplateFromANewerVersionIsRefusedWithWhatToDo() {
        let m = firstMessage(read(#"{"format":"yakuba-app-template","version":2,"apps":[]}"#))
        #expect(m?.contains("新しい版（2）") == true && m?.contains("Yakuba を更新") == true)
    }

    @Test func anUnknownFieldTypeIsNamedWithItsField() {
        var text = String(decoding: AppTemplate(apps: [AppDefinitionTests.loans()]).encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"type\" : \"money\"", with: "\"type\" : \"signature\"")
        let m = firstMessage(read(text))
        #expect(m?.contains("フィールド「price」の種類「signature」") == true)
    }

    @Test func otherBadFilesAreRefusedClearly() {
        #expect(firstMessage(read("not json"))?.contains("JSON として読めません") == true)
        #expect(firstMessage(read(#"{"format":"kintone","version":1}"#))?.contains("テンプレートではありません") == true)
        #expect(firstMessage(read(#"{"format":"yakuba-app-template","apps":[]}"#))?.contains("版（version）がありません") == true)
        #expect(firstMessage(read(#"{"format":"yakuba-app-template","version":1,"apps":[]}"#))?.contains("アプリがありません") == true)
        #expect(firstMessage(read(#"{"format":"yakuba-app-template","version":1,"apps":[{"code":"a","fields":[]}]}"#))?.contains("apps[0].name") == true)
        #expect(firstMessage(read(#"{"format":"yakuba-app-template","version":1,"apps":[{"code":"a","name":"A","fields":[{"code":"x","type":"text","required":"yes"}]}]}"#))?.contains("apps[0].fields[0].required") == true)
        let big = String(repeating: " ", count: AppTemplate.maxBytes + 1)
        #expect(firstMessage(read(big))?.contains("大きすぎます") == true)
        // a link to an app that is neither installed nor in the file
        let helpdeskOnly = String(decoding: AppTemplate(apps: [ShippedApps.helpdeskConsultations]).encoded(), as: UTF8.self)
        #expect(firstMessage(read(helpdeskOnly))?.contains("参照先アプリ「dx_requests」がありません") == true)
        #expect((try? read(helpdeskOnly, existing: ["dx_requests"]).get()) != nil)
    }

    @Test func importingUnderAnotherCodeAvoidsAClashAndLinksFollow() throws {
        let t = ShippedApps.template
        #expect(t.problems(existingApps: ["dx_requests"]).contains { $0.messageJa.contains("もう使われています") })
        let renamed = t.renaming("dx_requests", to: "dx_requests2", name: "相談案件（試行）")
        #expect(renamed.problems(existingApps: ["dx_requests"]) == [])
        #expect(renamed.apps[0].name == "相談案件（試行）")
        #expect(renamed.apps[1].field("request")?.linkApp == "dx_requests2")
        #expect(renamed.apps[2].field("bottlenecks")?.columns?.first { $0.code == "request" }?.linkApp == "dx_requests2")
    }
}

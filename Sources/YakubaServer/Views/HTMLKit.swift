import Foundation
import Plot
import YakubaCore

/// Plot nodes for pages. Plot escapes text but not attribute values, so every attribute goes through `attr`,
/// which escapes. Elements are built generically so aria-* and form attributes are not limited by Plot's contexts.
typealias N = Node<HTML.BodyContext>

func escapeAttribute(_ s: String) -> String { escapeMarkup(s) }

func attr(_ name: String, _ value: String?) -> N {
    guard let v = value else { return .empty }
    return .attribute(named: name, value: escapeAttribute(v), ignoreIfValueIsEmpty: false)
}
func flag(_ name: String, _ on: Bool) -> N { on ? .attribute(named: name) : .empty }
func el(_ name: String, _ nodes: N...) -> N { .element(named: name, nodes: nodes) }
func el(_ name: String, _ nodes: [N]) -> N { .element(named: name, nodes: nodes) }
/// Leading attributes or nodes, then a list (rows, items): `el("ul", cls("tabs"), items.map { … })`.
func el(_ name: String, _ a: N, _ nodes: [N]) -> N { .element(named: name, nodes: [a] + nodes) }
func el(_ name: String, _ a: N, _ b: N, _ nodes: [N]) -> N { .element(named: name, nodes: [a, b] + nodes) }
func el(_ name: String, _ a: N, _ b: N, _ c: N, _ nodes: [N]) -> N { .element(named: name, nodes: [a, b, c] + nodes) }
func txt(_ s: String) -> N { .text(s) }
func void(_ name: String, _ attrs: [(String, String?)]) -> N {
    .selfClosedElement(named: name, attributes: attrs.compactMap { a in a.1.map { Attribute<HTML.BodyContext>(name: a.0, value: escapeAttribute($0), ignoreIfValueIsEmpty: false) } })
}
func cls(_ c: String) -> N { attr("class", c) }

/// The attributes of a wrapper that lets a wide table scroll sideways on a phone: a named region that can take
/// keyboard focus, so it can be scrolled with the arrow keys (WCAG 2.1.1; axe `scrollable-region-focusable`).
func tableRegion(_ label: String) -> N {
    .group([cls("table-wrap"), attr("role", "region"), attr("aria-label", label), attr("tabindex", "0")])
}
func link(_ href: String, _ text: String, _ extra: N...) -> N { el("a", [attr("href", href), txt(text)] + extra) }

/// A form field with its label and its error right beside it (aria-describedby ties them together).
func field(id: String, label: String, error: String?, hint: String? = nil, _ control: (_ describedBy: String?) -> N) -> N {
    let errId = error != nil ? "\(id)-error" : nil
    let hintId = hint != nil ? "\(id)-hint" : nil
    let described = [hintId, errId].compactMap { $0 }.joined(separator: " ")
    return el("div", cls(error != nil ? "field has-error" : "field"),
              el("label", attr("for", id), txt(label)),
              hint.map { el("p", attr("id", "\(id)-hint"), cls("hint"), txt($0)) } ?? .empty,
              error.map { el("p", attr("id", "\(id)-error"), cls("error"), attr("role", "alert"), txt($0)) } ?? .empty,
              control(described.isEmpty ? nil : described))
}

func input(id: String, name: String, type: String = "text", value: String?, describedBy: String?, required: Bool = false, invalid: Bool = false,
           extra: [(String, String?)] = []) -> N {
    var a: [(String, String?)] = [("id", id), ("name", name), ("type", type), ("value", value)]
    if required { a.append(("required", "")) }
    if invalid { a.append(("aria-invalid", "true")) }
    if let d = describedBy { a.append(("aria-describedby", d)) }
    return void("input", a + extra)
}

/// A select; `label` names it for assistive technology where no visible `<label>` does (a select in a table row).
func select(id: String, name: String, options: [(value: String, label: String)], selected: String?, describedBy: String?, invalid: Bool = false, label: String? = nil) -> N {
    el("select", [attr("id", id), attr("name", name), attr("aria-describedby", describedBy), attr("aria-label", label), invalid ? attr("aria-invalid", "true") : .empty]
       + options.map { o in el("option", attr("value", o.value), flag("selected", o.value == selected), txt(o.label)) })
}

func hidden(_ name: String, _ value: String) -> N { void("input", [("type", "hidden"), ("name", name), ("value", value)]) }

import Foundation

/// Text made safe for HTML and XML, in attribute values and between tags alike: `& < > " '` become entities. The pages'
/// attributes and the charts' SVG text both go through it.
public func escapeMarkup(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "\"": out += "&quot;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

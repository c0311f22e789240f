import Foundation
import YakubaCore

/// Server-rendered SVG charts (issue 5): bars, stacked bars, lines and a heat map. Each is an image with a title and a
/// description (`role="img"`, `aria-labelledby`); the page puts the data table beside it, so nothing is only in the
/// picture. No script, no external font: the text uses the system's CJK fonts, and the chart scales to its box.
public enum SVGChart {
    /// Colours that keep 3:1 against white (WCAG 1.4.11) and stay apart for the common colour-vision deficiencies.
    public static let palette = ["#1a4fa0", "#b35c00", "#b3261e", "#5b2a86", "#1b6e3a", "#555555"]

    public struct Bar: Sendable {
        public var label: String
        public var value: Double
        /// the figure printed at the bar's end
        public var text: String
        public init(label: String, value: Double, text: String) { self.label = label; self.value = value; self.text = text }
    }

    public struct Series: Sendable {
        public var name: String
        public var values: [Double?]
        public init(name: String, values: [Double?]) { self.name = name; self.values = values }
    }

    static func esc(_ s: String) -> String { escapeMarkup(s) }
    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// The frame every chart shares: `<svg role="img">` with its title and description first.
    static func frame(id: String, title: String, desc: String, width: Int, height: Int, _ body: String) -> String {
        "<svg class=\"chart\" id=\"\(esc(id))\" role=\"img\" aria-labelledby=\"\(esc(id))-title \(esc(id))-desc\" viewBox=\"0 0 \(width) \(height)\" "
            + "width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\" "
            + "font-family=\"'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif\" font-size=\"13\">"
            + "<title id=\"\(esc(id))-title\">\(esc(title))</title><desc id=\"\(esc(id))-desc\">\(esc(desc))</desc>"
            + body + "</svg>"
    }

    /// Display width of a label (a CJK character is about one em, Latin about half).
    static func textWidth(_ s: String, size: Double = 13) -> Double {
        s.unicodeScalars.reduce(0.0) { $0 + ($1.value > 0x2E80 ? size : size * 0.6) }
    }

    /// A nice upper bound for an axis: 1, 2 or 5 times a power of ten, at least `x`.
    public static func niceMax(_ x: Double) -> Double {
        guard x > 0 else { return 1 }
        let p = pow(10, floor(log10(x)))
        for m in [1.0, 2, 5, 10] where m * p >= x { return m * p }
        return 10 * p
    }

    /// Horizontal bars, one per item, labelled on the left with the figure at the bar's end; optional vertical marks
    /// (such as the 80% and 100% of a limit) at given values.
    public static func bars(id: String, title: String, desc: String, bars: [Bar], marks: [(value: Double, label: String)] = [],
                            color: String = palette[0]) -> String {
        let labelW = min(260, max(60, bars.map { textWidth($0.label) }.max() ?? 60) + 8)
        let plotW = 420.0, row = 24.0, top = marks.isEmpty ? 8.0 : 22.0
        let width = Int(labelW + plotW + 90), height = Int(top + row * Double(max(1, bars.count)) + 8)
        let maxV = niceMax(max(bars.map(\.value).max() ?? 0, marks.map(\.value).max() ?? 0))
        var body = ""
        for (i, b) in bars.enumerated() {
            let y = top + row * Double(i)
            let w = plotW * max(0, b.value) / maxV
            body += "<text x=\"\(f(labelW - 6))\" y=\"\(f(y + 16))\" text-anchor=\"end\" fill=\"#222\">\(esc(b.label))</text>"
            body += "<rect x=\"\(f(labelW))\" y=\"\(f(y + 4))\" width=\"\(f(w))\" height=\"16\" fill=\"\(color)\"/>"
            body += "<text x=\"\(f(labelW + w + 4))\" y=\"\(f(y + 16))\" fill=\"#222\">\(esc(b.text))</text>"
        }
        for m in marks {
            let x = labelW + plotW * m.value / maxV
            body += "<line x1=\"\(f(x))\" y1=\"\(f(top - 4))\" x2=\"\(f(x))\" y2=\"\(height - 4)\" stroke=\"#222\" stroke-dasharray=\"4 3\"/>"
            body += "<text x=\"\(f(x))\" y=\"14\" text-anchor=\"middle\" fill=\"#222\" font-size=\"11\">\(esc(m.label))</text>"
        }
        body += "<line x1=\"\(f(labelW))\" y1=\"\(f(top))\" x2=\"\(f(labelW))\" y2=\"\(height - 8)\" stroke=\"#222\"/>"
        return frame(id: id, title: title, desc: desc, width: width, height: height, body)
    }

    /// Vertical stacked bars: one bar per category (x), one segment per series, with a legend.
    public static func stackedBars(id: String, title: String, desc: String, categories: [String], series: [Series], unit: String) -> String {
        let left = 56.0, plotH = 220.0, colW = max(28.0, min(64.0, 640.0 / Double(max(1, categories.count))))
        let (width, top, height, axis, legendBody) = layout(id: id, categories: categories, series: series, left: left, step: colW, plotH: plotH)
        let totals = categories.indices.map { i in series.reduce(0.0) { $0 + max(0, $1.values[safe: i].flatMap { $0 } ?? 0) } }
        let maxV = niceMax(totals.max() ?? 0)
        var body = patterns(id: id, count: series.count) + legendBody
        body += axisY(left: left, top: top, height: plotH, maxV: maxV, unit: unit, width: Double(width) - 8)
        for (i, c) in categories.enumerated() {
            var base = top + plotH
            let x = left + colW * Double(i) + colW * 0.15
            for (k, s) in series.enumerated() {
                let v = max(0, s.values[safe: i].flatMap { $0 } ?? 0)
                let h = plotH * v / maxV
                if h > 0 { body += "<rect x=\"\(f(x))\" y=\"\(f(base - h))\" width=\"\(f(colW * 0.7))\" height=\"\(f(h))\" fill=\"\(fill(id, k))\" stroke=\"#fff\" stroke-width=\"0.5\"/>" }
                base -= h
            }
            body += axis.label(c, x: x + colW * 0.35, y: top + plotH)
        }
        return frame(id: id, title: title, desc: desc, width: max(width, 360), height: height, body)
    }

    /// Lines over categories (months), one per series, with markers and a legend; nil values break the line.
    public static func lines(id: String, title: String, desc: String, categories: [String], series: [Series], unit: String) -> String {
        let left = 56.0, plotH = 200.0, step = max(36.0, min(64.0, 640.0 / Double(max(1, categories.count))))
        let (width, top, height, axis, legendBody) = layout(id: id, categories: categories, series: series, left: left, step: step, plotH: plotH)
        let maxV = niceMax(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        var body = patterns(id: id, count: series.count) + legendBody
        body += axisY(left: left, top: top, height: plotH, maxV: maxV, unit: unit, width: Double(width) - 8)
        func px(_ i: Int) -> Double { left + step * Double(i) + step / 2 }
        for (k, s) in series.enumerated() {
            let color = palette[k % palette.count]
            let dash = k >= palette.count ? " stroke-dasharray=\"6 3\"" : ""
            var path = "", pen = false
            for (i, v) in s.values.enumerated() {
                guard let v else { pen = false; continue }
                let y = top + plotH - plotH * max(0, v) / maxV
                path += (pen ? " L" : " M") + "\(f(px(i))) \(f(y))"
                pen = true
                // markers differ by shape as well as colour
                body += k % 2 == 0 ? "<circle cx=\"\(f(px(i)))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(color)\"/>"
                    : "<rect x=\"\(f(px(i) - 3.5))\" y=\"\(f(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(color)\"/>"
            }
            if !path.isEmpty { body += "<path d=\"\(path.dropFirst())\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>" }
        }
        for (i, c) in categories.enumerated() { body += axis.label(c, x: px(i), y: top + plotH) }
        return frame(id: id, title: title, desc: desc, width: max(width, 360), height: height, body)
    }

    /// What the column charts share: the plot's width, where it starts below the (wrapped) legend, the whole height with the
    /// category labels, those labels, and the legend.
    static func layout(id: String, categories: [String], series: [Series], left: Double, step: Double, plotH: Double)
        -> (width: Int, top: Double, height: Int, axis: CategoryAxis, legend: String) {
        let width = Int(left + step * Double(categories.count) + 16)
        let (legendBody, legendH) = legend(series.map(\.name), id: id, x: left, y: 14, width: max(Double(width), 360) - left - 8)
        let top = 20.0 + legendH
        let axis = categoryAxis(categories, step: step)
        return (width, top, Int(top + plotH + axis.height), axis, legendBody)
    }

    /// The labels under a chart's columns: level when they fit their column, slanted (and cut at 14 characters, the
    /// table beside the chart has them whole) when they do not, so long names never run into each other.
    struct CategoryAxis {
        var slanted: Bool
        var height: Double
        func label(_ c: String, x: Double, y: Double) -> String {
            let text = c.count > 14 ? String(c.prefix(13)) + "…" : c
            if !slanted { return "<text x=\"\(f(x))\" y=\"\(f(y + 18))\" text-anchor=\"middle\" fill=\"#222\" font-size=\"12\">\(esc(text))</text>" }
            return "<text x=\"\(f(x))\" y=\"\(f(y + 14))\" text-anchor=\"end\" transform=\"rotate(-40 \(f(x)) \(f(y + 14)))\" fill=\"#222\" font-size=\"12\">\(esc(text))</text>"
        }
    }

    static func categoryAxis(_ categories: [String], step: Double) -> CategoryAxis {
        let widest = categories.map { textWidth($0.count > 14 ? String($0.prefix(13)) + "…" : $0, size: 12) }.max() ?? 0
        if widest <= step * 0.92 { return CategoryAxis(slanted: false, height: 44) }
        return CategoryAxis(slanted: true, height: 30 + widest * 0.65)
    }

    /// A series' fill: the palette's colours first, then the same colours striped (a seventh series never looks like the first).
    static func fill(_ id: String, _ k: Int) -> String { k < palette.count ? palette[k] : "url(#\(esc(id))-p\(k))" }

    static func patterns(id: String, count: Int) -> String {
        guard count > palette.count else { return "" }
        var out = "<defs>"
        for k in palette.count..<count {
            let color = palette[k % palette.count]
            let angle = (k / palette.count) % 2 == 1 ? 45 : -45
            out += "<pattern id=\"\(esc(id))-p\(k)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(\(angle))\">"
                + "<rect width=\"6\" height=\"6\" fill=\"#fff\"/><rect width=\"3.5\" height=\"6\" fill=\"\(color)\"/></pattern>"
        }
        return out + "</defs>"
    }

    /// A heat map: rows × columns, each cell shaded by its value (darker = more) and printed with its figure; nil cells are
    /// left white with a dash.
    public static func heatMap(id: String, title: String, desc: String, rows: [String], columns: [String], values: [[Double?]],
                               text: (Double) -> String) -> String {
        let labelW = min(240, max(60, rows.map { textWidth($0) }.max() ?? 60) + 8)
        let cellW = 52.0, cellH = 26.0, top = 24.0
        let width = Int(labelW + cellW * Double(columns.count) + 8), height = Int(top + cellH * Double(rows.count) + 8)
        let maxV = max(1, values.flatMap { $0.compactMap { $0 } }.max() ?? 1)
        var body = ""
        for (j, c) in columns.enumerated() {
            body += "<text x=\"\(f(labelW + cellW * Double(j) + cellW / 2))\" y=\"16\" text-anchor=\"middle\" fill=\"#222\" font-size=\"12\">\(esc(c))</text>"
        }
        for (i, r) in rows.enumerated() {
            let y = top + cellH * Double(i)
            body += "<text x=\"\(f(labelW - 6))\" y=\"\(f(y + 17))\" text-anchor=\"end\" fill=\"#222\">\(esc(r))</text>"
            for j in columns.indices {
                let x = labelW + cellW * Double(j)
                guard let v = values[safe: i]?[safe: j] ?? nil else {
                    body += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cellW))\" height=\"\(f(cellH))\" fill=\"#fff\" stroke=\"#ccc\"/>"
                    body += "<text x=\"\(f(x + cellW / 2))\" y=\"\(f(y + 17))\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">–</text>"
                    continue
                }
                // white to a mid blue (118,149,198) at the most: dark text keeps 4.5:1 on every shade (WCAG 1.4.3)
                let t = max(0, min(1, v / maxV))
                let r = Int(255 - t * (255 - 118)), g = Int(255 - t * (255 - 149)), b = Int(255 - t * (255 - 198))
                body += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cellW))\" height=\"\(f(cellH))\" fill=\"rgb(\(r),\(g),\(b))\" stroke=\"#fff\"/>"
                body += "<text x=\"\(f(x + cellW / 2))\" y=\"\(f(y + 17))\" text-anchor=\"middle\" fill=\"#222\" font-size=\"11\">\(esc(text(v)))</text>"
            }
        }
        return frame(id: id, title: title, desc: desc, width: width, height: height, body)
    }

    /// The legend, wrapped onto as many lines as the width needs; returns it and the height it takes below `y`.
    static func legend(_ names: [String], id: String, x: Double, y: Double, width: Double) -> (String, Double) {
        var out = "", cx = x, cy = y
        for (k, n) in names.enumerated() {
            let w = 28 + textWidth(n, size: 12)
            if cx > x && cx + w - x > width { cx = x; cy += 18 }
            out += "<rect x=\"\(f(cx))\" y=\"\(f(cy - 10))\" width=\"12\" height=\"12\" fill=\"\(fill(id, k))\"\(k >= palette.count ? " stroke=\"\(palette[k % palette.count])\"" : "")/>"
            out += "<text x=\"\(f(cx + 16))\" y=\"\(f(cy))\" fill=\"#222\" font-size=\"12\">\(esc(n))</text>"
            cx += w
        }
        return (out, cy - y + 14)
    }

    static func axisY(left: Double, top: Double, height: Double, maxV: Double, unit: String, width: Double) -> String {
        var out = ""
        for k in 0...4 {
            let v = maxV * Double(k) / 4, y = top + height - height * Double(k) / 4
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width))\" y2=\"\(f(y))\" stroke=\"\(k == 0 ? "#222" : "#ddd")\"/>"
            let label = v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\" fill=\"#222\" font-size=\"11\">\(esc(label + unit))</text>"
        }
        return out
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

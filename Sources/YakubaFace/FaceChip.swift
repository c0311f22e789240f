#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The aligned face chip dlib's ResNet expects: dlib's get_face_chip_details (5-point model) and
// extract_image_chip (a 2:1 image pyramid when the face is much larger than the chip, then bilinear sampling),
// reproduced step by step.

public enum FaceChip {
    /// dlib's mean positions of the five landmarks in the unit square (get_face_chip_details).
    static let meanShape: [(Double, Double)] = [
        (0.8595674595992, 0.2134981538014), (0.6460604764104, 0.2289674387677), (0.1205750620789, 0.2137274526848),
        (0.3340850613712, 0.2290642403242), (0.4901123135679, 0.6277975316475),
    ]

    /// Where the chip lies in the image: a rectangle (in double precision, dlib's drectangle) and a rotation.
    public struct Details: Sendable, Equatable {
        public var left: Double, top: Double, right: Double, bottom: Double
        public var angle: Double
        public var size: Int
    }

    /// dlib's get_face_chip_details(det, size, padding) for a 5-point detection.
    public static func details(landmarks: [PixelPoint], size: Int = 150, padding: Double = 0.25) -> Details {
        precondition(landmarks.count == 5, "five landmarks are needed")
        let chipPoints = meanShape.map { p in ((padding + p.0) / (2 * padding + 1) * Double(size), (padding + p.1) / (2 * padding + 1) * Double(size)) }
        let tform = Affine.similarity(from: chipPoints, to: landmarks.map { (Double($0.x), Double($0.y)) })
        // p = m·(1, 0): the rotation and scale
        let px = tform.a, py = tform.c
        let angle = atan2(py, px)
        let scale = (px * px + py * py).squareRoot()
        let (cx, cy) = tform.apply(Double(size) / 2, Double(size) / 2)
        // centered_drect(p, w, h): w−1 and h−1 across
        let w = Double(size) * scale - 1, h = Double(size) * scale - 1
        return Details(left: cx - w / 2, top: cy - h / 2, right: cx + w / 2, bottom: cy + h / 2, angle: angle, size: size)
    }

    /// dlib's extract_image_chip(img, details, chip) with bilinear interpolation; outside the image is black.
    public static func extract(_ image: RGBImage, _ d: Details) -> RGBImage {
        let size = d.size
        let chipArea = Double(size * size)
        // how deep the pyramid must go: halve the rectangle while it stays larger than the chip
        var depth = 0
        var grow = 2.0
        var r = DRect(l: d.left, t: d.top, r: d.right, b: d.bottom).down()
        while r.area > chipArea {
            r = r.down(); depth += 1; grow = grow * 2 + 2
        }
        let centre = ((d.left + d.right) / 2, (d.top + d.bottom) / 2)
        let corners = [(d.left, d.top), (d.right, d.top), (d.left, d.bottom), (d.right, d.bottom)].map { rotate($0, about: centre, by: d.angle) }
        var rotated = DRect(l: .infinity, t: .infinity, r: -.infinity, b: -.infinity)
        for c in corners { rotated.l = min(rotated.l, c.0); rotated.t = min(rotated.t, c.1); rotated.r = max(rotated.r, c.0); rotated.b = max(rotated.b, c.1) }
        let grown = DRect(l: rotated.l - grow, t: rotated.t - grow, r: rotated.r + grow, b: rotated.b + grow)
            .intersect(DRect(l: 0, t: 0, r: Double(image.width - 1), b: Double(image.height - 1)))
        // the drectangle becomes a whole-pixel rectangle (⌊v + 0.5⌋), which sub_image clips to the image again
        var box = (l: Affine.whole(grown.l), t: Affine.whole(grown.t), r: Affine.whole(grown.r), b: Affine.whole(grown.b))
        if grown.isEmpty || !(grown.l.isFinite && grown.t.isFinite && grown.r.isFinite && grown.b.isFinite) { box = (0, 0, -1, -1) }
        let sub = crop(image, left: box.l, top: box.t, right: box.r, bottom: box.b)
        var levels: [RGBImage] = []
        if depth > 0 {
            levels.append(pyramidDown(sub))
            for _ in 1..<depth { levels.append(pyramidDown(levels[levels.count - 1])) }
        }
        // the level to sample from, and the chip's rectangle in it
        var level = -1
        var rect = DRect(l: d.left - Double(box.l), t: d.top - Double(box.t), r: d.right - Double(box.l), b: d.bottom - Double(box.t))
        while rect.down().area > chipArea { level += 1; rect = rect.down() }
        let source = level == -1 ? sub : levels[level]
        let c = ((rect.l + rect.r) / 2, (rect.t + rect.b) / 2)
        let tl = rotate((rect.l, rect.t), about: c, by: d.angle)
        let tr = rotate((rect.r, rect.t), about: c, by: d.angle)
        let bl = rotate((rect.l, rect.b), about: c, by: d.angle)
        // the affine map taking the chip's corners (0,0), (size−1,0), (0,size−1) to those three
        let n = Double(size - 1)
        let map = Affine(a: (tr.0 - tl.0) / n, b: (bl.0 - tl.0) / n, c: (tr.1 - tl.1) / n, d: (bl.1 - tl.1) / n, tx: tl.0, ty: tl.1)
        return sampleBilinear(source, size: size, map: map)
    }

    static func rotate(_ p: (Double, Double), about c: (Double, Double), by angle: Double) -> (Double, Double) {
        let s = sin(angle), co = cos(angle)
        let x = p.0 - c.0, y = p.1 - c.1
        return (co * x - s * y + c.0, s * x + co * y + c.1)
    }

    /// dlib's drectangle: inclusive edges, width r − l + 1.
    struct DRect {
        var l: Double, t: Double, r: Double, b: Double
        var isEmpty: Bool { t > b || l > r }
        var area: Double { isEmpty ? 0 : (r - l + 1) * (b - t + 1) }
        /// pyramid_down<2>::rect_down: each corner p ↦ p/2 − (1.25, 0.75)
        func down() -> DRect { DRect(l: l / 2 - 1.25, t: t / 2 - 0.75, r: r / 2 - 1.25, b: b / 2 - 0.75) }
        func intersect(_ o: DRect) -> DRect { DRect(l: max(l, o.l), t: max(t, o.t), r: min(r, o.r), b: min(b, o.b)) }
    }

    static func crop(_ image: RGBImage, left: Int, top: Int, right: Int, bottom: Int) -> RGBImage {
        let l = max(left, 0), t = max(top, 0), r = min(right, image.width - 1), b = min(bottom, image.height - 1)
        guard r >= l, b >= t else { return RGBImage(width: 0, height: 0, pixels: []) }
        let w = r - l + 1, h = b - t + 1
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let from = ((t + y) * image.width + l) * 3
            out.replaceSubrange(y * w * 3..<(y + 1) * w * 3, with: image.pixels[from..<from + w * 3])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// dlib's pyramid_down<2> for RGB images: a 5×5 [1 4 6 4 1]² filter in 16-bit sums, every other row and column,
    /// divided by 256 with truncation. An image of 8 rows or columns or fewer becomes empty.
    static func pyramidDown(_ img: RGBImage) -> RGBImage {
        guard img.width > 8, img.height > 8 else { return RGBImage(width: 0, height: 0, pixels: []) }
        let tw = (img.width - 3) / 2, th = img.height
        let ow = tw, oh = (img.height - 3) / 2
        var temp = [UInt16](repeating: 0, count: tw * th * 3)
        img.pixels.withUnsafeBufferPointer { p in
            temp.withUnsafeMutableBufferPointer { t in
                for y in 0..<th {
                    let row = y * img.width * 3
                    for x in 0..<tw {
                        let o = row + 2 * x * 3
                        for ch in 0..<3 {
                            let s = UInt16(p[o + ch]) &+ 4 &* UInt16(p[o + 3 + ch]) &+ 6 &* UInt16(p[o + 6 + ch]) &+ 4 &* UInt16(p[o + 9 + ch]) &+ UInt16(p[o + 12 + ch])
                            t[(y * tw + x) * 3 + ch] = s
                        }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        temp.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                var dr = 0
                var r = 2
                while r < th - 2 {
                    for x in 0..<tw {
                        for ch in 0..<3 {
                            let i = x * 3 + ch
                            let s = t[(r - 2) * tw * 3 + i] &+ 4 &* t[(r - 1) * tw * 3 + i] &+ 6 &* t[r * tw * 3 + i]
                                &+ 4 &* t[(r + 1) * tw * 3 + i] &+ t[(r + 2) * tw * 3 + i]
                            o[dr * ow * 3 + i] = UInt8(truncatingIfNeeded: s / 256)
                        }
                    }
                    dr += 1
                    r += 2
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }

    /// dlib's transform_image with interpolate_bilinear and a black background.
    static func sampleBilinear(_ img: RGBImage, size: Int, map: Affine) -> RGBImage {
        var out = [UInt8](repeating: 0, count: size * size * 3)
        let w = img.width, h = img.height
        img.pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<size {
                    for c in 0..<size {
                        let (x, y) = map.apply(Double(c), Double(r))
                        let fl = x.rounded(.down), ft = y.rounded(.down)
                        guard fl >= 0, ft >= 0, fl + 1 < Double(w), ft + 1 < Double(h) else { continue }
                        let left = Int(fl), top = Int(ft)
                        let lr = x - fl, tb = y - ft
                        let i00 = (top * w + left) * 3, i01 = i00 + 3, i10 = i00 + w * 3, i11 = i10 + 3
                        for ch in 0..<3 {
                            let v = (1 - tb) * ((1 - lr) * Double(p[i00 + ch]) + lr * Double(p[i01 + ch]))
                                + tb * ((1 - lr) * Double(p[i10 + ch]) + lr * Double(p[i11 + ch]))
                            // dlib's assign_pixel from double to unsigned char: clamped, then truncated
                            o[(r * size + c) * 3 + ch] = v <= 0 ? 0 : v >= 255 ? 255 : UInt8(v)
                        }
                    }
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }
}

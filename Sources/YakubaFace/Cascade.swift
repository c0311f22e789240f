// OpenCV 4's cascade object detector (CascadeClassifier::detectMultiScale), ported to pure Swift.
//
// Reads OpenCV FileStorage XML cascades ("opencv-cascade-classifier": LBP, and Haar including
// tree-based and tilted features) and reproduces OpenCV's CPU path step by step, so that the boxes
// are the same as OpenCV's: the float scale list, cvRound(size / scale) pyramid levels made with the
// bit-exact bilinear resize (INTER_LINEAR_EXACT), 32-bit integral images per level (sum, squared sum
// and tilted sum, with OpenCV's wrap-around arithmetic), the window scan with step 2 (1 from scale 2)
// and the extra step after a stage-0 rejection, Haar variance normalisation, float/double sums as in
// OpenCV, THRESHOLD_EPS on stage thresholds, groupRectangles(eps 0.2) and the final clip to the image.
//
// Everything the evaluator indexes with is validated when the cascade is loaded, so the scan uses
// unchecked pointer arithmetic without any possibility of reading out of bounds.

/// A cascade file that cannot be used, with an English explanation of what is wrong.
public struct CascadeError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// OpenCV's cvRound for doubles (SSE2 conversion: round half to even).
@inline(__always) private func cvRound(_ v: Double) -> Int { Int(v.rounded(.toNearestOrEven)) }
/// OpenCV's cvRound for floats.
@inline(__always) private func cvRound(_ v: Float) -> Int { Int(v.rounded(.toNearestOrEven)) }

public final class CascadeClassifier: Sendable {
    public enum FeatureType: Sendable { case lbp, haar }

    public let featureType: FeatureType
    public let windowWidth: Int
    public let windowHeight: Int

    /// Number of stages, weak classifiers (trees), tree nodes and features.
    let stageCount: Int, weakCount: Int, nodeCount: Int, featureCount: Int
    /// All trees are single nodes: OpenCV then uses its "stump" evaluators (leaf 0 left, leaf 1 right).
    let stumps: Bool
    /// Every tree has exactly two nodes (e.g. haarcascade_frontalface_alt2): evaluated without branching.
    let twoNodeTrees: Bool
    let hasTilted: Bool

    /// Packed model data (see the section offsets below): three arrays so that the scan needs only three
    /// `withUnsafeBufferPointer` calls.
    let i32: [Int32]
    let f64: [Double]
    let f32: [Float]
    let oStageFirst: Int, oStageWeaks: Int, oNodeFeature: Int, oNodeLeft: Int, oNodeRight: Int
    let oWeakNode: Int, oWeakLeaf: Int, oSubsets: Int      // in i32
    let oStageThreshold: Int, oLeaves: Int                 // in f64
    let oNodeThreshold: Int, oWeights: Int                 // in f32 (weights: 3 per node, Haar)

    /// Feature geometry in window coordinates: LBP x, y, w, h; Haar 3 × (x, y, w, h).
    let featureRects: [Int32]
    let featureTilted: [Bool]

    // MARK: loading

    public init(xml bytes: [UInt8]) throws(CascadeError) {
        let doc = try CascadeXMLTree(bytes)
        guard doc.isNamed(doc.root, "opencv_storage") else {
            throw CascadeError("not an OpenCV cascade: the root element is <\(doc.name(doc.root))>, expected <opencv_storage>")
        }
        guard let top = doc.children(doc.root).first else {
            throw CascadeError("not an OpenCV cascade: <opencv_storage> is empty")
        }
        guard let stageTypeNode = doc.child(top, "stageType") else {
            if doc.child(top, "size") != nil || doc.child(top, "stages") != nil {
                throw CascadeError("old-format cascade (opencv-haar-classifier) is not supported; convert it to the new format with cv::CascadeClassifier::convert")
            }
            throw CascadeError("not an OpenCV cascade: <\(doc.name(top))> has no <stageType>")
        }

        func numbers(_ e: Int, _ what: @autoclosure () -> String) throws(CascadeError) -> [Double] {
            var out: [Double] = []
            for r in doc.tokens(e) {
                let s = String(decoding: doc.bytes[r], as: UTF8.self)
                guard let v = Double(s), v.isFinite else {
                    throw CascadeError("\(what()): '\(s.prefix(40))' is not a finite number")
                }
                out.append(v)
            }
            return out
        }
        func toInt(_ v: Double, _ what: @autoclosure () -> String) throws(CascadeError) -> Int {
            // FileStorage reads a real stored where an int is expected with cvRound
            guard v >= -2147483648.0 && v <= 2147483647.0 else {
                throw CascadeError("\(what()): \(v) is outside the 32-bit integer range")
            }
            return cvRound(v)
        }
        func scalarInt(_ parent: Int, _ name: String, _ context: String) throws(CascadeError) -> Int? {
            guard let e = doc.child(parent, name) else { return nil }
            let v = try numbers(e, "\(context)<\(name)>")
            guard v.count == 1 else { throw CascadeError("\(context)<\(name)> must hold one number, found \(v.count)") }
            return try toInt(v[0], "\(context)<\(name)>")
        }

        // header
        let stageType = doc.string(stageTypeNode)
        guard stageType == "BOOST" else { throw CascadeError("unsupported stageType '\(stageType.prefix(40))' (only BOOST)") }
        guard let ftNode = doc.child(top, "featureType") else { throw CascadeError("missing <featureType>") }
        let ft = doc.string(ftNode)
        switch ft {
        case "HAAR": featureType = .haar
        case "LBP": featureType = .lbp
        case "HOG": throw CascadeError("HOG cascades are not supported (OpenCV 3+ does not support them either)")
        default: throw CascadeError("unsupported featureType '\(ft.prefix(40))' (only HAAR and LBP)")
        }
        guard let w = try scalarInt(top, "width", ""), let h = try scalarInt(top, "height", "") else {
            throw CascadeError("missing window <width> or <height>")
        }
        guard w > 0 && h > 0 && w <= 4096 && h <= 4096 else {
            throw CascadeError("window size \(w)×\(h) is invalid (must be 1…4096)")
        }
        windowWidth = w; windowHeight = h
        guard let fp = doc.child(top, "featureParams") else { throw CascadeError("missing <featureParams>") }
        let ncat = try scalarInt(fp, "maxCatCount", "<featureParams>") ?? 0
        switch featureType {
        case .haar:
            guard ncat == 0 else { throw CascadeError("HAAR cascade with maxCatCount \(ncat) (must be 0)") }
        case .lbp:
            guard ncat == 256 else { throw CascadeError("LBP cascade with maxCatCount \(ncat) (must be 256)") }
        }
        let subsetSize = featureType == .lbp ? 8 : 0
        let nodeStep = 3 + (featureType == .lbp ? subsetSize : 1)

        // features (read first so that node feature indices can be checked)
        guard let featuresNode = doc.child(top, "features") else { throw CascadeError("missing <features>") }
        let featureNodes = doc.children(featuresNode)
        guard !featureNodes.isEmpty else { throw CascadeError("<features> is empty") }
        guard featureNodes.count <= 1_000_000 else { throw CascadeError("too many features (\(featureNodes.count))") }
        var rects: [Int32] = []
        var tilted: [Bool] = []
        var weights: [Float] = []
        func inside(_ px: Int, _ py: Int) -> Bool { px >= 0 && py >= 0 && px <= w && py <= h }
        for (fi, fnode) in featureNodes.enumerated() {
            let ctx = "feature \(fi)"
            switch featureType {
            case .lbp:
                guard let r = doc.child(fnode, "rect") else { throw CascadeError("\(ctx) has no <rect>") }
                let v = try numbers(r, "\(ctx) <rect>")
                guard v.count == 4 else { throw CascadeError("\(ctx) <rect> must hold 4 numbers (x y w h), found \(v.count)") }
                let x = try toInt(v[0], ctx), y = try toInt(v[1], ctx), rw = try toInt(v[2], ctx), rh = try toInt(v[3], ctx)
                // the 3×3 grid of rw×rh cells: all 16 integral-image corners must lie inside the window
                for gy in 0...3 { for gx in 0...3 where !inside(x + gx * rw, y + gy * rh) {
                    throw CascadeError("\(ctx): the 3×3 cells of rect \(x) \(y) \(rw) \(rh) leave the \(w)×\(h) window")
                } }
                rects += [Int32(x), Int32(y), Int32(rw), Int32(rh)]
                tilted.append(false)
            case .haar:
                guard let rs = doc.child(fnode, "rects") else { throw CascadeError("\(ctx) has no <rects>") }
                let items = doc.children(rs)
                guard (1...3).contains(items.count) else { throw CascadeError("\(ctx) has \(items.count) rects (must be 1…3)") }
                let t = try scalarInt(fnode, "tilted", "\(ctx) ") ?? 0
                let isTilted = t != 0
                var fr: [Int32] = Array(repeating: 0, count: 12)
                var fw: [Float] = [0, 0, 0]
                for (ri, item) in items.enumerated() {
                    let v = try numbers(item, "\(ctx) rect \(ri)")
                    guard v.count == 5 else { throw CascadeError("\(ctx) rect \(ri) must hold 5 numbers (x y w h weight), found \(v.count)") }
                    let x = try toInt(v[0], ctx), y = try toInt(v[1], ctx), rw = try toInt(v[2], ctx), rh = try toInt(v[3], ctx)
                    let corners: [(Int, Int)] = isTilted
                        ? [(x, y), (x - rh, y + rh), (x + rw, y + rw), (x + rw - rh, y + rw + rh)]
                        : [(x, y), (x + rw, y), (x, y + rh), (x + rw, y + rh)]
                    for (px, py) in corners where !inside(px, py) {
                        throw CascadeError("\(ctx) rect \(ri) (\(x) \(y) \(rw) \(rh)\(isTilted ? ", tilted" : "")) leaves the \(w)×\(h) window")
                    }
                    fr[4 * ri] = Int32(x); fr[4 * ri + 1] = Int32(y); fr[4 * ri + 2] = Int32(rw); fr[4 * ri + 3] = Int32(rh)
                    fw[ri] = Float(v[4])
                }
                rects += fr
                weights += fw
                tilted.append(isTilted)
            }
        }
        featureCount = featureNodes.count
        featureRects = rects
        featureTilted = tilted
        hasTilted = tilted.contains(true)

        // stages
        guard let stagesNode = doc.child(top, "stages") else { throw CascadeError("missing <stages>") }
        let stageNodes = doc.children(stagesNode)
        guard !stageNodes.isEmpty else { throw CascadeError("the cascade has 0 stages") }
        var stageFirst: [Int32] = [], stageWeaks: [Int32] = [], stageThreshold: [Double] = []
        var nodeFeature: [Int32] = [], nodeLeft: [Int32] = [], nodeRight: [Int32] = [], nodeThreshold: [Float] = []
        var subsets: [Int32] = []
        var weakNode: [Int32] = [], weakLeaf: [Int32] = []
        var leaves: [Double] = []
        var maxNodesPerTree = 0, minNodesPerTree = Int.max
        let thresholdEps: Float = 1e-5   // OpenCV's THRESHOLD_EPS
        for (si, snode) in stageNodes.enumerated() {
            guard let tn = doc.child(snode, "stageThreshold") else { throw CascadeError("stage \(si) has no <stageThreshold>") }
            let tv = try numbers(tn, "stage \(si) <stageThreshold>")
            guard tv.count == 1 else { throw CascadeError("stage \(si) <stageThreshold> must hold one number") }
            guard let wcNode = doc.child(snode, "weakClassifiers") else { throw CascadeError("stage \(si) has no <weakClassifiers>") }
            let weakNodes = doc.children(wcNode)
            guard !weakNodes.isEmpty else { throw CascadeError("stage \(si) has 0 weak classifiers") }
            stageFirst.append(Int32(weakNode.count))
            stageWeaks.append(Int32(weakNodes.count))
            stageThreshold.append(Double(Float(tv[0]) - thresholdEps))
            for (wi, wnode) in weakNodes.enumerated() {
                let ctx = "stage \(si) weak classifier \(wi)"
                guard let inNode = doc.child(wnode, "internalNodes"), let lvNode = doc.child(wnode, "leafValues") else {
                    throw CascadeError("\(ctx) lacks <internalNodes> or <leafValues>")
                }
                let nv = try numbers(inNode, "\(ctx) <internalNodes>")
                let lv = try numbers(lvNode, "\(ctx) <leafValues>")
                guard !nv.isEmpty, nv.count % nodeStep == 0 else {
                    throw CascadeError("\(ctx): <internalNodes> holds \(nv.count) numbers, not a positive multiple of \(nodeStep)")
                }
                let nc = nv.count / nodeStep
                guard lv.count == nc + 1 else {
                    throw CascadeError("\(ctx): \(nc) node(s) need \(nc + 1) leaf values, found \(lv.count)")
                }
                maxNodesPerTree = max(maxNodesPerTree, nc); minNodesPerTree = min(minNodesPerTree, nc)
                weakNode.append(Int32(nodeFeature.count))
                weakLeaf.append(Int32(leaves.count))
                guard nodeFeature.count + nc <= 10_000_000 else { throw CascadeError("too many nodes") }
                for k in 0..<nc {
                    let b = k * nodeStep
                    let left = try toInt(nv[b], ctx), right = try toInt(nv[b + 1], ctx), fidx = try toInt(nv[b + 2], ctx)
                    guard fidx >= 0 && fidx < featureCount else {
                        throw CascadeError("\(ctx) node \(k): feature index \(fidx) out of range (\(featureCount) features)")
                    }
                    // children: a later node of the same tree (> 0) or a leaf (≤ 0, leaf index = −value)
                    for child in [left, right] {
                        if child > 0 {
                            guard k + 1 < nc else {
                                throw CascadeError("\(ctx) node \(k): child node \(child) is invalid, node \(k) is the last node of its \(nc)-node tree (only leaves, ≤ 0, allowed)")
                            }
                            guard child > k && child < nc else {
                                throw CascadeError("\(ctx) node \(k): child node \(child) out of range (must be a later node, \(k + 1)…\(nc - 1))")
                            }
                        } else {
                            guard -child <= nc else {
                                throw CascadeError("\(ctx) node \(k): leaf index \(-child) out of range (tree has \(nc + 1) leaves, 0…\(nc))")
                            }
                        }
                    }
                    nodeLeft.append(Int32(left)); nodeRight.append(Int32(right)); nodeFeature.append(Int32(fidx))
                    if subsetSize > 0 {
                        for j in 0..<subsetSize { subsets.append(Int32(try toInt(nv[b + 3 + j], ctx))) }
                        nodeThreshold.append(0)
                    } else {
                        nodeThreshold.append(Float(nv[b + 3]))
                    }
                }
                for v in lv { leaves.append(Double(Float(v))) }
            }
        }
        stageCount = stageNodes.count
        weakCount = weakNode.count
        nodeCount = nodeFeature.count
        stumps = maxNodesPerTree == 1
        twoNodeTrees = minNodesPerTree == 2 && maxNodesPerTree == 2

        // pack
        var i = [Int32]()
        oStageFirst = i.count; i += stageFirst
        oStageWeaks = i.count; i += stageWeaks
        oNodeFeature = i.count; i += nodeFeature
        oNodeLeft = i.count; i += nodeLeft
        oNodeRight = i.count; i += nodeRight
        oWeakNode = i.count; i += weakNode
        oWeakLeaf = i.count; i += weakLeaf
        oSubsets = i.count; i += subsets
        i32 = i
        var d = [Double]()
        oStageThreshold = d.count; d += stageThreshold
        oLeaves = d.count; d += leaves
        f64 = d
        var f = [Float]()
        oNodeThreshold = f.count; f += nodeThreshold
        oWeights = f.count
        if featureType == .haar { for fi in nodeFeature { f += weights[(3 * Int(fi))..<(3 * Int(fi) + 3)] } }
        f32 = f
    }

    // MARK: detection

    /// Same boxes as OpenCV's `CascadeClassifier::detectMultiScale(gray, scaleFactor, minNeighbors, 0,
    /// Size(minSize, minSize), Size(maxSize, maxSize))`, in OpenCV's output order (single-threaded OpenCV;
    /// with several threads OpenCV finds the same boxes but may list them in another order).
    /// `maxSize` nil or 0 means no upper limit. Returns [] for an empty image, one smaller than the
    /// window, or a scale factor that is not a finite number > 1 (where OpenCV would assert).
    public func detect(_ image: GrayImage, scaleFactor: Double = 1.1, minNeighbors: Int = 3,
                       minSize: Int = 60, maxSize: Int? = nil) -> [PixelRect] {
        let candidates = detectCandidates(image, scaleFactor: scaleFactor, minSize: minSize, maxSize: maxSize)
        let grouped = groupRectangles(candidates, groupThreshold: minNeighbors, eps: 0.2)
        // clipObjects: intersect with the image, drop empty results
        var out: [PixelRect] = []
        out.reserveCapacity(grouped.count)
        for r in grouped {
            let x0 = max(r.x, 0), y0 = max(r.y, 0)
            let x1 = min(r.x + r.width, image.width), y1 = min(r.y + r.height, image.height)
            if r.width > 0 && r.height > 0 && x1 > x0 && y1 > y0 {
                out.append(PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
            }
        }
        return out
    }

    /// Pointers into the packed model, valid inside `withModel`.
    struct Model {
        let stageFirst: UnsafePointer<Int32>, stageWeaks: UnsafePointer<Int32>, stageThreshold: UnsafePointer<Double>
        let nodeLeft: UnsafePointer<Int32>, nodeRight: UnsafePointer<Int32>
        let nodeThreshold: UnsafePointer<Float>, weights: UnsafePointer<Float>
        let weakNode: UnsafePointer<Int32>, weakLeaf: UnsafePointer<Int32>
        let subsets: UnsafePointer<Int32>, leaves: UnsafePointer<Double>
        let stageCount: Int
    }

    private func withModel<R>(_ body: (Model) -> R) -> R {
        i32.withUnsafeBufferPointer { ib in
            f64.withUnsafeBufferPointer { db in
                f32.withUnsafeBufferPointer { fb in
                    // never empty: a valid cascade has ≥ 1 stage, node and leaf
                    let ip = ib.baseAddress!, dp = db.baseAddress!, fp = fb.baseAddress!
                    let m = Model(stageFirst: ip + oStageFirst, stageWeaks: ip + oStageWeaks, stageThreshold: dp + oStageThreshold,
                                  nodeLeft: ip + oNodeLeft, nodeRight: ip + oNodeRight,
                                  nodeThreshold: fp + oNodeThreshold, weights: fp + oWeights,
                                  weakNode: ip + oWeakNode, weakLeaf: ip + oWeakLeaf,
                                  subsets: ip + oSubsets, leaves: dp + oLeaves, stageCount: stageCount)
                    return body(m)
                }
            }
        }
    }

    /// The raw candidate windows of detectMultiScaleNoGrouping, in OpenCV's single-thread order.
    func detectCandidates(_ image: GrayImage, scaleFactor: Double, minSize: Int, maxSize: Int?) -> [PixelRect] {
        let W = image.width, H = image.height
        guard W > 0, H > 0, scaleFactor.isFinite, scaleFactor > 1 else { return [] }
        var maxW = W, maxH = H
        if let m = maxSize, m != 0 { maxW = m; maxH = m }

        // the scale list: factors in double, stored as float
        var scales: [Float] = []
        var factor = 1.0
        for _ in 0..<100_000 {
            let fw = Double(windowWidth) * factor, fh = Double(windowHeight) * factor
            if !(fw <= Double(W) + 1 && fh <= Double(H) + 1) { break }   // cvRound would exceed the image
            let ww = cvRound(fw), wh = cvRound(fh)
            if ww > maxW || wh > maxH || ww > W || wh > H { break }
            if !(ww < minSize || wh < minSize) { scales.append(Float(factor)) }
            factor *= scaleFactor
        }
        if scales.isEmpty { return [] }

        // FeatureEvaluator::updateScaleData
        var levels: [Level] = []
        for sc in scales {
            let w = cvRound(Float(W) / sc), h = cvRound(Float(H) / sc)
            levels.append(Level(scale: sc, w: w, h: h, ystep: sc >= 2 ? 1 : 2,
                                workW: max(w + 1 - windowWidth, 0), workH: max(h + 1 - windowHeight, 0)))
        }
        // parallel_for_ stripes: with one thread the body runs once over all stripes, but each level's rows
        // stop at nstripes * stripeSize
        let nstripes = Int((Double(levels[0].workW) / 32.0).rounded(.up))
        if nstripes <= 0 { return [] }

        var maxPlane = 0, maxPixels = 0
        for l in levels where l.w > 0 && l.h > 0 {
            maxPlane = max(maxPlane, (l.w + 1) * (l.h + 1)); maxPixels = max(maxPixels, l.w * l.h)
        }
        let planes = hasTilted ? 2 : 1
        // feature offsets are 32-bit, as in OpenCV
        guard maxPlane * planes < Int(Int32.max) else { return [] }
        var resized = [UInt8](repeating: 0, count: maxPixels)
        var sum = [Int32](repeating: 0, count: maxPlane * planes)
        var sqsum = [Int32](repeating: 0, count: featureType == .haar ? maxPlane : 0)
        let perFeature = featureType == .lbp ? 16 : 12
        var fofs = [Int32](repeating: 0, count: nodeCount * perFeature)
        var out: [PixelRect] = []

        withModel { m in
            image.pixels.withUnsafeBufferPointer { src in
                for l in levels {
                    guard l.w > 0 && l.h > 0 && l.workW > 0 else { continue }
                    let stripeSize = max((l.workH / l.ystep + nstripes - 1) / nstripes, 1) * l.ystep
                    let y1 = min(nstripes * stripeSize, l.workH)
                    if y1 <= 0 { continue }
                    let stride = l.w + 1
                    let plane = stride * (l.h + 1)
                    resized.withUnsafeMutableBufferPointer { rb in
                        resizeLinearExactInto(src, W, H, rb, l.w, l.h)
                    }
                    let winW = cvRound(Float(windowWidth) * l.scale), winH = cvRound(Float(windowHeight) * l.scale)
                    setFeatureOffsets(&fofs, stride: stride, tiltedOffset: plane)
                    resized.withUnsafeBufferPointer { rb in
                        sum.withUnsafeMutableBufferPointer { sb in
                            sqsum.withUnsafeMutableBufferPointer { qb in
                                fofs.withUnsafeBufferPointer { fb in
                                    let s = sb.baseAddress!, f = fb.baseAddress!
                                    switch featureType {
                                    case .lbp:
                                        integral(rb.baseAddress!, l.w, l.h, s, nil)
                                        scanLBP(m, s, stride, f, l, y1, winW, winH, &out)
                                    case .haar:
                                        let q = qb.baseAddress!
                                        integral(rb.baseAddress!, l.w, l.h, s, q)
                                        if hasTilted { tiltedIntegral(rb.baseAddress!, l.w, l.h, s + plane) }
                                        scanHaar(m, s, q, stride, f, l, y1, winW, winH, &out)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// OptFeature::setOffsets at this level's integral-image stride, laid out per tree node (node order)
    /// so that the scan needs no feature-index indirection.
    private func setFeatureOffsets(_ nofs: inout [Int32], stride: Int, tiltedOffset: Int) {
        let per = featureType == .lbp ? 16 : 12
        var fofs = [Int32](repeating: 0, count: featureCount * per)
        fofs.withUnsafeMutableBufferPointer { o in
            featureRects.withUnsafeBufferPointer { r in
                switch featureType {
                case .lbp:
                    for fi in 0..<featureCount {
                        let x = Int(r[4 * fi]), y = Int(r[4 * fi + 1]), w = Int(r[4 * fi + 2]), h = Int(r[4 * fi + 3])
                        for gy in 0..<4 { for gx in 0..<4 {
                            o[16 * fi + 4 * gy + gx] = Int32(truncatingIfNeeded: (x + gx * w) + stride * (y + gy * h))
                        } }
                    }
                case .haar:
                    for fi in 0..<featureCount {
                        let t = featureTilted[fi]
                        for ri in 0..<3 {
                            let b = 12 * fi + 4 * ri
                            let x = Int(r[b]), y = Int(r[b + 1]), w = Int(r[b + 2]), h = Int(r[b + 3])
                            let v: (Int, Int, Int, Int)
                            if t {
                                v = (tiltedOffset + x + stride * y, tiltedOffset + x - h + stride * (y + h),
                                     tiltedOffset + x + w + stride * (y + w), tiltedOffset + x + w - h + stride * (y + w + h))
                            } else {
                                v = (x + stride * y, x + w + stride * y, x + stride * (y + h), x + w + stride * (y + h))
                            }
                            o[b] = Int32(truncatingIfNeeded: v.0); o[b + 1] = Int32(truncatingIfNeeded: v.1)
                            o[b + 2] = Int32(truncatingIfNeeded: v.2); o[b + 3] = Int32(truncatingIfNeeded: v.3)
                        }
                    }
                }
            }
        }
        nofs.withUnsafeMutableBufferPointer { n in
            fofs.withUnsafeBufferPointer { o in
                i32.withUnsafeBufferPointer { m in
                    for node in 0..<nodeCount {
                        let fi = Int(m[oNodeFeature + node])
                        for k in 0..<per { n[per * node + k] = o[per * fi + k] }
                    }
                }
            }
        }
    }

    // MARK: LBP

    @inline(__always)
    private static func lbpCode(_ p: UnsafePointer<Int32>, _ o: UnsafePointer<Int32>) -> Int {
        let v0 = p[Int(o[0])], v1 = p[Int(o[1])], v2 = p[Int(o[2])], v3 = p[Int(o[3])]
        let v4 = p[Int(o[4])], v5 = p[Int(o[5])], v6 = p[Int(o[6])], v7 = p[Int(o[7])]
        let v8 = p[Int(o[8])], v9 = p[Int(o[9])], v10 = p[Int(o[10])], v11 = p[Int(o[11])]
        let v12 = p[Int(o[12])], v13 = p[Int(o[13])], v14 = p[Int(o[14])], v15 = p[Int(o[15])]
        let c = v5 &- v6 &- v9 &+ v10
        var code = 0
        if v0 &- v1 &- v4 &+ v5 >= c { code |= 128 }
        if v1 &- v2 &- v5 &+ v6 >= c { code |= 64 }
        if v2 &- v3 &- v6 &+ v7 >= c { code |= 32 }
        if v6 &- v7 &- v10 &+ v11 >= c { code |= 16 }
        if v10 &- v11 &- v14 &+ v15 >= c { code |= 8 }
        if v9 &- v10 &- v13 &+ v14 >= c { code |= 4 }
        if v8 &- v9 &- v12 &+ v13 >= c { code |= 2 }
        if v4 &- v5 &- v8 &+ v9 >= c { code |= 1 }
        return code
    }

    /// predictCategoricalStump / predictCategorical: 1 = accepted, −stage = rejected at that stage.
    @inline(__always)
    private func runLBP(_ m: Model, _ p: UnsafePointer<Int32>, _ f: UnsafePointer<Int32>) -> Int {
        if stumps {
            var wi = 0
            for si in 0..<m.stageCount {
                let n = Int(m.stageWeaks[si])
                var tmp = 0.0
                for _ in 0..<n {
                    let c = CascadeClassifier.lbpCode(p, f + 16 &* wi)
                    let word = UInt32(bitPattern: m.subsets[8 &* wi &+ (c >> 5)])
                    tmp += (word >> UInt32(c & 31)) & 1 != 0 ? m.leaves[2 &* wi] : m.leaves[2 &* wi &+ 1]
                    wi &+= 1
                }
                if tmp < m.stageThreshold[si] { return -si }
            }
            return 1
        }
        for si in 0..<m.stageCount {
            let first = Int(m.stageFirst[si]), n = Int(m.stageWeaks[si])
            var sum = 0.0
            for wi in first..<(first + n) {
                let root = Int(m.weakNode[wi])
                var idx = 0
                repeat {
                    let node = root &+ idx
                    let c = CascadeClassifier.lbpCode(p, f + 16 &* node)
                    let word = UInt32(bitPattern: m.subsets[8 &* node &+ (c >> 5)])
                    idx = Int((word >> UInt32(c & 31)) & 1 != 0 ? m.nodeLeft[node] : m.nodeRight[node])
                } while idx > 0
                sum += m.leaves[Int(m.weakLeaf[wi]) &- idx]
            }
            if sum < m.stageThreshold[si] { return -si }
        }
        return 1
    }

    private func scanLBP(_ m: Model, _ s: UnsafeMutablePointer<Int32>, _ stride: Int, _ f: UnsafePointer<Int32>,
                         _ l: Level, _ y1: Int, _ winW: Int, _ winH: Int, _ out: inout [PixelRect]) {
        let step = l.ystep, sc = l.scale
        var y = 0
        while y < y1 {
            var x = 0
            while x < l.workW {
                let r = runLBP(m, UnsafePointer(s + (y * stride + x)), f)
                if r > 0 {
                    out.append(PixelRect(x: cvRound(Float(x) * sc), y: cvRound(Float(y) * sc), width: winW, height: winH))
                }
                if r == 0 { x += step }
                x += step
            }
            y += step
        }
    }

    // MARK: Haar

    @inline(__always)
    private static func rectSum(_ p: UnsafePointer<Int32>, _ o: UnsafePointer<Int32>) -> Int32 {
        p[Int(o[0])] &- p[Int(o[1])] &- p[Int(o[2])] &+ p[Int(o[3])]
    }

    /// HaarEvaluator::OptFeature::calc (float arithmetic as in OpenCV).
    @inline(__always)
    private static func haarFeature(_ p: UnsafePointer<Int32>, _ o: UnsafePointer<Int32>, _ w: UnsafePointer<Float>) -> Float {
        var r = w[0] * Float(rectSum(p, o)) + w[1] * Float(rectSum(p, o + 4))
        if w[2] != 0 { r += w[2] * Float(rectSum(p, o + 8)) }
        return r
    }

    /// setWindow (variance normalisation) + predictOrderedStump / predictOrdered.
    @inline(__always)
    private func runHaar(_ m: Model, _ p: UnsafePointer<Int32>, _ q: UnsafePointer<Int32>, _ f: UnsafePointer<Int32>,
                         _ n0: Int, _ n1: Int, _ n2: Int, _ n3: Int, _ area: Double) -> Int {
        let valsum = p[n0] &- p[n1] &- p[n2] &+ p[n3]
        let valsqsum = UInt32(bitPattern: q[n0] &- q[n1] &- q[n2] &+ q[n3])
        var nf = area * Double(valsqsum) - Double(valsum) * Double(valsum)
        guard nf > 0 else { return -1 }
        nf = nf.squareRoot()
        let vnf = Float(1.0 / nf)
        guard area * Double(vnf) < 1e-1 else { return -1 }

        if stumps {
            var wi = 0
            for si in 0..<m.stageCount {
                let n = Int(m.stageWeaks[si])
                var tmp = 0.0
                for _ in 0..<n {
                    let v = CascadeClassifier.haarFeature(p, f + 12 &* wi, m.weights + 3 &* wi) * vnf
                    tmp += v < m.nodeThreshold[wi] ? m.leaves[2 &* wi] : m.leaves[2 &* wi &+ 1]
                    wi &+= 1
                }
                if tmp < m.stageThreshold[si] { return -si }
            }
            return 1
        }
        if twoNodeTrees {
            // both nodes are evaluated and the path selected afterwards: same result as predictOrdered's
            // walk (features have no side effects), without its unpredictable branch
            for si in 0..<m.stageCount {
                let first = Int(m.stageFirst[si]), n = Int(m.stageWeaks[si])
                var sum = 0.0
                for wi in first..<(first + n) {
                    let r0 = Int(m.weakNode[wi]), r1 = r0 &+ 1
                    let v0 = CascadeClassifier.haarFeature(p, f + 12 &* r0, m.weights + 3 &* r0) * vnf
                    let v1 = CascadeClassifier.haarFeature(p, f + 12 &* r1, m.weights + 3 &* r1) * vnf
                    let a = v0 < m.nodeThreshold[r0] ? m.nodeLeft[r0] : m.nodeRight[r0]
                    let b = v1 < m.nodeThreshold[r1] ? m.nodeLeft[r1] : m.nodeRight[r1]
                    let idx = Int(a > 0 ? b : a)   // validated: a > 0 means node 1, whose children are leaves
                    sum += m.leaves[Int(m.weakLeaf[wi]) &- idx]
                }
                if sum < m.stageThreshold[si] { return -si }
            }
            return 1
        }
        for si in 0..<m.stageCount {
            let first = Int(m.stageFirst[si]), n = Int(m.stageWeaks[si])
            var sum = 0.0
            for wi in first..<(first + n) {
                let root = Int(m.weakNode[wi])
                var idx = 0
                repeat {
                    let node = root &+ idx
                    let v = CascadeClassifier.haarFeature(p, f + 12 &* node, m.weights + 3 &* node) * vnf
                    idx = Int(v < m.nodeThreshold[node] ? m.nodeLeft[node] : m.nodeRight[node])
                } while idx > 0
                sum += m.leaves[Int(m.weakLeaf[wi]) &- idx]
            }
            if sum < m.stageThreshold[si] { return -si }
        }
        return 1
    }

    private func scanHaar(_ m: Model, _ s: UnsafeMutablePointer<Int32>, _ q: UnsafeMutablePointer<Int32>, _ stride: Int,
                          _ f: UnsafePointer<Int32>, _ l: Level, _ y1: Int, _ winW: Int, _ winH: Int,
                          _ out: inout [PixelRect]) {
        // normrect = (1, 1, w − 2, h − 2)
        let nx = 1, ny = 1, nw = windowWidth - 2, nh = windowHeight - 2
        let n0 = nx + stride * ny, n1 = nx + nw + stride * ny
        let n2 = nx + stride * (ny + nh), n3 = nx + nw + stride * (ny + nh)
        let area = Double(nw * nh)
        let step = l.ystep, sc = l.scale
        var y = 0
        while y < y1 {
            var x = 0
            while x < l.workW {
                let o = y * stride + x
                let r = runHaar(m, UnsafePointer(s + o), UnsafePointer(q + o), f, n0, n1, n2, n3, area)
                if r > 0 {
                    out.append(PixelRect(x: cvRound(Float(x) * sc), y: cvRound(Float(y) * sc), width: winW, height: winH))
                }
                if r == 0 { x += step }
                x += step
            }
            y += step
        }
    }
}

/// One pyramid level: scale, resized size, window step and working (scan) size.
private struct Level { var scale: Float; var w: Int; var h: Int; var ystep: Int; var workW: Int; var workH: Int }

// MARK: - integral images

/// cv::integral(img, sum, sqsum, CV_32S, CV_32S): (w+1)×(h+1) planes with a zero first row and column,
/// 32-bit wrap-around arithmetic as in OpenCV.
private func integral(_ src: UnsafePointer<UInt8>, _ w: Int, _ h: Int,
                      _ sum: UnsafeMutablePointer<Int32>, _ sqsum: UnsafeMutablePointer<Int32>?) {
    let stride = w + 1
    for x in 0...w { sum[x] = 0 }
    if let q = sqsum { for x in 0...w { q[x] = 0 } }
    for y in 0..<h {
        let row = src + y * w
        let prev = sum + y * stride, cur = prev + stride
        cur[0] = 0
        var s: Int32 = 0
        if let q = sqsum {
            let qprev = q + y * stride, qcur = qprev + stride
            qcur[0] = 0
            var sq: Int32 = 0
            for x in 0..<w {
                let v = Int32(row[x])
                s &+= v
                sq &+= v &* v
                cur[x + 1] = prev[x + 1] &+ s
                qcur[x + 1] = qprev[x + 1] &+ sq
            }
        } else {
            for x in 0..<w {
                s &+= Int32(row[x])
                cur[x + 1] = prev[x + 1] &+ s
            }
        }
    }
}

/// The tilted (45°) integral of cv::integral, a literal port of OpenCV's integral_ for one channel.
private func tiltedIntegral(_ src: UnsafePointer<UInt8>, _ width: Int, _ height: Int, _ tiltedBase: UnsafeMutablePointer<Int32>) {
    let ts = width + 1
    for x in 0...width { tiltedBase[x] = 0 }
    guard height > 0 && width > 0 else { return }
    let buf = UnsafeMutablePointer<Int32>.allocate(capacity: width + 1)
    defer { buf.deallocate() }
    buf.initialize(repeating: 0, count: width + 1)
    var t = tiltedBase + ts + 1   // row 1, column 1
    var s = src
    t[-1] = 0
    for x in 0..<width {
        let it = Int32(s[x])
        buf[x] = it; t[x] = it
    }
    if width == 1 { buf[1] = 0 }
    for _ in 1..<height {
        s += width
        t += ts
        var it = Int32(s[0])
        var t0 = it
        t[-1] = t[-ts]
        t[0] = t[-ts] &+ t0 &+ buf[1]
        var x = 1
        while x < width - 1 {
            var t1 = buf[x]
            buf[x - 1] = t1 &+ t0
            it = Int32(s[x]); t0 = it
            t1 = t1 &+ buf[x + 1] &+ t0 &+ t[x - ts - 1]
            t[x] = t1
            x += 1
        }
        if width > 1 {
            let t1 = buf[x]
            buf[x - 1] = t1 &+ t0
            it = Int32(s[x]); t0 = it
            t[x] = t0 &+ t1 &+ t[x - ts - 1]
            buf[x] = t0
        }
    }
}

// MARK: - resize

/// cv::resize(src, dst, Size(width, height), 0, 0, INTER_LINEAR_EXACT) for 8-bit grey images, to the bit.
/// An empty source gives a black image; a size ≤ 0 gives an empty image.
public func resizeLinearExact(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
    guard width > 0 && height > 0 else { return GrayImage(width: 0, height: 0, pixels: []) }
    var out = [UInt8](repeating: 0, count: width * height)
    if image.width > 0 && image.height > 0 {
        image.pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                resizeLinearExactInto(s, image.width, image.height, d, width, height)
            }
        }
    }
    return GrayImage(width: width, height: height, pixels: out)
}

/// Per destination coordinate: source index of the first tap, index of the second (clamped) and the
/// 8-bit fixed-point weights, as interpolationLinear::getCoeffs (softdouble = IEEE double, cvRound).
private func linearTaps(_ srcSize: Int, _ dstSize: Int) -> (i0: [Int], i1: [Int], c0: [UInt32], c1: [UInt32]) {
    var i0 = [Int](repeating: 0, count: dstSize), i1 = i0
    var c0 = [UInt32](repeating: 256, count: dstSize), c1 = [UInt32](repeating: 0, count: dstSize)
    let scale = 1.0 / (Double(dstSize) / Double(srcSize))
    for d in 0..<dstSize {
        let f = scale * (Double(d) + 0.5) - 0.5
        let i = Int(f.rounded(.down))
        if i >= 0 && srcSize > 1 {
            if i < srcSize - 1 {
                let w1 = UInt32(((f - Double(i)) * 256.0).rounded(.toNearestOrEven))
                i0[d] = i; i1[d] = i + 1; c1[d] = w1; c0[d] = 256 - w1
            } else {
                i0[d] = srcSize - 1; i1[d] = srcSize - 1
            }
        }
    }
    return (i0, i1, c0, c1)
}

private func resizeLinearExactInto(_ src: UnsafeBufferPointer<UInt8>, _ sw: Int, _ sh: Int,
                           _ dst: UnsafeMutableBufferPointer<UInt8>, _ dw: Int, _ dh: Int) {
    guard sw > 0, sh > 0, dw > 0, dh > 0, src.count >= sw * sh, dst.count >= dw * dh else { return }
    let s = src.baseAddress!, d = dst.baseAddress!
    if sw == dw && sh == dh {
        d.update(from: s, count: sw * sh)
        return
    }
    let xt = linearTaps(sw, dw), yt = linearTaps(sh, dh)
    // two horizontally interpolated rows (value × 256), cached by source row
    var rowA = [UInt32](repeating: 0, count: dw), rowB = rowA
    var rowAIndex = -1, rowBIndex = -1
    xt.i0.withUnsafeBufferPointer { xi0 in xt.i1.withUnsafeBufferPointer { xi1 in
    xt.c0.withUnsafeBufferPointer { xc0 in xt.c1.withUnsafeBufferPointer { xc1 in
        func hline(_ sy: Int, _ out: UnsafeMutablePointer<UInt32>) {
            let row = s + sy * sw
            for x in 0..<dw {
                out[x] = UInt32(row[xi0[x]]) &* xc0[x] &+ UInt32(row[xi1[x]]) &* xc1[x]
            }
        }
        rowA.withUnsafeMutableBufferPointer { ra in rowB.withUnsafeMutableBufferPointer { rb in
            var a = ra.baseAddress!, b = rb.baseAddress!
            for y in 0..<dh {
                let sy0 = yt.i0[y], sy1 = yt.i1[y]
                let cy0 = yt.c0[y], cy1 = yt.c1[y]
                // make a hold row sy0 and b hold row sy1
                if rowAIndex != sy0 {
                    if rowBIndex == sy0 { swap(&a, &b); swap(&rowAIndex, &rowBIndex) } else { hline(sy0, a); rowAIndex = sy0 }
                }
                if rowBIndex != sy1 {
                    if sy1 == sy0 { b.update(from: a, count: dw) } else { hline(sy1, b) }
                    rowBIndex = sy1
                }
                let o = d + y * dw
                for x in 0..<dw {
                    let v = a[x] &* cy0 &+ b[x] &* cy1
                    o[x] = UInt8(truncatingIfNeeded: (v &+ 32768) >> 16)
                }
            }
        } }
    } }
    } }
}

// MARK: - grouping

/// cv::groupRectangles(rectList, groupThreshold, eps): clusters similar rectangles (cv::partition with
/// SimilarRects), averages each cluster, keeps clusters with more than `groupThreshold` members and drops
/// small clusters inside big ones. With groupThreshold ≤ 0 the list is returned unchanged.
public func groupRectangles(_ rects: [PixelRect], groupThreshold: Int, eps: Double) -> [PixelRect] {
    if groupThreshold <= 0 || rects.isEmpty { return rects }
    let n = rects.count
    // cv::partition: union-find; labels numbered in order of first appearance
    var parent = [Int](repeating: -1, count: n)
    var rank = [Int](repeating: 0, count: n)
    func findRoot(_ i: Int) -> Int {
        var r = i
        while parent[r] >= 0 { r = parent[r] }
        var k = i
        while parent[k] >= 0 { let p = parent[k]; parent[k] = r; k = p }
        return r
    }
    func similar(_ a: PixelRect, _ b: PixelRect) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta &&
            Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }
    for i in 0..<n {
        for j in 0..<n where j != i && similar(rects[i], rects[j]) {
            let r1 = findRoot(i), r2 = findRoot(j)
            if r1 != r2 {
                if rank[r1] > rank[r2] { parent[r2] = r1 } else {
                    parent[r1] = r2
                    if rank[r1] == rank[r2] { rank[r2] += 1 }
                }
            }
        }
    }
    var labelOfRoot = [Int](repeating: -1, count: n)
    var labels = [Int](repeating: 0, count: n)
    var nclasses = 0
    for i in 0..<n {
        let r = findRoot(i)
        if labelOfRoot[r] < 0 { labelOfRoot[r] = nclasses; nclasses += 1 }
        labels[i] = labelOfRoot[r]
    }

    var sx = [Int](repeating: 0, count: nclasses), sy = sx, sw = sx, sh = sx, weight = sx
    for i in 0..<n {
        let c = labels[i]
        sx[c] += rects[i].x; sy[c] += rects[i].y; sw[c] += rects[i].width; sh[c] += rects[i].height
        weight[c] += 1
    }
    // average with a float reciprocal and saturate_cast<int>(float) = cvRound
    var avg: [PixelRect] = []
    avg.reserveCapacity(nclasses)
    for c in 0..<nclasses {
        let s = Float(1) / Float(weight[c])
        avg.append(PixelRect(x: cvRound(Float(sx[c]) * s), y: cvRound(Float(sy[c]) * s),
                             width: cvRound(Float(sw[c]) * s), height: cvRound(Float(sh[c]) * s)))
    }
    var out: [PixelRect] = []
    for i in 0..<nclasses {
        let r1 = avg[i], n1 = weight[i]
        if n1 <= groupThreshold { continue }
        var keep = true
        for j in 0..<nclasses {
            let n2 = weight[j]
            if j == i || n2 <= groupThreshold { continue }
            let r2 = avg[j]
            let dx = cvRound(Double(r2.width) * eps), dy = cvRound(Double(r2.height) * eps)
            if r1.x >= r2.x - dx && r1.y >= r2.y - dy &&
                r1.x + r1.width <= r2.x + r2.width + dx && r1.y + r1.height <= r2.y + r2.height + dy &&
                (n2 > max(3, n1) || n1 < 3) {
                keep = false
                break
            }
        }
        if keep { out.append(r1) }
    }
    return out
}

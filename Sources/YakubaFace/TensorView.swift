/// A tensor in HWC order (NHWC, batch 1) inside a buffer with a zero border ring of `border` pixels, so a convolution
/// with that padding reads its neighbours without bounds checks. Shared by the ResNet (FaceNet) and mini-Xception
/// (SmileModel) forward passes.
struct TensorView {
    let p: UnsafeMutablePointer<Float>
    let h: Int, w: Int, c: Int, border: Int

    init(_ p: UnsafeMutablePointer<Float>, h: Int, w: Int, c: Int, border: Int) {
        self.p = p; self.h = h; self.w = w; self.c = c; self.border = border
    }

    var rowStride: Int { (w + 2 * border) * c }

    @inline(__always) func at(_ y: Int, _ x: Int) -> UnsafeMutablePointer<Float> {
        p + ((y + border) * (w + 2 * border) + x + border) * c
    }

    /// Zeroes the border ring (the buffer may hold an earlier, differently shaped tensor).
    func clearBorder() {
        guard border > 0 else { return }
        let rs = rowStride
        p.update(repeating: 0, count: border * rs)
        (p + (h + border) * rs).update(repeating: 0, count: border * rs)
        for y in border..<(h + border) {
            (p + y * rs).update(repeating: 0, count: border * c)
            (p + y * rs + (w + border) * c).update(repeating: 0, count: border * c)
        }
    }
}

// unaligned SIMD loads and stores, and ReLU
@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load8(UnsafePointer(p)) }
@inline(__always) func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }
@inline(__always) func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
@inline(__always) func relu8(_ v: SIMD8<Float>) -> SIMD8<Float> { v.replacing(with: 0, where: v .< 0) }
@inline(__always) func relu16(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: v .< 0) }

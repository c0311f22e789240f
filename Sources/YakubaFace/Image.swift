// The face pipeline's images: plain 8-bit pixel arrays, rows top to bottom, no padding.
// Pure Swift: no Foundation, so the pipeline runs the same in the server, the command line and the tests.

/// A grey image, one byte per pixel.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height, "pixel count does not match the size")
        self.width = width; self.height = height; self.pixels = pixels
    }

    @inlinable public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }
}

/// A colour image, three bytes per pixel in the order R, G, B.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "pixel count does not match the size")
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// The grey image OpenCV 4's `cvtColor(…, COLOR_RGB2GRAY)` makes, to the bit: Y = (9798 R + 19235 G + 3735 B + 2¹⁴) >> 15
    /// (its 8-bit path; the older 14-bit weights 4899, 9617, 1868 differ on about one pixel in 50,000).
    public func gray() -> GrayImage {
        var out = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<(width * height) {
                    let r = Int32(p[3 * i]), g = Int32(p[3 * i + 1]), b = Int32(p[3 * i + 2])
                    o[i] = UInt8(truncatingIfNeeded: (r &* 9798 &+ g &* 19235 &+ b &* 3735 &+ 16384) >> 15)
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }
}

/// A rectangle in pixels: `x`, `y` its top-left corner, `width` × `height` its size.
public struct PixelRect: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
    public var description: String { "\(x),\(y) \(width)×\(height)" }
}

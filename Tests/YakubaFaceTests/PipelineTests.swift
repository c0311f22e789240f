import Foundation
import Testing
@testable import YakubaFace
import YakubaImageIO

/// The parts of the pipeline that need no model file: decoding and its refusals, geometry, the pyramid.
struct DecoderTests {
    /// A 2×2 PNG made here (red, green / blue, white), with and without alpha, 8 and 16 bits, palette and grey.
    static func png(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, rows: [[UInt8]], palette: [UInt8]? = nil) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(data.count) + body + be32(Int(crc32(body)))
        }
        var raw: [UInt8] = []
        for r in rows { raw.append(0); raw += r }
        // a stored (uncompressed) deflate block inside a zlib stream
        var z: [UInt8] = [0x78, 0x01, 0x01, UInt8(raw.count & 255), UInt8(raw.count >> 8), UInt8(~raw.count & 255), UInt8((~raw.count >> 8) & 255)]
        z += raw
        var a: UInt32 = 1, b: UInt32 = 0
        for x in raw { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        z += be32(Int(b << 16 | a))
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be32(width) + be32(height) + [bitDepth, colorType, 0, 0, 0])
        if let palette { out += chunk("PLTE", palette) }
        out += chunk("IDAT", z) + chunk("IEND", [])
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for x in bytes {
            c ^= UInt32(x)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    @Test("PNG of every common kind decodes to the same RGB: alpha dropped, 16 bits cut to 8, palette and grey expanded")
    func pngKinds() throws {
        let rgb = try ImageDecoder.decode(Self.png(width: 2, height: 2, colorType: 2, bitDepth: 8, rows: [[255, 0, 0, 0, 255, 0], [0, 0, 255, 255, 255, 255]]))
        #expect(rgb == RGBImage(width: 2, height: 2, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]))
        let rgba = try ImageDecoder.decode(Self.png(width: 2, height: 2, colorType: 6, bitDepth: 8, rows: [[255, 0, 0, 7, 0, 255, 0, 255], [0, 0, 255, 0, 255, 255, 255, 128]]))
        #expect(rgba == rgb)
        let sixteen = try ImageDecoder.decode(Self.png(width: 2, height: 2, colorType: 2, bitDepth: 16,
                                                       rows: [[255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0], [0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]]))
        #expect(sixteen == rgb)
        let palette = try ImageDecoder.decode(Self.png(width: 2, height: 2, colorType: 3, bitDepth: 8, rows: [[0, 1], [2, 3]],
                                                       palette: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]))
        #expect(palette == rgb)
        let grey = try ImageDecoder.decode(Self.png(width: 2, height: 2, colorType: 0, bitDepth: 8, rows: [[0, 128], [200, 255]]))
        #expect(grey.pixels == [0, 0, 0, 128, 128, 128, 200, 200, 200, 255, 255, 255])
    }

    @Test("garbage, truncated, empty and oversized images are refused with a message, never a crash")
    func refusals() throws {
        let good = Self.png(width: 2, height: 2, colorType: 2, bitDepth: 8, rows: [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])
        func message(_ bytes: [UInt8], maxPixels: Int = ImageDecoder.maxPixels) -> String? {
            do { _ = try ImageDecoder.decode(bytes, maxPixels: maxPixels); return nil } catch { return error.description }
        }
        #expect(message([]) == "neither a JPEG nor a PNG image")
        #expect(message(Array("GIF89a".utf8)) == "neither a JPEG nor a PNG image")
        #expect(message([0xFF, 0xD8, 0xFF, 0xE0, 0, 16])?.hasPrefix("JPEG:") == true)
        for cut in [8, 12, 20, 33, 40, good.count - 13, good.count - 1] {
            #expect(message(Array(good.prefix(cut)))?.hasPrefix("PNG:") == true, "cut at \(cut)")
        }
        #expect(message(good, maxPixels: 3) == "PNG: the image has too many pixels")
        let huge = Self.png(width: 100_000, height: 100_000, colorType: 2, bitDepth: 8, rows: [])
        #expect(message(huge) == "PNG: the image has too many pixels")
        // every single-byte change of a small PNG either decodes or is refused
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var b = good
            b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            _ = message(b)
        }
    }
}

struct GeometryTests {
    @Test("the similarity fitted to points moved by a known rotation, scale and shift is that transform (property)")
    func similarityRecoversTransform() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let angle = Double.random(in: -3...3, using: &rng), scale = Double.random(in: 0.2...5, using: &rng)
            let tx = Double.random(in: -500...500, using: &rng), ty = Double.random(in: -500...500, using: &rng)
            let from = (0..<5).map { _ in (Double.random(in: 0...150, using: &rng), Double.random(in: 0...150, using: &rng)) }
            let to = from.map { p in (scale * (cos(angle) * p.0 - sin(angle) * p.1) + tx, scale * (sin(angle) * p.0 + cos(angle) * p.1) + ty) }
            let f = Affine.similarity(from: from, to: to)
            #expect(abs(atan2(f.c, f.a) - atan2(sin(angle), cos(angle))) < 1e-9)
            #expect(abs((f.a * f.a + f.c * f.c).squareRoot() - scale) < 1e-9 * scale)
            #expect(abs(f.tx - tx) < 1e-6 && abs(f.ty - ty) < 1e-6)
            #expect(f.b == -f.c && f.d == f.a)
        }
    }

    @Test("pyramid_down<2> sizes: (n − 3) / 2 each way; 8 px or fewer gives nothing; a flat image stays flat")
    func pyramidSizes() {
        let flat = RGBImage(width: 21, height: 12, pixels: [UInt8](repeating: 200, count: 21 * 12 * 3))
        let down = FaceChip.pyramidDown(flat)
        #expect(down.width == 9 && down.height == 4)
        #expect(down.pixels.allSatisfy { $0 == 200 })
        #expect(FaceChip.pyramidDown(RGBImage(width: 8, height: 100, pixels: [UInt8](repeating: 1, count: 2400))).pixels.isEmpty)
    }

    @Test("a chip from landmarks outside the image is black there, never a crash")
    func chipOutsideImage() {
        let img = RGBImage(width: 40, height: 30, pixels: [UInt8](repeating: 90, count: 40 * 30 * 3))
        let far = [PixelPoint(x: 500, y: 500), PixelPoint(x: 480, y: 500), PixelPoint(x: 420, y: 500), PixelPoint(x: 440, y: 500), PixelPoint(x: 460, y: 540)]
        let chip = FaceChip.extract(img, FaceChip.details(landmarks: far))
        #expect(chip.width == 150 && chip.height == 150 && chip.pixels.allSatisfy { $0 == 0 })
        let same = [PixelPoint](repeating: PixelPoint(x: 5, y: 5), count: 5)
        _ = FaceChip.extract(img, FaceChip.details(landmarks: same))
    }

    @Test("dlib's rounding ⌊v + 0.5⌋ to whole pixels, held in range for absurd values instead of trapping")
    func wholePixels() {
        #expect(Affine.whole(2.5) == 3 && Affine.whole(-2.5) == -2 && Affine.whole(2.49) == 2)
        #expect(Affine.whole(1e300) == 1 << 30 && Affine.whole(-.infinity) == -(1 << 30) && Affine.whole(.nan) == 0)
    }

    @Test("the cascade box becomes dlib's rectangle: x + 0.042w, y + 0.107w, 0.95w, right and bottom inclusive")
    func cascadeBoxToDlibRect() {
        let r = DlibRect(cascadeBox: PixelRect(x: 344, y: 95, width: 296, height: 296))
        #expect(r == DlibRect(left: 356, top: 127, right: 636, bottom: 407))
    }
}

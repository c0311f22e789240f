import CYakubaImage
import YakubaFace

/// Decodes JPEG and PNG files into the face pipeline's RGB images, by Debian's libjpeg-turbo and libpng: the same
/// pixels as OpenCV's `imread` and `djpeg`, so that the pipeline can be checked against OpenCV and dlib.
public enum ImageDecoder {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// At most 40 megapixels: a larger image is refused before its pixels are allocated.
    public static let maxPixels = 40_000_000

    public static func decode(_ bytes: [UInt8], maxPixels: Int = maxPixels) throws(Failure) -> RGBImage {
        var out = yk_image()
        let rc = bytes.withUnsafeBufferPointer { p in yk_decode_rgb(p.baseAddress, p.count, maxPixels, &out) }
        guard rc == 0 else {
            let message = withUnsafeBytes(of: out.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw Failure(description: message.isEmpty ? "the image cannot be decoded" : message)
        }
        defer { yk_image_free(&out) }
        let count = Int(out.width) * Int(out.height) * 3
        let pixels = Array(UnsafeBufferPointer(start: out.pixels, count: count))
        return RGBImage(width: Int(out.width), height: Int(out.height), pixels: pixels)
    }
}

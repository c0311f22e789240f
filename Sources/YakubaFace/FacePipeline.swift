#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The model files of the face pipeline, as `scripts/install-face-models` installs them.
public enum FaceModelFile: String, CaseIterable, Sendable {
    case detector = "lbpcascade_frontalface.xml"
    case confirmer = "haarcascade_frontalface_alt2.xml"
    case landmarks = "shape_predictor_5_face_landmarks.dat"
    case embedding = "dlib_face_recognition_resnet_model_v1.dat"

    /// Smallest and largest plausible sizes: a truncated or wrong file is caught before it is parsed.
    var sizeRange: ClosedRange<Int> {
        switch self {
        case .detector: 10_000...1_000_000
        case .confirmer: 100_000...5_000_000
        case .landmarks: 1_000_000...20_000_000
        case .embedding: 10_000_000...40_000_000
        }
    }
}

/// Why a model could not be loaded: the file, and what is wrong with it, in words for the operator.
public struct FaceModelError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var problem: String
    public var description: String { "\(file): \(problem)" }
}

/// The loaded models. Loading checks each file whole; a missing, truncated or corrupted one is named.
public final class FaceModels: Sendable {
    public let detector: CascadeClassifier
    public let confirmer: CascadeClassifier?
    public let landmarks: ShapePredictor
    public let embedding: FaceNet

    public init(detector: CascadeClassifier, confirmer: CascadeClassifier?, landmarks: ShapePredictor, embedding: FaceNet) {
        self.detector = detector; self.confirmer = confirmer; self.landmarks = landmarks; self.embedding = embedding
    }

    /// Loads every model from `directory`. Throws the first problem found.
    public static func load(directory: String) throws(FaceModelError) -> FaceModels {
        /// Reads one file (its size checked first) and parses it; any problem is reported against that file's path.
        func parse<T>(_ f: FaceModelFile, _ make: ([UInt8]) throws -> T) throws(FaceModelError) -> T {
            let path = directory.hasSuffix("/") ? directory + f.rawValue : directory + "/" + f.rawValue
            let data: [UInt8]
            do { data = try readFile(path, limit: f.sizeRange.upperBound + 1) } catch { throw FaceModelError(file: path, problem: error.description) }
            guard f.sizeRange.contains(data.count) else {
                throw FaceModelError(file: path, problem: "\(data.count) bytes, expected \(f.sizeRange.lowerBound)–\(f.sizeRange.upperBound) (truncated or not this model; run scripts/install-face-models)")
            }
            do { return try make(data) } catch { throw FaceModelError(file: path, problem: "\(error)") }
        }
        let detector = try parse(.detector) { bytes in
            let c = try CascadeClassifier(xml: bytes)
            guard c.featureType == .lbp else { throw CascadeError("not an LBP cascade") }
            return c
        }
        let confirmer = try parse(.confirmer) { try CascadeClassifier(xml: $0) }
        let landmarks = try parse(.landmarks) { bytes in
            let p = try ShapePredictor(bytes: bytes)
            guard p.landmarkCount == 5 else { throw ShapePredictorError(description: "a \(p.landmarkCount)-point model; the 5-point model is needed") }
            return p
        }
        let embedding = try parse(.embedding) { try FaceNet(bytes: $0) }
        return FaceModels(detector: detector, confirmer: confirmer, landmarks: landmarks, embedding: embedding)
    }
}

struct FileReadError: Error, CustomStringConvertible { var description: String }

/// Reads a whole file (at most `limit` bytes) with the C library: the pipeline needs no Foundation.
func readFile(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
    guard let f = fopen(path, "rb") else {
        let why = errno == ENOENT ? "missing (run scripts/install-face-models, or set YAKUBA_FACE_MODELS)" : "cannot be opened (errno \(errno))"
        throw FileReadError(description: why)
    }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { out.append(contentsOf: chunk[0..<n]) }
        if out.count > limit { throw FileReadError(description: "larger than \(limit) bytes") }
        if n < chunk.count {
            if ferror(f) != 0 { throw FileReadError(description: "read error") }
            break
        }
    }
    return out
}

/// One face found in an image: where, its five landmarks, the chip and the 128 numbers that describe it.
public struct FaceDescription: Sendable {
    /// the detector's box (OpenCV's LBP frontal-face cascade)
    public var box: PixelRect
    /// the rectangle given to the landmark model
    public var rect: DlibRect
    public var landmarks: [PixelPoint]
    public var chip: RGBImage
    public var descriptor: [Float]
    /// Whether the second cascade (OpenCV's Haar frontal face, alt2) also finds a face there. The LBP cascade alone
    /// takes some flags, lamps and patterned cloth for faces, and their descriptors can lie near each other.
    public var confirmed: Bool
}

public enum FacePipeline {
    /// Detection parameters: OpenCV's defaults for a frame (scale 1.1, 3 neighbours); faces of at least `minSize` px.
    public struct Options: Sendable {
        public var scaleFactor = 1.1
        public var minNeighbors = 3
        public var minSize = 60
        public init() {}
    }

    /// Every face the detector finds in `image`, largest first (then top to bottom, left to right), each described.
    public static func describe(_ image: RGBImage, models: FaceModels, options: Options = Options()) -> [FaceDescription] {
        let gray = image.gray()
        let boxes = models.detector.detect(gray, scaleFactor: options.scaleFactor, minNeighbors: options.minNeighbors, minSize: options.minSize)
            .sorted { ($0.width * $0.height, -$0.y, -$0.x) > ($1.width * $1.height, -$1.y, -$1.x) }
        return boxes.map { describe(image, box: $0, models: models, gray: gray) }
    }

    /// The landmarks, chip and descriptor of the face in `box`.
    public static func describe(_ image: RGBImage, box: PixelRect, models: FaceModels, gray: GrayImage? = nil) -> FaceDescription {
        let rect = DlibRect(cascadeBox: box)
        let points = models.landmarks.landmarks(in: image, rect: rect)
        let chip = FaceChip.extract(image, FaceChip.details(landmarks: points))
        return FaceDescription(box: box, rect: rect, landmarks: points, chip: chip, descriptor: models.embedding.descriptor(chip: chip),
                               confirmed: confirm(gray ?? image.gray(), box: box, models: models))
    }

    /// Runs the confirming cascade on the box and a quarter of its size around it, for faces of half to one and a half
    /// times its width; true when one overlaps the box by at least 40% (intersection over union).
    public static func confirm(_ gray: GrayImage, box: PixelRect, models: FaceModels) -> Bool {
        guard let confirmer = models.confirmer else { return true }
        let m = box.width / 4
        let x0 = max(0, box.x - m), y0 = max(0, box.y - m)
        let x1 = min(gray.width, box.x + box.width + m), y1 = min(gray.height, box.y + box.height + m)
        guard x1 > x0, y1 > y0 else { return false }
        var crop = [UInt8](repeating: 0, count: (x1 - x0) * (y1 - y0))
        for y in y0..<y1 {
            for x in x0..<x1 { crop[(y - y0) * (x1 - x0) + (x - x0)] = gray.pixels[y * gray.width + x] }
        }
        let found = confirmer.detect(GrayImage(width: x1 - x0, height: y1 - y0, pixels: crop), scaleFactor: 1.1, minNeighbors: 3,
                                     minSize: max(20, box.width / 2), maxSize: box.width * 3 / 2)
        return found.contains { f in
            let a = PixelRect(x: f.x + x0, y: f.y + y0, width: f.width, height: f.height)
            let ix = max(0, min(a.x + a.width, box.x + box.width) - max(a.x, box.x))
            let iy = max(0, min(a.y + a.height, box.y + box.height) - max(a.y, box.y))
            let inter = ix * iy
            let union = a.width * a.height + box.width * box.height - inter
            return union > 0 && Double(inter) / Double(union) >= 0.4
        }
    }

    /// Euclidean distance between two descriptors; below about 0.6 dlib's model calls them the same person.
    public static func distance(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var s: Float = 0
        for i in 0..<a.count { let d = a[i] - b[i]; s += d * d }
        return s.squareRoot()
    }
}

public enum FaceFrame {
    /// A kiosk camera's frame made from a photograph: the whole photograph scaled to fit `width`×`height` (bilinear,
    /// as a browser's canvas draws it), centred on black. For benchmarks and for fake camera streams.
    public static func kioskFrame(_ image: RGBImage, width: Int = 640, height: Int = 480) -> RGBImage {
        let scale = min(Double(width) / Double(image.width), Double(height) / Double(image.height))
        let fw = max(1, Int(Double(image.width) * scale)), fh = max(1, Int(Double(image.height) * scale))
        let ox = (width - fw) / 2, oy = (height - fh) / 2
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let sx = Double(image.width) / Double(fw), sy = Double(image.height) / Double(fh)
        for y in 0..<fh {
            let fy = max(0, min(Double(image.height - 1), (Double(y) + 0.5) * sy - 0.5))
            let y1 = Int(fy), y2 = min(y1 + 1, image.height - 1), wy = fy - Double(y1)
            for x in 0..<fw {
                let fx = max(0, min(Double(image.width - 1), (Double(x) + 0.5) * sx - 0.5))
                let x1 = Int(fx), x2 = min(x1 + 1, image.width - 1), wx = fx - Double(x1)
                for c in 0..<3 {
                    func p(_ xx: Int, _ yy: Int) -> Double { Double(image.pixels[(yy * image.width + xx) * 3 + c]) }
                    let v = (1 - wy) * ((1 - wx) * p(x1, y1) + wx * p(x2, y1)) + wy * ((1 - wx) * p(x1, y2) + wx * p(x2, y2))
                    out[((y + oy) * width + x + ox) * 3 + c] = UInt8(min(255, max(0, v.rounded())))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}

import Foundation
import Testing
import Crypto
import YakubaFace
import YakubaImageIO

/// The pipeline against OpenCV and dlib themselves: reference outputs made by `scripts/face/golden.py` (OpenCV 4
/// and dlib-bin from PyPI) on the test images of the `face_recognition` source package. `scripts/face-golden` makes
/// them and runs these tests with
///   YAKUBA_FACE_MODELS (the installed models), YAKUBA_FACE_IMAGES (the images), YAKUBA_FACE_GOLDEN (golden.json and chips).
/// Without them the tests are skipped, unless YAKUBA_FACE_REQUIRED=1 (CI), where their absence is a failure.
struct Golden: Decodable {
    struct Image: Decodable {
        var image: String
        var width: Int
        var height: Int
        var decoded_rgb_sha256: String
        var gray_sha256: String
        var lbp: [[Int]]
        var haar_alt2: [[Int]]
        var faces: [Face]
    }
    struct Face: Decodable {
        var box: [Int]
        var dlib_rect: [Int]
        var landmarks: [[Int]]
        var chip_sha256: String
        var chip_file: String
        var descriptor: [Double]
        var descriptor_from_chip: [Double]
    }
    var images: [Image]
}

enum GoldenData {
    static let env = ProcessInfo.processInfo.environment
    static let models = env["YAKUBA_FACE_MODELS"]
    static let images = env["YAKUBA_FACE_IMAGES"]
    static let golden = env["YAKUBA_FACE_GOLDEN"]
    static var available: Bool { models != nil && images != nil && golden != nil }
    static var required: Bool { env["YAKUBA_FACE_REQUIRED"] == "1" }

    static let loaded: (Golden, FaceModels)? = {
        guard let models, let golden else { return nil }
        guard let data = FileManager.default.contents(atPath: golden + "/golden.json"),
              let g = try? JSONDecoder().decode(Golden.self, from: data),
              let m = try? FaceModels.load(directory: models) else { return nil }
        return (g, m)
    }()

    static func image(_ name: String) throws -> RGBImage {
        let data = try #require(FileManager.default.contents(atPath: images! + "/" + name), "test image \(name) is missing")
        return try ImageDecoder.decode([UInt8](data))
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}

@Test("the golden data are present where CI says they must be")
func goldenDataPresentInCI() throws {
    if GoldenData.required {
        #expect(GoldenData.available, "YAKUBA_FACE_MODELS, YAKUBA_FACE_IMAGES and YAKUBA_FACE_GOLDEN must be set (scripts/face-golden)")
        #expect(GoldenData.loaded != nil, "golden.json or a model file could not be loaded")
    }
}

@Suite(.enabled(if: GoldenData.available, "run scripts/face-golden to make the reference outputs"))
struct GoldenTests {
    let golden: Golden
    let models: FaceModels

    init() throws {
        let (g, m) = try #require(GoldenData.loaded)
        golden = g; models = m
    }

    @Test("decoding gives OpenCV's pixels, and the grey image is cvtColor's, to the byte")
    func decodeAndGray() throws {
        for g in golden.images {
            let img = try GoldenData.image(g.image)
            #expect(img.width == g.width && img.height == g.height, "\(g.image)")
            #expect(GoldenData.sha256(img.pixels) == g.decoded_rgb_sha256, "\(g.image): decoded pixels differ from OpenCV's")
            #expect(GoldenData.sha256(img.gray().pixels) == g.gray_sha256, "\(g.image): grey image differs from OpenCV's")
        }
    }

    @Test("the LBP cascade finds OpenCV's boxes (within 2 px), and the Haar cascade too")
    func cascadeBoxes() throws {
        for g in golden.images {
            let gray = try GoldenData.image(g.image).gray()
            for (name, cascade, expected) in [("lbp", models.detector, g.lbp), ("haar_alt2", models.confirmer!, g.haar_alt2)] {
                let boxes = cascade.detect(gray, scaleFactor: 1.1, minNeighbors: 3, minSize: 60)
                    .sorted { ($0.width * $0.height, -$0.y, -$0.x) > ($1.width * $1.height, -$1.y, -$1.x) }
                #expect(boxes.count == expected.count, "\(g.image) \(name): \(boxes) against \(expected)")
                for (b, e) in zip(boxes, expected) {
                    let d = [abs(b.x - e[0]), abs(b.y - e[1]), abs(b.width - e[2]), abs(b.height - e[3])].max()!
                    #expect(d <= 2, "\(g.image) \(name): \(b) against \(e)")
                }
            }
        }
    }

    @Test("the box becomes dlib's rectangle; the landmarks in it are dlib's")
    func landmarks() throws {
        for g in golden.images {
            let img = try GoldenData.image(g.image)
            for f in g.faces {
                let rect = DlibRect(cascadeBox: PixelRect(x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3]))
                #expect([rect.left, rect.top, rect.right, rect.bottom] == f.dlib_rect, "\(g.image)")
                let points = models.landmarks.landmarks(in: img, rect: rect)
                #expect(points.map { [$0.x, $0.y] } == f.landmarks, "\(g.image): \(points) against \(f.landmarks)")
            }
        }
    }

    @Test("the 150×150 chip is dlib's, to the byte")
    func chips() throws {
        for g in golden.images {
            let img = try GoldenData.image(g.image)
            for f in g.faces {
                let points = f.landmarks.map { PixelPoint(x: $0[0], y: $0[1]) }
                let chip = FaceChip.extract(img, FaceChip.details(landmarks: points))
                let reference = try #require(FileManager.default.contents(atPath: GoldenData.golden! + "/" + f.chip_file))
                let differing = zip(chip.pixels, reference).filter { $0 != $1 }.count
                #expect(differing == 0, "\(f.chip_file): \(differing) of \(reference.count) bytes differ")
            }
        }
    }

    @Test("the descriptor is dlib's within 1e-4, from dlib's chip and from the whole pipeline")
    func descriptors() throws {
        for g in golden.images {
            let img = try GoldenData.image(g.image)
            for f in g.faces {
                let reference = [UInt8](try #require(FileManager.default.contents(atPath: GoldenData.golden! + "/" + f.chip_file)))
                let fromChip = models.embedding.descriptor(chip: RGBImage(width: 150, height: 150, pixels: reference))
                let d1 = zip(fromChip, f.descriptor_from_chip).map { abs(Double($0) - $1) }.max()!
                #expect(d1 < 1e-4, "\(f.chip_file): max |Δ| \(d1)")
                let whole = FacePipeline.describe(img, box: PixelRect(x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3]), models: models)
                let d2 = zip(whole.descriptor, f.descriptor).map { abs(Double($0) - $1) }.max()!
                #expect(d2 < 1e-4, "\(g.image): max |Δ| \(d2)")
            }
        }
    }

    @Test("the Haar cascade confirms every real face and none of the LBP cascade's flags and lamps")
    func confirmation() throws {
        // per image, in the LBP boxes' order (largest first): which are faces (seen in overview.png of golden.py)
        let faces: [String: [Bool]] = ["32bit.png": [true], "biden.jpg": [true], "obama.jpg": [true, false], "obama2.jpg": [true],
                                       "obama3.jpg": [true, false], "obama_partial_face.jpg": [], "obama_partial_face2.jpg": [false]]
        for (name, expected) in faces {
            let found = try FacePipeline.describe(GoldenData.image(name), models: models)
            #expect(found.map(\.confirmed) == expected, "\(name)")
        }
    }

    @Test("the same person is nearer than 0.6, another person farther")
    func distances() throws {
        let obama = try FacePipeline.describe(GoldenData.image("obama.jpg"), models: models)
        let obama2 = try FacePipeline.describe(GoldenData.image("obama2.jpg"), models: models)
        let biden = try FacePipeline.describe(GoldenData.image("biden.jpg"), models: models)
        let o1 = try #require(obama.first), o2 = try #require(obama2.first), b = try #require(biden.first)
        #expect(FacePipeline.distance(o1.descriptor, o2.descriptor) < 0.6)
        #expect(FacePipeline.distance(o1.descriptor, b.descriptor) > 0.6)
        #expect(FacePipeline.distance(o2.descriptor, b.descriptor) > 0.6)
    }
}

/// The smile score against fer's own model: scripts/face/smile_reference.py's NumPy forward pass of the original HDF5
/// weights (checked against Keras itself when it is installed), preprocessed exactly as fer 25.10.3 does.
struct SmileGolden: Decodable {
    struct Face: Decodable { var box: [Int]; var kind: String; var input_sha256: String?; var numpy: [Double]?; var smile: Double? }
    struct Image: Decodable { var image: String; var faces: [Face] }
    var images: [Image]
}

@Suite(.enabled(if: GoldenData.available, "run scripts/face-golden to make the reference outputs"))
struct SmileGoldenTests {
    @Test("the smile model's 64×64 input is fer's to the byte, and its 7 probabilities within 1e-4 of the reference")
    func smileMatchesTheReference() throws {
        let path = GoldenData.golden! + "/smile.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            if GoldenData.required { Issue.record("\(path) is missing (scripts/face-golden makes it)") }
            return
        }
        let golden = try JSONDecoder().decode(SmileGolden.self, from: data)
        let model = try SmileModel.load(directory: GoldenData.models!)
        var compared = 0
        for g in golden.images {
            let gray = try GoldenData.image(g.image).gray()
            for f in g.faces {
                guard let expected = f.numpy, f.box.count == 4 else { continue }
                let box = PixelRect(x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3])
                let input = SmileModel.input(gray, box: box)
                if let sha = f.input_sha256 {
                    // the reference hashes the 64×64 grey bytes before scaling to [-1, 1]
                    let bytes = input.map { UInt8((($0 / 2 + 0.5) * 255).rounded()) }
                    #expect(GoldenData.sha256(bytes) == sha, "\(g.image) \(f.box): the 64×64 input differs from fer's")
                }
                let p = model.probabilities(input)
                let diff = zip(p, expected).map { abs(Double($0) - $1) }.max() ?? 1
                #expect(diff < 1e-4, "\(g.image) \(f.box): probabilities differ by \(diff)")
                #expect(abs(Double(model.smile(gray, box: box)) - (f.smile ?? -1)) < 1e-4)
                compared += 1
            }
        }
        #expect(compared >= 7, "only \(compared) faces compared")
    }
}

import Foundation
import Testing
import YakubaFace
import YakubaImageIO

/// Damaged model files and frames: each is refused with a message or, where the damage falls in a value, loads and
/// runs — never a crash. Uses the installed models and test images (scripts/face-golden), like the golden tests.
@Suite(.enabled(if: GoldenData.available, "run scripts/face-golden to install the models and fetch the test images"))
struct FuzzTests {
    static func file(_ name: String) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: GoldenData.models! + "/" + name), "\(name) is not installed"))
    }

    @Test("cascade files cut short or with changed bytes: a CascadeError, or a detector that runs")
    func cascades() throws {
        var rng = SystemRandomNumberGenerator()
        let small = GrayImage(width: 64, height: 48, pixels: (0..<(64 * 48)).map { UInt8(truncatingIfNeeded: $0 * 7) })
        for name in [FaceModelFile.detector.rawValue, FaceModelFile.confirmer.rawValue] {
            let good = try Self.file(name)
            for i in 0..<40 {
                let cut = good.count * i / 40
                #expect(throws: CascadeError.self, "\(name) cut at \(cut)") { try CascadeClassifier(xml: Array(good.prefix(cut))) }
            }
            for _ in 0..<200 {
                var b = good
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if let c = try? CascadeClassifier(xml: b) { _ = c.detect(small, minSize: 24) }
            }
        }
    }

    @Test("landmark and embedding models cut short: an error naming the problem; changed bytes never crash")
    func dlibModels() throws {
        var rng = SystemRandomNumberGenerator()
        let sp = try Self.file(FaceModelFile.landmarks.rawValue)
        for i in 0..<30 {
            let cut = sp.count * i / 30
            #expect(throws: ShapePredictorError.self, "cut at \(cut)") { try ShapePredictor(bytes: Array(sp.prefix(cut))) }
        }
        let img = RGBImage(width: 80, height: 80, pixels: [UInt8](repeating: 120, count: 80 * 80 * 3))
        for _ in 0..<20 {
            var b = sp
            b[Int.random(in: 0..<4096, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            if let p = try? ShapePredictor(bytes: b) { _ = p.landmarks(in: img, rect: DlibRect(left: 10, top: 10, right: 69, bottom: 69)) }
        }
        let net = try Self.file(FaceModelFile.embedding.rawValue)
        for i in 0..<12 {
            let cut = net.count * i / 12 + (i == 0 ? 0 : 17)
            #expect(throws: DlibFormatError.self, "cut at \(cut)") { try FaceNet(bytes: Array(net.prefix(cut))) }
        }
        #expect(throws: DlibFormatError.self) { try FaceNet(bytes: net + [0]) }
        #expect(throws: DlibFormatError.self) { try FaceNet(bytes: sp) }
    }

    @Test("the smile model's manifest and weights cut short or changed: a FaceModelError naming the file, or a model whose output is finite")
    func smileModel() throws {
        var rng = SystemRandomNumberGenerator()
        let json = try Self.file(SmileModel.jsonFile), bin = try Self.file(SmileModel.binFile)
        _ = try SmileModel(json: json, bin: bin)
        for i in 0..<40 {
            let cut = bin.count * i / 40
            #expect(throws: FaceModelError.self, "bin cut at \(cut)") { try SmileModel(json: json, bin: Array(bin.prefix(cut))) }
            let jcut = json.count * i / 40
            #expect(throws: FaceModelError.self, "json cut at \(jcut)") { try SmileModel(json: Array(json.prefix(jcut)), bin: bin) }
        }
        #expect(throws: FaceModelError.self) { try SmileModel(json: json, bin: bin + [0, 0, 0, 0]) }
        let input = [Float](repeating: 0.1, count: 64 * 64)
        for _ in 0..<150 {
            var j = json, b = bin
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                if Bool.random(using: &rng) { j[Int.random(in: 0..<j.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                else { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            if let m = try? SmileModel(json: j, bin: b) {
                let p = m.probabilities(input)
                #expect(p.allSatisfy { $0.isFinite })
            }
        }
    }

    @Test("a real JPEG and PNG with changed or missing bytes: decoded or refused, and the pipeline runs on what decodes")
    func frames() throws {
        var rng = SystemRandomNumberGenerator()
        let models = try #require(GoldenData.loaded).1
        for name in ["obama2.jpg", "32bit.png"] {
            let good = [UInt8](try #require(FileManager.default.contents(atPath: GoldenData.images! + "/" + name)))
            for i in 0..<20 {
                let cut = good.count * i / 20
                do { _ = try ImageDecoder.decode(Array(good.prefix(cut))) } catch { #expect(!error.description.isEmpty) }
            }
            for k in 0..<60 {
                var b = good
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    b[Int.random(in: 0..<min(b.count, 4096), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if let img = try? ImageDecoder.decode(b), k % 10 == 0 {
                    _ = FacePipeline.describe(FaceFrame.kioskFrame(img), models: models)
                }
            }
        }
    }
}

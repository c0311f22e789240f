import Foundation
import YakubaFace
import YakubaImageIO

/// `yakuba face describe IMAGE… [--json] [--models DIR]`: the face boxes, the five landmarks and each face's 128
/// numbers, for support staff and for tests. Runs before the server boots: it needs no database.
/// `yakuba face check [--models DIR]`: loads every model file and says which one is missing or damaged.
enum FaceCommand {
    static let usage = """
        usage: yakuba face describe IMAGE [IMAGE…] [--json] [--models DIR]
               yakuba face check [--models DIR]
        The model files come from scripts/install-face-models; DIR defaults to $YAKUBA_FACE_MODELS or ./face-models.
        """

    static func modelsDirectory(_ args: inout [String]) -> String {
        if let i = args.firstIndex(of: "--models"), i + 1 < args.count {
            let dir = args[i + 1]
            args.removeSubrange(i...(i + 1))
            return dir
        }
        return ProcessInfo.processInfo.environment["YAKUBA_FACE_MODELS"] ?? "face-models"
    }

    /// Runs the command; returns the process's exit code (0 ok, 1 a file could not be read or decoded, 2 usage).
    static func run(_ arguments: [String]) -> Int32 {
        var args = arguments
        let dir = modelsDirectory(&args)
        let json = args.contains("--json")
        args.removeAll { $0 == "--json" }
        guard let action = args.first, ["describe", "check", "bench"].contains(action) else { printError(usage); return 2 }
        let images = Array(args.dropFirst())
        if action == "describe" && images.isEmpty { printError(usage); return 2 }
        if let unknown = images.first(where: { $0.hasPrefix("--") }) { printError("unknown option \(unknown)\n" + usage); return 2 }
        let started = Date()
        let models: FaceModels
        do { models = try FaceModels.load(directory: dir) } catch {
            printError("face models: \(error)")
            return 1
        }
        if action == "check" {
            print("face models: ok directory=\(dir) load_ms=\(Int(Date().timeIntervalSince(started) * 1000))")
            return 0
        }
        if action == "bench" { return bench(images, models: models) }
        var failed = false
        var documents: [String] = []
        for path in images {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("\(path): cannot be read"); failed = true; continue
            }
            let image: RGBImage
            do { image = try ImageDecoder.decode([UInt8](data)) } catch {
                printError("\(path): \(error)"); failed = true; continue
            }
            let faces = FacePipeline.describe(image, models: models)
            if json {
                documents.append(jsonDocument(path: path, image: image, faces: faces))
            } else {
                print("\(path): \(image.width)×\(image.height), \(faces.count) face\(faces.count == 1 ? "" : "s")")
                for (i, f) in faces.enumerated() {
                    print("  face \(i + 1): box x=\(f.box.x) y=\(f.box.y) w=\(f.box.width) h=\(f.box.height) " + (f.confirmed ? "confirmed" : "unconfirmed (the second cascade finds no face here)"))
                    print("    landmarks: " + f.landmarks.map { "(\($0.x),\($0.y))" }.joined(separator: " "))
                    print("    descriptor: " + f.descriptor.map { String(format: "%.7f", $0) }.joined(separator: " "))
                }
            }
        }
        if json { print(documents.count == 1 ? documents[0] : "[" + documents.joined(separator: ",\n") + "]") }
        return failed ? 1 : 0
    }

    /// `yakuba face bench IMAGE…` (scripts/bench-face): each image cut and scaled to a 640×480 frame, then per frame the
    /// whole pipeline (detection, landmarks, chip, descriptor, confirmation) and the descriptor alone, best of 10 on
    /// this thread; then 1:N search among 20,000 enrolled descriptors, best of 50.
    static func bench(_ paths: [String], models: FaceModels) -> Int32 {
        func ms(_ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<10 { let t = DispatchTime.now().uptimeNanoseconds; body(); best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6) }
            return best
        }
        var frames: [Double] = [], embeds: [Double] = [], found = 0
        var descriptors: [[Float]] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path), let image = try? ImageDecoder.decode([UInt8](data)) else {
                printError("\(path): cannot be read"); return 1
            }
            let frame = FaceFrame.kioskFrame(image)
            var faces: [FaceDescription] = []
            frames.append(ms { faces = FacePipeline.describe(frame, models: models) })
            found += faces.count
            if let f = faces.first {
                embeds.append(ms { _ = models.embedding.descriptor(chip: f.chip) })
                descriptors.append(f.descriptor)
            }
            print("\(path): frame \(frame.width)×\(frame.height) faces=\(faces.count) frame_ms=\(String(format: "%.1f", frames.last!))")
        }
        guard let query = descriptors.first else { printError("no face found in any frame"); return 1 }
        // 20,000 enrolled people: the descriptors found, each moved by a deterministic small noise
        var index = FaceIndex()
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<20_000 {
            let base = descriptors[i % descriptors.count]
            index.add(owner: "staff-\(i)", descriptor: base.map { v in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return v + Float(Int(seed >> 40 & 0xFFFF) - 32768) / 32768 * 0.05
            })
        }
        var best = Double.infinity
        for _ in 0..<50 {
            let t = DispatchTime.now().uptimeNanoseconds
            _ = index.nearest(to: query, owners: 2)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        let frameMax = frames.max()!, embedMax = embeds.max() ?? 0
        print(String(format: "frame_ms=%.1f embed_ms=%.1f search_20k_ms=%.2f frames=%d faces=%d", frameMax, embedMax, best, frames.count, found))
        return 0
    }

    static func jsonDocument(path: String, image: RGBImage, faces: [FaceDescription]) -> String {
        func str(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [])
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        let list = faces.map { f in
            """
            {"box":[\(f.box.x),\(f.box.y),\(f.box.width),\(f.box.height)],\
            "rect":[\(f.rect.left),\(f.rect.top),\(f.rect.right),\(f.rect.bottom)],"confirmed":\(f.confirmed),\
            "landmarks":[\(f.landmarks.map { "[\($0.x),\($0.y)]" }.joined(separator: ","))],\
            "descriptor":[\(f.descriptor.map { "\($0)" }.joined(separator: ","))]}
            """
        }
        return "{\"image\":\(str(path)),\"width\":\(image.width),\"height\":\(image.height),\"faces\":[\(list.joined(separator: ","))]}"
    }

    static func printError(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}

/// The kiosk's decisions over what the pipeline saw: head pose and the liveness challenge, how sure a match is, and
/// whether an enrolment photograph is good enough. Pure functions and value types; the server keeps the state and time.

/// Head pose from the 5 landmarks.
public enum HeadPose {
    /// Yaw as the nose's offset from the point between the eyes, along the line through the eyes, in eye distances:
    /// about 0 for a frontal face, negative when the person turns to their own right (in an unmirrored camera frame the
    /// nose moves to the image's left), positive to their left. In-plane rotation and scale do not change it, and
    /// neither does turning a flat photograph about its vertical axis (every point of it moves with the eyes): a face
    /// with depth does. A photograph tilted about a diagonal does change it (the face is foreshortened unevenly).
    /// nil when the eyes coincide (a damaged detection).
    public static func yaw(_ p: [PixelPoint]) -> Double? {
        guard p.count == 5 else { return nil }
        let e1x = Double(p[0].x + p[1].x) / 2, e1y = Double(p[0].y + p[1].y) / 2
        let e2x = Double(p[2].x + p[3].x) / 2, e2y = Double(p[2].y + p[3].y) / 2
        let vx = e1x - e2x, vy = e1y - e2y
        let len2 = vx * vx + vy * vy
        guard len2 >= 4 else { return nil }
        let mx = (e1x + e2x) / 2, my = (e1y + e2y) / 2
        return ((Double(p[4].x) - mx) * vx + (Double(p[4].y) - my) * vy) / len2
    }

    /// The distance between the eyes' centres in pixels (the face's scale).
    public static func eyeDistance(_ p: [PixelPoint]) -> Double {
        guard p.count == 5 else { return 0 }
        let dx = Double(p[0].x + p[1].x - p[2].x - p[3].x) / 2, dy = Double(p[0].y + p[1].y - p[2].y - p[3].y) / 2
        return (dx * dx + dy * dy).squareRoot()
    }
}

/// Which way the kiosk asks the person to turn: their own left or right (the screen shows a mirror image, so it is also
/// the way they see themselves turn).
public enum TurnDirection: String, Sendable, CaseIterable, Codable {
    case left, right
    public var labelJa: String { self == .left ? "左" : "右" }
    public var labelEn: String { self == .left ? "left" : "right" }
}

/// The liveness challenge: first a frontal face, then the same face turned the asked way. A photograph, held still or
/// turned, keeps its yaw (see `HeadPose.yaw`); a real head turning moves the nose across the line of the eyes.
public struct LivenessCheck: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// |yaw| at most this counts as facing the camera
        public var frontalMax: Double = 0.12
        /// the turn asked: yaw changed by at least this, the asked way, from the frontal frame
        public var turnMin: Double = 0.10
        public init() {}
    }
    public enum Stage: Sendable, Equatable {
        /// waiting for a frontal face
        case lookAtCamera
        /// frontal face seen; waiting for the turn
        case turn(TurnDirection)
        case passed
    }

    public let challenge: TurnDirection
    public let settings: Settings
    public private(set) var stage: Stage = .lookAtCamera
    /// the frontal yaw the turn is measured from: of the frontal frames seen, the one furthest the other way (a person
    /// who faced the camera slightly turned is not asked to turn further for it)
    public private(set) var frontalYaw: Double?

    public init(challenge: TurnDirection, settings: Settings = Settings()) {
        self.challenge = challenge; self.settings = settings
    }

    /// Takes one frame's yaw and answers the stage reached.
    @discardableResult
    public mutating func observe(yaw: Double) -> Stage {
        guard yaw.isFinite, stage != .passed else { return stage }
        // turning to one's own right moves the nose to the image's left: yaw goes down
        let towards: Double = challenge == .right ? -1 : 1
        if let f = frontalYaw, (yaw - f) * towards >= settings.turnMin {
            stage = .passed
            return stage
        }
        if abs(yaw) <= settings.frontalMax {
            if let f = frontalYaw { frontalYaw = towards > 0 ? min(f, yaw) : max(f, yaw) } else { frontalYaw = yaw }
            stage = .turn(challenge)
        }
        return stage
    }
}

/// How sure a match is. dlib's model calls two faces the same person below 0.6 (99.38% on LFW); a kiosk searching
/// thousands of people needs to be stricter, and treats the band between as a match a manager should look at.
public struct MatchPolicy: Sendable, Equatable {
    /// at most this: verified
    public var verifiedMax: Float = 0.40
    /// above `verifiedMax` and at most this: recorded, but unverified (reviewed by a manager)
    public var acceptMax: Float = 0.50
    /// a second person within this of the best makes the match unverified (two people look alike to the model)
    public var margin: Float = 0.06
    public init() {}

    public enum Verdict: String, Sendable, Equatable { case verified, unverified, unknown }

    /// The verdict on the best and the second-best person's distances (second nil when only one person is enrolled).
    public func verdict(best: Float, second: Float?) -> Verdict {
        guard best.isFinite, best <= acceptMax else { return .unknown }
        if best > verifiedMax { return .unverified }
        if let s = second, s - best < margin { return .unverified }
        return .verified
    }
}

/// Whether a photograph (or frame) is good enough to enrol from.
public enum EnrolmentQuality {
    public struct Settings: Sendable, Equatable {
        /// the face's eye distance at least this many pixels (a 150×150 chip from fewer is mostly upscaling)
        public var minEyeDistance: Double = 40
        /// roughly frontal
        public var maxYaw: Double = 0.25
        /// variance of the Laplacian of the aligned chip's grey at least this (a blurred photo has little high frequency)
        public var minSharpness: Double = 60
        /// the images of one enrolment must be of one person: every pair closer than this
        public var samePersonMax: Float = 0.55
        /// and not the same photograph twice
        public var duplicateMax: Float = 0.06
        public init() {}
    }

    public enum Problem: Sendable, Equatable {
        case noFace
        case severalFaces(Int)
        /// the detector's face was not confirmed by the second cascade
        case unconfirmed
        case tooSmall(eyeDistance: Int)
        case notFrontal
        case blurred(sharpness: Int)
    }

    /// The problem with one image's detections, or nil when it can be enrolled from. `faces` as the pipeline returns
    /// them; only confirmed faces count, so a flag the first cascade took for a face does not make "several".
    public static func problem(_ faces: [FaceDescription], settings: Settings = Settings()) -> Problem? {
        let real = faces.filter(\.confirmed)
        if real.count > 1 { return .severalFaces(real.count) }
        guard let f = real.first else { return faces.isEmpty ? .noFace : .unconfirmed }
        let eyes = HeadPose.eyeDistance(f.landmarks)
        if eyes < settings.minEyeDistance { return .tooSmall(eyeDistance: Int(eyes)) }
        guard let yaw = HeadPose.yaw(f.landmarks), abs(yaw) <= settings.maxYaw else { return .notFrontal }
        let s = sharpness(f.chip)
        if s < settings.minSharpness { return .blurred(sharpness: Int(s)) }
        return nil
    }

    /// Variance of the 4-neighbour Laplacian over the chip's inner part (its grey), a standard focus measure.
    public static func sharpness(_ chip: RGBImage) -> Double {
        let g = chip.gray()
        let w = g.width, h = g.height
        guard w >= 8, h >= 8 else { return 0 }
        // the middle of the chip: the face, not the background at its corners
        let x0 = w / 5, x1 = w - w / 5, y0 = h / 5, y1 = h - h / 5
        var sum = 0.0, sum2 = 0.0, n = 0.0
        g.pixels.withUnsafeBufferPointer { p in
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let c = Int(p[y * w + x])
                    let l = Int(p[y * w + x - 1]) + Int(p[y * w + x + 1]) + Int(p[(y - 1) * w + x]) + Int(p[(y + 1) * w + x]) - 4 * c
                    let v = Double(l)
                    sum += v; sum2 += v * v; n += 1
                }
            }
        }
        let mean = sum / n
        return sum2 / n - mean * mean
    }

    /// The pairs of images (indices) that are not of one person, and the pairs that are the same photograph.
    public static func inconsistencies(_ descriptors: [[Float]], settings: Settings = Settings()) -> (differentPeople: [(Int, Int)], duplicates: [(Int, Int)]) {
        var different: [(Int, Int)] = [], same: [(Int, Int)] = []
        for i in descriptors.indices {
            for j in descriptors.indices where j > i {
                let d = FacePipeline.distance(descriptors[i], descriptors[j])
                if d > settings.samePersonMax { different.append((i, j)) }
                else if d < settings.duplicateMax { same.append((i, j)) }
            }
        }
        return (different, same)
    }
}

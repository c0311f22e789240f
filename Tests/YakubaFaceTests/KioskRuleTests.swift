import Foundation
import Testing
@testable import YakubaFace

/// The kiosk's pure decisions: head pose, the liveness challenge, how sure a match is, the 1:N index's removal.
struct KioskRuleTests {
    /// Five landmarks of a face with eyes `eye` px apart, the nose `nose` eye-distances along the eye line from their
    /// midpoint, rotated by `angle` radians about (200, 200).
    static func face(eye: Double = 60, nose: Double, angle: Double = 0, scale: Double = 1) -> [PixelPoint] {
        let pts: [(Double, Double)] = [(eye / 2 + 8, 0), (eye / 2 - 8, 0), (-eye / 2 - 8, 0), (-eye / 2 + 8, 0), (nose * eye, eye * 0.7)]
        return pts.map { p in
            let x = (p.0 * cos(angle) - p.1 * sin(angle)) * scale, y = (p.0 * sin(angle) + p.1 * cos(angle)) * scale
            return PixelPoint(x: Int((200 + x).rounded()), y: Int((200 + y).rounded()))
        }
    }

    @Test func yawIsTheNoseOffsetAlongTheEyeLineWhateverTheRollAndScale() throws {
        for nose in [-0.3, -0.1, 0, 0.15, 0.3] {
            for angle in [-0.4, 0, 0.25] {
                for scale in [0.8, 1, 2.5] {
                    let y = try #require(HeadPose.yaw(Self.face(nose: nose, angle: angle, scale: scale)))
                    #expect(abs(y - nose) < 0.03, "nose \(nose) angle \(angle) scale \(scale): \(y)")
                }
            }
        }
        // a damaged detection (the eyes on one point) has no yaw
        #expect(HeadPose.yaw([PixelPoint](repeating: PixelPoint(x: 5, y: 5), count: 5)) == nil)
        #expect(HeadPose.yaw([]) == nil)
    }

    @Test func theChallengeNeedsAFrontalFaceThenTheAskedTurn() {
        // turning to one's own right: yaw goes down
        var right = LivenessCheck(challenge: .right)
        #expect(right.observe(yaw: -0.3) == .lookAtCamera)          // turned from the start: not the challenge
        #expect(right.observe(yaw: 0.02) == .turn(.right))
        #expect(right.observe(yaw: 0.15) == .turn(.right))          // the wrong way
        #expect(right.observe(yaw: -0.05) == .turn(.right))         // not far enough yet
        #expect(right.observe(yaw: -0.09) == .passed)
        #expect(right.observe(yaw: 0) == .passed)                   // passed stays passed
        var left = LivenessCheck(challenge: .left)
        #expect(left.observe(yaw: -0.04) == .turn(.left))
        #expect(left.observe(yaw: -0.3) == .turn(.left))
        #expect(left.observe(yaw: .nan) == .turn(.left))
        #expect(left.observe(yaw: 0.07) == .passed)
    }

    /// A photograph held up keeps its yaw but for the detector's jitter: however long it is held, it never passes.
    @Test func aStillPhotographNeverPasses() {
        for start in stride(from: -0.1, through: 0.1, by: 0.05) {
            for challenge in TurnDirection.allCases {
                var c = LivenessCheck(challenge: challenge)
                var seed: UInt32 = 12345
                for _ in 0..<2000 {
                    seed = seed &* 1664525 &+ 1013904223
                    let jitter = (Double(seed >> 8) / Double(1 << 24) - 0.5) * 0.08     // ±0.04, the spread measured on still frames
                    c.observe(yaw: start + jitter)
                }
                #expect(c.stage != .passed, "a still photo at yaw \(start) passed the \(challenge) challenge")
            }
        }
    }

    @Test func aMatchIsVerifiedUnverifiedOrUnknown() {
        let p = MatchPolicy()
        #expect(p.verdict(best: 0.30, second: nil) == .verified)
        #expect(p.verdict(best: 0.40, second: 0.70) == .verified)
        #expect(p.verdict(best: 0.45, second: nil) == .unverified)
        #expect(p.verdict(best: 0.50, second: nil) == .unverified)
        #expect(p.verdict(best: 0.51, second: nil) == .unknown)
        #expect(p.verdict(best: .infinity, second: nil) == .unknown)
        #expect(p.verdict(best: .nan, second: nil) == .unknown)
        // two people close to each other: not certain which
        #expect(p.verdict(best: 0.30, second: 0.33) == .unverified)
        #expect(p.verdict(best: 0.30, second: 0.37) == .verified)
    }

    @Test func removingAPersonFromTheIndexForgetsOnlyThem() {
        var index = FaceIndex()
        func d(_ v: Float) -> [Float] { (0..<128).map { Float($0 % 7) * 0.01 + v } }
        index.add(owner: "a", descriptor: d(0)); index.add(owner: "b", descriptor: d(0.1)); index.add(owner: "a", descriptor: d(0.02)); index.add(owner: "c", descriptor: d(0.3))
        #expect(index.count == 4)
        index.remove(owner: "a")
        #expect(index.count == 2 && !index.contains(owner: "a") && index.contains(owner: "b"))
        let near = index.nearest(to: d(0), owners: 2)
        #expect(near.map(\.owner) == ["b", "c"])
        index.remove(owner: "nobody")
        index.remove(owner: "b"); index.remove(owner: "c")
        #expect(index.count == 0 && index.nearest(to: d(0)).isEmpty)
    }

    @Test func enrolmentPhotosOfTwoPeopleOrTheSamePhotoTwiceAreFound() {
        func d(_ v: Float) -> [Float] { (0..<128).map { $0 == 0 ? v : 0 } }
        let r = EnrolmentQuality.inconsistencies([d(0), d(0.3), d(0.9), d(0.31)])
        #expect(r.differentPeople.map { [$0.0, $0.1] } == [[0, 2], [1, 2], [2, 3]])
        #expect(r.duplicates.map { [$0.0, $0.1] } == [[1, 3]])
    }
}

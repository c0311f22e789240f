import Foundation

extension UUID {
    /// A version-7 UUID (RFC 9562 §5.7): the first 48 bits are Unix milliseconds, the rest random. Ids made
    /// later sort later (as bytes and as text), so an index on them grows at its end instead of touching a
    /// random page for every new row.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var rng = SystemRandomNumberGenerator()
        return timeOrdered(at: date, using: &rng)
    }

    public static func timeOrdered<R: RandomNumberGenerator>(at date: Date, using rng: inout R) -> UUID {
        let ms = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        let a: UInt64 = rng.next(), b: UInt64 = rng.next()
        let t = ms & 0xFFFF_FFFF_FFFF
        return UUID(uuid: (UInt8(truncatingIfNeeded: t >> 40), UInt8(truncatingIfNeeded: t >> 32), UInt8(truncatingIfNeeded: t >> 24),
                           UInt8(truncatingIfNeeded: t >> 16), UInt8(truncatingIfNeeded: t >> 8), UInt8(truncatingIfNeeded: t),
                           0x70 | UInt8(truncatingIfNeeded: a & 0x0F), UInt8(truncatingIfNeeded: a >> 8),
                           0x80 | UInt8(truncatingIfNeeded: b & 0x3F), UInt8(truncatingIfNeeded: b >> 8), UInt8(truncatingIfNeeded: b >> 16),
                           UInt8(truncatingIfNeeded: b >> 24), UInt8(truncatingIfNeeded: b >> 32), UInt8(truncatingIfNeeded: b >> 40),
                           UInt8(truncatingIfNeeded: b >> 48), UInt8(truncatingIfNeeded: b >> 56)))
    }

    /// The same text as `uuidString` (upper case), without the printf that Foundation uses on Linux.
    public var upperText: String { text(Self.upperDigits) }
    /// The same text as `uuidString.lowercased()`.
    public var lowerText: String { text(Self.lowerDigits) }

    private static let upperDigits = Array("0123456789ABCDEF".utf8)
    private static let lowerDigits = Array("0123456789abcdef".utf8)

    private func text(_ digits: [UInt8]) -> String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                    out[o] = digits[Int(raw[i] >> 4)]; out[o + 1] = digits[Int(raw[i] & 0x0F)]; o += 2
                }
                return o
            }
        }
    }
}

extension UUID {
    /// Whether this id's 16 bytes sort before `other`'s: the order of their upper-case text, without making it.
    public func bytesPrecede(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { a in
            withUnsafeBytes(of: other.uuid) { b in
                for i in 0..<16 where a[i] != b[i] { return a[i] < b[i] }
                return false
            }
        }
    }
}

/// 1:N search among enrolled descriptors: a flat array of 128-float rows searched by brute force, which for 20,000
/// people is 2.6 M multiply-adds (about a millisecond) — no approximate index, so no enrolled person is ever missed.
public struct FaceIndex: Sendable {
    public static let dimensions = 128
    /// The owners (e.g. staff ids) in the order first added.
    public private(set) var owners: [String] = []
    private var ownerNumber: [String: Int32] = [:]
    /// Per row: the owner's number; and the rows' 128 numbers, one after another.
    private var rowOwner: [Int32] = []
    private var rows: [SIMD8<Float>] = []

    public init() {}

    /// Rows (descriptors) held; a person enrolled with several images has several.
    public var count: Int { rowOwner.count }

    /// Adds one descriptor (128 finite numbers) for `owner`.
    public mutating func add(owner: String, descriptor: [Float]) {
        precondition(descriptor.count == Self.dimensions && descriptor.allSatisfy(\.isFinite), "a descriptor is 128 finite numbers")
        let n: Int32
        if let known = ownerNumber[owner] { n = known } else {
            n = Int32(owners.count); ownerNumber[owner] = n; owners.append(owner)
        }
        rowOwner.append(n)
        for j in 0..<16 { rows.append(SIMD8(descriptor[(j * 8)..<(j * 8 + 8)])) }
    }

    public struct Match: Sendable, Equatable {
        public var owner: String
        public var distance: Float
    }

    /// The `k` nearest owners, each by the nearest of its rows, nearest first (Euclidean distance).
    public func nearest(to query: [Float], owners k: Int = 2) -> [Match] {
        precondition(query.count == Self.dimensions && k > 0)
        var q = [SIMD8<Float>](repeating: .zero, count: 16)
        for j in 0..<16 { q[j] = SIMD8(query[(j * 8)..<(j * 8 + 8)]) }
        var best = [Float](repeating: .infinity, count: owners.count)
        q.withUnsafeBufferPointer { q in
            rows.withUnsafeBufferPointer { r in
                rowOwner.withUnsafeBufferPointer { o in
                    best.withUnsafeMutableBufferPointer { b in
                        for i in 0..<o.count {
                            var acc = SIMD8<Float>.zero
                            let base = i &* 16
                            for j in 0..<16 {
                                let d = r[base &+ j] - q[j]
                                acc += d * d
                            }
                            let s = acc.sum()
                            let owner = Int(o[i])
                            if s < b[owner] { b[owner] = s }
                        }
                    }
                }
            }
        }
        // the k smallest, by a single pass keeping a short sorted list
        var top: [(Int, Float)] = []
        for (i, d) in best.enumerated() where top.count < k || d < top[top.count - 1].1 {
            let at = top.firstIndex { d < $0.1 } ?? top.count
            top.insert((i, d), at: at)
            if top.count > k { top.removeLast() }
        }
        return top.filter { $0.1.isFinite }.map { Match(owner: owners[$0.0], distance: $0.1.squareRoot()) }
    }

    /// Removes every row of `owner` (withdrawal, retirement); the owner is forgotten too. O(rows).
    public mutating func remove(owner: String) {
        guard let n = ownerNumber[owner] else { return }
        var rebuilt = FaceIndex()
        for (i, o) in rowOwner.enumerated() where o != n {
            var d = [Float](repeating: 0, count: Self.dimensions)
            for j in 0..<16 { for k in 0..<8 { d[j * 8 + k] = rows[i * 16 + j][k] } }
            rebuilt.add(owner: owners[Int(o)], descriptor: d)
        }
        self = rebuilt
    }

    /// Whether `owner` has rows.
    public func contains(owner: String) -> Bool { ownerNumber[owner] != nil }
}

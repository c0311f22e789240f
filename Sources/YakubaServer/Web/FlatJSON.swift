/// A reader for the one JSON shape a punch body nearly always has: one object whose values are plain strings
/// or null, e.g. `{"kind":"in","place":"本庁舎"}`. It answers nil for anything else (escapes, numbers, nesting,
/// duplicate keys, invalid UTF-8, trailing bytes), and the caller then uses JSONDecoder, so the two agree on
/// every input: this is only a shortcut past JSONDecoder's cost on the morning rush's hot path.
enum FlatJSON {
    static func strings(_ bytes: UnsafeRawBufferPointer) -> [String: String?]? {
        var i = 0
        let n = bytes.count
        func skipSpace() { while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
        /// a string without escapes or control characters, as valid UTF-8; the opening quote is at `i`
        func string() -> String? {
            guard i < n, bytes[i] == 0x22 else { return nil }
            i += 1
            let start = i
            while i < n, bytes[i] != 0x22 {
                if bytes[i] == 0x5C || bytes[i] < 0x20 { return nil }
                i += 1
            }
            guard i < n else { return nil }
            defer { i += 1 }
            return String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        }
        var out: [String: String?] = [:]
        skipSpace()
        guard i < n, bytes[i] == 0x7B else { return nil }
        i += 1
        skipSpace()
        if i < n, bytes[i] == 0x7D { i += 1 } else {
            while true {
                skipSpace()
                guard let key = string(), out[key] == nil else { return nil }
                skipSpace()
                guard i < n, bytes[i] == 0x3A else { return nil }
                i += 1
                skipSpace()
                if i + 4 <= n, bytes[i] == 0x6E, bytes[i + 1] == 0x75, bytes[i + 2] == 0x6C, bytes[i + 3] == 0x6C {
                    out[key] = .some(nil); i += 4
                } else {
                    guard let v = string() else { return nil }
                    out[key] = v
                }
                skipSpace()
                guard i < n else { return nil }
                if bytes[i] == 0x2C { i += 1; continue }
                if bytes[i] == 0x7D { i += 1; break }
                return nil
            }
        }
        skipSpace()
        return i == n ? out : nil
    }
}

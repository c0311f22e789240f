// A reader for dlib's binary serialization format (dlib/serialize.h, dlib/float_details.h, dlib/cuda/tensor.h),
// over bytes already in memory. Pure Swift: no Foundation.
//
// What dlib writes, and what this reader accepts:
// - integer: one control byte — low nibble = number of magnitude bytes (1…8), bit 0x80 = negative, bits 0x70 always
//   zero — then the magnitude, little-endian. dlib never writes a zero-length magnitude (0 is `01 00`).
// - float / double: `float_details`, an int64 mantissa then an int16 exponent, both integers as above; the value is
//   mantissa·2^exponent, except exponent 32000 = +∞, 32001 = −∞, ≥ 32002 = NaN. (dlib's pre-2013 ASCII float format,
//   recognisable by a first byte with a 0x70 bit set, is rejected.)
// - string: its length (an unsigned integer), then the bytes. bool: the ASCII byte '0' or '1'.
// - tensor (resizable_tensor): int version 2, then num_samples, k, nr, nc, then n·k·nr·nc little-endian IEEE float32.
// - matrix<T>: −nr, −nc (dlib negates the dimensions; positive ones are an older format it still reads), then every
//   element row by row with T's own serialization (for float: float_details).
//
// Every read checks the bounds first and throws a `DlibFormatError` naming what it was reading and the byte offset
// where that item starts; nothing in here traps on malformed input.

/// A malformed or truncated dlib file: what was wrong, and at which byte offset of the file.
public struct DlibFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was being read and what was wrong with it.
    public var message: String
    /// The byte offset in the file where the offending item starts.
    public var offset: Int

    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "malformed dlib file at byte \(offset): \(message)" }

    /// The same error with `context` put in front of the message ("layer 12 (con_4): …").
    public func inContext(_ context: String) -> DlibFormatError {
        DlibFormatError("\(context): \(message)", offset: offset)
    }
}

/// The dimensions of a serialized dlib tensor (num_samples, k, nr, nc).
public struct DlibTensorShape: Equatable, Sendable, CustomStringConvertible {
    public var n: Int, k: Int, nr: Int, nc: Int
    public init(n: Int, k: Int, nr: Int, nc: Int) { self.n = n; self.k = k; self.nr = nr; self.nc = nc }
    /// n·k·nr·nc (the reader only creates shapes whose product fits in an Int).
    public var count: Int { n * k * nr * nc }
    public var description: String { "\(n)×\(k)×\(nr)×\(nc)" }
}

/// A cursor over a dlib-serialized byte array.
public struct DlibReader: Sendable {
    /// The whole file.
    public let bytes: [UInt8]
    /// The position of the next byte to read.
    public var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// True once every byte has been read.
    public var atEnd: Bool { offset >= bytes.count }
    /// The number of bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    /// An error at `offset` (by default the current position).
    public func error(_ message: String, at offset: Int? = nil) -> DlibFormatError {
        DlibFormatError(message, offset: offset ?? self.offset)
    }

    // MARK: integers

    /// A signed integer of at most `maxBytes` magnitude bytes (8 for int64/long, 4 for int, 2 for int16).
    public mutating func int(maxBytes: Int = 8, _ what: String = "integer") throws(DlibFormatError) -> Int64 {
        let start = offset
        let (magnitude, negative) = try rawInteger(maxBytes: maxBytes, what)
        if negative {
            guard magnitude <= UInt64(1) << 63 else {
                offset = start
                throw error("\(what): magnitude \(magnitude) does not fit a signed 64-bit integer", at: start)
            }
            return magnitude == UInt64(1) << 63 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else {
            offset = start
            throw error("\(what): magnitude \(magnitude) does not fit a signed 64-bit integer", at: start)
        }
        return Int64(magnitude)
    }

    /// A signed integer (dlib `int64`/`long`).
    public mutating func int() throws(DlibFormatError) -> Int64 {
        try int(maxBytes: 8, "integer")
    }

    /// An unsigned integer (dlib `unsigned long`, `size_t`, `uint64`); a negative sign is an error, as in dlib.
    public mutating func uint(maxBytes: Int = 8, _ what: String = "unsigned integer") throws(DlibFormatError) -> UInt64 {
        let start = offset
        let (magnitude, negative) = try rawInteger(maxBytes: maxBytes, what)
        guard !negative else {
            offset = start
            throw error("\(what): negative value for an unsigned integer", at: start)
        }
        return magnitude
    }

    /// A count or size (an unsigned integer) that must be ≤ `max`, as an Int.
    public mutating func count(max: Int, _ what: String = "count") throws(DlibFormatError) -> Int {
        let start = offset
        let v = try uint(maxBytes: 8, what)
        guard v <= UInt64(Swift.max(max, 0)) else {
            offset = start
            throw error("\(what) is \(v), more than the allowed \(max)", at: start)
        }
        return Int(v)
    }

    /// A signed integer that must equal `expected`.
    public mutating func expectInt(_ expected: Int64, _ what: String) throws(DlibFormatError) {
        let start = offset
        let v = try int(maxBytes: 8, what)
        guard v == expected else {
            offset = start
            throw error("\(what) is \(v), expected \(expected)", at: start)
        }
    }

    private mutating func rawInteger(maxBytes: Int, _ what: String) throws(DlibFormatError) -> (UInt64, Bool) {
        let start = offset
        guard offset < bytes.count else { throw error("unexpected end of file reading \(what)") }
        let control = bytes[offset]
        guard control & 0x70 == 0 else {
            throw error("\(what): invalid integer control byte 0x\(hex(control)) (reserved bits set)")
        }
        let size = Int(control & 0x0F)
        guard size >= 1 else { throw error("\(what): integer control byte 0x\(hex(control)) gives no magnitude bytes") }
        guard size <= maxBytes else {
            throw error("\(what): integer of \(size) bytes where at most \(maxBytes) are allowed")
        }
        guard bytes.count - offset - 1 >= size else {
            throw error("unexpected end of file reading \(what) (\(size) magnitude bytes, \(bytes.count - offset - 1) left)")
        }
        var magnitude: UInt64 = 0
        var i = offset + size
        while i > offset {
            magnitude = magnitude << 8 | UInt64(bytes[i])
            i -= 1
        }
        offset = start + 1 + size
        return (magnitude, control & 0x80 != 0)
    }

    // MARK: floating point

    /// The (mantissa, exponent) pair of a serialized float or double.
    public mutating func floatDetails(_ what: String = "floating-point value") throws(DlibFormatError) -> (mantissa: Int64, exponent: Int16) {
        let start = offset
        guard offset < bytes.count else { throw error("unexpected end of file reading \(what)") }
        guard bytes[offset] & 0x70 == 0 else {
            throw error("\(what): dlib's old ASCII floating-point format (first byte 0x\(hex(bytes[offset]))) is not supported")
        }
        let mantissa = try int(maxBytes: 8, "\(what) (mantissa)")
        let exponentStart = offset
        let e = try int(maxBytes: 2, "\(what) (exponent)")
        guard let exponent = Int16(exactly: e) else {
            offset = start
            throw error("\(what): exponent \(e) does not fit an int16", at: exponentStart)
        }
        return (mantissa, exponent)
    }

    /// A serialized `float` (or a `double` read into a float, as dlib would: ldexpf((float)mantissa, exponent)).
    public mutating func float(_ what: String = "float") throws(DlibFormatError) -> Float {
        let (m, e) = try floatDetails(what)
        switch e {
        case ..<32000: return Float(sign: .plus, exponent: Int(e), significand: Float(m))
        case 32000: return .infinity
        case 32001: return -.infinity
        default: return .nan
        }
    }

    /// A serialized `double`.
    public mutating func double(_ what: String = "double") throws(DlibFormatError) -> Double {
        let (m, e) = try floatDetails(what)
        switch e {
        case ..<32000: return Double(sign: .plus, exponent: Int(e), significand: Double(m))
        case 32000: return .infinity
        case 32001: return -.infinity
        default: return .nan
        }
    }

    /// A float that must be finite.
    public mutating func finiteFloat(_ what: String = "float") throws(DlibFormatError) -> Float {
        let start = offset
        let v = try float(what)
        guard v.isFinite else {
            offset = start
            throw error("\(what) is \(v), expected a finite number", at: start)
        }
        return v
    }

    // MARK: bool, strings, bytes

    /// A serialized bool: the byte '0' or '1'.
    public mutating func bool(_ what: String = "bool") throws(DlibFormatError) -> Bool {
        guard offset < bytes.count else { throw error("unexpected end of file reading \(what)") }
        switch bytes[offset] {
        case UInt8(ascii: "0"): offset += 1; return false
        case UInt8(ascii: "1"): offset += 1; return true
        case let b: throw error("\(what): byte 0x\(hex(b)) is neither '0' nor '1'")
        }
    }

    /// A serialized std::string of at most `maxLength` bytes (decoded as UTF-8, invalid bytes replaced).
    public mutating func string(maxLength: Int, _ what: String = "string") throws(DlibFormatError) -> String {
        let start = offset
        let length = try count(max: maxLength, "\(what) length")
        guard length <= remaining else {
            offset = start
            throw error("unexpected end of file reading \(what) (\(length) bytes, \(remaining) left)", at: start)
        }
        let s = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        offset += length
        return s
    }

    /// A serialized std::string that must equal `expected` (a layer or object name).
    public mutating func expectString(_ expected: String, _ what: String = "name") throws(DlibFormatError) {
        let start = offset
        let found = try string(maxLength: max(expected.utf8.count, 64), what)
        guard found == expected else {
            offset = start
            throw error("\(what) is \(quoted(found)), expected \(quoted(expected))", at: start)
        }
    }

    /// `count` raw bytes.
    public mutating func rawBytes(count: Int, _ what: String = "bytes") throws(DlibFormatError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw error("unexpected end of file reading \(what) (\(count) bytes, \(remaining) left)")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Skips `count` bytes.
    public mutating func skip(count: Int, _ what: String = "bytes") throws(DlibFormatError) {
        guard count >= 0, count <= remaining else {
            throw error("unexpected end of file skipping \(what) (\(count) bytes, \(remaining) left)")
        }
        offset += count
    }

    // MARK: raw float32 arrays and tensors

    /// `count` raw little-endian IEEE float32 values (a tensor's data).
    public mutating func rawFloats(count: Int, _ what: String = "float32 data") throws(DlibFormatError) -> [Float] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard count >= 0, !overflow, byteCount <= remaining else {
            throw error("unexpected end of file reading \(what) (\(count) float32 values, \(remaining) bytes left)")
        }
        let start = offset
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            initialized = count
        }
        offset += byteCount
        return values
    }

    /// A tensor's header (version 2 and the four dimensions), checked to be non-negative, with a product that fits and
    /// whose data fits in the rest of the file. The data follows; read it with `rawFloats(count: shape.count)`.
    public mutating func tensorShape(_ what: String = "tensor") throws(DlibFormatError) -> DlibTensorShape {
        let start = offset
        let version = try int(maxBytes: 8, "\(what) version")
        guard version == 2 else {
            offset = start
            throw error("\(what): tensor version \(version), expected 2", at: start)
        }
        var dims = [Int]()
        for name in ["num_samples", "k", "nr", "nc"] {
            let at = offset
            let d = try int(maxBytes: 8, "\(what) \(name)")
            guard d >= 0, let v = Int(exactly: d) else {
                offset = start
                throw error("\(what): \(name) is \(d)", at: at)
            }
            dims.append(v)
        }
        var product = 1
        for d in dims {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow else {
                offset = start
                throw error("\(what): dimensions \(dims) overflow", at: start)
            }
            product = p
        }
        guard product <= remaining / 4 else {
            offset = start
            throw error("\(what): \(dims[0])×\(dims[1])×\(dims[2])×\(dims[3]) float32 values do not fit in the \(remaining) bytes left", at: start)
        }
        return DlibTensorShape(n: dims[0], k: dims[1], nr: dims[2], nc: dims[3])
    }

    /// A whole tensor: its shape and its values (NCHW order).
    public mutating func tensor(_ what: String = "tensor") throws(DlibFormatError) -> (shape: DlibTensorShape, values: [Float]) {
        let shape = try tensorShape(what)
        let values = try rawFloats(count: shape.count, "\(what) data")
        return (shape, values)
    }

    /// A tensor whose content is not needed (training state such as gradients); only its structure is checked.
    public mutating func skipTensor(_ what: String = "tensor") throws(DlibFormatError) {
        let shape = try tensorShape(what)
        offset += 4 * shape.count  // tensorShape checked that it fits
    }

    /// A `matrix<float>` (column vectors included): −nr, −nc, then nr·nc floats in float_details form, row by row.
    public mutating func floatMatrix(maxElements: Int = Int.max, _ what: String = "matrix") throws(DlibFormatError) -> (rows: Int, cols: Int, values: [Float]) {
        let start = offset
        var nr = try int(maxBytes: 8, "\(what) rows")
        var nc = try int(maxBytes: 8, "\(what) columns")
        if nr < 0 || nc < 0 {
            guard nr != Int64.min, nc != Int64.min else {
                offset = start
                throw error("\(what): invalid dimensions", at: start)
            }
            nr = -nr; nc = -nc
        }
        guard nr >= 0, nc >= 0, let rows = Int(exactly: nr), let cols = Int(exactly: nc) else {
            offset = start
            throw error("\(what): invalid dimensions \(nr)×\(nc)", at: start)
        }
        let (n, overflow) = rows.multipliedReportingOverflow(by: cols)
        // Every serialized float takes at least 4 bytes (two integers of at least 2 bytes each).
        guard !overflow, n <= maxElements, n <= remaining / 4 else {
            offset = start
            throw error("\(what): \(rows)×\(cols) elements are more than the file (or the limit \(maxElements)) allows", at: start)
        }
        var values = [Float]()
        values.reserveCapacity(n)
        for i in 0..<n {
            values.append(try float("\(what) element \(i)"))
        }
        return (rows, cols, values)
    }
}

private func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

private func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars.prefix(64) {
        if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" {
            out.unicodeScalars.append(scalar)
        } else {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    if s.unicodeScalars.count > 64 { out += "…" }
    return out + "\""
}

// A tiny XML element reader over bytes, just enough for OpenCV FileStorage cascade files.
// It keeps elements, their names and their character data; attributes, comments, processing
// instructions and DOCTYPE declarations are skipped. It never recurses (an explicit stack with a
// depth limit), so malformed or hostile input can only end in a CascadeError.

/// One element: its name and character data as byte ranges of the source, its child elements.
struct CascadeXMLElement {
    var name: Range<Int>
    var children: [Int32] = []
    var text: [Range<Int>] = []
}

struct CascadeXMLTree {
    let bytes: [UInt8]
    private(set) var elements: [CascadeXMLElement] = []
    private(set) var root: Int = -1

    static let maxDepth = 128

    init(_ bytes: [UInt8]) throws(CascadeError) {
        self.bytes = bytes
        let n = bytes.count
        var i = 0
        // UTF-8 byte order mark
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var stack: [Int] = []
        var rootClosed = false

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        func isNameStart(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x3A || c >= 0x80
        }
        func isNameChar(_ c: UInt8) -> Bool {
            isNameStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E
        }
        /// Index just past the first occurrence of `pattern` at or after `from`, or nil.
        func find(_ pattern: [UInt8], from: Int) -> Int? {
            guard let first = pattern.first else { return from }
            var k = from
            while k + pattern.count <= n {
                if bytes[k] == first {
                    var ok = true
                    for j in 1..<pattern.count where bytes[k + j] != pattern[j] { ok = false; break }
                    if ok { return k + pattern.count }
                }
                k += 1
            }
            return nil
        }
        func line(_ at: Int) -> Int {
            var l = 1
            for k in 0..<min(at, n) where bytes[k] == 0x0A { l += 1 }
            return l
        }
        func fail(_ what: String, _ at: Int) -> CascadeError {
            CascadeError("XML: \(what) (line \(line(at)))")
        }

        while i < n {
            // character data up to the next '<'
            let textStart = i
            while i < n && bytes[i] != 0x3C { i += 1 }
            if i > textStart {
                if let top = stack.last {
                    elements[top].text.append(textStart..<i)
                } else {
                    for k in textStart..<i where !isSpace(bytes[k]) {
                        throw fail("text outside the root element", k)
                    }
                }
            }
            if i >= n { break }
            let tagStart = i
            i += 1  // past '<'
            guard i < n else { throw fail("truncated: file ends inside a tag", tagStart) }
            let c = bytes[i]
            if c == 0x3F {  // <? ... ?>
                guard let e = find([0x3F, 0x3E], from: i + 1) else { throw fail("truncated: unterminated <?", tagStart) }
                i = e
            } else if c == 0x21 {  // <! ...
                if i + 2 < n, bytes[i + 1] == 0x2D, bytes[i + 2] == 0x2D {
                    guard let e = find([0x2D, 0x2D, 0x3E], from: i + 3) else { throw fail("truncated: unterminated comment", tagStart) }
                    i = e
                } else if i + 7 < n, Array(bytes[(i + 1)...(i + 7)]) == Array("[CDATA[".utf8) {
                    guard let top = stack.last else { throw fail("CDATA outside the root element", tagStart) }
                    let s = i + 8
                    guard let e = find([0x5D, 0x5D, 0x3E], from: s) else { throw fail("truncated: unterminated CDATA", tagStart) }
                    elements[top].text.append(s..<(e - 3))
                    i = e
                } else {
                    // <!DOCTYPE ...> without an internal subset
                    var k = i + 1
                    while k < n && bytes[k] != 0x3E && bytes[k] != 0x5B { k += 1 }
                    guard k < n else { throw fail("truncated: unterminated <!", tagStart) }
                    guard bytes[k] == 0x3E else { throw fail("DOCTYPE internal subsets are not supported", tagStart) }
                    i = k + 1
                }
            } else if c == 0x2F {  // </name>
                i += 1
                let ns = i
                while i < n && isNameChar(bytes[i]) { i += 1 }
                let name = ns..<i
                while i < n && isSpace(bytes[i]) { i += 1 }
                guard i < n else { throw fail("truncated: file ends inside a closing tag", tagStart) }
                guard bytes[i] == 0x3E else { throw fail("malformed closing tag", tagStart) }
                i += 1
                guard let top = stack.last else { throw fail("closing tag without an open element", tagStart) }
                guard bytes[elements[top].name] == bytes[name] else {
                    throw fail("closing tag </\(String(decoding: bytes[name], as: UTF8.self))> does not match <\(String(decoding: bytes[elements[top].name], as: UTF8.self))>", tagStart)
                }
                stack.removeLast()
                if stack.isEmpty { rootClosed = true }
            } else {  // <name attr="..." ...> or <name/>
                guard isNameStart(c) else { throw fail("malformed tag", tagStart) }
                let ns = i
                while i < n && isNameChar(bytes[i]) { i += 1 }
                let name = ns..<i
                var selfClosing = false
                while true {
                    while i < n && isSpace(bytes[i]) { i += 1 }
                    guard i < n else { throw fail("truncated: file ends inside a tag", tagStart) }
                    if bytes[i] == 0x3E { i += 1; break }
                    if bytes[i] == 0x2F {
                        guard i + 1 < n else { throw fail("truncated: file ends inside a tag", tagStart) }
                        guard bytes[i + 1] == 0x3E else { throw fail("malformed tag", tagStart) }
                        i += 2; selfClosing = true; break
                    }
                    // attribute: name = "value"
                    guard isNameStart(bytes[i]) else { throw fail("malformed attribute", tagStart) }
                    while i < n && isNameChar(bytes[i]) { i += 1 }
                    while i < n && isSpace(bytes[i]) { i += 1 }
                    guard i < n else { throw fail("truncated: file ends inside a tag", tagStart) }
                    guard bytes[i] == 0x3D else { throw fail("malformed attribute", tagStart) }
                    i += 1
                    while i < n && isSpace(bytes[i]) { i += 1 }
                    guard i < n else { throw fail("truncated: file ends inside a tag", tagStart) }
                    let q = bytes[i]
                    guard q == 0x22 || q == 0x27 else { throw fail("attribute value is not quoted", tagStart) }
                    i += 1
                    while i < n && bytes[i] != q { i += 1 }
                    guard i < n else { throw fail("truncated: unterminated attribute value", tagStart) }
                    i += 1
                }
                if rootClosed || (stack.isEmpty && root >= 0) { throw fail("more than one root element", tagStart) }
                guard stack.count < CascadeXMLTree.maxDepth else { throw fail("elements nested deeper than \(CascadeXMLTree.maxDepth)", tagStart) }
                let index = elements.count
                elements.append(CascadeXMLElement(name: name))
                if let top = stack.last { elements[top].children.append(Int32(index)) } else { root = index }
                if !selfClosing { stack.append(index) } else if stack.isEmpty { rootClosed = true }
            }
        }
        if let top = stack.last {
            throw CascadeError("XML: truncated: element <\(String(decoding: bytes[elements[top].name], as: UTF8.self))> is never closed")
        }
        guard root >= 0 else { throw CascadeError("XML: no element found (empty or not an XML file)") }
    }

    func name(_ e: Int) -> String { String(decoding: bytes[elements[e].name], as: UTF8.self) }

    func isNamed(_ e: Int, _ s: String) -> Bool { bytes[elements[e].name].elementsEqual(s.utf8) }

    func children(_ e: Int) -> [Int] { elements[e].children.map { Int($0) } }

    /// The first child element called `s`.
    func child(_ e: Int, _ s: String) -> Int? {
        for c in elements[e].children where isNamed(Int(c), s) { return Int(c) }
        return nil
    }

    /// The whitespace-separated tokens of the element's character data.
    func tokens(_ e: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in elements[e].text {
            var k = r.lowerBound
            while k < r.upperBound {
                while k < r.upperBound && (bytes[k] == 0x20 || bytes[k] == 0x09 || bytes[k] == 0x0A || bytes[k] == 0x0D) { k += 1 }
                let s = k
                while k < r.upperBound && !(bytes[k] == 0x20 || bytes[k] == 0x09 || bytes[k] == 0x0A || bytes[k] == 0x0D) { k += 1 }
                if k > s { out.append(s..<k) }
            }
        }
        return out
    }

    /// The element's character data with surrounding whitespace removed (for a one-token value).
    func string(_ e: Int) -> String {
        tokens(e).map { String(decoding: bytes[$0], as: UTF8.self) }.joined(separator: " ")
    }
}

import Foundation
import Logging

/// Where a page spends its time: phases marked as it goes, logged in one line at debug level (`LOG_LEVEL=debug yakuba
/// serve`), for an operator or a developer asking why a page is slow on their data.
struct PhaseTimer {
    let name: String
    private var last = DispatchTime.now().uptimeNanoseconds
    private var parts: [String] = []
    init(_ name: String) { self.name = name }

    mutating func mark(_ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        parts.append("\(phase)=\(String(format: "%.1f", Double(now - last) / 1e6))ms")
        last = now
    }

    func log(_ logger: Logger) { logger.debug("\(name): \(parts.joined(separator: " "))") }
}

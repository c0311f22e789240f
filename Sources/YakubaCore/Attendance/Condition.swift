import Foundation

/// コンディション (issue 5): how a person says they feel when they clock in, on a five-point scale — optional for the
/// municipality, skippable for the person, never shown to colleagues. The privacy-respecting counterpart of a "smile
/// score": the person's own trend, HR's view of one person, and departments only as averages of five people or more.
public enum ConditionScore: Int, Sendable, Codable, CaseIterable, Hashable {
    case veryPoor = 1, poor, fair, good, veryGood

    public var labelJa: String {
        switch self { case .veryPoor: "よくない"; case .poor: "あまりよくない"; case .fair: "ふつう"; case .good: "よい"; case .veryGood: "とてもよい" }
    }
    public var labelEn: String {
        switch self { case .veryPoor: "Poor"; case .poor: "Not so good"; case .fair: "Fair"; case .good: "Good"; case .veryGood: "Very good" }
    }
}

/// One answer: a person's condition on a day (the first answer of the day is kept).
public struct ConditionCheck: Sendable, Hashable {
    public var staffId: UUID
    public var date: CalendarDate
    public var score: Int
    public init(staffId: UUID, date: CalendarDate, score: Int) { self.staffId = staffId; self.date = date; self.score = score }
}

import Foundation

/// A stretch of work from a clock-in to its clock-out, with the breaks inside it.
public struct WorkSession: Hashable, Sendable {
    public var clockIn: EffectivePunch
    public var clockOut: EffectivePunch?
    public var breaks: [(start: EffectivePunch, end: EffectivePunch?)]
    /// punches inside the session that do not fit the sequence (a second break start, …)
    public var stray: [EffectivePunch]

    public static func == (a: WorkSession, b: WorkSession) -> Bool {
        a.clockIn == b.clockIn && a.clockOut == b.clockOut && a.stray == b.stray
            && a.breaks.map(\.start) == b.breaks.map(\.start) && a.breaks.map(\.end) == b.breaks.map(\.end)
    }
    public func hash(into h: inout Hasher) { h.combine(clockIn); h.combine(clockOut) }
}

/// A session as positions: of its punches in the list it was split from, of its breaks and stray punches in the
/// `IndexedSessions` lists.
struct SessionPositions {
    var clockIn: Int
    var clockOut: Int?
    var breaks: Range<Int>
    var stray: Range<Int>
}

/// A person's punches split into sessions, by position (`SessionBuilder.indexed`).
struct IndexedSessions {
    var sessions: [SessionPositions] = []
    /// each break's start and end (nil while open), sessions' in turn
    var breaks: [(start: Int, end: Int?)] = []
    /// punches inside a session that do not fit its sequence, sessions' in turn
    var stray: [Int] = []
    /// punches outside any session (before the first clock-in, or a clock-out with none open)
    var outside: [Int] = []
}

/// What the punches say about a person at a moment.
public enum PunchState: Equatable, Sendable {
    case off
    case working(since: Date)
    case onBreak(since: Date, workingSince: Date)

    /// The punches that may come next, the first being the one a one-button page offers.
    public var allowedNext: [PunchKind] {
        switch self {
        case .off: [.clockIn]
        case .working: [.clockOut, .breakStart]
        case .onBreak: [.breakEnd]
        }
    }
}

/// Why a punch is refused. Each has a message for the person, in Japanese and English.
public enum PunchRuleViolation: String, Error, Sendable, Equatable {
    case alreadyClockedIn = "already_clocked_in"
    case notClockedIn = "not_clocked_in"
    case onBreak = "on_break"
    case notOnBreak = "not_on_break"
    case outOfOrder = "out_of_order"
    case inFuture = "in_future"
    case tooOld = "too_old"

    public var messageJa: String {
        switch self {
        case .alreadyClockedIn: "すでに出勤の打刻があります。先に退勤を打刻してください。"
        case .notClockedIn: "出勤の打刻がありません。先に出勤を打刻するか、打刻修正を申請してください。"
        case .onBreak: "休憩中です。先に休憩終了を打刻してください。"
        case .notOnBreak: "休憩開始の打刻がありません。"
        case .outOfOrder: "打刻の順序が正しくありません（例：退勤が出勤より前）。時刻を確認してください。"
        case .inFuture: "未来の時刻は指定できません。"
        case .tooOld: "修正できる期間を過ぎています。人事課に連絡してください。"
        }
    }
    public var messageEn: String {
        switch self {
        case .alreadyClockedIn: "You are already clocked in. Clock out first."
        case .notClockedIn: "There is no clock-in. Clock in first, or request a correction."
        case .onBreak: "You are on a break. End the break first."
        case .notOnBreak: "There is no break start."
        case .outOfOrder: "The punches are out of order (e.g. clock-out before clock-in). Check the times."
        case .inFuture: "A time in the future cannot be used."
        case .tooOld: "This is past the period that can be corrected. Contact HR."
        }
    }
}

public enum SessionBuilder {
    /// Splits a time-ordered stream of effective punches into sessions. A clock-in while a session is open
    /// closes the old one without a clock-out (a forgotten clock-out). Punches before any clock-in are stray.
    public static func sessions(_ punches: [EffectivePunch]) -> (sessions: [WorkSession], strayBeforeFirstIn: [EffectivePunch]) {
        let x = indexed(punches)
        let sessions = x.sessions.map { s in
            WorkSession(clockIn: punches[s.clockIn], clockOut: s.clockOut.map { punches[$0] },
                        breaks: x.breaks[s.breaks].map { (punches[$0.start], $0.end.map { punches[$0] }) },
                        stray: x.stray[s.stray].map { punches[$0] })
        }
        return (sessions, x.outside.map { punches[$0] })
    }

    /// The same split as positions in `punches`: what the day computation reads, in place (sessions of copied punches
    /// retain each punch's place and their lists, for every session of every person in a close).
    static func indexed(_ punches: [EffectivePunch]) -> IndexedSessions {
        var x = IndexedSessions()
        x.sessions.reserveCapacity(punches.count / 2)
        var current: SessionPositions?
        for i in punches.indices {
            switch punches[i].kind {
            case .clockIn:
                if let c = current { x.sessions.append(c) }
                current = SessionPositions(clockIn: i, clockOut: nil, breaks: x.breaks.count..<x.breaks.count, stray: x.stray.count..<x.stray.count)
            case .clockOut:
                guard var c = current else { x.outside.append(i); continue }
                c.clockOut = i
                x.sessions.append(c)
                current = nil
            case .breakStart, .breakEnd:
                guard var c = current else { x.outside.append(i); continue }
                // a session's breaks and stray punches are the last ones appended: their ranges grow at the end
                let breakOpen = !c.breaks.isEmpty && x.breaks[c.breaks.upperBound - 1].end == nil
                if punches[i].kind == .breakStart ? breakOpen : !breakOpen {
                    x.stray.append(i)
                    c.stray = c.stray.lowerBound..<x.stray.count
                } else if breakOpen {
                    x.breaks[c.breaks.upperBound - 1].end = i
                } else {
                    x.breaks.append((i, nil))
                    c.breaks = c.breaks.lowerBound..<x.breaks.count
                }
                current = c
            }
        }
        if let c = current { x.sessions.append(c) }
        return x
    }

    /// The state now, given the punches so far. A session open for longer than `abandonAfter` counts as
    /// a forgotten clock-out, so the person can clock in the next day (the old day is flagged instead).
    public static func state(_ punches: [EffectivePunch], now: Date, abandonAfter: TimeInterval = 20 * 3600) -> PunchState {
        guard let last = sessions(punches).sessions.last, last.clockOut == nil,
              now.timeIntervalSince(last.clockIn.at) < abandonAfter else { return .off }
        if let b = last.breaks.last, b.end == nil { return .onBreak(since: b.start.at, workingSince: last.clockIn.at) }
        return .working(since: last.clockIn.at)
    }

    /// Checks a new punch by the person now (the server's time).
    public static func check(next kind: PunchKind, after punches: [EffectivePunch], now: Date, abandonAfter: TimeInterval = 20 * 3600) -> Result<Void, PunchRuleViolation> {
        let s = state(punches, now: now, abandonAfter: abandonAfter)
        if s.allowedNext.contains(kind) { return .success(()) }
        switch (s, kind) {
        case (.off, _): return .failure(kind == .breakEnd ? .notOnBreak : .notClockedIn)
        case (.working, .clockIn): return .failure(.alreadyClockedIn)
        case (.working, .breakEnd): return .failure(.notOnBreak)
        case (.onBreak, .clockIn): return .failure(.alreadyClockedIn)
        case (.onBreak, _): return .failure(.onBreak)
        default: return .failure(.outOfOrder)
        }
    }

    /// Checks that a stream (after a correction is applied) is well formed around `around`:
    /// the session that contains that instant has its punches in order and nothing stray.
    public static func validate(_ punches: [EffectivePunch], around: Date, abandonAfter: TimeInterval = 20 * 3600) -> Result<Void, PunchRuleViolation> {
        let (sessions, stray) = sessions(punches)
        if stray.contains(where: { abs($0.at.timeIntervalSince(around)) < 36 * 3600 }) {
            return .failure(stray.first!.kind == .clockOut ? .outOfOrder : .notClockedIn)
        }
        for s in sessions {
            let end = s.clockOut?.at ?? s.clockIn.at.addingTimeInterval(36 * 3600)
            guard around >= s.clockIn.at.addingTimeInterval(-36 * 3600), around <= end.addingTimeInterval(36 * 3600) else { continue }
            if !s.stray.isEmpty { return .failure(.outOfOrder) }
            if let out = s.clockOut, out.at.timeIntervalSince(s.clockIn.at) > abandonAfter { return .failure(.outOfOrder) }
        }
        return .success(())
    }
}

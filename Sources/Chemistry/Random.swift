/// SplitMix64: a small, fast, seedable generator whose stream is fixed by its seed on
/// every platform and Swift version (Steele, Lea & Flood, OOPSLA 2014).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The generator's whole state (checkpoints store it; `init(state:)` resumes the stream).
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator that continues the stream of one whose `state` was saved.
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound, by Lemire's multiply-shift with rejection
    /// (independent of the standard library's algorithm, so streams never change).
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let r = next().multipliedFullWidth(by: b)
            if r.low >= threshold { return Int(r.high) }
        }
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Fisher–Yates shuffle with this generator (stable across Swift versions).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, uniform(below: i + 1))
        }
    }
}

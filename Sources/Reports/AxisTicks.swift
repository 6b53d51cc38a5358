// Axis ranges and tick positions: "nice" linear steps (1, 2, 5 × 10^k) and logarithmic
// decades with minor ticks at 2…9 × 10^k.

import Foundation

/// The range of an axis and where its ticks go.
public struct AxisTicks: Equatable, Sendable {
    /// The axis range, covering the data.
    public var lower: Double, upper: Double
    /// Major ticks (with grid lines): decades on a log axis, multiples of the step on a linear one.
    public var major: [Double]
    /// Minor ticks (short, no label unless in `labelled`): 2…9 × 10^k on a log axis; none on a linear one.
    public var minor: [Double]
    /// The ticks that carry a label.
    public var labelled: [Double]
    /// The linear step (0 on a log axis); sets the decimals of the labels.
    public var step: Double

    /// Ticks at multiples of a nice step (1, 2 or 5 × 10^k) giving about `target` intervals;
    /// the range is widened to the neighbouring multiples. An empty range is widened by ±1
    /// (or ±10 % of the value).
    public static func linear(from minimum: Double, to maximum: Double, target: Int = 5) -> AxisTicks {
        var lo = Swift.min(minimum, maximum), hi = Swift.max(minimum, maximum)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo <= Swift.max(abs(hi), abs(lo)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let step = niceStep((hi - lo) / Double(Swift.max(1, target)))
        let first = (lo / step + 1e-9).rounded(.down), last = (hi / step - 1e-9).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { k -> Double in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
        return AxisTicks(lower: first * step, upper: last * step, major: ticks, minor: [], labelled: ticks, step: step)
    }

    /// Decade ticks for positive data: the range is widened to the neighbouring m × 10^k
    /// (m = 1…9), majors sit at the decades inside it, minors at 2…9 × 10^k. When fewer than
    /// two decades fall inside, the 2 × and 5 × minors are labelled too, and when even that
    /// gives fewer than two labels, every minor is. Non-positive input falls back to 1…10.
    public static func logarithmic(from minimum: Double, to maximum: Double) -> AxisTicks {
        var lo = Swift.min(minimum, maximum), hi = Swift.max(minimum, maximum)
        if !(lo > 0) || !hi.isFinite { lo = 1; hi = 10 }
        lo = mantissaFloor(lo)
        hi = mantissaCeil(hi)
        if hi <= lo * (1 + 1e-12) { hi = nextMantissa(lo) }
        let k0 = Int((log10(lo) - 1e-9).rounded(.down)), k1 = Int((log10(hi) + 1e-9).rounded(.up))
        let inside = { (v: Double) in v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) }
        var major: [Double] = [], minor: [Double] = []
        for k in k0...k1 {
            let decade = pow(10, Double(k))
            if inside(decade) { major.append(decade) }
            if k1 - k0 <= 8 { for m in 2...9 where inside(Double(m) * decade) { minor.append(Double(m) * decade) } }
        }
        var labelled = major
        if labelled.count < 2 {
            labelled += minor.filter { v in [2.0, 5.0].contains { abs(v / pow(10, (log10(v) + 1e-9).rounded(.down)) - $0) < 1e-6 } }
        }
        if labelled.count < 2 { labelled = major + minor }
        return AxisTicks(lower: lo, upper: hi, major: major, minor: minor, labelled: labelled.sorted(), step: 0)
    }

    /// The step of 1, 2, 5 or 10 × 10^k nearest `raw` (on a roughly logarithmic scale).
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, log10(raw).rounded(.down))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    }

    static func decade(_ v: Double) -> Double { pow(10, (log10(v) + 1e-9).rounded(.down)) }
    static func mantissaFloor(_ v: Double) -> Double { let d = decade(v); return (v / d + 1e-9).rounded(.down) * d }
    static func mantissaCeil(_ v: Double) -> Double { let d = decade(v); return (v / d - 1e-9).rounded(.up) * d }
    static func nextMantissa(_ v: Double) -> Double { let d = decade(v); return ((v / d).rounded() + 1) * d }

    /// A tick label: decimals from the step on a linear axis; on a log axis plain decimals for
    /// 10^-3 … 10^5 and `m×10^k` outside.
    public func label(_ v: Double) -> String {
        if step > 0 {
            let decimals = Swift.max(0, Int(-log10(step).rounded(.down)))
            return String(format: "%.\(decimals)f", v)
        }
        let k = Int((log10(v) + 1e-9).rounded(.down))
        if (-3...5).contains(k) { return String(format: "%.\(Swift.max(0, -k))f", v) }
        let m = (v / pow(10, Double(k))).rounded()
        return m == 1 ? "1e\(k)" : "\(Int(m))e\(k)"
    }
}

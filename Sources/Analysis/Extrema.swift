/// Counting the local extrema of a sampled curve, ignoring wiggles below a tolerance.
///
/// Rule (a zig-zag filter with hysteresis `tolerance`): walking along the curve, a maximum
/// is counted when the curve rose at least `tolerance` to it from the last counted minimum
/// (or from the lowest point so far) and then falls at least `tolerance` below it before
/// rising above it again; minima likewise. So every counted extremum has a prominence of at
/// least `tolerance` on both sides, and noise smaller than `tolerance` adds nothing.
///
/// On an open curve the end points are never extrema. On a periodic curve the sequence is
/// read as a circle: it is started (and closed) at its global maximum, which counts as one
/// extremum when the curve's range reaches `tolerance`; a cosine over a full period has 2.
public enum Extrema {
    /// Indices of the counted extrema of an open curve, in order.
    public static func indices(_ y: [Double], tolerance: Double) -> [Int] {
        guard y.count >= 3 else { return [] }
        var result = [Int]()
        var trend = 0             // +1 rising, −1 falling, 0 not yet known
        var high = 0, low = 0     // extreme points so far while the trend is unknown
        var candidate = 0         // the running extreme in the current trend
        for i in 1..<y.count {
            switch trend {
            case 0:
                if y[i] > y[high] { high = i }
                if y[i] < y[low] { low = i }
                if y[high] - y[low] >= tolerance {
                    // The range was below tolerance before i, so the earlier turn is not an extremum.
                    (trend, candidate) = high > low ? (1, high) : (-1, low)
                }
            case 1:
                if y[i] > y[candidate] {
                    candidate = i
                } else if y[candidate] - y[i] >= tolerance {
                    result.append(candidate)
                    (trend, candidate) = (-1, i)
                }
            default:
                if y[i] < y[candidate] {
                    candidate = i
                } else if y[i] - y[candidate] >= tolerance {
                    result.append(candidate)
                    (trend, candidate) = (1, i)
                }
            }
        }
        return result
    }

    /// The number of counted extrema of `y` (open or periodic), see the type's rule.
    public static func count(_ y: [Double], periodic: Bool, tolerance: Double) -> Int {
        guard periodic else { return indices(y, tolerance: tolerance).count }
        guard let top = y.indices.max(by: { y[$0] < y[$1] }), let bottom = y.min(),
              y[top] - bottom >= tolerance else { return 0 }
        let circle = Array(y[top...] + y[..<top]) + [y[top]]
        return indices(circle, tolerance: tolerance).count + 1
    }

    /// Indices of the counted minima of `y` (open or periodic; same rule as `count`).
    public static func minima(_ y: [Double], periodic: Bool, tolerance: Double) -> [Int] {
        func isMinimum(_ v: [Double], _ i: Int) -> Bool {
            // A counted extremum is a minimum when the curve rises from it on a side.
            let left = i > 0 ? v[i - 1] : v[i], right = i + 1 < v.count ? v[i + 1] : v[i]
            return v[i] <= left && v[i] <= right
        }
        guard periodic else { return indices(y, tolerance: tolerance).filter { isMinimum(y, $0) } }
        guard let top = y.indices.max(by: { y[$0] < y[$1] }), let bottom = y.min(),
              y[top] - bottom >= tolerance else { return [] }
        let circle = Array(y[top...] + y[..<top]) + [y[top]]
        return indices(circle, tolerance: tolerance).filter { isMinimum(circle, $0) }.map { ($0 + top) % y.count }.sorted()
    }
}

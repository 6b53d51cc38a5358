/// Energy conservation of an NVE run: a least-squares line through the total energy per
/// atom against time, and the spread about the start.
public struct EnergyDrift: Equatable, Sendable {
    /// Slope of the least-squares line of E_total / N against t, meV/atom/ps.
    public var slope: Double
    /// Standard deviation of E_total / N over the samples, meV/atom.
    public var standardDeviation: Double
    /// Largest |E_total(t) − E_total(0)| / N, meV/atom.
    public var maximumDeviation: Double
    /// Time covered by the samples, fs.
    public var duration: Double

    /// The drift of `samples` (times in fs, energies in eV) of a structure of `atomCount`
    /// atoms. With fewer than two samples every number is zero.
    public init(samples: [MDSample], atomCount: Int) {
        self.init(times: samples.map(\.time), totalEnergies: samples.map(\.totalEnergy), atomCount: atomCount)
    }

    /// The drift of total energies `totalEnergies` (eV) at `times` (fs).
    public init(times: [Double], totalEnergies: [Double], atomCount: Int) {
        precondition(times.count == totalEnergies.count && atomCount > 0)
        let n = Double(times.count)
        let y = totalEnergies.map { $0 / Double(atomCount) * 1000 }  // meV/atom
        guard times.count > 1 else {
            (slope, standardDeviation, maximumDeviation, duration) = (0, 0, 0, 0)
            return
        }
        let tMean = times.reduce(0, +) / n, yMean = y.reduce(0, +) / n
        var sty = 0.0, stt = 0.0, syy = 0.0
        for k in times.indices {
            sty += (times[k] - tMean) * (y[k] - yMean)
            stt += (times[k] - tMean) * (times[k] - tMean)
            syy += (y[k] - yMean) * (y[k] - yMean)
        }
        slope = stt > 0 ? sty / stt * 1000 : 0  // per fs → per ps
        standardDeviation = (syy / n).squareRoot()
        maximumDeviation = y.map { abs($0 - y[0]) }.max() ?? 0
        duration = (times.last ?? 0) - (times.first ?? 0)
    }
}

/// A histogram of lengths with fixed bins, and their running mean and standard deviation.
public struct LengthHistogram: Equatable, Sendable {
    /// Lower edge of the first bin, Å.
    public let lower: Double
    /// Bin width, Å.
    public let binWidth: Double
    /// Counts per bin: bin k covers [lower + k·w, lower + (k+1)·w).
    public private(set) var counts: [Int]
    /// Values below `lower`.
    public private(set) var underflow = 0
    /// Values at or above the last bin's upper edge.
    public private(set) var overflow = 0
    /// Number of values, in bins or not.
    public private(set) var count = 0
    /// Mean of all values, Å.
    public private(set) var mean = 0.0
    private var m2 = 0.0

    /// Bins of width `binWidth` from `lower` to `upper` (Å).
    public init(lower: Double, upper: Double, binWidth: Double) {
        precondition(upper > lower && binWidth > 0, "histogram needs upper > lower and a positive bin width")
        self.lower = lower
        self.binWidth = binWidth
        counts = Array(repeating: 0, count: Int(((upper - lower) / binWidth).rounded(.up)))
    }

    /// Upper edge of the last bin, Å.
    public var upper: Double { lower + Double(counts.count) * binWidth }
    /// Population standard deviation of the values, Å.
    public var standardDeviation: Double { count > 0 ? (m2 / Double(count)).squareRoot() : 0 }
    /// Centres of the bins, Å.
    public var binCenters: [Double] { counts.indices.map { lower + (Double($0) + 0.5) * binWidth } }

    /// Adds one value (Å); Welford's update for mean and variance.
    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
        let k = ((value - lower) / binWidth).rounded(.down)
        if k < 0 { underflow += 1 } else if k >= Double(counts.count) { overflow += 1 } else { counts[Int(k)] += 1 }
    }
}

/// Bond-length histograms per bond type ("C-H", "C-O", …) over the frames of a run, for
/// the bonds of a fixed ``BondGraph`` (the starting geometry's).
public struct BondLengthStatistics: Sendable {
    /// The bonds whose lengths are collected.
    public let bonds: BondGraph
    /// One histogram per bond type.
    public private(set) var histograms: [String: LengthHistogram]

    /// Empty histograms with bins of `binWidth` from `lower` to `upper` (Å); by default
    /// 0.5–3.0 Å in 0.01 Å bins.
    public init(bonds: BondGraph, lower: Double = 0.5, upper: Double = 3.0, binWidth: Double = 0.01) {
        self.bonds = bonds
        let empty = LengthHistogram(lower: lower, upper: upper, binWidth: binWidth)
        histograms = Dictionary(bonds.bonds.map { (bonds.type(of: $0), empty) }, uniquingKeysWith: { a, _ in a })
    }

    /// The bond types, sorted.
    public var types: [String] { histograms.keys.sorted() }

    /// Adds every bond length of one frame at `positions` (Å).
    public mutating func add(_ positions: [SIMD3<Double>]) {
        for bond in bonds.bonds {
            histograms[bonds.type(of: bond)]!.add(bonds.length(of: bond, positions: positions))
        }
    }
}

import Foundation

/// Settings of the scan metrics.
public struct ScanMetricOptions: Sendable, Equatable {
    /// The highest "smooth" harmonic M: power above it counts as high-frequency, and the
    /// smooth fit keeps harmonics up to it. Default 6 (torsional force fields use cosine
    /// terms up to n = 6).
    public var cutoffHarmonic: Int
    /// The least prominence of a counted extremum, eV (default 1 meV).
    public var extremumTolerance: Double

    /// Largest distance between matched model and reference minima, in mean grid
    /// spacings (default 2.5: 25° on a 10° grid).
    public var matchSpacings: Double

    public init(cutoffHarmonic: Int = 6, extremumTolerance: Double = 1e-3, matchSpacings: Double = 2.5) {
        self.cutoffHarmonic = cutoffHarmonic
        self.extremumTolerance = extremumTolerance
        self.matchSpacings = matchSpacings
    }
}

/// Smoothness and consistency of one energy curve along a scan.
///
/// Units follow the path parameter s (`CoordinateUnit.pathParameterUnit`): radians for
/// torsions and bends, Å for stretches and proton transfers, point index for plain paths.
/// Unavailable values are `nil` (empty CSV cells).
public struct ScanMetrics: Sendable, Equatable {
    /// Number of points n.
    public var points: Int
    /// R = (1/L) ∫ (d²E/ds²)² ds in (eV/unit²)²: the mean squared curvature.
    ///
    /// d²E/ds² by three-point differences (`PathStencils`). Periodic paths: the mean over
    /// all n points (the trapezoid rule over one period, L = period). Open paths: the
    /// trapezoid rule over the interior points 1 … n−2 divided by L = s_{n−2} − s₁ (the
    /// one-sided end stencils are only first-order). For E = A cos s, R = A²/2.
    /// `nil` below 4 points.
    public var roughness: Double?
    /// Share of spectral power above harmonic M (`Spectral.highFrequencyShare`), in [0, 1];
    /// uneven grids are first resampled linearly onto a uniform one. `nil` below 4 points.
    public var highFrequencyShare: Double?
    /// Counted extrema of the curve (`Extrema`, prominence ≥ the tolerance).
    public var extrema: Int
    /// Counted extrema of the reference curve when the path has reference energies, else
    /// of a smooth fit of this curve: the Fourier series up to M for periodic paths, the
    /// Whittaker–Henderson smoother with cutoff M for open ones (`Spectral`).
    public var referenceExtrema: Int
    /// True when `referenceExtrema` comes from a smooth fit rather than reference energies.
    public var referenceIsSmoothFit: Bool
    /// extrema − referenceExtrema (positive: wiggles the reference does not have).
    public var spuriousExtrema: Int { extrema - referenceExtrema }
    /// RMSE over the points of (−dE/ds) − F·t, eV/unit, both along each point's local
    /// direction (``ScanCurve``: −dE/ds a fine central difference, F·t the analytic path
    /// derivative): ~10⁻⁶ when forces are the exact negative gradient of the energies, at
    /// any scan step. `nil` without forces.
    public var consistencyRMSE: Double?
    /// Points whose closest non-bonded contact is below the clash factor (``ContactCheck``);
    /// `nil` when not measured.
    public var clashPoints: Int?
    /// Relaxed scans: points whose relaxation did not reach the force threshold; else `nil`.
    public var unconvergedPoints: Int?
    /// Relaxed scans: points where at least one relaxation ended in a clash — a hole of the
    /// model, where atoms collapse and the energy falls (``RelaxedTorsionScan``); else `nil`.
    public var holePoints: Int?
    /// Relaxed scans: the largest deviation of the held coordinate from its target, degrees.
    public var maxHeldResidual: Double?
    /// Coordinate (in the scan's unit) of the highest point; the barrier height is
    /// `energyRange` (highest minus lowest point).
    public var barrierPosition: Double?
    /// The reference curve's max − min, meV, and the coordinate of its highest point.
    public var referenceBarrier: Double?
    public var referenceBarrierPosition: Double?
    /// √R / (max E − min E), per unit² (rad⁻² or Å⁻²): the curvature roughness relative to
    /// the barrier, so a profile's shape, not its height, sets it. A single cosine
    /// A cos(m s) gives m²/(2√2): 0.35, 1.41, 3.18 for m = 1, 2, 3. `nil` for a flat curve.
    public var normalisedRoughness: Double?
    /// Counted minima of the curve, and of the reference curve when there is one.
    public var minima: Int
    public var referenceMinima: Int?
    /// Reference minima with a model minimum within `ScanMetricOptions.matchSpacings`
    /// grid spacings (found), without one (missed), and model minima matching no reference
    /// minimum (spurious); `nil` without reference. Each minimum is matched at most once.
    public var minimaFound: Int?
    public var minimaMissed: Int?
    public var minimaSpurious: Int?
    /// RMSE of E − E_ref after removing the mean difference, meV; `nil` without reference.
    public var referenceRMSE: Double?
    /// max E − min E, meV.
    public var energyRange: Double

    /// The metrics of `energies` (eV) on the grid `s` (strictly increasing; `period` for a
    /// periodic path), with −dE/ds and F·t when forces exist and reference energies (eV)
    /// when the path has them.
    public init(s: [Double], period: Double?, energies: [Double], minusDEds: [Double]? = nil,
                forceAlongPath: [Double]? = nil, referenceEnergies: [Double]? = nil,
                coordinates: [Double]? = nil, closestContacts: [Double?]? = nil, clashFactor: Double = 1.0,
                relaxation: [PointRelaxation]? = nil, options: ScanMetricOptions = ScanMetricOptions()) {
        let n = energies.count
        precondition(s.count == n, "one grid value per energy")
        let periodic = period != nil
        points = n
        energyRange = n == 0 ? 0 : (energies.max()! - energies.min()!) * 1000
        if n >= 4 {
            let stencils = PathStencils(s: s, period: period)
            let curvature = stencils.secondDerivative(energies).map { $0 * $0 }
            if periodic {
                roughness = curvature.reduce(0, +) / Double(n)
            } else {
                var integral = 0.0
                for i in 1..<(n - 2) { integral += 0.5 * (curvature[i] + curvature[i + 1]) * (s[i + 1] - s[i]) }
                roughness = integral / (s[n - 2] - s[1])
            }
            let uniform = Self.isUniform(s) ? energies : Spectral.resampledUniformly(energies, at: s)
            highFrequencyShare = Spectral.highFrequencyShare(uniform, periodic: periodic, cutoff: options.cutoffHarmonic)
        }
        let tolerance = options.extremumTolerance
        extrema = Extrema.count(energies, periodic: periodic, tolerance: tolerance)
        if let referenceEnergies {
            referenceExtrema = Extrema.count(referenceEnergies, periodic: periodic, tolerance: tolerance)
            referenceIsSmoothFit = false
            let d = zip(energies, referenceEnergies).map { $0 - $1 }
            let mean = d.reduce(0, +) / Double(max(n, 1))
            referenceRMSE = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(n, 1))).squareRoot() * 1000
        } else {
            let fit = periodic ? Spectral.fourierFit(energies, order: options.cutoffHarmonic)
                               : Spectral.smoothingFit(energies, cutoff: options.cutoffHarmonic)
            referenceExtrema = Extrema.count(fit, periodic: periodic, tolerance: tolerance)
            referenceIsSmoothFit = true
        }
        if let minusDEds, let forceAlongPath {
            let sq = zip(minusDEds, forceAlongPath).map { ($0 - $1) * ($0 - $1) }.filter(\.isFinite)
            if !sq.isEmpty { consistencyRMSE = (sq.reduce(0, +) / Double(sq.count)).squareRoot() }
        }
        let x = coordinates ?? s
        if let top = energies.indices.max(by: { energies[$0] < energies[$1] }) { barrierPosition = x[top] }
        if let range = energies.max().flatMap({ m in energies.min().map { m - $0 } }), range > 0, let roughness {
            normalisedRoughness = roughness.squareRoot() / range
        }
        if let closestContacts {
            clashPoints = closestContacts.filter { ($0 ?? .infinity) < clashFactor }.count
        }
        if let relaxation {
            unconvergedPoints = relaxation.filter { !$0.converged }.count
            holePoints = relaxation.filter { $0.clashingCandidates > 0 }.count
            maxHeldResidual = relaxation.map(\.heldResidual).max()
        }
        let ownMinima = Extrema.minima(energies, periodic: periodic, tolerance: tolerance)
        minima = ownMinima.count
        if let referenceEnergies, let top = referenceEnergies.indices.max(by: { referenceEnergies[$0] < referenceEnergies[$1] }) {
            referenceBarrier = (referenceEnergies[top] - referenceEnergies.min()!) * 1000
            referenceBarrierPosition = x[top]
            let refMinima = Extrema.minima(referenceEnergies, periodic: periodic, tolerance: tolerance)
            referenceMinima = refMinima.count
            let spacing = n > 1 ? abs(x[n - 1] - x[0]) / Double(n - 1) : 0
            let span = periodic ? spacing * Double(n) : nil
            func distance(_ a: Int, _ b: Int) -> Double {
                let d = abs(x[a] - x[b])
                return span.map { min(d, $0 - d) } ?? d
            }
            // Greedy matching, closest pairs first.
            var pairs: [(Int, Int, Double)] = []
            for r in refMinima { for m in ownMinima { pairs.append((r, m, distance(r, m))) } }
            var usedR = Set<Int>(), usedM = Set<Int>()
            for (r, m, d) in pairs.sorted(by: { $0.2 < $1.2 }) where d <= options.matchSpacings * spacing {
                if usedR.contains(r) || usedM.contains(m) { continue }
                usedR.insert(r); usedM.insert(m)
            }
            minimaFound = usedR.count
            minimaMissed = refMinima.count - usedR.count
            minimaSpurious = ownMinima.count - usedM.count
        }
    }

    /// True when the spacing of `s` is the same everywhere (to 1e-6 relative).
    static func isUniform(_ s: [Double]) -> Bool {
        guard s.count >= 3 else { return true }
        let h = (s[s.count - 1] - s[0]) / Double(s.count - 1)
        return zip(s, s.dropFirst()).allSatisfy { abs(($1 - $0) - h) <= 1e-6 * abs(h) }
    }
}

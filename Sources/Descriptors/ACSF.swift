// Behler–Parrinello ACSFs as a differentiable function of positions.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff
import Chemistry

/// Computes Behler–Parrinello ACSFs (see ``ACSFParameters`` for the formulas and feature
/// order) as a differentiable function of the atomic positions, composed of `Autodiff`
/// primitives (gather, broadcasting arithmetic, exp, cos, pow, scatter-add), so forces and
/// force-training gradients (second order) come from the tape.
///
/// ```swift
/// let acsf = ACSFComputer(.molecules)
/// let topology = try NeighbourTopology(conformation: c, request: acsf.parameters.request)
/// let g = acsf(Tensor<Double>(positions: c.positions), topology: topology)   // [A, 152]
/// ```
public struct ACSFComputer: Sendable {
    public let parameters: ACSFParameters

    public init(_ parameters: ACSFParameters) { self.parameters = parameters }

    /// The ACSFs `[A, featureCount]` of the atoms at `positions` (`[A, 3]`, Å) with the
    /// pairs and triplets of `topology` (built with ``ACSFParameters/request``).
    public func callAsFunction<S>(_ positions: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        features(pairVectors: topology.pairVectors(positions), topology: topology)
    }

    /// The same ACSFs from the pair vectors r_ij `[P, 3]` (Å) of `topology`
    /// (``NeighbourTopology/pairVectors(_:)``), differentiable in them.
    public func features<S>(pairVectors: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        let p = parameters
        let n = topology.atomCount
        let geometry = SymmetryFunctionGeometry(pairVectors: pairVectors, topology: topology, cutoff: p.cutoff)
        let slots = zip(topology.centers, topology.neighbours).map { $0.0 * p.species.count + topology.speciesIndices[$0.1] }
        let radial = geometry.radialTerms(p.radial)
            .scatterAdd(indices: slots, into: n * p.species.count)
            .reshaped([n, p.radialLength])
        guard !p.angular.isEmpty else { return radial }
        guard topology.tripletCount > 0 else {
            return Tensor.concatenate([radial, Tensor<S>.zeros(shape: [n, p.angularLength])], alongAxis: 1)
        }
        let (a, b) = (topology.tripletFirst, topology.tripletSecond)
        let tripletSlots = (0..<topology.tripletCount).map { q -> Int in
            let i = topology.centers[a[q]]
            let sj = topology.speciesIndices[topology.neighbours[a[q]]]
            let sk = topology.speciesIndices[topology.neighbours[b[q]]]
            return i * p.speciesPairCount + p.pairIndex(sj, sk)
        }
        let angular = geometry.angularTerms(p.angular, topology: topology)
            .scatterAdd(indices: tripletSlots, into: n * p.speciesPairCount)
            .reshaped([n, p.angularLength])
        return Tensor.concatenate([radial, angular], alongAxis: 1)
    }
}

/// The per-pair and per-triplet terms shared by ACSFs and eeACSFs, before they are summed
/// into per-atom features.
struct SymmetryFunctionGeometry<S: TensorScalar> {
    /// Pair displacements r_ij = r_j + shift − r_i, `[P, 3]` (Å).
    let u: Tensor<S>
    /// Pair distances, `[P, 1]` (Å).
    let d: Tensor<S>
    /// Cosine cutoff f_c(r_ij), `[P, 1]`.
    let fc: Tensor<S>

    init(pairVectors: Tensor<S>, topology: NeighbourTopology, cutoff rc: Double) {
        precondition(pairVectors.shape == [topology.pairCount, 3], "pair vectors \(pairVectors.shape) for \(topology.pairCount) pairs")
        u = pairVectors
        d = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(S(1e-12))
        // f_c = ½ (cos(π r / r_c) + 1) for r ≤ r_c, else 0 (the mask is a constant).
        fc = ((d * S(Double.pi / rc)).cos() * S(0.5) + S(0.5)) * d.mask(inRange: 0, S(rc))
    }

    /// `[P, nR]`: exp(−η (r_ij − r_s)²) f_c(r_ij) for each radial function.
    func radialTerms(_ radial: [ACSFParameters.Radial]) -> Tensor<S> {
        let rs = Tensor<S>(shape: [1, radial.count], scalars: radial.map { S($0.rs) })
        let eta = Tensor<S>(shape: [1, radial.count], scalars: radial.map { S(-$0.eta) })
        return ((d - rs).squared() * eta).exp() * fc
    }

    /// `[T, nA]`: 2^(1−ζ) (1 + λ cos θ_ijk)^ζ exp(−η (r_ij² + r_ik²)) f_c(r_ij) f_c(r_ik)
    /// for each triplet of `topology` and angular function.
    ///
    /// `1 + λ cos θ` is clamped at 0 (rounding can push it just below), and the power is
    /// skipped for ζ = 1, so first and second derivatives stay finite at θ = 0, π.
    func angularTerms(_ angular: [ACSFParameters.Angular], topology: NeighbourTopology) -> Tensor<S> {
        let (a, b) = (topology.tripletFirst, topology.tripletSecond)
        let uj = u.gather(indices: a), uk = u.gather(indices: b)
        let dj = d.gather(indices: a), dk = d.gather(indices: b)                  // [T, 1]
        let cosine = (uj * uk).sum(alongAxes: [1], keepingDims: true) / (dj * dk).clamped(min: S(1e-10))
        let lambda = Tensor<S>(shape: [1, angular.count], scalars: angular.map { S($0.lambda) })
        let base = (cosine * lambda + S(1)).clamped(min: 0)                      // [T, nA]
        // (1 + λ cos θ)^ζ, one pow per distinct ζ, columns put back in parameter order.
        var groups: [Tensor<S>] = [], order: [Int] = []
        for zeta in Set(angular.map(\.zeta)).sorted() {
            let columns = angular.indices.filter { angular[$0].zeta == zeta }
            let x = base.gather(indices: columns, axis: 1)
            groups.append((zeta == 1 ? x : x.pow(S(zeta))) * S(pow(2, 1 - zeta)))
            order += columns
        }
        var inverse = [Int](repeating: 0, count: angular.count)
        for (position, column) in order.enumerated() { inverse[column] = position }
        let angle = Tensor.concatenate(groups, alongAxis: 1).gather(indices: inverse, axis: 1)
        let eta = Tensor<S>(shape: [1, angular.count], scalars: angular.map { S(-$0.eta) })
        let radial = ((dj.squared() + dk.squared()) * eta).exp()                 // [T, nA]
        return angle * radial * (fc.gather(indices: a) * fc.gather(indices: b))
    }
}

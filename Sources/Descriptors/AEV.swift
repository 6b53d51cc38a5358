// The ANI atomic environment vector as a differentiable function of positions.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff
import Chemistry

/// Computes ANI AEVs (see ``AEVParameters`` for the formulas and feature order) as a
/// differentiable function of the atomic positions.
///
/// ``callAsFunction(_:topology:)`` is one fused primitive (``AEVFusedKernel``): its VJP is the
/// fused product Jᵀg, whose own VJP is the fused product J v, so forces and the parameter
/// gradient of a force loss (force training) never record or differentiate a descriptor
/// graph. Derivatives of higher order in the positions (a Hessian) fall back to
/// ``composed(_:topology:)``, the same AEV written in `Autodiff` tensor primitives (gather,
/// broadcasting arithmetic, exp, cos, pow, scatter-add), which is differentiable to any
/// order and is the reference the fused kernel is tested against.
///
/// ```swift
/// let aev = AEVComputer(.ani1x)
/// let topology = try NeighbourTopology(conformation: c, parameters: aev.parameters)
/// let r = Tensor<Float>(positions: c.positions).requiringGrad()
/// let g = aev(r, topology: topology)            // [N, 384]
/// ```
public struct AEVComputer: Sendable {
    /// The hyperparameters.
    public let parameters: AEVParameters

    public init(_ parameters: AEVParameters) { self.parameters = parameters }

    /// The AEVs `[N, featureCount]` of the atoms at `positions` (`[N, 3]`, Å; may require
    /// gradients) with the pairs and triplets of `topology` (the fused kernel).
    public func callAsFunction<Scalar>(_ positions: Tensor<Scalar>, topology: NeighbourTopology) -> Tensor<Scalar> {
        precondition(positions.shape == [topology.atomCount, 3],
                     "positions \(positions.shape) for \(topology.atomCount) atoms")
        return FusedAEV.descriptors(positions, computer: self, topology: topology)
    }

    /// The same AEVs composed of tensor primitives: differentiable to any order, slower; the
    /// reference for the fused kernel and the route of position Hessians.
    public func composed<Scalar>(_ positions: Tensor<Scalar>, topology: NeighbourTopology) -> Tensor<Scalar> {
        precondition(positions.shape == [topology.atomCount, 3],
                     "positions \(positions.shape) for \(topology.atomCount) atoms")
        let n = topology.atomCount
        let p = parameters
        // Pair displacements r_ij = r_j + shift − r_i and distances.
        let shifts = Tensor<Scalar>(shape: [topology.pairCount, 3], scalars: topology.shifts.map { Scalar($0) })
        let u = positions.gather(indices: topology.neighbours) - positions.gather(indices: topology.centers) + shifts
        let d = (u * u).sum(alongAxes: [1], keepingDims: true).safeSqrt(Scalar(1e-12))  // [P, 1]

        let radial = radialPart(d, topology: topology)
        guard topology.tripletCount > 0 else {
            let zeros = Tensor<Scalar>.zeros(shape: [n, p.angularLength])
            return Tensor.concatenate([radial, zeros], alongAxis: 1)
        }
        let angular = angularPart(u, d, topology: topology)
        return Tensor.concatenate([radial, angular], alongAxis: 1)
    }

    /// Convenience: the AEVs of one structure, building its topology from the values of
    /// `positions` (`[N, 3]`).
    public func callAsFunction<Scalar>(_ positions: Tensor<Scalar>, atomicNumbers: [Int], cell: Cell?) throws -> Tensor<Scalar> {
        let s = positions.scalars.map { Double($0) }
        let r = (0..<(s.count / 3)).map { SIMD3(s[3 * $0], s[3 * $0 + 1], s[3 * $0 + 2]) }
        let topology = try NeighbourTopology(positions: r, atomicNumbers: atomicNumbers, cell: cell, parameters: parameters)
        return self(positions, topology: topology)
    }

    /// `fc(r) = ½ cos(π r / Rc) + ½` for r ≤ Rc, else 0 (the mask is a constant).
    func cutoff<Scalar>(_ d: Tensor<Scalar>, _ rc: Double) -> Tensor<Scalar> {
        ((d * Scalar(Double.pi / rc)).cos() * Scalar(0.5) + Scalar(0.5)) * d.mask(inRange: 0, Scalar(rc))
    }

    /// `[N, species · shfR]`: ¼ exp(−ηR (r − Rs)²) fc(r), summed per (centre, neighbour species).
    func radialPart<Scalar>(_ d: Tensor<Scalar>, topology: NeighbourTopology) -> Tensor<Scalar> {
        let p = parameters
        let terms = AEVKernels.radialTerms(d, shifts: p.shfR, eta: p.etaR, cutoff: p.radialCutoff)  // [P, nR]
        let slots = zip(topology.centers, topology.neighbours).map {
            $0.0 * p.speciesCount + topology.speciesIndices[$0.1]
        }
        return terms.scatterAdd(indices: slots, into: topology.atomCount * p.speciesCount)
            .reshaped([topology.atomCount, p.radialLength])
    }

    /// `[N, pairs · shfA · shfZ]`: 2 ((1 + cos(θ − θs))/2)^ζ exp(−ηA ((r_ij + r_ik)/2 − Rs)²)
    /// fc(r_ij) fc(r_ik), with cos θ = 0.95 cos∠(r_ij, r_ik) (TorchANI's damping) and
    /// cos(θ − θs) = cos θ cos θs + sin θ sin θs, sin θ = √(1 − cos²θ) (θ ∈ [0, π]).
    func angularPart<Scalar>(_ u: Tensor<Scalar>, _ d: Tensor<Scalar>, topology: NeighbourTopology) -> Tensor<Scalar> {
        let p = parameters
        let t = topology.tripletCount
        let (a, b) = (topology.tripletFirst, topology.tripletSecond)
        let uj = u.gather(indices: a), uk = u.gather(indices: b)
        let dj = d.gather(indices: a), dk = d.gather(indices: b)                 // [T, 1]
        let denominator = (dj * dk).clamped(min: Scalar(1e-10))
        let cosine = (uj * uk).sum(alongAxes: [1], keepingDims: true) / denominator * Scalar(0.95)
        let sine = (Scalar(1) - cosine.squared()).sqrt()                        // ≥ √(1 − 0.95²)
        let cosZ = Tensor<Scalar>(shape: [1, p.shfZ.count], scalars: p.shfZ.map { Scalar(cos($0)) })
        let sinZ = Tensor<Scalar>(shape: [1, p.shfZ.count], scalars: p.shfZ.map { Scalar(sin($0)) })
        let shifted = cosine * cosZ + sine * sinZ                               // [T, nZ]
        let factor1 = ((shifted + Scalar(1)) * Scalar(0.5)).pow(Scalar(p.zeta)) // [T, nZ]
        let shfA = Tensor<Scalar>(shape: [1, p.shfA.count], scalars: p.shfA.map { Scalar($0) })
        let mean = (dj + dk) * Scalar(0.5)
        let factor2 = ((mean - shfA).squared() * Scalar(-p.etaA)).exp()        // [T, nA]
        let fc = cutoff(dj, p.angularCutoff) * cutoff(dk, p.angularCutoff) * Scalar(2)   // [T, 1]
        let terms = (factor2 * fc).reshaped([t, p.shfA.count, 1]) * factor1.reshaped([t, 1, p.shfZ.count])
        let slots = (0..<t).map { q -> Int in
            let i = topology.centers[a[q]]
            let sj = topology.speciesIndices[topology.neighbours[a[q]]]
            let sk = topology.speciesIndices[topology.neighbours[b[q]]]
            return i * p.speciesPairCount + p.pairIndex(sj, sk)
        }
        return terms.reshaped([t, p.angularSublength])
            .scatterAdd(indices: slots, into: topology.atomCount * p.speciesPairCount)
            .reshaped([topology.atomCount, p.angularLength])
    }
}

extension Tensor {
    /// An `[N, 3]` tensor of positions (Å).
    public convenience init(positions: [SIMD3<Double>], requiresGrad: Bool = false) {
        self.init(shape: [positions.count, 3],
                  scalars: positions.flatMap { [Scalar($0.x), Scalar($0.y), Scalar($0.z)] },
                  requiresGrad: requiresGrad)
    }
}

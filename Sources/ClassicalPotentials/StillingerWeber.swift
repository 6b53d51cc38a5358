import Chemistry
import Descriptors
import Foundation

/// A one-element Stillinger–Weber potential (Stillinger & Weber, Phys. Rev. B 31, 5262
/// (1985), doi:10.1103/PhysRevB.31.5262) for molecules and periodic cells:
///
///     E = ½ Σ_i Σ_{j≠i} φ₂(r_ij) + Σ_i Σ_{j<k; j,k≠i} φ₃(r_ij, r_ik, θ_jik)
///
/// (see ``StillingerWeberParameters`` for φ₂ and φ₃), with the neighbours of every atom
/// taken from a full ``NeighbourList`` at the cutoff aσ, so periodic images — including an
/// atom's own images in cells smaller than 2aσ — count as neighbours. Energies in eV,
/// forces in eV/Å, evaluated in Float64 with hand-written derivatives (checked against
/// central finite differences in the tests).
public struct StillingerWeber: Sendable {
    /// The parameters.
    public let parameters: StillingerWeberParameters

    public init(_ parameters: StillingerWeberParameters) {
        self.parameters = parameters
    }

    /// The names `metamlip data classical --potential` and recipe `relabel:` accept.
    public static let named: [String: StillingerWeber] = [
        "sw-si": StillingerWeber(.silicon), "sw-ge": StillingerWeber(.germanium),
    ]

    /// The potential called `name` (`sw-si`, `sw-ge`), or a `DataError` naming `file` and
    /// `item` that lists the known names.
    public static func named(_ name: String, file: String, item: String? = nil) throws -> StillingerWeber {
        guard let potential = named[name] else {
            throw DataError(file: file, item: item,
                            "unknown classical potential '\(name)' (known: \(named.keys.sorted().joined(separator: ", ")))")
        }
        return potential
    }

    /// The element the potential describes.
    public var element: Int { parameters.element }

    /// Energy (eV) and forces F = −∂E/∂R (shape (N,) of xyz, eV/Å) of atoms
    /// `atomicNumbers` at `positions` (Å) in `cell` (`nil`: a molecule).
    ///
    /// - Throws: `DataError` naming `label` for an atom of another element, non-finite
    ///   positions or a degenerate cell.
    public func energyAndForces(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?,
                                label: String = "Stillinger–Weber") throws -> (energy: Double, forces: [SIMD3<Double>]) {
        guard atomicNumbers.count == positions.count else {
            throw DataError(file: label, item: "positions", "\(positions.count) positions for \(atomicNumbers.count) atoms")
        }
        if let other = atomicNumbers.first(where: { $0 != parameters.element }) {
            throw DataError(file: label, item: "atomic numbers",
                            "element \(Element.symbol(for: other)) is not covered by this Stillinger–Weber potential for \(Element.symbol(for: parameters.element))")
        }
        let list = try NeighbourList(positions: positions, cell: cell, cutoff: parameters.cutoff, kind: .full, label: label)
        let P = parameters
        let rc = P.cutoff
        var energy = 0.0
        var forces = [SIMD3<Double>](repeating: .zero, count: positions.count)
        // Displacements and per-pair radial factors, reused by the three-body loops.
        var d = [SIMD3<Double>](repeating: .zero, count: list.count)
        var r = [Double](repeating: 0, count: list.count)
        var g = [Double](repeating: 0, count: list.count)   // exp(γσ / (r − aσ))
        var dg = [Double](repeating: 0, count: list.count)  // d g / d r
        for k in 0..<list.count {
            let dk = list.displacement(k, positions: positions)
            let rk = (dk * dk).sum().squareRoot()
            d[k] = dk
            r[k] = rk
            let (e2, de2) = pair(rk)
            // Each unordered pair is listed twice: half of φ₂ per direction.
            energy += 0.5 * e2
            let fk = 0.5 * de2 / rk * dk    // ∂(½φ₂)/∂r_j; −this on j, +this on i
            forces[Int(list.neighbours[k])] -= fk
            forces[Int(list.centers[k])] += fk
            (g[k], dg[k]) = Self.decay(rk, scale: P.gamma * P.sigma, cutoff: rc)
        }
        let strength = P.lambda * P.epsilon
        for i in 0..<positions.count {
            let row = list.pairs(of: i)
            for k1 in row {
                guard g[k1] > 0 else { continue }
                for k2 in (k1 + 1)..<row.upperBound {
                    guard g[k2] > 0 else { continue }
                    let d1 = d[k1], d2 = d[k2], r1 = r[k1], r2 = r[k2]
                    let cosine = (d1 * d2).sum() / (r1 * r2)
                    let delta = cosine - P.cosTheta0
                    let radial = g[k1] * g[k2]
                    energy += strength * delta * delta * radial
                    // ∂h/∂d₁ = λε [2δ ∂cos/∂d₁ g₁g₂ + δ² g₁' g₂ d₁/r₁], ∂cos/∂d₁ = d₂/(r₁r₂) − cos d₁/r₁².
                    let dc1 = d2 / (r1 * r2) - cosine * d1 / (r1 * r1)
                    let dc2 = d1 / (r1 * r2) - cosine * d2 / (r2 * r2)
                    let gradient1 = strength * (2 * delta * radial * dc1 + delta * delta * dg[k1] * g[k2] / r1 * d1)
                    let gradient2 = strength * (2 * delta * radial * dc2 + delta * delta * g[k1] * dg[k2] / r2 * d2)
                    forces[Int(list.neighbours[k1])] -= gradient1
                    forces[Int(list.neighbours[k2])] -= gradient2
                    forces[i] += gradient1 + gradient2
                }
            }
        }
        return (energy, forces)
    }

    /// The energy (eV) of `conformation`.
    public func energy(of conformation: Conformation, label: String = "Stillinger–Weber") throws -> Double {
        try energyAndForces(atomicNumbers: conformation.atomicNumbers, positions: conformation.positions,
                            cell: conformation.cell, label: label).energy
    }

    /// `conformation` with its energy and forces replaced by this potential's.
    public func relabelling(_ conformation: Conformation, label: String = "Stillinger–Weber") throws -> Conformation {
        let (e, f) = try energyAndForces(atomicNumbers: conformation.atomicNumbers, positions: conformation.positions,
                                         cell: conformation.cell, label: label)
        var c = conformation
        c.energy = e
        c.forces = f
        return c
    }

    /// φ₂(r) and dφ₂/dr (eV, eV/Å); zero at and beyond the cutoff.
    func pair(_ r: Double) -> (Double, Double) {
        let P = parameters
        let (e, de) = Self.decay(r, scale: P.sigma, cutoff: P.cutoff)
        guard e > 0 else { return (0, 0) }
        let s = P.sigma / r
        let sp = pow(s, P.p), sq = pow(s, P.q)
        let u = P.bigB * sp - sq
        let du = (-P.p * P.bigB * sp + P.q * sq) / r
        let scale = P.bigA * P.epsilon
        return (scale * u * e, scale * (du * e + u * de))
    }

    /// exp(s / (r − rc)) and its derivative in r; exactly zero where the exponent is below
    /// −700 (there both underflow, and s/(r − rc)² could overflow).
    static func decay(_ r: Double, scale s: Double, cutoff rc: Double) -> (Double, Double) {
        guard r < rc else { return (0, 0) }
        let x = s / (r - rc)
        guard x > -700 else { return (0, 0) }
        let e = exp(x)
        return (e, -e * x / (r - rc))
    }
}

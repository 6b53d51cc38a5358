import Autodiff
import Chemistry
import Potentials

/// Energies along a scan path, with their derivative along the path and, when forces
/// exist, the force projected on the path tangent.
///
/// With s the path parameter (`ScanPath.pathParameter`: rad, Å or index) and
/// t_i = dR/ds at point i (three-point differences of the path geometry, `PathStencils`,
/// shape (N,) xyz in Å per unit of s):
/// - `minusDEds[i]` = −dE/ds from three-point differences of the energies, eV/unit;
/// - `forceAlongPath[i]` = Σ_atoms F·t, eV/unit (for a rigid torsion, the torque about the
///   bond in eV/rad).
/// The two agree up to O(h²) when F = −∂E/∂R (chain rule: dE/ds = ∂E/∂R · dR/ds).
public struct ScanCurve: Sendable {
    public var path: ScanPath
    /// Energies, shape (n,), eV.
    public var energies: [Double]
    /// Forces, shape (n,) of (N,) xyz, eV/Å; `nil` for energies-only curves.
    public var forces: [[SIMD3<Double>]]?
    /// −dE/ds, shape (n,), eV/unit; `nil` below 3 points.
    public var minusDEds: [Double]?
    /// F·dR/ds, shape (n,), eV/unit; `nil` without forces or below 3 points.
    public var forceAlongPath: [Double]?

    /// A curve of `energies` (eV) and optional `forces` (eV/Å) on `path`.
    public init(path: ScanPath, energies: [Double], forces: [[SIMD3<Double>]]? = nil) {
        precondition(energies.count == path.count, "one energy per point")
        precondition(forces.map { $0.count == path.count } ?? true, "one force set per point")
        self.path = path
        self.energies = energies
        self.forces = forces
        guard path.count >= 3 else { return }
        let stencils = PathStencils(s: path.pathParameter, period: path.period)
        minusDEds = stencils.derivative(energies).map { -$0 }
        if let forces {
            let tangents = stencils.tangents(path.conformations.map(\.positions))
            forceAlongPath = zip(forces, tangents).map { f, t in zip(f, t).reduce(0) { $0 + Geometry.dot($1.0, $1.1) } }
        }
    }

    /// The reference curve of a path with reference energies (energies only), or `nil`.
    public static func reference(_ path: ScanPath) -> ScanCurve? {
        path.referenceEnergies.map { ScanCurve(path: path, energies: $0) }
    }
}

/// Evaluates a potential along scan paths in Float64.
public struct ScanEvaluator {
    public let potential: any AtomisticPotential
    /// Parameters in Float64 (finite differences along the path need more than Float's
    /// 7 digits on total energies of 10⁴ eV).
    public let parameters: ParameterSet<Double>
    /// Points evaluated per batch.
    public var batchSize: Int

    public init(potential: any AtomisticPotential, parameters: ParameterSet<Double>, batchSize: Int = 16) {
        self.potential = potential
        self.parameters = parameters
        self.batchSize = max(1, batchSize)
    }

    /// A model file's `Float` parameters, converted to Float64.
    public init(potential: any AtomisticPotential, parameters: ParameterSet<Float>, batchSize: Int = 16) {
        self.init(potential: potential, parameters: parameters.converted(to: Double.self), batchSize: batchSize)
    }

    /// Energies (eV) and forces (eV/Å) of every point of `path`.
    /// - Throws: `DataError` naming `file` and the scan when the path has elements the
    ///   model lacks.
    public func evaluate(_ path: ScanPath, file: String = "model") throws -> ScanCurve {
        let missing = potential.unsupported(path.conformations.flatMap(\.atomicNumbers))
        guard missing.isEmpty else {
            throw DataError(file: file, item: path.name,
                            "elements \(missing.map { Element.symbol(for: $0) }.joined(separator: " ")) are not in the model (it has \(potential.elements.map { Element.symbol(for: $0) }.joined(separator: " ")))")
        }
        var energies = [Double](), forces = [[SIMD3<Double>]]()
        var start = 0
        while start < path.count {
            let batch = Array(path.conformations[start..<min(start + batchSize, path.count)])
            let output = try potential.evaluate(batch, parameters: parameters, withForces: true)
            energies += output.energies.scalars
            let f = output.forces!.scalars
            var row = 0
            for c in batch {
                forces.append((0..<c.atomCount).map { a in SIMD3(f[3 * (row + a)], f[3 * (row + a) + 1], f[3 * (row + a) + 2]) })
                row += c.atomCount
            }
            start += batchSize
        }
        return ScanCurve(path: path, energies: energies, forces: forces)
    }
}

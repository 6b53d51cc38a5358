import Autodiff
import Chemistry
import Potentials

/// Energies along a scan path, with, when forces exist, the energy–force consistency at
/// each point and the closest non-bonded contact.
///
/// With t_i = dR/ds the direction in which point i moves as its coordinate grows
/// (`ScanPath.localDirection(at:)`: the analytic rotation or translation of the scan at the
/// point's own geometry, Å per unit of s):
/// - `forceAlongPath[i]` = Σ_atoms F·t, eV/unit (for a torsion, the torque about the bond
///   in eV/rad);
/// - `minusDEds[i]` = −[E(R + h t) − E(R − h t)] / 2h, eV/unit, a fine central difference
///   of the model's own energy with h such that the largest atom moves 10⁻³ Å.
/// The two agree to ~10⁻⁶ eV/unit when F = −∂E/∂R, whatever the scan step, so their
/// difference measures the model, not the grid. Energies-only curves (reference paths)
/// have neither.
public struct ScanCurve: Sendable {
    public var path: ScanPath
    /// Energies, shape (n,), eV.
    public var energies: [Double]
    /// Forces, shape (n,) of (N,) xyz, eV/Å; `nil` for energies-only curves.
    public var forces: [[SIMD3<Double>]]?
    /// −dE/ds from the fine local difference, shape (n,), eV/unit; `nil` without forces.
    public var minusDEds: [Double]?
    /// F·dR/ds, shape (n,), eV/unit; `nil` without forces.
    public var forceAlongPath: [Double]?
    /// Closest non-bonded contact d/(r_i + r_j) at each point (``ContactCheck``), shape (n,);
    /// `nil` when not measured.
    public var closestContacts: [Double?]?
    /// Why `closestContacts` is `nil` for a curve with forces (the covalent graph of the
    /// first point could not be formed), for the caller to report.
    public var contactsAbsentReason: String?

    /// A curve of `energies` (eV), optional `forces` (eV/Å) and their derivatives along the
    /// local directions (eV/unit).
    public init(path: ScanPath, energies: [Double], forces: [[SIMD3<Double>]]? = nil,
                minusDEds: [Double]? = nil, forceAlongPath: [Double]? = nil, closestContacts: [Double?]? = nil) {
        precondition(energies.count == path.count, "one energy per point")
        precondition(forces.map { $0.count == path.count } ?? true, "one force set per point")
        self.path = path
        self.energies = energies
        self.forces = forces
        self.minusDEds = minusDEds
        self.forceAlongPath = forceAlongPath
        self.closestContacts = closestContacts
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

    /// Energies (eV) and forces (eV/Å) of every point of `path`, the consistency terms at
    /// each point (see ``ScanCurve``) and the closest non-bonded contacts.
    /// - Throws: `DataError` naming `file` and the scan when the path has elements the
    ///   model lacks.
    public func evaluate(_ path: ScanPath, file: String = "model", clashFactor: Double = 1.0) throws -> ScanCurve {
        let missing = potential.unsupported(path.conformations.flatMap(\.atomicNumbers))
        guard missing.isEmpty else {
            throw DataError(file: file, item: path.name,
                            "elements \(missing.map { Element.symbol(for: $0) }.joined(separator: " ")) are not in the model (it has \(potential.elements.map { Element.symbol(for: $0) }.joined(separator: " ")))")
        }
        let (energies, forces) = try energiesAndForces(path.conformations, withForces: true)
        // The fine differences: E(R ± h t) at every point with a direction.
        var displaced: [Conformation] = [], steps: [Double?] = [], directions: [[SIMD3<Double>]?] = []
        for i in 0..<path.count {
            guard let t = path.localDirection(at: i), let largest = t.map(Geometry.norm).max(), largest > 0 else {
                steps.append(nil); directions.append(nil); continue
            }
            let h = 1e-3 / largest
            for sign in [1.0, -1.0] {
                var c = path.conformations[i]
                for a in c.positions.indices { c.positions[a] += sign * h * t[a] }
                displaced.append(c)
            }
            steps.append(h); directions.append(t)
        }
        let (shifted, _) = try energiesAndForces(displaced, withForces: false)
        var minusDEds: [Double] = [], along: [Double] = [], k = 0
        for i in 0..<path.count {
            guard let h = steps[i], let t = directions[i] else { minusDEds.append(.nan); along.append(.nan); continue }
            minusDEds.append(-(shifted[k] - shifted[k + 1]) / (2 * h))
            along.append(zip(forces[i], t).reduce(0) { $0 + Geometry.dot($1.0, $1.1) })
            k += 2
        }
        // Contacts need the covalent graph of the first point; without it (an element with
        // no covalent radius, atoms already overlapping) the column stays empty and says why.
        var curve = ScanCurve(path: path, energies: energies, forces: forces, minusDEds: minusDEds, forceAlongPath: along)
        do {
            let check = ContactCheck(try Connectivity(path.conformations[0], file: file, item: path.name), clashFactor: clashFactor)
            curve.closestContacts = path.conformations.map { check.closestContact($0.positions) }
        } catch {
            curve.contactsAbsentReason = "\(error)"
        }
        return curve
    }

    /// Energies (eV) and, when asked, forces (eV/Å) of `conformations`, in batches.
    func energiesAndForces(_ conformations: [Conformation], withForces: Bool) throws -> ([Double], [[SIMD3<Double>]]) {
        var energies = [Double](), forces = [[SIMD3<Double>]]()
        var start = 0
        while start < conformations.count {
            let batch = Array(conformations[start..<min(start + batchSize, conformations.count)])
            let output = try potential.evaluate(batch, parameters: parameters, withForces: withForces)
            energies += output.energies.scalars
            if withForces {
                let f = output.forces!.scalars
                var row = 0
                for c in batch {
                    forces.append((0..<c.atomCount).map { a in SIMD3(f[3 * (row + a)], f[3 * (row + a) + 1], f[3 * (row + a) + 2]) })
                    row += c.atomCount
                }
            }
            start += batchSize
        }
        return (energies, forces)
    }
}

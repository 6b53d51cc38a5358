import Chemistry
import Potentials

/// The committee mean and spread of several models at one configuration.
///
/// For members m = 1…M with energies E_m (eV) and forces F_m,iα (eV/Å):
///
///     E       = (1/M) Σ_m E_m                                   (eV)
///     F_iα    = (1/M) Σ_m F_m,iα                                (eV/Å)
///     σ_E     = √( Σ_m (E_m − E)² / (M − 1) )                   (eV, total energy, not per atom)
///     σ_F,iα  = √( Σ_m (F_m,iα − F_iα)² / (M − 1) )            (eV/Å, per atom and component)
///
/// the sample standard deviations of ``Training/Committee`` (which divides σ_E by the atom
/// count); for one member both spreads are 0.
public struct CommitteeEvaluation: Equatable, Sendable {
    /// Mean total energy, eV.
    public var energy: Double
    /// Mean forces, shape (N,) of xyz, eV/Å.
    public var forces: [SIMD3<Double>]
    /// Sample standard deviation of the members' total energies, eV.
    public var energyStd: Double
    /// Sample standard deviation of the members' forces, per atom and component, shape (N,) of xyz, eV/Å.
    public var forcesStd: [SIMD3<Double>]
    /// Each member's total energy, eV, shape (M,).
    public var memberEnergies: [Double]
    /// The mean of the members' virials W = −∂E/∂ε (eV, ``Potentials/Virial``) when asked
    /// for, else nil. (The virial is linear in E, so this is the committee mean's virial.)
    public var virial: Virial?

    public init(energy: Double, forces: [SIMD3<Double>], energyStd: Double, forcesStd: [SIMD3<Double>], memberEnergies: [Double],
                virial: Virial? = nil) {
        self.energy = energy; self.forces = forces; self.energyStd = energyStd; self.forcesStd = forcesStd
        self.memberEnergies = memberEnergies
        self.virial = virial
    }
}

/// Several fitted models evaluated together (a committee, or one model when M = 1): the
/// engine behind the C library (`libmetamlip-c`) and `metamlip predict`.
///
/// Each member is a ``PotentialCalculator`` (Float64, self-energies included, forces −∂E/∂R).
/// As a ``ForceCalculator`` it gives the committee mean, so optimisers and integrators can
/// drive a committee like one model. Not thread-safe (the members cache their atom batch):
/// callers that share one instance between threads hold a lock around each call.
public final class CommitteeCalculator: ForceCalculator {
    /// The members, at least one.
    public let members: [PotentialCalculator]
    /// Number of evaluations so far (one per configuration, whatever M).
    public private(set) var calls = 0

    /// A committee of `members`.
    ///
    /// - Precondition: at least one member.
    public init(members: [PotentialCalculator]) {
        precondition(!members.isEmpty, "a committee needs at least one member")
        self.members = members
    }

    /// Atomic numbers every member has a network for, ascending.
    public var elements: [Int] {
        var common = Set(members[0].potential.elements)
        for member in members.dropFirst() { common.formIntersection(member.potential.elements) }
        return common.sorted()
    }

    /// The atomic numbers of `atomicNumbers` that are not valid elements (1…118) or that
    /// some member has no network for, in order of first appearance.
    public func unsupported(_ atomicNumbers: [Int]) -> [Int] {
        let known = Set(elements)
        var seen = Set<Int>(), missing: [Int] = []
        for z in atomicNumbers where !known.contains(z) && seen.insert(z).inserted { missing.append(z) }
        return missing
    }

    /// Throws a `DataError` naming `file` and `item` when `atomicNumbers` holds an element
    /// some member lacks (or a number that is no element).
    public func checkElements(_ atomicNumbers: [Int], file: String, item: String? = nil) throws {
        let missing = unsupported(atomicNumbers)
        guard missing.isEmpty else {
            let names = missing.map { Element(atomicNumber: $0) == nil ? "Z=\($0)" : Element.symbol(for: $0) }
            throw DataError(file: file, item: item,
                            "elements \(names) are not among the model's elements \(elements.map { Element.symbol(for: $0) })")
        }
    }

    /// Mean energy and forces with the committee spread of `atomicNumbers` (shape (N,)) at
    /// `positions` (shape (N,) of xyz, Å) in `cell` (`nil` for a molecule).
    ///
    /// With `withVirial`, also the members' mean virial (``CommitteeEvaluation/virial``).
    ///
    /// - Throws: `DataError` for an element some member lacks, non-finite positions, a bad
    ///   cell, or a member whose energy, forces or virial are not finite.
    public func predict(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?,
                        withVirial: Bool = false) throws -> CommitteeEvaluation {
        calls += 1
        try checkElements(atomicNumbers, file: "calculator", item: "atomic numbers")
        var results: [EnergyAndForces] = []
        results.reserveCapacity(members.count)
        for (m, member) in members.enumerated() {
            let r = try member.calculate(atomicNumbers: atomicNumbers, positions: positions, cell: cell, withVirial: withVirial)
            guard r.energy.isFinite, r.forces.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }),
                  r.virial?.rowMajor.allSatisfy(\.isFinite) ?? true else {
                throw DataError(file: "calculator", item: "member \(m)",
                                "the model gives a non-finite energy, force or virial (energy \(r.energy) eV)")
            }
            results.append(r)
        }
        let m = Double(results.count)
        let energies = results.map(\.energy)
        let energy = energies.reduce(0, +) / m
        var forces = [SIMD3<Double>](repeating: .zero, count: positions.count)
        for r in results { for i in forces.indices { forces[i] += r.forces[i] } }
        for i in forces.indices { forces[i] /= m }
        var energyStd = 0.0
        var forcesStd = [SIMD3<Double>](repeating: .zero, count: positions.count)
        if results.count > 1 {
            energyStd = (energies.reduce(0) { $0 + ($1 - energy) * ($1 - energy) } / (m - 1)).squareRoot()
            for r in results {
                for i in forcesStd.indices {
                    let d = r.forces[i] - forces[i]
                    forcesStd[i] += d * d
                }
            }
            for i in forcesStd.indices { forcesStd[i] = (forcesStd[i] / (m - 1)).squareRoot() }
        }
        return CommitteeEvaluation(energy: energy, forces: forces, energyStd: energyStd, forcesStd: forcesStd,
                                   memberEnergies: energies,
                                   virial: withVirial ? Virial.mean(results.map { $0.virial! }) : nil)
    }

    /// The committee mean energy (eV) and forces (eV/Å), as ``predict(atomicNumbers:positions:cell:)``.
    public func calculate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?) throws -> EnergyAndForces {
        let p = try predict(atomicNumbers: atomicNumbers, positions: positions, cell: cell)
        return EnergyAndForces(energy: p.energy, forces: p.forces)
    }
}

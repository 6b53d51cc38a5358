import Chemistry
import Foundation
import Simulation
import Training

/// What a `metamlip_model *` points to: one model or a committee, with the lock that makes
/// a handle safe to share between threads (calls on one handle run one at a time).
final class ModelHandle: @unchecked Sendable {
    /// The model files, in the order given.
    let paths: [String]
    /// Members evaluated together (guarded by `lock`).
    private let committee: CommitteeCalculator
    private let lock = NSLock()
    /// Atomic numbers every member can evaluate, ascending.
    let elements: [Int]

    var memberCount: Int { committee.members.count }

    /// Loads the model files `paths` (at least one).
    ///
    /// - Throws: `.file` for a path that is missing, a directory or empty; `.model` for a
    ///   file that is not a well-formed MetaMLIP model; `.argument` for an empty list.
    init(paths: [String]) throws(CAPIError) {
        guard !paths.isEmpty else { throw CAPIError(.argument, "a committee needs at least one model file") }
        var members: [PotentialCalculator] = []
        for path in paths {
            do {
                try InputFile.requireRegularFile(path)
            } catch {
                throw CAPIError(.file, "\(error)")
            }
            do {
                let (potential, parameters) = try ModelFile.load(path: path)
                members.append(PotentialCalculator(potential: potential, parameters: parameters))
            } catch {
                throw CAPIError(.model, "\(error)")
            }
        }
        self.paths = paths
        committee = CommitteeCalculator(members: members)
        elements = committee.elements
        guard !elements.isEmpty else {
            throw CAPIError(.model, "the models \(paths) have no element in common")
        }
    }

    /// The committee prediction for one configuration (with `withVirial`, its mean virial
    /// too), its inputs checked first.
    ///
    /// - Parameters:
    ///   - atomicNumbers: shape (N,), N ≥ 1.
    ///   - positions: shape (N,) of xyz, Å.
    ///   - cell: the lattice vectors (rows, Å) and periodicity, or `nil` for a molecule.
    /// - Throws: `.element` for a number that is no element or one a member lacks (naming the
    ///   atom), `.geometry` for non-finite positions or cell entries, `.evaluation` for
    ///   anything the model refuses (a degenerate cell, a non-finite result).
    func predict(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?,
                 withVirial: Bool = false) throws(CAPIError) -> CommitteeEvaluation {
        let known = Set(elements)
        for (i, z) in atomicNumbers.enumerated() where !known.contains(z) {
            let names = elements.map { Element.symbol(for: $0) }
            guard Element(atomicNumber: z) != nil else {
                throw CAPIError(.element, "atom \(i): atomic number \(z) is not an element (1…118)")
            }
            throw CAPIError(.element, "atom \(i): element \(Element.symbol(for: z)) (Z=\(z)) is not among the model's elements \(names)")
        }
        if let i = positions.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            let r = positions[i]
            throw CAPIError(.geometry, "positions: atom \(i) is not finite (\(r.x), \(r.y), \(r.z)) Å")
        }
        if let cell, let k = cell.vectors.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            throw CAPIError(.geometry, "cell: lattice vector \(["a", "b", "c"][k]) is not finite (\(cell.vectors[k]))")
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            return try committee.predict(atomicNumbers: atomicNumbers, positions: positions, cell: cell, withVirial: withVirial)
        } catch {
            throw CAPIError(.evaluation, "\(error)")
        }
    }
}

// Labelled conformations prepared once for fitting: cached topologies and residual targets.

import Autodiff
import Chemistry
import Descriptors
import Potentials

/// Conformations of one or more tasks prepared for fitting a potential: each fixed
/// geometry's ``NeighbourTopology`` is built once, and each energy becomes a *residual*
/// target E_c − Σ_{i∈c} e_self,t[Z_i] with the self-energies of the conformation's own
/// task t (levels of theory differ by large, mostly one-body offsets; the network learns
/// what is left). Residuals are computed in Double, so Float never has to resolve a total
/// energy of ~10⁴ eV.
///
/// Mini-batches (``batch(_:)``) concatenate cached topologies; a batch may mix tasks.
///
/// **Large pools.** A topology takes ~10–20 kB for a small organic molecule (pairs within
/// the radial cutoff, triplets within the angular one), so caching 10⁵ of them costs more
/// than the conformations themselves. With `cacheTopologies: false` each topology is built
/// and checked at construction, then dropped and rebuilt for every batch that uses it
/// (~50 µs per conformation, under 1 % of a training step); the numbers are identical.
///
/// **Energy-only conformations.** A conformation without forces (a high-level task such as
/// ANI-1ccx's CCSD(T)/CBS gives energies only) is allowed unless `requireForces`; its batch
/// rows carry a force mask of 0, so it contributes its energy term only (``forceLabelled``,
/// ``FittingBatch/forceMask``). Sets where every conformation has forces build exactly the
/// batches they did before masks existed.
public struct FittingSet: Sendable {
    /// One task's conformations and the self-energies of its level of theory.
    public struct Part: Sendable {
        public var name: String
        public var conformations: [Conformation]
        public var selfEnergies: SelfEnergies
        public init(name: String, conformations: [Conformation], selfEnergies: SelfEnergies) {
            self.name = name; self.conformations = conformations; self.selfEnergies = selfEnergies
        }
    }

    /// All conformations, parts laid end to end.
    public let conformations: [Conformation]
    /// Topology of each conformation for the potential's `neighbourRequest`, or nil where
    /// it is rebuilt for each batch (`cacheTopologies: false`).
    let topologies: [NeighbourTopology?]
    /// The potential's neighbour request, for topologies that are not cached.
    let request: NeighbourRequest
    /// Whether every topology is kept in memory.
    public var cachesTopologies: Bool { !topologies.contains { $0 == nil } }
    /// Pools larger than this (conformations) are best prepared with `cacheTopologies: false`.
    public static let topologyCacheLimit = 20_000
    /// Residual energy targets E_c − E_self,c (eV).
    public let residuals: [Double]
    /// Part (task) index of each conformation.
    public let partIndices: [Int]
    /// Names of the parts.
    public let partNames: [String]
    /// Whether each conformation has reference forces, shape `[count]`.
    public let forceLabelled: [Bool]
    /// Whether every conformation has forces.
    public var hasForces: Bool { !forceLabelled.contains(false) }
    /// Number of conformations with forces.
    public var forceLabelledCount: Int { forceLabelled.lazy.filter { $0 }.count }
    /// Whether no conformation has forces (an energy-only set; true for an empty set).
    public var isEnergyOnly: Bool { !forceLabelled.contains(true) }

    /// Number of conformations.
    public var count: Int { conformations.count }
    public var isEmpty: Bool { conformations.isEmpty }

    /// Prepares `parts` for `potential`.
    ///
    /// - Parameter requireForces: every conformation must have forces; without it,
    ///   conformations without forces are kept as energy-only (masked in the force term).
    /// - Parameter cacheTopologies: keep each conformation's topology (default); false for
    ///   pools of ~10⁵ conformations, where they are rebuilt per batch.
    /// - Throws: `DataError` naming `label`, the part and the conformation for an empty
    ///   conformation, an element without a network, missing forces (with `requireForces`),
    ///   a non-finite energy.
    public init(_ parts: [Part], potential: any AtomisticPotential, requireForces: Bool, label: String,
                cacheTopologies: Bool = true) throws {
        var conformations: [Conformation] = [], topologies: [NeighbourTopology?] = []
        var residuals: [Double] = [], partIndices: [Int] = []
        for (p, part) in parts.enumerated() {
            let where_ = parts.count == 1 ? label : "\(label), task \(part.name)"
            for (c, conf) in part.conformations.enumerated() {
                guard conf.atomCount > 0 else { throw DataError(file: where_, item: "conformation \(c)", "no atoms") }
                let missing = potential.unsupported(conf.atomicNumbers)
                guard missing.isEmpty else {
                    throw DataError(file: where_, item: "conformation \(c)",
                                    "elements \(missing.map { Element.symbol(for: $0) }) have no network in the model")
                }
                guard !requireForces || conf.forces != nil else {
                    throw DataError(file: where_, item: "conformation \(c)", "no forces, but the loss has a force term")
                }
                let residual = conf.energy - part.selfEnergies.energy(of: conf.atomicNumbers)
                guard residual.isFinite else {
                    throw DataError(file: where_, item: "conformation \(c)", "energy or self-energy is not finite")
                }
                let topology = try potential.topology(of: conf, label: where_)  // built (and checked) either way
                topologies.append(cacheTopologies ? topology : nil)
                conformations.append(conf)
                residuals.append(residual)
                partIndices.append(p)
            }
        }
        self.conformations = conformations
        self.topologies = topologies
        request = potential.neighbourRequest
        self.residuals = residuals
        self.partIndices = partIndices
        partNames = parts.map(\.name)
        forceLabelled = conformations.map { $0.forces != nil }
    }

    /// One task's conformations with its self-energies.
    public init(_ conformations: [Conformation], selfEnergies: SelfEnergies, potential: any AtomisticPotential,
                requireForces: Bool, label: String) throws {
        try self.init([Part(name: label, conformations: conformations, selfEnergies: selfEnergies)],
                      potential: potential, requireForces: requireForces, label: label)
    }

    /// The conformations at `indices` as a new set (no topology is rebuilt).
    public func subset(_ indices: [Int]) -> FittingSet {
        FittingSet(conformations: indices.map { conformations[$0] }, topologies: indices.map { topologies[$0] }, request: request,
                   residuals: indices.map { residuals[$0] }, partIndices: indices.map { partIndices[$0] },
                   partNames: partNames)
    }

    /// Several sets as one (parts renumbered).
    public static func concatenating(_ sets: [FittingSet]) -> FittingSet {
        var base = 0
        var parts: [Int] = []
        for s in sets {
            parts += s.partIndices.map { $0 + base }
            base += s.partNames.count
        }
        let used = sets.filter { !$0.isEmpty }
        precondition(used.allSatisfy { $0.request == used[0].request }, "sets prepared for different neighbour requests")
        return FittingSet(conformations: sets.flatMap(\.conformations), topologies: sets.flatMap(\.topologies),
                          request: (used.first ?? sets.first)?.request ?? NeighbourRequest(radialCutoff: 1, angularCutoff: 0, species: []),
                          residuals: sets.flatMap(\.residuals), partIndices: parts, partNames: sets.flatMap(\.partNames))
    }

    private init(conformations: [Conformation], topologies: [NeighbourTopology?], request: NeighbourRequest, residuals: [Double],
                 partIndices: [Int], partNames: [String]) {
        self.conformations = conformations; self.topologies = topologies; self.request = request; self.residuals = residuals
        self.partIndices = partIndices; self.partNames = partNames
        forceLabelled = conformations.map { $0.forces != nil }
    }

    /// Consecutive mini-batches of at most `size` conformations in `order`; with `byTask`,
    /// each batch holds one task's conformations only (`order` split by task, each task's
    /// run cut into batches, the batches shuffled by `generator`), which models with
    /// per-task heads evaluate in one pass.
    public func batches(of order: [Int], size: Int, byTask: Bool, using generator: inout SeededGenerator) -> [[Int]] {
        func chunks(_ run: [Int]) -> [[Int]] {
            stride(from: 0, to: run.count, by: size).map { Array(run[$0..<min(run.count, $0 + size)]) }
        }
        guard byTask, partNames.count > 1 else { return chunks(order) }
        var runs = Array(repeating: [Int](), count: partNames.count)
        for i in order { runs[partIndices[i]].append(i) }
        var result = runs.flatMap(chunks)
        generator.shuffle(&result)
        return result
    }

    /// The topology of conformation `c`: cached, or rebuilt (it was built once at
    /// construction from the same inputs, so rebuilding cannot fail).
    func topology(of c: Int) -> NeighbourTopology {
        if let cached = topologies[c] { return cached }
        guard let built = try? NeighbourTopology(conformation: conformations[c], request: request) else {
            preconditionFailure("the topology of conformation \(c) was built at construction and cannot fail now")
        }
        return built
    }

    /// Names of the parts (tasks) none of whose conformations has forces.
    public var energyOnlyParts: [String] {
        var labelled = Array(repeating: false, count: partNames.count)
        for (c, p) in partIndices.enumerated() where forceLabelled[c] { labelled[p] = true }
        return partNames.indices.filter { !labelled[$0] }.map { partNames[$0] }
    }

    /// The inputs and targets of the conformations at `indices`.
    ///
    /// - Parameter forces: build force targets (the loss has a force term). They are built
    ///   only when at least one of these conformations has forces; rows of conformations
    ///   without forces are 0 and masked out (``FittingBatch/forceMask``).
    public func batch<S: TensorScalar>(_ indices: [Int], forces: Bool, as _: S.Type = Float.self) -> FittingBatch<S> {
        let confs = indices.map { conformations[$0] }
        var atoms = AtomBatch(confs)
        atoms.tasks = indices.map { partNames[partIndices[$0]] }
        let labelled = indices.map { forceLabelled[$0] }
        let anyForces = forces && labelled.contains(true)
        let partial = anyForces && labelled.contains(false)
        return FittingBatch(
            positions: Tensor<S>(positions: confs.flatMap(\.positions)),
            topology: NeighbourTopology(concatenating: indices.map(topology(of:))),
            atoms: atoms,
            residuals: Tensor<S>(indices.map { S(residuals[$0]) }),
            forces: anyForces ? Tensor<S>(positions: confs.flatMap { $0.forces ?? Array(repeating: .zero, count: $0.atomCount) }) : nil,
            forceLabelled: labelled,
            forceMask: partial ? Tensor<S>(positions: confs.flatMap { c in
                Array(repeating: c.forces == nil ? SIMD3<Double>.zero : SIMD3<Double>(1, 1, 1), count: c.atomCount)
            }) : nil)
    }
}

/// A mini-batch: inputs `positions [A, 3]`, `topology`, `atoms`; targets `residuals [B]`
/// (eV) and `forces [A, 3]` (eV/Å; nil when the loss has no force term or no conformation of
/// the batch has forces).
public struct FittingBatch<S: TensorScalar> {
    public var positions: Tensor<S>
    public var topology: NeighbourTopology
    public var atoms: AtomBatch
    public var residuals: Tensor<S>
    public var forces: Tensor<S>?
    /// Whether each conformation has reference forces, shape `[B]`.
    public var forceLabelled: [Bool]
    /// `[A, 3]`: 1 on the rows of conformations with forces, 0 on energy-only ones; nil when
    /// every conformation of the batch has forces (or `forces` is nil).
    public var forceMask: Tensor<S>?

    /// The components `values` (`3A` numbers, rows of every conformation) of the
    /// conformations with reference forces, in order: what force metrics count.
    public func labelledComponents(_ values: [Double]) -> [Double] {
        guard forceLabelled.contains(false) else { return values }
        var kept: [Double] = []
        for (c, labelled) in forceLabelled.enumerated() where labelled {
            kept += values[(3 * atoms.offsets[c])..<(3 * atoms.offsets[c + 1])]
        }
        return kept
    }
}

extension EnergyForceLoss {
    /// The loss of `potential` with `parameters` on `batch`: per-atom energy error and, when
    /// `forceWeight > 0` and the batch has forces, the force error through F = −∂E/∂R over
    /// the conformations with forces (a batch of energy-only conformations is not
    /// differentiated in positions at all).
    ///
    /// - Parameter createGraph: keep the force graph so the loss can be differentiated with
    ///   respect to the parameters (always needed for training with forces).
    public func loss<S: TensorScalar>(potential: any AtomisticPotential, parameters: ParameterSet<S>,
                                      batch: FittingBatch<S>, createGraph: Bool = true,
                                      normalisation: LossNormalisation? = nil) -> LossTerms<S> {
        let useForces = forceWeight > 0 && batch.forces != nil
        let (energies, forces) = potential.networkEnergiesAndForces(
            positions: batch.positions, topology: batch.topology, batch: batch.atoms, parameters: parameters,
            withForces: useForces, createGraph: createGraph && useForces)
        return self(predictedEnergies: energies, referenceEnergies: batch.residuals, atomCounts: batch.atoms.atomCounts,
                    predictedForces: forces, referenceForces: useForces ? batch.forces : nil,
                    forceMask: useForces ? batch.forceMask : nil, normalisation: normalisation)
    }
}

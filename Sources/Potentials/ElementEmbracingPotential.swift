import Autodiff
import Chemistry
import Descriptors

/// An element-embracing potential in the spirit of Eckhoff & Reiher's lifelong MLP
/// (J. Chem. Theory Comput. 19, 3509 (2023), doi:10.1021/acs.jctc.3c00279):
/// E_c = Σ_{i∈c} e_self[Z_i] + Σ_{i∈c} NN(x_i), ONE network shared by every element on the
/// normalised eeACSFs x_i = scaling(G_i(R)) (``EEACSFParameters``, ``FeatureScaling``).
///
/// The descriptor length does not depend on the elements, and the centre's element enters
/// through its periodic-table properties, so an element is added without new inputs or
/// parameters: ``adding(elements:)`` returns the same model (same parameters) declared for
/// more elements; its self-energies must then be extended too. (lMLP itself keeps one
/// network per element; one shared network is this project's choice.)
///
/// Parameters are named `shared/W0`, `shared/b0`, …. Energies in eV, positions in Å.
public struct ElementEmbracingPotential: FeatureScaledPotential {
    public var eeacsf: EEACSFComputer
    public var network: MLP
    public var scaling: FeatureScaling
    public var selfEnergies: SelfEnergies

    /// Prefix of the shared network's parameter names.
    public static let parameterPrefix = "shared/"

    public init(eeacsf: EEACSFComputer, network: MLP, scaling: FeatureScaling = .cubeRoot, selfEnergies: SelfEnergies) {
        precondition(eeacsf.parameters.problem == nil, eeacsf.parameters.problem ?? "")
        precondition(network.widths.first == eeacsf.parameters.featureCount,
                     "eeACSF length \(eeacsf.parameters.featureCount) ≠ network input \(network.widths[0])")
        precondition(network.widths.last == 1, "the network outputs one energy per atom")
        precondition(scaling.problem(featureCount: eeacsf.parameters.featureCount) == nil, "scaling does not fit the features")
        self.eeacsf = eeacsf
        self.network = network
        self.scaling = scaling
        self.selfEnergies = selfEnergies
    }

    /// ``EEACSFParameters/molecules`` for `elements` with hidden widths (default 64-64).
    public static func molecules(elements: [Int], hidden: [Int] = [64, 64], alpha: Double = 0.1,
                                 selfEnergies: SelfEnergies) -> ElementEmbracingPotential {
        let p = EEACSFParameters.molecules.with(elements: elements)
        return ElementEmbracingPotential(eeacsf: EEACSFComputer(p), network: MLP(widths: [p.featureCount] + hidden + [1], alpha: alpha),
                                         selfEnergies: selfEnergies)
    }

    /// The same model, parameters unchanged, declared for `elements` as well (appended in
    /// the given order after the current ones; duplicates are ignored).
    /// - Precondition: every element lies in H…Xe.
    public func adding(elements more: [Int]) -> ElementEmbracingPotential {
        var p = self
        let current = eeacsf.parameters.elements
        p.eeacsf = EEACSFComputer(eeacsf.parameters.with(elements: current + more.filter { !current.contains($0) }.uniqued()))
        precondition(p.eeacsf.parameters.problem == nil, p.eeacsf.parameters.problem ?? "")
        return p
    }

    public var elements: [Int] { eeacsf.parameters.elements.sorted() }
    public var neighbourRequest: NeighbourRequest { eeacsf.parameters.request }
    public var layerCount: Int { network.widths.count - 1 }

    public var architecture: ModelArchitecture {
        .eeacsf(EEACSFArchitecture(eeacsf: eeacsf.parameters, widths: network.widths, celuAlpha: network.alpha, scaling: scaling))
    }

    public func with(scaling: FeatureScaling) -> ElementEmbracingPotential {
        var p = self
        p.scaling = scaling
        return p
    }

    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S> {
        let p: ParameterSet<S> = network.initialParameters(using: &generator)
        return ParameterSet(zip(p.names, p.tensors).map { (Self.parameterPrefix + $0, $1) })
    }

    /// The layer of `shared/W<l>` or `shared/b<l>`: l.
    public func layer(ofParameter name: String) -> Int {
        guard name.hasPrefix(Self.parameterPrefix), let l = Int(name.dropFirst(Self.parameterPrefix.count + 1)) else {
            preconditionFailure("not a shared-network parameter: \(name)")
        }
        return l
    }

    public func rawFeatures<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        eeacsf(positions, topology: topology)
    }

    /// Σ_i NN(x_i) per conformation, `[B]` (eV).
    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        let prefix = Self.parameterPrefix
        let own = ParameterSet(zip(parameters.names, parameters.tensors)
            .filter { $0.0.hasPrefix(prefix) }
            .map { (String($0.0.dropFirst(prefix.count)), $0.1) })
        let x = scaling(eeacsf.features(pairVectors: pairVectors, topology: topology))
        return network(x, parameters: own).reshaped([batch.atomCount])
            .scatterAdd(indices: batch.conformationOfAtom, into: batch.conformationCount)
    }
}

/// The hyperparameters of an ``ElementEmbracingPotential``: eeACSF parameters (including
/// the declared elements), the shared network's widths (eeACSF length … 1), the CELU α and
/// the feature scaling.
public struct EEACSFArchitecture: Codable, Equatable, Sendable {
    public var eeacsf: EEACSFParameters
    public var widths: [Int]
    public var celuAlpha: Double
    public var scaling: FeatureScaling

    public init(eeacsf: EEACSFParameters, widths: [Int], celuAlpha: Double, scaling: FeatureScaling) {
        self.eeacsf = eeacsf; self.widths = widths; self.celuAlpha = celuAlpha; self.scaling = scaling
    }

    func makePotential(selfEnergies: SelfEnergies, file: String) throws -> ElementEmbracingPotential {
        if let problem = eeacsf.problem { throw DataError(file: file, item: "architecture.eeacsf", problem) }
        let f = eeacsf.featureCount
        guard widths.count >= 2, widths.allSatisfy({ $0 > 0 }), widths.first == f, widths.last == 1 else {
            throw DataError(file: file, item: "architecture.widths", "widths \(widths) must run from the feature length \(f) to 1")
        }
        if let problem = scaling.problem(featureCount: f) { throw DataError(file: file, item: "architecture.scaling", problem) }
        return ElementEmbracingPotential(eeacsf: EEACSFComputer(eeacsf),
                                         network: MLP(widths: widths, alpha: try validatedCELUAlpha(celuAlpha, file: file)),
                                         scaling: scaling, selfEnergies: selfEnergies)
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each kept at its first occurrence.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

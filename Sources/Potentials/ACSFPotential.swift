import Autodiff
import Chemistry
import Descriptors

/// A Behler–Parrinello potential (Behler & Parrinello, Phys. Rev. Lett. 98, 146401 (2007),
/// doi:10.1103/PhysRevLett.98.146401): E_c = Σ_{i∈c} e_self[Z_i] + Σ_{i∈c} NN_{Z_i}(x_i),
/// one network per element on the normalised ACSFs x_i = scaling(G_i(R)) (``ACSFParameters``,
/// ``FeatureScaling``).
///
/// Parameters are named as ``ElementNetworks`` names them (`H/W0`, `H/b0`, …). Energies in
/// eV, positions in Å, forces in eV/Å.
public struct ACSFPotential: FeatureScaledPotential {
    public var acsf: ACSFComputer
    public var networks: ElementNetworks
    public var scaling: FeatureScaling
    public var selfEnergies: SelfEnergies

    public init(acsf: ACSFComputer, networks: ElementNetworks, scaling: FeatureScaling = .cubeRoot, selfEnergies: SelfEnergies) {
        precondition(acsf.parameters.featureCount == networks.featureCount,
                     "ACSF length \(acsf.parameters.featureCount) ≠ network input \(networks.featureCount)")
        precondition(Set(networks.elements).isSubset(of: acsf.parameters.species), "networks for elements the ACSFs do not know")
        precondition(scaling.problem(featureCount: networks.featureCount) == nil, "scaling does not fit the features")
        self.acsf = acsf
        self.networks = networks
        self.scaling = scaling
        self.selfEnergies = selfEnergies
    }

    /// ``ACSFParameters/molecules`` for `elements` with the same hidden widths for every
    /// element (default 64-64) and CELU α.
    public static func molecules(elements: [Int], hidden: [Int] = [64, 64], alpha: Double = 0.1,
                                 selfEnergies: SelfEnergies) -> ACSFPotential {
        let p = ACSFParameters.molecules.with(species: elements)
        return ACSFPotential(acsf: ACSFComputer(p),
                             networks: ElementNetworks(elements: elements, widths: [p.featureCount] + hidden + [1], alpha: alpha),
                             selfEnergies: selfEnergies)
    }

    public var elements: [Int] { networks.elements }
    public var neighbourRequest: NeighbourRequest { acsf.parameters.request }
    public var layerCount: Int { networks.layerCount }

    public var architecture: ModelArchitecture {
        .acsf(ACSFArchitecture(acsf: acsf.parameters, widths: networks.widthsBySymbol, celuAlpha: networks.alpha, scaling: scaling))
    }

    public func with(scaling: FeatureScaling) -> ACSFPotential {
        var p = self
        p.scaling = scaling
        return p
    }

    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S> {
        networks.initialParameters(S.self, using: &generator)
    }

    public func layer(ofParameter name: String) -> Int { networks.layer(ofParameter: name) }

    public func rawFeatures<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        acsf(positions, topology: topology)
    }

    /// Σ_i NN_{Z_i}(x_i) per conformation, `[B]` (eV).
    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        networks.energies(features: scaling(acsf.features(pairVectors: pairVectors, topology: topology)), batch: batch, parameters: parameters)
    }
}

/// The hyperparameters of an ``ACSFPotential``: ACSF parameters, per-element widths (keyed
/// by symbol, from the ACSF length to 1), the CELU α and the feature scaling.
public struct ACSFArchitecture: Codable, Equatable, Sendable {
    public var acsf: ACSFParameters
    public var widths: [String: [Int]]
    public var celuAlpha: Double
    public var scaling: FeatureScaling

    public init(acsf: ACSFParameters, widths: [String: [Int]], celuAlpha: Double, scaling: FeatureScaling) {
        self.acsf = acsf; self.widths = widths; self.celuAlpha = celuAlpha; self.scaling = scaling
    }

    func makePotential(selfEnergies: SelfEnergies, file: String) throws -> ACSFPotential {
        if let problem = acsf.problem { throw DataError(file: file, item: "architecture.acsf", problem) }
        guard !acsf.species.isEmpty, Set(acsf.species).count == acsf.species.count else {
            throw DataError(file: file, item: "architecture.acsf.species", "species must be distinct and non-empty")
        }
        let byElement = try elementWidths(widths, featureCount: acsf.featureCount, file: file)
        guard Set(byElement.keys).isSubset(of: acsf.species) else {
            throw DataError(file: file, item: "architecture.widths", "networks for elements the ACSFs do not know")
        }
        if let problem = scaling.problem(featureCount: acsf.featureCount) {
            throw DataError(file: file, item: "architecture.scaling", problem)
        }
        return ACSFPotential(acsf: ACSFComputer(acsf),
                             networks: ElementNetworks(widths: byElement, alpha: try validatedCELUAlpha(celuAlpha, file: file)),
                             scaling: scaling, selfEnergies: selfEnergies)
    }
}

import Autodiff
import Chemistry
import Descriptors

/// An ANI-style potential (Smith et al., Chem. Sci. 2017): E_c = Σ_{i∈c} e_self[Z_i] +
/// Σ_{i∈c} NN_{Z_i}(AEV_i(R)), one network per element on the atomic environment vector.
///
/// Energies in eV, positions in Å, forces in eV/Å. The self-energies are the task's
/// (`SelfEnergies`), so networks learn the residual.
public struct ANIPotential: AtomisticPotential {
    public var aev: AEVComputer
    public var networks: ElementNetworks
    public var selfEnergies: SelfEnergies

    public init(aev: AEVComputer, networks: ElementNetworks, selfEnergies: SelfEnergies) {
        precondition(aev.parameters.featureCount == networks.featureCount,
                     "AEV length \(aev.parameters.featureCount) ≠ network input \(networks.featureCount)")
        self.aev = aev
        self.networks = networks
        self.selfEnergies = selfEnergies
    }

    /// The ANI-1x architecture (Smith et al. 2017/2018): AEV `.ani1x` (384 features for
    /// H C N O) and per-element CELU networks H 160-128-96, C 144-112-96, N and O 128-112-96.
    public static func ani1x(selfEnergies: SelfEnergies, alpha: Double = 0.1) -> ANIPotential {
        let f = AEVParameters.ani1x.featureCount
        return ANIPotential(
            aev: AEVComputer(.ani1x),
            networks: ElementNetworks(widths: [1: [f, 160, 128, 96, 1], 6: [f, 144, 112, 96, 1],
                                               7: [f, 128, 112, 96, 1], 8: [f, 128, 112, 96, 1]], alpha: alpha),
            selfEnergies: selfEnergies)
    }

    public var elements: [Int] { networks.elements }
    public var neighbourRequest: NeighbourRequest { aev.parameters.request }
    public var layerCount: Int { networks.layerCount }

    public var architecture: ModelArchitecture {
        .ani(ANIArchitecture(aev: aev.parameters, widths: networks.widthsBySymbol, celuAlpha: networks.alpha))
    }

    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type, using generator: inout G) -> ParameterSet<S> {
        networks.initialParameters(S.self, using: &generator)
    }

    public func layer(ofParameter name: String) -> Int { networks.layer(ofParameter: name) }

    /// Σ_i NN_{Z_i}(AEV_i(R)) per conformation, `[B]` (eV).
    public func networkEnergies<S: TensorScalar>(positions: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        networks.energies(features: aev(positions, topology: topology), batch: batch, parameters: parameters)
    }

    /// The same energies from the pair vectors, through the composed AEV
    /// (``AEVComputer/composed(pairVectors:topology:)``; the virial's route).
    public func networkEnergies<S: TensorScalar>(pairVectors: Tensor<S>, topology: NeighbourTopology, batch: AtomBatch,
                                                 parameters: ParameterSet<S>) -> Tensor<S> {
        networks.energies(features: aev.composed(pairVectors: pairVectors, topology: topology), batch: batch, parameters: parameters)
    }
}

/// The hyperparameters of an ``ANIPotential``: AEV parameters, per-element widths (keyed by
/// symbol, from the AEV length to 1) and the CELU α.
public struct ANIArchitecture: Codable, Equatable, Sendable {
    public var aev: AEVParameters
    public var widths: [String: [Int]]
    public var celuAlpha: Double

    public init(aev: AEVParameters, widths: [String: [Int]], celuAlpha: Double) {
        self.aev = aev; self.widths = widths; self.celuAlpha = celuAlpha
    }

    func makePotential(selfEnergies: SelfEnergies, file: String) throws -> ANIPotential {
        guard aev.angularCutoff <= aev.radialCutoff, aev.radialCutoff > 0, aev.angularCutoff > 0 else {
            throw DataError(file: file, item: "architecture.aev", "cutoffs must satisfy 0 < angular ≤ radial")
        }
        guard !aev.species.isEmpty, Set(aev.species).count == aev.species.count else {
            throw DataError(file: file, item: "architecture.aev.species", "species must be distinct and non-empty")
        }
        let byElement = try elementWidths(widths, featureCount: aev.featureCount, file: file)
        guard Set(byElement.keys).isSubset(of: aev.species) else {
            throw DataError(file: file, item: "architecture.widths", "networks for elements the AEV does not know")
        }
        return ANIPotential(aev: AEVComputer(aev),
                            networks: ElementNetworks(widths: byElement, alpha: try validatedCELUAlpha(celuAlpha, file: file)),
                            selfEnergies: selfEnergies)
    }
}

// Element-embracing atom-centred symmetry functions (eeACSF).

import Autodiff
import Chemistry

/// Hyperparameters of element-embracing ACSFs (Eckhoff & Reiher, "Lifelong Machine Learning
/// Potentials", J. Chem. Theory Comput. 19, 3509 (2023), doi:10.1021/acs.jctc.3c00279).
///
/// Instead of one block per neighbour species (ACSF, whose length grows with the number of
/// elements squared), each neighbour is weighted by periodic-table properties of its
/// element, normalised to [0, 1] (``ElementProperty/weight(of:)``, values from the authors'
/// lMLP code). With the radial and angular functions of ``ACSFParameters``, atom i has
///
/// - **central features** w_t(Z_i) for t ∈ `centralProperties` (this project's addition: one
///   network is shared by every element, so it must be told the centre's element; lMLP
///   keeps one network per element instead);
/// - **radial** features, per property t ∈ `radialProperties` and radial function (η, r_s):
///   `Σ_j w_t(Z_j) exp(−η (r_ij − r_s)²) f_c(r_ij)`;
/// - **angular** features, per pair weight and angular function (η, ζ, λ), summed over
///   unordered neighbour pairs {j, k}:
///   `Σ_{j<k} h(Z_j, Z_k) 2^(1−ζ) (1 + λ cos θ_ijk)^ζ exp(−η (r_ij² + r_ik²)) f_c(r_ij) f_c(r_ik)`,
///   with, for t ∈ `angularSums`, `h = ½ (w_t(Z_j) + w_t(Z_k))`, and for t ∈
///   `angularDifferences`, `h = (|H_t(Z_j) − H_t(Z_k)| + δ) / H_t,max`, where H_t is the raw
///   property and δ = 1 unless both H_t are 0 (lMLP's `elem_ang_eeACSF`: the +1 keeps pairs
///   of equal elements visible).
///
/// The length does not depend on the elements: ``featureCount`` = `centralProperties.count`
/// + `radialProperties.count · radial.count` + `(angularSums.count + angularDifferences.count)
/// · angular.count`. `elements` only tells the neighbour topology which atomic numbers to
/// accept (any of H…Xe), so a model can be declared for more elements later.
///
/// Feature order: central `[property]`, radial `[property][radial]`, angular
/// `[sums then differences][angular]`.
public struct EEACSFParameters: Codable, Equatable, Sendable {
    /// Cutoff r_c (Å) of both radial and angular terms.
    public var cutoff: Double
    /// Radial functions (as for ACSF).
    public var radial: [ACSFParameters.Radial]
    /// Angular functions (as for ACSF).
    public var angular: [ACSFParameters.Angular]
    /// Properties of the central atom appended as features.
    public var centralProperties: [ElementProperty]
    /// Neighbour weights of the radial features.
    public var radialProperties: [ElementProperty]
    /// Pair weights ½(w_j + w_k) of the angular features.
    public var angularSums: [ElementProperty]
    /// Pair weights (|H_j − H_k| + δ)/H_max of the angular features.
    public var angularDifferences: [ElementProperty]
    /// Atomic numbers the model accepts (1…54), in topology species order.
    public var elements: [Int]

    public init(cutoff: Double, radial: [ACSFParameters.Radial], angular: [ACSFParameters.Angular],
                centralProperties: [ElementProperty], radialProperties: [ElementProperty],
                angularSums: [ElementProperty], angularDifferences: [ElementProperty], elements: [Int]) {
        self.cutoff = cutoff; self.radial = radial; self.angular = angular
        self.centralProperties = centralProperties; self.radialProperties = radialProperties
        self.angularSums = angularSums; self.angularDifferences = angularDifferences
        self.elements = elements
    }

    /// The geometric functions of ``ACSFParameters/molecules`` (r_c = 5.2 Å, 8 radial, 12
    /// angular) with every property as a radial weight and an angular sum, the differences
    /// of period, valence and d electrons (the differences of the complements repeat them),
    /// and every property but `one` for the centre: 6 + 56 + 120 = 182 features, for any
    /// elements.
    public static let molecules = EEACSFParameters(
        cutoff: ACSFParameters.molecules.cutoff, radial: ACSFParameters.molecules.radial,
        angular: ACSFParameters.molecules.angular,
        centralProperties: ElementProperty.allCases.filter { $0 != .one },
        radialProperties: ElementProperty.allCases, angularSums: ElementProperty.allCases,
        angularDifferences: [.period, .valence, .dElectrons], elements: [1, 6, 7, 8])

    /// The same descriptor accepting `elements` (the features do not change).
    public func with(elements: [Int]) -> EEACSFParameters {
        var p = self
        p.elements = elements
        return p
    }

    /// The same descriptor with another cutoff (Å).
    public func with(cutoff: Double) -> EEACSFParameters {
        var p = self
        p.cutoff = cutoff
        return p
    }

    /// The geometric part as ACSF parameters (for validation).
    var geometry: ACSFParameters { ACSFParameters(cutoff: cutoff, radial: radial, angular: angular, species: elements) }

    /// Length of the radial part.
    public var radialLength: Int { radialProperties.count * radial.count }
    /// Length of the angular part.
    public var angularLength: Int { (angularSums.count + angularDifferences.count) * angular.count }
    /// Total feature length F (independent of `elements`).
    public var featureCount: Int { centralProperties.count + radialLength + angularLength }

    /// Pairs within r_c, triplets with both legs within r_c.
    public var request: NeighbourRequest {
        NeighbourRequest(radialCutoff: cutoff, angularCutoff: angular.isEmpty ? 0 : cutoff, species: elements)
    }

    /// Why these parameters cannot describe a model (nil when they can).
    public var problem: String? {
        if let p = geometry.problem { return p }
        guard !elements.isEmpty, Set(elements).count == elements.count else { return "elements must be distinct and non-empty" }
        guard elements.allSatisfy(ElementProperties.covers) else { return "eeACSF element properties cover H…Xe (1…54)" }
        return nil
    }
}

/// Computes eeACSFs (see ``EEACSFParameters``) as a differentiable function of positions.
public struct EEACSFComputer: Sendable {
    public let parameters: EEACSFParameters

    public init(_ parameters: EEACSFParameters) { self.parameters = parameters }

    /// The eeACSFs `[A, featureCount]` of the atoms at `positions` (`[A, 3]`, Å) with the
    /// pairs and triplets of `topology` (built with ``EEACSFParameters/request``).
    public func callAsFunction<S>(_ positions: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        features(pairVectors: topology.pairVectors(positions), topology: topology)
    }

    /// The same eeACSFs from the pair vectors r_ij `[P, 3]` (Å) of `topology`
    /// (``NeighbourTopology/pairVectors(_:)``), differentiable in them.
    public func features<S>(pairVectors: Tensor<S>, topology: NeighbourTopology) -> Tensor<S> {
        let p = parameters
        let n = topology.atomCount
        let z = topology.speciesIndices.map { p.elements[$0] }
        let central = Tensor<S>(shape: [n, p.centralProperties.count],
                                scalars: z.flatMap { zi in p.centralProperties.map { S($0.weight(of: zi)) } })
        let geometry = SymmetryFunctionGeometry(pairVectors: pairVectors, topology: topology, cutoff: p.cutoff)
        // Radial: [P, nW, 1] · [P, 1, nR] summed into the centre.
        let nW = p.radialProperties.count, nR = p.radial.count
        let pairWeights = Tensor<S>(shape: [topology.pairCount, nW, 1], scalars: topology.neighbours.flatMap { j in
            p.radialProperties.map { S($0.weight(of: z[j])) }
        })
        let radial = (pairWeights * geometry.radialTerms(p.radial).reshaped([topology.pairCount, 1, nR]))
            .reshaped([topology.pairCount, nW * nR])
            .scatterAdd(indices: topology.centers, into: n)
        guard !p.angular.isEmpty else { return Tensor.concatenate([central, radial], alongAxis: 1) }
        guard topology.tripletCount > 0 else {
            return Tensor.concatenate([central, radial, Tensor<S>.zeros(shape: [n, p.angularLength])], alongAxis: 1)
        }
        // Angular: [T, nH, 1] · [T, 1, nA] summed into the centre.
        let t = topology.tripletCount, nA = p.angular.count
        let (a, b) = (topology.tripletFirst, topology.tripletSecond)
        let nH = p.angularSums.count + p.angularDifferences.count
        let tripletWeights = Tensor<S>(shape: [t, nH, 1], scalars: (0..<t).flatMap { q -> [S] in
            let zj = z[topology.neighbours[a[q]]], zk = z[topology.neighbours[b[q]]]
            return p.angularSums.map { S(Self.sumWeight($0, zj, zk)) }
                + p.angularDifferences.map { S(Self.differenceWeight($0, zj, zk)) }
        })
        let angular = (tripletWeights * geometry.angularTerms(p.angular, topology: topology).reshaped([t, 1, nA]))
            .reshaped([t, nH * nA])
            .scatterAdd(indices: a.map { topology.centers[$0] }, into: n)
        return Tensor.concatenate([central, radial, angular], alongAxis: 1)
    }

    /// ½ (w_t(Z_j) + w_t(Z_k)).
    public static func sumWeight(_ t: ElementProperty, _ zj: Int, _ zk: Int) -> Double {
        0.5 * (t.weight(of: zj) + t.weight(of: zk))
    }

    /// (|H_t(Z_j) − H_t(Z_k)| + δ) / H_t,max, δ = 0 when both raw values are 0, else 1.
    public static func differenceWeight(_ t: ElementProperty, _ zj: Int, _ zk: Int) -> Double {
        let hj = t.value(of: zj), hk = t.value(of: zk)
        return (abs(hj - hk) + (hj == 0 && hk == 0 ? 0 : 1)) / t.maximum
    }
}

import Autodiff
import Chemistry

/// Per-element atomic networks (Behler & Parrinello, Phys. Rev. Lett. 2007; ANI):
/// E_c = Σ_{i ∈ c} NN_{Z_i}(G_i), one multilayer perceptron per element.
///
/// Parameters of element Z are named `"<symbol>/W0"`, `"<symbol>/b0"`, …, so one
/// `ParameterSet` holds the whole model and meta-learning treats it as one vector.
public struct ElementNetworks: Sendable {
    /// Atomic numbers with a network, in parameter order.
    public let elements: [Int]
    /// The network of each element (same order as `elements`).
    public let networks: [MLP]

    /// Networks with per-element widths; each must map the same feature length to 1.
    public init(widths: [Int: [Int]], alpha: Double = 1) {
        elements = widths.keys.sorted()
        networks = elements.map { MLP(widths: widths[$0]!, alpha: alpha) }
        precondition(Set(networks.map { $0.widths.first! }).count == 1, "all element networks need the same input width")
        precondition(networks.allSatisfy { $0.widths.last == 1 }, "element networks output one energy per atom")
    }

    /// The same widths for every element.
    public init(elements: [Int], widths: [Int], alpha: Double = 1) {
        self.init(widths: Dictionary(uniqueKeysWithValues: elements.map { ($0, widths) }), alpha: alpha)
    }

    /// Feature length F the networks take.
    public var featureCount: Int { networks[0].widths[0] }
    /// The CELU α of the networks.
    public var alpha: Double { networks[0].alpha }
    /// Layers of the deepest network.
    public var layerCount: Int { networks.map { $0.widths.count - 1 }.max()! }
    /// Widths keyed by element symbol (as model files store them).
    public var widthsBySymbol: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: zip(elements, networks).map { (Element.symbol(for: $0), $1.widths) })
    }

    /// The layer of parameter `"<symbol>/W<l>"` or `"<symbol>/b<l>"`: l.
    public func layer(ofParameter name: String) -> Int {
        guard let slash = name.lastIndex(of: "/"), let l = Int(name[name.index(after: slash)...].dropFirst()) else {
            preconditionFailure("not an element-network parameter: \(name)")
        }
        return l
    }

    /// Random initial parameters (`W ~ N(0, 1/fan_in)`, `b = 0`), deterministic in `generator`.
    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(
        _: S.Type, using generator: inout G
    ) -> ParameterSet<S> {
        var entries: [(String, Tensor<S>)] = []
        for (z, mlp) in zip(elements, networks) {
            let p: ParameterSet<S> = mlp.initialParameters(using: &generator)
            entries += zip(p.names, p.tensors).map { ("\(Element.symbol(for: z))/\($0)", $1) }
        }
        return ParameterSet(entries)
    }

    /// The parameters of element `z`'s network, as the network names them (`W0`, `b0`, …).
    /// The tensors are shared, so gradients flow to `parameters`.
    func parameters<S>(of z: Int, in parameters: ParameterSet<S>) -> ParameterSet<S> {
        let prefix = Element.symbol(for: z) + "/"
        return ParameterSet(zip(parameters.names, parameters.tensors)
            .filter { $0.0.hasPrefix(prefix) }
            .map { (String($0.0.dropFirst(prefix.count)), $0.1) })
    }

    /// Atomic energies, shape `[A]` (eV), for features `[A, F]` of atoms with `atomicNumbers`.
    ///
    /// Atoms are grouped by element (`gather`), each group runs through its network, and the
    /// results are put back in atom order (`scatterAdd`), so the graph is differentiable in
    /// both the features and the parameters.
    /// - Precondition: every atomic number has a network (check with `unsupported(_:)`).
    public func atomicEnergies<S: TensorScalar>(
        features: Tensor<S>, atomicNumbers: [Int], parameters: ParameterSet<S>
    ) -> Tensor<S> {
        precondition(features.shape == [atomicNumbers.count, featureCount], "features must be [A, \(featureCount)]")
        var pieces: [Tensor<S>] = []
        for (z, mlp) in zip(elements, networks) {
            let rows = atomicNumbers.indices.filter { atomicNumbers[$0] == z }
            guard !rows.isEmpty else { continue }
            let out = mlp(features.gather(indices: rows), parameters: self.parameters(of: z, in: parameters))
            pieces.append(out.reshaped([rows.count]).scatterAdd(indices: rows, into: atomicNumbers.count))
        }
        precondition(!pieces.isEmpty, "no atom has a network")
        return pieces.dropFirst().reduce(pieces[0], +)
    }

    /// Conformation energies `[B]` (eV): atomic energies summed per conformation of `batch`.
    public func energies<S: TensorScalar>(features: Tensor<S>, batch: AtomBatch, parameters: ParameterSet<S>) -> Tensor<S> {
        atomicEnergies(features: features, atomicNumbers: batch.atomicNumbers, parameters: parameters)
            .scatterAdd(indices: batch.conformationOfAtom, into: batch.conformationCount)
    }

    /// Atomic numbers in `atomicNumbers` that have no network (empty when all are supported).
    public func unsupported(_ atomicNumbers: [Int]) -> [Int] {
        Array(Set(atomicNumbers).subtracting(elements)).sorted()
    }
}

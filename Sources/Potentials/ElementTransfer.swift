import Autodiff
import Chemistry

/// Initialising a model for one element from parameters trained on another
/// (transfer across chemical elements; Röcken & Zavadlav, J. Chem. Inf. Model. 2025).
///
/// `map` reads "target: source": `[32: 14]` (manifest `element_map: {Ge: Si}`) makes the
/// germanium parameters start as copies of the silicon ones.
///
/// - ``ANIPotential``: the network of each target element B becomes a copy of the source
///   element A's network, with the rows of its first weight matrix permuted by the species
///   swap A ↔ B of the AEV layout (radial block of species s → block σ(s), angular block
///   of pair {s, t} → block {σ(s), σ(t)}). Then NN_B(AEV(structure)) equals
///   NN_A(AEV(the structure with every A and B exchanged)): a pure-B structure gets exactly
///   the network energy the source model gives it relabelled as A. Pairs must be disjoint
///   (no element both a target and a source, or used twice).
/// - ``ElementEmbracingPotential`` (`eeacsf`): one network shared by every element, so
///   there is nothing to copy; the parameters are returned unchanged.
/// - Other kinds throw: their per-element parameters have no defined correspondence here.
public enum ElementTransfer {
    /// `parameters` of `potential` with each target element's parameters copied from its
    /// source element (see the type's documentation).
    ///
    /// - Throws: `DataError` naming `file` and `item` for an element the model lacks,
    ///   overlapping pairs, or a model kind without element transfer.
    public static func mapping<S: TensorScalar>(_ map: [Int: Int], parameters: ParameterSet<S>,
                                                of potential: any AtomisticPotential,
                                                file: String, item: String = "refit.element_map") throws -> ParameterSet<S> {
        guard !map.isEmpty else { return parameters }
        let symbols = map.sorted { $0.key < $1.key }.map { "\(Element.symbol(for: $0.key)): \(Element.symbol(for: $0.value))" }
        let involved = Array(map.keys) + Array(map.values)
        guard Set(involved).count == involved.count else {
            throw DataError(file: file, item: item, "pairs \(symbols) overlap: each element may appear once, as a target or a source")
        }
        let missing = potential.unsupported(involved)
        guard missing.isEmpty else {
            throw DataError(file: file, item: item,
                            "elements \(missing.map { Element.symbol(for: $0) }) are not among the model's elements \(potential.elements.map { Element.symbol(for: $0) })")
        }
        switch potential {
        case let ani as ANIPotential: return try aniMapping(map, parameters: parameters, of: ani, file: file, item: item)
        case is ElementEmbracingPotential: return parameters
        default:
            throw DataError(file: file, item: item,
                            "element transfer is defined for model kinds ani and eeacsf, not \(potential.architecture.kind)")
        }
    }

    static func aniMapping<S: TensorScalar>(_ map: [Int: Int], parameters: ParameterSet<S>, of ani: ANIPotential,
                                            file: String, item: String) throws -> ParameterSet<S> {
        let aev = ani.aev.parameters
        // The species swap σ on species indices.
        var sigma = Array(0..<aev.speciesCount)
        for (target, source) in map {
            guard let b = aev.speciesIndex(of: target), let a = aev.speciesIndex(of: source) else {
                throw DataError(file: file, item: item, "the AEV species \(aev.species.map { Element.symbol(for: $0) }) lack \(Element.symbol(for: target)) or \(Element.symbol(for: source))")
            }
            sigma[a] = b
            sigma[b] = a
        }
        // Feature f of a B network reads the source row rowOf[f] (σ is an involution).
        var rowOf = Array(0..<aev.featureCount)
        let nr = aev.radialSublength, na = aev.angularSublength
        for s in 0..<aev.speciesCount {
            for k in 0..<nr { rowOf[s * nr + k] = sigma[s] * nr + k }
        }
        for s in 0..<aev.speciesCount {
            for t in s..<aev.speciesCount {
                let from = aev.pairIndex(sigma[s], sigma[t]), to = aev.pairIndex(s, t)
                for k in 0..<na { rowOf[aev.radialLength + to * na + k] = aev.radialLength + from * na + k }
            }
        }
        var entries = Array(zip(parameters.names, parameters.tensors))
        for (target, source) in map {
            let targetPrefix = Element.symbol(for: target) + "/", sourcePrefix = Element.symbol(for: source) + "/"
            for index in entries.indices where entries[index].0.hasPrefix(targetPrefix) {
                let local = String(entries[index].0.dropFirst(targetPrefix.count))
                guard let copy = entries.first(where: { $0.0 == sourcePrefix + local })?.1,
                      copy.shape == entries[index].1.shape else {
                    throw DataError(file: file, item: item,
                                    "\(Element.symbol(for: target)) and \(Element.symbol(for: source)) networks differ in shape at \(local); give both the same widths")
                }
                var scalars = copy.scalars
                if local == "W0" {
                    let columns = copy.shape[1], old = copy.scalars
                    for f in 0..<aev.featureCount {
                        let r = rowOf[f]
                        for c in 0..<columns { scalars[f * columns + c] = old[r * columns + c] }
                    }
                }
                entries[index].1 = Tensor<S>(shape: copy.shape, scalars: scalars)
            }
        }
        return ParameterSet(entries)
    }
}

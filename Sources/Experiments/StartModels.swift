// Variants that start from a model file: `pretrained` (refits start from it) and any
// pretraining with `start:` (e.g. Reptile across levels of theory beginning at ANI-1x).

import Foundation
import Chemistry
import Autodiff
import Potentials
import Training

extension ExperimentRunner {
    /// A variant's starting model: its own architecture and parameters, from a file.
    struct StartModel {
        var potential: any AtomisticPotential
        var parameters: ParameterSet<Float>
        var path: String
    }

    /// The manifest key and resolved path of `variant`'s start model (`model:` for kind
    /// `pretrained`, `start:` for a pretraining), or nil when it has none.
    ///
    /// - Throws: `DataError` naming the key when the file does not exist.
    func startModelPath(_ variant: ExperimentManifest.Variant) throws -> (key: String, path: String)? {
        let (key, value) = variant.kind == .pretrained ? ("model", variant.model) : ("start", variant.start)
        guard let value else { return nil }
        let path = try dataPath(value)
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: manifestPath, item: "variants (\(variant.name)).\(key)", "model file \(path) does not exist")
        }
        return (key, path)
    }

    /// Every variant's start model (nil for variants without one), loaded and checked before
    /// any training: the file must be a valid model without task heads that has a network
    /// for every element the variant meets (`targetElements` for `pretrained`, also
    /// `poolElements` for a pretraining).
    func loadStartModels(poolElements: Set<Int>, targetElements: Set<Int>) throws -> [StartModel?] {
        try manifest.variants.map { variant in
            guard let (key, path) = try startModelPath(variant) else { return nil }
            let file = try ModelFile.read(path: path)
            guard file.taskHeads == nil else {
                throw DataError(file: path, item: "taskHeads",
                                "variant \(variant.name) cannot start from a model with per-task heads; save the head to start from as a plain model")
            }
            let (potential, parameters) = try file.model(file: path)
            let needed = variant.kind == .pretrained ? targetElements : targetElements.union(poolElements)
            let missing = potential.unsupported(needed.sorted())
            guard missing.isEmpty else {
                throw DataError(file: manifestPath, item: "variants (\(variant.name)).\(key)",
                                "the model \(path) has no network for \(missing.map { Element.symbol(for: $0) }.joined(separator: ", ")), which this variant needs")
            }
            let count = parameters.tensors.map(\.count).reduce(0, +)
            log("[\(variant.name)] starts from \(path) (\(potential.architecture.kind), \(count) parameters)")
            return StartModel(potential: potential, parameters: parameters, path: path)
        }
    }

    /// The initial parameters of a pretraining of `potential` that starts from `start`: the
    /// file's parameters, plus zero heads when `potential` adds per-task heads to them.
    static func initialParameters(of potential: any AtomisticPotential, from start: StartModel) -> ParameterSet<Float> {
        guard potential is TaskHeadPotential else { return start.parameters }
        var p = potential.initialParameters(seed: 0)
        for (name, tensor) in zip(start.parameters.names, start.parameters.tensors) { p[name] = tensor }
        return p
    }
}

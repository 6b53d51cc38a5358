import Autodiff
import Chemistry
import Foundation

/// Reads a deepmd-kit `se_e2_a` energy model from deepmd-kit's native model dictionary
/// (`model.serialize()`, the format of `dp convert-backend MODEL.pth MODEL.yaml`), written as
/// JSON, into a ``DeepPotPotential`` with its parameters and self-energies.
///
/// Arrays are deepmd-kit's `{"@class": "np.ndarray", "value": [...]}` objects (or plain
/// nested lists). The file may be the model dictionary itself (`"@class": "Model"`) or
/// `dp convert-backend`'s wrapper with the model under `"model"`. Convert a YAML file with
/// `python3 -c "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)" MODEL.yaml > MODEL.json`.
///
/// Conventions mapped (see ``DeepPotPotential``):
/// - `type_map` → ``DeepPotArchitecture/species``; `sel`, `davg`, `dstd` in that order;
///   `davg`/`dstd` `[ntypes, nnei, 4]` must repeat one row over the slots (as deepmd-kit's
///   statistics do), which is stored;
/// - embedding network k of the `NetworkCollection` serves neighbour type k (`ndim` 1,
///   `type_one_side`) or (centre k mod n, neighbour k div n) (`ndim` 2);
/// - layer `w` `[in, out]`, `b`, `idt` → `W<l>`, `b<l>`, `idt<l>`; every layer must be
///   deepmd-kit's tanh layer with the shortcut rule the widths imply;
/// - `out_bias[0, t, 0]` (atomic model) + `bias_atom_e[t, 0]` (fitting) → the self-energy of
///   type t (eV), both being constants added to each atom's energy.
///
/// Refused with a `DataError` naming the key: other descriptors or fittings, activations
/// other than tanh, `exclude_types`, `env_protection` ≠ 0, the exponential switch, frame or
/// atomic parameters, case embeddings, `atom_ener`, pair or atom exclusions.
public enum DeepMDModelReader {
    /// The model, its Float64 parameters and self-energies from the JSON file at `path`.
    public static func read(path: String) throws -> (potential: DeepPotPotential, parameters: ParameterSet<Double>) {
        let data = try InputFile.read(path)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw DataError(file: path, "not JSON: \(error.localizedDescription)")
        }
        return try read(object, file: path)
    }

    /// The model from an already parsed JSON object (`file` names it in errors).
    public static func read(_ object: Any, file: String) throws -> (potential: DeepPotPotential, parameters: ParameterSet<Double>) {
        let top = try Fields(file: file).dictionary(object, "")
        let model: [String: Any], m: Fields
        if top["@class"] as? String == "Model" {
            (model, m) = (top, Fields(file: file))
        } else if let inner = top["model"] {
            (model, m) = (try Fields(file: file).dictionary(inner, "model"), Fields(file: file, prefix: "model."))
        } else {
            throw DataError(file: file, "neither a deepmd-kit model dictionary (\"@class\": \"Model\") nor a file with one under \"model\"")
        }
        if let type = model["type"] as? String, type != "standard" { throw m.error("type", "model type '\(type)' is not a standard energy model") }
        let typeMap = try m.strings(model["type_map"], "type_map")
        let species = try typeMap.map { symbol in
            guard let e = Element(symbol: symbol) else { throw m.error("type_map", "unknown element symbol '\(symbol)'") }
            return e.atomicNumber
        }
        let n = species.count
        try m.requireEmpty(model["atom_exclude_types"], "atom_exclude_types")
        try m.requireEmpty(model["pair_exclude_types"], "pair_exclude_types")
        let descriptor = try m.dictionary(model["descriptor"], "descriptor")
        let d = m.nested("descriptor")
        guard ["se_e2_a", "se_a"].contains(descriptor["type"] as? String ?? "") else {
            throw d.error("type", "descriptor '\(descriptor["type"] ?? "none")' is not se_e2_a")
        }
        try d.require(descriptor["activation_function"] as? String == "tanh", "activation_function", "only tanh is supported")
        try d.requireEmpty(descriptor["exclude_types"], "exclude_types")
        try d.require((try d.double(descriptor["env_protection"] ?? 0.0, "env_protection")) == 0, "env_protection", "must be 0")
        if let env = descriptor["env_mat"] as? [String: Any] {
            try d.require(env["use_exp_switch"] as? Bool != true, "env_mat.use_exp_switch", "the exponential switch is not supported")
        }
        let sel = try d.ints(descriptor["sel"], "sel")
        try d.require(sel.count == n, "sel", "needs \(n) counts (one per type), got \(sel.count)")
        let variables = try d.dictionary(descriptor["@variables"], "@variables")
        let nnei = sel.reduce(0, +)
        let davg = try d.slotRows(variables["davg"], "@variables.davg", types: n, slots: nnei)
        let dstd = try d.slotRows(variables["dstd"], "@variables.dstd", types: n, slots: nnei)
        let neuron = try d.ints(descriptor["neuron"], "neuron")
        let fitting = try m.dictionary(model["fitting"], "fitting")
        let f = m.nested("fitting")
        try f.require(fitting["type"] as? String == "ener", "type", "fitting '\(fitting["type"] ?? "none")' is not ener")
        try f.require(fitting["activation_function"] as? String == "tanh", "activation_function", "only tanh is supported")
        for key in ["numb_fparam", "numb_aparam", "dim_case_embd"] {
            try f.require(try f.double(fitting[key] ?? 0.0, key) == 0, key, "must be 0")
        }
        try f.require(fitting["mixed_types"] as? Bool != true, "mixed_types", "one fitting network per type is needed")
        try f.requireEmpty(fitting["exclude_types"], "exclude_types")
        try f.requireEmpty(fitting["atom_ener"], "atom_ener")
        let architecture = DeepPotArchitecture(
            species: species, rcut: try d.double(descriptor["rcut"], "rcut"), rcutSmooth: try d.double(descriptor["rcut_smth"], "rcut_smth"),
            sel: sel, neuron: neuron, axisNeuron: try d.int(descriptor["axis_neuron"], "axis_neuron"),
            fittingNeuron: try f.ints(fitting["neuron"], "neuron"),
            typeOneSide: try d.bool(descriptor["type_one_side"], "type_one_side"), resnetDt: try d.bool(descriptor["resnet_dt"], "resnet_dt"),
            fittingResnetDt: try f.bool(fitting["resnet_dt"], "resnet_dt"), davg: davg, dstd: dstd)
        if let (key, reason) = architecture.problem() { throw m.error(key, reason) }
        let potential = DeepPotPotential(architecture, selfEnergies: SelfEnergies(isolatedAtoms: [:]))
        // Parameters, network by network.
        var entries: [(String, Tensor<Double>)] = []
        let embeddings = try d.dictionary(descriptor["embeddings"], "embeddings")
        let embeddingNetworks = try d.list(embeddings["networks"], "embeddings.networks")
        try d.require(try d.int(embeddings["ndim"], "embeddings.ndim") == (architecture.typeOneSide ? 1 : 2), "embeddings.ndim",
                      "does not match type_one_side")
        let nets = potential.embeddingNetworks
        try d.require(embeddingNetworks.count == nets.count, "embeddings.networks", "expected \(nets.count) networks, got \(embeddingNetworks.count)")
        let embeddingLayers = DeepPotPotential.layers(input: 1, widths: neuron, timestep: architecture.resnetDt)
        for (k, net) in nets.enumerated() {
            entries += try d.layers(embeddingNetworks[k], "embeddings.networks[\(k)]", prefix: net.prefix,
                                    expected: embeddingLayers.map { ($0.0, $0.1, $0.2, true) })
        }
        let fittingNetworks = try f.list((try f.dictionary(fitting["nets"], "nets"))["networks"], "nets.networks")
        try f.require(fittingNetworks.count == n, "nets.networks", "expected \(n) networks, got \(fittingNetworks.count)")
        let hidden = DeepPotPotential.layers(input: architecture.descriptorLength, widths: architecture.fittingNeuron,
                                             timestep: architecture.fittingResnetDt)
        let expected = hidden.map { ($0.0, $0.1, $0.2, true) } + [(architecture.fittingNeuron.last ?? architecture.descriptorLength, 1, false, false)]
        for (t, prefix) in potential.fittingPrefixes.enumerated() {
            entries += try f.layers(fittingNetworks[t], "nets.networks[\(t)]", prefix: prefix, expected: expected)
        }
        // Per-type constants → self-energies.
        let fittingVariables = try f.dictionary(fitting["@variables"], "@variables")
        let biasAtom = try f.array(fittingVariables["bias_atom_e"], "@variables.bias_atom_e")
        try f.require(biasAtom.shape == [n, 1], "@variables.bias_atom_e", "shape \(biasAtom.shape), expected [\(n), 1]")
        var outBias = [Double](repeating: 0, count: n)
        if let variables = model["@variables"] as? [String: Any], let value = variables["out_bias"] {
            let a = try m.array(value, "@variables.out_bias")
            try m.require(a.shape == [1, n, 1], "@variables.out_bias", "shape \(a.shape), expected [1, \(n), 1]")
            outBias = a.values
        }
        let selfEnergies = SelfEnergies(energies: Dictionary(uniqueKeysWithValues: (0..<n).map { (species[$0], outBias[$0] + biasAtom.values[$0]) }),
                                        origin: .leastSquares)
        return (DeepPotPotential(architecture, selfEnergies: selfEnergies), ParameterSet(entries))
    }
}

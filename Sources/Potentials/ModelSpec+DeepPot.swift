import Chemistry

/// deepmd-kit's `sel` in a manifest: `auto` (= `auto:1.1`), `"auto:<factor>"`, or the slots
/// per element by symbol, `{H: 24, C: 16, N: 4, O: 4}` (elements the data lacks are ignored,
/// so one manifest serves several data sets; every element of the data needs a count).
public enum DeepPotSelection: Codable, Equatable, Sendable {
    /// The largest neighbour count in the training data times the factor, rounded up to a
    /// multiple of 4.
    case automatic(factor: Double)
    /// Slots per element symbol.
    case counts([String: Int])

    public init(from decoder: any Decoder) throws {
        if let counts = try? decoder.singleValueContainer().decode([String: Int].self) {
            self = .counts(counts)
            return
        }
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let factor = Self.automaticFactor(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "sel must be auto, \"auto:<factor ≥ 1>\" or counts per element {H: 24, …}, got '\(text)'"))
        }
        self = .automatic(factor: factor)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .automatic(let factor): try c.encode(factor == 1.1 ? "auto" : "auto:\(factor)")
        case .counts(let counts): try c.encode(counts)
        }
    }

    /// The factor of `auto` (1.1) or `auto:<f>` (f ≥ 1, finite), else nil.
    static func automaticFactor(_ text: String) -> Double? {
        let words = text.split(separator: ":", omittingEmptySubsequences: false)
        guard words.first == "auto", words.count <= 2 else { return nil }
        guard words.count == 2 else { return 1.1 }
        guard let f = Double(words[1]), f >= 1, f.isFinite else { return nil }
        return f
    }
}

extension ModelSpec {
    /// The keys of kind `deeppot`.
    static let deepPotKeys: Set<String> = ["rcut", "rcut_smth", "sel", "neuron", "axis_neuron", "fitting_neuron",
                                           "type_one_side", "resnet_dt", "fitting_resnet_dt"]

    /// A ``DeepPotPotential`` over `elements`; unset keys take deepmd-kit's input-file
    /// defaults (``DeepPotArchitecture``), `sel` defaults to `auto`. With an automatic `sel`
    /// the model is resolved, and its environment statistics computed, by
    /// ``DeepPotPotential/fittingStatistics(to:file:)`` on the training data.
    func makeDeepPot(elements: [Int], selfEnergies: SelfEnergies, file: String) throws -> DeepPotPotential {
        func fail(_ key: String, _ reason: String) -> DataError { DataError(file: file, item: "model.\(key)", reason) }
        let defaults = DeepPotArchitecture(species: elements, sel: elements.map { _ in 1 })
        let rcut = self.rcut ?? defaults.rcut, rcutSmooth = rcutSmth ?? defaults.rcutSmooth
        guard rcut > 0, rcut.isFinite else { throw fail("rcut", "must be positive, got \(rcut)") }
        guard rcutSmooth >= 0, rcutSmooth < rcut else {
            throw fail(rcutSmth == nil ? "rcut" : "rcut_smth", "need 0 ≤ rcut_smth (\(rcutSmooth)) < rcut (\(rcut))")
        }
        let neuron = self.neuron ?? defaults.neuron
        guard !neuron.isEmpty, neuron.allSatisfy({ $0 >= 1 }) else { throw fail("neuron", "widths must be positive, got \(neuron)") }
        let axis = axisNeuron ?? defaults.axisNeuron
        guard (1...neuron.last!).contains(axis) else {
            throw fail("axis_neuron", "must lie in 1…\(neuron.last!) (the last neuron width), got \(axis)")
        }
        let fitting = fittingNeuron ?? defaults.fittingNeuron
        guard fitting.allSatisfy({ $0 >= 1 }) else { throw fail("fitting_neuron", "widths must be positive, got \(fitting)") }
        var architecture = DeepPotArchitecture(
            species: elements, rcut: rcut, rcutSmooth: rcutSmooth, sel: defaults.sel, neuron: neuron, axisNeuron: axis,
            fittingNeuron: fitting, typeOneSide: typeOneSide ?? defaults.typeOneSide, resnetDt: resnetDt ?? defaults.resnetDt,
            fittingResnetDt: fittingResnetDt ?? defaults.fittingResnetDt)
        switch sel ?? .automatic(factor: 1.1) {
        case .automatic(let factor):
            return DeepPotPotential(automaticSel: factor, architecture, selfEnergies: selfEnergies)
        case .counts(let counts):
            for symbol in counts.keys.sorted() where Element(symbol: symbol) == nil {
                throw fail("sel.\(symbol)", "unknown element symbol")
            }
            var slots: [Int] = []
            for z in elements {
                let symbol = Element.symbol(for: z)
                guard let count = counts[symbol] else {
                    throw fail("sel", "no count for \(symbol), an element of the data (give every element, or sel: auto)")
                }
                guard count >= 0 else { throw fail("sel.\(symbol)", "must be at least 0, got \(count)") }
                slots.append(count)
            }
            guard slots.reduce(0, +) > 0 else { throw fail("sel", "the counts must not all be 0") }
            architecture.sel = slots
            return try architecture.makePotential(selfEnergies: selfEnergies, file: file)
        }
    }
}

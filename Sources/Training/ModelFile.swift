// A self-describing, versioned JSON model file: architecture, units, self-energies,
// parameters and training provenance.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Communication
import Foundation
import Autodiff
import Chemistry
import Descriptors
import Potentials

/// A trained model as one JSON document (`*.model.json`), enough to rebuild the
/// potential (any ``ModelArchitecture``) and its `ParameterSet<Float>` without any other file:
///
///     { "format": "metamlip-model", "version": 1,
///       "architecture": { "kind": "ani", "aev": {…}, "widths": {"H": [384, 160, …, 1], …}, "celuAlpha": 0.1 },
///       "units": {"energy": "eV", "length": "Å"}, "elements": [1, 6, 7, 8],
///       "selfEnergies": {…}, "parameters": [{"name": "H/W0", "shape": [384, 160], "values": […]}, …],
///       "provenance": {…} }
///
/// Files are written atomically (temporary file in the same directory, then `rename`), and
/// `load` throws a `DataError` naming the offending item for a malformed file. No file holds
/// a non-finite value: `save` refuses NaN and ±∞ parameters, and `load` rejects a value that
/// is not a finite `Float` (e.g. `1e39`, or `"nan"` from a lenient writer), naming the file
/// and the parameter either way.
public struct ModelFile: Codable, Equatable, Sendable {
    public static let formatName = "metamlip-model"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var architecture: ModelArchitecture
    public var units: Units
    /// Atomic numbers with a network, ascending.
    public var elements: [Int]
    public var selfEnergies: SelfEnergies
    public var parameters: [StoredTensor]
    /// Tasks with their own output head (``TaskHeadPotential``), whose deviations are stored
    /// as `"head/<task>/<readout name>"` parameters; absent for a model without heads.
    public var taskHeads: [String]?
    /// Multi-fidelity Δ heads: task → the task whose head it corrects
    /// (``TaskHeadPotential/deltaBases``); absent when no head is a Δ head.
    public var deltaHeads: [String: String]?
    public var provenance: Provenance?

    /// The model's architecture.
    public struct Units: Codable, Equatable, Sendable {
        public var energy: String
        public var length: String
        public static let eVAngstrom = Units(energy: "eV", length: "Å")
    }

    /// One named tensor: shape and row-major values.
    public struct StoredTensor: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name; self.shape = shape; self.values = values
        }

        enum CodingKeys: String, CodingKey { case name, shape, values }

        /// Encodes like the synthesized encoder (``NumberArrayJSON`` writes `values` fast).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(shape, forKey: .shape)
            try NumberArrayJSON.encode(values, forKey: .values, in: &c)
        }

        /// Decodes like the synthesized decoder; a value that is not a finite `Float` fails
        /// with the key path `….<name>.values.[i]` (the parameter's name, not its position).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            shape = try c.decode([Int].self, forKey: .shape)
            do {
                values = try c.decode([Float].self, forKey: .values)
            } catch {
                // (Foundation reports a number beyond Float's range with an internal error.)
                throw Self.describe(error, in: c, name: name, path: decoder.codingPath)
            }
        }

        /// Finds the first value of `values` that is not a finite Float and says what it is.
        private static func describe(_ error: any Error, in c: KeyedDecodingContainer<CodingKeys>, name: String,
                                     path: [any CodingKey]) -> any Error {
            guard var list = try? c.nestedUnkeyedContainer(forKey: .values) else { return error }
            var index = 0
            while !list.isAtEnd {
                let what: String
                if let x = try? list.decode(Float.self) {
                    guard !x.isFinite else { index += 1; continue }
                    what = "non-finite value \(x)"
                } else if let x = try? list.decode(Double.self) {
                    what = abs(x) > Double(Float.greatestFiniteMagnitude)
                        ? "non-finite value: \(x) overflows Float" : "value \(x) underflows Float"
                } else if let text = try? list.decode(String.self) {
                    what = "non-finite value: '\(text)' is not a finite number"
                } else {
                    what = "non-finite value: not a finite number in the range of Float"
                }
                let base = path.last?.intValue == nil ? path : Array(path.dropLast())
                return DecodingError.dataCorrupted(.init(codingPath: base + [AnyCodingKey(stringValue: name), CodingKeys.values, AnyCodingKey(intValue: index)],
                                            debugDescription: what))
            }
            return error
        }
    }

    /// Where the parameters came from.
    public struct Provenance: Codable, Equatable, Sendable {
        public var dataFile: String?
        public var task: String?
        public var seed: UInt64?
        public var steps: Int
        public var epochs: Int
        public var finalMetrics: EnergyForceMetrics?
        /// ISO 8601.
        public var date: String
        /// Where parameters not trained by MetaMLIP came from (e.g. an imported NeuroChem
        /// ensemble member: package, files, paper); absent for models MetaMLIP trained.
        public var source: String?
        /// The MetaMLIP release that wrote the file (``MetaMLIPRelease/version``); absent in
        /// files written before it was recorded.
        public var metamlipVersion: String?
        /// The git commit of the MetaMLIP build that wrote the file (full hash, `+dirty` when
        /// its work tree had changes; ``MetaMLIPRelease/gitCommit``); absent when unknown, and
        /// then ``gitCommitUnknown`` says why.
        public var gitCommit: String?
        /// Why ``gitCommit`` is absent (e.g. "not built from a git checkout").
        public var gitCommitUnknown: String?

        public init(dataFile: String? = nil, task: String? = nil, seed: UInt64? = nil, steps: Int = 0, epochs: Int = 0,
                    finalMetrics: EnergyForceMetrics? = nil, source: String? = nil, date: Date = Date()) {
            self.dataFile = dataFile; self.task = task; self.seed = seed; self.steps = steps; self.epochs = epochs
            self.finalMetrics = finalMetrics
            self.source = source
            self.date = ISO8601DateFormatter().string(from: date)
            self.metamlipVersion = MetaMLIPRelease.version
            self.gitCommit = MetaMLIPRelease.gitCommit
            self.gitCommitUnknown = MetaMLIPRelease.gitCommit == nil ? MetaMLIPRelease.gitCommitUnknownReason ?? "not recorded" : nil
        }
    }

    /// The file of `potential` with `parameters`.
    public init(potential: any AtomisticPotential, parameters: ParameterSet<Float>, provenance: Provenance? = nil) {
        format = Self.formatName
        version = Self.currentVersion
        architecture = potential.architecture
        units = .eVAngstrom
        elements = potential.elements
        selfEnergies = potential.selfEnergies
        self.parameters = Self.store(parameters)
        taskHeads = (potential as? TaskHeadPotential)?.tasks
        deltaHeads = (potential as? TaskHeadPotential).flatMap { $0.deltaBases.isEmpty ? nil : $0.deltaBases }
        self.provenance = provenance
    }

    public static func store(_ parameters: ParameterSet<Float>) -> [StoredTensor] {
        zip(parameters.names, parameters.tensors).map { StoredTensor(name: $0, shape: $1.shape, values: $1.scalars) }
    }

    /// Throws a `DataError` naming `file` and `<item>.<parameter>` for the first tensor that
    /// holds NaN or ±∞, with the position and value.
    public static func checkFinite(_ stored: [StoredTensor], file: String, item: String) throws {
        for t in stored {
            if let i = t.values.firstIndex(where: { !$0.isFinite }) {
                throw DataError(file: file, item: "\(item).\(t.name)",
                                "non-finite value \(t.values[i]) at index \(i) of \(t.values.count); refusing to save non-finite parameters")
            }
        }
    }

    /// The potential this file describes, without parameters.
    public func potential(file: String = "model") throws -> any AtomisticPotential {
        guard format == Self.formatName else {
            throw DataError(file: file, item: "format", "not a MetaMLIP model file: format is '\(format)', expected '\(Self.formatName)'")
        }
        guard (1...Self.currentVersion).contains(version) else {
            throw DataError(file: file, item: "version", "unsupported model file version \(version) (this build reads 1...\(Self.currentVersion))")
        }
        guard units == .eVAngstrom else {
            throw DataError(file: file, item: "units", "units must be eV and Å, found \(units.energy) and \(units.length)")
        }
        let potential = try architecture.makePotential(selfEnergies: selfEnergies, file: file)
        guard potential.elements == elements else {
            throw DataError(file: file, item: "elements", "elements \(elements) differ from the architecture's \(potential.elements)")
        }
        guard let taskHeads else {
            if deltaHeads != nil { throw DataError(file: file, item: "deltaHeads", "Δ heads need taskHeads") }
            return potential
        }
        guard !taskHeads.isEmpty, Set(taskHeads).count == taskHeads.count else {
            throw DataError(file: file, item: "taskHeads", "task heads must be a non-empty list of distinct task names")
        }
        if let problem = TaskHeadPotential.checkDeltaBases(deltaHeads ?? [:], tasks: taskHeads) {
            throw DataError(file: file, item: "deltaHeads", problem)
        }
        return TaskHeadPotential(base: potential, tasks: taskHeads, deltaBases: deltaHeads ?? [:])
    }

    /// The potential and its parameters, checked name by name and shape by shape.
    public func model(file: String = "model") throws -> (potential: any AtomisticPotential, parameters: ParameterSet<Float>) {
        let potential = try potential(file: file)
        let parameters = try Self.restore(parameters, like: potential, file: file, item: "parameters")
        return (potential, parameters)
    }

    /// Stored tensors as a `ParameterSet` in the order `potential` names them.
    public static func restore(_ stored: [StoredTensor], like potential: any AtomisticPotential, file: String, item: String) throws -> ParameterSet<Float> {
        var g = SeededGenerator(seed: 0)
        let expected = potential.initialParameters(using: &g)
        var byName: [String: StoredTensor] = [:]
        for t in stored {
            guard byName[t.name] == nil else { throw DataError(file: file, item: "\(item).\(t.name)", "duplicate parameter") }
            byName[t.name] = t
        }
        var entries: [(String, Tensor<Float>)] = []
        for (name, tensor) in zip(expected.names, expected.tensors) {
            guard let t = byName.removeValue(forKey: name) else {
                throw DataError(file: file, item: "\(item).\(name)", "missing parameter")
            }
            guard t.shape == tensor.shape else {
                throw DataError(file: file, item: "\(item).\(name)", "shape \(t.shape) does not match the architecture's \(tensor.shape)")
            }
            guard t.values.count == tensor.count else {
                throw DataError(file: file, item: "\(item).\(name)", "\(t.values.count) values for shape \(t.shape)")
            }
            if let i = t.values.firstIndex(where: { !$0.isFinite }) {
                throw DataError(file: file, item: "\(item).\(name)", "non-finite value \(t.values[i]) at index \(i)")
            }
            entries.append((name, Tensor(shape: t.shape, scalars: t.values)))
        }
        if let extra = byName.keys.sorted().first {
            throw DataError(file: file, item: "\(item).\(extra)", "parameter not in the architecture")
        }
        return ParameterSet(entries)
    }

    /// Writes the file atomically.
    ///
    /// - Throws: `DataError` naming `path` and `parameters.<name>` when a parameter holds NaN
    ///   or ±∞ (nothing is written), or when the file cannot be written.
    public func save(to path: String) throws {
        try Self.checkFinite(parameters, file: path, item: "parameters")
        try writeJSONAtomically(self, to: path)
    }

    /// Reads a model file; `DataError` for unreadable or malformed JSON. Call `model()` to
    /// rebuild (and check) the potential and parameters.
    public static func read(path: String) throws -> ModelFile {
        try readJSON(ModelFile.self, path: path, what: "model file")
    }

    /// Reads and checks a model file, giving the potential and its parameters.
    public static func load(path: String) throws -> (potential: any AtomisticPotential, parameters: ParameterSet<Float>) {
        try read(path: path).model(file: path)
    }
}

// MARK: - JSON files

/// Encodes `value` as JSON into a temporary file next to `path`, then renames it over
/// `path` (atomic on POSIX file systems: readers see the old or the new file, never half).
///
/// - Throws: `DataError` naming `path` and the key path of a value JSON cannot hold (NaN, ±∞);
///   nothing is written then.
public func writeJSONAtomically<T: Encodable>(_ value: T, to path: String) throws {
    // Encoded by the writing rank alone (the others would throw its data away).
    try World.onWriter {
        let data: Data
        do {
            data = try NumberArrayJSON.encode(value)
        } catch EncodingError.invalidValue(let bad, let context) {
            let item = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw DataError(file: path, item: item.isEmpty ? nil : item, "cannot save the non-finite value \(bad) (JSON has no NaN or ∞)")
        }
        try writeAtomicallyHere(data, to: path)
    }
}

/// Writes `data` to `path` through a temporary file in the same folder and a rename, so a
/// reader (or a run killed mid-write) never sees a partial file; the temporary file is
/// removed when the rename fails. In an MPI run only rank 0 writes (``World/onWriter(_:)``:
/// every rank calls this at the same point; the others wait for the file and share its error).
/// - Throws: `DataError` naming `path`.
public func writeAtomically(_ data: Data, to path: String) throws {
    try World.onWriter { try writeAtomicallyHere(data, to: path) }
}

/// `writeAtomically` in this process, whatever its rank.
private func writeAtomicallyHere(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
    do {
        try data.write(to: temporary)
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw DataError(file: path, "cannot write temporary file \(temporary.path): \(error.localizedDescription)")
    }
    guard rename(temporary.path, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw DataError(file: path, "cannot rename temporary file into place: \(reason)")
    }
}

public func readJSON<T: Decodable>(_ type: T.Type, path: String, what: String) throws -> T {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw DataError(file: path, "cannot read \(what): \(error.localizedDescription)")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw DataError(file: path, decoding: error, context: "malformed \(what)")
    }
}

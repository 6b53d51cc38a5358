import Chemistry
import Descriptors
import Foundation
import MetaMLIPC
import Potentials
import Simulation
import Training
import _TestSupport

/// Small model files, 3BPA frames and a Swift wrapper around the C entry points.
enum Fixtures {
    /// The first `count` frames of `3bpa/train_300K.xyz` (27 atoms, C18H20N2O… with labels).
    static func threeBPA(_ count: Int) throws -> [Conformation] {
        let directory = try SharedData.temporaryDirectory("capi-3bpa")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try SharedData.write3BPA(frames: 0..<count, to: directory)
        return try ExtendedXYZReader().read(path: url.path).conformations
    }

    /// A small random ANI model for H, C, N, O (ANI-1x AEV, one hidden layer of 8; parameters
    /// drawn from `seed`), saved as `name` in `directory`.
    @discardableResult
    static func writeModel(seed: UInt64, to directory: URL, name: String? = nil) throws -> String {
        let elements = [1, 6, 7, 8]
        let aev = AEVParameters.ani1x.with(species: elements)
        let potential = ANIPotential(aev: AEVComputer(aev),
                                     networks: ElementNetworks(elements: elements, widths: [aev.featureCount, 8, 1], alpha: 0.1),
                                     selfEnergies: SelfEnergies(isolatedAtoms: [1: -13.6, 6: -1029.5, 7: -1485.0, 8: -2042.0]))
        let path = directory.appendingPathComponent(name ?? "model-\(seed).json").path
        try ModelFile(potential: potential, parameters: potential.initialParameters(seed: seed)).save(to: path)
        return path
    }

    /// The model file at `path` as a Float64 calculator (what the library evaluates).
    static func calculator(_ path: String) throws -> PotentialCalculator {
        let (potential, parameters) = try ModelFile.load(path: path)
        return PotentialCalculator(potential: potential, parameters: parameters)
    }
}

/// A handle from the C entry points, freed on deinit.
final class CModel {
    let pointer: OpaquePointer

    /// Opens `paths` (one: `metamlip_open`; several: `metamlip_open_committee`).
    init(_ paths: [String]) throws {
        var handle: OpaquePointer?
        let status: Int32
        if paths.count == 1 {
            status = metamlip_open(paths[0], &handle)
        } else {
            let strings = paths.map { strdup($0).map { UnsafePointer($0) } }
            defer { strings.forEach { free(UnsafeMutableRawPointer(mutating: $0)) } }
            status = metamlip_open_committee(strings, Int32(paths.count), &handle)
        }
        guard status == 0, let handle else { throw CStatus(code: status, message: String(cString: metamlip_last_error())) }
        pointer = handle
    }

    deinit { metamlip_free(pointer) }

    /// `metamlip_evaluate` of `structure` (its cell when it has one), with every output.
    func evaluate(_ structure: Conformation, pbc: [Int32]? = nil) throws -> CommitteeEvaluation {
        try evaluate(atomicNumbers: structure.atomicNumbers, positions: structure.positions, cell: structure.cell, pbc: pbc)
    }

    func evaluate(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell? = nil, pbc: [Int32]? = nil) throws -> CommitteeEvaluation {
        let s = CStructure(atomicNumbers: atomicNumbers, positions: positions, cell: cell, pbc: pbc)
        var energy = 0.0, energyStd = 0.0
        var forces = [Double](repeating: .nan, count: 3 * s.count), forcesStd = [Double](repeating: .nan, count: 3 * s.count)
        let status = s.withCell { box, flags in
            metamlip_evaluate(pointer, Int32(s.count), s.atomicNumbers, s.positions, box, flags, &energy, &forces, &energyStd, &forcesStd)
        }
        guard status == 0 else { throw CStatus(code: status, message: String(cString: metamlip_last_error())) }
        return CommitteeEvaluation(energy: energy, forces: rowVectors(forces), energyStd: energyStd, forcesStd: rowVectors(forcesStd),
                                   memberEnergies: [])
    }
}

/// A structure as the C API takes it: the atom count, atomic numbers, positions (Å, `[n, 3]`
/// row-major), the cell's rows and periodic flags (each NULL when absent; the flags default to
/// the cell's).
struct CStructure {
    let count: Int
    let atomicNumbers: [Int32]
    let positions: [Double]
    let cell: [Double]?
    let periodic: [Int32]?

    init(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell?, pbc: [Int32]?) {
        count = atomicNumbers.count
        self.atomicNumbers = atomicNumbers.map(Int32.init)
        self.positions = positions.flatMap { [$0.x, $0.y, $0.z] }
        self.cell = cell.map { $0.vectors.flatMap { [$0.x, $0.y, $0.z] } }
        periodic = pbc ?? cell.map { $0.periodic.map { $0 ? 1 : 0 } }
    }

    /// `body(cell, periodic)` with both as C pointers (nil when absent).
    func withCell<R>(_ body: (UnsafePointer<Double>?, UnsafePointer<Int32>?) -> R) -> R {
        withOptional(cell) { box in withOptional(periodic) { flags in body(box, flags) } }
    }
}

/// `[n, 3]` row-major values as n vectors.
func rowVectors(_ v: [Double]) -> [SIMD3<Double>] {
    (0..<(v.count / 3)).map { SIMD3(v[3 * $0], v[3 * $0 + 1], v[3 * $0 + 2]) }
}

/// The largest |component| of `v`.
func maxAbs(_ v: SIMD3<Double>) -> Double { max(abs(v.x), abs(v.y), abs(v.z)) }

extension SIMD3 where Scalar == Double {
    /// The componentwise absolute values.
    var magnitudes: SIMD3<Double> { SIMD3(abs(x), abs(y), abs(z)) }
}

/// `body` with a pointer to `array`'s elements, or nil for a nil array.
func withOptional<T, R>(_ array: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// A failed C call: its status code and `metamlip_last_error()`.
struct CStatus: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "status \(code): \(message)" }
}

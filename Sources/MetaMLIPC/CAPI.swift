// The C entry points of libmetamlip-c (declared in include/metamlip.h, documented there).
// Each checks its pointers and counts, turns every Swift error into a status code and a
// thread-local message, and never traps on caller input.

import Chemistry
import Potentials
import Simulation
import Training

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The version string in static storage (`MetaMLIPRelease.version`).
private let versionCString: UnsafeMutablePointer<CChar> = strdup(MetaMLIPRelease.version)!

/// `const char *metamlip_version(void)`.
@_cdecl("metamlip_version")
public func metamlip_version() -> UnsafePointer<CChar> {
    UnsafePointer(versionCString)
}

/// `const char *metamlip_last_error(void)`: the calling thread's last message ("" after a success).
@_cdecl("metamlip_last_error")
public func metamlip_last_error() -> UnsafePointer<CChar> {
    LastError.current
}

/// `int metamlip_open(const char *path, metamlip_model **out)`.
@_cdecl("metamlip_open")
public func metamlip_open(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let path else { return metamlip_open_committee(nil, 1, out) }
    var paths: [UnsafePointer<CChar>?] = [path]
    return metamlip_open_committee(&paths, 1, out)
}

/// `int metamlip_open_committee(const char *const *paths, int count, metamlip_model **out)`.
@_cdecl("metamlip_open_committee")
public func metamlip_open_committee(_ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int32,
                                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    LastError.status { () throws(CAPIError) in
        guard let out else { throw CAPIError(.nullPointer, "metamlip_open: out (the handle to fill) is NULL") }
        out.pointee = nil
        guard count > 0 else { throw CAPIError(.argument, "metamlip_open_committee: count is \(count), expected at least 1 model file") }
        guard let paths else { throw CAPIError(.nullPointer, "metamlip_open: the model path is NULL") }
        var strings: [String] = []
        for k in 0..<Int(count) {
            guard let p = paths[k] else {
                throw CAPIError(.nullPointer, count == 1 ? "metamlip_open: the model path is NULL"
                                                         : "metamlip_open_committee: paths[\(k)] is NULL")
            }
            strings.append(String(cString: p))
        }
        let handle = try ModelHandle(paths: strings)
        out.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    }
}

/// `void metamlip_free(metamlip_model *model)`; NULL is ignored.
@_cdecl("metamlip_free")
public func metamlip_free(_ model: OpaquePointer?) {
    guard let model else { return }
    Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).release()
}

/// The handle behind `model` (not retained: valid while the caller has not freed it).
private func handle(_ model: OpaquePointer?, in function: String) throws(CAPIError) -> ModelHandle {
    guard let model else { throw CAPIError(.nullPointer, "\(function): model is NULL") }
    return Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).takeUnretainedValue()
}

/// `int metamlip_member_count(const metamlip_model *model)`: M ≥ 1, or −1 for NULL.
@_cdecl("metamlip_member_count")
public func metamlip_member_count(_ model: OpaquePointer?) -> Int32 {
    var count: Int32 = -1
    _ = LastError.status { () throws(CAPIError) in count = Int32(try handle(model, in: "metamlip_member_count").memberCount) }
    return count
}

/// `int metamlip_element_count(const metamlip_model *model)`: the number of elements, or −1 for NULL.
@_cdecl("metamlip_element_count")
public func metamlip_element_count(_ model: OpaquePointer?) -> Int32 {
    var count: Int32 = -1
    _ = LastError.status { () throws(CAPIError) in count = Int32(try handle(model, in: "metamlip_element_count").elements.count) }
    return count
}

/// `int metamlip_elements(const metamlip_model *model, int *out, int capacity)`.
@_cdecl("metamlip_elements")
public func metamlip_elements(_ model: OpaquePointer?, _ out: UnsafeMutablePointer<Int32>?, _ capacity: Int32) -> Int32 {
    LastError.status { () throws(CAPIError) in
        let elements = try handle(model, in: "metamlip_elements").elements
        guard let out else { throw CAPIError(.nullPointer, "metamlip_elements: out is NULL") }
        guard Int(capacity) >= elements.count else {
            throw CAPIError(.argument, "metamlip_elements: capacity \(capacity) is less than the \(elements.count) elements")
        }
        for (k, z) in elements.enumerated() { out[k] = Int32(z) }
    }
}

/// `int metamlip_evaluate(metamlip_model *model, int n, const int *atomic_numbers,
/// const double *positions, const double *cell, const int *pbc, double *energy,
/// double *forces, double *energy_std, double *forces_std)`: see the header for shapes and units.
@_cdecl("metamlip_evaluate")
public func metamlip_evaluate(_ model: OpaquePointer?, _ n: Int32, _ atomicNumbers: UnsafePointer<Int32>?,
                              _ positions: UnsafePointer<Double>?, _ cell: UnsafePointer<Double>?,
                              _ pbc: UnsafePointer<Int32>?, _ energy: UnsafeMutablePointer<Double>?,
                              _ forces: UnsafeMutablePointer<Double>?, _ energyStd: UnsafeMutablePointer<Double>?,
                              _ forcesStd: UnsafeMutablePointer<Double>?) -> Int32 {
    LastError.status { () throws(CAPIError) in
        let handle = try handle(model, in: "metamlip_evaluate")
        let input = try StructureInput(function: "metamlip_evaluate", n, atomicNumbers, positions, cell, pbc)
        guard let energy else { throw CAPIError(.nullPointer, "metamlip_evaluate: energy is NULL") }
        let p = try handle.predict(atomicNumbers: input.atomicNumbers, positions: input.positions, cell: input.cell)
        write(p, energy: energy, forces: forces, energyStd: energyStd, forcesStd: forcesStd)
    }
}

/// `int metamlip_evaluate_stress(metamlip_model *model, int n, const int *atomic_numbers,
/// const double *positions, const double *cell, const int *pbc, double *energy,
/// double *forces, double *energy_std, double *forces_std, double *virial, double *stress)`:
/// `metamlip_evaluate` plus the virial W = −∂E/∂ε `[3][3]` (eV) and ASE's stress −W/V `[6]`
/// (eV/Å³, xx yy zz yz xz xy); see the header. A stress asked for a structure that is not
/// periodic in all three directions is `METAMLIP_ERR_NOT_PERIODIC`, checked before evaluating.
@_cdecl("metamlip_evaluate_stress")
public func metamlip_evaluate_stress(_ model: OpaquePointer?, _ n: Int32, _ atomicNumbers: UnsafePointer<Int32>?,
                                     _ positions: UnsafePointer<Double>?, _ cell: UnsafePointer<Double>?,
                                     _ pbc: UnsafePointer<Int32>?, _ energy: UnsafeMutablePointer<Double>?,
                                     _ forces: UnsafeMutablePointer<Double>?, _ energyStd: UnsafeMutablePointer<Double>?,
                                     _ forcesStd: UnsafeMutablePointer<Double>?, _ virial: UnsafeMutablePointer<Double>?,
                                     _ stress: UnsafeMutablePointer<Double>?) -> Int32 {
    LastError.status { () throws(CAPIError) in
        let function = "metamlip_evaluate_stress"
        let handle = try handle(model, in: function)
        let input = try StructureInput(function: function, n, atomicNumbers, positions, cell, pbc)
        guard let energy else { throw CAPIError(.nullPointer, "\(function): energy is NULL") }
        if stress != nil, let reason = Virial.stressUnavailableReason(cell: input.cell) {
            throw CAPIError(.notPeriodic, "\(function): stress asked for, but \(reason) (pass stress = NULL for the virial alone)")
        }
        let p = try handle.predict(atomicNumbers: input.atomicNumbers, positions: input.positions, cell: input.cell,
                                   withVirial: true)
        guard let w = p.virial else { throw CAPIError(.evaluation, "\(function): the evaluation gave no virial") }
        write(p, energy: energy, forces: forces, energyStd: energyStd, forcesStd: forcesStd)
        for (k, value) in w.rowMajor.enumerated() { virial?[k] = value }
        if let stress, let sigma = w.stress(in: input.cell) {
            for (k, value) in sigma.enumerated() { stress[k] = value }
        }
    }
}

/// The structure arguments of an evaluate call, checked: n > 0, non-NULL arrays, pbc flags
/// 0 or 1 (finiteness and elements are checked by ``ModelHandle``).
private struct StructureInput {
    var atomicNumbers: [Int]
    var positions: [SIMD3<Double>]
    var cell: Cell?

    init(function: String, _ n: Int32, _ atomicNumbers: UnsafePointer<Int32>?, _ positions: UnsafePointer<Double>?,
         _ cell: UnsafePointer<Double>?, _ pbc: UnsafePointer<Int32>?) throws(CAPIError) {
        guard n > 0 else { throw CAPIError(.argument, "\(function): n is \(n), expected at least one atom") }
        guard let atomicNumbers else { throw CAPIError(.nullPointer, "\(function): atomic_numbers is NULL") }
        guard let positions else { throw CAPIError(.nullPointer, "\(function): positions is NULL") }
        let count = Int(n)
        self.atomicNumbers = (0..<count).map { Int(atomicNumbers[$0]) }
        self.positions = (0..<count).map { SIMD3(positions[3 * $0], positions[3 * $0 + 1], positions[3 * $0 + 2]) }
        guard let cell else { self.cell = nil; return }
        var periodic = [true, true, true]
        if let pbc {
            for k in 0..<3 {
                guard pbc[k] == 0 || pbc[k] == 1 else {
                    throw CAPIError(.argument, "\(function): pbc[\(k)] is \(pbc[k]), expected 0 or 1")
                }
                periodic[k] = pbc[k] == 1
            }
        }
        self.cell = Cell(vectors: (0..<3).map { SIMD3(cell[3 * $0], cell[3 * $0 + 1], cell[3 * $0 + 2]) }, periodic: periodic)
    }
}

/// Writes a prediction to the caller's arrays (each optional but `energy`).
private func write(_ p: CommitteeEvaluation, energy: UnsafeMutablePointer<Double>, forces: UnsafeMutablePointer<Double>?,
                   energyStd: UnsafeMutablePointer<Double>?, forcesStd: UnsafeMutablePointer<Double>?) {
    energy.pointee = p.energy
    energyStd?.pointee = p.energyStd
    for i in p.forces.indices {
        forces?[3 * i] = p.forces[i].x; forces?[3 * i + 1] = p.forces[i].y; forces?[3 * i + 2] = p.forces[i].z
        forcesStd?[3 * i] = p.forcesStd[i].x; forcesStd?[3 * i + 1] = p.forcesStd[i].y; forcesStd?[3 * i + 2] = p.forcesStd[i].z
    }
}

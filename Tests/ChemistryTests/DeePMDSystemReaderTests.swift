import Chemistry
import Foundation
import Testing
import _TestSupport

/// DeePMD-kit `deepmd/npy` systems read by ``DeePMDSystemReader``: 3BPA frames written by
/// dpdata (the DeePMD-kit project's converter, when a python3 imports it; else by NumPy in the
/// documented layout), a periodic system with unsorted types, and bad systems.
@Suite struct DeePMDSystemReaderTests {
    /// Writes the systems into `directory` (argv: XYZ, DIRECTORY); prints which writer made `3bpa`.
    static let script = #"""
import sys
from pathlib import Path
import numpy as np

xyz, out = sys.argv[1], Path(sys.argv[2])

def write(system, types, names, coord, energy, force=None, box=None, nopbc=False, sets=None):
    root = out / system
    root.mkdir(parents=True)
    (root / "type.raw").write_text("\n".join(str(t) for t in types) + "\n")
    if names is not None:
        (root / "type_map.raw").write_text("\n".join(names) + "\n")
    if nopbc:
        (root / "nopbc").write_text("")
    for k, frames in enumerate(sets if sets is not None else [range(len(coord))]):
        folder = root / f"set.{k:03d}"
        folder.mkdir()
        frames = list(frames)
        np.save(folder / "coord.npy", coord[frames])
        np.save(folder / "energy.npy", energy[frames] if len(energy) == len(coord) else energy)
        if force is not None:
            np.save(folder / "force.npy", force[frames])
        if box is not None:
            np.save(folder / "box.npy", box[frames])

try:
    import dpdata
    systems = dpdata.MultiSystems.from_file(xyz, fmt="quip/gap/xyz")  # LabeledSystem would take frame 0 only
    assert len(systems) == 1 and len(systems[0]) == 5, systems
    systems[0].to("deepmd/npy", str(out / "3bpa"), set_size=2)
    print("3bpa written by dpdata", dpdata.__version__)
except ImportError:
    # The documented layout by hand (one set per two frames, nopbc), as dpdata writes it.
    frames = Path(xyz).read_text().split("\n")
    n = int(frames[0])
    count = len([l for l in frames if l.strip()]) // (n + 2)
    symbols, coord, force, energy = None, [], [], []
    for f in range(count):
        block = frames[f * (n + 2):(f + 1) * (n + 2)]
        energy.append(float(block[1].split("energy=")[1].split()[0]))
        rows = [l.split() for l in block[2:]]
        symbols = [r[0] for r in rows]
        coord.append([float(v) for r in rows for v in r[1:4]])
        force.append([float(v) for r in rows for v in r[4:7]])
    names = sorted(set(symbols))
    write("3bpa", [names.index(s) for s in symbols], names, np.array(coord), np.array(energy), np.array(force),
          nopbc=True, sets=[range(k, min(k + 2, count)) for k in range(0, count, 2)])
    print("3bpa written by NumPy (dpdata not importable)")

rng = np.random.default_rng(3)
types = [1, 0, 1, 1]  # O H O O: unsorted on purpose
coord = rng.uniform(0, 4, size=(3, 12))
box = np.tile(np.array([4.0, 0, 0, 0.5, 4.2, 0, 0, 0, 3.9]), (3, 1))
energy = np.array([-1.5, -1.25, -1.0])
force = rng.normal(size=(3, 12))
write("periodic", types, ["H", "O"], coord, energy, force, box, sets=[range(0, 1), range(1, 3)])
write("energy_only", types, ["H", "O"], coord, energy, None, box)
write("no_type_map", types, None, coord, energy, force, box)
write("bad_name", types, ["H", "Ow"], coord, energy, force, box)
write("type_out_of_range", [0, 2, 1, 1], ["H", "O"], coord, energy, force, box)
write("coord_shape", types, ["H", "O"], coord[:, :9], energy, force, box)
write("energy_shape", types, ["H", "O"], coord, energy[:2], force, box)
write("force_shape", types, ["H", "O"], coord, energy, force[:, :6], box)
write("no_box", types, ["H", "O"], coord, energy, force, None)
write("zero_box", types, ["H", "O"], coord, energy, force, np.zeros((3, 9)))
nan = energy.copy(); nan[1] = np.nan
write("nan_energy", types, ["H", "O"], coord, nan, force, box)
write("mixed", types, ["H", "O"], coord, energy, force, box)
np.save(out / "mixed" / "set.000" / "real_atom_types.npy", np.tile(types, (3, 1)))
write("no_sets", types, ["H", "O"], coord, energy, force, box, sets=[])
"""#

    static func systems() throws -> (directory: URL, xyz: URL, output: String)? {
        guard SharedData.isAvailable, let python = PythonInterpreter.importing("numpy") else { return nil }
        let directory = try SharedData.temporaryDirectory("deepmd")
        let xyz = try SharedData.write3BPA(frames: 0..<5, to: directory)
        let result = try PythonInterpreter.run(python, ["-c", script, xyz.path, directory.path])
        guard result.status == 0 else { throw DataError(file: "DeePMDSystemReaderTests.script", "failed: \(result.output)") }
        return (directory, xyz, result.output)
    }

    static let skipReason: Comment = "needs ../shared/datasets and a python3 that imports numpy"

    /// 3BPA frames through dpdata and back equal the extended XYZ frames, up to dpdata's
    /// grouping of atoms by element (the permutation is found on frame 0 and must hold for all).
    @Test func threeBPARoundTrip() throws {
        let made = try #require(try Self.systems(), Self.skipReason)
        defer { try? FileManager.default.removeItem(at: made.directory) }
        print(made.output)
        let read = try DeePMDSystemReader().read(path: made.directory.appendingPathComponent("3bpa").path).conformations
        let reference = try ExtendedXYZReader().read(path: made.xyz.path).conformations
        #expect(read.count == 5 && read.map { $0.properties["set"]! } == ["set.000", "set.000", "set.001", "set.001", "set.002"])
        let permutation = read[0].positions.map { p in reference[0].positions.firstIndex(of: p) ?? -1 }
        #expect(Set(permutation) == Set(0..<27))
        for (r, x) in zip(read, reference) {
            #expect(r.atomicNumbers == permutation.map { x.atomicNumbers[$0] })
            #expect(r.positions == permutation.map { x.positions[$0] })
            #expect(r.forces == permutation.map { x.forces![$0] })
            #expect(r.energy == x.energy)
            #expect(!r.isPeriodic)
        }
    }

    @Test func periodicSystemAndEnergyOnly() throws {
        let made = try #require(try Self.systems(), Self.skipReason)
        defer { try? FileManager.default.removeItem(at: made.directory) }
        let periodic = try DeePMDSystemReader().read(path: made.directory.appendingPathComponent("periodic").path).conformations
        #expect(periodic.count == 3 && periodic.allSatisfy { $0.atomicNumbers == [8, 1, 8, 8] })
        #expect(periodic[1].cell == Cell(vectors: [SIMD3(4, 0, 0), SIMD3(0.5, 4.2, 0), SIMD3(0, 0, 3.9)], periodic: [true, true, true]))
        #expect(periodic.map(\.energy) == [-1.5, -1.25, -1.0] && periodic.allSatisfy { $0.forces?.count == 4 })
        let meV = try DeePMDSystemReader(energyUnit: .meV).read(path: made.directory.appendingPathComponent("periodic").path).conformations
        #expect(meV[0].energy == -1.5e-3 && meV[0].forces![0] == periodic[0].forces![0] * 1e-3)
        let energyOnly = try DeePMDSystemReader().read(path: made.directory.appendingPathComponent("energy_only").path).conformations
        #expect(energyOnly.count == 3 && energyOnly.allSatisfy { $0.forces == nil })
    }

    @Test func badSystemsAreNamed() throws {
        let made = try #require(try Self.systems(), Self.skipReason)
        defer { try? FileManager.default.removeItem(at: made.directory) }
        let cases: [(String, [String])] = [
            ("no_type_map", ["type_map.raw", "file does not exist", "element of each type"]),
            ("bad_name", ["type_map.raw", "type 1", "'Ow' is not an element symbol"]),
            ("type_out_of_range", ["type.raw", "atom 1", "type 2 has no name"]),
            ("coord_shape", ["set.000/coord.npy", "expected (frames, 12)"]),
            ("energy_shape", ["set.000/energy.npy", "expected (3,)"]),
            ("force_shape", ["set.000/force.npy", "expected (3, 12)"]),
            ("no_box", ["set.000/box.npy", "the system is periodic (no nopbc file)"]),
            ("zero_box", ["box.npy", "frame 0", "lattice vector 0 is zero"]),
            ("nan_energy", ["set.000 frame 1", "energy is not finite"]),
            ("mixed", ["real_atom_types.npy", "mixed-type"]),
            ("no_sets", ["no set.* directories"]),
            ("absent", ["directory does not exist"]),
            ("3bpa/type.raw", ["is a file"]),
        ]
        for (name, phrases) in cases {
            let error = #expect(throws: DataError.self, "\(name)") {
                try DeePMDSystemReader().read(path: made.directory.appendingPathComponent(name).path)
            }
            let text = error?.description ?? ""
            #expect(text.contains(made.directory.path) && phrases.allSatisfy(text.contains), "\(name): \(text)")
        }
    }
}

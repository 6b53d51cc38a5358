import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport
import Potentials

/// Periodic structures for the virial checks: real mlearn cells (PBE, VASP).
enum StressData {

    /// The smallest Si cell with orthogonal lattice vectors (a surface slab).
    static var siliconOrthogonal: Conformation? {
        ConformanceData.silicon.filter { $0.cell != nil && !isTriclinic($0) }.min { $0.atomCount < $1.atomCount }
    }

    /// The smallest Si cell with a non-orthogonal lattice (hexagonal, γ = 120°).
    static var siliconHexagonal: Conformation? {
        ConformanceData.silicon.filter(isTriclinic).min { $0.atomCount < $1.atomCount }
    }

    /// The smallest Ge cell whose three lattice vectors are all oblique (a triclinic surface slab).
    static var germaniumTriclinic: Conformation? {
        ConformanceData.germanium.filter { c in
            guard let v = c.cell?.vectors else { return false }
            return [v[0].y, v[0].z, v[1].x, v[1].z, v[2].x, v[2].y].filter { abs($0) > 0.05 }.count >= 4
        }.min { $0.atomCount < $1.atomCount }
    }

    static func isTriclinic(_ c: Conformation) -> Bool {
        guard let v = c.cell?.vectors else { return false }
        return [v[0].y, v[0].z, v[1].x, v[1].z, v[2].x, v[2].y].contains { abs($0) > 1e-3 }
    }
}

/// The virial W = −∂E/∂ε of every model kind against central differences of the energy under
/// homogeneous strain, on real periodic cells (orthogonal, hexagonal and triclinic), in
/// Float64; and the identities around it (forces, molecules, batches, stress conventions).
@Suite struct StressConformanceTests {
    /// (structure name, structure, elements of the model).
    static func structures() throws -> [(String, Conformation, [Int])] {
        [("Si orthogonal slab", try #require(StressData.siliconOrthogonal), [14]),
         ("Si hexagonal", try #require(StressData.siliconHexagonal), [14]),
         ("Ge triclinic slab", try #require(StressData.germaniumTriclinic), [32])]
    }

    @Test(arguments: ConformanceModel.all)
    func virialIsMinusTheStrainDerivativeOfTheEnergy(_ model: ConformanceModel) throws {
        for (name, structure, elements) in try Self.structures() {
            let setup = ConformanceTests.Setup(model, elements: elements)
            let topology = try setup.potential.topology(of: structure)
            let output = setup.potential.virials(positions: Tensor(positions: structure.positions), topology: topology,
                                                 batch: AtomBatch([structure]), parameters: setup.parameters)
            let w = output.virials[0]
            let scale = max(1, w.rowMajor.map(abs).max()!)
            let h = 1e-5
            for a in 0..<3 {
                for b in 0..<3 {
                    func energy(_ d: Double) throws -> Double {
                        var epsilon = [[Double]](repeating: [0, 0, 0], count: 3)
                        epsilon[a][b] = d
                        return try setup.evaluate([structure.strained(by: epsilon)], forces: false).energies.scalars[0]
                    }
                    let numeric = -(try energy(h) - energy(-h)) / (2 * h)
                    #expect(abs(w[a, b] - numeric) < 1e-6 * scale, "\(name) W[\(a)][\(b)] = \(w[a, b]) eV, numeric \(numeric) eV")
                }
            }
            // Rotation invariance makes W symmetric.
            for (a, b) in [(0, 1), (0, 2), (1, 2)] {
                #expect(abs(w[a, b] - w[b, a]) < 1e-9 * scale, "\(name) W[\(a)][\(b)] ≠ W[\(b)][\(a)]")
            }
        }
    }

    @Test(arguments: ConformanceModel.all)
    func virialRouteGivesTheModelsEnergyAndForces(_ model: ConformanceModel) throws {
        // The pair-vector route (composed AEV for ANI) against the model's own positions route.
        for (name, structure, elements) in try Self.structures() + [("3BPA", try #require(ConformanceData.bpa.first), [1, 6, 7, 8])] {
            let setup = ConformanceTests.Setup(model, elements: elements)
            let topology = try setup.potential.topology(of: structure)
            let r = Tensor<Double>(positions: structure.positions)
            let batch = AtomBatch([structure])
            let reference = setup.potential(positions: r, topology: topology, batch: batch, parameters: setup.parameters)
            let output = setup.potential.virials(positions: r, topology: topology, batch: batch, parameters: setup.parameters)
            let e = reference.energies.scalars[0]
            #expect(abs(output.energies.scalars[0] - e) < 1e-10 * max(1, abs(e)), "\(name) energy")
            for (f, g) in zip(reference.forces!.scalars, output.forces.scalars) { #expect(abs(f - g) < 1e-9, "\(name) forces") }
        }
    }

    @Test(arguments: ConformanceModel.all)
    func moleculeVirialIsTheSumOfPositionsTimesForcesAndHasNoStress(_ model: ConformanceModel) throws {
        let setup = ConformanceTests.Setup(model)
        let molecule = try #require(ConformanceData.bpa.first)
        let output = setup.potential.virials(positions: Tensor(positions: molecule.positions),
                                             topology: try setup.potential.topology(of: molecule),
                                             batch: AtomBatch([molecule]), parameters: setup.parameters)
        let f = output.forces.scalars, w = output.virials[0]
        for a in 0..<3 {
            for b in 0..<3 {
                let sum = molecule.positions.indices.reduce(0.0) { $0 + molecule.positions[$1][a] * f[3 * $1 + b] }
                #expect(abs(w[a, b] - sum) < 1e-9 * max(1, abs(sum)), "W[\(a)][\(b)]")
            }
        }
        #expect(w.stress(in: molecule.cell) == nil)
        #expect(Virial.stressUnavailableReason(cell: nil)?.contains("molecule") == true)
    }

    @Test(arguments: ConformanceModel.all)
    func batchVirialsEqualTheirMembers(_ model: ConformanceModel) throws {
        let setup = ConformanceTests.Setup(model, elements: [14])
        let cells = try [#require(StressData.siliconOrthogonal), #require(StressData.siliconHexagonal)]
        func virials(_ confs: [Conformation]) throws -> [Virial] {
            setup.potential.virials(positions: Tensor(positions: confs.flatMap(\.positions)),
                                    topology: try setup.potential.topology(of: confs),
                                    batch: AtomBatch(confs), parameters: setup.parameters).virials
        }
        let together = try virials(cells)
        for (c, cell) in cells.enumerated() {
            let single = try virials([cell])[0]
            for (x, y) in zip(single.rowMajor, together[c].rowMajor) { #expect(abs(x - y) < 1e-9 * max(1, abs(x)), "cell \(c)") }
        }
    }

    @Test func stressConventionsAreASEsAndLAMMPSs() {
        // W = [[1, 2, 3], [2, 5, 6], [3, 6, 9]] eV in a 2 × 3 × 4 Å box: σ = −W / V (xx yy zz yz xz xy),
        // LAMMPS xx yy zz xy xz yz.
        let w = Virial(matrix: [SIMD3(1, 2, 3), SIMD3(2, 5, 6), SIMD3(3, 6, 9)])
        let box = Cell(vectors: [SIMD3(2, 0, 0), SIMD3(0, 3, 0), SIMD3(0, 0, 4)])
        #expect(w.stress(in: box) == [1.0, 5, 9, 6, 3, 2].map { -$0 / 24 })
        #expect(w.lammpsComponents == [1, 5, 9, 2, 3, 6])
        let slab = Cell(vectors: box.vectors, periodic: [true, true, false])
        #expect(w.stress(in: slab) == nil)
        #expect(Virial.stressUnavailableReason(cell: slab)?.contains("pbc T T F") == true)
        let flat = Cell(vectors: [SIMD3(2, 0, 0), SIMD3(4, 0, 0), SIMD3(0, 0, 4)])
        #expect(Virial.stressUnavailableReason(cell: flat)?.contains("no volume") == true)
        #expect(Virial.stressUnavailableReason(cell: box) == nil)
    }
}

import Chemistry
import Foundation
import Testing
import _TestSupport
@testable import Analysis

/// Shared structures, read once.
enum ScanData {
    /// First frame of 3-(benzyloxy)pyridin-2-amine (C12H12N2O, 27 atoms).
    static let bpa: Conformation? = try? StructureFile.read(path: SharedData.path("3bpa/train_300K.xyz"), frame: 0)
}

@Suite struct ConnectivityTests {
    @Test func bondsAnglesAndTypesOf3BPA() throws {
        let c = try #require(ScanData.bpa)
        let g = try Connectivity(c)
        // A connected molecule with two rings has N − 1 + 2 bonds.
        #expect(g.bonds.count == 28)
        #expect(Set(g.bondTypes) == ["C-C", "C-H", "C-N", "C-O", "H-N"])
        #expect(g.representativeBonds().map(\.type) == g.bondTypes)
        #expect(g.representativeBonds().first { $0.type == "C-O" }.map { [$0.i, $0.j] } == [1, 5])
        // Valences: every H has one neighbour, every C four or three (aromatic), O two, N three.
        for a in 0..<c.atomCount {
            let valence = g.neighbours[a].count
            switch c.atomicNumbers[a] {
            case 1: #expect(valence == 1, "H \(a)")
            case 6: #expect(valence == 3 || valence == 4, "C \(a)")
            case 7: #expect(valence == 3 || valence == 2, "N \(a)")
            default: #expect(valence == 2, "O \(a)")
            }
        }
        // Angles: Σ_atoms C(valence, 2).
        #expect(g.angles.count == g.neighbours.reduce(0) { $0 + $1.count * ($1.count - 1) / 2 })
        #expect(g.angles.contains { $0.j == 5 && [$0.i, $0.k] == [1, 13] && $0.type == "C-O-C" })
        // Both rings are found; the ether chain is not in a ring.
        #expect(g.isInRing(try #require(g.bond(0, 1))))       // pyridine
        #expect(g.isInRing(try #require(g.bond(14, 17))))     // phenyl
        #expect(!g.isInRing(try #require(g.bond(1, 5))))
        #expect(!g.isInRing(try #require(g.bond(13, 15))))
    }

    /// The three backbone torsions (ring–O, O–CH₂, CH₂–ring) plus the terminal amine rotor;
    /// their dihedrals match the α, β, γ the dataset stores for every frame.
    @Test func rotatableBondsOf3BPA() throws {
        let c = try #require(ScanData.bpa)
        let g = try Connectivity(c)
        let all = g.rotatableBonds(positions: c.positions)
        #expect(all.map { [$0.bond.i, $0.bond.j] } == [[1, 5], [4, 6], [5, 13], [13, 14]])
        #expect(all.map(\.isTerminal) == [false, true, false, false])
        let backbone = g.rotatableBonds(positions: c.positions, includingTerminalRotors: false)
        #expect(backbone.map(\.bond.type) == ["C-O", "C-O", "C-C"])
        // The smaller side moves: the aminopyridine (12 atoms) about ring–O, the NH₂ group,
        // the aminopyridine with O (13 atoms) about O–CH₂, the phenyl (11 atoms) about CH₂–ring.
        #expect(all.map(\.movingAtoms.count) == [12, 3, 13, 11])
        #expect(all[2].movingAtoms.contains(5) && !all[2].movingAtoms.contains(13))
        for bond in all {
            let d = bond.dihedral
            #expect(Set([d[1], d[2]]) == [bond.bond.i, bond.bond.j])
            #expect(g.bond(d[0], d[1]) != nil && g.bond(d[2], d[3]) != nil)
            #expect(bond.movingAtoms.contains(bond.k) && !bond.movingAtoms.contains(bond.j))
        }
        // Dataset dihedrals α = C4-C1-O5-C13, β = C1-O5-C13-C14, γ = O5-C13-C14-C18 (degrees, [0, 360)).
        let frames = try StructureFile.read(path: SharedData.path("3bpa/train_300K.xyz")).prefix(5)
        for frame in frames {
            let text = try #require(frame.properties["dihedrals"])
            let stored = text.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }
                .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            let ours = [frame.dihedral(4, 1, 5, 13), frame.dihedral(1, 5, 13, 14), frame.dihedral(5, 13, 14, 18)]
            #expect(stored.count == 3)
            for (a, b) in zip(ours, stored) {
                #expect(abs(Geometry.wrapDegrees(a - b)) < 0.01, "\(ours) vs \(stored)")
            }
        }
        // Our dihedral about ring–O uses C0 (lowest-index heaviest neighbour): α − 180° ± a few.
        let alpha = c.dihedral(4, 1, 5, 13), ours = c.dihedral(13, 5, 1, 0)
        #expect(abs(abs(Geometry.wrapDegrees(ours - alpha)) - 180) < 10)
    }

    @Test func linearCentresAndRingsAreNotRotatable() throws {
        // Propyne-like H3C–C≡C–H: the C–C single bond ends on a linear carbon.
        let propyne = Conformation(
            atomicNumbers: [6, 6, 6, 1, 1, 1, 1],
            positions: [SIMD3(0, 0, 0), SIMD3(1.46, 0, 0), SIMD3(2.67, 0, 0), SIMD3(3.73, 0, 0),
                        SIMD3(-0.39, 1.03, 0), SIMD3(-0.39, -0.51, 0.89), SIMD3(-0.39, -0.51, -0.89)],
            energy: 0)
        let g = try Connectivity(propyne)
        #expect(g.bonds.count == 6)
        #expect(g.isLinear(1, positions: propyne.positions))
        #expect(g.rotatableBonds(positions: propyne.positions).isEmpty)
        // Benzene ring bonds are not rotatable.
        let c = try #require(ScanData.bpa)
        let ring = try Connectivity(c).rotatableBonds(positions: c.positions).filter { [14, 17, 18, 19, 21, 23].contains($0.bond.i) }
        #expect(ring.isEmpty)
    }

    @Test func periodicStructuresAndUnknownRadiiAreRejected() throws {
        var c = Conformation(atomicNumbers: [1, 1], positions: [.zero, SIMD3(0.74, 0, 0)], energy: 0)
        c.cell = Cell(vectors: [SIMD3(5, 0, 0), SIMD3(0, 5, 0), SIMD3(0, 0, 5)])
        #expect(throws: DataError.self) { try Connectivity(c, file: "x.xyz") }
        let heavy = Conformation(atomicNumbers: [1, 100], positions: [.zero, SIMD3(2, 0, 0)], energy: 0)
        #expect(throws: DataError(file: "x.xyz", item: nil, "atom 1: no covalent radius for Z = 100")) {
            try Connectivity(heavy, file: "x.xyz")
        }
    }
}

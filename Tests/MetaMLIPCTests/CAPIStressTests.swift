import Chemistry
import Descriptors
import Foundation
import MetaMLIPC
import Potentials
import Simulation
import Testing
import Training
import _TestSupport

/// `metamlip_evaluate_stress`: the virial and stress of periodic cells (real mlearn Si
/// cells), their agreement with the Swift calculator and with finite differences of the
/// library's own energy under strain, and its error paths.
@Suite struct CAPIStressTests {
    /// A small random ANI model for Si (ANI-1x AEV restricted to Si, one hidden layer of 8).
    static func writeSiliconModel(seed: UInt64, to directory: URL) throws -> String {
        let aev = AEVParameters.ani1x.with(species: [14])
        let potential = ANIPotential(aev: AEVComputer(aev),
                                     networks: ElementNetworks(elements: [14], widths: [aev.featureCount, 8, 1], alpha: 0.1),
                                     selfEnergies: SelfEnergies(isolatedAtoms: [14: -0.8]))
        let path = directory.appendingPathComponent("si-\(seed).json").path
        try ModelFile(potential: potential, parameters: potential.initialParameters(seed: seed)).save(to: path)
        return path
    }

    /// The smallest hexagonal (non-orthogonal) mlearn Si cell.
    static func hexagonalSilicon() throws -> Conformation {
        let cells = try MLearnJSONReader().read(path: SharedData.path("mlearn/Si/training.json"))
        return try #require(cells.filter { c in
            guard let v = c.cell?.vectors else { return false }
            return abs(v[1].x) > 1e-3
        }.min { $0.atomCount < $1.atomCount })
    }

    @Test func periodicCellMatchesTheCalculatorAndTheStrainDerivative() throws {
        let dir = try SharedData.temporaryDirectory("capi-stress")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Self.writeSiliconModel(seed: 1, to: dir), b = try Self.writeSiliconModel(seed: 2, to: dir)
        let cell = try Self.hexagonalSilicon()
        let volume = try #require(cell.cell).volume
        let model = try CModel([a])
        let c = try model.evaluateStress(cell)
        let swift = try Fixtures.calculator(a).calculate(atomicNumbers: cell.atomicNumbers, positions: cell.positions,
                                                         cell: cell.cell, withVirial: true)
        let w = try #require(c.virial), sigma = try #require(c.stress)
        for (x, y) in zip(w.rowMajor, try #require(swift.virial).rowMajor) { #expect(abs(x - y) <= 1e-12 * max(1, abs(y))) }
        #expect(sigma == w.stress(volume: volume))
        // σ_ab = (1/V) ∂E/∂ε_ab by central differences of the library's energy (xx, zz, yz, xy).
        let h = 1e-5
        for (k, (p, q)) in [(0, (0, 0)), (2, (2, 2)), (3, (1, 2)), (5, (0, 1))] {
            func energy(_ d: Double) throws -> Double {
                var epsilon = [[Double]](repeating: [0, 0, 0], count: 3)
                epsilon[p][q] = d / 2
                epsilon[q][p] += d / 2   // the symmetric strain of Voigt component k
                return try model.evaluate(cell.strained(by: epsilon)).energy
            }
            let numeric = (try energy(h) - energy(-h)) / (2 * h) / volume
            #expect(abs(sigma[k] - numeric) < 1e-8 + 1e-6 * abs(numeric), "σ[\(k)] \(sigma[k]) vs numeric \(numeric) eV/Å³")
        }
        // A committee's virial is its members' mean.
        let committee = try CModel([a, b]).evaluateStress(cell)
        let wb = try #require(try CModel([b]).evaluateStress(cell).virial)
        for (m, (x, y)) in zip(try #require(committee.virial).rowMajor, zip(w.rowMajor, wb.rowMajor)) {
            #expect(abs(m - (x + y) / 2) < 1e-12 * max(1, abs(m)))
        }
        #expect(committee.energyStd > 0)
    }

    @Test func stressOfANonPeriodicStructureIsAnErrorCode() throws {
        let dir = try SharedData.temporaryDirectory("capi-stress-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try CModel([try Fixtures.writeModel(seed: 1, to: dir)])
        let frame = try Fixtures.threeBPA(1)[0]
        func failure(_ body: () throws -> Void) -> CStatus? {
            do { try body(); return nil } catch let error as CStatus { return error } catch { return nil }
        }
        let molecule = failure { _ = try model.evaluateStress(atomicNumbers: frame.atomicNumbers, positions: frame.positions) }
        #expect(molecule?.code == MetaMLIPStatus.notPeriodic.rawValue && molecule?.code == 8)
        #expect(molecule?.message.contains("metamlip_evaluate_stress: stress asked for, but a molecule (no cell) has no stress") == true,
                "\(String(describing: molecule))")
        let box = Cell(vectors: [SIMD3(30, 0, 0), SIMD3(0, 30, 0), SIMD3(0, 0, 30)])
        let slab = failure { _ = try model.evaluateStress(atomicNumbers: frame.atomicNumbers, positions: frame.positions, cell: box, pbc: [1, 1, 0]) }
        #expect(slab?.code == 8 && slab?.message.contains("pbc T T F") == true, "\(String(describing: slab))")
        // The virial alone is defined for a molecule: Σ_i r_i ⊗ F_i.
        let p = try model.evaluateStress(atomicNumbers: frame.atomicNumbers, positions: frame.positions, stress: false)
        let w = try #require(p.virial)
        for a in 0..<3 {
            for b in 0..<3 {
                let sum = frame.positions.indices.reduce(0.0) { $0 + frame.positions[$1][a] * p.forces[$1][b] }
                #expect(abs(w[a, b] - sum) < 1e-9 * max(1, abs(sum)))
            }
        }
        // The same box, periodic in all three directions, has a stress.
        #expect(try model.evaluateStress(atomicNumbers: frame.atomicNumbers, positions: frame.positions, cell: box).stress?.count == 6)
        // Argument checks as metamlip_evaluate's, named by the function.
        var energy = 0.0, stress = [Double](repeating: 0, count: 6)
        let z = frame.atomicNumbers.map(Int32.init), r = frame.positions.flatMap { [$0.x, $0.y, $0.z] }
        #expect(metamlip_evaluate_stress(model.pointer, 27, z, r, nil, nil, nil, nil, nil, nil, nil, nil) == MetaMLIPStatus.nullPointer.rawValue)
        #expect(String(cString: metamlip_last_error()).contains("metamlip_evaluate_stress: energy is NULL"))
        #expect(metamlip_evaluate_stress(model.pointer, 0, z, r, nil, nil, &energy, nil, nil, nil, nil, &stress) == MetaMLIPStatus.argument.rawValue)
        #expect(stress == [0, 0, 0, 0, 0, 0])  // nothing written on failure
    }
}

/// What `metamlip_evaluate_stress` returns.
struct CStressEvaluation {
    var energy: Double
    var forces: [SIMD3<Double>]
    var energyStd: Double
    var virial: Virial?
    var stress: [Double]?
}

extension CModel {
    /// `metamlip_evaluate_stress` of `structure` (its cell when it has one); `stress: false`
    /// passes NULL for the stress.
    func evaluateStress(_ structure: Conformation, stress: Bool = true) throws -> CStressEvaluation {
        try evaluateStress(atomicNumbers: structure.atomicNumbers, positions: structure.positions, cell: structure.cell,
                           stress: stress)
    }

    func evaluateStress(atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Cell? = nil, pbc: [Int32]? = nil,
                        stress wantsStress: Bool = true) throws -> CStressEvaluation {
        let s = CStructure(atomicNumbers: atomicNumbers, positions: positions, cell: cell, pbc: pbc)
        var energy = 0.0, energyStd = 0.0
        var forces = [Double](repeating: .nan, count: 3 * s.count)
        var virial = [Double](repeating: .nan, count: 9), stress = [Double](repeating: .nan, count: 6)
        let status = s.withCell { box, flags in
            if wantsStress {
                return metamlip_evaluate_stress(pointer, Int32(s.count), s.atomicNumbers, s.positions, box, flags,
                                                &energy, &forces, &energyStd, nil, &virial, &stress)
            }
            return metamlip_evaluate_stress(pointer, Int32(s.count), s.atomicNumbers, s.positions, box, flags,
                                            &energy, &forces, &energyStd, nil, &virial, nil)
        }
        guard status == 0 else { throw CStatus(code: status, message: String(cString: metamlip_last_error())) }
        return CStressEvaluation(energy: energy, forces: rowVectors(forces), energyStd: energyStd,
                                 virial: Virial(matrix: rowVectors(virial)), stress: wantsStress ? stress : nil)
    }
}

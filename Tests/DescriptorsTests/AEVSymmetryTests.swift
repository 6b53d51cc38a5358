import Autodiff
import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport

private let ani = AEVComputer(.ani1x)

private func aevValues(_ positions: [SIMD3<Double>], _ numbers: [Int], cell: Cell? = nil,
                       _ computer: AEVComputer = ani) throws -> [Double] {
    try computer(T(positions: positions), atomicNumbers: numbers, cell: cell).scalars
}

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Rotation about the unit axis `n` by `angle` (Rodrigues).
private func rotate(_ v: SIMD3<Double>, axis n: SIMD3<Double>, angle: Double) -> SIMD3<Double> {
    let c = cos(angle), s = sin(angle)
    let cross = SIMD3(n.y * v.z - n.z * v.y, n.z * v.x - n.x * v.z, n.x * v.y - n.y * v.x)
    return v * c + cross * s + n * ((n * v).sum() * (1 - c))
}

@Suite struct AEVSymmetryTests {
    @Test func invariantUnderRotationTranslationAndPermutation() throws {
        let c = try firstThreeBPA()
        let base = try aevValues(c.positions, c.atomicNumbers)
        let axis = SIMD3(0.3, -0.5, 0.8) / (SIMD3(0.3, -0.5, 0.8) * SIMD3(0.3, -0.5, 0.8)).sum().squareRoot()
        let rotated = try aevValues(c.positions.map { rotate($0, axis: axis, angle: 1.234) }, c.atomicNumbers)
        #expect(maxDifference(base, rotated) < 1e-10)
        let translated = try aevValues(c.positions.map { $0 + SIMD3(3.7, -12.1, 0.45) }, c.atomicNumbers)
        #expect(maxDifference(base, translated) < 1e-10)
        let n = c.positions.count
        let perm = (0..<n).map { ($0 * 7 + 3) % n }  // 7 is coprime to 27
        let permuted = try aevValues(perm.map { c.positions[$0] }, perm.map { c.atomicNumbers[$0] })
        let expected = perm.flatMap { base[($0 * 384)..<(($0 + 1) * 384)] }
        #expect(maxDifference(permuted, expected) < 1e-10)
    }

    /// A neighbour crossing the cutoff: the features and their gradient go to zero
    /// continuously (fc, fc′ → 0), and are exactly zero beyond.
    @Test(arguments: [false, true])
    func smoothAtCutoff(angular: Bool) throws {
        let p = AEVParameters.ani1x
        let rc = angular ? p.angularCutoff : p.radialCutoff
        // C at the origin; with `angular`, a fixed H at 1.1 Å so that the moving O forms a triplet.
        func probe(_ r: Double) throws -> (value: Double, gradient: Double) {
            var positions: [SIMD3<Double>] = [.zero, SIMD3(r * 0.6, r * 0.8, 0)]
            var numbers = [6, 8]
            if angular { positions.append(SIMD3(1.1, 0, 0.2)); numbers.append(1) }
            let topology = try NeighbourTopology(positions: positions, atomicNumbers: numbers, cell: nil, parameters: p)
            let x = T(positions: positions).requiringGrad()
            let g = ani(x, topology: topology)
            // Radial: C's O block. Angular: C's (H, O) block.
            let range = angular ? (64 + 3 * 32)..<(64 + 4 * 32) : (3 * 16)..<(4 * 16)
            let mask = T(shape: g.shape, scalars: (0..<g.count).map { range.contains($0) ? 1 : 0 })
            let value = (g * mask).sum()
            let grad = gradient(of: value, withRespectTo: [x])[0].scalars
            return (value.item, grad.map(abs).max() ?? 0)
        }
        var previous = try probe(rc - 0.1)
        #expect(previous.value > 0)
        for delta in [1e-2, 1e-3, 1e-4, 1e-5] {
            let now = try probe(rc - delta)
            #expect(now.value < previous.value && now.gradient < previous.gradient)
            previous = now
        }
        #expect(previous.value < 1e-9 && previous.gradient < 1e-4, "at Rc − 1e-5: \(previous)")
        let beyond = try probe(rc + 1e-5)
        #expect(beyond.value == 0 && beyond.gradient == 0)
    }

    /// Periodic: the AEV of a silicon cell equals that of the corresponding atoms of its
    /// 2×1×1 supercell (species list [14]).
    @Test func periodicSupercellMatches() throws {
        let cells = try MLearnJSONReader().read(path: SharedData.path("mlearn/Si/training.json"))
        let c = try #require(cells.filter { $0.cell != nil }.min { $0.positions.count < $1.positions.count })
        let cell = try #require(c.cell)
        let computer = AEVComputer(AEVParameters.ani1x.with(species: [14]))
        let base = try aevValues(c.positions, c.atomicNumbers, cell: cell, computer)
        let a = cell.vectors[0]
        let superCell = Cell(vectors: [a * 2, cell.vectors[1], cell.vectors[2]], periodic: cell.periodic)
        let superPositions = c.positions + c.positions.map { $0 + a }
        let big = try aevValues(superPositions, c.atomicNumbers + c.atomicNumbers, cell: superCell, computer)
        let f = computer.parameters.featureCount
        #expect(f == 16 + 32)
        let n = c.positions.count
        #expect(maxDifference(Array(big[0..<(n * f)]), base) < 1e-10)
        #expect(maxDifference(Array(big[(n * f)...]), base) < 1e-10)
        #expect(base.contains { $0 > 0 } && Array(base[f...]).isEmpty == false)
    }

    /// Several conformations concatenated as one set: each block equals the separate AEV.
    @Test func batchEqualsSeparate() throws {
        let c = try firstThreeBPA()
        let (z, r) = smallMolecule
        let small = Conformation(atomicNumbers: z, positions: r, energy: 0)
        let topology = try NeighbourTopology(conformations: [small, c], parameters: .ani1x)
        #expect(topology.offsets == [0, 5, 32])
        let all = ani(T(positions: r + c.positions), topology: topology).scalars
        #expect(maxDifference(Array(all[0..<(5 * 384)]), try aevValues(r, z)) < 1e-12)
        #expect(maxDifference(Array(all[(5 * 384)...]), try aevValues(c.positions, c.atomicNumbers)) < 1e-12)
    }
}

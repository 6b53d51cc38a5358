import Autodiff
import Chemistry
import Descriptors
import Testing

/// Agreement with TorchANI (reference numbers in AEVReferenceData.swift, produced by
/// scripts/torchani_aev_reference.py).
@Suite struct AEVReferenceTests {
    @Test func matchesTorchANIOnThreeBPA() throws {
        let c = try firstThreeBPA()
        let g = try AEVComputer(.ani1x)(T(positions: c.positions), atomicNumbers: c.atomicNumbers, cell: nil)
        let s = g.scalars
        for (row, reference) in torchaniRows.sorted(by: { $0.key < $1.key }) {
            let mine = Array(s[(row * 384)..<((row + 1) * 384)])
            let worst = zip(mine, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "atom \(row): largest deviation \(worst)")
        }
        for (row, reference) in torchaniRowSums.enumerated() {
            let sum = s[(row * 384)..<((row + 1) * 384)].reduce(0, +)
            #expect(abs(sum - reference) < 1e-5, "atom \(row): feature sum \(sum) vs \(reference)")
        }
    }

    /// The Float32 path (the training default) agrees with TorchANI's float64 values to 1e-5.
    @Test func floatMatchesTorchANI() throws {
        let c = try firstThreeBPA()
        let g = try AEVComputer(.ani1x)(Tensor<Float>(positions: c.positions), atomicNumbers: c.atomicNumbers, cell: nil)
        let s = g.scalars
        for (row, reference) in torchaniRows {
            let worst = zip(s[(row * 384)..<((row + 1) * 384)], reference).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-5, "atom \(row): largest deviation \(worst)")
        }
    }
}

import Foundation
import Testing
import Chemistry
import Descriptors

/// A cell far too small for its atoms (a unit mix-up) is refused before the neighbour list
/// allocates, instead of growing without bound.
@Suite struct DenseCellTests {
    @Test func aHalfAngstromCellIsRefusedAtOnce() throws {
        var g = SystemRandomNumberGenerator()
        let positions = (0..<27).map { _ in SIMD3(Double.random(in: 0..<0.5, using: &g), Double.random(in: 0..<0.5, using: &g),
                                                  Double.random(in: 0..<0.5, using: &g)) }
        let cell = Cell(vectors: [SIMD3(0.5, 0, 0), SIMD3(0, 0.5, 0), SIMD3(0, 0, 0.5)])
        let start = Date()
        do {
            _ = try NeighbourList(positions: positions, cell: cell, cutoff: 5.2, label: "tiny.xyz frame 0")
            Issue.record("a 0.5 Å cell with 27 atoms was accepted")
        } catch let e as DataError {
            #expect(e.file == "tiny.xyz frame 0" && e.item == "cell" && e.reason.contains("length unit"), "\(e)")
        }
        #expect(Date().timeIntervalSince(start) < 1)
        // The same atoms in a cell 20 times larger (density 0.027 atoms/Å³) are fine.
        let big = Cell(vectors: [SIMD3(10, 0, 0), SIMD3(0, 10, 0), SIMD3(0, 0, 10)])
        _ = try NeighbourList(positions: positions.map { $0 * 20 }, cell: big, cutoff: 5.2)
    }
}

import Chemistry
import Foundation
import Simulation
import Testing

@Suite struct StabilityTests {
    /// Ethanol's bonds from covalent radii: 5 C–H, 1 C–C, 1 C–O, 1 H–O.
    @Test func bondsOfEthanol() throws {
        let conf = Fixtures.ethanol
        try #require(conf.formula == "C2H6O")
        let graph = try BondGraph(atomicNumbers: conf.atomicNumbers, positions: conf.positions, cell: conf.cell)
        var counts: [String: Int] = [:]
        for bond in graph.bonds { counts[graph.type(of: bond), default: 0] += 1 }
        #expect(counts == ["C-H": 5, "C-C": 1, "C-O": 1, "H-O": 1])
        #expect(BondGraph.type(1, 6) == "C-H" && BondGraph.type(8, 1) == "H-O" && BondGraph.type(8, 7) == "N-O")
        let detector = try StabilityDetector(reference: conf)
        #expect(try detector.check(conf.positions) == nil)
    }

    /// A hand-made structure with a 0.5 Å contact, and one with a broken bond.
    @Test func flagsCloseContactsAndBrokenBonds() throws {
        let conf = Fixtures.ethanol
        let detector = try StabilityDetector(reference: conf)
        let graph = detector.bonds
        let ch = try #require(graph.bonds.first { graph.type(of: $0) == "C-H" })

        // Push an atom that is not bonded to atom 0 to 0.5 Å from it.
        let partners = Set(graph.bonds.filter { $0.i == 0 || $0.j == 0 }.map { $0.i == 0 ? $0.j : $0.i })
        let far = try #require((1..<conf.atomCount).first { !partners.contains($0) })
        var contact = conf.positions
        let direction = contact[far] - contact[0]
        contact[far] = contact[0] + direction / (direction * direction).sum().squareRoot() * 0.5
        guard case .closeContact(let i, let j, let d)? = try detector.check(contact) else {
            Issue.record("no close contact found"); return
        }
        #expect(Set([i, j]) == Set([0, far]) && abs(d - 0.5) < 1e-12)

        // Stretch one C–H bond to 1.7 Å (> 1.5 × (0.76 + 0.31) = 1.605 Å), keeping it clear
        // of other atoms by moving along the bond.
        var stretched = conf.positions
        let (c, h) = conf.atomicNumbers[ch.i] == 6 ? (ch.i, ch.j) : (ch.j, ch.i)
        let axis = stretched[h] - stretched[c]
        stretched[h] = stretched[c] + axis / (axis * axis).sum().squareRoot() * 1.7
        guard case .brokenBond(let bi, let bj, let length, let limit)? = try detector.check(stretched) else {
            Issue.record("no broken bond found"); return
        }
        #expect(Set([bi, bj]) == Set([c, h]) && abs(length - 1.7) < 1e-12 && abs(limit - 1.605) < 1e-12)
        // Just below the limit it is still a bond.
        stretched[h] = stretched[c] + axis / (axis * axis).sum().squareRoot() * 1.6
        #expect(try detector.check(stretched) == nil)

        var broken = conf.positions
        broken[3].y = .nan
        #expect(try detector.check(broken) == .nonFinite(atom: 3))
    }

    @Test func lengthHistogramBinsAndMoments() {
        var h = LengthHistogram(lower: 1.0, upper: 2.0, binWidth: 0.25)
        for x in [0.9, 1.0, 1.1, 1.3, 1.3, 1.99, 2.0, 2.5] { h.add(x) }
        #expect(h.counts == [2, 2, 0, 1])
        #expect(h.underflow == 1 && h.overflow == 2 && h.count == 8)
        let values = [0.9, 1.0, 1.1, 1.3, 1.3, 1.99, 2.0, 2.5]
        let mean = values.reduce(0, +) / 8
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8).squareRoot()
        #expect(abs(h.mean - mean) < 1e-12 && abs(h.standardDeviation - std) < 1e-12)
        #expect(h.binCenters == [1.125, 1.375, 1.625, 1.875])
    }

    @Test func bondStatisticsPerType() throws {
        let conf = Fixtures.ethanol
        let graph = try BondGraph(atomicNumbers: conf.atomicNumbers, positions: conf.positions)
        var stats = BondLengthStatistics(bonds: graph)
        stats.add(conf.positions)
        stats.add(conf.positions.map { $0 * 1.01 })
        #expect(stats.types == ["C-C", "C-H", "C-O", "H-O"])
        let ch = graph.bonds.filter { graph.type(of: $0) == "C-H" }.map { graph.length(of: $0, positions: conf.positions) }
        let expected = ch.reduce(0, +) / Double(ch.count) * 1.005
        #expect(stats.histograms["C-H"]!.count == 10)
        #expect(abs(stats.histograms["C-H"]!.mean - expected) < 1e-12)
        #expect(stats.histograms["C-H"]!.counts.reduce(0, +) == 10)
    }
}

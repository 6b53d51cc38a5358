import Chemistry
import Descriptors
import Foundation
import Testing
import _TestSupport

/// One pair as a hashable key: (i, j, image offset).
private struct Triple: Hashable, CustomStringConvertible {
    var i: Int32, j: Int32, n: SIMD3<Int32>
    var description: String { "(\(i), \(j), [\(n.x), \(n.y), \(n.z)])" }
}

private func triples(_ list: NeighbourList) -> [Triple: Double] {
    var result: [Triple: Double] = [:]
    for k in 0..<list.count {
        result[Triple(i: list.centers[k], j: list.neighbours[k], n: list.images[k])] = list.distances[k]
    }
    return result
}

/// Checks that the cell-list and brute-force lists hold the same triples with distances
/// equal to 1e-12 Å, and that the list is internally consistent.
private func expectMatchesBruteForce(_ positions: [SIMD3<Double>], _ cell: Cell?, cutoff: Double,
                                     kind: NeighbourList.Kind = .full, _ what: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    let fast = try NeighbourList(positions: positions, cell: cell, cutoff: cutoff, kind: kind)
    let slow = try NeighbourList.bruteForce(positions: positions, cell: cell, cutoff: cutoff, kind: kind)
    let a = triples(fast), b = triples(slow)
    #expect(a.count == fast.count, "\(what): duplicate pairs", sourceLocation: sourceLocation)
    let missing = Set(b.keys).subtracting(a.keys), extra = Set(a.keys).subtracting(b.keys)
    #expect(missing.isEmpty && extra.isEmpty,
            "\(what): missing \(missing.prefix(5)), extra \(extra.prefix(5))", sourceLocation: sourceLocation)
    let worst = a.compactMap { key, d in b[key].map { abs($0 - d) } }.max() ?? 0
    #expect(worst <= 1e-12, "\(what): distances differ by \(worst)", sourceLocation: sourceLocation)
    // Same deterministic order, row pointers, shifts and distances that match positions.
    #expect(fast.centers == slow.centers && fast.neighbours == slow.neighbours && fast.images == slow.images,
            "\(what): order differs", sourceLocation: sourceLocation)
    #expect(fast.offsets.count == positions.count + 1 && fast.offsets.last == fast.count,
            sourceLocation: sourceLocation)
    // Checked in plain loops with one #expect each (per-pair #expect is slow in debug).
    let rowsOK = (0..<positions.count).allSatisfy { i in fast.pairs(of: i).allSatisfy { Int(fast.centers[$0]) == i } }
    #expect(rowsOK, "\(what): offsets do not match centers", sourceLocation: sourceLocation)
    var bad: [Int] = []
    for k in 0..<fast.count {
        let d = fast.displacement(k, positions: positions)
        var ok = abs((d * d).sum().squareRoot() - fast.distances[k]) <= 1e-12 && fast.distances[k] < cutoff
        if let cell {
            let n = fast.images[k]
            let s = Double(n.x) * cell.vectors[0] + Double(n.y) * cell.vectors[1] + Double(n.z) * cell.vectors[2]
            ok = ok && fast.shifts[k] == s && (0..<3).allSatisfy { cell.periodic[$0] || n[$0] == 0 }
        } else {
            ok = ok && fast.shifts[k] == .zero && fast.images[k] == .zero
        }
        if !ok { bad.append(k) }
    }
    #expect(bad.isEmpty, "\(what): inconsistent pairs \(bad.prefix(5))", sourceLocation: sourceLocation)
}

/// The full list holds (i, j, n) iff it holds (j, i, −n), with the same distance; the half
/// list is the full list's canonical half.
private func expectSymmetric(_ positions: [SIMD3<Double>], _ cell: Cell?, cutoff: Double, _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
    let full = try NeighbourList(positions: positions, cell: cell, cutoff: cutoff, kind: .full)
    let half = try NeighbourList(positions: positions, cell: cell, cutoff: cutoff, kind: .half)
    let all = triples(full)
    let unmirrored = all.filter { t, d in all[Triple(i: t.j, j: t.i, n: 0 &- t.n)] != d }.map(\.key)
    #expect(unmirrored.isEmpty, "\(what): \(unmirrored.prefix(5)) have no mirror", sourceLocation: sourceLocation)
    #expect(full.count == 2 * half.count, "\(what)", sourceLocation: sourceLocation)
    let halfTriples = triples(half)
    let wrong = halfTriples.filter { t, d in
        let n = t.n
        let positive = t.i < t.j || (t.i == t.j && (n.x != 0 ? n.x > 0 : n.y != 0 ? n.y > 0 : n.z > 0))
        return all[t] != d || !positive
    }.map(\.key)
    #expect(wrong.isEmpty, "\(what): \(wrong.prefix(5)) not in the full list or not canonical", sourceLocation: sourceLocation)
}

private func mlearn(_ element: String) throws -> [Conformation] {
    try MLearnJSONReader().read(path: SharedData.path("mlearn/\(element)/training.json"))
}

/// A random triclinic cell with atoms partly outside it (so wrapping matters).
private func randomTriclinic(seed: UInt64, atoms: Int) -> (positions: [SIMD3<Double>], vectors: [SIMD3<Double>]) {
    var rng = SeededGenerator(seed: seed)
    func u(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.unitDouble() }
    let vectors = [SIMD3(u(3.5, 5), u(-0.5, 0.5), u(-0.5, 0.5)),
                   SIMD3(u(1, 2.5), u(3.5, 5), u(-0.5, 0.5)),
                   SIMD3(u(-2, 2), u(-2, 2), u(4, 6))]
    var positions: [SIMD3<Double>] = []
    for _ in 0..<atoms {
        let f = SIMD3(u(-0.6, 1.6), u(-0.6, 1.6), u(-0.6, 1.6))
        positions.append(f.x * vectors[0] + f.y * vectors[1] + f.z * vectors[2])
    }
    return (positions, vectors)
}

@Suite struct NeighbourListTests {
    @Test func moleculesFrom3BPAMatchBruteForce() throws {
        let contents = try ExtendedXYZReader().read(path: SharedData.path("3bpa/train_300K.xyz"))
        let molecules = Array(contents.conformations.prefix(20))
        #expect(molecules.count == 20)
        for (index, molecule) in molecules.enumerated() {
            #expect(!molecule.isPeriodic)
            try expectMatchesBruteForce(molecule.positions, molecule.cell, cutoff: 5.2, "3BPA \(index)")
            try expectMatchesBruteForce(molecule.positions, molecule.cell, cutoff: 5.2, kind: .half, "3BPA \(index) half")
            try expectSymmetric(molecule.positions, molecule.cell, cutoff: 5.2, "3BPA \(index)")
        }
    }

    @Test(arguments: ["Si", "Ge"])
    func mlearnCellsMatchBruteForce(element: String) throws {
        let cells = try mlearn(element)
        #expect(cells.count > 200)
        var multipleImages = 0
        for (index, cell) in cells.enumerated() {
            #expect(cell.isPeriodic)
            for rc in [5.0, 8.0] {
                try expectMatchesBruteForce(cell.positions, cell.cell, cutoff: rc, "\(element) \(index) rc \(rc)")
            }
            try expectSymmetric(cell.positions, cell.cell, cutoff: 5.0, "\(element) \(index)")
            // Count cells where some atom sees several images of one atom.
            let list = try NeighbourList(conformation: cell, cutoff: 8.0)
            var seen = Set<SIMD2<Int32>>()
            if (0..<list.count).contains(where: { !seen.insert(SIMD2(list.centers[$0], list.neighbours[$0])).inserted }) {
                multipleImages += 1
            }
        }
        #expect(multipleImages > 0, "rc = 8 Å should force multiple images in small cells")
    }

    @Test func triclinicMixedPeriodicityMatchesBruteForce() throws {
        let periodicities: [[Bool]] = [[true, true, true], [true, true, false], [false, true, true],
                                       [true, false, false], [false, false, true], [false, false, false]]
        for seed in UInt64(1)...3 {
            let (positions, vectors) = randomTriclinic(seed: seed, atoms: 25)
            for pbc in periodicities {
                let cell = Cell(vectors: vectors, periodic: pbc)
                for rc in [3.0, 6.5] {
                    try expectMatchesBruteForce(positions, cell, cutoff: rc, "seed \(seed) pbc \(pbc) rc \(rc)")
                    try expectMatchesBruteForce(positions, cell, cutoff: rc, kind: .half, "seed \(seed) pbc \(pbc) half")
                }
                try expectSymmetric(positions, cell, cutoff: 6.5, "seed \(seed) pbc \(pbc)")
            }
        }
    }

    @Test func slabWithZeroNonPeriodicVector() throws {
        let (positions, vectors) = randomTriclinic(seed: 9, atoms: 20)
        let slab = Cell(vectors: [vectors[0], vectors[1], .zero], periodic: [true, true, false])
        try expectMatchesBruteForce(positions, slab, cutoff: 5.0, "slab")
        let wire = Cell(vectors: [vectors[0], .zero, .zero], periodic: [true, false, false])
        try expectMatchesBruteForce(positions, wire, cutoff: 5.0, "wire")
        // Same pairs as with the full non-periodic vector.
        let full = try NeighbourList(positions: positions, cell: Cell(vectors: vectors, periodic: [true, true, false]), cutoff: 5.0)
        #expect(try NeighbourList(positions: positions, cell: slab, cutoff: 5.0).images == full.images)
    }

    @Test func singleAtomMoleculeHasNoPairs() throws {
        let list = try NeighbourList(positions: [SIMD3(1, 2, 3)], cell: nil, cutoff: 5)
        #expect(list.count == 0 && list.offsets == [0, 0] && list.atomCount == 1)
        let boxed = try NeighbourList(positions: [SIMD3(1, 2, 3)],
                                      cell: Cell(vectors: [SIMD3(3, 0, 0), SIMD3(0, 3, 0), SIMD3(0, 0, 3)],
                                                 periodic: [false, false, false]), cutoff: 5)
        #expect(boxed.count == 0)
        #expect(try NeighbourList.bruteForce(positions: [SIMD3(1, 2, 3)], cell: nil, cutoff: 5).count == 0)
        #expect(try NeighbourList(positions: [], cell: nil, cutoff: 5).offsets == [0])
    }

    @Test func pairsExactlyAtTheCutoffAreExcluded() throws {
        let rc = 2.5
        let positions = [SIMD3<Double>(0, 0, 0), SIMD3(rc, 0, 0)]
        #expect(try NeighbourList(positions: positions, cell: nil, cutoff: rc).count == 0)
        #expect(try NeighbourList.bruteForce(positions: positions, cell: nil, cutoff: rc).count == 0)
        let inside = [SIMD3<Double>(0, 0, 0), SIMD3(rc.nextDown, 0, 0)]
        let list = try NeighbourList(positions: inside, cell: nil, cutoff: rc)
        #expect(list.centers == [0, 1] && list.neighbours == [1, 0] && list.distances == [rc.nextDown, rc.nextDown])
        #expect(list.shifts == [.zero, .zero])
        // Periodic: a 1-atom cubic cell of side rc has no neighbours at rc.
        let cube = Cell(vectors: [SIMD3(rc, 0, 0), SIMD3(0, rc, 0), SIMD3(0, 0, rc)])
        #expect(try NeighbourList(positions: [.zero], cell: cube, cutoff: rc).count == 0)
    }

    @Test(arguments: [(2.1, 6), (2.9, 18), (3.5, 26), (4.1, 32)])
    func simpleCubicCoordination(cutoff: Double, expected: Int) throws {
        let a = 2.0
        let cubic = Cell(vectors: [SIMD3(a, 0, 0), SIMD3(0, a, 0), SIMD3(0, 0, a)])
        // The same lattice in a skewed basis (c' = a + b + c), and a 2×1×1 supercell.
        let skewed = Cell(vectors: [SIMD3(a, 0, 0), SIMD3(0, a, 0), SIMD3(a, a, a)])
        for (cell, positions) in [(cubic, [SIMD3<Double>(0.3, 0.1, -0.2)]), (skewed, [SIMD3<Double>(0.3, 0.1, -0.2)])] {
            let list = try NeighbourList(positions: positions, cell: cell, cutoff: cutoff)
            #expect(list.count == expected)
            #expect(list.neighbours.allSatisfy { $0 == 0 } && list.centers.allSatisfy { $0 == 0 })
            #expect(Set(list.images).count == expected)
            #expect(try NeighbourList(positions: positions, cell: cell, cutoff: cutoff, kind: .half).count == expected / 2)
        }
        let supercell = Cell(vectors: [SIMD3(2 * a, 0, 0), SIMD3(0, a, 0), SIMD3(0, 0, a)])
        let two = try NeighbourList(positions: [.zero, SIMD3(a, 0, 0)], cell: supercell, cutoff: cutoff)
        #expect(two.pairs(of: 0).count == expected && two.pairs(of: 1).count == expected)
    }

    @Test func translationByLatticeVectorKeepsDistances() throws {
        let cells = try mlearn("Si").prefix(40)
        let (randomPositions, randomVectors) = randomTriclinic(seed: 4, atoms: 20)
        let random = Conformation(atomicNumbers: Array(repeating: 14, count: 20), positions: randomPositions,
                                  cell: Cell(vectors: randomVectors, periodic: [true, false, true]), energy: 0)
        for (index, structure) in (Array(cells) + [random]).enumerated() {
            let cell = try #require(structure.cell)
            let before = try NeighbourList(conformation: structure, cutoff: 6.0)
            for lattice in [cell.vectors[0], cell.vectors[2] - 2 * cell.vectors[0]] {
                var moved = structure
                moved.positions = structure.positions.map { $0 + lattice }
                let after = try NeighbourList(conformation: moved, cutoff: 6.0)
                #expect(after.count == before.count, "structure \(index)")
                for i in 0..<structure.atomCount {
                    let d0 = before.pairs(of: i).map { before.distances[$0] }.sorted()
                    let d1 = after.pairs(of: i).map { after.distances[$0] }.sorted()
                    if !(d0.count == d1.count && zip(d0, d1).allSatisfy({ abs($0 - $1) < 1e-9 })) {
                        Issue.record("structure \(index) atom \(i): distances changed")
                    }
                }
            }
        }
    }

    @Test func invalidInputNamesTheProblem() throws {
        let positions = [SIMD3<Double>(0, 0, 0), SIMD3(1, 0, 0)]
        for cutoff in [0.0, -1.0, .nan, .infinity] {
            #expect { try NeighbourList(positions: positions, cell: nil, cutoff: cutoff) } throws: { error in
                (error as? DataError)?.item == "cutoff"
            }
        }
        #expect { try NeighbourList(positions: [SIMD3(0, 0, 0), SIMD3(.nan, 0, 0)], cell: nil, cutoff: 2,
                                    label: "frame 7") } throws: { error in
            let e = error as? DataError
            return e?.file == "frame 7" && e?.item == "positions[1]" && e?.reason.contains("not finite") == true
        }
        let flat = Cell(vectors: [SIMD3(2, 0, 0), SIMD3(0, 3, 0), SIMD3(2, 3, 0)])
        #expect { try NeighbourList(positions: positions, cell: flat, cutoff: 2) } throws: { error in
            let e = error as? DataError
            return e?.item == "cell" && e?.reason.contains("degenerate") == true
        }
        let zero = Cell(vectors: [SIMD3(2, 0, 0), SIMD3(0, 3, 0), .zero])
        #expect { try NeighbourList.bruteForce(positions: positions, cell: zero, cutoff: 2) } throws: { error in
            (error as? DataError)?.reason.contains("degenerate") == true
        }
        let infinite = Cell(vectors: [SIMD3(2, 0, 0), SIMD3(0, .infinity, 0), SIMD3(0, 0, 2)])
        #expect { try NeighbourList(positions: positions, cell: infinite, cutoff: 2) } throws: { error in
            (error as? DataError)?.item == "cell vector b"
        }
    }
}

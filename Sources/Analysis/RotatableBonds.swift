import Chemistry

/// A torsion i–j–k–l about the rotatable bond j–k, and the atoms a torsion scan turns.
public struct RotatableBond: Hashable, Sendable, CustomStringConvertible {
    /// The bond j–k.
    public var bond: Bond
    /// The four dihedral atoms [i, j, k, l]; j–k is the rotatable bond.
    public var dihedral: [Int]
    /// The atoms on the k side: reachable from k without crossing j–k (k included), ascending.
    public var movingAtoms: [Int]
    /// True when one end carries nothing but hydrogens besides the other end (CH₃, NH₂, OH
    /// rotors).
    public var isTerminal: Bool

    public var j: Int { dihedral[1] }
    public var k: Int { dihedral[2] }

    public var description: String { "\(bond.type) \(dihedral.map(String.init).joined(separator: "-"))" }
}

extension Connectivity {
    /// The rotatable bonds of the molecule at `positions`.
    ///
    /// Rule: a bond is rotatable when it is acyclic (not in a ring, by graph search), each
    /// end has at least two neighbours (so a dihedral exists), and neither end is linear
    /// (`isLinear`: two neighbours at > 170°, which excludes triple bonds and allenes).
    /// Bond orders are not perceived, so conjugated bonds with partial double-bond
    /// character (amides, enols, the C–O of an aryl ether) count as rotatable.
    ///
    /// Terminal rotors (CH₃, NH₂, OH: one end carries only hydrogens beyond the bond) are
    /// included and flagged `isTerminal`; pass `includingTerminalRotors: false` to keep
    /// only backbone torsions. For 3-(benzyloxy)pyridin-2-amine this gives the three
    /// backbone torsions ring–O, O–CH₂, CH₂–ring and the terminal amine rotor C–NH₂.
    ///
    /// Orientation: k is the end whose side (the atoms reachable from k without crossing
    /// j–k) has fewer atoms — the smaller fragment moves; ties put k at the higher index.
    /// i is the heaviest neighbour of j other than k, l the heaviest neighbour of k other
    /// than j (ties: the lower index).
    public func rotatableBonds(positions: [SIMD3<Double>],
                               includingTerminalRotors: Bool = true) -> [RotatableBond] {
        var result = [RotatableBond]()
        for bond in bonds {
            let (a, b) = (bond.i, bond.j)
            guard neighbours[a].count >= 2, neighbours[b].count >= 2,
                  !isLinear(a, positions: positions), !isLinear(b, positions: positions) else { continue }
            let sideA = fragment(from: a, notCrossing: b), sideB = fragment(from: b, notCrossing: a)
            guard !sideB.contains(a) else { continue }  // in a ring
            let (j, k, moving) = sideB.count <= sideA.count ? (a, b, sideB) : (b, a, sideA)
            let terminal = [a, b].contains { end in
                neighbours[end].allSatisfy { $0 == (end == a ? b : a) || atomicNumbers[$0] == 1 }
            }
            if terminal && !includingTerminalRotors { continue }
            let i = heaviestNeighbour(of: j, excluding: k), l = heaviestNeighbour(of: k, excluding: j)
            result.append(RotatableBond(bond: bond, dihedral: [i, j, k, l], movingAtoms: moving, isTerminal: terminal))
        }
        return result
    }

    /// The neighbour of `atom` other than `excluded` with the largest Z (ties: lowest index).
    func heaviestNeighbour(of atom: Int, excluding excluded: Int) -> Int {
        var best = -1
        for n in neighbours[atom] where n != excluded {
            if best < 0 || atomicNumbers[n] > atomicNumbers[best] { best = n }
        }
        return best
    }

    /// The atoms moved when bond j–k is stretched or angle ·–j–k bent from the j side: the
    /// k side of the bond (reachable from k without crossing j–k), or only `k` when the
    /// bond lies in a ring (moving the whole side would move j too).
    public func movingSide(of j: Int, _ k: Int) -> [Int] {
        let side = fragment(from: k, notCrossing: j)
        return side.contains(j) ? [k] : side
    }
}

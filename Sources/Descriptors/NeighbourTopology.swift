// The index structure of a descriptor or message-passing evaluation: pairs and triplets.

import Chemistry

/// Which atom pairs (within the radial cutoff) and triplets (both legs within the angular
/// cutoff) a model sees, with the species index of every atom — the non-differentiable,
/// integer part of an evaluation, built once from a neighbour list. Every model kind (AEV,
/// ACSF, eeACSF, HIP-NN) evaluates its energy as a differentiable function of a positions
/// tensor for one of these.
///
/// The positions themselves are *not* stored. Pair terms carry the
/// cutoff function, so a neighbour that drifts past the cutoff contributes exactly zero
/// (rebuild the topology when atoms move by more than a skin).
///
/// Several conformations can be concatenated into one "molecule set"
/// (``init(conformations:parameters:)``): atoms are numbered consecutively and
/// ``offsets`` gives each conformation's first atom; no pair crosses conformations.
public struct NeighbourTopology: Equatable, Sendable {
    /// Total number of atoms.
    public let atomCount: Int
    /// Species index (into the request's `species`) of each atom.
    public let speciesIndices: [Int]
    /// First atom of each conformation, plus `atomCount` at the end.
    public let offsets: [Int]

    /// Radial pairs (directed, i → j): centre i.
    public private(set) var centers: [Int] = []
    /// Radial pairs: neighbour j.
    public private(set) var neighbours: [Int] = []
    /// Radial pairs: periodic shift (Å) with r_ij = r_j + shift − r_i, flattened `[P · 3]`.
    public private(set) var shifts: [Double] = []

    /// Angular triplets: the two radial pair indices (i → j, i → k) with j ≠ k counted once
    /// per unordered pair.
    public private(set) var tripletFirst: [Int] = []
    /// Angular triplets: the second radial pair index.
    public private(set) var tripletSecond: [Int] = []

    /// Number of radial pairs.
    public var pairCount: Int { centers.count }
    /// Number of angular triplets.
    public var tripletCount: Int { tripletFirst.count }

    /// The topology of one structure (`cell` nil for a molecule).
    ///
    /// - Throws: `DataError` for an atomic number not in `parameters.species`, or from the
    ///   neighbour list (bad cutoff, non-finite positions, degenerate cell).
    public init(positions: [SIMD3<Double>], atomicNumbers: [Int], cell: Cell?,
                request: NeighbourRequest, label: String = "model") throws {
        try self.init(parts: [(positions, atomicNumbers, cell)], request: request, label: label)
    }

    /// The topology of a conformation.
    public init(conformation: Conformation, request: NeighbourRequest, label: String = "model") throws {
        try self.init(positions: conformation.positions, atomicNumbers: conformation.atomicNumbers,
                      cell: conformation.cell, request: request, label: label)
    }

    /// The topology of several conformations concatenated as one set of atoms.
    public init(conformations: [Conformation], request: NeighbourRequest, label: String = "model") throws {
        try self.init(parts: conformations.map { ($0.positions, $0.atomicNumbers, $0.cell) },
                      request: request, label: label)
    }

    /// The AEV topology of one structure (`cell` nil for a molecule).
    public init(positions: [SIMD3<Double>], atomicNumbers: [Int], cell: Cell?,
                parameters: AEVParameters, label: String = "AEV") throws {
        try self.init(positions: positions, atomicNumbers: atomicNumbers, cell: cell, request: parameters.request, label: label)
    }

    /// The AEV topology of a conformation.
    public init(conformation: Conformation, parameters: AEVParameters, label: String = "AEV") throws {
        try self.init(conformation: conformation, request: parameters.request, label: label)
    }

    /// The AEV topology of several conformations concatenated as one set of atoms.
    public init(conformations: [Conformation], parameters: AEVParameters, label: String = "AEV") throws {
        try self.init(conformations: conformations, request: parameters.request, label: label)
    }

    /// Topologies of separate structures concatenated as one set of atoms, identical to
    /// building them together (atom and pair indices are shifted; no pair crosses parts).
    /// Lets a trainer build each fixed geometry's topology once and batch them freely.
    public init(concatenating parts: [NeighbourTopology]) {
        var species: [Int] = [], offsets = [0]
        var atomBase = 0, pairBase = 0
        var centers: [Int] = [], neighbours: [Int] = [], shifts: [Double] = []
        var first: [Int] = [], second: [Int] = []
        for part in parts {
            species += part.speciesIndices
            offsets += part.offsets.dropFirst().map { $0 + atomBase }
            centers += part.centers.map { $0 + atomBase }
            neighbours += part.neighbours.map { $0 + atomBase }
            shifts += part.shifts
            first += part.tripletFirst.map { $0 + pairBase }
            second += part.tripletSecond.map { $0 + pairBase }
            atomBase += part.atomCount
            pairBase += part.pairCount
        }
        atomCount = atomBase
        speciesIndices = species
        self.offsets = offsets
        self.centers = centers; self.neighbours = neighbours; self.shifts = shifts
        tripletFirst = first; tripletSecond = second
    }

    private init(parts: [([SIMD3<Double>], [Int], Cell?)], request: NeighbourRequest, label: String) throws {
        var species: [Int] = []
        var offsets = [0]
        for (n, (positions, numbers, _)) in parts.enumerated() {
            guard positions.count == numbers.count else {
                throw DataError(file: label, item: "conformation \(n)",
                                "\(positions.count) positions for \(numbers.count) atomic numbers")
            }
            for (a, z) in numbers.enumerated() {
                guard let s = request.species.firstIndex(of: z) else {
                    throw DataError(file: label, item: "conformation \(n), atom \(a)",
                                    "element \(Element.symbol(for: z)) is not among the model's elements \(request.species.map { Element.symbol(for: $0) })")
                }
                species.append(s)
            }
            offsets.append(species.count)
        }
        atomCount = species.count
        speciesIndices = species
        self.offsets = offsets

        let rca = request.angularCutoff
        for (n, (positions, _, cell)) in parts.enumerated() {
            let base = offsets[n]
            let list = try NeighbourList(positions: positions, cell: cell, cutoff: request.radialCutoff,
                                         kind: .full, label: label)
            for i in 0..<positions.count {
                let range = list.pairs(of: i)
                var angular: [Int] = []
                for k in range {
                    let pair = centers.count
                    centers.append(base + Int(list.centers[k]))
                    neighbours.append(base + Int(list.neighbours[k]))
                    let s = list.shifts[k]
                    shifts += [s.x, s.y, s.z]
                    if list.distances[k] <= rca { angular.append(pair) }
                }
                for a in angular.indices {
                    for b in (a + 1)..<max(a + 1, angular.count) {
                        tripletFirst.append(angular[a])
                        tripletSecond.append(angular[b])
                    }
                }
            }
        }
    }
}

/// What a model needs from the neighbour list: a radial cutoff for pairs, an angular cutoff
/// (≤ radial; 0 for no triplets) for triplets, and the species it knows (atomic numbers,
/// in the order of the topology's species indices).
public struct NeighbourRequest: Equatable, Sendable {
    /// Pairs i → j with r_ij ≤ this (Å).
    public var radialCutoff: Double
    /// Triplets (j, i, k) with r_ij, r_ik ≤ this (Å); 0 builds no triplets.
    public var angularCutoff: Double
    /// Atomic numbers in species-index order.
    public var species: [Int]

    public init(radialCutoff: Double, angularCutoff: Double, species: [Int]) {
        precondition(radialCutoff > 0 && angularCutoff >= 0 && angularCutoff <= radialCutoff, "need 0 ≤ angular ≤ radial cutoff")
        self.radialCutoff = radialCutoff
        self.angularCutoff = angularCutoff
        self.species = species
    }
}

extension AEVParameters {
    /// The neighbour request of an AEV with these parameters.
    public var request: NeighbourRequest {
        NeighbourRequest(radialCutoff: radialCutoff, angularCutoff: angularCutoff, species: species)
    }
}

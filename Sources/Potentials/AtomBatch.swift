import Chemistry

/// Several conformations laid end to end as one set of atoms, the unit a model evaluates.
///
/// Atoms of conformation `c` occupy rows `offsets[c] ..< offsets[c + 1]` of every per-atom
/// array (features `[A, F]`, positions `[A, 3]`, forces `[A, 3]`).
public struct AtomBatch: Equatable, Sendable {
    /// Atomic numbers, shape `[A]`.
    public var atomicNumbers: [Int]
    /// Conformation index of each atom, shape `[A]`.
    public var conformationOfAtom: [Int]
    /// Row offsets, shape `[B + 1]`.
    public var offsets: [Int]
    /// The task (level of theory) of each conformation, shape `[B]`, when the batch comes
    /// from labelled training data (nil otherwise). Only task-aware models
    /// (``TaskHeadPotential``) read it.
    public var tasks: [String]?

    /// A batch of the given conformations, in order.
    public init(_ conformations: [Conformation]) {
        self.init(atomicNumbers: conformations.map(\.atomicNumbers))
    }

    /// A batch from each conformation's atomic numbers.
    public init(atomicNumbers perConformation: [[Int]]) {
        atomicNumbers = perConformation.flatMap { $0 }
        conformationOfAtom = perConformation.enumerated().flatMap { c, z in Array(repeating: c, count: z.count) }
        offsets = [0]
        for z in perConformation { offsets.append(offsets.last! + z.count) }
    }

    /// Number of atoms A.
    public var atomCount: Int { atomicNumbers.count }
    /// Number of conformations B.
    public var conformationCount: Int { offsets.count - 1 }
    /// Atom counts per conformation, shape `[B]`.
    public var atomCounts: [Int] { (0..<conformationCount).map { offsets[$0 + 1] - offsets[$0] } }
}

/// Disjoint train / validation / test index sets over a task's conformations.
public struct DataSplit: Equatable, Sendable, Codable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Fractions of the data in train, validation and test; they must sum to ≤ 1 (any rest
    /// is left unused) and each be in [0, 1].
    public struct Fractions: Equatable, Sendable, Codable {
        public var train: Double, validation: Double, test: Double
        public init(train: Double, validation: Double, test: Double) {
            self.train = train
            self.validation = validation
            self.test = test
        }
        public static let standard = Fractions(train: 0.8, validation: 0.1, test: 0.1)

        func check() throws {
            for (name, f) in [("train", train), ("validation", validation), ("test", test)]
            where !(0...1).contains(f) {
                throw DataError(file: "split", item: name, "fraction \(f) is outside [0, 1]")
            }
            if train + validation + test > 1 + 1e-9 {
                throw DataError(file: "split", "fractions sum to \(train + validation + test) > 1")
            }
        }
    }

    /// Random split of `count` items, deterministic in `seed`.
    ///
    /// Test and validation sizes are `round(fraction × count)`; train takes its share of
    /// the rest. The same seed and count give the same split on every machine.
    public static func random(count: Int, fractions: Fractions = .standard, seed: UInt64) throws -> DataSplit {
        try fractions.check()
        var order = Array(0..<count)
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        let nTest = Int((fractions.test * Double(count)).rounded())
        let nVal = Int((fractions.validation * Double(count)).rounded())
        let nTrain = min(count - nTest - nVal, Int((fractions.train * Double(count)).rounded()))
        return DataSplit(
            train: Array(order[(nTest + nVal)..<(nTest + nVal + nTrain)]).sorted(),
            validation: Array(order[nTest..<(nTest + nVal)]).sorted(),
            test: Array(order[0..<nTest]).sorted())
    }

    /// Split by molecule: items with the same key (e.g. formula, or a molecule id) always
    /// land in the same set, so no molecule of the test set is seen in training.
    ///
    /// Groups are shuffled by `seed` and assigned greedily to test, then validation, until
    /// each reaches its share of items; the rest go to train.
    public static func byMolecule(keys: [String], fractions: Fractions = .standard, seed: UInt64) throws -> DataSplit {
        try fractions.check()
        var groups: [String: [Int]] = [:]
        for (i, key) in keys.enumerated() { groups[key, default: []].append(i) }
        var names = groups.keys.sorted()
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&names)
        let total = Double(keys.count)
        var split = DataSplit(train: [], validation: [], test: [])
        for name in names {
            let members = groups[name]!
            if Double(split.test.count) < fractions.test * total {
                split.test += members
            } else if Double(split.validation.count) < fractions.validation * total {
                split.validation += members
            } else {
                split.train += members
            }
        }
        split.train.sort(); split.validation.sort(); split.test.sort()
        return split
    }
}

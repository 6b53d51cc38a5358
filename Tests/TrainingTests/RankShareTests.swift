import Communication
import Testing

/// How the pieces of a step (batch chunks, meta-batch tasks) are shared among MPI ranks.
@Suite struct RankShareTests {
    @Test func sharesAreContiguousDisjointAndBalanced() {
        for count in 0...20 {
            for size in 1...6 {
                let shares = (0..<size).map { World.share(of: count, rank: $0, size: size) }
                #expect(shares.flatMap { Array($0) } == Array(0..<count), "count \(count), \(size) ranks")
                let sizes = shares.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1, "count \(count), \(size) ranks: \(sizes)")
            }
        }
        // Three chunks on two ranks: rank 0 takes one, rank 1 two.
        #expect(World.share(of: 3, rank: 0, size: 2) == 0..<1 && World.share(of: 3, rank: 1, size: 2) == 1..<3)
    }

    @Test func oneProcessWritesAndRaisesItsOwnError() throws {
        struct Refused: Error {}
        #expect(World.isWriter && World.communicator.size == 1)
        var ran = 0
        try World.onWriter { ran += 1; try World.onWriter { ran += 1 } }
        #expect(ran == 2)
        #expect(throws: Refused.self) { try World.onWriter { throw Refused() } }
    }
}

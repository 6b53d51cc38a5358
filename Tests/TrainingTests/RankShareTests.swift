import Foundation
import Autodiff
import Communication
@testable import Training
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

/// `World.agree` on two ranks simulated by two threads of this process.
@Suite struct RankAgreementTests {
    struct Boom: Error, CustomStringConvertible { var description: String { "boom on this rank" } }

    /// Runs `body(rank, communicator)` for ranks 0 and 1 at once; returns each rank's error.
    private func twoRanks(_ body: @escaping @Sendable (Int, any Communicator) throws -> Void) -> [Error?] {
        let exchange = ThreadExchange(size: 2)
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            do { try body(rank, ThreadCommunicator(rank: rank, exchange: exchange)) } catch { results.set(rank, error) }
        }
        return results.errors
    }

    @Test func everyRankStopsWhenOneFailed() {
        let errors = twoRanks { rank, world in try World.agree(rank == 1 ? Boom() : nil, over: world) }
        #expect(errors[1] is Boom)
        let failure = errors[0] as? RankFailure
        #expect(failure?.rank == 1 && failure?.message == "boom on this rank")
    }

    /// An error whose description is empty still stops the other ranks, named by its type.
    @Test func aFailureWithoutDescriptionStillStopsEveryRank() {
        struct Silent: Error, CustomStringConvertible { var description: String { "" } }
        let errors = twoRanks { rank, world in try World.agree(rank == 0 ? Silent() : nil, over: world) }
        #expect(errors[0] is Silent)
        let failure = errors[1] as? RankFailure
        #expect(failure?.rank == 0 && failure?.message.hasPrefix("Silent") == true)
    }

    @Test func eachFailedRankRaisesItsOwnErrorAndSuccessPasses() {
        #expect(twoRanks { _, world in try World.agree(nil, over: world) }.allSatisfy { $0 == nil })
        let both = twoRanks { _, world in try World.agree(Boom(), over: world) }
        #expect(both.allSatisfy { $0 is Boom })
    }

    /// Longest processing time first: costs 9, 8, 1, 1 on two ranks give {0, 3} and {1, 2}
    /// (loads 10 and 9), where contiguous shares would give 17 and 2.
    @Test func balancedSharesDealTheCostliestFirst() {
        #expect(RankParallelism.balancedShares(costs: [9, 8, 1, 1], ranks: 2) == [[0, 3], [1, 2]])
        #expect(RankParallelism.balancedShares(costs: [1, 1, 1, 1], ranks: 2) == [[0, 2], [1, 3]])
        #expect(RankParallelism.balancedShares(costs: [3], ranks: 3) == [[0], [], []])
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let count = Int.random(in: 0...8, using: &generator), ranks = Int.random(in: 1...3, using: &generator)
            let costs = (0..<count).map { _ in Double(Int.random(in: 1...30, using: &generator)) }
            let shares = RankParallelism.balancedShares(costs: costs, ranks: ranks)
            #expect(shares.count == ranks && shares.allSatisfy { $0 == $0.sorted() })
            #expect(shares.flatMap { $0 }.sorted() == Array(0..<count))
            // Graham's bound for LPT: the largest load ≤ (4/3 − 1/(3R)) × the best possible
            // one, found here by trying every assignment.
            let largest = shares.map { $0.reduce(0) { $0 + costs[$1] } }.max() ?? 0
            var best = Double.infinity
            for code in 0..<Int(pow(Double(ranks), Double(count))) {
                var loads = [Double](repeating: 0, count: ranks), c = code
                for k in 0..<count { loads[c % ranks] += costs[k]; c /= ranks }
                best = min(best, loads.max() ?? 0)
            }
            #expect(largest <= (4.0 / 3 - 1 / (3 * Double(ranks))) * best + 1e-9, "\(costs) on \(ranks): \(shares)")
        }
    }

    /// Pieces dealt out by cost over two ranks (threads here) come back in piece order, each
    /// computed once, on the rank `balancedShares` names, equal to one process's.
    @Test func costDealtPiecesComeBackInOrder() {
        let template = ParameterSet<Float>([("w", Tensor(shape: [2, 3], scalars: [Float](repeating: 0, count: 6))), ("b", Tensor(shape: [2], scalars: [0, 0]))])
        let costs: [Double] = [2, 9, 1, 8, 3]
        func piece(_ k: Int) -> RankParallelism.Piece<Float> {
            (template.map { t in Tensor(shape: t.shape, scalars: (0..<t.count).map { Float(100 * k + $0) + 0.25 }) }, [Double(k), -Double(k)])
        }
        let alone = RankParallelism.map(costs.count, like: template, extras: 2, costs: costs, over: SingleProcessCommunicator(), piece)
        let exchange = ThreadExchange(size: 2)
        let box = PiecesBox()
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            let world = ThreadCommunicator(rank: rank, exchange: exchange)
            let result = RankParallelism.map(costs.count, like: template, extras: 2, costs: costs, over: world) { k in
                box.ran(k, on: rank); return piece(k)
            }
            box.set(rank, result.map { $0.parameters.tensors.flatMap(\.scalars).map(Double.init) + $0.values })
        }
        let expected = alone.map { $0.parameters.tensors.flatMap(\.scalars).map(Double.init) + $0.values }
        #expect(box.results[0] == expected && box.results[1] == expected)
        let shares = RankParallelism.balancedShares(costs: costs, ranks: 2)
        #expect(box.runs.sorted { $0.piece < $1.piece }.map(\.rank) == (0..<costs.count).map { k in shares[0].contains(k) ? 0 : 1 })
    }

    // `World.alone` swaps the process-wide communicator, which other tests running in parallel
    // read; it is exercised where it is used, by the 2-rank study in Tests/MetaMLIPMPITests.
}

/// Each rank's results and which rank ran which piece, set from several threads.
private final class PiecesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [[[Double]]] = [[], []]
    private var log: [(piece: Int, rank: Int)] = []
    func set(_ rank: Int, _ values: [[Double]]) { lock.withLock { stored[rank] = values } }
    func ran(_ piece: Int, on rank: Int) { lock.withLock { log.append((piece, rank)) } }
    var results: [[[Double]]] { lock.withLock { stored } }
    var runs: [(piece: Int, rank: Int)] { lock.withLock { log } }
}

/// Errors by rank, set from several threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Error?] = [nil, nil]
    func set(_ rank: Int, _ error: Error) { lock.withLock { stored[rank] = error } }
    var errors: [Error?] { lock.withLock { stored } }
}

/// The meeting point of ``ThreadCommunicator``s: an allgather waits for every rank's bytes.
private final class ThreadExchange: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[UInt8]?]
    private var generation = 0
    private var result: [UInt8] = []
    init(size: Int) { self.size = size; slots = Array(repeating: nil, count: size) }

    func allgather(rank: Int, _ bytes: [UInt8]) -> [UInt8] {
        condition.lock(); defer { condition.unlock() }
        let round = generation
        slots[rank] = bytes
        if slots.allSatisfy({ $0 != nil }) {
            result = slots.flatMap { $0! }
            slots = Array(repeating: nil, count: size)
            generation += 1
            condition.broadcast()
        } else {
            while generation == round { condition.wait() }
        }
        return result
    }
}

/// One of `exchange.size` ranks played by threads of one process (allgather only).
private final class ThreadCommunicator: Communicator, @unchecked Sendable {
    let rank: Int
    let exchange: ThreadExchange
    init(rank: Int, exchange: ThreadExchange) { self.rank = rank; self.exchange = exchange }
    var size: Int { exchange.size }
    var localSize: Int { exchange.size }
    func allreduceSum(_ values: inout [Double]) { fatalError("not used") }
    func allreduceSum(_ values: inout [Float]) { fatalError("not used") }
    func allgather(_ local: [UInt8], counts: [Int]) -> [UInt8] {
        precondition(counts[rank] == local.count)
        return exchange.allgather(rank: rank, local)
    }
    func broadcast(_ bytes: inout [UInt8], root: Int) { fatalError("not used") }
    func barrier() { _ = exchange.allgather(rank: rank, []) }
    func abort(code: Int32) -> Never { fatalError("abort \(code)") }
}

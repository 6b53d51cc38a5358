// Independent pieces of one step (batch chunks, a meta-batch's tasks) spread over the ranks of
// an MPI run, then over threads inside each rank.

import Autodiff
import Communication

/// The pieces of a step across processes: rank r of R computes pieces
/// ``World/share(of:rank:size:)`` (on ``StepParallelism`` threads), and an allgather brings every
/// piece to every rank. The caller then combines them in piece order exactly as in one process,
/// so the result is bitwise the same for every R and every thread count.
///
/// Communication per call: every piece once to every rank, i.e. an allgather of
/// count × (P · sizeof(S) + 8 · extras) bytes (P parameters).
public enum RankParallelism {
    /// One piece: a parameter-shaped value (a gradient, a parameter difference) and a few numbers
    /// (a loss, flags).
    public typealias Piece<S: TensorScalar> = (parameters: ParameterSet<S>, values: [Double])

    /// `[body(0), …, body(count − 1)]` on every rank; each `body(k)` runs on one rank only.
    ///
    /// - Parameters:
    ///   - template: the shapes of every piece's parameter set (the names and order too).
    ///   - extras: the length of every piece's `values`.
    ///   - costs: an estimate of each piece's work (e.g. its atoms); the pieces are then dealt
    ///     out by ``balancedShares(costs:ranks:)`` and the threads start on the costliest. nil:
    ///     contiguous shares (``World/share(of:rank:size:)``), for pieces of equal work. Either
    ///     way the result, and so every number, is the same.
    public static func map<S: TensorScalar>(_ count: Int, like template: ParameterSet<S>, extras: Int, costs: [Double]? = nil,
                                            _ body: (Int) -> Piece<S>) -> [Piece<S>] {
        map(count, like: template, extras: extras, costs: costs, over: World.communicator, body)
    }

    /// ``map(_:like:extras:costs:_:)`` over the ranks of `world`.
    static func map<S: TensorScalar>(_ count: Int, like template: ParameterSet<S>, extras: Int, costs: [Double]?,
                                     over world: any Communicator, _ body: (Int) -> Piece<S>) -> [Piece<S>] {
        precondition(costs.map { $0.count == count } ?? true, "\(costs!.count) costs for \(count) pieces")
        guard world.size > 1 else { return StepParallelism.map(count, costs: costs, body) }
        let shares = costs.map { balancedShares(costs: $0, ranks: world.size) }
            ?? (0..<world.size).map { Array(World.share(of: count, rank: $0, size: world.size)) }
        let mine = shares[world.rank]
        let local = StepParallelism.map(mine.count, costs: costs.map { c in mine.map { c[$0] } }) { body(mine[$0]) }
        let pieceBytes = template.scalarCount * MemoryLayout<S>.stride + extras * MemoryLayout<Double>.stride
        var bytes: [UInt8] = []
        bytes.reserveCapacity(local.count * pieceBytes)
        for piece in local {
            precondition(piece.values.count == extras, "a piece has \(piece.values.count) values, expected \(extras)")
            piece.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            for tensor in piece.parameters.tensors { tensor.scalars.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        }
        let all = world.allgather(bytes, counts: shares.map { $0.count * pieceBytes })
        var pieces = [Piece<S>?](repeating: nil, count: count)
        for (j, k) in mine.enumerated() { pieces[k] = local[j] }
        all.withUnsafeBytes { raw in
            var offset = 0
            for (rank, share) in shares.enumerated() {
                guard rank != world.rank else { offset += share.count * pieceBytes; continue }
                for k in share {
                    let values = copied(Double.self, extras, from: raw, at: offset)
                    offset += 8 * extras
                    var entries: [(String, Tensor<S>)] = []
                    for (name, tensor) in zip(template.names, template.tensors) {
                        entries.append((name, Tensor(shape: tensor.shape, scalars: copied(S.self, tensor.count, from: raw, at: offset))))
                        offset += tensor.count * MemoryLayout<S>.stride
                    }
                    pieces[k] = (ParameterSet(entries), values)
                }
            }
        }
        return pieces.map { $0! }
    }

    /// The pieces each of `ranks` ranks computes, dealt out by cost: longest processing time
    /// first (Graham 1969): the pieces in order of decreasing cost (ties: lower index first),
    /// each to the rank with the least cost so far (ties: lower rank). Every rank's list is in
    /// increasing piece order. Deterministic, so every rank computes the same lists; its
    /// largest load is at most 4/3 of the best possible one.
    public static func balancedShares(costs: [Double], ranks: Int) -> [[Int]] {
        precondition(ranks >= 1, "at least one rank")
        var shares = [[Int]](repeating: [], count: ranks)
        var loads = [Double](repeating: 0, count: ranks)
        for k in costliestFirst(costs) {
            let r = loads.indices.min { loads[$0] < loads[$1] }!   // first minimum: lowest rank on ties
            shares[r].append(k)
            loads[r] += costs[k]
        }
        return shares.map { $0.sorted() }
    }

    /// Piece indices by decreasing cost, ties in increasing index.
    static func costliestFirst(_ costs: [Double]) -> [Int] {
        costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
    }

    /// `[body(0), …, body(count − 1)]` on every rank, for pieces that are arrays of any length
    /// (a validation batch's predictions): rank r computes its ``World/share(of:rank:size:)`` on
    /// ``StepParallelism`` threads, and ``Communication/Communicator/allgatherBlobs(_:)`` brings
    /// every piece, bit for bit, to every rank. Every rank must call it at the same point.
    public static func mapArrays(_ count: Int, _ body: (Int) -> [Double]) -> [[Double]] {
        let world = World.communicator
        guard world.size > 1 else { return StepParallelism.map(count, body) }
        let mine = World.share(of: count, rank: world.rank, size: world.size)
        let local = StepParallelism.map(mine.count) { body(mine.lowerBound + $0) }
        // This rank's blob: each piece's length (Int64), then every piece's values.
        var blob: [UInt8] = []
        for piece in local { withUnsafeBytes(of: Int64(piece.count).littleEndian) { blob.append(contentsOf: $0) } }
        for piece in local { piece.withUnsafeBytes { blob.append(contentsOf: $0) } }
        var pieces: [[Double]] = []
        pieces.reserveCapacity(count)
        for (rank, blob) in world.allgatherBlobs(blob).enumerated() {
            guard rank != world.rank else { pieces += local; continue }
            let n = World.share(of: count, rank: rank, size: world.size).count
            blob.withUnsafeBytes { raw in
                var offset = 8 * n
                for i in 0..<n {
                    let length = Int(raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self).littleEndian)
                    pieces.append(copied(Double.self, length, from: raw, at: offset))
                    offset += 8 * length
                }
            }
        }
        return pieces
    }

    /// `count` values of `T` copied (one `memcpy`) from `raw` at byte `offset`; an element-wise
    /// generic load here was 29 % of a 2-rank Reptile step.
    private static func copied<T>(_: T.Type, _ count: Int, from raw: UnsafeRawBufferPointer, at offset: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: raw.baseAddress! + offset,
                                                                        byteCount: count * MemoryLayout<T>.stride)
            }
            initialized = count
        }
    }
}

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
    public static func map<S: TensorScalar>(_ count: Int, like template: ParameterSet<S>, extras: Int,
                                            _ body: (Int) -> Piece<S>) -> [Piece<S>] {
        let world = World.communicator
        guard world.size > 1 else { return StepParallelism.map(count, body) }
        let mine = World.share(of: count, rank: world.rank, size: world.size)
        let local = StepParallelism.map(mine.count) { body(mine.lowerBound + $0) }
        let pieceBytes = template.scalarCount * MemoryLayout<S>.stride + extras * MemoryLayout<Double>.stride
        var bytes: [UInt8] = []
        bytes.reserveCapacity(local.count * pieceBytes)
        for piece in local {
            precondition(piece.values.count == extras, "a piece has \(piece.values.count) values, expected \(extras)")
            piece.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            for tensor in piece.parameters.tensors { tensor.scalars.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        }
        let counts = (0..<world.size).map { World.share(of: count, rank: $0, size: world.size).count * pieceBytes }
        let all = world.allgather(bytes, counts: counts)
        return (0..<count).map { k in
            if mine.contains(k) { return local[k - mine.lowerBound] }
            return all.withUnsafeBytes { raw in
                var offset = k * pieceBytes
                let values = copied(Double.self, extras, from: raw, at: offset)
                offset += 8 * extras
                var entries: [(String, Tensor<S>)] = []
                for (name, tensor) in zip(template.names, template.tensors) {
                    entries.append((name, Tensor(shape: tensor.shape, scalars: copied(S.self, tensor.count, from: raw, at: offset))))
                    offset += tensor.count * MemoryLayout<S>.stride
                }
                return (ParameterSet(entries), values)
            }
        }
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

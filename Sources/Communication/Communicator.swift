// The processes of one run and the collective operations between them (MPI's model, with a
// one-process implementation that every build has).

import Foundation

/// The R processes ("ranks") of one run and the collective operations training needs between
/// them. Every rank calls the same collectives in the same order (SPMD, as with MPI); a
/// collective returns the same values on every rank.
///
/// MetaMLIP uses it for data-parallel training (each rank computes the gradients of its share of
/// a batch's chunks, ``allgather(_:counts:)`` brings every chunk to every rank, each rank sums
/// them in chunk order) and task-parallel meta-training (the same, for the tasks of a
/// meta-batch), so the parameters are bitwise identical for any R. Rank 0 writes every file
/// (``World/isWriter``).
///
/// `metamlip` runs on ``SingleProcessCommunicator``; `metamlip-mpi` installs an MPI-backed one
/// (module `MPICommunication`) before parsing its command line.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0 ..< ``size``.
    var rank: Int { get }
    /// The number of processes R (≥ 1).
    var size: Int { get }
    /// Processes of this run on this machine (the ranks sharing its cores).
    var localSize: Int { get }
    /// Element-wise sum over the ranks, in place (the same values on every rank).
    func allreduceSum(_ values: inout [Double])
    /// Element-wise sum over the ranks, in place (the same values on every rank).
    func allreduceSum(_ values: inout [Float])
    /// Every rank's `local` bytes, concatenated in rank order; `counts[r]` is rank r's byte
    /// count (`counts[rank] == local.count`). Exact: nothing is added, so a reduction done
    /// afterwards in a fixed order gives the same bits on every rank and for every R.
    func allgather(_ local: [UInt8], counts: [Int]) -> [UInt8]
    /// `bytes` of rank `root` on every rank (`bytes.count` must agree on all ranks).
    func broadcast(_ bytes: inout [UInt8], root: Int)
    /// Returns once every rank has called it.
    func barrier()
    /// Stops every rank of the run with `code` (after an error on one rank; the others may be
    /// waiting in a collective).
    func abort(code: Int32) -> Never
}

/// One process: R = 1, collectives are identities.
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localSize: Int { 1 }
    public func allreduceSum(_ values: inout [Double]) {}
    public func allreduceSum(_ values: inout [Float]) {}
    public func allgather(_ local: [UInt8], counts: [Int]) -> [UInt8] { local }
    public func broadcast(_ bytes: inout [UInt8], root: Int) {}
    public func barrier() {}
    public func abort(code: Int32) -> Never { exit(code) }
}

/// The communicator of this process's run.
public enum World {
    /// Set once at start-up, before any training (`metamlip-mpi` installs its MPI
    /// communicator here); a single process by default.
    nonisolated(unsafe) public static var communicator: any Communicator = SingleProcessCommunicator()

    /// Whether this process writes files: rank 0 owns the run directory (checkpoints, model
    /// files, logs, metrics); the other ranks never write.
    public static var isWriter: Bool { communicator.rank == 0 }

    /// Whether rank 0 is inside ``onWriter(_:)`` (its nested calls write directly).
    nonisolated(unsafe) private static var writing = false

    /// The contiguous share of `count` items (chunks of a batch, tasks of a meta-batch) that
    /// `rank` of `size` computes: items ⌊count·r/R⌋ ..< ⌊count·(r+1)/R⌋ (shares differ by at
    /// most one item; a rank gets none when count < R).
    public static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// `body` on rank 0 only, its error (if any) raised on every rank; the other ranks wait
    /// until rank 0 has finished, so a file rank 0 writes here can be read by all afterwards
    /// (on a file system every rank sees). Every rank must call it at the same point.
    ///
    /// Calls nest: inside `body` (on rank 0) a further `onWriter` just runs its body.
    public static func onWriter(_ body: () throws -> Void) throws {
        guard communicator.size > 1, !writing else { return try body() }
        var failure: Error?
        if isWriter {
            writing = true
            defer { writing = false }
            do { try body() } catch { failure = error }
        }
        var message = Array((failure.map { "\($0)" } ?? "").utf8)
        var length = [UInt8](withUnsafeBytes(of: Int64(message.count).littleEndian) { Array($0) })
        communicator.broadcast(&length, root: 0)
        let count = Int(length.withUnsafeBytes { $0.loadUnaligned(as: Int64.self).littleEndian })
        if message.count != count { message = [UInt8](repeating: 0, count: count) }
        communicator.broadcast(&message, root: 0)
        if let failure { throw failure }
        if count > 0 { throw RankFailure(rank: 0, message: String(decoding: message, as: UTF8.self)) }
    }
}

extension World {
    /// `body` with this process as a world of its own: inside it ``communicator`` is a single
    /// process (rank 0 of 1), so ``onWriter(_:)`` writes directly and every piece of a step is
    /// computed here. Used for independent units that one rank runs alone (a study's refits
    /// split over the ranks); `body` must not need the other ranks. Not re-entrant across
    /// threads: call it from the one thread that drives the run.
    public static func alone<R>(_ body: () throws -> R) rethrows -> R {
        let saved = communicator
        communicator = SingleProcessCommunicator()
        defer { communicator = saved }
        return try body()
    }

    /// Every rank reports how its part ended (`failure`, nil on success) and all ranks end alike:
    /// if any rank failed, every rank throws — its own error, or a ``RankFailure`` naming the
    /// lowest failed rank. A collective: every rank must call it at the same point. Without it a
    /// rank whose part failed would leave the others waiting forever at their next collective.
    ///
    /// - Parameter world: the ranks (``communicator`` unless a test gives its own).
    public static func agree(_ failure: Error?, over world: any Communicator = World.communicator) throws {
        guard world.size > 1 else { if let failure { throw failure }; return }
        // A failure always sends a non-empty message (an empty one would read as success).
        let text = failure.map { error -> String in
            let description = "\(error)"
            return description.isEmpty ? "\(type(of: error)) (an error without a description)" : description
        }
        let messages = world.allgatherBlobs(Array((text ?? "").utf8))
        guard let first = messages.firstIndex(where: { !$0.isEmpty }) else { return }
        if let failure { throw failure }
        throw RankFailure(rank: first, message: String(decoding: messages[first], as: UTF8.self))
    }
}

extension Communicator {
    /// Every rank's `local` bytes, whatever their lengths, in rank order: an allgather of the
    /// lengths, then one of the bytes (left out when no rank sends any). A collective.
    public func allgatherBlobs(_ local: [UInt8]) -> [[UInt8]] {
        guard size > 1 else { return [local] }
        let own = withUnsafeBytes(of: Int64(local.count).littleEndian) { Array($0) }
        let lengthBytes = allgather(own, counts: Array(repeating: 8, count: size))
        let lengths = (0..<size).map { r in
            Int(lengthBytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 * r, as: Int64.self).littleEndian })
        }
        guard lengths.contains(where: { $0 > 0 }) else { return lengths.map { _ in [] } }
        let all = allgather(local, counts: lengths)
        var start = 0
        return lengths.map { n in
            defer { start += n }
            return Array(all[start..<(start + n)])
        }
    }
}

/// An error raised on another rank, reported on this one so every rank stops together.
public struct RankFailure: Error, CustomStringConvertible {
    public var rank: Int
    public var message: String
    public var description: String { "rank \(rank): \(message)" }
}

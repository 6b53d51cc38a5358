// The Communicator of `metamlip-mpi`: MPI_COMM_WORLD of the MPI library the system provides
// (Open MPI from Debian's libopenmpi-dev, or a cluster's own through pkg-config).

import CMPI
import Communication
import Foundation

/// ``Communicator`` on `MPI_COMM_WORLD`. Collectives are called from one thread (the main
/// one; `MPI_THREAD_FUNNELED`); training threads inside a rank never call MPI.
///
/// MPI's default error handler (`MPI_ERRORS_ARE_FATAL`) stays: a failed collective stops the
/// whole job, never returns garbage.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let localSize: Int
    private let world: MPI_Comm

    /// Initialises MPI (once per process) and reads the rank, the size and the ranks on this node.
    ///
    /// - Throws: `MPIError` when MPI cannot provide `MPI_THREAD_FUNNELED`.
    public init() throws {
        var provided: Int32 = 0
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = MPI_Init_thread(&argc, &argv, metamlip_mpi_thread_funneled(), &provided)
        guard status == MPI_SUCCESS else { throw MPIError(call: "MPI_Init_thread", code: status) }
        guard provided >= metamlip_mpi_thread_funneled() else {
            throw MPIError(call: "MPI_Init_thread", code: provided, detail: "the MPI library does not support MPI_THREAD_FUNNELED")
        }
        world = metamlip_mpi_comm_world()
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &s)
        rank = Int(r); size = Int(s)
        // The ranks sharing this node's memory (and cores).
        var node: MPI_Comm? = nil
        MPI_Comm_split_type(world, metamlip_mpi_comm_type_shared(), r, metamlip_mpi_info_null(), &node)
        var local: Int32 = 1
        if node != nil {
            MPI_Comm_size(node, &local)
            MPI_Comm_free(&node)
        }
        localSize = Int(local)
    }

    /// Ends MPI; call once, after the last collective, on every rank.
    public func finalize() { MPI_Finalize() }

    public func allreduceSum(_ values: inout [Double]) {
        let n = Int32(values.count)
        values.withUnsafeMutableBufferPointer { buffer in
            _ = MPI_Allreduce(metamlip_mpi_in_place(), buffer.baseAddress, n, metamlip_mpi_double(), metamlip_mpi_sum(), world)
        }
    }

    public func allreduceSum(_ values: inout [Float]) {
        let n = Int32(values.count)
        values.withUnsafeMutableBufferPointer { buffer in
            _ = MPI_Allreduce(metamlip_mpi_in_place(), buffer.baseAddress, n, metamlip_mpi_float(), metamlip_mpi_sum(), world)
        }
    }

    public func allgather(_ local: [UInt8], counts: [Int]) -> [UInt8] {
        precondition(counts.count == size && counts[rank] == local.count, "allgather: counts \(counts) for \(local.count) local bytes")
        let total = counts.reduce(0, +)
        precondition(total <= Int(Int32.max), "allgather of \(total) bytes exceeds MPI's int count")
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) where r < size { displacements[r] = displacements[r - 1] + Int32(counts[r - 1]) }
        let receiveCounts = counts.map(Int32.init)
        var result = [UInt8](repeating: 0, count: total)
        local.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { receive in
                _ = MPI_Allgatherv(send.baseAddress, Int32(local.count), metamlip_mpi_byte(),
                                   receive.baseAddress, receiveCounts, displacements, metamlip_mpi_byte(), world)
            }
        }
        return result
    }

    public func broadcast(_ bytes: inout [UInt8], root: Int) {
        let n = Int32(bytes.count)
        guard n > 0 else { return }
        bytes.withUnsafeMutableBufferPointer { buffer in
            _ = MPI_Bcast(buffer.baseAddress, n, metamlip_mpi_byte(), Int32(root), world)
        }
    }

    public func barrier() { MPI_Barrier(world) }

    public func abort(code: Int32) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }
}

/// An MPI call that failed.
public struct MPIError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var detail: String = ""
    public var description: String { "\(call) failed (code \(code))" + (detail.isEmpty ? "" : ": \(detail)") }
}

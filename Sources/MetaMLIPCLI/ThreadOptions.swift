import ArgumentParser
import Autodiff
import Communication
import Foundation
import Training

/// `--threads N`: the threads one training step may use (its batch chunks, a meta-batch's
/// tasks). Results do not depend on it: OpenBLAS always runs one thread per worker, since its
/// own threads split a product differently and change its last bits (`train --threads 1`
/// with OpenBLAS on two threads and `--threads 2` with one each gave ethanol models that
/// differed after three epochs).
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads per training step (batch chunks, meta-batch tasks); results do not depend on it. Default: the processor count (under MPI: shared by the ranks on this machine).")
    var threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / World.communicator.localSize)

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Applies the setting; `concurrentUnits` (a study's `--jobs`) share the threads.
    func apply(concurrentUnits: Int = 1) {
        StepParallelism.threads = max(1, threads / max(1, concurrentUnits))
        // One BLAS thread per worker, whatever the worker count: the numbers must not depend
        // on it (and OpenBLAS threads spin while they wait; oversubscribed they stall everything).
        setBLASThreads(1)
    }
}

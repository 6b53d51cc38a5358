// `metamlip-mpi`: the `metamlip` commands on the ranks of an MPI run
// (`mpirun -np R metamlip-mpi train|run …`). Training steps split their batch chunks, and
// meta-training its meta-batch's tasks, over the ranks (bitwise the same parameters for any R);
// rank 0 writes every file and prints the run's lines; the other ranks print only errors.

import Communication
import Foundation
import MetaMLIPCLI
import MPICommunication

let communicator: MPICommunicator
do {
    communicator = try MPICommunicator()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
World.communicator = communicator
let status = MetaMLIP.runReturningStatus()
if status != 0 && communicator.size > 1 {
    // Another rank may be waiting in a collective this one will never join: stop them all.
    fflush(stdout)
    communicator.abort(code: status)
}
communicator.finalize()
exit(status)

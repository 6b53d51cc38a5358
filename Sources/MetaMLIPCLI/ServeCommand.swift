import Analysis
import ArgumentParser
import Chemistry
import Foundation
import Simulation
import Training

/// `metamlip serve`: a model (or committee) as an i-PI force driver (``IPIDriver``).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model's energies and forces to i-PI or ASE over the i-PI socket protocol.",
        discussion: """
            Connects as a client to an i-PI server (or ASE's SocketIOCalculator) and answers \
            every force request with the model's energy and forces until the server sends EXIT. \
            The server sends positions only, so STRUCTURE names the atoms (their order must \
            be the server's). With --with, the committee mean of all the models is served. \
            For a molecule (STRUCTURE without a periodic direction) the cell the server sends is \
            not used and the virial is zero (an isolated molecule's energy does not depend on the \
            box). For a periodic STRUCTURE the server's cell is used at every step (periodic along \
            STRUCTURE's pbc directions) and the virial is the model's, W = −∂E/∂ε, so the server \
            gets the stress −W/V (i-PI's NPT, ASE's cell filters).

              metamlip serve model.json mol.xyz --unix metamlip        # /tmp/ipi_metamlip
              metamlip serve model.json mol.xyz --inet localhost:31415

            From ASE: SocketIOCalculator(command="metamlip serve model.json mol.xyz --unix {unixsocket}", \
            unixsocket="metamlip").
            """)

    @Argument(help: "The model file (JSON).")
    var model: String
    @Argument(help: "An XYZ / extended-XYZ file whose frame gives the atoms, in the server's order.")
    var structure: String
    @Option(help: "Frame of the structure file (0-based).")
    var frame = 0
    @Option(name: .customLong("with"), help: "A further model file; the committee mean of all the models is served (repeatable).")
    var others: [String] = []
    @Option(help: "Connect to the UNIX socket /tmp/ipi_NAME.")
    var unix: String?
    @Option(help: "Connect to HOST:PORT over TCP.")
    var inet: String?
    @Option(help: "Seconds to keep trying to connect while the server starts.")
    var wait = 60.0

    func validate() throws {
        guard (unix == nil) != (inet == nil) else { throw ValidationError("give exactly one of --unix NAME and --inet HOST:PORT") }
        if let unix, unix.isEmpty || unix.contains("/") { throw ValidationError("--unix takes a name (the socket is /tmp/ipi_NAME), not a path") }
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more seconds") }
        guard frame >= 0 else { throw ValidationError("--frame must be 0 or more") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        try MetaMLIP.reportingErrors {
            let conformation = try StructureFile.read(path: structure, frame: frame)
            let committee = try PredictCommand.committee([model] + others)
            try committee.checkElements(conformation.atomicNumbers, file: structure, item: "frame \(frame)")
            let descriptor = try IPIDriver.connect(unix: unix, inet: inet, wait: wait)
            defer { close(descriptor) }
            let periodic = conformation.isPeriodic ? conformation.cell!.periodic : nil
            let flags = periodic?.map { $0 ? "T" : "F" }.joined(separator: " ")
            let kind = flags.map { "periodic (pbc \($0)) with virial" } ?? "a molecule"
            print("serve: connected to \(unix.map { "/tmp/ipi_\($0)" } ?? inet!); \(conformation.atomCount) atoms, \(kind), \(others.count + 1) model(s)")
            let driver = IPIDriver(descriptor: descriptor, atomicNumbers: conformation.atomicNumbers, calculator: committee,
                                   periodic: periodic)
            _ = try driver.serve { print($0) }
        }
    }
}

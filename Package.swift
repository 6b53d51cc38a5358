// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// MetaMLIP: meta-learning machine-learning interatomic potentials.
///
/// Module graph (dependencies point one way, downwards):
///
///     MetaMLIPCLI → Datasets → ChemistryHDF5 → Chemistry
///                     │            ↓
///                     │          CHDF5 (libhdf5)
///                     └──► ChemistrySQLite → Chemistry, CSQLite (libsqlite3: ASE .db files)
///     Potentials → Descriptors, Autodiff, Chemistry
///     Descriptors → Chemistry, Autodiff
///     Training → Potentials, Descriptors, Chemistry, Autodiff
///     MetaLearning → Training, Potentials, Chemistry, Autodiff
///     Experiments → MetaLearning, Training, Datasets, Potentials
///     Analysis → Simulation, Potentials, Descriptors, Chemistry, Autodiff   (scans, relaxed scans, smoothness metrics)
///     Simulation → Potentials, Descriptors, Chemistry, Autodiff (optimisers, MD, stability)
///     ClassicalPotentials → Descriptors, Chemistry (Stillinger–Weber); Simulation, Experiments, MetaMLIPCLI → ClassicalPotentials
///     Experiments → Analysis, Simulation (the analysis stage of a study), Reports (study documents)
///     Reports → Chemistry (Foundation only: run directory → HTML, notebook, SVG)
///     MetaMLIPCLI → Experiments, Analysis, Simulation, Reports, MetaLearning, Training, Datasets, …
///     MetaMLIPC → Simulation, Training, Chemistry (libmetamlip-c: the C interface, `include/metamlip.h`;
///                 the Python package in python/ loads it with ctypes)
///     Autodiff → CBLAS (OpenBLAS)
///     Training → BuildInfo (the git commit of the build, from the GitCommitPlugin prebuild command)
///     Training → Communication (the ranks of a run: `Communicator`, one process by default)
///     MetaMLIPMain (`metamlip`) → MetaMLIPCLI (the commands, a library)
///     MetaMLIPMPI (`metamlip-mpi`) → MetaMLIPCLI, MPICommunication → Communication, CMPI (libmpi)
///
/// Only `ChemistryHDF5` links libhdf5, only `ChemistrySQLite` links libsqlite3, only
/// `Autodiff` links OpenBLAS and only `MPICommunication` links MPI.

/// Whether to build `metamlip-mpi` (and its test): `METAMLIP_MPI=1` always, `METAMLIP_MPI=0`
/// never, unset when pkg-config finds Open MPI (`ompi-c`; Debian's libopenmpi-dev, or a
/// cluster's `module load openmpi`). Without MPI everything else builds and tests as before.
let mpiEnabled: Bool = {
    switch ProcessInfo.processInfo.environment["METAMLIP_MPI"] {
    case "1": return true
    case "0": return false
    default:
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--exists", "ompi-c"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}()

/// `metamlip-mpi`: the same commands on MPI ranks (data- and task-parallel training; rank 0
/// writes every file). Built only with MPI (`mpiEnabled`).
let mpiProducts: [Product] = mpiEnabled ? [.executable(name: "metamlip-mpi", targets: ["MetaMLIPMPI"])] : []
let mpiTargets: [Target] = mpiEnabled ? [
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]),
    .target(name: "MPICommunication", dependencies: ["CMPI", "Communication"]),
    .executableTarget(name: "MetaMLIPMPI", dependencies: ["MetaMLIPCLI", "MPICommunication", "Communication", "Training"]),
    .testTarget(name: "MetaMLIPMPITests", dependencies: ["MetaMLIPMPI", "Chemistry", "Training", "_TestSupport"]),
] : []

let package = Package(
    name: "MetaMLIP",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "metamlip", targets: ["MetaMLIPMain"]),
        .library(name: "Chemistry", targets: ["Chemistry"]),
        .library(name: "ChemistryHDF5", targets: ["ChemistryHDF5"]),
        .library(name: "ChemistrySQLite", targets: ["ChemistrySQLite"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "Potentials", targets: ["Potentials"]),
        .library(name: "Descriptors", targets: ["Descriptors"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "MetaLearning", targets: ["MetaLearning"]),
        .library(name: "Experiments", targets: ["Experiments"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "ClassicalPotentials", targets: ["ClassicalPotentials"]),
        // libmetamlip-c.so / .dylib (not "metamlip": the executable has that name): models evaluated from C, Python (ctypes, python/) or any FFI.
        .library(name: "metamlip-c", type: .dynamic, targets: ["MetaMLIPC"]),
    ] + mpiProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        // C system libraries.
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),

        // Differentiable core.
        .target(name: "Autodiff", dependencies: ["CBLAS"]),

        // Data layer.
        .target(
            name: "Chemistry",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "ChemistryHDF5", dependencies: ["Chemistry", "CHDF5"]),
        // ASE SQLite databases (.db): the only target that links libsqlite3.
        .target(name: "ChemistrySQLite", dependencies: ["Chemistry", "CSQLite"]),
        .target(
            name: "Datasets",
            dependencies: ["Chemistry", "ChemistryHDF5", "ChemistrySQLite", .product(name: "Yams", package: "Yams")]),

        // Descriptors: neighbour lists and atom-centred descriptors.
        .target(name: "Descriptors", dependencies: ["Chemistry", "Autodiff"], path: "Sources/Descriptors"),

        // Models.
        .target(name: "Potentials", dependencies: ["Autodiff", "Chemistry", "Descriptors"]),

        // Training: losses, metrics, optimizers (SGD, Adam, CoRe), schedules.
        .target(name: "Training", dependencies: ["Autodiff", "BuildInfo", "Chemistry", "Communication", "Descriptors", "Potentials"]),

        // The ranks of a run and their collectives (`Communicator`; Foundation only): one process
        // unless `metamlip-mpi` installs MPI's.
        .target(name: "Communication"),

        // The git commit of the build (`GitRevision`), written before every build by the
        // GitCommitPlugin prebuild command (scripts/git-commit.sh); a leaf module, so a new
        // commit recompiles one file.
        .target(name: "BuildInfo", plugins: ["GitCommitPlugin"]),
        .plugin(name: "GitCommitPlugin", capability: .buildTool()),

        // Meta-learning across tasks (Reptile, FOMAML, MAML).
        .target(name: "MetaLearning", dependencies: ["Autodiff", "Chemistry", "Potentials", "Training"]),

        // Whole studies from manifests: pretrain variants, refit grids, results tables.
        .target(
            name: "Experiments",
            dependencies: ["Analysis", "Autodiff", "Chemistry", "ClassicalPotentials", "Communication", "Datasets", "MetaLearning", "Potentials", "Reports", "Simulation", "Training",
                           .product(name: "Yams", package: "Yams")]),

        // Analysis of fitted models: PES scans (torsion, stretch, bend, reference paths) and
        // smoothness / energy–force consistency metrics.
        .target(name: "Analysis", dependencies: ["Autodiff", "Chemistry", "Descriptors", "Potentials", "Simulation"]),
        // Reports of finished runs: HTML with inline SVG charts, a Jupyter notebook, summary JSON.
        .target(name: "Reports", dependencies: ["Chemistry"]),
        // Simulation: geometry optimisation (FIRE, BFGS), molecular dynamics (NVE, Langevin),
        // stability metrics and trajectories, on any potential.
        .target(name: "Simulation", dependencies: ["Autodiff", "ClassicalPotentials", "Chemistry", "Descriptors", "Potentials"]),
        // Classical reference potentials (Stillinger–Weber) for data generation and MD.
        .target(name: "ClassicalPotentials", dependencies: ["Chemistry", "Descriptors"]),

        // The C interface of libmetamlip-c: @_cdecl entry points declared in include/metamlip.h
        // (the header is for C callers, not compiled here).
        .target(name: "MetaMLIPC", dependencies: ["Chemistry", "Potentials", "Simulation", "Training"], exclude: ["include"]),

        // Command line: the commands (a library, so `metamlip` and `metamlip-mpi` share them) and
        // the `metamlip` executable.
        .executableTarget(name: "MetaMLIPMain", dependencies: ["MetaMLIPCLI"]),
        .target(
            name: "MetaMLIPCLI",
            dependencies: [
                "Communication", "Datasets", "Chemistry", "ChemistryHDF5", "ClassicalPotentials", "Training", "MetaLearning", "Experiments", "Analysis", "Reports", "Simulation", "Potentials", "Descriptors", "Autodiff",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Benchmarks (run with `swift run -c release <name>`; see bench/README.md).
        .executableTarget(name: "AutodiffBenchmark", dependencies: ["Autodiff", "CBLAS", "Chemistry"]),
        .executableTarget(
            name: "PotentialBenchmark",
            dependencies: ["Potentials", "Descriptors", "Training", "Chemistry", "Autodiff"]),

        // Test support (not a product).
        .target(name: "_TestSupport", dependencies: ["Chemistry"]),

        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "Chemistry"]),
        .testTarget(name: "PotentialsTests", dependencies: ["Potentials", "Autodiff", "Chemistry", "Descriptors", "_TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ChemistryTests", dependencies: ["Chemistry", "_TestSupport"]),
        .testTarget(name: "ChemistrySQLiteTests", dependencies: ["ChemistrySQLite", "Chemistry", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ChemistryHDF5Tests", dependencies: ["ChemistryHDF5", "Chemistry", "_TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "ChemistryHDF5", "Chemistry", "_TestSupport"]),
        .testTarget(name: "DescriptorsTests", dependencies: ["Descriptors", "Chemistry", "Autodiff", "_TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Communication", "Training", "Autodiff", "Chemistry", "Descriptors", "Potentials", "_TestSupport"]),
        .testTarget(name: "MetaLearningTests", dependencies: ["MetaLearning", "Training", "Autodiff", "Chemistry", "Descriptors", "Potentials", "_TestSupport"]),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Analysis", "Simulation", "Potentials", "Training", "Chemistry", "Autodiff", "Descriptors", "_TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Training", "Potentials", "Chemistry", "Descriptors", "_TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Chemistry", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "SimulationTests",
            dependencies: ["Simulation", "Potentials", "Training", "Chemistry", "Autodiff", "Descriptors", "_TestSupport"]),
        .testTarget(name: "ClassicalPotentialsTests", dependencies: ["ClassicalPotentials", "Simulation", "Chemistry", "_TestSupport"]),
        .testTarget(
            name: "MetaMLIPCTests",
            dependencies: ["MetaMLIPC", "Simulation", "Potentials", "Training", "Chemistry", "Descriptors", "Autodiff", "_TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "MetaMLIPCLITests", dependencies: ["MetaMLIPCLI", "MetaMLIPMain", "BuildInfo", "Chemistry", "ClassicalPotentials", "_TestSupport"]),
    ] + mpiTargets,
    swiftLanguageModes: [.v5]
)

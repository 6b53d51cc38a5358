import Foundation
import Testing
import Training
import _TestSupport

/// `mpirun -np 2 metamlip-mpi …` gives bitwise the parameters and metrics of one process:
/// data-parallel `train` (batch chunks over ranks) and task-parallel Reptile pretraining in a
/// study (meta-batch tasks over ranks); rank 0 alone writes the run directory, and an MPI run
/// resumes from its checkpoint like a single-process one.
@Suite(.serialized, .enabled(if: MPILauncher.mpirun != nil, "mpirun is not on PATH (scripts/setup.sh installs openmpi-bin)"))
struct MPIRunTests {
    @Test func twoRankTrainingMatchesOneProcessBitwiseAndResumes() throws {
        let dir = try SharedData.temporaryDirectory("mpi-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        try SharedData.write3BPA(frames: 0..<112, to: dir)
        // 48 training conformations in one batch: chunks of 16, 16, 16 — one on rank 0, two on rank 1;
        // 64 validation conformations in batches of 48 and 16, one per rank.
        func manifest(_ name: String, epochs: Int) throws -> String {
            let path = dir.appendingPathComponent("\(name).yaml").path
            try """
                data: small.xyz
                isolated_atoms: \(SharedData.path("3bpa/iso_atoms.xyz"))
                split: {seed: 1, n_train: 48}
                model: {widths: [8]}
                epochs: \(epochs)
                batch_size: 48
                checkpoint_dir: \(name)
                checkpoint_every: 1
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let one = try CLIRunner.run(["train", try manifest("one", epochs: 3), "--threads", "1"])
        #expect(one.status == 0, "\(one.stderr)")
        // Two ranks: first two epochs, then a resumed third.
        let two = try MPILauncher.run(ranks: 2, ["train", try manifest("two", epochs: 2), "--threads", "1"])
        #expect(two.status == 0, "\(two.stdout)\n\(two.stderr)")
        #expect(two.stdout.components(separatedBy: "epoch    1 ").count == 2, "rank 0 alone prints: \(two.stdout)")
        let resumed = try MPILauncher.run(ranks: 2, ["train", try manifest("two", epochs: 3), "--resume", "--threads", "1"])
        #expect(resumed.status == 0 && resumed.stdout.contains("epoch    3"), "\(resumed.stdout)\n\(resumed.stderr)")

        let a = try TrainingCheckpoint.load(path: dir.appendingPathComponent("one/checkpoint.json").path)
        let b = try TrainingCheckpoint.load(path: dir.appendingPathComponent("two/checkpoint.json").path)
        #expect(a.epoch == 3 && b.epoch == 3 && a.step == b.step)
        try #expect(bits(a.model) == bits(b.model), "parameters differ between 1 process and 2 ranks")
        #expect(a.history.map(\.trainingLoss) == b.history.map(\.trainingLoss))
        #expect(a.history.map(\.validationLoss) == b.history.map(\.validationLoss))
        #expect(a.history.map { $0.validation.forceRMSE } == b.history.map { $0.validation.forceRMSE })
        // The same files, and no temporary left by a second writer.
        #expect(try files(in: dir.appendingPathComponent("one")) == files(in: dir.appendingPathComponent("two")))
    }

    @Test func twoRankReptileStudyMatchesOneProcessBitwise() throws {
        let dir = try SharedData.temporaryDirectory("mpi-study")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("study.yaml").path
        // Reptile over the CHNO pool's tasks (a meta-batch of 3 tasks: 1 on rank 0, 2 on rank 1),
        // then four refits of the pretrained model: dealt out over the ranks (two each, by default),
        // or all ranks sharing each refit (--no-refits-across-ranks: data-parallel, batches of 40
        // in chunks of 13, 13 and 14).
        try """
            experiment: mpi-study
            data_root: \(SharedData.root.path)
            pretraining: {recipe: \(SharedData.packageRoot.appendingPathComponent("datasets/chno-pretraining.yaml").path), max_conformations: 24}
            target: {data: 3bpa/train_300K.xyz, isolated_atoms: 3bpa/iso_atoms.xyz, test: 6, validation: 4}
            model: {kind: ani, widths: [4]}
            variants:
              - {name: reptile, kind: reptile, iterations: 4, meta_batch_size: 3, inner: {steps: 2, batch_size: 4}}
            refit: {n: [40, 10], seeds: [0, 1], epochs: 2, batch_size: 40}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let one = try CLIRunner.run(["run", path, "-o", dir.appendingPathComponent("one").path, "--no-report", "--threads", "1"])
        #expect(one.status == 0, "\(one.stdout)\n\(one.stderr)")
        let two = try MPILauncher.run(ranks: 2, ["run", path, "-o", dir.appendingPathComponent("two").path, "--no-report", "--threads", "1"])
        #expect(two.status == 0, "\(two.stdout)\n\(two.stderr)")
        let shared = try MPILauncher.run(ranks: 2, ["run", path, "-o", dir.appendingPathComponent("shared").path, "--no-report",
                                                    "--threads", "1", "--no-refits-across-ranks"])
        #expect(shared.status == 0, "\(shared.stdout)\n\(shared.stderr)")
        let log = try String(contentsOf: dir.appendingPathComponent("two/run.log"), encoding: .utf8)
        #expect(log.contains("refits over 2 ranks: rank 0 runs 2 of 4"), "\(log)")
        #expect(log.contains("(rank 1's share)"), "\(log)")
        for run in ["two", "shared"] {
            let a = try ModelFile.read(path: dir.appendingPathComponent("one/pretrain/reptile/model.json").path)
            let b = try ModelFile.read(path: dir.appendingPathComponent("\(run)/pretrain/reptile/model.json").path)
            try #expect(bits(a) == bits(b), "the pretrained model differs between 1 process and 2 ranks (\(run))")
        }
        // The refit's test errors and per-conformation predictions (every column but the wall time).
        let table = { (run: String) in
            try String(contentsOf: dir.appendingPathComponent("\(run)/results.csv"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
        }
        #expect(try table("one").count == 5)
        #expect(try table("one") == table("two"))
        #expect(try table("one") == table("shared"))
        #expect(try table("one").first?.hasSuffix("force_mae_meV_per_A,epochs") == true)
        for unit in ["n40-seed0", "n40-seed1", "n10-seed0", "n10-seed1"] {
            let predictions = { (run: String) in
                try String(contentsOf: dir.appendingPathComponent("\(run)/refit/reptile/\(unit).test_forces.csv"), encoding: .utf8)
            }
            #expect(try predictions("one") == predictions("two"), "\(unit)")
            #expect(try predictions("one") == predictions("shared"), "\(unit)")
        }
        for run in ["two", "shared"] {
            #expect(try files(in: dir.appendingPathComponent("one")).filter { $0 != "run.log" }
                    == files(in: dir.appendingPathComponent(run)).filter { $0 != "run.log" }, "\(run)")
        }
    }

    /// Every parameter's bit pattern, in order.
    private func bits(_ file: ModelFile) throws -> [UInt32] {
        let (_, parameters) = try file.model(file: "model")
        return parameters.tensors.flatMap { $0.scalars.map(\.bitPattern) }
    }

    /// The relative paths of the files under `root`, sorted.
    private func files(in root: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String { paths.append(path) }
        return paths.sorted()
    }
}

/// Runs `metamlip-mpi` under `mpirun`.
enum MPILauncher {
    /// `mpirun` on PATH, if any.
    static let mpirun: String? = {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(folder)/mpirun"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    /// The built `metamlip-mpi`, next to `metamlip`.
    static var executable: URL { CLIRunner.executable.deletingLastPathComponent().appendingPathComponent("metamlip-mpi") }

    /// `mpirun --oversubscribe -np ranks metamlip-mpi arguments` (with `--allow-run-as-root` as root, as on CI).
    static func run(ranks: Int, _ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["--oversubscribe", "-np", "\(ranks)"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
                          + [executable.path] + arguments, program: URL(fileURLWithPath: try #require(mpirun)))
    }
}

import Analysis
import Autodiff
import Chemistry
import Descriptors
import Foundation
import Potentials
import Testing
import Training
import _TestSupport

/// `metamlip scan` end to end on the built binary, with a small random ANI model file.
@Suite struct ScanCommandTests {
    /// A random ANI model (hidden width 8) saved as a model file in `dir`.
    func modelFile(in dir: URL, elements: [Int] = [1, 6, 7, 8]) throws -> String {
        let aev = AEVParameters.ani1x.with(species: elements)
        let potential = ANIPotential(aev: AEVComputer(aev),
                                     networks: ElementNetworks(elements: elements, widths: [aev.featureCount, 8, 1], alpha: 0.1),
                                     selfEnergies: SmallModel.selfEnergies)
        let path = dir.appendingPathComponent(elements.count == 4 ? "random.model.json" : "hco.model.json").path
        try ModelFile(potential: potential, parameters: potential.initialParameters(seed: 4),
                      provenance: .init(seed: 4)).save(to: path)
        return path
    }

    func lines(_ path: URL) throws -> [Substring] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n")
    }

    @Test func torsionScansOf3BPAAndTheAcacReferences() throws {
        let dir = try SharedData.temporaryDirectory("metamlip-scan")
        let model = try modelFile(in: dir)
        let out = dir.appendingPathComponent("scans")
        let torsions = try CLIRunner.run(["scan", model, SharedData.path("3bpa/train_300K.xyz"), "--frame", "2",
                                          "--kind", "torsion", "--step", "30", "--backbone-only", "--rigid", "-o", out.path])
        #expect(torsions.status == 0, "\(torsions.stderr)")
        #expect(torsions.stdout.contains("torsion:C-O:13-5-1-0"), "\(torsions.stdout)")
        var metrics = try lines(out.appendingPathComponent("scan_metrics.csv"))
        #expect(metrics.count == 1 + 3)
        #expect(metrics[1].hasPrefix("torsion:C-O:13-5-1-0,torsion,rigid,C13-O5-C1-C0,random,,4,12,"), "\(metrics[1])")
        #expect(try lines(out.appendingPathComponent("scans.csv")).count == 1 + 3 * 12)

        // The acac proton-transfer reference for two models: the reference rows are written once.
        let env = ProcessInfo.processInfo.environment.merging(["METAMLIP_DATA": SharedData.root.path]) { $1 }
        for variant in ["reptile", "scratch"] {
            let run = try CLIRunner.run(["scan", model, "--reference", "acac-h-transfer", "--variant", variant, "--n", "10",
                                         "-o", out.path], environment: env)
            #expect(run.status == 0, "\(run.stderr)")
        }
        metrics = try lines(out.appendingPathComponent("scan_metrics.csv"))
        #expect(metrics.count == 1 + 3 + 3)
        #expect(metrics[4].hasPrefix("acac-h-transfer,proton_transfer,given,O5-H11-O3,reference,,,15,"), "\(metrics[4])")
        #expect(metrics[5].hasPrefix("acac-h-transfer,proton_transfer,given,O5-H11-O3,reptile,10,4,15,"))
        #expect(metrics[6].hasPrefix("acac-h-transfer,proton_transfer,given,O5-H11-O3,scratch,10,4,15,"))
        #expect(try lines(out.appendingPathComponent("scans.csv")).count == 1 + 3 * 12 + 3 * 15)

        // Relaxed (the default): a coarse, short run shows the mode and the held dihedral.
        let relaxedOut = dir.appendingPathComponent("relaxed")
        let relaxed = try CLIRunner.run(["scan", model, SharedData.path("3bpa/train_300K.xyz"), "--kind", "torsion", "--step", "120",
                                         "--backbone-only", "--relaxed", "--relax-steps", "3", "-o", relaxedOut.path])
        #expect(relaxed.status == 0, "\(relaxed.stderr)")
        let rows = try lines(relaxedOut.appendingPathComponent("scan_metrics.csv"))
        #expect(rows.count == 1 + 3 && rows.dropFirst().allSatisfy { $0.contains(",torsion,relaxed,") })
    }

    @Test func badInputIsAClearError() throws {
        let dir = try SharedData.temporaryDirectory("metamlip-scan")
        let model = try modelFile(in: dir)
        let out = dir.appendingPathComponent("scans").path
        let bpa = SharedData.path("3bpa/train_300K.xyz")

        let frame = try CLIRunner.run(["scan", model, bpa, "--frame", "500", "-o", out])
        #expect(frame.status == 1)
        #expect(frame.stderr.contains("train_300K.xyz: frame 500: out of range: the file has 500 frame(s), 0…499"), "\(frame.stderr)")

        let missing = try CLIRunner.run(["scan", model, "/nonexistent/mol.xyz", "-o", out])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/mol.xyz: file does not exist"), "\(missing.stderr)")

        let noModel = try CLIRunner.run(["scan", dir.appendingPathComponent("none.json").path, bpa, "-o", out])
        #expect(noModel.status == 1 && noModel.stderr.contains("none.json: file does not exist"), "\(noModel.stderr)")

        let hco = try modelFile(in: dir, elements: [1, 6, 8])
        let elements = try CLIRunner.run(["scan", hco, bpa, "-o", out])
        #expect(elements.status == 1 && elements.stderr.contains("frame 0: elements N are not in the model"), "\(elements.stderr)")

        let water = dir.appendingPathComponent("water.xyz")
        try "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n".write(to: water, atomically: true, encoding: .utf8)
        let rigid = try CLIRunner.run(["scan", model, water.path, "--kind", "torsion", "-o", out])
        #expect(rigid.status == 1 && rigid.stderr.contains("water.xyz: frame 0: no rotatable bonds"), "\(rigid.stderr)")
        // Plain XYZ without energies is fine for stretches and bends.
        let bends = try CLIRunner.run(["scan", model, water.path, "--kind", "all", "-o", out])
        #expect(bends.status == 0, "\(bends.stderr)")
        #expect(bends.stdout.contains("stretch:H-O:0-1") && bends.stdout.contains("bend:H-O-H:1-0-2"), "\(bends.stdout)")

        let neither = try CLIRunner.run(["scan", model, "-o", out])
        #expect(neither.status != 0 && neither.stderr.contains("give a STRUCTURE file or --reference"))

        let both = try CLIRunner.run(["scan", model, bpa, "--rigid", "--relaxed", "-o", out])
        #expect(both.status != 0 && both.stderr.contains("--rigid and --relaxed exclude each other"), "\(both.stderr)")

        // Torsion maps: two --map dihedrals, a step dividing 360°, bonded chains outside rings.
        let one = try CLIRunner.run(["scan", model, bpa, "--map", "13 5 1 0", "-o", out])
        #expect(one.status != 0 && one.stderr.contains("needs --map twice"), "\(one.stderr)")
        let step = try CLIRunner.run(["scan", model, bpa, "--map", "13 5 1 0", "--map", "5 13 14 17", "--map-step", "25", "-o", out])
        #expect(step.status != 0 && step.stderr.contains("--map-step must divide 360°"), "\(step.stderr)")
        let angle = try CLIRunner.run(["scan", model, bpa, "--map", "13 5 1 0", "--map", "5 13 14 17", "--hold", "14 13 5 1=abc", "-o", out])
        #expect(angle.status != 0 && angle.stderr.contains("the angle after = must be a number"), "\(angle.stderr)")
        let unbonded = try CLIRunner.run(["scan", model, bpa, "--map", "13 5 1 0", "--map", "3 13 14 17", "-o", out])
        #expect(unbonded.status == 1 && unbonded.stderr.contains("--map 3 13 14 17: atoms 3 and 13 are not bonded"), "\(unbonded.stderr)")
    }

    /// `--map` twice: a relaxed 2-D map (a coarse 3 × 3 grid, short relaxations) in its tables.
    @Test func torsionMapOf3BPA() throws {
        let dir = try SharedData.temporaryDirectory("metamlip-scan-map")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try modelFile(in: dir)
        let out = dir.appendingPathComponent("maps")
        let run = try CLIRunner.run(["scan", model, SharedData.path("3bpa/train_300K.xyz"), "--map", "13 5 1 0", "--map", "5 13 14 17",
                                     "--hold", "14 13 5 1", "--map-step", "120", "--relax-steps", "4", "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("map C13-O5-C1-C0 × O5-C13-C14-C17 (held C14-C13-O5-C1="), "\(run.stdout)")
        let points = try lines(out.appendingPathComponent("torsion_maps.csv"))
        #expect(points.count == 1 + 9 && points[0] == Substring(TorsionMapRecord.pointsHeader))
        #expect(points[1].hasPrefix("random,,4,map:13-5-1-0:5-13-14-17,C13-O5-C1-C0,O5-C13-C14-C17,C14-C13-O5-C1="), "\(points[1])")
        let metrics = try lines(out.appendingPathComponent("torsion_map_metrics.csv"))
        #expect(metrics.count == 2 && metrics[1].contains(",120,9,"), "\(metrics)")
    }
}

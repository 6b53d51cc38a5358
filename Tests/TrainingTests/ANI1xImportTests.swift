import Autodiff
import Chemistry
import Descriptors
import Foundation
import Potentials
import Testing
import Training
import _TestSupport

/// Importing a NeuroChem ensemble as model files. The parity test needs the torchani 2.2.4
/// wheel unpacked (`pip download --no-deps torchani==2.2.4`, unzip) with
/// `METAMLIP_TORCHANI_DIR` naming its `torchani/resources/ani-1x_8x` directory (or the unzipped
/// wheel), and a python3 that imports torchani (see scripts/torchani_ani1x_reference.py); it is
/// skipped, saying so, when either is missing.
@Suite struct ANI1xImportTests {
    /// The ANI-1x resource directory named by `METAMLIP_TORCHANI_DIR`, if it exists.
    static let wheelDirectory: String? = {
        guard let root = ProcessInfo.processInfo.environment["METAMLIP_TORCHANI_DIR"], !root.isEmpty else { return nil }
        return [root, root + "/torchani/resources/ani-1x_8x", root + "/resources/ani-1x_8x"]
            .first { FileManager.default.fileExists(atPath: $0 + "/sae_linfit.dat") }
    }()
    static let python = PythonInterpreter.importing("torchani")
    static let frames = [0, 1, 137, 499]

    /// Model files of the fake ensemble load back to the same energies and forces; the
    /// ANI-1x importer refuses an ensemble whose AEV is not ANI-1x's.
    @Test func fakeEnsembleRoundTripsAndIsNotANI1x() throws {
        let dir = try SharedData.temporaryDirectory("neurochem-import")
        defer { try? FileManager.default.removeItem(at: dir) }
        try NeuroChemFixture.write(to: dir, members: 2)
        let ensemble = try NeuroChemEnsemble(directory: dir.path)
        let water = Conformation(atomicNumbers: [8, 1, 1], positions: [SIMD3(0, 0, 0), SIMD3(0.96, 0, 0), SIMD3(-0.24, 0.93, 0.1)], energy: 0)
        let path = dir.appendingPathComponent("member1.json").path
        let file = NeuroChemImport.modelFile(ensemble, member: 1, source: "fixture")
        #expect(file.provenance?.source?.hasPrefix("fixture; member 1 of 2: ") == true)
        try file.save(to: path)
        let (potential, parameters) = try ModelFile.load(path: path)
        let loaded = try potential.evaluate([water], parameters: parameters.converted(to: Double.self))
        let direct = try ensemble.potential(member: 1).evaluate([water], parameters: ensemble.memberParameters[1].converted(to: Double.self))
        #expect(loaded.energies.scalars == direct.energies.scalars)
        #expect(loaded.forces!.scalars == direct.forces!.scalars)
        #expect(throws: DataError.self) {
            _ = try NeuroChemImport.writeANI1x(directory: dir.path, outputDirectory: dir.appendingPathComponent("out").path)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    /// The wheel's constants are MetaMLIP's `.ani1x` and its networks `ANIPotential.ani1x`'s.
    @Test(.enabled(if: wheelDirectory != nil, "METAMLIP_TORCHANI_DIR does not name an unpacked torchani 2.2.4 wheel"))
    func wheelMatchesTheANI1xPreset() throws {
        let ensemble = try NeuroChemEnsemble(directory: Self.wheelDirectory!)
        #expect(ensemble.count == 8)
        #expect(ensemble.aev == .ani1x)
        let preset = ANIPotential.ani1x(selfEnergies: ensemble.selfEnergies).architecture
        for k in 0..<8 { #expect(ensemble.potential(member: k).architecture == preset) }
        let c = NeuroChemEnsemble.torchaniHartreeToEV
        #expect(ensemble.selfEnergies.energies == [1: -0.60095298 * c, 6: -38.08316124 * c, 7: -54.7077577 * c, 8: -75.19446356 * c])
    }

    /// Energies and forces of the 8 imported members (written, then loaded from their JSON
    /// files) and of their mean against TorchANI's on 3BPA frames, all in Float64: within
    /// 1e-5 eV and 1e-5 eV/Å. Measured: 3.8e-6 eV and 5.5e-6 eV/Å. TorchANI keeps the AEV
    /// shifts as float32 tensors even in float64 (≈ 4e-6 eV, 5e-6 eV/Å against the decimal
    /// constants MetaMLIP uses); rounding the eV-scaled last layers to Float adds ≈ 2e-6 eV.
    @Test(.enabled(if: wheelDirectory != nil && python != nil && SharedData.isAvailable,
                   "needs METAMLIP_TORCHANI_DIR (unpacked torchani 2.2.4 wheel), a python3 with torchani and the shared 3BPA data"))
    func reproducesTorchANI() throws {
        let out = try SharedData.temporaryDirectory("ani1x-import")
        defer { try? FileManager.default.removeItem(at: out) }
        let (_, paths) = try NeuroChemImport.writeANI1x(directory: Self.wheelDirectory!, outputDirectory: out.path)
        #expect(paths.map { ($0 as NSString).lastPathComponent } == (0..<8).map { "ani1x-\($0).json" })

        let xyz = SharedData.path("3bpa/train_300K.xyz")
        let script = SharedData.packageRoot.appendingPathComponent("scripts/torchani_ani1x_reference.py").path
        let run = try PythonInterpreter.run(Self.python!, [script, Self.wheelDirectory!, xyz] + Self.frames.map(String.init),
                                            environment: ["TORCHANI_NO_WARN_EXTENSIONS": "1"])
        try #require(run.status == 0, "\(run.output)")
        let json = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let reference = try JSONDecoder().decode(Reference.self, from: Data(json.utf8))
        #expect(reference.hartree_to_ev == NeuroChemEnsemble.torchaniHartreeToEV)

        let all = try ExtendedXYZReader().read(path: xyz).conformations
        let confs = Self.frames.map { all[$0] }
        var members: [PotentialOutput<Double>] = []
        for path in paths {
            let (potential, parameters) = try ModelFile.load(path: path)
            members.append(try potential.evaluate(confs, parameters: parameters.converted(to: Double.self)))
        }
        var worstE = 0.0, worstF = 0.0, worstMeanE = 0.0, worstMeanF = 0.0
        for (c, frame) in reference.frames.enumerated() {
            #expect(frame.index == Self.frames[c])
            let offset = 3 * 27 * c
            var meanE = 0.0, meanF = [Double](repeating: 0, count: 81)
            for (k, member) in members.enumerated() {
                let e = member.energies.scalars[c], f = Array(member.forces!.scalars[offset..<offset + 81])
                worstE = max(worstE, abs(e - frame.energies[k]))
                worstF = max(worstF, zip(f, frame.forces[k].flatMap { $0 }).map { abs($0 - $1) }.max()!)
                meanE += e / 8
                for i in 0..<81 { meanF[i] += f[i] / 8 }
            }
            worstMeanE = max(worstMeanE, abs(meanE - frame.mean_energy))
            worstMeanF = max(worstMeanF, zip(meanF, frame.mean_forces.flatMap { $0 }).map { abs($0 - $1) }.max()!)
        }
        print(String(format: "ANI-1x import vs TorchANI on 3BPA frames %@: max |ΔE| %.2e eV, max |ΔF| %.2e eV/Å (members); "
                     + "mean: %.2e eV, %.2e eV/Å", Self.frames.description, worstE, worstF, worstMeanE, worstMeanF))
        #expect(worstE < 1e-5 && worstMeanE < 1e-5)
        #expect(worstF < 1e-5 && worstMeanF < 1e-5)
    }

    struct Reference: Decodable {
        struct Frame: Decodable {
            var index: Int
            var energies: [Double]
            var forces: [[[Double]]]
            var mean_energy: Double
            var mean_forces: [[Double]]
        }
        var hartree_to_ev: Double
        var frames: [Frame]
    }
}

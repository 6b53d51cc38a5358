import Autodiff
import Chemistry
import Potentials
import Testing
import _TestSupport

@Suite struct ElementTransferTests {
    static let none = SelfEnergies(energies: [:], origin: .leastSquares)

    /// After `{Ge: Si}`, Ge's network is Si's (biases and deeper layers equal, first layer
    /// with the AEV's Si and Ge blocks swapped), Si's is untouched, and a Ge cell gets the
    /// same network energy and forces as the Si model gives that cell relabelled as Si.
    @Test func aniGeNetworkBecomesTheSiNetwork() throws {
        let ani = try ModelSpec(kind: "ani", widths: [12, 6]).makePotential(elements: [14, 32], selfEnergies: Self.none, file: "m")
        let trained = ani.initialParameters(seed: 3).converted(to: Double.self)
        let mapped = try ElementTransfer.mapping([32: 14], parameters: trained, of: ani, file: "m")
        #expect(mapped.names == trained.names)
        for name in trained.names where name.hasPrefix("Si/") {
            #expect(mapped[name].scalars == trained[name].scalars, "\(name) changed")
            let local = name.dropFirst(3)
            if local != "W0" { #expect(mapped["Ge/\(local)"].scalars == trained[name].scalars, "Ge/\(local)") }
        }
        // Radial block of species 1 (Ge) in Ge/W0 = radial block of species 0 (Si) in Si/W0.
        let aev = (ani as! ANIPotential).aev.parameters, width = 12, nr = aev.radialSublength
        let geW0 = mapped["Ge/W0"].scalars, siW0 = trained["Si/W0"].scalars
        #expect(Array(geW0[(nr * width)..<(2 * nr * width)]) == Array(siW0[0..<(nr * width)]))
        #expect(geW0 != siW0)

        let ge = try #require(try MLearnJSONReader().read(path: SharedData.path("mlearn/Ge/training.json")).min { $0.atomCount < $1.atomCount })
        var asSilicon = ge
        asSilicon.atomicNumbers = ge.atomicNumbers.map { _ in 14 }
        let transferred = try ani.evaluate([ge], parameters: mapped)
        let reference = try ani.evaluate([asSilicon], parameters: trained)
        let e1 = transferred.energies.scalars[0], e0 = reference.energies.scalars[0]
        #expect(abs(e1 - e0) < 1e-10 * max(1, abs(e0)), "\(e1) vs \(e0)")
        let f1 = try #require(transferred.forces).scalars, f0 = try #require(reference.forces).scalars
        #expect(zip(f1, f0).map { abs($0 - $1) }.max()! < 1e-10)
        // Without the mapping the Ge network (never trained) gives something else.
        let unmapped = try ani.evaluate([ge], parameters: trained).energies.scalars[0]
        #expect(abs(unmapped - e0) > 1e-3)
    }

    @Test func sharedNetworksAreUnchangedAndBadMapsAreErrors() throws {
        let ee = try ModelSpec(kind: "eeacsf").makePotential(elements: [14, 32], selfEnergies: Self.none, file: "m")
        let p = ee.initialParameters(seed: 1)
        let same = try ElementTransfer.mapping([32: 14], parameters: p, of: ee, file: "m")
        #expect(zip(same.tensors, p.tensors).allSatisfy { $0.scalars == $1.scalars })

        let ani = try ModelSpec(kind: "ani", widths: [8]).makePotential(elements: [6, 14, 32], selfEnergies: Self.none, file: "m")
        let q = ani.initialParameters(seed: 1)
        func reason(_ map: [Int: Int], _ potential: any AtomisticPotential, _ parameters: ParameterSet<Float>) -> String? {
            do { _ = try ElementTransfer.mapping(map, parameters: parameters, of: potential, file: "m"); return nil }
            catch let error as DataError { return error.item == "refit.element_map" ? error.reason : "wrong item \(String(describing: error.item))" }
            catch { return "\(error)" }
        }
        #expect(reason([32: 14, 6: 32], ani, q)?.contains("overlap") == true)
        #expect(reason([50: 14], ani, q)?.contains("Sn") == true)
        let hipnn = try ModelSpec(kind: "hipnn").makePotential(elements: [14, 32], selfEnergies: Self.none, file: "m")
        #expect(reason([32: 14], hipnn, hipnn.initialParameters(seed: 0))?.contains("ani and eeacsf") == true)
    }
}

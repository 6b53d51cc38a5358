import Chemistry
import Foundation
import Testing
import _TestSupport
@testable import Analysis

@Suite struct ReferenceScanTests {
    @Test func acacDihedralScanLoads() throws {
        let path = try ReferenceScan.acacDihedral(path: SharedData.path("acac/test_dihedral.xyz"))
        #expect(path.count == 45 && path.kind == .torsion && path.coordinateUnit == .degrees && !path.isPeriodic)
        #expect(path.coordinates == (0..<45).map { 1 + 4 * Double($0) })
        let energies = try #require(path.referenceEnergies)
        #expect(energies[0] == -9391.927102388827 && energies[1] == -9391.922470593256)
        #expect(path.conformations.allSatisfy { $0.atomCount == 15 && $0.formula == "C5H8O2" })
        // The scan spans a few hundred meV, smoothly: one interior extremum at most.
        let reference = try #require(ScanResult.reference(path))
        #expect(reference.variant == "reference" && reference.referenceEnergies == nil)
        #expect(reference.metrics.energyRange > 50 && reference.metrics.energyRange < 2000)
        #expect(reference.metrics.extrema <= 1 && reference.forceAlongPath == nil && reference.metrics.consistencyRMSE == nil)
        #expect(reference.minusDEds == nil && reference.metrics.minima <= 1)  // energies only: no derivatives
    }

    @Test func acacProtonTransferLoadsWithADistanceCoordinate() throws {
        let path = try ReferenceScan.acacHydrogenTransfer(path: SharedData.path("acac/test_H_transfer.xyz"))
        #expect(path.count == 15 && path.kind == .protonTransfer && path.coordinateUnit == .angstrom)
        // H11 moves from O5 (d = 1.08 Å) to O3; the coordinate d(O5–H) − d(O3–H) runs
        // from about −0.33 Å to +0.33 Å and increases at every step.
        #expect(path.definingAtoms == [5, 11, 3])
        #expect(path.coordinates.first! < -0.2 && path.coordinates.last! > 0.2)
        #expect(zip(path.coordinates, path.coordinates.dropFirst()).allSatisfy { $0 < $1 })
        let energies = try #require(path.referenceEnergies)
        #expect(energies.first == -9392.075934260127)
        // A barrier of ~14 meV in the middle: one maximum.
        let reference = try #require(ScanResult.reference(path))
        #expect(reference.metrics.extrema == 1)
        #expect(abs(reference.metrics.energyRange - 14.07) < 0.1)
        // Automatic detection finds the same coordinate; no dihedral_angle key here.
        let automatic = try ReferenceScan.load(path: SharedData.path("acac/test_H_transfer.xyz"))
        #expect(automatic.coordinates == path.coordinates && automatic.name == "test_H_transfer")
    }

    @Test func badReferenceFilesAreDataErrors() throws {
        #expect(throws: DataError(file: "/nonexistent/scan.xyz", item: nil, "file does not exist")) {
            try ReferenceScan.load(path: "/nonexistent/scan.xyz")
        }
        let dir = try SharedData.temporaryDirectory()
        let file = dir.appendingPathComponent("zigzag.xyz").path
        let frame = { (x: Double) in "2\ndihedral_angle=\(x) energy=1.0\nH 0 0 0\nH 0 0 0.74\n" }
        try ([10.0, 20, 15].map(frame).joined()).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try ReferenceScan.load(path: file) }
        let short = dir.appendingPathComponent("short.xyz").path
        try ([10.0, 20].map(frame).joined()).write(toFile: short, atomically: true, encoding: .utf8)
        #expect(throws: DataError(file: short, item: nil, "a reference scan needs at least 3 frames, found 2")) {
            try ReferenceScan.load(path: short)
        }
    }
}

@Suite struct CSVTests {
    @Test func headersAreExact() {
        #expect(ScanResult.scansHeader
            == "scan,scan_kind,mode,variant,n,seed,point,coordinate,coordinate_unit,energy_eV,reference_energy_eV,minus_dE_ds,force_along_path,closest_contact,clash,held_residual_deg,relax_fmax_eV_per_A,relax_converged,relax_clashing_candidates")
        #expect(ScanResult.metricsHeader
            == "scan,scan_kind,mode,atoms,variant,n,seed,points,clash_points,hole_points,unconverged_points,max_held_residual_deg,barrier_meV,barrier_position,reference_barrier_meV,reference_barrier_position,roughness,normalised_roughness,high_frequency_share,extrema,reference_extrema,spurious_extrema,minima,reference_minima,minima_found,minima_missed,minima_spurious,consistency_rmse,reference_rmse_meV")
    }

    /// A CSV line as [column: cell] under `header`.
    func row(_ line: Substring, _ header: String) -> [String: String] {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let names = header.split(separator: ",").map(String.init)
        #expect(cells.count == names.count)
        return Dictionary(uniqueKeysWithValues: zip(names, cells))
    }

    @Test func writerAppendsRowsForManyModels() throws {
        let reference = try ReferenceScan.acacHydrogenTransfer(path: SharedData.path("acac/test_H_transfer.xyz"))
        // Two "models": the reference energies shifted and wiggled, with fake derivatives.
        func model(_ wiggle: Double) -> ScanCurve {
            let e = reference.referenceEnergies!.enumerated().map { $1 + 0.5 + wiggle * sin(Double($0)) }
            let forces = reference.conformations.map { [SIMD3<Double>](repeating: SIMD3(0.1, 0, 0), count: $0.atomCount) }
            return ScanCurve(path: reference, energies: e, forces: forces, minusDEds: e.map { _ in 0.2 },
                             forceAlongPath: e.map { _ in 0.2 + wiggle }, closestContacts: e.map { _ in 1.5 })
        }
        let dir = try SharedData.temporaryDirectory()
        let writer = try ScanCSVWriter(directory: dir.appendingPathComponent("out"))
        #expect(try !writer.containsMetrics(scan: "acac-h-transfer", variant: "reference"))
        try writer.append([try #require(ScanResult.reference(reference)),
                           ScanResult(curve: model(0), variant: "reptile", n: 50, seed: 1)])
        try writer.append([ScanResult(curve: model(0.01), variant: "scratch", n: 50, seed: 2)])
        #expect(try writer.containsMetrics(scan: "acac-h-transfer", variant: "reference"))
        #expect(try !writer.containsMetrics(scan: "acac-h-transfer", variant: "other"))

        let scans = try String(contentsOfFile: writer.scansPath, encoding: .utf8).split(separator: "\n")
        #expect(scans.count == 1 + 3 * 15)
        #expect(scans[0] == Substring(ScanResult.scansHeader))
        #expect(scans.filter { $0 == Substring(ScanResult.scansHeader) }.count == 1)
        // Reference rows: no reference column, no forces; model rows carry both.
        let ref = row(scans[1], ScanResult.scansHeader)
        #expect(ref["scan"] == "acac-h-transfer" && ref["scan_kind"] == "proton_transfer" && ref["mode"] == "given")
        #expect(ref["variant"] == "reference" && ref["n"] == "" && ref["seed"] == "" && ref["point"] == "0")
        #expect(ref["coordinate_unit"] == "angstrom" && Double(ref["energy_eV"]!) == -9392.075934260127)
        #expect(ref["reference_energy_eV"] == "" && ref["force_along_path"] == "" && ref["clash"] == "")
        let m = row(scans[16], ScanResult.scansHeader)
        #expect(m["variant"] == "reptile" && m["n"] == "50" && m["seed"] == "1")
        #expect(Double(m["energy_eV"]!) == -9392.075934260127 + 0.5 && Double(m["reference_energy_eV"]!) == -9392.075934260127)
        #expect(Double(m["minus_dE_ds"]!) == 0.2 && Double(m["force_along_path"]!) == 0.2)
        #expect(m["closest_contact"] == "1.5" && m["clash"] == "false" && m["held_residual_deg"] == "")

        let metrics = try String(contentsOfFile: writer.metricsPath, encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 4 && metrics[0] == Substring(ScanResult.metricsHeader))
        let reptile = row(metrics[2], ScanResult.metricsHeader)
        #expect(reptile["variant"] == "reptile" && reptile["points"] == "15" && reptile["mode"] == "given")
        #expect(reptile["clash_points"] == "0" && reptile["unconverged_points"] == "")
        #expect(reptile["atoms"]!.hasPrefix("O") && reptile["atoms"]!.split(separator: "-").count == 3)  // donor-H-acceptor
        // A constant shift has zero reference RMSE; the wiggled model does not; the consistent
        // model has zero consistency RMSE, the other 0.01 eV/Å.
        #expect(abs(Double(reptile["reference_rmse_meV"]!)!) < 1e-6 && Double(reptile["consistency_rmse"]!) == 0)
        let scratch = row(metrics[3], ScanResult.metricsHeader)
        #expect(Double(scratch["reference_rmse_meV"]!)! > 1)
        #expect(abs(Double(scratch["consistency_rmse"]!)! - 0.01) < 1e-12)
        #expect(Int(scratch["spurious_extrema"]!) == Int(scratch["extrema"]!)! - Int(scratch["reference_extrema"]!)!)

        // A file with another header is not appended to.
        let other = try ScanCSVWriter(directory: dir.appendingPathComponent("other"))
        try "a,b\n1,2\n".write(toFile: other.scansPath, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try other.append([ScanResult(curve: model(0), variant: "x")]) }
    }

    @Test func textCellsAreQuoted() {
        #expect(CSV.field("a,b") == "\"a,b\"" && CSV.field("plain") == "plain" && CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.number(nil) == "" && CSV.number(.nan) == "" && CSV.number(0.25) == "0.25")
    }
}

import Analysis
import ArgumentParser
import Chemistry
import Foundation
import Simulation

extension ScanCommand {
    /// Checks `--map`, `--hold` and `--map-step` before any work.
    func validateMap() throws {
        guard !map.isEmpty || !hold.isEmpty else { return }
        guard map.count == 2 else { throw ValidationError("a torsion map needs --map twice (φ₁ and φ₂), got \(map.count)") }
        guard structure != nil else { throw ValidationError("a torsion map needs a STRUCTURE file") }
        let count = (360 / mapStep).rounded()
        guard mapStep > 0, abs(count * mapStep - 360) < 1e-9, count >= 3, count <= 72 else {
            throw ValidationError("--map-step must divide 360° into 3 to 72 points (e.g. 30 or 20)")
        }
        for text in map { _ = try Self.atoms(text, option: "--map") }
        for text in hold { _ = try Self.held(text) }
    }

    /// The four atoms of "i j k l" (spaces or commas).
    static func atoms(_ text: String, option: String) throws -> [Int] {
        guard let atoms = ScanBuilder.dihedralAtoms(parsing: text), atoms.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("\(option) '\(text)' is not four 0-based atom indices \"i j k l\"")
        }
        return atoms
    }

    /// "i j k l" or "i j k l=angle" (degrees).
    static func held(_ text: String) throws -> (atoms: [Int], angle: Double?) {
        let parts = text.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw ValidationError("--hold '\(text)' is not \"i j k l\" or \"i j k l=angle\"") }
        var angle: Double?
        if parts.count == 2 {
            guard let value = Double(parts[1].trimmingCharacters(in: .whitespaces)), value.isFinite, abs(value) <= 360 else {
                throw ValidationError("--hold '\(text)': the angle after = must be a number of degrees")
            }
            angle = value
        }
        return (try atoms(String(parts[0]), option: "--hold"), angle)
    }

    /// Relaxes the map of the two `--map` dihedrals and appends its rows to the output.
    func runMap(_ builder: ScanBuilder, calculator: PotentialCalculator, variant: String, seed: UInt64?) throws {
        let file = structure ?? "structure"
        let first = try builder.torsion(try Self.atoms(map[0], option: "--map"), file: file, item: "--map \(map[0])")
        let second = try builder.torsion(try Self.atoms(map[1], option: "--map"), file: file, item: "--map \(map[1])")
        let held = try hold.map { text in
            let (atoms, angle) = try Self.held(text)
            return RelaxedTorsionMap.Held(try builder.torsion(atoms, file: file, item: "--hold \(text)"), angle: angle)
        }
        let start = Date()
        let relaxer = RelaxedTorsionScan(calculator: calculator, fmax: relaxFmax, maxSteps: relaxSteps)
        let result = try RelaxedTorsionMap(relaxer: relaxer).map(builder, first: first, second: second, held: held, step: mapStep)
        let writer = try ScanCSVWriter(directory: URL(fileURLWithPath: output))
        try writer.append(maps: [TorsionMapRecord(map: result, variant: variant, n: n, seed: seed.map { Int($0) })])
        let m = result.metrics
        Console.shared.result(String(format: "map %@ × %@%@: %d points, energy range %@ meV, minimum at (%@), %d local minima, %d holes, %d not converged, largest dihedral residual %.1e°, normalised roughness %@, %.0f s",
                     result.firstLabel, result.secondLabel, held.isEmpty ? "" : " (held \(result.heldDescription))", m.points,
                     m.energyRange.map { String(format: "%.0f", $0) } ?? "–",
                     m.minimumAngles.map { String(format: "%.0f°, %.0f°", $0.0, $0.1) } ?? "–", m.minima, m.holes, m.unconverged,
                     m.maxHeldResidual, m.normalisedRoughness.map { String(format: "%.4f", $0) } ?? "–", Date().timeIntervalSince(start)))
        Console.shared.info("appended \(m.points) rows to \(writer.torsionMapsPath) and 1 to \(writer.torsionMapMetricsPath)")
    }
}

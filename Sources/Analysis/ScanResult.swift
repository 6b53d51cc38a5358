import Chemistry
import Foundation

/// One evaluated scan of one model (or of the reference), ready for the long-format CSV
/// files that the report reads.
///
/// `scans.csv`, one row per point:
///
///     scan,scan_kind,mode,variant,n,seed,point,coordinate,coordinate_unit,energy_eV,reference_energy_eV,minus_dE_ds,force_along_path,closest_contact,clash,held_residual_deg,relax_fmax_eV_per_A,relax_converged,relax_clashing_candidates
///
/// `scan_metrics.csv`, one row per scan, mode and variant:
///
///     scan,scan_kind,mode,atoms,variant,n,seed,points,clash_points,hole_points,unconverged_points,max_held_residual_deg,barrier_meV,barrier_position,reference_barrier_meV,reference_barrier_position,roughness,normalised_roughness,high_frequency_share,extrema,reference_extrema,spurious_extrema,minima,reference_minima,minima_found,minima_missed,minima_spurious,consistency_rmse,reference_rmse_meV
///
/// `mode` is rigid, relaxed or given (``ScanMode``); `atoms` names the defining atoms with
/// their elements and 0-based indices ("C13-O5-C1-C0"). `coordinate`, `barrier_position`
/// are in `coordinate_unit` (deg, angstrom, index); `minus_dE_ds`, `force_along_path` and
/// `consistency_rmse` are per unit of the path parameter (eV/rad for deg, eV/Å for
/// angstrom); `roughness` is in (eV/rad²)² or (eV/Å²)², `normalised_roughness` in rad⁻² or
/// Å⁻² (see ``ScanMetrics``); `closest_contact` is d/(r_i + r_j) of the closest non-bonded
/// pair and `clash` is true below the clash factor (``ContactCheck``);
/// `relax_clashing_candidates` is "k/m": k of the point's m relaxations ended in a clash
/// (`hole_points` counts points with k > 0: holes of the model). Cells without a
/// value are empty; `n` (training-set size) and `seed` may be empty.
public struct ScanResult: Sendable {
    public static let scansHeader =
        "scan,scan_kind,mode,variant,n,seed,point,coordinate,coordinate_unit,energy_eV,reference_energy_eV,minus_dE_ds,force_along_path,closest_contact,clash,held_residual_deg,relax_fmax_eV_per_A,relax_converged,relax_clashing_candidates"
    public static let metricsHeader =
        "scan,scan_kind,mode,atoms,variant,n,seed,points,clash_points,hole_points,unconverged_points,max_held_residual_deg,barrier_meV,barrier_position,reference_barrier_meV,reference_barrier_position,roughness,normalised_roughness,high_frequency_share,extrema,reference_extrema,spurious_extrema,minima,reference_minima,minima_found,minima_missed,minima_spurious,consistency_rmse,reference_rmse_meV"
    /// The variant name of rows that hold the reference energies themselves.
    public static let referenceVariant = "reference"

    public var scan: String
    public var kind: ScanKind
    public var mode: ScanMode
    /// The defining atoms as "C13-O5-C1-C0" (empty when the path has none).
    public var atoms: String
    /// The model's name ("reptile", "scratch", …) or "reference".
    public var variant: String
    /// Training-set size of the model, if known.
    public var n: Int?
    /// Seed of the model, if known.
    public var seed: UInt64?
    public var coordinates: [Double]
    public var coordinateUnit: CoordinateUnit
    /// eV, shape (points,).
    public var energies: [Double]
    /// eV, shape (points,); `nil` without reference (and for the reference variant itself).
    public var referenceEnergies: [Double]?
    public var minusDEds: [Double]?
    public var forceAlongPath: [Double]?
    public var closestContacts: [Double?]?
    public var relaxation: [PointRelaxation]?
    public var clashFactor: Double
    public var metrics: ScanMetrics

    /// The result of a model curve; the path's reference energies, when present, are
    /// compared with it.
    public init(curve: ScanCurve, variant: String, n: Int? = nil, seed: UInt64? = nil,
                options: ScanMetricOptions = ScanMetricOptions(), clashFactor: Double = 1.0) {
        let path = curve.path
        scan = path.name
        kind = path.kind
        mode = path.mode
        atoms = Self.atomLabel(path)
        self.variant = variant
        self.n = n
        self.seed = seed
        coordinates = path.coordinates
        coordinateUnit = path.coordinateUnit
        energies = curve.energies
        referenceEnergies = path.referenceEnergies
        minusDEds = curve.minusDEds
        forceAlongPath = curve.forceAlongPath
        closestContacts = curve.closestContacts
        relaxation = path.relaxation
        self.clashFactor = clashFactor
        metrics = ScanMetrics(s: path.pathParameter, period: path.period, energies: curve.energies,
                              minusDEds: curve.minusDEds, forceAlongPath: curve.forceAlongPath,
                              referenceEnergies: path.referenceEnergies, coordinates: path.coordinates,
                              closestContacts: curve.closestContacts, clashFactor: clashFactor,
                              relaxation: path.relaxation, options: options)
    }

    /// The reference energies of `path` as variant "reference" (their extrema compared with
    /// their own smooth fit), or `nil` when the path has none.
    public static func reference(_ path: ScanPath, options: ScanMetricOptions = ScanMetricOptions()) -> ScanResult? {
        guard let energies = path.referenceEnergies else { return nil }
        var unlabelled = path
        unlabelled.referenceEnergies = nil
        return ScanResult(curve: ScanCurve(path: unlabelled, energies: energies), variant: referenceVariant, options: options)
    }

    /// "C13-O5-C1-C0": the defining atoms with element symbols and 0-based indices.
    public static func atomLabel(_ path: ScanPath) -> String {
        guard let first = path.conformations.first else { return "" }
        return atomLabel(path.definingAtoms, atomicNumbers: first.atomicNumbers)
    }

    /// "C13-O5-C1-C0" for `atoms` (0-based) of a structure with `atomicNumbers`.
    public static func atomLabel(_ atoms: [Int], atomicNumbers: [Int]) -> String {
        atoms.map { Element.symbol(for: atomicNumbers[$0]) + String($0) }.joined(separator: "-")
    }

    /// The `scans.csv` rows (without header), one per point.
    public var scanRows: [String] {
        coordinates.indices.map { p in
            let contact = closestContacts?[p] ?? nil
            let r = relaxation?[p]
            let identity: [String] = [CSV.field(scan), kind.rawValue, mode.rawValue, CSV.field(variant), n.map(String.init) ?? "",
                                      seed.map(String.init) ?? "", String(p)]
            let values: [String] = [CSV.number(coordinates[p]), coordinateUnit.rawValue, CSV.number(energies[p]),
                                    CSV.number(referenceEnergies?[p]), CSV.number(minusDEds?[p]), CSV.number(forceAlongPath?[p])]
            let clash: String = contact.map { String($0 < clashFactor) } ?? ""
            let relaxed: [String] = [CSV.number(r?.heldResidual), CSV.number(r?.fmax), r.map { String($0.converged) } ?? "",
                                     r.map { "\($0.clashingCandidates)/\($0.candidates)" } ?? ""]
            return (identity + values + [CSV.number(contact), clash] + relaxed)
                .joined(separator: ",")
        }
    }

    /// The `scan_metrics.csv` row (without header).
    public var metricsRow: String {
        let m = metrics
        func int(_ x: Int?) -> String { x.map(String.init) ?? "" }
        return [CSV.field(scan), kind.rawValue, mode.rawValue, CSV.field(atoms), CSV.field(variant), n.map(String.init) ?? "",
                seed.map(String.init) ?? "", String(m.points), int(m.clashPoints), int(m.holePoints), int(m.unconvergedPoints),
                CSV.number(m.maxHeldResidual), CSV.number(m.energyRange), CSV.number(m.barrierPosition),
                CSV.number(m.referenceBarrier), CSV.number(m.referenceBarrierPosition), CSV.number(m.roughness),
                CSV.number(m.normalisedRoughness), CSV.number(m.highFrequencyShare), String(m.extrema),
                String(m.referenceExtrema), String(m.spuriousExtrema), String(m.minima), int(m.referenceMinima),
                int(m.minimaFound), int(m.minimaMissed), int(m.minimaSpurious), CSV.number(m.consistencyRMSE),
                CSV.number(m.referenceRMSE)].joined(separator: ",")
    }
}

/// Appends scan results of many models and scans to `scans.csv` and `scan_metrics.csv`
/// in one directory.
///
/// A file is created with its header on first use; later calls (and later runs) append
/// rows. An existing file whose first line is not the expected header is an error rather
/// than a silently mixed table.
public struct ScanCSVWriter: Sendable {
    public let directory: URL
    public var scansPath: String { directory.appendingPathComponent("scans.csv").path }
    public var metricsPath: String { directory.appendingPathComponent("scan_metrics.csv").path }

    /// Creates `directory` when needed.
    public init(directory: URL) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: directory.path, "cannot create the output directory (\(error.localizedDescription))")
        }
    }

    /// Appends the rows of `results` to both files.
    public func append(_ results: [ScanResult]) throws {
        try append(lines: results.flatMap(\.scanRows), to: scansPath, header: ScanResult.scansHeader)
        try append(lines: results.map(\.metricsRow), to: metricsPath, header: ScanResult.metricsHeader)
    }

    func append(lines: [String], to path: String, header: String) throws {
        let manager = FileManager.default
        var text = lines.map { $0 + "\n" }.joined()
        do {
            let first = manager.fileExists(atPath: path) ? try Self.firstLine(of: path, limit: header.utf8.count + 1) : nil
            if let first {
                guard first == header else {
                    throw DataError(file: path, item: "line 1", "header is not the scan table header '\(header)'")
                }
            } else {
                text = header + "\n" + text
                guard manager.createFile(atPath: path, contents: nil) else { throw DataError(file: path, "cannot create file") }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: path, "cannot append (\(error.localizedDescription))")
        }
    }

    /// The first line of the file (at most `limit` bytes of it), or `nil` for an empty file.
    static func firstLine(of path: String, limit: Int) throws -> String? {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: limit) ?? Data()
        guard !data.isEmpty else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
    }
}

/// CSV cell formatting.
enum CSV {
    /// A text cell, quoted when it holds a comma, quote or newline.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number with full (round-trip) precision; empty for `nil` and non-finite values.
    static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        return "\(x)"
    }
}

extension ScanCSVWriter {
    /// True when `scan_metrics.csv` already has a row for `scan` and `variant` (so a
    /// reference curve is written once however many models are scanned).
    public func containsMetrics(scan: String, variant: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: metricsPath) else { return false }
        let text: String
        do { text = try String(contentsOfFile: metricsPath, encoding: .utf8) } catch {
            throw DataError(file: metricsPath, "cannot read (\(error.localizedDescription))")
        }
        let prefix = CSV.field(scan) + ","
        return text.split(separator: "\n").contains { line in
            guard line.hasPrefix(prefix) else { return false }
            let cells = line.dropFirst(prefix.count).split(separator: ",", omittingEmptySubsequences: false)
            return cells.count > 3 && cells[3] == CSV.field(variant)
        }
    }
}

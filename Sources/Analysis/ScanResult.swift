import Chemistry
import Foundation

/// One evaluated scan of one model (or of the reference), ready for the long-format CSV
/// files that the report reads.
///
/// `scans.csv`, one row per point:
///
///     scan,scan_kind,variant,n,seed,point,coordinate,coordinate_unit,energy_eV,reference_energy_eV,minus_dE_ds,force_along_path
///
/// `scan_metrics.csv`, one row per scan and variant:
///
///     scan,scan_kind,variant,n,seed,points,roughness,high_frequency_share,extrema,reference_extrema,spurious_extrema,consistency_rmse,reference_rmse_meV,energy_range_meV
///
/// `coordinate` is in `coordinate_unit` (deg, angstrom, index); `minus_dE_ds`,
/// `force_along_path` and `consistency_rmse` are per unit of the path parameter (eV/rad for
/// deg, eV/Å for angstrom); `roughness` is in (eV/rad²)² or (eV/Å²)² (see `ScanMetrics`).
/// Cells without a value are empty; `n` (training-set size) and `seed` may be empty.
public struct ScanResult: Sendable {
    public static let scansHeader =
        "scan,scan_kind,variant,n,seed,point,coordinate,coordinate_unit,energy_eV,reference_energy_eV,minus_dE_ds,force_along_path"
    public static let metricsHeader =
        "scan,scan_kind,variant,n,seed,points,roughness,high_frequency_share,extrema,reference_extrema,spurious_extrema,consistency_rmse,reference_rmse_meV,energy_range_meV"
    /// The variant name of rows that hold the reference energies themselves.
    public static let referenceVariant = "reference"

    public var scan: String
    public var kind: ScanKind
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
    public var metrics: ScanMetrics

    /// The result of a model curve; the path's reference energies, when present, are
    /// compared with it.
    public init(curve: ScanCurve, variant: String, n: Int? = nil, seed: UInt64? = nil,
                options: ScanMetricOptions = ScanMetricOptions()) {
        let path = curve.path
        scan = path.name
        kind = path.kind
        self.variant = variant
        self.n = n
        self.seed = seed
        coordinates = path.coordinates
        coordinateUnit = path.coordinateUnit
        energies = curve.energies
        referenceEnergies = path.referenceEnergies
        minusDEds = curve.minusDEds
        forceAlongPath = curve.forceAlongPath
        metrics = ScanMetrics(s: path.pathParameter, period: path.period, energies: curve.energies,
                              minusDEds: curve.minusDEds, forceAlongPath: curve.forceAlongPath,
                              referenceEnergies: path.referenceEnergies, options: options)
    }

    /// The reference energies of `path` as variant "reference" (their extrema compared with
    /// their own smooth fit), or `nil` when the path has none.
    public static func reference(_ path: ScanPath, options: ScanMetricOptions = ScanMetricOptions()) -> ScanResult? {
        guard let energies = path.referenceEnergies else { return nil }
        var unlabelled = path
        unlabelled.referenceEnergies = nil
        return ScanResult(curve: ScanCurve(path: unlabelled, energies: energies), variant: referenceVariant, options: options)
    }

    /// The `scans.csv` rows (without header), one per point.
    public var scanRows: [String] {
        coordinates.indices.map { p in
            [CSV.field(scan), kind.rawValue, CSV.field(variant), n.map(String.init) ?? "", seed.map(String.init) ?? "",
             String(p), CSV.number(coordinates[p]), coordinateUnit.rawValue, CSV.number(energies[p]),
             CSV.number(referenceEnergies?[p]), CSV.number(minusDEds?[p]), CSV.number(forceAlongPath?[p])]
                .joined(separator: ",")
        }
    }

    /// The `scan_metrics.csv` row (without header).
    public var metricsRow: String {
        let m = metrics
        return [CSV.field(scan), kind.rawValue, CSV.field(variant), n.map(String.init) ?? "", seed.map(String.init) ?? "",
                String(m.points), CSV.number(m.roughness), CSV.number(m.highFrequencyShare), String(m.extrema),
                String(m.referenceExtrema), String(m.spuriousExtrema), CSV.number(m.consistencyRMSE),
                CSV.number(m.referenceRMSE), CSV.number(m.energyRange)].joined(separator: ",")
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
            return cells.count > 1 && cells[1] == CSV.field(variant)
        }
    }
}

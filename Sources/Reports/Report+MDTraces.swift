// MD traces beyond the NVE energy figure (Report.mdFigures): total energy of the thermostatted
// runs and the temperature of every ensemble, against time; and their HTML.

import Foundation

extension Report {
    /// Ensembles in `analysis/md.csv`, NVE first, then in order of appearance (case kept).
    var mdEnsembles: [String] {
        var seen: [String] = []
        for f in data.md ?? [] where !seen.contains(where: { $0.lowercased() == f.ensemble.lowercased() }) { seen.append(f.ensemble) }
        return seen.sorted { ($0.uppercased() == "NVE" ? 0 : 1) < ($1.uppercased() == "NVE" ? 0 : 1) }
    }

    /// One trace per variant at N (the figure seed), thinned to `maximumTracePoints`.
    func mdTrace(_ frames: [MDFrame], n: Int, value: (MDFrame) -> Double?) -> (series: [SVGChart.Series], seeds: Set<Int>) {
        var seeds: Set<Int> = []
        let series = variants.compactMap { v -> SVGChart.Series? in
            let run = frames.filter { $0.variant == v && $0.n == n }
            guard !run.isEmpty else { return nil }
            let seed = figureSeed(run.map(\.seed))
            if let seed { seeds.insert(seed) }
            let shown = run.filter { $0.seed == seed && value($0)?.isFinite == true }.sorted { $0.time < $1.time }
            guard !shown.isEmpty else { return nil }
            let stride = max(1, (shown.count + options.maximumTracePoints - 1) / max(1, options.maximumTracePoints))
            let thinned = shown.enumerated().filter { $0.offset % stride == 0 || $0.offset == shown.count - 1 }.map(\.element)
            return SVGChart.Series(name: v, points: thinned.map { SVGChart.Point(x: $0.time, y: value($0)!) }, colour: colour(of: v), markers: false)
        }
        return (series, seeds)
    }

    /// Total energy (change from the first frame, per atom when the atom count is known) of the
    /// non-NVE runs (Langevin), and the temperature (K) of every ensemble, against time (fs):
    /// one figure per ensemble, quantity and figure size N.
    public func mdTraceFigures() -> [ReportFigure] {
        guard let md = data.md else { return [] }
        let atoms = atomsPerMolecule
        var figures: [ReportFigure] = []
        for ensemble in mdEnsembles {
            let frames = md.filter { $0.ensemble.lowercased() == ensemble.lowercased() }
            let name = ensemble.uppercased() == "NVE" ? "NVE" : ensemble == ensemble.lowercased() ? ensemble.capitalized : ensemble
            for n in figureSizes(available: frames.compactMap(\.n)) {
                if ensemble.uppercased() != "NVE" {
                    var (series, seeds) = mdTrace(frames, n: n, value: \.totalEnergy)
                    series = series.map { s in
                        var s = s
                        let e0 = s.points.first?.y ?? 0
                        s.points = s.points.map { .init(x: $0.x, y: ($0.y - e0) * 1000 / Double(atoms ?? 1)) }
                        return s
                    }
                    if !series.isEmpty {
                        let chart = SVGChart(title: "\(name) total energy, N = \(n)", x: .init("Time", unit: "fs"),
                                             y: .init(atoms == nil ? "Total energy − initial" : "Total energy per atom − initial",
                                                      unit: atoms == nil ? "meV" : "meV/atom"), series: series)
                        figures.append(ReportFigure(chart: chart, caption: "\(name) runs after refitting on N = \(n)\(seedText(seeds)): "
                            + "change of the " + (atoms.map { "total energy per atom (\($0) atoms)" } ?? "total energy of the whole system (atom count unknown)")
                            + " from the first frame; the thermostat exchanges energy, so this is not expected to be flat."))
                    }
                }
                let (series, seeds) = mdTrace(frames, n: n, value: \.temperature)
                if !series.isEmpty {
                    let chart = SVGChart(title: "\(name) temperature, N = \(n)", x: .init("Time", unit: "fs"),
                                         y: .init("Temperature", unit: "K"), series: series)
                    figures.append(ReportFigure(chart: chart, caption: "\(name) runs after refitting on N = \(n)\(seedText(seeds)): "
                        + "instantaneous kinetic temperature."))
                }
            }
        }
        return figures
    }

    func seedText(_ seeds: Set<Int>) -> String {
        seeds.isEmpty ? "" : ", seed \(seeds.sorted().map(String.init).joined(separator: "/"))"
    }

    /// The extra MD traces for the HTML MD section, with a note on ensembles the run lacks.
    func mdTraceSection() -> String {
        guard data.md != nil else { return "" }
        var s = ""
        for f in mdTraceFigures() { s += figure(f) }
        let lower = Set(mdEnsembles.map { $0.lowercased() })
        if !lower.contains("nve") { s += missing("<code>analysis/md.csv</code> has no NVE run (the manifest's <code>analysis.md</code> asks for none).") }
        if lower.subtracting(["nve"]).isEmpty {
            s += missing("<code>analysis/md.csv</code> has no Langevin run (the manifest's <code>analysis.md</code> asks for none).")
        }
        return s
    }
}

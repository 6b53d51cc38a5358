import Chemistry

/// One row of `metamlip data inspect`: what a task holds, in eV and Å.
public struct TaskSummary: Equatable, Sendable {
    public var name: String
    public var level: String
    /// Element symbols in order of atomic number.
    public var elements: [String]
    public var conformations: Int
    public var withForces: Int
    /// Smallest and largest total energy, eV.
    public var energyRange: ClosedRange<Double>?
    /// Units of the source before conversion.
    public var sourceUnits: String
    /// Conformations dropped for NaN energies (when the reader reports it).
    public var nanEnergies: Int?
    public var selfEnergyOrigin: String?

    public init(name: String, level: String, elements: [String], conformations: Int, withForces: Int,
                energyRange: ClosedRange<Double>?, sourceUnits: String, nanEnergies: Int?, selfEnergyOrigin: String?) {
        self.name = name
        self.level = level
        self.elements = elements
        self.conformations = conformations
        self.withForces = withForces
        self.energyRange = energyRange
        self.sourceUnits = sourceUnits
        self.nanEnergies = nanEnergies
        self.selfEnergyOrigin = selfEnergyOrigin
    }

    public init(_ task: QMTask) {
        name = task.name
        level = task.levelOfTheory.name
        elements = task.elements.map { Element.symbol(for: $0) }
        conformations = task.conformations.count
        withForces = task.forceCount
        let energies = task.conformations.map(\.energy)
        energyRange = energies.min().flatMap { lo in energies.max().map { lo...$0 } }
        sourceUnits = task.source.units
        nanEnergies = task.metadata["nan_energies"].flatMap { Int($0) }
        selfEnergyOrigin = task.selfEnergies?.origin.rawValue
    }

    /// A fixed-width table of summaries, one line per task plus a header and a total.
    public static func table(_ rows: [TaskSummary]) -> String {
        let header = ["task", "level of theory", "elements", "confs", "forces", "E min (eV)", "E max (eV)", "units", "NaN E", "self-energies"]
        var cells = rows.map { r -> [String] in
            [r.name, r.level, r.elements.joined(separator: " "), String(r.conformations), String(r.withForces),
             r.energyRange.map { format($0.lowerBound) } ?? "-", r.energyRange.map { format($0.upperBound) } ?? "-",
             r.sourceUnits, r.nanEnergies.map(String.init) ?? "-", r.selfEnergyOrigin ?? "-"]
        }
        cells.append(["total (\(rows.count) tasks)", "", "", String(rows.reduce(0) { $0 + $1.conformations }),
                      String(rows.reduce(0) { $0 + $1.withForces }), "", "", "", "", ""])
        let widths = header.indices.map { c in ([header] + cells).map { $0[c].count }.max()! }
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return (3...6).contains(c) ? pad + text : text + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + cells.dropLast().map(line) + [rule, line(cells.last!)]).joined(separator: "\n")
    }

    private static func format(_ x: Double) -> String {
        let scaled = (x * 1000).rounded() / 1000
        return String(scaled)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

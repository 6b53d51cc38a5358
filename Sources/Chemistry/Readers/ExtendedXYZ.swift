import Foundation

/// Reader for extended XYZ as ASE writes it.
///
/// Each frame is a count line, a comment line of `key=value` pairs (values may be quoted;
/// `Properties=species:S:1:pos:R:3:forces:R:3` names the per-atom columns; `Lattice="…"`
/// gives nine numbers, `pbc="T T F"` the periodicity) and one line per atom.
///
/// Isolated-atom rows (`config_type=IsolatedAtom` / `isolated_atom`, or any one-atom
/// non-periodic frame) are not returned as conformations: their energies become the
/// task's `isolatedAtomEnergies`.
public struct ExtendedXYZReader: Sendable {
    /// The info key that holds the energy (`energy`, `energy_xtb`, `REF_energy`, …).
    public var energyKey: String
    /// The per-atom property that holds the forces (`forces`, `forces_xtb`, …).
    public var forcesKey: String
    /// Unit of energies in the file (forces are in this unit per length unit).
    public var energyUnit: EnergyUnit
    /// Unit of lengths in the file.
    public var lengthUnit: LengthUnit
    /// When set, only frames whose `config_type` is one of these are kept.
    public var configTypes: Set<String>?
    /// When true, a frame without forces is an error (otherwise it is kept energy-only).
    public var requireForces: Bool

    public init(
        energyKey: String = "energy", forcesKey: String = "forces",
        energyUnit: EnergyUnit = .eV, lengthUnit: LengthUnit = .angstrom,
        configTypes: Set<String>? = nil, requireForces: Bool = false
    ) {
        self.energyKey = energyKey
        self.forcesKey = forcesKey
        self.energyUnit = energyUnit
        self.lengthUnit = lengthUnit
        self.configTypes = configTypes
        self.requireForces = requireForces
    }

    /// What one file holds: its conformations and the isolated-atom energies (eV).
    public struct Contents: Sendable {
        public var conformations: [Conformation]
        public var isolatedAtomEnergies: [Int: Double]
        /// Conformations dropped because their energy was NaN (npz sources).
        public var skippedNaNEnergies: Int = 0

        public init(conformations: [Conformation], isolatedAtomEnergies: [Int: Double], skippedNaNEnergies: Int = 0) {
            self.conformations = conformations
            self.isolatedAtomEnergies = isolatedAtomEnergies
            self.skippedNaNEnergies = skippedNaNEnergies
        }
    }

    /// Reads every frame of the file at `path`.
    /// - Throws: `DataError` naming the file — when it is missing, a directory, empty or not
    ///   UTF-8 — or the file, the frame (0-based) and its line number.
    public func read(path: String) throws -> Contents {
        let data = try InputFile.read(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: path, "is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Parses extended-XYZ text; `file` names the source in errors. Lines may end in LF,
    /// CRLF (Windows) or CR, as ASE accepts.
    ///
    /// - Throws: `DataError` for text without frames, a bad atom count (not a positive
    ///   integer, or more atoms than lines left), a malformed comment line (unterminated
    ///   quote, a key given twice, a bad `Properties`, `Lattice` or `pbc`), atom rows with
    ///   too few columns (or more than an explicit `Properties` declares), unknown
    ///   elements, malformed or non-finite numbers, and a missing or non-finite energy.
    public func parse(_ text: String, file: String) throws -> Contents {
        var lines = ExtXYZComment.lines(of: text)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        guard !lines.isEmpty else { throw DataError(file: file, "holds no frames (only blank lines)") }
        var contents = Contents(conformations: [], isolatedAtomEnergies: [:])
        var lineIndex = 0
        var frame = 0
        let eScale = energyUnit.inElectronVolts
        let lScale = lengthUnit.inAngstrom
        while lineIndex < lines.count {
            let countLine = lines[lineIndex].trimmingCharacters(in: .whitespaces)
            if countLine.isEmpty { lineIndex += 1; continue }
            let item = "frame \(frame) (line \(lineIndex + 1))"
            guard let n = Int(countLine), n > 0 else {
                throw DataError(file: file, item: item, "expected an atom count, found '\(countLine.prefix(40))'")
            }
            // Compared without adding to n, which may be as large as Int.max.
            guard n < lines.count - lineIndex - 1 else {
                throw DataError(file: file, item: item, "file ends before the frame's \(n) atom lines (truncated?)")
            }
            let info = try ExtXYZComment.parse(String(lines[lineIndex + 1]), file: file, item: item)
            let columns = try ExtXYZComment.columns(info["Properties"] ?? "species:S:1:pos:R:3", file: file, item: item)
            guard let species = columns["species"], species.width == 1, let pos = columns["pos"], pos.width == 3 else {
                throw DataError(file: file, item: item, "Properties lacks species:S:1 or pos:R:3")
            }
            let forceColumn = columns[forcesKey]
            if let forceColumn, forceColumn.width != 3 {
                throw DataError(file: file, item: item, "\(forcesKey) has \(forceColumn.width) columns, expected 3")
            }
            let totalWidth = columns.values.map { $0.start + $0.width }.max() ?? 4
            let declared = info["Properties"] != nil
            var numbers = [Int](); numbers.reserveCapacity(n)
            var positions = [SIMD3<Double>](); positions.reserveCapacity(n)
            var forces = [SIMD3<Double>](); if forceColumn != nil { forces.reserveCapacity(n) }
            for a in 0..<n {
                let row = lines[lineIndex + 2 + a].split(whereSeparator: { $0 == " " || $0 == "\t" })
                let rowItem = "\(item), atom \(a) (line \(lineIndex + 3 + a))"
                guard row.count >= totalWidth, !declared || row.count == totalWidth else {
                    throw DataError(file: file, item: rowItem, "has \(row.count) columns, Properties declares \(totalWidth)")
                }
                let symbol = String(row[species.start])
                guard let element = Element(symbol: symbol) ?? Int(symbol).flatMap(Element.init(atomicNumber:)) else {
                    throw DataError(file: file, item: rowItem, "unknown element '\(symbol)'")
                }
                numbers.append(element.atomicNumber)
                positions.append(try Self.vector(row, pos.start, file: file, item: rowItem) * lScale)
                if let fc = forceColumn {
                    forces.append(try Self.vector(row, fc.start, file: file, item: rowItem) * (eScale / lScale))
                }
            }
            lineIndex += 2 + n
            defer { frame += 1 }

            let configType = info["config_type"]
            var cell: Cell? = nil
            if let lattice = info["Lattice"] {
                let cellVectors = try ExtXYZComment.lattice(lattice, file: file, item: item).map { $0 * lScale }
                cell = Cell(vectors: cellVectors, periodic: try ExtXYZComment.pbc(info["pbc"] ?? "T T T", file: file, item: item))
            } else if let pbcText = info["pbc"], try ExtXYZComment.pbc(pbcText, file: file, item: item).contains(true) {
                throw DataError(file: file, item: item, "pbc is set but there is no Lattice")
            }
            guard let energyText = info[energyKey] else {
                throw DataError(file: file, item: item, "no '\(energyKey)' in the comment line")
            }
            guard let rawEnergy = Double(energyText), rawEnergy.isFinite else {
                throw DataError(file: file, item: item, "\(energyKey)=\(energyText) is not a finite number")
            }
            let energy = rawEnergy * eScale

            let isIsolated = configType.map { $0.lowercased().replacingOccurrences(of: "_", with: "") == "isolatedatom" }
                ?? (n == 1 && !(cell?.isPeriodic ?? false))
            if isIsolated {
                guard n == 1 else { throw DataError(file: file, item: item, "isolated-atom frame has \(n) atoms") }
                contents.isolatedAtomEnergies[numbers[0]] = energy
                continue
            }
            if let configTypes, !configTypes.contains(configType ?? "") { continue }
            if requireForces && forceColumn == nil {
                throw DataError(file: file, item: item, "no '\(forcesKey)' column in Properties")
            }
            var properties: [String: String] = [:]
            for (key, value) in info where key != "Properties" && key != "Lattice" && key != "pbc" && key != energyKey {
                properties[key] = value
            }
            properties["frame"] = String(frame)
            let conformation = Conformation(
                atomicNumbers: numbers, positions: positions, cell: cell, energy: energy,
                forces: forceColumn == nil ? nil : forces, properties: properties)
            try conformation.validate(file: file, item: item)
            contents.conformations.append(conformation)
        }
        return contents
    }

    private static func vector(_ row: [Substring], _ start: Int, file: String, item: String) throws -> SIMD3<Double> {
        guard let x = Double(row[start]), let y = Double(row[start + 1]), let z = Double(row[start + 2]) else {
            throw DataError(file: file, item: item, "malformed number in '\(row[start...start + 2].joined(separator: " "))'")
        }
        return SIMD3(x, y, z)
    }
}

/// Parsing of the extended-XYZ comment line and its `Properties` specification.
enum ExtXYZComment {
    /// Splits `key=value key2="quoted value" flag` into a dictionary (flags map to "T").
    static func parse(_ line: String, file: String, item: String) throws -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(line)
        func skipSpaces() { while let c = chars.first, c == " " || c == "\t" || c == "\r" { chars.removeFirst() } }
        func readToken() throws -> String {
            skipSpaces()
            guard let first = chars.first else { return "" }
            if first == "\"" || first == "'" {
                chars.removeFirst()
                guard let end = chars.firstIndex(of: first) else {
                    throw DataError(file: file, item: item, "unterminated quote in comment line")
                }
                let token = String(chars[..<end])
                chars = chars[chars.index(after: end)...]
                return token
            }
            var token = ""
            while let c = chars.first, c != " ", c != "\t", c != "=", c != "\r" {
                token.append(c); chars.removeFirst()
            }
            return token
        }
        while true {
            skipSpaces()
            if chars.isEmpty { break }
            let key = try readToken()
            guard !key.isEmpty else { throw DataError(file: file, item: item, "malformed comment line near '\(chars.prefix(20))'") }
            skipSpaces()
            let value: String
            if chars.first == "=" {
                chars.removeFirst()
                value = try readToken()
            } else {
                value = "T"
            }
            guard result.updateValue(value, forKey: key) == nil else {
                throw DataError(file: file, item: item, "key '\(key)' appears twice in the comment line")
            }
        }
        return result
    }

    /// The lines of `text`, split at LF, CRLF or CR.
    static func lines(of text: String) -> [Substring] {
        // "\r\n" is a single Character in Swift, so it is matched as a whole.
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    /// The three cell vectors of `Lattice="ax ay az bx by bz cx cy cz"`: exactly nine finite numbers.
    static func lattice(_ text: String, file: String, item: String) throws -> [SIMD3<Double>] {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard tokens.count == 9 else { throw DataError(file: file, item: item, "Lattice has \(tokens.count) numbers, expected 9") }
        let v = try tokens.map { token -> Double in
            guard let x = Double(token), x.isFinite else {
                throw DataError(file: file, item: item, "Lattice entry '\(token)' is not a finite number")
            }
            return x
        }
        return [SIMD3(v[0], v[1], v[2]), SIMD3(v[3], v[4], v[5]), SIMD3(v[6], v[7], v[8])]
    }

    /// The three flags of `pbc="T T F"`: each T/True/1 or F/False/0 (any case), as ASE writes them.
    static func pbc(_ text: String, file: String, item: String) throws -> [Bool] {
        let flags = try text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { flag -> Bool in
            switch flag.lowercased() {
            case "t", "true", "1": return true
            case "f", "false", "0": return false
            default: throw DataError(file: file, item: item, "pbc flag '\(flag)' is not T or F")
            }
        }
        guard flags.count == 3 else { throw DataError(file: file, item: item, "pbc needs three flags, found \(flags.count)") }
        return flags
    }

    struct Column { var start: Int; var width: Int }

    /// Parses `species:S:1:pos:R:3:forces:R:3` into column ranges by name.
    static func columns(_ spec: String, file: String, item: String) throws -> [String: Column] {
        let parts = spec.split(separator: ":")
        guard parts.count % 3 == 0 else {
            throw DataError(file: file, item: item, "Properties '\(spec)' is not name:type:count triples")
        }
        var result: [String: Column] = [:]
        var start = 0
        for i in stride(from: 0, to: parts.count, by: 3) {
            guard let width = Int(parts[i + 2]), width > 0, width <= 1000 else {
                throw DataError(file: file, item: item, "Properties '\(spec)': bad column count '\(parts[i + 2])'")
            }
            guard ["S", "R", "I", "L"].contains(parts[i + 1]) else {
                throw DataError(file: file, item: item, "Properties '\(spec)': type '\(parts[i + 1])' of \(parts[i]) is not S, R, I or L")
            }
            guard result.updateValue(Column(start: start, width: width), forKey: String(parts[i])) == nil else {
                throw DataError(file: file, item: item, "Properties '\(spec)' names column \(parts[i]) twice")
            }
            start += width
        }
        return result
    }
}

/// Public access to the keys of an extended-XYZ comment line (for format sniffing).
public enum ExtXYZCommentKeys {
    /// The keys of `line`, e.g. ["Lattice", "Properties", "energy", "pbc"].
    public static func keys(of line: String) throws -> [String] {
        Array(try ExtXYZComment.parse(line, file: "", item: "").keys).sorted()
    }
}

import Chemistry
import Foundation

/// Reads the structures to scan from an (extended) XYZ file, with or without energies.
public enum StructureFile {
    /// Every frame of the XYZ / extended-XYZ file at `path` (positions in Å). Energies are
    /// not needed: frames without an `energy=` key are read with energy 0.
    /// - Throws: `DataError` naming the file (and frame) when it is missing or malformed.
    public static func read(path: String) throws -> [Conformation] {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError(file: path, "file does not exist") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(file: path, "cannot read file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(file: path, "is not UTF-8 text") }
        // Give every comment line a placeholder energy under a private key, so the extended-XYZ
        // reader (which requires one) accepts plain XYZ; a frame's own `energy` stays a property.
        let key = "metamlip_scan_energy"
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index + 1 < lines.count {
            let count = lines[index].trimmingCharacters(in: .whitespaces)
            if count.isEmpty { index += 1; continue }
            guard let n = Int(count), n > 0 else { break }  // the reader reports the malformed line
            lines[index + 1] += " \(key)=0"
            index += n + 2
        }
        let frames = try ExtendedXYZReader(energyKey: key).parse(lines.joined(separator: "\n"), file: path).conformations
        guard !frames.isEmpty else { throw DataError(file: path, "no structures in the file") }
        return frames
    }

    /// Frame `frame` (0-based) of the file at `path`.
    /// - Throws: `DataError` when the frame is out of range.
    public static func read(path: String, frame: Int) throws -> Conformation {
        let frames = try read(path: path)
        guard frames.indices.contains(frame) else {
            throw DataError(file: path, item: "frame \(frame)", "out of range: the file has \(frames.count) frame(s), 0…\(frames.count - 1)")
        }
        return frames[frame]
    }
}

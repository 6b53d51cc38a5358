import ArgumentParser
import Chemistry
import Experiments
import Foundation
import Yams

/// `metamlip check MANIFEST…`: validates study and training manifests in a second, building
/// every configuration a run would build without reading data or training.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check experiment and training manifests without running them.",
        discussion: """
            A manifest with an `experiment:` key is a study (refit, lifelong or transferability); \
            any other is a `metamlip train` manifest. Every key and value is checked as the run would \
            check it; the first error names the file and the key, and the command exits 1.
            """)

    @Argument(help: "Manifests (YAML).")
    var manifests: [String]

    func run() throws {
        try MetaMLIP.reportingErrors {
            for path in manifests {
                if try Self.isStudy(path) {
                    let study = try StudyKind.of(manifestPath: path).makeStudy(manifestPath: path, runDirectory: nil)
                    try study.check()
                } else {
                    _ = try TrainManifest.load(path: path).trainerConfiguration(file: path)
                }
                print("\(path): ok")
            }
        }
    }

    /// Whether the YAML mapping at `path` has an `experiment:` key.
    static func isStudy(_ path: String) throws -> Bool {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(file: path, "cannot read file (\(error.localizedDescription))")
        }
        guard case .mapping(let mapping)? = try? Yams.compose(yaml: text) else { return false }
        return mapping["experiment"] != nil
    }
}

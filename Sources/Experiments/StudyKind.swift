// Which kind of study a manifest describes (its top-level `study:` key).

import Chemistry
import ClassicalPotentials
import Datasets
import Foundation
import Yams

/// The kinds of study `metamlip run` executes, named by a manifest's top-level `study:` key
/// (absent: `refit`, the pretrain-then-refit learning-curve study of `ExperimentManifest`).
public enum StudyKind: String, Codable, Sendable, CaseIterable {
    /// Pretrain variants, refit to a target over N × seeds (`ExperimentManifest`).
    case refit
    /// Continual training on a stream of tasks with rehearsal, CoRe freezing and a committee.
    case lifelong
    /// Training-set transferability between two architectures.
    case transferability

    /// The kind named in the manifest at `path`.
    ///
    /// - Throws: `DataError` naming the file for unreadable or malformed YAML, a document that
    ///   is not a mapping, or an unknown kind.
    public static func of(manifestPath path: String) throws -> StudyKind {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(file: path, "cannot read file (\(error.localizedDescription))")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw DataError(file: path, "malformed YAML (\(error))") }
        guard let node, case .mapping(let mapping) = node else {
            throw DataError(file: path, "an experiment manifest must be a YAML mapping")
        }
        guard let value = mapping["study"] else { return .refit }
        guard let name = value.string, let kind = StudyKind(rawValue: name) else {
            throw DataError(file: path, item: "study",
                            "unknown study kind '\(value.string ?? "\(value)")' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return kind
    }

    /// Checks a study's `experiment:` name, which names its run directory and report folder:
    /// non-empty letters, digits, `-`, `_`, `.`.
    public static func checkExperimentName(_ name: String, file: String) throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw DataError(file: file, item: "experiment", "name must be non-empty letters, digits, - _ . (it names the run directory)")
        }
    }
}

/// The suite builder of a study's recipe: `recipe` is absolute or relative to the manifest's
/// folder; sources may say `relabel: sw-si` (Stillinger–Weber relabellers); `location`, when
/// given, replaces the builder's default data root.
func studySuiteBuilder(recipe: String, manifestPath: String, location: DataLocation? = nil) throws
    -> (builder: SuiteBuilder, recipePath: String) {
    let path = recipe.hasPrefix("/") ? recipe
        : URL(fileURLWithPath: manifestPath).deletingLastPathComponent().appendingPathComponent(recipe).standardizedFileURL.path
    var builder = try SuiteBuilder(recipePath: path)
    builder.relabellers = StillingerWeber.relabellers
    if let location { builder.location = location }
    return (builder, path)
}

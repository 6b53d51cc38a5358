import Chemistry
import Descriptors
import Foundation
import Potentials

/// Model files from a trained NeuroChem ANI ensemble (``NeuroChemEnsemble``): one
/// ``ModelFile`` per member, in eV and Å, with the member's source in its provenance, so the
/// members work as one committee (`metamlip predict A.json --with B.json …`, the C library's
/// `metamlip_open_committee`) or alone, and refit like any MetaMLIP model.
public enum NeuroChemImport {
    /// Where the ANI-1x ensemble comes from, for provenance and documentation.
    public static let ani1xSource = """
        ANI-1x 8-network ensemble (Smith, Nebgen, Lubbers, Isayev & Roitberg, J. Chem. Phys. 148, 241733 (2018), \
        doi:10.1063/1.5023802; trained on ~5 M ωB97x/6-31G* conformations) as shipped in torchani 2.2.4 \
        (MIT licence; `pip download --no-deps torchani==2.2.4`), torchani/resources/ani-1x_8x
        """

    /// The model file of member `k` of `ensemble`; `source` says what the ensemble is.
    public static func modelFile(_ ensemble: NeuroChemEnsemble, member k: Int, source: String) -> ModelFile {
        let detail = "member \(k) of \(ensemble.count): \(ensemble.memberDirectories[k]) with \(ensemble.parametersFile) and "
            + "sae_linfit.dat; Hartree × \(ensemble.hartreeToEV) eV/Ha (TorchANI's HARTREE_TO_EV) folded into the self-energies "
            + "and the last layer"
        return ModelFile(potential: ensemble.potential(member: k), parameters: ensemble.memberParameters[k],
                         provenance: ModelFile.Provenance(source: "\(source); \(detail)"))
    }

    /// Reads the ANI-1x ensemble at `directory` (TorchANI's `resources/ani-1x_8x`) and writes
    /// `<prefix>-0.json` … `<prefix>-<M−1>.json` into `outputDirectory` (created if needed).
    ///
    /// - Throws: `DataError` for any malformed input (see ``NeuroChemEnsemble``), when the AEV
    ///   constants are not ANI-1x's (``AEVParameters/ani1x``), or when a file cannot be written.
    ///   Nothing is written unless every member was read.
    /// - Returns: the ensemble read and the paths written, in member order.
    public static func writeANI1x(directory: String, outputDirectory: String, prefix: String = "ani1x") throws
        -> (ensemble: NeuroChemEnsemble, paths: [String]) {
        let ensemble = try NeuroChemEnsemble(directory: directory)
        guard ensemble.aev == .ani1x else {
            throw DataError(file: ensemble.parametersFile, "the AEV constants are not ANI-1x's (AEVParameters.ani1x): \(ensemble.aev)")
        }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: outputDirectory, "cannot create the output directory (\(error.localizedDescription))")
        }
        var paths: [String] = []
        for k in 0..<ensemble.count {
            let path = (outputDirectory as NSString).appendingPathComponent("\(prefix)-\(k).json")
            try modelFile(ensemble, member: k, source: ani1xSource).save(to: path)
            paths.append(path)
        }
        return (ensemble, paths)
    }
}

import Autodiff
import Chemistry
import Descriptors
import Foundation

/// A trained NeuroChem ANI ensemble directory as ``ANIPotential``s, one per member: the
/// layout of TorchANI's `resources/ani-1x_8x` (ANI-1x: Smith, Nebgen, Lubbers, Isayev &
/// Roitberg, "Less is more: sampling chemical space with active learning", J. Chem. Phys.
/// 148, 241733 (2018), doi:10.1063/1.5023802):
///
///     <dir>/<name>.params                      AEV constants (``NeuroChemConstants/readAEV(path:)``)
///     <dir>/sae_linfit.dat                     self-energies, Hartree
///     <dir>/train0 … train<M−1>/networks/ANN-<symbol>.nnf (+ .wparam, .bparam) per species
///
/// Member k's energy is TorchANI's `BuiltinEnsemble[k]`'s, converted to eV:
/// E = c · (Σ_i e_sae[Z_i] + Σ_i NN^k_{Z_i}(AEV_i)) with c = `hartreeToEV`. The conversion is
/// folded into the model: self-energies are stored in eV (Double) and the last layer of every
/// network is multiplied by c (one Float rounding per value, a relative change of at most
/// 2⁻²⁴). The default c is TorchANI's `units.HARTREE_TO_EV` = 27.211386024367243 eV/Ha
/// (CODATA 2014, as ASE), not MetaMLIP's `Units.hartree` (CODATA 2018, 27.211386245988): the
/// two differ by 8.1 × 10⁻⁹ relative, 0.18 meV on a 3BPA molecule's total energy (−17 661 eV),
/// and the imported models reproduce TorchANI's numbers: on 3BPA to 4e-6 eV and 6e-6 eV/Å in
/// Float64 (TorchANI stores the AEV shifts as float32 tensors, which moves its energies by
/// ≈ 4e-6 eV from the decimal constants used here; the Float rounding above adds ≈ 2e-6 eV).
public struct NeuroChemEnsemble {
    /// TorchANI 2.2.4's `torchani.units.HARTREE_TO_EV` (eV per Hartree; ASE's `units.Hartree`).
    public static let torchaniHartreeToEV = 27.211386024367243

    /// The directory read.
    public let directory: String
    /// The `.params` file read.
    public let parametersFile: String
    /// The AEV hyperparameters of the `.params` file.
    public let aev: AEVParameters
    /// Self-energies of `sae_linfit.dat`, Hartree per atom.
    public let selfEnergiesHartree: [Int: Double]
    /// eV per Hartree used for the conversion.
    public let hartreeToEV: Double
    /// The members' network directories (`<dir>/train<k>/networks`).
    public let memberDirectories: [String]
    /// Per member, the element networks' parameters (eV), named `"<symbol>/W0"`, … as
    /// ``ElementNetworks`` names them.
    public let memberParameters: [ParameterSet<Float>]
    /// Per member, the widths of each element's network (keyed by atomic number).
    public let memberWidths: [[Int: [Int]]]

    /// Reads every file of `directory`; members are `train0`, `train1`, … up to the first
    /// missing index.
    /// - Throws: `DataError` naming the file and item for a missing directory or file, no or
    ///   several `.params` files, no `train0`, and every malformed input the readers find.
    public init(directory: String, hartreeToEV: Double = NeuroChemEnsemble.torchaniHartreeToEV) throws {
        guard isDirectory(directory) else { throw DataError(file: directory, "not a directory (expected a NeuroChem ensemble such as torchani/resources/ani-1x_8x)") }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted() } catch {
            throw DataError(file: directory, "cannot list the directory (\(error.localizedDescription))")
        }
        let params = entries.filter { $0.hasSuffix(".params") }
        guard params.count == 1 else {
            throw DataError(file: directory, item: "*.params", params.isEmpty ? "no AEV constants file" : "several AEV constants files: \(params)")
        }
        let join = { (a: String, b: String) in (a as NSString).appendingPathComponent(b) }
        parametersFile = join(directory, params[0])
        let (aev, symbols) = try NeuroChemConstants.readAEV(path: parametersFile)
        self.directory = directory
        self.aev = aev
        self.hartreeToEV = hartreeToEV
        selfEnergiesHartree = try NeuroChemConstants.readSelfEnergies(path: join(directory, "sae_linfit.dat"), species: symbols)

        var k = 0, folders: [String] = []
        while isDirectory(join(directory, "train\(k)")) { folders.append(join(join(directory, "train\(k)"), "networks")); k += 1 }
        guard !folders.isEmpty else { throw DataError(file: directory, item: "train0", "no ensemble member (train0/networks)") }
        var parameters: [ParameterSet<Float>] = [], widths: [[Int: [Int]]] = []
        for folder in folders {
            guard isDirectory(folder) else { throw DataError(file: folder, "not a directory") }
            var entries: [(String, Tensor<Float>)] = [], byElement: [Int: [Int]] = [:]
            for (symbol, z) in zip(symbols, aev.species).sorted(by: { $0.1 < $1.1 }) {
                let net = try NeuroChemNetwork(path: join(folder, "ANN-\(symbol).nnf"), symbol: symbol, inputSize: aev.featureCount)
                let p = net.parameters(outputScale: hartreeToEV)
                entries += zip(p.names, p.tensors).map { ("\(symbol)/\($0)", $1) }
                byElement[z] = net.widths
            }
            parameters.append(ParameterSet(entries))
            widths.append(byElement)
        }
        memberDirectories = folders
        memberParameters = parameters
        memberWidths = widths
    }

    /// Number of members.
    public var count: Int { memberParameters.count }

    /// Self-energies in eV (`sae_linfit.dat` × ``hartreeToEV``), a least-squares fit
    /// (NeuroChem's linear fit of the training energies on element counts).
    public var selfEnergies: SelfEnergies {
        SelfEnergies(energies: selfEnergiesHartree.mapValues { $0 * hartreeToEV }, origin: .leastSquares)
    }

    /// Member `k` as a potential (energies eV, forces eV/Å); its parameters are
    /// `memberParameters[k]`.
    public func potential(member k: Int) -> ANIPotential {
        ANIPotential(aev: AEVComputer(aev), networks: ElementNetworks(widths: memberWidths[k], alpha: NeuroChemNetwork.celuAlpha),
                     selfEnergies: selfEnergies)
    }
}

private func isDirectory(_ path: String) -> Bool {
    var flag: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
}

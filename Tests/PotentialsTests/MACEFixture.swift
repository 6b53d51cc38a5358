import Foundation
import Potentials

/// `Fixtures/mace_parity.json`, written by `scripts/mace_parity.py` from mace-torch and e3nn.
struct MACEFixture: Decodable {
    struct Frame: Decodable {
        let source: String
        let index: Int
        let atomicNumbers: [Int]
        let positions: [[Double]]
        /// Lattice vectors (rows, Å) of a periodic frame.
        let cell: [[Double]]?
        enum CodingKeys: String, CodingKey { case source, index, atomicNumbers = "atomic_numbers", positions, cell }
    }
    struct Parameter: Decodable { let name: String; let shape: [Int]; let values: [Double] }
    struct Model: Decodable {
        let name: String
        let architecture: ModelArchitecture
        let tensorProductPaths: [[String]]
        let parameters: [Parameter]
        let energies: [Double]
        let forces: [[[Double]]]
        enum CodingKeys: String, CodingKey {
            case name, architecture, parameters, energies, forces
            case tensorProductPaths = "tensor_product_paths"
        }
    }
    struct Wigner: Decodable { let l: [Int]; let values: [Double] }
    struct Coupling: Decodable {
        let output: String
        let correlation: Int
        let paths: Int
        let squares: [Double]
        let probes: [Double]
    }
    struct MathReference: Decodable {
        let vectors: [[Double]]
        let harmonics: [[Double]]
        let wigner3j: [Wigner]
        let coupling: [Coupling]
    }
    let siluNormalisation: Double
    let selfEnergies: [String: Double]
    let frames: [Frame]
    let models: [Model]
    let math: MathReference
    enum CodingKeys: String, CodingKey {
        case frames, models, math
        case siluNormalisation = "silu_normalisation", selfEnergies = "self_energies"
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mace_parity.json")

    static func load() throws -> MACEFixture {
        try JSONDecoder().decode(MACEFixture.self, from: Data(contentsOf: url))
    }
}

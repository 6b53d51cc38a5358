import Foundation
import Testing
import _TestSupport
@testable import Experiments

/// A DeePMD system directory as a run's data is fingerprinted by every file in it: a changed
/// array changes the hash, the same content in another directory does not.
@Suite struct DirectoryFingerprintTests {
    @Test func directoryHashFollowsEveryFile() throws {
        let dir = try SharedData.temporaryDirectory("fingerprint")
        defer { try? FileManager.default.removeItem(at: dir) }
        func system(_ name: String, energy: String) throws -> String {
            let root = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: root.appendingPathComponent("set.000"), withIntermediateDirectories: true)
            try "0\n1\n".write(to: root.appendingPathComponent("type.raw"), atomically: true, encoding: .utf8)
            try energy.write(to: root.appendingPathComponent("set.000/energy.npy"), atomically: true, encoding: .utf8)
            return root.path
        }
        let a = try RunFingerprint.contentHash(path: system("a", energy: "E1"))
        let b = try RunFingerprint.contentHash(path: system("b", energy: "E1"))
        let c = try RunFingerprint.contentHash(path: system("c", energy: "E2"))
        #expect(a == b && a != c)
        #expect(a.contains("set.000/energy.npy=size:2") && a.contains("type.raw=size:4"), "\(a)")
    }
}

import Foundation
import Testing
import _TestSupport
@testable import Chemistry

/// A path that is not a readable, non-empty file: every text reader names it, never traps.
@Suite struct InputFileCatalogueTests {
    enum Reader: String, CaseIterable, Sendable { case extxyz, npz, mlearnJSON, labelKeys }
    enum Kind: String, CaseIterable, Sendable { case directory, empty, missing }

    static func read(_ reader: Reader, _ path: String) throws {
        switch reader {
        case .extxyz: _ = try ExtendedXYZReader().read(path: path)
        case .npz: _ = try PaddedNPZReader().read(path: path)
        case .mlearnJSON: _ = try MLearnJSONReader().read(path: path)
        case .labelKeys: _ = try ExtendedXYZLabelKeys.guess(path: path)
        }
    }

    @Test(arguments: Reader.allCases, Kind.allCases)
    func isRefusedWithTheFileNamed(_ reader: Reader, _ kind: Kind) throws {
        let dir = try SharedData.temporaryDirectory("input-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("data.\(reader == .npz ? "npz" : "xyz")").path
        let reason: String
        switch kind {
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            reason = "is a directory, expected a file"
        case .empty:
            FileManager.default.createFile(atPath: path, contents: Data())
            reason = "file is empty (0 bytes)"
        case .missing:
            reason = "file does not exist"
        }
        expectDataError(file: path, item: "", reason: reason) { try Self.read(reader, path) }
    }
}

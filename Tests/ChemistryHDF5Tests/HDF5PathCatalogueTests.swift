import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

/// A directory or an empty file where an HDF5 file is expected: a clear error, never a trap.
@Suite struct HDF5PathCatalogueTests {
    enum Reader: String, CaseIterable, Sendable { case ani1x, pyanitools, ani2x, spice, suite, layout, any }

    @Test(arguments: Reader.allCases, [true, false])
    func isRefused(_ reader: Reader, _ directory: Bool) throws {
        let path = try temporaryPath("data.h5")
        if directory { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        else { FileManager.default.createFile(atPath: path, contents: Data()) }
        expectDataError(file: path, item: "", reason: directory ? "is a directory, expected a file" : "file is empty (0 bytes)") {
            switch reader {
            case .ani1x: _ = try ANI1xReader.read(path)
            case .pyanitools: _ = try PyANIToolsReader.read(path)
            case .ani2x: _ = try ANI2xReader.read(path)
            case .spice: _ = try SPICEReader.read(path)
            case .suite: _ = try SuiteFile(path: path)
            case .layout: _ = try HDF5Layout.detect(file: path)
            case .any: _ = try HDF5TaskReader.read(path)
            }
        }
    }
}

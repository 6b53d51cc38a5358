import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

/// Paths of the real datasets (../shared/datasets/ani-hdf5, see its README.md).
enum RealFiles {
    static let ani1x = SharedData.path("ani-hdf5/ani1_n5.hdf5")
    static let s66x8 = SharedData.path("ani-hdf5/s66x8_wb97x6-31gd.h5")
    static let ani2x = SharedData.path("ani-hdf5/ani2x_minimal.hdf5")
    static let spice = SharedData.path("ani-hdf5/SPICE-1.1.4_n2.hdf5")
    static var available: Bool { SharedData.isAvailable }
}

/// Runs `body` and checks that it throws a `DataError` for `file` whose description
/// names `item` (and contains `reason` when given). Returns the error.
@discardableResult
func expectDataError(file: String, item: String, reason: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> DataError? {
    do {
        try body()
        Issue.record("expected a DataError naming \(item)", sourceLocation: sourceLocation)
    } catch let error as DataError {
        #expect(error.file == file, "file in \(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(file), "\(error)", sourceLocation: sourceLocation)
        #expect(item.isEmpty || error.description.contains(item), "\(error) should name \(item)", sourceLocation: sourceLocation)
        if let reason {
            #expect(error.description.contains(reason), "\(error) should say \(reason)", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A fresh temporary file path "<tmp dir>/<name>".
func temporaryPath(_ name: String) throws -> String {
    try SharedData.temporaryDirectory("metamlip-hdf5").appendingPathComponent(name).path
}

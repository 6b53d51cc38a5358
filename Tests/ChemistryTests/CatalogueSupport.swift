import Foundation
import Testing
@testable import Chemistry

/// One malformed input and what the `DataError` must say about it.
struct BadInput: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    /// Text the error's item must contain (the frame, atom or key).
    var item: String
    /// Text the error's reason must contain.
    var reason: String
    var testDescription: String { name }
}

/// Runs `body`, which must throw a `DataError` whose file is `file`, whose item contains
/// `item` (when not empty) and whose reason contains `reason`.
func expectDataError(file: String, item: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a DataError (\(reason))", sourceLocation: sourceLocation)
    } catch let error as DataError {
        #expect(error.file == file, "\(error)", sourceLocation: sourceLocation)
        #expect(item.isEmpty || error.item?.contains(item) == true, "\(error) should name \(item)", sourceLocation: sourceLocation)
        #expect(error.reason.contains(reason), "\(error) should say \(reason)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
}

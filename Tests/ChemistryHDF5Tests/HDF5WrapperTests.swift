import Chemistry
import ChemistryHDF5
import Foundation
import Testing
import _TestSupport

@Suite struct HDF5WrapperTests {
    @Test func writeAndReadBackDatasetsAndAttributes() throws {
        let path = try temporaryPath("wrapper.h5")
        do {
            let file = try HDF5File.create(path)
            let root = try file.root()
            try root.writeAttribute("title", "Å test")
            try root.writeAttribute("version", 3)
            try root.writeAttribute("scale", 0.5)
            try root.writeAttribute("list", [1, 2, 3])
            let group = try root.createGroup("zeta")
            try root.createGroup("alpha")
            try group.createDataset("ints", values: (0..<600).map { Int32($0) }, shape: [200, 3],
                                    storage: HDF5Storage(chunk: [50, 3], gzipLevel: 6))
            try group.createDataset("bytes", values: [UInt8(1), 2, 250], shape: [3])
            try group.createStringDataset("vlen", strings: ["{\"a\":\"b\"}", "", "ω"])
            try group.createStringDataset("fixed", strings: ["C", "Cl", "H"], fixedLength: true)
        }
        let file = try HDF5File.open(path)
        let root = try file.root()
        #expect(try root.readStringAttribute("title") == "Å test")
        #expect(try root.readScalarAttribute("version", as: Int.self) == 3)
        #expect(try root.readScalarAttribute("scale", as: Double.self) == 0.5)
        #expect(try root.readAttribute("list", as: Int.self) == [1, 2, 3])
        #expect(try root.attributeNames().sorted() == ["list", "scale", "title", "version"])
        #expect(try root.memberNames() == ["alpha", "zeta"])
        #expect(try root.subgroupNames() == ["alpha", "zeta"])
        let group = try root.group("zeta")
        #expect(try group.datasetNames() == ["bytes", "fixed", "ints", "vlen"])
        let ints = try group.dataset("ints")
        #expect(ints.shape == [200, 3])
        #expect(ints.typeClass == .integer)
        #expect(try ints.readDoubles() == (0..<600).map(Double.init))
        #expect(try ints.readFloats()[599] == 599)
        #expect(try group.dataset("bytes").readInts() == [1, 2, 250])
        #expect(try group.dataset("vlen").readStrings() == ["{\"a\":\"b\"}", "", "ω"])
        let fixed = try group.dataset("fixed")
        #expect(!fixed.isVariableLengthString && fixed.elementSize == 2)
        #expect(try fixed.readStrings() == ["C", "Cl", "H"])
        expectDataError(file: path, item: "/zeta/vlen", reason: "expected numbers") { _ = try group.dataset("vlen").readDoubles() }
        expectDataError(file: path, item: "/zeta/nothing", reason: "missing") { _ = try group.dataset("nothing") }
        expectDataError(file: path, item: "/zeta@nope", reason: "missing") { _ = try group.readStringAttribute("nope") }
        let other = try temporaryPath("x.h5")
        expectDataError(file: other, item: "/zeta/x", reason: "do not fill shape") {
            _ = try HDF5File.create(other).root().createGroup("zeta").createDataset("x", values: [1.0, 2.0], shape: [3])
        }
    }

    @Test func creationOrderIsKeptWhenTracked() throws {
        let path = try temporaryPath("order.h5")
        do {
            let tasks = try HDF5File.create(path).root().createGroup("tasks", trackingOrder: true)
            for name in ["b", "c", "a"] { try tasks.createGroup(name) }
        }
        #expect(try HDF5File.open(path).group("/tasks").memberNames() == ["b", "c", "a"])
    }

    @Test(.enabled(if: RealFiles.available)) func readsRealFixedLengthByteStrings() throws {
        let group = try HDF5File.open(RealFiles.s66x8).group("/s66x8/mol00")
        #expect(try group.dataset("species").readStrings() == ["O", "H", "H", "O", "H", "H"])
        #expect(try group.dataset("lot").readStrings() == ["wb97x/6-31g*"])
        // gzip-compressed float32 read as Double by HDF5's conversion.
        let coordinates = try group.dataset("coordinates")
        #expect(coordinates.shape == [8, 6, 3] && coordinates.typeClass == .float)
        #expect(try coordinates.readDoubles()[0] == Double(Float(-1.45002794)))
    }

    @Test func nonHDF5FileIsAClearError() throws {
        let path = try temporaryPath("notes.h5")
        try "just text, not HDF5\n".write(toFile: path, atomically: true, encoding: .utf8)
        expectDataError(file: path, item: "", reason: "not an HDF5 file or truncated") { _ = try HDF5File.open(path) }
        expectDataError(file: path, item: "", reason: "not an HDF5 file or truncated") { _ = try HDF5Layout.detect(file: path) }
        expectDataError(file: path, item: "", reason: "not an HDF5 file or truncated") { _ = try SuiteFile(path: path) }
        let missing = path + ".missing"
        expectDataError(file: missing, item: "", reason: "does not exist") { _ = try ANI1xReader.read(missing) }
    }

    @Test(.enabled(if: RealFiles.available), arguments: [RealFiles.ani1x, RealFiles.s66x8, RealFiles.spice])
    func truncatedCopyIsAClearError(original: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: original))
        let path = try temporaryPath("truncated-" + URL(fileURLWithPath: original).lastPathComponent)
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        expectDataError(file: path, item: "", reason: "not an HDF5 file or truncated") { _ = try HDF5File.open(path) }
        expectDataError(file: path, item: "", reason: "not an HDF5 file or truncated") { _ = try HDF5TaskReader.read(path) }
    }
}

import Chemistry
import Foundation
import MetaMLIPC
import Simulation
import Testing
import Training
import _TestSupport

/// The C entry points of libmetamlip-c (`include/metamlip.h`), called as C would call them.
@Suite struct CAPITests {
    /// Energies and forces on real 3BPA frames equal `PotentialCalculator`'s to rounding
    /// (the same Float64 evaluation), with the cell of the file and without one.
    @Test func matchesPotentialCalculatorOn3BPA() throws {
        let dir = try SharedData.temporaryDirectory("capi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Fixtures.writeModel(seed: 1, to: dir)
        let model = try CModel([path])
        let calculator = try Fixtures.calculator(path)
        var maxEnergy = 0.0, maxForce = 0.0
        for frame in try Fixtures.threeBPA(5) {
            for cell in [frame.cell, nil] {
                let c = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: frame.positions, cell: cell)
                let swift = try calculator.calculate(atomicNumbers: frame.atomicNumbers, positions: frame.positions, cell: cell)
                maxEnergy = max(maxEnergy, abs(c.energy - swift.energy))
                for (a, b) in zip(c.forces, swift.forces) { maxForce = max(maxForce, maxAbs(a - b)) }
                #expect(c.energyStd == 0 && c.forcesStd.allSatisfy { $0 == .zero })
            }
        }
        #expect(maxEnergy <= 1e-9 && maxForce <= 1e-9, "max |ΔE| \(maxEnergy) eV, max |ΔF| \(maxForce) eV/Å")
        #expect(metamlip_member_count(model.pointer) == 1)
        #expect(metamlip_element_count(model.pointer) == 4)
        var elements = [Int32](repeating: 0, count: 4)
        #expect(metamlip_elements(model.pointer, &elements, 4) == 0 && elements == [1, 6, 7, 8])
        #expect(metamlip_elements(model.pointer, &elements, 3) == MetaMLIPStatus.argument.rawValue)
        #expect(String(cString: metamlip_last_error()).contains("capacity 3 is less than the 4 elements"))
        #expect(String(cString: metamlip_version()) == MetaMLIPRelease.version)
    }

    /// Forces are −∂E/∂R: central differences of the C API's energy along several coordinates.
    @Test func forcesAreMinusTheEnergyGradient() throws {
        let dir = try SharedData.temporaryDirectory("capi-fd")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try CModel([try Fixtures.writeModel(seed: 2, to: dir)])
        let frame = try Fixtures.threeBPA(1)[0]
        let forces = try model.evaluate(frame).forces
        let h = 1e-4  // Å; the central difference's error is O(h²) ≈ 1e-8 eV/Å here
        for (atom, axis) in [(0, 0), (5, 1), (13, 2), (26, 0)] {
            var plus = frame.positions, minus = frame.positions
            plus[atom][axis] += h
            minus[atom][axis] -= h
            let ep = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: plus).energy
            let em = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: minus).energy
            let numeric = -(ep - em) / (2 * h)
            #expect(abs(numeric - forces[atom][axis]) < 1e-6 + 1e-5 * abs(numeric),
                    "atom \(atom) axis \(axis): −dE/dR \(numeric) vs force \(forces[atom][axis]) eV/Å")
        }
    }

    /// A committee of one model twice has zero spread; of two different models a positive
    /// one, equal to the sample standard deviation of its members' predictions.
    @Test func committeeSpread() throws {
        let dir = try SharedData.temporaryDirectory("capi-committee")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Fixtures.writeModel(seed: 1, to: dir), b = try Fixtures.writeModel(seed: 2, to: dir)
        let frame = try Fixtures.threeBPA(1)[0]
        let twice = try CModel([a, a]).evaluate(frame)
        let single = try CModel([a]).evaluate(frame)
        #expect(twice.energyStd == 0 && twice.forcesStd.allSatisfy { $0 == .zero })
        #expect(twice.energy == single.energy && twice.forces == single.forces)

        let pair = try CModel([a, b])
        #expect(metamlip_member_count(pair.pointer) == 2)
        let p = try pair.evaluate(frame)
        let (ea, eb) = (single, try CModel([b]).evaluate(frame))
        #expect(abs(p.energy - (ea.energy + eb.energy) / 2) < 1e-9)
        // Sample std of two values: |x − y| / √2.
        #expect(p.energyStd > 0 && abs(p.energyStd - abs(ea.energy - eb.energy) / 2.0.squareRoot()) < 1e-9, "\(p.energyStd)")
        let expected = zip(ea.forces, eb.forces).map { ($0 - $1).magnitudes / 2.0.squareRoot() }
        #expect(zip(p.forcesStd, expected).allSatisfy { maxAbs($0 - $1) < 1e-9 })
        #expect(p.forcesStd.contains { $0.max() > 0 })
    }

    /// Bad input gives a status code and a message naming what is wrong, never a trap.
    @Test func errorsAreCodesWithMessages() throws {
        let dir = try SharedData.temporaryDirectory("capi-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Fixtures.writeModel(seed: 1, to: dir)
        func opening(_ paths: [String]) -> CStatus? {
            do { _ = try CModel(paths); return nil } catch let error as CStatus { return error } catch { return nil }
        }
        let missing = opening([dir.appendingPathComponent("nope.json").path])
        #expect(missing?.code == MetaMLIPStatus.file.rawValue && missing?.message.contains("nope.json: file does not exist") == true, "\(String(describing: missing))")
        let malformed = dir.appendingPathComponent("bad.json")
        try "{\"format\": \"metamlip-model\", \"version\": 1}".write(to: malformed, atomically: true, encoding: .utf8)
        let bad = opening([malformed.path])
        #expect(bad?.code == MetaMLIPStatus.model.rawValue && bad?.message.contains("bad.json") == true, "\(String(describing: bad))")
        let inCommittee = opening([path, malformed.path])
        #expect(inCommittee?.code == MetaMLIPStatus.model.rawValue && inCommittee?.message.contains("bad.json") == true)

        var handle: OpaquePointer?
        #expect(metamlip_open(nil, &handle) == MetaMLIPStatus.nullPointer.rawValue && handle == nil)
        #expect(String(cString: metamlip_last_error()).contains("model path is NULL"))
        #expect(metamlip_open(path, nil) == MetaMLIPStatus.nullPointer.rawValue)
        #expect(metamlip_open_committee(nil, 0, &handle) == MetaMLIPStatus.argument.rawValue)
        #expect(metamlip_member_count(nil) == -1 && metamlip_element_count(nil) == -1)
        metamlip_free(nil)

        let model = try CModel([path])
        #expect(String(cString: metamlip_last_error()) == "")  // a success clears the message
        let frame = try Fixtures.threeBPA(1)[0]
        func failure(_ body: () throws -> Void) -> CStatus? {
            do { try body(); return nil } catch let error as CStatus { return error } catch { return nil }
        }
        var chlorine = frame.atomicNumbers
        chlorine[4] = 17
        let element = failure { _ = try model.evaluate(atomicNumbers: chlorine, positions: frame.positions) }
        #expect(element?.code == MetaMLIPStatus.element.rawValue && element?.message.contains("atom 4: element Cl (Z=17)") == true, "\(String(describing: element))")
        chlorine[4] = 0
        let zero = failure { _ = try model.evaluate(atomicNumbers: chlorine, positions: frame.positions) }
        #expect(zero?.code == MetaMLIPStatus.element.rawValue && zero?.message.contains("atomic number 0 is not an element") == true)
        var positions = frame.positions
        positions[7].y = .nan
        let nan = failure { _ = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: positions) }
        #expect(nan?.code == MetaMLIPStatus.geometry.rawValue && nan?.message.contains("atom 7 is not finite") == true, "\(String(describing: nan))")
        positions[7].y = .infinity
        #expect(failure { _ = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: positions) }?.code == MetaMLIPStatus.geometry.rawValue)
        let box = Cell(vectors: [SIMD3(10, 0, 0), SIMD3(0, .nan, 0), SIMD3(0, 0, 10)])
        let cell = failure { _ = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: frame.positions, cell: box) }
        #expect(cell?.code == MetaMLIPStatus.geometry.rawValue && cell?.message.contains("lattice vector b") == true)
        let flat = Cell(vectors: [SIMD3(10, 0, 0), SIMD3(20, 0, 0), SIMD3(0, 0, 10)])
        let degenerate = failure { _ = try model.evaluate(atomicNumbers: frame.atomicNumbers, positions: frame.positions, cell: flat) }
        #expect(degenerate?.code == MetaMLIPStatus.evaluation.rawValue, "\(String(describing: degenerate))")
        let flags = failure { _ = try model.evaluate(frame, pbc: [1, 2, 0]) }
        #expect(flags?.code == MetaMLIPStatus.argument.rawValue && flags?.message.contains("pbc[1] is 2") == true)

        var energy = 0.0
        let z = frame.atomicNumbers.map(Int32.init), r = frame.positions.flatMap { [$0.x, $0.y, $0.z] }
        #expect(metamlip_evaluate(model.pointer, 0, z, r, nil, nil, &energy, nil, nil, nil) == MetaMLIPStatus.argument.rawValue)
        #expect(String(cString: metamlip_last_error()).contains("n is 0"))
        #expect(metamlip_evaluate(model.pointer, -3, z, r, nil, nil, &energy, nil, nil, nil) == MetaMLIPStatus.argument.rawValue)
        #expect(metamlip_evaluate(nil, 27, z, r, nil, nil, &energy, nil, nil, nil) == MetaMLIPStatus.nullPointer.rawValue)
        #expect(metamlip_evaluate(model.pointer, 27, nil, r, nil, nil, &energy, nil, nil, nil) == MetaMLIPStatus.nullPointer.rawValue)
        #expect(String(cString: metamlip_last_error()).contains("atomic_numbers is NULL"))
        #expect(metamlip_evaluate(model.pointer, 27, z, nil, nil, nil, &energy, nil, nil, nil) == MetaMLIPStatus.nullPointer.rawValue)
        #expect(metamlip_evaluate(model.pointer, 27, z, r, nil, nil, nil, nil, nil, nil) == MetaMLIPStatus.nullPointer.rawValue)
        // Energy only (forces and spreads NULL) is allowed.
        #expect(metamlip_evaluate(model.pointer, 27, z, r, nil, nil, &energy, nil, nil, nil) == 0 && energy.isFinite)
    }

    /// One handle shared by several threads gives what it gives serially, and error
    /// messages stay with the thread that caused them.
    @Test func oneHandleFromSeveralThreads() throws {
        let dir = try SharedData.temporaryDirectory("capi-threads")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try CModel([try Fixtures.writeModel(seed: 1, to: dir), try Fixtures.writeModel(seed: 3, to: dir)])
        let frames = try Fixtures.threeBPA(4)
        let serial = try frames.map { try model.evaluate($0) }
        let results = Results(count: 2 * frames.count)
        DispatchQueue.concurrentPerform(iterations: 2 * frames.count) { k in
            if k % 2 == 1 {
                var bad = frames[k / 2].atomicNumbers
                bad[0] = 16
                _ = try? model.evaluate(atomicNumbers: bad, positions: frames[k / 2].positions)
                results.set(k, message: String(cString: metamlip_last_error()))
            } else {
                results.set(k, prediction: try? model.evaluate(frames[k / 2]))
                results.set(k, message: String(cString: metamlip_last_error()))
            }
        }
        for k in 0..<(2 * frames.count) {
            if k % 2 == 1 {
                #expect(results.messages[k].contains("element S (Z=16)"), "\(results.messages[k])")
            } else {
                #expect(results.predictions[k] == serial[k / 2] && results.messages[k] == "")
            }
        }
    }
}

/// Results written by several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var predictions: [CommitteeEvaluation?]
    private(set) var messages: [String]
    init(count: Int) {
        predictions = Array(repeating: nil, count: count)
        messages = Array(repeating: "", count: count)
    }
    func set(_ k: Int, prediction: CommitteeEvaluation?) { lock.withLock { predictions[k] = prediction } }
    func set(_ k: Int, message: String) { lock.withLock { messages[k] = message } }
}

import Foundation
import Testing
import Chemistry
import Training
@testable import Experiments
import _TestSupport

@Suite struct LifelongRehearsalBufferTests {
    @Test func balancedRuleGivesEqualQuotasAndKeepsNestedSeededSamples() {
        var buffer = RehearsalBuffer(capacity: 10, rule: .balanced, seed: 3)
        buffer.add(taskOfSize: 8)
        #expect(buffer.indices(ofTask: 0).count == 8)          // below capacity: everything
        let firstTask = buffer.indices(ofTask: 0)
        buffer.add(taskOfSize: 8)
        #expect(buffer.indices(ofTask: 0).count == 5 && buffer.indices(ofTask: 1).count == 5)
        let afterTwo = buffer.indices(ofTask: 0)
        #expect(Array(firstTask.prefix(5)) == afterTwo)        // a prefix of the same seeded order
        buffer.add(taskOfSize: 8)
        // 10 = 4 + 3 + 3: the earliest task gets the remainder.
        #expect([0, 1, 2].map { buffer.indices(ofTask: $0).count } == [4, 3, 3])
        #expect(Set(buffer.indices(ofTask: 0)).isSubset(of: Set(afterTwo)))
        #expect(buffer.entries.count == 10)
        #expect(buffer.indices(ofTask: 1).allSatisfy { (0..<8).contains($0) })

        // Deterministic, and the seed matters.
        var again = RehearsalBuffer(capacity: 10, rule: .balanced, seed: 3)
        var other = RehearsalBuffer(capacity: 10, rule: .balanced, seed: 4)
        for _ in 0..<3 { again.add(taskOfSize: 8); other.add(taskOfSize: 8) }
        #expect(again == buffer)
        #expect(other.entries.map(\.index) != buffer.entries.map(\.index))
        // The order within a task is not just 0, 1, 2, …
        #expect(firstTask != Array(0..<8))
    }

    @Test func smallTasksKeepEverythingAndTheQuotaIsNotRedistributed() {
        var buffer = RehearsalBuffer(capacity: 9, rule: .balanced)
        buffer.add(taskOfSize: 2)
        buffer.add(taskOfSize: 20)
        buffer.add(taskOfSize: 20)
        #expect([0, 1, 2].map { buffer.indices(ofTask: $0).count } == [2, 3, 3])
    }

    @Test func uncertaintyRuleKeepsTheLargestSpreads() {
        var buffer = RehearsalBuffer(capacity: 4, rule: .uncertainty)
        buffer.add(taskOfSize: 5, spreads: [0.1, 0.5, 0.3, 0.9, 0.2])
        #expect(buffer.indices(ofTask: 0) == [3, 1, 2, 4])
        buffer.add(taskOfSize: 3, spreads: [0.0, 0.7, .nan])
        #expect(buffer.indices(ofTask: 0) == [3, 1])
        #expect(buffer.indices(ofTask: 1) == [1, 0])           // NaN spreads rank last
    }

    @Test func roundTripsThroughJSON() throws {
        var buffer = RehearsalBuffer(capacity: 5, rule: .balanced, seed: 1)
        buffer.add(taskOfSize: 4); buffer.add(taskOfSize: 6)
        let data = try JSONEncoder().encode(buffer)
        #expect(try JSONDecoder().decode(RehearsalBuffer.self, from: data) == buffer)
    }
}

/// Manifests for the tests: the real recipe, two Meuwly MP2 tasks, tiny sizes.
enum LifelongFixture {
    static let recipe = SharedData.packageRoot.appendingPathComponent("datasets/chno-pretraining.yaml").path

    static func manifest(_ body: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("lifelong.yaml").path
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func tiny(rule: String = "balanced") -> String {
        """
        study: lifelong
        experiment: lifelong-tiny
        data_root: \(SharedData.root.path)
        recipe: \(recipe)
        stream: [meuwly/ch2o@MP2, meuwly/hono@MP2]
        split: {train: 6, validation: 2, test: 4, seed: 0}
        model: {kind: eeacsf, widths: [8]}
        loss: {energy_weight: 1, force_weight: 1}
        committee: {size: 2, seeds: [0, 1]}
        epochs_per_task: 2
        batch_size: 4
        rehearsal: {capacity: 4, rule: \(rule), seed: 0}
        thresholds: {energy: 3, force: 6}
        strategies:
          - {name: lifelong, kind: sequential, rehearsal: true,
             optimizer: {kind: core, learning_rate: 0.001, score_history: 2, frozen_fraction: 0.1}}
          - {name: naive, kind: sequential, rehearsal: false, optimizer: {kind: adam, learning_rate: 0.001}}
          - {name: joint, kind: joint, optimizer: {kind: core, learning_rate: 0.001}}

        """
    }
}

@Suite struct LifelongManifestTests {
    func error(_ text: String) throws -> (DataError, String)? {
        let dir = try SharedData.temporaryDirectory("lifelong-manifest")
        let path = try LifelongFixture.manifest(text, in: dir)
        do {
            _ = try LifelongManifest.load(path: path)
            return nil
        } catch let e as DataError {
            return (e, path)
        }
    }

    @Test func theTinyManifestLoads() throws {
        let dir = try SharedData.temporaryDirectory("lifelong-manifest")
        let m = try LifelongManifest.load(path: LifelongFixture.manifest(LifelongFixture.tiny(), in: dir))
        #expect(m.stream.count == 2 && m.committee.memberSeeds == [0, 1] && m.strategies.count == 3)
        #expect(m.strategies[0].optimizer.choice == .core(learningRate: 0.001, weightDecay: 0.1, scoreHistory: 2, frozenFraction: 0.1))
    }

    @Test(arguments: [
        ("stream: [meuwly/ch2o@MP2, meuwly/hono@MP2]", "stream: [meuwly/ch2o@MP2, meuwly/ch2o@MP2]", "stream[1]"),
        ("rehearsal: {capacity: 4, rule: balanced, seed: 0}", "rehearsal: {capacity: 0, rule: balanced}", "rehearsal.capacity"),
        ("rehearsal: {capacity: 4, rule: balanced, seed: 0}", "rehearsal: {capacity: 4, rule: newest}", "rehearsal.rule"),
        ("committee: {size: 2, seeds: [0, 1]}", "committee: {size: 1}", "committee.size"),
        ("committee: {size: 2, seeds: [0, 1]}", "committee: {size: 3, seeds: [0, 1]}", "committee.seeds"),
        ("epochs_per_task: 2", "epochs_per_tsk: 2", "epochs_per_task"),
        ("batch_size: 4", "batch_size: 4\nwarmup: 3", "warmup"),
        ("study: lifelong", "study: refit", "study"),
        ("thresholds: {energy: 3, force: 6}", "thresholds: {energy: -1, force: 6}", "thresholds.energy"),
        ("learning_rate: 0.001}}\n  - {name: joint", "learning_rate: 0.001, score_history: 5}}\n  - {name: joint", "strategies[1].optimizer.score_history"),
        ("score_history: 2, frozen_fraction: 0.1", "frozen_fraction: 0.1", "strategies[0].optimizer.score_history"),
        ("seed: 0}\nmodel", "seed: 0, max_force: 0}\nmodel", "split.max_force"),
    ] as [(String, String, String)])
    func errorsNameTheFileAndTheKey(original: String, replacement: String, key: String) throws {
        let text = LifelongFixture.tiny()
        #expect(text.contains(original))
        let result = try error(text.replacingOccurrences(of: original, with: replacement))
        let (e, path) = try #require(result, "accepted: \(replacement)")
        #expect(e.file == path)
        // The key is the item, or (an unknown or misspelt key at the top level) named in the reason.
        #expect((e.item ?? "").contains(key) || (e.item == nil && e.reason.contains(key)), "\(e)")
    }

    @Test func unknownStreamTasksAreNamedWhenTheRunStarts() throws {
        let dir = try SharedData.temporaryDirectory("lifelong-manifest")
        let text = LifelongFixture.tiny().replacingOccurrences(of: "meuwly/hono@MP2]", with: "meuwly/hono@MP3]")
        let runner = try LifelongRunner(manifestPath: LifelongFixture.manifest(text, in: dir),
                                        runDirectory: dir.appendingPathComponent("run").path)
        runner.log = { _ in }
        do {
            try runner.run()
            Issue.record("an unknown stream task was accepted")
        } catch let e as DataError {
            #expect(e.item == "stream[1]" && e.reason.contains("meuwly/hono@MP3"), "\(e)")
        }
    }
}

@Suite(.serialized) struct LifelongRunTests {
    @Test func aTinyStreamRunsEndToEndAndResumingRedoesNothing() throws {
        try #require(SharedData.isAvailable, "shared datasets not found")
        let dir = try SharedData.temporaryDirectory("lifelong-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try LifelongFixture.manifest(LifelongFixture.tiny(), in: dir)
        let run = dir.appendingPathComponent("run")
        var lines: [String] = []
        let runner = try LifelongRunner(manifestPath: path, runDirectory: run.path)
        runner.log = { lines.append($0) }
        let results = try runner.run()
        // `metamlip report` rebuilds the report from results.json alone.
        #expect(try LifelongResults.load(from: run).strategies.map(\.name) == results.strategies.map(\.name))

        // Forgetting matrix: after t tasks, a committee row and a row per member for each of the t tasks.
        let lifelong = try #require(results.strategies.first { $0.name == "lifelong" })
        #expect(lifelong.evaluations.map(\.tasksLearned) == [1, 2])
        #expect(lifelong.evaluations.map(\.errors.count) == [3, 6])
        let joint = try #require(results.strategies.first { $0.name == "joint" })
        #expect(joint.evaluations.map(\.tasksLearned) == [2] && joint.evaluations[0].errors.count == 6)
        for s in results.strategies {
            for e in s.evaluations {
                #expect(e.errors.allSatisfy { $0.energyRMSE.isFinite && $0.forceRMSE.isFinite && $0.energyRMSE >= 0 })
            }
            #expect(s.final.flags.map(\.count) == [4, 4])
            #expect(s.final.energyCalibration.count == 8 && s.final.forceCalibration.count > 0)
        }
        // Flags on the second task before it is learned, with thresholds from the first.
        let next = try #require(lifelong.evaluations[0].nextTask)
        #expect(next.task == 1 && next.count == 4 && next.seenCount == 4 && (0...4).contains(next.flagged))
        #expect(lifelong.evaluations[1].nextTask == nil)
        // The lifelong members continued CoRe (scores, frozen counts) from task 1 to task 2.
        let member = try readStageJSON(LifelongMemberState.self, path: run.appendingPathComponent("lifelong/member0/after-2.json").path,
                                       what: "member state")
        let before = try readStageJSON(LifelongMemberState.self, path: run.appendingPathComponent("lifelong/member0/after-1.json").path,
                                       what: "member state")
        #expect(member.optimizer.kind == "CoRe" && member.optimizer.step == before.steps + member.steps)
        #expect(member.optimizer.counters["frozen"]?.values.contains { $0 > 0 } == true)
        // Rehearsal: task 2 trained on its 6 conformations plus the 4 buffered ones of task 1.
        #expect(member.trainingConformations == 10)
        let buffer = try readStageJSON(RehearsalBuffer.self, path: run.appendingPathComponent("lifelong/buffer-after-2.json").path,
                                       what: "buffer")
        #expect(buffer.entries.count == 4 && buffer.taskCount == 2)
        // The naive strategy has no buffer and trains on the task alone.
        let naive = try readStageJSON(LifelongMemberState.self, path: run.appendingPathComponent("naive/member1/after-2.json").path,
                                      what: "member state")
        #expect(naive.trainingConformations == 6 && naive.optimizer.kind == "Adam")

        // Files.
        for name in LifelongResults.files {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), "\(name)")
        }
        let forgetting = try String(contentsOf: run.appendingPathComponent("forgetting.csv"), encoding: .utf8)
        #expect(forgetting.split(separator: "\n").count == 1 + 2 * (3 + 6) + 6)
        #expect(!forgetting.contains("nan"))

        // Resuming a finished run trains nothing, rewrites no stage file, and gives the same results.
        let stageFiles = try FileManager.default.subpathsOfDirectory(atPath: run.path).filter { $0.hasSuffix(".json") && $0.contains("/") }
        func dates() throws -> [Date] {
            try stageFiles.map { try FileManager.default.attributesOfItem(atPath: run.appendingPathComponent($0).path)[.modificationDate] as! Date }
        }
        let datesBefore = try dates()
        var again: [String] = []
        let rerun = try LifelongRunner(manifestPath: path, runDirectory: run.path)
        rerun.log = { again.append($0) }
        let resumed = try rerun.run()
        #expect(!again.contains { $0.contains("epochs,") }, "\(again)")
        #expect(try dates() == datesBefore)
        #expect(resumed.strategies.map(\.final.committee) == results.strategies.map(\.final.committee))
        #expect(lines.contains { $0.contains("epochs,") })

        // The report.
        let folder = try results.writeReport(root: dir.appendingPathComponent("export"), runDirectory: run, manifest: runner.manifest)
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Forgetting") && html.contains("<svg") && html.contains("meuwly/hono@MP2"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/forgetting.csv").path))

        // Two committee members at a time: the same models and errors.
        let parallel = try LifelongRunner(manifestPath: path, runDirectory: dir.appendingPathComponent("two").path)
        let lock = NSLock()
        parallel.log = { line in lock.withLock { _ = line } }
        parallel.jobs = 2
        let two = try parallel.run()
        #expect(two.strategies.map(\.final.committee) == results.strategies.map(\.final.committee))
        #expect(two.strategies.map { $0.evaluations.map(\.errors) } == results.strategies.map { $0.evaluations.map(\.errors) })
        let a = try readStageJSON(LifelongMemberState.self, path: dir.appendingPathComponent("two/lifelong/member1/after-2.json").path,
                                  what: "member state")
        let b = try readStageJSON(LifelongMemberState.self, path: run.appendingPathComponent("lifelong/member1/after-2.json").path,
                                  what: "member state")
        #expect(a.parameters == b.parameters)
    }
}

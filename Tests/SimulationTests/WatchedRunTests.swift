import Testing
import Chemistry
import Simulation
import _TestSupport

@Suite struct WatchedRunTests {
    /// Free flight (no forces) from rest: nothing moves, every step is stable, and the observer
    /// sees steps 0, 5, 10 and the last one (12).
    @Test func recordsEveryKthAndTheLastStep() throws {
        try #require(Fixtures.ethanol.atomCount == 9)
        let run = try WatchedRun(Fixtures.ethanol, calculator: RingCalculator(stiffness: 0),
                                 settings: .init(thermostat: .none, temperature: 0, steps: 12, timeStep: 0.5, every: 5))
        var seen: [Int] = []
        let outcome = try run.run { state, event in
            #expect(event.isRecorded && event.instability == nil)
            seen.append(state.step)
        }
        #expect(seen == [0, 5, 10, 12])
        #expect(outcome.isStable && outcome.stableTime == 6)
        #expect(outcome.samples.count == 13)
        #expect(abs(outcome.maxBondStretch - 1) < 1e-12)
        #expect(outcome.bondStatistics.types.contains("C-H"))
    }

    /// Free flight at 2000 K: bonds break; the run stops at the first unphysical step, which
    /// the observer sees once, flagged, and which sets the stable time.
    @Test func stopsAtTheFirstUnphysicalStep() throws {
        try #require(Fixtures.ethanol.atomCount == 9)
        let run = try WatchedRun(Fixtures.ethanol, calculator: RingCalculator(stiffness: 0),
                                 settings: .init(thermostat: .none, temperature: 2000, steps: 2000, timeStep: 0.5, seed: 3, every: 1000))
        var flagged: [Int] = []
        let outcome = try run.run { state, event in
            if event.instability != nil { flagged.append(state.step) }
        }
        let instability = try #require(outcome.instability)
        #expect(flagged == [instability.sample.step])
        #expect(outcome.samples.last?.step == instability.sample.step)
        #expect(outcome.stableTime == instability.sample.time && outcome.stableTime < 1000)
        #expect(outcome.maxBondStretch > 1.1)   // the break rule is 1.5 × covalent radii, not × the start length
    }
}

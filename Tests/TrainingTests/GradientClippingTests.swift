import Foundation
import Testing
import Autodiff
import Chemistry
import Training
import _TestSupport

/// Global gradient-norm clipping (`TrainerConfiguration.gradientClip`, PyTorch's
/// `clip_grad_norm_`) and the per-epoch record of gradient norms.
@Suite struct GradientClippingTests {
    @Test func normAndClipFollowClipGradNorm() {
        let g = ParameterSet<Float>([("a", Tensor(shape: [2], scalars: [3, 4])), ("b", Tensor(shape: [1], scalars: [12]))])
        #expect(GradientClipping.norm(g) == 13)
        #expect(GradientClipping.norm(g, excluding: [1]) == 5)
        // Below the limit: untouched.
        let kept = GradientClipping.clip(g, norm: 13, maxNorm: 20)
        #expect(!kept.clipped && kept.gradient.tensors.map(\.scalars) == g.tensors.map(\.scalars))
        // Above: scaled by maxNorm / (‖g‖ + 1e-6), direction kept, new norm maxNorm.
        let cut = GradientClipping.clip(g, norm: 13, maxNorm: 6.5)
        #expect(cut.clipped)
        let c = Float(6.5 / (13 + 1e-6))
        #expect(cut.gradient["a"].scalars == [3 * c, 4 * c] && cut.gradient["b"].scalars == [12 * c])
        #expect(abs(GradientClipping.norm(cut.gradient) - 6.5) < 1e-5)
        // A frozen tensor neither counts nor is scaled.
        let frozen = GradientClipping.clip(g, norm: 5, maxNorm: 2.5, excluding: [1])
        #expect(frozen.gradient["b"].scalars == [12] && frozen.gradient["a"].scalars == [3 * Float(2.5 / (5 + 1e-6)), 4 * Float(2.5 / (5 + 1e-6))])
    }

    @Test func summaryTakesMedianAndMaximum() {
        let odd = GradientNormSummary(norms: [3, 1, 2], clipped: 1)
        #expect(odd.median == 2 && odd.max == 3 && odd.clippedSteps == 1 && odd.steps == 3)
        #expect(GradientNormSummary(norms: [4, 1, 2, 3], clipped: 0).median == 2.5)
    }

    let confs = Array(ThreeBPA.conformations.prefix(10))

    func run(clip: Double?, epochs: Int = 2) throws -> Trainer {
        let configuration = TrainerConfiguration(epochs: epochs, batchSize: 8, seed: 2, optimizer: .adam(learningRate: 1e-2, weightDecay: 0),
                                                 plateau: nil, gradientClip: clip)
        let trainer = try Trainer(potential: ThreeBPA.smallPotential(), training: Array(confs.prefix(8)),
                                  validation: Array(confs.suffix(2)), configuration: configuration)
        try trainer.train()
        return trainer
    }

    /// A limit no step reaches changes no bit; a tiny one makes Adam's first step tiny (the
    /// clipped gradient, ~1e-12 per component, is far below ε = 1e-8, so each weight moves by
    /// about η·g/ε instead of η), and every step counts as clipped.
    @Test func clippingActsInTheTrainerAndIsRecorded() throws {
        let plain = try run(clip: nil), loose = try run(clip: 1e12), tight = try run(clip: 1e-12, epochs: 1)
        func bits(_ p: ParameterSet<Float>) -> [UInt32] { p.tensors.flatMap { $0.scalars.map(\.bitPattern) } }
        #expect(bits(loose.parameters) == bits(plain.parameters))
        for record in plain.history {
            let norms = try #require(record.gradientNorms)
            #expect(norms.steps == 1 && norms.clippedSteps == 0 && norms.median > 0 && norms.median == norms.max)
        }
        #expect(tight.history[0].gradientNorms?.clippedSteps == 1)
        let start = ThreeBPA.smallPotential().initialParameters(seed: 2)
        func largestMove(_ p: ParameterSet<Float>) -> Float {
            zip(p.tensors, start.tensors).map { a, b in zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
        }
        let oneStep = try run(clip: nil, epochs: 1)
        #expect(largestMove(oneStep.parameters) > 5e-3)
        #expect(largestMove(tight.parameters) < 1e-5)
    }
}

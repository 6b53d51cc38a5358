import Foundation
import Testing
import Autodiff
import Chemistry
import MetaLearning
import Training

/// A quadratic toy task: examples are target points c_i ∈ ℝ², L(θ; I) = mean_{i∈I} ½|θ − c_i|²,
/// so ∇L = θ − mean c_I, the Hessian is the identity, and k SGD steps on one example give
/// θ_k = c + (1 − α)^k (θ − c) exactly.
struct QuadraticTask: MetaTask {
    typealias Scalar = Double
    let name: String
    let targets: [[Double]]
    var count: Int { targets.count }

    func loss(parameters: ParameterSet<Double>, indices: [Int], createGraph: Bool) -> Tensor<Double> {
        let theta = parameters["theta"]
        var total: Tensor<Double>?
        for i in indices {
            let d = theta - Tensor(targets[i])
            let l = (d * d).sum() * 0.5
            total = total.map { $0 + l } ?? l
        }
        return total! * (1 / Double(indices.count))
    }
}

@Suite struct AlgorithmTests {
    let theta0 = ParameterSet<Double>([("theta", Tensor([1.0, -2.0]))])
    let tasks = [QuadraticTask(name: "a", targets: [[3.0, 1.0]]), QuadraticTask(name: "b", targets: [[-1.0, 0.5]])]

    func values(_ p: ParameterSet<Double>) -> [Double] { p["theta"].scalars }

    @Test func reptileStepMatchesHandComputation() {
        let (k, alpha, eps) = (3, 0.1, 0.5)
        let inner = InnerLoop(steps: k, optimizer: .sgd, learningRate: alpha, batchSize: 1)
        var samplers = tasks.map { BatchSampler(count: $0.count) }
        var g = SeededGenerator(seed: 1)
        let updated = Reptile.step(theta0, tasks: tasks, inner: inner, epsilon: eps, samplers: &samplers, using: &g,
                                   taskIndices: [0, 1])
        // θ_k,t = c_t + (1−α)^k (θ − c_t);  θ' = θ + ε · mean_t (θ_k,t − θ).
        let decay = pow(1 - alpha, Double(k))
        let theta = [1.0, -2.0]
        let expected = (0..<2).map { d -> Double in
            let adapted = tasks.map { $0.targets[0][d] + decay * (theta[d] - $0.targets[0][d]) }
            return theta[d] + eps * (adapted.map { $0 - theta[d] }.reduce(0, +) / 2)
        }
        for d in 0..<2 { #expect(abs(values(updated)[d] - expected[d]) < 1e-12) }
    }

    @Test func reptileWithOneSGDStepIsJointGradientDescent() {
        // k = 1, plain SGD, every task in the meta-batch: θ' = θ − εα · mean_t ∇L_t(θ).
        let (alpha, eps) = (0.05, 0.3)
        let many = [QuadraticTask(name: "a", targets: [[3.0, 1.0], [2.0, 0.0]]),
                    QuadraticTask(name: "b", targets: [[-1.0, 0.5], [0.0, 4.0]]),
                    QuadraticTask(name: "c", targets: [[5.0, -5.0], [1.0, 1.0]])]
        let inner = InnerLoop(steps: 1, optimizer: .sgd, learningRate: alpha, batchSize: 2)
        var samplers = many.map { BatchSampler(count: $0.count) }
        var g = SeededGenerator(seed: 2)
        let reptile = Reptile.step(theta0, tasks: many, inner: inner, epsilon: eps, samplers: &samplers, using: &g,
                                   taskIndices: [0, 1, 2])
        // Joint training: one gradient step on the mean of the task losses, by autodiff.
        let p = theta0.requiringGrad()
        let joint = many.map { $0.loss(parameters: p, indices: [0, 1], createGraph: false) }.reduce(Tensor(0.0), +) * (1.0 / 3)
        let grad = gradient(of: joint, withRespectTo: p)
        let expected = theta0 - grad.scaled(by: eps * alpha)
        for d in 0..<2 { #expect(abs(values(reptile)[d] - values(expected)[d]) < 1e-12) }
    }

    @Test func mamlGradientsMatchTheQuadraticAnswer() {
        // Support and query are the same single example; FOMAML gives ∇L(θ_k) = θ_k − c,
        // second-order MAML gives (∂θ_k/∂θ)ᵀ ∇L(θ_k) = (1−α)^k (θ_k − c).
        let (k, alpha) = (2, 0.2)
        let inner = InnerLoop(steps: k, optimizer: .sgd, learningRate: alpha, batchSize: 1)
        let task = [tasks[0]]
        let decay = pow(1 - alpha, Double(k))
        let c = tasks[0].targets[0], theta = [1.0, -2.0]
        let adaptedMinusTarget = (0..<2).map { decay * (theta[$0] - c[$0]) }
        for secondOrder in [false, true] {
            var samplers = [BatchSampler(count: 1)]
            var g = SeededGenerator(seed: 3)
            let meta = MAML.metaGradient(theta0, tasks: task, inner: inner, secondOrder: secondOrder, querySize: 1,
                                         samplers: &samplers, using: &g, taskIndices: [0])
            let factor = secondOrder ? decay : 1
            for d in 0..<2 { #expect(abs(values(meta)[d] - factor * adaptedMinusTarget[d]) < 1e-12, "secondOrder \(secondOrder)") }
        }
    }

    @Test func annealedEpsilonRunsLinearly() {
        let c = MetaConfiguration(iterations: 5, epsilon: 1.0, epsilonFinal: 0.2)
        #expect(c.epsilon(at: 0) == 1.0)
        #expect(abs(c.epsilon(at: 4) - 0.2) < 1e-15)
        #expect(abs(c.epsilon(at: 2) - 0.6) < 1e-15)
        #expect(MetaConfiguration(iterations: 5, epsilon: 0.3).epsilon(at: 3) == 0.3)
    }

    @Test func batchSamplerVisitsEveryExampleOncePerPass() {
        var s = BatchSampler(count: 7)
        var g = SeededGenerator(seed: 9)
        let firstPass = (0..<7).flatMap { _ in s.next(1, using: &g) }
        #expect(Set(firstPass) == Set(0..<7))
        #expect(s.next(10, using: &g).count == 7)
    }
}

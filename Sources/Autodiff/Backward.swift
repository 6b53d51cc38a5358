// Reverse-mode sweep over the graph reachable from a tensor.

/// Gradients of `output` with respect to each tensor in `targets`.
///
/// - Parameters:
///   - output: the tensor to differentiate; must have one element unless `seed` is given.
///   - targets: tensors of the graph (leaves or intermediate nodes) to differentiate against.
///   - createGraph: if true the gradients are themselves graph nodes (built from the rules in
///     Gradients.swift applied to the real graph), so they can be differentiated again
///     (Hessian–vector products, force losses, second-order MAML). If false the sweep computes
///     plain values and records nothing (fast path).
///   - seed: the cotangent `∂L/∂output` (shape of `output`), default ones.
/// - Returns: one gradient per target, shaped like the target (zeros where the target does not
///   influence `output`).
public func gradient<S: TensorScalar>(
    of output: Tensor<S>, withRespectTo targets: [Tensor<S>], createGraph: Bool = false, seed: Tensor<S>? = nil
) -> [Tensor<S>] {
    precondition(seed != nil || output.count == 1, "gradient(of:) needs a one-element output or a seed; shape is \(output.shape)")
    let targetIDs = Set(targets.map(ObjectIdentifier.init))

    // Topological order (inputs before users) of the tracked graph, iteratively.
    var order: [Tensor<S>] = []
    var index: [ObjectIdentifier: Int] = [:]
    var visited = Set<ObjectIdentifier>()
    if output.requiresGrad {
        var stack: [(Tensor<S>, Int)] = [(output, 0)]
        visited.insert(ObjectIdentifier(output))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                let child = node.inputs[next]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted { stack.append((child, 0)) }
            } else {
                index[ObjectIdentifier(node)] = order.count
                order.append(node)
            }
        }
    }
    // Which nodes lie on a path to some target.
    var reaches = [Bool](repeating: false, count: order.count)
    for (i, node) in order.enumerated() {
        reaches[i] = targetIDs.contains(ObjectIdentifier(node))
            || node.inputs.contains { $0.requiresGrad && reaches[index[ObjectIdentifier($0)]!] }
    }

    var grads = [Tensor<S>?](repeating: nil, count: order.count)
    var results: [ObjectIdentifier: Tensor<S>] = [:]
    if let last = order.indices.last, reaches[last] {
        let s = seed ?? Tensor<S>.ones(shape: output.shape)
        precondition(s.shape == output.shape, "seed shape \(s.shape) differs from output shape \(output.shape)")
        grads[last] = createGraph ? s : s.detached()
    }
    for i in order.indices.reversed() {
        guard let g = grads[i] else { continue }
        grads[i] = nil
        let node = order[i]
        let id = ObjectIdentifier(node)
        if targetIDs.contains(id) { results[id] = g }
        guard let primitive = node.primitive else { continue }
        let inputIndices = node.inputs.map { $0.requiresGrad ? index[ObjectIdentifier($0)] : nil }
        let needs = inputIndices.map { $0.map { reaches[$0] } ?? false }
        if !needs.contains(true) { continue }
        let inputGrads = createGraph
            ? primitive.vjp(g, node.inputs, node, needs)
            : primitive.vjp(g, node.inputs.map { $0.detached() }, node.detached(), needs)
        for (j, maybe) in inputIndices.enumerated() {
            guard let k = maybe, needs[j], let gj = inputGrads[j] else { continue }
            if let acc = grads[k] { grads[k] = acc + gj } else { grads[k] = gj }
        }
    }
    return targets.map { results[ObjectIdentifier($0)] ?? Tensor<S>.zeros(shape: $0.shape) }
}

/// Gradient of `output` with respect to one tensor; see ``gradient(of:withRespectTo:createGraph:seed:)``.
public func gradient<S: TensorScalar>(of output: Tensor<S>, withRespectTo target: Tensor<S>, createGraph: Bool = false) -> Tensor<S> {
    gradient(of: output, withRespectTo: [target], createGraph: createGraph)[0]
}

import Autodiff
import Chemistry
import Foundation

extension DeepMDModelReader {
    /// Typed access to a parsed JSON dictionary; every failure is a `DataError` naming
    /// `file` and the key path (`prefix` + key).
    struct Fields {
        let file: String
        var prefix = ""

        func nested(_ key: String) -> Fields { Fields(file: file, prefix: prefix + key + ".") }

        func error(_ key: String, _ reason: String) -> DataError {
            DataError(file: file, item: key.isEmpty && prefix.isEmpty ? nil : prefix + key, reason)
        }

        func require(_ condition: Bool, _ key: String, _ reason: String) throws {
            if !condition { throw error(key, reason) }
        }

        func dictionary(_ value: Any?, _ key: String) throws -> [String: Any] {
            guard let d = value as? [String: Any] else { throw error(key, "expected an object, found \(kind(value))") }
            return d
        }

        func list(_ value: Any?, _ key: String) throws -> [Any] {
            guard let l = value as? [Any] else { throw error(key, "expected a list, found \(kind(value))") }
            return l
        }

        /// nil, null or an empty list.
        func requireEmpty(_ value: Any?, _ key: String) throws {
            if value == nil || value is NSNull { return }
            if let l = value as? [Any], l.isEmpty { return }
            throw error(key, "not supported (must be empty)")
        }

        func double(_ value: Any?, _ key: String) throws -> Double {
            let number: Double?
            switch value {
            case let v? where type(of: v) == Bool.self: number = nil
            case let v as Double: number = v
            case let v as Int: number = Double(v)
            case let v as NSNumber: number = v.doubleValue
            default: number = nil
            }
            guard let number, number.isFinite else { throw error(key, "expected a finite number, found \(kind(value))") }
            return number
        }

        func int(_ value: Any?, _ key: String) throws -> Int {
            let v = try double(value, key)
            guard v == v.rounded(), abs(v) < 1e9 else { throw error(key, "expected a whole number, got \(v)") }
            return Int(v)
        }

        func bool(_ value: Any?, _ key: String) throws -> Bool {
            guard let b = value as? Bool else { throw error(key, "expected true or false, found \(kind(value))") }
            return b
        }

        func ints(_ value: Any?, _ key: String) throws -> [Int] {
            try list(value, key).enumerated().map { try int($1, "\(key)[\($0)]") }
        }

        func strings(_ value: Any?, _ key: String) throws -> [String] {
            try list(value, key).enumerated().map { i, v in
                guard let s = v as? String else { throw error("\(key)[\(i)]", "expected a text value, found \(kind(v))") }
                return s
            }
        }

        /// An array: deepmd-kit's `{"@class": "np.ndarray", "value": …}` or a nested list,
        /// rectangular and finite, as its shape and row-major values.
        func array(_ value: Any?, _ key: String) throws -> (shape: [Int], values: [Double]) {
            var v = value
            if let d = v as? [String: Any] {
                try require(d["@class"] as? String == "np.ndarray", key, "expected an np.ndarray object")
                v = d["value"]
            }
            var values: [Double] = []
            func walk(_ x: Any?, depth: Int, shape: inout [Int]) throws {
                if let l = x as? [Any] {
                    if shape.count == depth { shape.append(l.count) } else if depth >= shape.count || shape[depth] != l.count {
                        throw error(key, "ragged array")
                    }
                    for item in l { try walk(item, depth: depth + 1, shape: &shape) }
                } else {
                    guard depth == shape.count || shape.isEmpty && depth == 0 else { throw error(key, "ragged array") }
                    values.append(try double(x, key))
                }
            }
            var shape: [Int] = []
            try walk(v, depth: 0, shape: &shape)
            try require(values.count == shape.reduce(1, *), key, "ragged array")
            return (shape, values)
        }

        /// deepmd-kit's `davg`/`dstd` `[types, slots, 4]`: one row per type, which must be
        /// the same in every slot.
        func slotRows(_ value: Any?, _ key: String, types: Int, slots: Int) throws -> [[Double]] {
            let a = try array(value, key)
            try require(a.shape == [types, slots, 4], key, "shape \(a.shape), expected [\(types), \(slots), 4]")
            return try (0..<types).map { t in
                let first = Array(a.values[(t * slots * 4)..<(t * slots * 4 + 4)])
                for s in 1..<max(slots, 1) where Array(a.values[((t * slots + s) * 4)..<((t * slots + s) * 4 + 4)]) != first {
                    throw error(key, "type \(t) has different statistics in slot \(s) than in slot 0 (per-slot statistics are not supported)")
                }
                return first
            }
        }

        /// The layers of one deepmd-kit network as MetaMLIP parameters `prefix` + `W<l>`,
        /// `b<l>`, `idt<l>`, checked against `expected` (in, out, timestep, shortcut layer).
        func layers(_ network: Any, _ key: String, prefix: String,
                    expected: [(Int, Int, Bool, Bool)]) throws -> [(String, Tensor<Double>)] {
            let layers = try list(try dictionary(network, key)["layers"], key + ".layers")
            try require(layers.count == expected.count, key + ".layers", "expected \(expected.count) layers, got \(layers.count)")
            var entries: [(String, Tensor<Double>)] = []
            for (l, ((fin, fout, timestep, hidden), layer)) in zip(expected, layers).enumerated() {
                let k = "\(key).layers[\(l)]"
                let fields = try dictionary(layer, k)
                let activation = fields["activation_function"] as? String
                if hidden {
                    try require(activation == "tanh", k + ".activation_function", "only tanh is supported")
                    try require(fields["resnet"] as? Bool == true, k + ".resnet", "deepmd-kit builds hidden layers with resnet: true")
                } else {
                    try require(activation == nil || ["none", "linear"].contains(activation!.lowercased()), k + ".activation_function",
                                "the output layer must be linear")
                    try require(fields["resnet"] as? Bool != true, k + ".resnet", "the output layer has no shortcut")
                }
                let variables = try dictionary(fields["@variables"], k + ".@variables")
                let w = try array(variables["w"], k + ".@variables.w"), b = try array(variables["b"], k + ".@variables.b")
                try require(w.shape == [fin, fout], k + ".@variables.w", "shape \(w.shape), expected [\(fin), \(fout)]")
                try require(b.shape == [fout], k + ".@variables.b", "shape \(b.shape), expected [\(fout)] (layers need a bias)")
                entries.append(("\(prefix)W\(l)", Tensor(shape: [fin, fout], scalars: w.values)))
                entries.append(("\(prefix)b\(l)", Tensor(shape: [fout], scalars: b.values)))
                let idt = variables["idt"]
                if timestep {
                    let t = try array(idt, k + ".@variables.idt")
                    try require(t.shape == [fout], k + ".@variables.idt", "shape \(t.shape), expected [\(fout)]")
                    entries.append(("\(prefix)idt\(l)", Tensor(shape: [fout], scalars: t.values)))
                } else {
                    try require(idt == nil || idt is NSNull, k + ".@variables.idt", "a timestep where resnet_dt and the widths allow none")
                }
            }
            return entries
        }

        private func kind(_ value: Any?) -> String {
            switch value {
            case nil, is NSNull: "nothing"
            case is String: "a text value"
            case is [Any]: "a list"
            case is [String: Any]: "an object"
            default: "'\(value!)'"
            }
        }
    }
}

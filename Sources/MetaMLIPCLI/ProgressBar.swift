import Foundation

/// The state of long work as one line a terminal redraws in place (``Console/progress(_:line:)``):
///
///     epoch 12/300 [###.........................]   4%  0:12 elapsed, ETA 4:48  val F 45.1 meV/Å
///
/// `remaining` is an estimate (a training's time to its last epoch, which early stopping may
/// cut short; a study's mean time per finished unit times the units left); without one the
/// ETA is left out.
struct ProgressBar: Equatable {
    /// What is counted, e.g. `epoch` or `pretraining and refits: unit`.
    var label: String
    var done: Int
    var total: Int
    /// Seconds since the work started.
    var elapsed: Double
    /// Estimated seconds left.
    var remaining: Double?
    /// Extra text after the times (latest metrics, the unit that finished).
    var detail: String = ""

    /// Fraction done in [0, 1].
    var fraction: Double { total > 0 ? min(1, max(0, Double(done) / Double(total))) : 0 }

    /// The line, at most `width` characters (longer details are cut, so the terminal never
    /// wraps it: a wrapped line cannot be redrawn with `\r`).
    func render(width: Int) -> String {
        let times = "\(Self.duration(elapsed)) elapsed" + (remaining.map { ", ETA \(Self.duration($0))" } ?? "")
        let head = "\(label) \(done)/\(total)"
        let percent = String(format: "%3.0f%%", 100 * fraction)
        let tail = detail.isEmpty ? 0 : detail.count + 2
        let cells = max(10, min(30, width - head.count - percent.count - times.count - tail - 6))
        let filled = Int((fraction * Double(cells)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "]"
        var line = "\(head) \(bar) \(percent)  \(times)"
        if !detail.isEmpty { line += "  \(detail)" }
        return line.count > width ? String(line.prefix(max(0, width))) : line
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

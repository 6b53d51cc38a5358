import Foundation
import Testing
import _TestSupport
@testable import Reports

/// Torsion-map heat maps and the NVE time-step table, on the fixture run with
/// ``Analysis/writeMapsAndTimeSteps(into:)``.
@Suite struct MapsAndTimeStepsTests {
    func report() throws -> (Report, URL) {
        let run = try Fixture.runDirectory(withAnalysis: true, withMaps: true)
        return (Report(data: try RunData.load(from: run), options: ReportOptions(date: Date(timeIntervalSince1970: 1_700_000_000))), run)
    }

    @Test func heatMapsShowEachVariantWithHolesBlank() throws {
        let (r, run) = try report()
        defer { Fixture.remove(run) }
        #expect(r.data.torsionMaps?.count == 4 * 3 * 2 * 36)
        let figures = r.torsionMapFigures()
        // One per variant at the figure sizes N = 10 and 450.
        #expect(figures.count == 4 * 2)
        let scratch = try #require(figures.first { $0.chart.title.hasPrefix("scratch, N = 10") })
        #expect(scratch.chart.values.flatMap { $0 }.filter { $0 == nil }.count == 1)
        #expect(scratch.caption.contains("1 grey crossed cells are holes"))
        // One colour scale from 0 to the largest relative energy on the grid: (0.1 cos 30° + 0.05 cos 60° + 0.15) eV.
        #expect(abs(scratch.chart.cap - (0.1 * cos(Double.pi / 6) + 0.025 + 0.15) * 1000) < 1e-6)
        #expect(abs(scratch.chart.values[0][0]! - (0.1 * cos(-150 * Double.pi / 180) + 0.05 * cos(-300 * Double.pi / 180) + 0.15) * 1000) < 1e-6)
        let svg = scratch.chart.svg()
        #expect(XMLCheck.parse(svg).error == nil)
        #expect(svg.occurrences(of: "fill=\"#dddddd\"") == 1)
        let html = r.html()
        #expect(XMLCheck.parse(html).error == nil)
        #expect(html.contains("Relaxed 2-D torsion maps") && html.contains("C13-O5-C1-C0 × O5-C13-C14-C17 (held C14-C13-O5-C1=180.0)"))
        #expect(html.occurrences(of: "<figure class=\"map\">") == 8)
    }

    @Test func largestStableTimeStepNeedsEverySmallerStepToPass() throws {
        let (r, run) = try report()
        defer { Fixture.remove(run) }
        let rows = r.timeStepRows()
        #expect(rows.count == 4 * 3 * 2)
        func largest(_ v: String, _ n: Int) -> Double?? { rows.first { $0.variant == v && $0.n == n && $0.seed == 0 }.map(\.largestStable) }
        #expect(largest("reptile", 450) == .some(1.0))
        #expect(largest("multitask", 450) == .some(0.5))       // drift 3 meV/atom/ps at 1 fs
        #expect(largest("single-level", 450) == .some(nil))    // drift 2 already at 0.25 fs
        #expect(largest("scratch", 10) == .some(0.25))         // unphysical at 0.5 fs
        #expect(largest("scratch", 450) == .some(0.5))         // unphysical at 1 fs
        let figures = r.timeStepFigures()
        #expect(figures.count == 2 && figures.allSatisfy { $0.chart.y.scale == .logarithmic })
        // Unphysical runs are not drawn: scratch at N = 10 has only its 0.25 fs point.
        let scratch = try #require(figures[0].chart.series.first { $0.name == "scratch" })
        #expect(scratch.points.map(\.x) == [0.25])
        let html = r.html()
        #expect(html.contains("Largest stable NVE time step") && html.contains("below 0.25"))
    }

    @Test func notebookHasTheMapAndTimeStepCells() throws {
        let (r, run) = try report()
        defer { Fixture.remove(run) }
        var files = Report.ExportedFiles()
        files.mdMetrics = true
        files.torsionMaps = true
        let text = String(decoding: try r.notebook(files: files), as: UTF8.self)
        #expect(text.contains("\"id\" : \"maps\"") || text.contains("\"id\":\"maps\"") || text.contains("\"id\": \"maps\""))
        #expect(text.contains("md-time-steps") && text.contains("DRIFT_TOLERANCE = 1.0"))
        files.torsionMaps = false
        #expect(!String(decoding: try r.notebook(files: files), as: UTF8.self).contains("torsion_maps.csv"))
    }
}

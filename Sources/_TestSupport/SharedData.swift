import Foundation

/// Locates the shared QM datasets for tests: `$METAMLIP_DATA` when set, else
/// `../shared/datasets` relative to the package root.
public enum SharedData {
    /// The package root (two levels above this file's `Sources/_TestSupport`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Root of the shared datasets directory.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["METAMLIP_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent("../shared/datasets").standardizedFileURL
    }

    /// Path of a file under the shared datasets, e.g. `path("3bpa/train_300K.xyz")`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// True when the shared datasets are present.
    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("README.md").path)
    }

    /// A fresh temporary directory for one test.
    public static func temporaryDirectory(_ name: String = "metamlip-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

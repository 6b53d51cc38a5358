// The i-PI socket protocol, client side: MetaMLIP as a force driver for i-PI
// (path-integral MD, replica exchange, …) and ASE's SocketIOCalculator.

#if canImport(Glibc)
import Glibc
private let systemConnect = Glibc.connect
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
import Darwin
private let systemConnect = Darwin.connect
private let streamSocket = SOCK_STREAM
private let MSG_NOSIGNAL: Int32 = 0
#endif
import Chemistry
import Foundation
import Simulation
import Potentials

/// A connected i-PI client.
///
/// Protocol (i-PI manual, "Communication protocol"; the same as ASE's `IPIProtocol`):
/// every message starts with a 12-byte ASCII header padded with spaces.
/// - server `STATUS` → client `NEEDINIT` (before `INIT`), `READY`, or `HAVEDATA` (after
///   `POSDATA`, before `GETFORCE`);
/// - server `INIT` + int32 bead index + int32 length + that many bytes (ignored);
/// - server `POSDATA` + 9 float64 cell (Bohr, column-major lattice vectors) + 9 float64
///   inverse cell + int32 atom count + 3N float64 positions (Bohr, row per atom);
/// - server `GETFORCE` → client `FORCEREADY` + float64 energy (Hartree) + int32 N + 3N
///   float64 forces (Hartree/Bohr) + 9 float64 virial (Hartree) + int32 length + bytes;
/// - server `EXIT`: the client stops.
/// Integers and floats are native little-endian. Units are converted with CODATA 2018
/// (`Units.hartree`, `Units.bohr`); a server using other constants (ASE uses CODATA 2014)
/// sees energies differ by ~1e-8 relative, which is the protocol's, not the model's.
///
/// A molecule (``periodic`` nil): its energy does not depend on the cell the server sends, so
/// the cell is not used and the virial sent is zero (as ASE's socket client does for a
/// structure without a periodic cell). A periodic structure: every `POSDATA` cell is the
/// structure's cell (periodic along the directions of ``periodic``), and the virial sent is the
/// model's W = −∂E/∂ε (``Potentials/Virial``; ASE's client sends −σV, the same), so the
/// server's stress is −W/V.
struct IPIDriver {
    let descriptor: Int32
    let atomicNumbers: [Int]
    let calculator: CommitteeCalculator
    /// The periodicity (a, b, c) of a periodic structure; nil for a molecule.
    var periodic: [Bool]? = nil

    /// Connects to `/tmp/ipi_<name>` (`unix`) or `host:port` (`inet`), retrying for `wait` seconds.
    static func connect(unix name: String?, inet: String?, wait: Double) throws -> Int32 {
        let deadline = Date().addingTimeInterval(wait)
        while true {
            let fd: Int32
            var connected: Int32 = -1
            if let name {
                fd = socket(AF_UNIX, streamSocket, 0)
                guard fd >= 0 else { throw DataError(file: "serve", "cannot create a socket (errno \(errno))") }
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                let path = Array(("/tmp/ipi_" + name).utf8CString)
                guard path.count <= MemoryLayout.size(ofValue: address.sun_path) else {
                    close(fd)
                    throw DataError(file: "serve", item: "--unix", "the socket path /tmp/ipi_\(name) is too long")
                }
                withUnsafeMutableBytes(of: &address.sun_path) { raw in
                    path.withUnsafeBytes { raw.copyMemory(from: $0) }
                }
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            } else {
                let parts = inet!.split(separator: ":")
                guard parts.count == 2, let port = UInt16(parts[1]) else {
                    throw DataError(file: "serve", item: "--inet", "'\(inet!)' is not HOST:PORT")
                }
                var hints = addrinfo()
                hints.ai_family = AF_INET
                hints.ai_socktype = streamSocket
                var info: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(String(parts[0]), String(port), &hints, &info) == 0, let first = info else {
                    throw DataError(file: "serve", item: "--inet", "cannot resolve the host '\(parts[0])'")
                }
                defer { freeaddrinfo(info) }
                fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
                guard fd >= 0 else { throw DataError(file: "serve", "cannot create a socket (errno \(errno))") }
                connected = systemConnect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen)
            }
            if connected == 0 { return fd }
            close(fd)
            guard Date() < deadline else {
                throw DataError(file: "serve", item: name != nil ? "--unix" : "--inet",
                                "no i-PI server accepted the connection within \(Int(wait)) s (start the server first, or raise --wait)")
            }
            usleep(200_000)
        }
    }

    // MARK: Wire format

    func readExactly(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + done, count - done, 0) }
            guard n > 0 else { throw DataError(file: "serve", "the server closed the connection") }
            done += n
        }
        return buffer
    }

    func write(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw DataError(file: "serve", "the server closed the connection") }
            done += n
        }
    }

    /// The next message header, or `nil` when the server closed the connection between
    /// messages (ASE's SocketIOCalculator closes without EXIT when it is done).
    func header() throws -> String? {
        var first: UInt8 = 0
        let n = recv(descriptor, &first, 1, 0)
        if n == 0 { return nil }
        guard n == 1 else { throw DataError(file: "serve", "reading from the server failed (errno \(errno))") }
        return String(decoding: [first] + (try readExactly(11)), as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    func sendHeader(_ text: String) throws {
        try write(Array(text.padding(toLength: 12, withPad: " ", startingAt: 0).utf8))
    }

    func readInt32() throws -> Int32 { try readExactly(4).withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } }

    func readDoubles(_ count: Int) throws -> [Double] {
        let bytes = try readExactly(8 * count)
        return (0..<count).map { k in bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 * k, as: Double.self) } }
    }

    static func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    // MARK: The loop

    /// Serves until the server sends `EXIT`; returns the number of force evaluations.
    func serve(log: (String) -> Void) throws -> Int {
        var initialised = false, pending: CommitteeEvaluation?
        var evaluations = 0
        while true {
            guard let message = try header() else {
                log("serve: the server closed the connection after \(evaluations) force evaluations")
                return evaluations
            }
            switch message {
            case "STATUS":
                try sendHeader(!initialised ? "NEEDINIT" : pending == nil ? "READY" : "HAVEDATA")
            case "INIT":
                _ = try readInt32()
                let length = try readInt32()
                guard length >= 0 else { throw DataError(file: "serve", "INIT with a negative length \(length)") }
                _ = try readExactly(Int(length))
                initialised = true
            case "POSDATA":
                // The cell h (Bohr) with the lattice vectors as columns, row-major: vector k, component j at 3j + k.
                let h = try readDoubles(9)
                _ = try readDoubles(9)    // its inverse
                let n = Int(try readInt32())
                guard n == atomicNumbers.count else {
                    throw DataError(file: "serve", item: "POSDATA", "the server sent \(n) atoms; the structure has \(atomicNumbers.count)")
                }
                let flat = try readDoubles(3 * n)
                let positions = (0..<n).map { SIMD3(flat[3 * $0], flat[3 * $0 + 1], flat[3 * $0 + 2]) * Units.bohr }
                let cell = periodic.map { flags in
                    Cell(vectors: (0..<3).map { k in SIMD3(h[k], h[3 + k], h[6 + k]) * Units.bohr }, periodic: flags)
                }
                pending = try calculator.predict(atomicNumbers: atomicNumbers, positions: positions, cell: cell,
                                                 withVirial: cell != nil)
                evaluations += 1
                initialised = true
            case "GETFORCE":
                guard let result = pending else { throw DataError(file: "serve", item: "GETFORCE", "asked for forces before sending positions") }
                var reply = Array("FORCEREADY  ".utf8)
                reply += Self.bytes(result.energy / Units.hartree)
                reply += Self.bytes(Int32(result.forces.count))
                for f in result.forces {
                    for x in [f.x, f.y, f.z] { reply += Self.bytes(x * Units.bohr / Units.hartree) }
                }
                // W (Hartree) as the server reads it: 3×3, transposed (W is symmetric up to rounding);
                // zero for a molecule, whose energy does not depend on the cell.
                let w = result.virial ?? .zero
                for b in 0..<3 { for a in 0..<3 { reply += Self.bytes(w[a, b] / Units.hartree) } }
                reply += Self.bytes(Int32(1)) + [0]            // one zero byte: some servers mishandle empty extras
                try write(reply)
                pending = nil
            case "EXIT":
                log("serve: the server sent EXIT after \(evaluations) force evaluations")
                return evaluations
            default:
                throw DataError(file: "serve", "unknown message '\(message)' from the server")
            }
        }
    }
}

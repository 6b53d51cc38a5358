#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The status codes of `include/metamlip.h` (`METAMLIP_OK`, `METAMLIP_ERR_*`).
public enum MetaMLIPStatus: Int32, Sendable {
    case ok = 0
    case nullPointer = 1
    case argument = 2
    case file = 3
    case model = 4
    case element = 5
    case geometry = 6
    case evaluation = 7
    case notPeriodic = 8
}

/// A failure of a C entry point: its status code and message.
struct CAPIError: Error {
    var status: MetaMLIPStatus
    var message: String

    init(_ status: MetaMLIPStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// The per-thread message behind `metamlip_last_error()`: a `strdup`ed C string held in a
/// pthread key, freed when it is replaced or when its thread exits.
enum LastError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { free($0) }
        precondition(status == 0, "libmetamlip-c: pthread_key_create failed (\(status))")
        return key
    }()

    /// The empty message returned when the thread has none (static storage).
    private static let empty: UnsafeMutablePointer<CChar> = strdup("")!

    /// The calling thread's message, or "" when the last call succeeded.
    static var current: UnsafePointer<CChar> {
        guard let p = pthread_getspecific(key) else { return UnsafePointer(empty) }
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }

    /// Replaces the calling thread's message (`nil` clears it).
    static func set(_ message: String?) {
        let old = pthread_getspecific(key)
        if old == nil && message == nil { return }
        pthread_setspecific(key, message.map { UnsafeRawPointer(strdup($0)!) })
        free(old)
    }

    /// Runs `body`, records its error (or clears the message) and returns the status code.
    static func status(_ body: () throws(CAPIError) -> Void) -> Int32 {
        do {
            try body()
            set(nil)
            return MetaMLIPStatus.ok.rawValue
        } catch {
            set(error.message)
            return error.status.rawValue
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process facts the daemon reports, without Foundation.
enum ProcessInfoLite {
    static var pid: Int32 { getpid() }
}

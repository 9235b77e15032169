import Glibc

/// The open-file limit. A stream over an HTTP/1.1 upstream holds two descriptors (the client's
/// connection and the upstream one), so the daemon raises its soft limit to the hard one at
/// start, as nginx's `worker_rlimit_nofile` or Go's runtime do; a container's 1,024 default would
/// cap it at ~500.
enum DescriptorLimit {
    /// Raises the soft limit to the hard limit (a no-op when they are equal or it fails).
    static func raise() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

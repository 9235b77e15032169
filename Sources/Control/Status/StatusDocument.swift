public import MaximizeCore

/// `status.json`: the daemon's state for probes and `maxctl status`. Never holds any part of a secret.
public struct StatusDocument: Sendable, Equatable {
    public struct Listener: Sendable, Equatable {
        public var type: String
        public var path: String?
        public var address: String?

        public init(type: String, path: String? = nil, address: String? = nil) {
            self.type = type
            self.path = path
            self.address = address
        }
    }

    public struct Credentials: Sendable, Equatable {
        public var kind: String = "none"
        public var source: String = ""
        public var expiresAt: Double?
        public var lastRefreshAt: Double?
        public var lastRefreshError: String?
        /// Where the credentials are kept: `file` (or `postgres`).
        public var store: String = "file"
        /// Whether the credential in use is the one the store holds; `false` while a rotated
        /// token lives only in memory (the disk was full or read-only).
        public var saved = true

        public init() {}
    }

    public struct Config: Sendable, Equatable {
        public var path: String = ""
        public var sha256: String?
        public var loadedAt: Double?
        public var error: String?
        /// How many times the daemon has examined `config.json` since it started (after file
        /// events, by the 30 s poll, on a reload). Each examination is counted as it ends, in the
        /// same update that records its outcome, so whoever changed the file can wait for the
        /// count to go up instead of sleeping.
        public var checks = 0

        public init() {}
    }

    public struct Requests: Sendable, Equatable {
        public var total = 0
        public var inFlight = 0
        public var failed = 0

        public init() {}
    }

    public struct Control: Sendable, Equatable {
        /// One control request's result, kept for a while so that concurrent callers all find theirs.
        public struct Result: Sendable, Equatable {
            public var id: String
            public var action: String
            public var result: String
            public var at: Double

            public init(id: String, action: String, result: String, at: Double) {
                self.id = id
                self.action = action
                self.result = result
                self.at = at
            }
        }

        public var lastID: String?
        public var lastAction: String?
        public var lastResult: String?
        /// The latest results, newest last, at most ``StatusDocument/maximumRecentResults``.
        public var recent: [Result] = []

        public init() {}

        /// The result recorded for `id`, if it is still listed.
        public func result(for id: String) -> String? {
            if lastID == id { return lastResult }
            return recent.last { $0.id == id }?.result
        }
    }

    public static let schema = 1
    /// Bounds that keep the file small whatever the world sends (well under 64 KiB).
    /// Enough for a hundred concurrent `maxctl reload`/`refresh` callers to each find theirs.
    public static let maximumRecentResults = 100
    /// A recent result's text is cut shorter than the others (the whole one is `last_result`).
    public static let maximumRecentResultBytes = 160
    public static let maximumWarnings = 8
    public static let maximumTextBytes = 512

    public var version = MaximizeVersion.current
    public var pid: Int32 = 0
    /// The process's start time in clock ticks after boot (`/proc/<pid>/stat`, field 22): with
    /// ``pid`` it names one process, so a probe can tell that it is gone.
    public var processStart: UInt64?
    /// The daemon's pid namespace (`readlink /proc/self/ns/pid`): a probe checks the pid only
    /// from the same namespace.
    public var pidNamespace: String?
    public var state: DaemonState = .starting
    public var reason: String?
    public var startedAt: Double = 0
    public var updatedAt: Double = 0
    public var listeners: [Listener] = []
    public var credentials = Credentials()
    public var config = Config()
    public var requests = Requests()
    public var control = Control()
    /// Things an operator should fix that do not stop service (loose file modes, credentials not
    /// saved), at most ``maximumWarnings``.
    public var warnings: [String] = []
    /// The latest rate-limit values the upstream sent, and the local cooldown (`limits`).
    public var limits = RateLimitState()

    public init() {}
}

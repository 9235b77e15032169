import Glibc
import MaximizeCore

extension StatusCommand {
    /// The `limits` lines of `maxctl status`: the overall status, one line per window with a
    /// bar, the share used and the reset in local time and from now, the API key's allowances,
    /// and the local cooldown. Nothing when no rate-limit header has been seen.
    static func renderLimits(_ limits: RateLimitState, now: Double) -> [String] {
        guard let seen = limits.seenAt else { return [] }
        var lines: [String] = []
        var overall = limits.status ?? "no overall status"
        if let claim = limits.representativeClaim { overall += " (\(claim))" }
        if let reset = limits.resetsAt { overall += ", resets \(when(reset, now: now))" }
        lines.append("  limits:      \(overall), seen \(Duration.human(now - seen)) ago")
        let width = max(6, (Array(limits.windows.keys) + Array(limits.allowances.keys)).map(\.count).max() ?? 0)
        for (name, window) in limits.windows.sorted(by: { $0.key < $1.key }) {
            var line = "    " + name.padded(width)
            if let utilization = window.utilization {
                line += "  \(bar(utilization)) \(String(Int((utilization * 100).rounded())).leftPadding(3))%"
            } else {
                line += "  " + String(repeating: " ", count: 22) + "   ?"
            }
            if let reset = window.resetsAt { line += "  resets \(when(reset, now: now))" }
            if let status = window.status { line += "  \(status)" }
            lines.append(line)
        }
        for (kind, allowance) in limits.allowances.sorted(by: { $0.key < $1.key }) {
            var line = "    " + kind.padded(width) + "  "
            line += "\(allowance.remaining.map { String(Int($0)) } ?? "?") of \(allowance.limit.map { String(Int($0)) } ?? "?") left"
            if let reset = allowance.resetsAt { line += ", resets \(when(reset, now: now))" }
            lines.append(line)
        }
        if let cooldown = limits.cooldown, cooldown.until > now {
            lines.append("  COOLDOWN:    answering 429 locally until \(when(cooldown.until, now: now)): \(cooldown.reason)")
        }
        return lines
    }

    /// `[#########-----------]`: 20 cells, at most full.
    static func bar(_ fraction: Double) -> String {
        let filled = Int((min(max(fraction, 0), 1) * 20).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "]"
    }

    /// `14:05 (in 2 h 13 min)`, with the weekday and date when it is not today.
    static func when(_ time: Double, now: Double) -> String {
        "\(localTime(time, now: now)) (\(Duration.relative(time - now)))"
    }

    /// `14:05` in the local time zone (`TZ`), or `Mon 30 Nov 14:05` on another day.
    static func localTime(_ time: Double, now: Double) -> String {
        guard time.isFinite, abs(time) < 1e11 else { return "?" }
        func parts(_ seconds: Double) -> tm {
            var clock = time_t(seconds)
            var parts = tm()
            localtime_r(&clock, &parts)
            return parts
        }
        let moment = parts(time)
        let today = parts(now)
        let sameDay = moment.tm_year == today.tm_year && moment.tm_yday == today.tm_yday
        var copy = moment
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, sameDay ? "%H:%M" : "%a %d %b %H:%M", &copy)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Duration {
    /// `in 2 h 13 min`, `in 45 s`, `in 3 d 4 h`; `5 min ago` for the past.
    static func relative(_ seconds: Double) -> String {
        let total = Int(min(abs(seconds), 1e9).rounded(.down))
        let days = total / 86400
        let hours = total % 86400 / 3600
        let minutes = total % 3600 / 60
        let text: String
        if days > 0 {
            text = "\(days) d \(hours) h"
        } else if hours > 0 {
            text = "\(hours) h \(minutes) min"
        } else if minutes > 0 {
            text = "\(minutes) min"
        } else {
            text = "\(total) s"
        }
        return seconds >= 0 ? "in \(text)" : "\(text) ago"
    }
}

extension String {
    /// The string followed by spaces up to `width` characters.
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// The string preceded by spaces up to `width` characters.
    fileprivate func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

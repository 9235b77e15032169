import Foundation

/// A fenced code block of a Markdown file, with the marker on the line before it:
/// `<!-- snippet: run -->` (the tests run it) or `<!-- snippet: skip (reason) -->`.
struct ReadmeSnippet: Sendable, Equatable {
    enum Mark: Sendable, Equatable {
        case run
        case skip(reason: String)
        case none
    }

    /// The fence's info string (`sh`, `python`, or `""`).
    var language: String
    var code: String
    /// The 1-based line of the opening fence.
    var line: Int
    var mark: Mark

    /// Languages whose blocks must be marked, run with bash or python3 when marked `run`.
    static let shells: Set<String> = ["sh", "bash", "shell"]
    static let runnable: Set<String> = shells.union(["python"])

    /// The blocks of `markdown`, and what is wrong with its markers: a runnable block without
    /// one, a skip without a reason, a marker not directly before a fence, an unclosed fence.
    static func parse(_ markdown: String) -> (snippets: [ReadmeSnippet], problems: [String]) {
        var snippets: [ReadmeSnippet] = []
        var problems: [String] = []
        var pending: (mark: Mark, line: Int)?
        var open: ReadmeSnippet?
        for (index, raw) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let text = raw.trimmingCharacters(in: .whitespaces)
            if var block = open {
                if text == "```" {
                    snippets.append(block)
                    open = nil
                } else {
                    block.code += raw + "\n"
                    open = block
                }
                continue
            }
            if text.hasPrefix("<!-- snippet:") {
                if let pending { problems.append("line \(pending.line): a snippet marker not followed by a fenced block") }
                pending = (mark(text, line: number, problems: &problems), number)
            } else if text.hasPrefix("```") {
                let language = String(text.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                let mark = pending?.mark ?? .none
                if mark == .none, runnable.contains(language) {
                    problems.append("line \(number): a \(language) block with no <!-- snippet: run --> or <!-- snippet: skip (reason) --> before it")
                }
                if mark == .run, !runnable.contains(language) {
                    problems.append("line \(number): marked run, but the tests run only \(runnable.sorted()) blocks")
                }
                open = ReadmeSnippet(language: language, code: "", line: number, mark: mark)
                pending = nil
            } else if !text.isEmpty, let marker = pending {
                problems.append("line \(marker.line): a snippet marker not followed by a fenced block")
                pending = nil
            }
        }
        if let open { problems.append("line \(open.line): a fenced block that is never closed") }
        if let pending { problems.append("line \(pending.line): a snippet marker not followed by a fenced block") }
        return (snippets, problems)
    }

    private static func mark(_ text: String, line: Int, problems: inout [String]) -> Mark {
        guard text.hasSuffix("-->") else {
            problems.append("line \(line): a snippet marker that does not end with -->")
            return .none
        }
        let body = text.dropFirst("<!-- snippet:".count).dropLast(3).trimmingCharacters(in: .whitespaces)
        if body == "run" { return .run }
        if body.hasPrefix("skip (") && body.hasSuffix(")") {
            let reason = body.dropFirst(6).dropLast().trimmingCharacters(in: .whitespaces)
            if !reason.isEmpty { return .skip(reason: reason) }
        }
        problems.append("line \(line): a snippet marker other than `run` or `skip (reason)`: \(text)")
        return .none
    }
}

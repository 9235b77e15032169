extension StatusDocument.Control {
    /// Records results, oldest first: `last_*` becomes the last one, and `recent` keeps the latest
    /// ``StatusDocument/maximumRecentResults`` so that concurrent callers each find theirs.
    public mutating func record(_ results: [Result]) {
        guard let last = results.last else { return }
        lastID = last.id
        lastAction = last.action
        lastResult = last.result
        recent.append(contentsOf: results.suffix(StatusDocument.maximumRecentResults))
        if recent.count > StatusDocument.maximumRecentResults {
            recent.removeFirst(recent.count - StatusDocument.maximumRecentResults)
        }
    }
}

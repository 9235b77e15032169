import MaximizeCore
import Testing

@testable import MaximizeControl

struct ControlFileTests {
    @Test func namesInTheControlDirectoryAreClassified() {
        #expect(ControlRequest.kind(ofFileName: "reload.1-2-abc") == .request(ControlRequest(action: .reload, id: "1-2-abc")))
        #expect(ControlRequest.kind(ofFileName: "refresh.x_y") == .request(ControlRequest(action: .refresh, id: "x_y")))
        #expect(ControlRequest.kind(ofFileName: ".reload.1-2-abc.tmp-Ab12Cd") == .temporary)
        #expect(ControlRequest.kind(ofFileName: "rotate.abc-123") == .unknownAction(action: "rotate", id: "abc-123"))
        for name in ["notes.txt.", "reload.", "reload", "reload.bad id", "Rotate!.abc", "x.\(String(repeating: "a", count: 129))", ""] {
            #expect(ControlRequest.kind(ofFileName: name) == .invalid, "\(name)")
        }
    }

    @Test func resultsAreKeptByIdNewestLastAndBounded() {
        var control = StatusDocument.Control()
        let total = StatusDocument.maximumRecentResults + 8
        let results = (0..<total).map { StatusDocument.Control.Result(id: "id-\($0)", action: "reload", result: "ok", at: Double($0)) }
        control.record(Array(results[0..<8]))
        #expect(control.lastID == "id-7")
        #expect((0..<8).allSatisfy { control.result(for: "id-\($0)") == "ok" })
        control.record(Array(results[8...]))
        #expect(control.recent.count == StatusDocument.maximumRecentResults)
        #expect(control.recent.last?.id == "id-\(total - 1)")
        #expect(control.result(for: "id-0") == nil)
        #expect(control.result(for: "id-8") == "ok")
        control.record([])
        #expect(control.lastID == "id-\(total - 1)")
    }
}

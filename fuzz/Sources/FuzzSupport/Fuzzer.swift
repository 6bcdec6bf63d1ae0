import CFuzzer
import Glibc

/// The test libFuzzer calls; set once by `fuzz(_:)`, before libFuzzer starts, and only read after.
nonisolated(unsafe) private var testOneInput: (UnsafeBufferPointer<UInt8>) -> Void = { _ in }

/// Runs libFuzzer over `test`: libFuzzer reads its flags and corpus directories from the command line,
/// calls `test` with each input, and stops at the first crash, sanitizer report or failed `require`.
public func fuzz(_ test: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
    testOneInput = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        testOneInput(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
    exit(status)
}

/// Stops the run when a property does not hold: libFuzzer saves the input as a crash artifact.
public func require(_ holds: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    guard !holds else { return }
    fatalError("property violated: \(message())", file: file, line: line)
}

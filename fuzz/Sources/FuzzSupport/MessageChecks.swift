/// What a message for the operator must never contain: text from Foundation or the Swift runtime.
private let frameworkMarkers = [
    "NSCocoaErrorDomain", "Error Domain=", "NSPOSIXErrorDomain", "UserInfo=", "Optional(", "Swift.", "Foundation.",
    "FoundationEssentials.", "MigrateCore.", "TOMLKit.", "(in target", "Fatal error",
]

/// Requires `message` to be an operator's message: not empty, no framework text, no secret.
public func requireCleanMessage(_ message: String, context: @autoclosure () -> String, secrets: [String] = []) {
    require(!message.isEmpty, "empty message (\(context()))")
    for marker in frameworkMarkers {
        require(!message.contains(marker), "framework text '\(marker)' in: \(message) (\(context()))")
    }
    for secret in secrets {
        require(!message.contains(secret), "secret '\(secret)' shown in: \(message) (\(context()))")
    }
}

/// Number of lines in `text`, counting `\n`, `\r\n` and a lone `\r` as line ends.
public func lineCount(of text: String) -> Int {
    var lines = 1
    var previous: UInt8 = 0
    for byte in text.utf8 {
        if byte == 0x0A, previous != 0x0D { lines += 1 }
        if byte == 0x0D { lines += 1 }
        previous = byte
    }
    return lines
}

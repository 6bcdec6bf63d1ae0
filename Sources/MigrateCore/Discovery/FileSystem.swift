import FoundationEssentials
import Glibc

/// The few file-system calls discovery and the script reader make, on plain paths: a directory listing
/// that takes each entry's type from `readdir` (no `stat` per file, no `URL` or `NSString` per file), and
/// files read in chunks straight into a buffer. `migrate` runs in every CI job and deploy, mostly with
/// nothing to do, so listing 1,000 migrations must cost what the kernel does and little more.
public enum FileSystem {
    struct Entry {
        var name: String
        var kind: EntryKind
    }

    enum EntryKind: Equatable {
        case file
        case directory
        /// A symbolic link that leads to a directory: followed by the walk, which first checks where it leads.
        case linkToDirectory
        /// A symbolic link that leads nowhere (its target is missing, or links loop back on themselves):
        /// `errno`'s code from following it.
        case brokenLink(code: Int32)
    }

    /// The entries of directory `path` that are not hidden (names starting with `.`), unsorted; symbolic
    /// links are followed to say what they lead to. Regular files, directories and links only.
    static func visibleEntries(of path: String) throws(FileSystemError) -> [Entry] {
        guard let directory = opendir(path) else { throw FileSystemError(path: path, code: errno) }
        defer { closedir(directory) }
        var entries: [Entry] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name.utf8.first != UInt8(ascii: ".") else { continue }
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): entries.append(Entry(name: name, kind: .directory))
            case Int32(DT_REG): entries.append(Entry(name: name, kind: .file))
            case Int32(DT_LNK), Int32(DT_UNKNOWN):
                // A link (or a file system that does not say): ask what it is, then what it leads to.
                if let kind = entryKind(of: path + "/" + name) { entries.append(Entry(name: name, kind: kind)) }
            default:
                break
            }
        }
        return entries
    }

    /// What the entry at `path` is (nil: something else, or gone since it was listed).
    private static func entryKind(of path: String) -> EntryKind? {
        var own = stat()
        guard lstat(path, &own) == 0 else { return nil }
        let isLink = own.st_mode & S_IFMT == S_IFLNK
        var target = stat()
        guard stat(path, &target) == 0 else { return isLink ? .brokenLink(code: errno) : nil }
        switch target.st_mode & S_IFMT {
        case S_IFDIR: return isLink ? .linkToDirectory : .directory
        case S_IFREG: return .file
        default: return nil
        }
    }

    /// What tells two paths to one directory apart from two directories: its device and inode.
    struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The identity of what `path` leads to; nil when nothing is there.
    static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Where the symbolic link at `path` points, as written in the link.
    static func linkTarget(of path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    enum Kind { case file, directory, other }

    /// What `path` is (following links); nil when nothing is there.
    static func kind(of path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    /// The size in bytes of the file at `path` (following links); nil when it cannot be read.
    static func size(of path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Opens `path` for reading; the descriptor belongs to the caller.
    static func openForReading(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(path: path, code: errno) }
        return descriptor
    }

    /// The whole file at `path`, read into `buffer` (emptied first); nil when it is larger than `limit`.
    /// The bytes are valid until `buffer` changes.
    static func readSmallFile(_ path: String, into buffer: ByteBuffer, limit: Int) throws -> UnsafeBufferPointer<UInt8>? {
        let descriptor = try openForReading(path)
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int(info.st_size) <= limit else { return nil }
        buffer.removeAll()
        let size = Int(info.st_size)
        // Until fstat's size is in (one read, usually): no extra read to see the end of the file.
        while buffer.count < size, try read(descriptor, appendingTo: buffer, count: size - buffer.count, path: path) > 0 {}
        return buffer.count == size ? buffer.bytes : nil
    }

    /// Writes all of `bytes`, however many calls it takes (a pipe may take less at once).
    public static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Glibc.write(descriptor, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, code: errno)
            }
            next += written
            remaining -= written
        }
    }

    /// `path` for messages: relative to `directory` when below it.
    static func displayPath(_ path: String, from directory: URL) -> String {
        let base = directory.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }

    /// Creates the file at `path`, which must not exist yet, and hands its descriptor to `body` (closed
    /// afterwards); a `body` that throws leaves no file. `FileSystemError.code` is EEXIST for an existing one.
    static func createNewFile<T>(_ path: String, _ body: (Int32) throws -> T) throws -> T {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystemError(path: path, code: errno) }
        defer { close(descriptor) }
        do {
            return try body(descriptor)
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Creates the file at `path`, which must not exist yet, with `bytes`.
    static func createNewFile(_ path: String, bytes: [UInt8]) throws {
        try createNewFile(path) { descriptor in try bytes.withUnsafeBytes { try write($0, to: descriptor, path: path) } }
    }

    /// Reads up to `count` bytes from `descriptor` into `buffer`'s spare room; 0 at the end of the file.
    static func read(_ descriptor: Int32, appendingTo buffer: ByteBuffer, count: Int, path: String) throws -> Int {
        while true {
            let n = Glibc.read(descriptor, buffer.spareRoom(count), count)
            if n >= 0 {
                buffer.didAppend(n)
                return n
            }
            if errno != EINTR { throw FileSystemError(path: path, code: errno) }
        }
    }
}

/// A failed system call on a path: the operating system's own words for it (`No such file or directory`).
struct FileSystemError: Error, CustomStringConvertible {
    var path: String
    var code: Int32
    var reason: String { String(cString: strerror(code)) }
    var description: String { "\(path): \(reason)" }
}

/// Why a small text file (a configuration file, a script configuration) could not be read as UTF-8, in
/// words for the person who wrote it.
struct TextFileError: Error {
    /// The 1-based line of the first byte that is not UTF-8; nil when the file could not be read at all.
    var line: Int?
    var reason: String
}

extension FileSystem {
    /// The whole file at `path` as UTF-8 text, read to its end: a device or a pipe works too (`/dev/null` is
    /// empty, `<(…)` is read). Refuses a folder, and bytes that are not UTF-8 with their line.
    static func utf8Text(at path: String) throws(TextFileError) -> String {
        switch kind(of: path) {
        case nil: throw TextFileError(reason: "it does not exist")
        case .directory: throw TextFileError(reason: "it is a folder, not a file")
        case .file, .other: break
        }
        let buffer = ByteBuffer(capacity: 4096)
        do {
            let descriptor = try openForReading(path)
            defer { close(descriptor) }
            while try read(descriptor, appendingTo: buffer, count: 64 * 1024, path: path) > 0 {}
        } catch let error as FileSystemError {
            throw TextFileError(reason: "it cannot be read: \(error.reason)")
        } catch {
            throw TextFileError(reason: "it cannot be read")
        }
        let bytes = buffer.bytes
        guard let base = bytes.baseAddress else { return "" }
        if let bad = TextDecoding.firstInvalidUTF8(base, bytes.count) {
            let line = UnsafeBufferPointer(start: base, count: bad).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            throw TextFileError(line: line, reason: "not valid UTF-8 (byte \(TextDecoding.hex(base[bad]))); save the file as UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

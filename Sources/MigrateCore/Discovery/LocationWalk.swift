import FoundationEssentials
import Glibc

/// Lists what is below the locations, each folder once. Folders are told apart by device and inode, so a
/// folder reached twice — a location named twice (`sql,./sql`), a location inside another (`sql,sql/2024`),
/// a link to a folder already read — gives its files once, and a link that leads back to a folder holding
/// it (`ln -s ../sql sql/loop`) is reported instead of followed until paths grow too long. Links are
/// followed (as Flyway does) only once every real folder of the location is read, so a file reached both
/// ways keeps its real path.
struct LocationWalk {
    struct Entry {
        /// Below the location's folder (`2024/V3__x.sql`).
        var relativePath: String
        var name: String
    }

    struct Listing {
        var files: [Entry] = []
        /// Every folder read, links to folders included (their names are checked too).
        var folders: [Entry] = []
        /// Links to folders that hold them: not followed.
        var loops: [(link: Entry, target: String)] = []
        /// Links that lead nowhere, with the operating system's reason.
        var brokenLinks: [(link: Entry, target: String, reason: String)] = []
    }

    private var visited = Set<FileSystem.Identity>()

    /// What is below folder `root`, recursively, hidden entries left out, in no particular order; nothing
    /// when this walk has already read `root` (through another location or a link). Throws the failed
    /// listing of a folder.
    mutating func list(_ root: String) throws(FileSystemError) -> Listing {
        var listing = Listing()
        guard let identity = FileSystem.identity(of: root), visited.insert(identity).inserted else { return listing }
        var folders: [String] = [""]
        var links: [Entry] = []
        while true {
            while let relative = folders.popLast() {
                let absolute = relative.isEmpty ? root : root + "/" + relative
                let entries = try FileSystem.visibleEntries(of: absolute)
                // In the directory's own order: migrations are sorted by version afterwards, and sorting the
                // names here cost more than the rest of the walk.
                for entry in entries {
                    let child = Entry(relativePath: relative.isEmpty ? entry.name : relative + "/" + entry.name, name: entry.name)
                    switch entry.kind {
                    case .file:
                        listing.files.append(child)
                    case .directory:
                        // A real folder seen before was reached through another location's link, or is mounted
                        // twice: its files are listed already.
                        if let identity = FileSystem.identity(of: root + "/" + child.relativePath), visited.insert(identity).inserted {
                            listing.folders.append(child)
                            folders.append(child.relativePath)
                        }
                    case .linkToDirectory:
                        links.append(child)
                    case .brokenLink(let code):
                        let path = root + "/" + child.relativePath
                        listing.brokenLinks.append((child, FileSystem.linkTarget(of: path) ?? "?", String(cString: strerror(code))))
                    }
                }
            }
            guard !links.isEmpty else {
                listing.loops.sort { $0.link.relativePath < $1.link.relativePath }
                listing.brokenLinks.sort { $0.link.relativePath < $1.link.relativePath }
                return listing
            }
            // Of two links to one folder, the first by name is followed, whatever order the directory had.
            links.sort { $0.relativePath > $1.relativePath }
            let link = links.removeLast()
            let path = root + "/" + link.relativePath
            guard let identity = FileSystem.identity(of: path) else { continue }
            if visited.insert(identity).inserted {
                listing.folders.append(link)
                folders.append(link.relativePath)
            } else if Self.leadsToAFolderHolding(link: path) {
                listing.loops.append((link, FileSystem.linkTarget(of: path) ?? "?"))
            }
            // Else it leads to a folder listed already, through a location or another link: nothing to add.
        }
    }

    /// Whether the link at `path` leads to the folder it is in or to one of that folder's parents.
    private static func leadsToAFolderHolding(link path: String) -> Bool {
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        guard let target = realPath(path), let folder = realPath(parent.isEmpty ? "/" : parent) else { return false }
        return folder == target || folder.hasPrefix(target == "/" ? "/" : target + "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

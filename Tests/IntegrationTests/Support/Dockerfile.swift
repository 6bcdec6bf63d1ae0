import Foundation

/// The instructions of a Dockerfile, read the way `docker build` reads them: comments and blank lines dropped,
/// lines ending in `\` joined, `ARG` defaults substituted into `FROM`, each instruction tagged with its stage.
struct Dockerfile {
    struct Instruction {
        /// Upper case: FROM, RUN, COPY…
        var keyword: String
        var arguments: String
        /// The index of the stage (the FROM) it belongs to; -1 before the first FROM (global ARGs).
        var stage: Int

        /// The arguments of the JSON ("exec") form: `ENTRYPOINT ["migrate"]` → ["migrate"].
        var execForm: [String]? {
            (try? JSONSerialization.jsonObject(with: Data(arguments.utf8))) as? [String]
        }
    }

    struct Stage {
        var image: String
        var name: String?
    }

    var instructions: [Instruction] = []
    var stages: [Stage] = []

    init(_ text: String) {
        var logical: [String] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                logical.append(pending + line)
                pending = ""
            }
        }
        var globalArguments: [String: String] = [:]
        for line in logical where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1)
            let keyword = parts[0].uppercased()
            let arguments = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
            if keyword == "ARG", stages.isEmpty {
                let pair = arguments.split(separator: "=", maxSplits: 1)
                globalArguments[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
            }
            if keyword == "FROM" {
                let words = arguments.split(separator: " ").map(String.init)
                var image = words[0]
                for (name, value) in globalArguments { image = image.replacingOccurrences(of: "${\(name)}", with: value) }
                let name = words.count == 3 && words[1].uppercased() == "AS" ? words[2] : nil
                stages.append(Stage(image: image, name: name))
            }
            instructions.append(Instruction(keyword: keyword, arguments: arguments, stage: stages.count - 1))
        }
    }

    /// The instructions `keyword` of stage `stage` (the last stage, the image itself, by default).
    func instructions(_ keyword: String, stage: Int? = nil) -> [Instruction] {
        let stage = stage ?? stages.count - 1
        return instructions.filter { $0.keyword == keyword && $0.stage == stage }
    }
}

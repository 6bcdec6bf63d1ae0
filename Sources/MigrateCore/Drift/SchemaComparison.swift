/// Two catalog snapshots matched object by object: what only the source (the build from the migrations) has,
/// what only the target (the database) has, and what both have with different definitions. An object whose
/// parent exists on one side only is not listed: its parent is (a table's indexes and grants go with it).
struct SchemaComparison {
    var onlyInSource: [DriftedObject] = []
    var onlyInTarget: [DriftedObject] = []
    var differences: [DriftedObject] = []
    /// Objects on either side, each counted once.
    var objectsCompared = 0

    init(source: [CatalogObject.Key: CatalogObject], target: [CatalogObject.Key: CatalogObject]) {
        let sourceOnly = Set(source.keys).subtracting(target.keys)
        let targetOnly = Set(target.keys).subtracting(source.keys)
        objectsCompared = source.count + targetOnly.count
        func reported(_ object: CatalogObject, _ oneSided: Set<CatalogObject.Key>) -> Bool {
            object.parent.map { !oneSided.contains($0) } ?? true
        }
        for key in sourceOnly.sorted() where reported(source[key]!, sourceOnly) {
            onlyInSource.append(Self.drifted(key, before: source[key]!.definition, after: nil))
        }
        for key in targetOnly.sorted() where reported(target[key]!, targetOnly) {
            onlyInTarget.append(Self.drifted(key, before: nil, after: target[key]!.definition))
        }
        for key in source.keys.sorted() {
            guard let expected = source[key], let actual = target[key], expected.definition != actual.definition else { continue }
            differences.append(Self.drifted(key, before: expected.definition, after: actual.definition))
        }
    }

    private static func drifted(_ key: CatalogObject.Key, before: String?, after: String?) -> DriftedObject {
        DriftedObject(name: key.name, schema: key.schema, objectType: key.objectType, definitionBefore: before, definitionAfter: after)
    }
}

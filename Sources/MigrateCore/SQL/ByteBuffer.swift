import FoundationEssentials
import Glibc

/// A growable run of bytes whose base address stays put until the next mutation.
///
/// The script reader's hot loops work on raw pointers into these buffers; Swift arrays cannot hand out a
/// pointer that outlives a closure. Instances are owned by one reader and never shared between threads,
/// so the stored properties skip Swift's dynamic exclusivity checks, which cost more than the work here.
final class ByteBuffer {
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private(set) var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var isEmpty: Bool { count == 0 }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Makes room for at least `total` bytes, keeping the contents.
    func reserve(_ total: Int) {
        guard total > capacity else { return }
        var newCapacity = capacity
        while newCapacity < total { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    func append(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        guard n > 0 else { return }
        reserve(count + n)
        (base + count).update(from: bytes, count: n)
        count += n
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress else { return }
        append(start, count: bytes.count)
    }

    func append(_ byte: UInt8) {
        reserve(count + 1)
        base[count] = byte
        count += 1
    }

    /// Hands out `n` bytes of spare room at the end for the caller to fill; commit with `didAppend`.
    func spareRoom(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        reserve(count + n)
        return base + count
    }

    func didAppend(_ n: Int) { count += n }

    /// Drops the first `n` bytes, moving the rest to the front.
    func removeFirst(_ n: Int) {
        guard n > 0 else { return }
        let rest = count - n
        if rest > 0 { base.update(from: base + n, count: rest) }
        count = rest
    }

    /// Gives memory back when the buffer grew past `limit` but now holds little.
    func shrink(ifCapacityAbove limit: Int) {
        guard capacity > limit, count <= limit / 4 else { return }
        let newCapacity = Swift.max(count * 2, 256)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Empties the buffer; gives memory back when it grew past `limit` (one huge statement must not pin it).
    func removeAll(shrinkingAbove limit: Int = 4 << 20) {
        count = 0
        if capacity > limit {
            base.deallocate()
            capacity = 256
            base = .allocate(capacity: capacity)
        }
    }
}

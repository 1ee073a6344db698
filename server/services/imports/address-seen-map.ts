/**
 * "Which line first had this address?" within one import batch, in typed arrays: 12 bytes per
 * slot (a 64-bit fingerprint of the blind index + the line), at most half full, outside the JS
 * heap's object graph. Created per batch (run-steps.ts); duplicates of rows in earlier batches
 * are found by the batch writer through the contacts' `import_id`/`import_line`.
 *
 * Two different addresses share a fingerprint with probability ~n²/2⁶⁵ (negligible for a batch);
 * the cost of that would be one row wrongly reported as a duplicate.
 */
export class AddressSeenMap {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private lines: Int32Array;
  private size = 0;

  constructor(initialCapacity = 1 << 14) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.lines = new Int32Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  /** Line that registered this hex hash first, or 0. */
  get(hexHash: string): number {
    const hi = parseInt(hexHash.slice(0, 8), 16) >>> 0;
    const lo = parseInt(hexHash.slice(8, 16), 16) >>> 0;
    const mask = this.lines.length - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const line = this.lines[slot]!;
      if (line === 0) return 0;
      if (this.hi[slot] === hi && this.lo[slot] === lo) return line;
    }
  }

  /** Registers `line` for the hash unless already there; returns the line that now owns it. */
  setIfAbsent(hexHash: string, line: number): number {
    if ((this.size + 1) * 2 > this.lines.length) this.grow();
    const hi = parseInt(hexHash.slice(0, 8), 16) >>> 0;
    const lo = parseInt(hexHash.slice(8, 16), 16) >>> 0;
    const mask = this.lines.length - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const existing = this.lines[slot]!;
      if (existing === 0) {
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        this.lines[slot] = line;
        this.size++;
        return line;
      }
      if (this.hi[slot] === hi && this.lo[slot] === lo) return existing;
    }
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    const capacity = lines.length * 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.lines = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      let slot = lo[i]! & mask;
      while (this.lines[slot] !== 0) slot = (slot + 1) & mask;
      this.hi[slot] = hi[i]!;
      this.lo[slot] = lo[i]!;
      this.lines[slot] = lines[i]!;
    }
  }
}

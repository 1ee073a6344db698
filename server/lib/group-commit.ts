/**
 * Group commit: the items submitted while earlier groups are being written are written together,
 * by one `run` call. A submission that finds fewer than `maxInFlight` groups running starts one at
 * once with whatever is waiting (alone at low load: no added latency); under load the items that
 * arrive meanwhile wait for the next group, so one statement or transaction serves many callers.
 * Each submission resolves with its own result, once the group holding it has finished. If a group
 * of several fails as a whole, its items are run again one by one, so one bad item cannot fail
 * the others.
 */
export interface GroupCommitOptions<I, O> {
  /** Groups running at once; items arriving meanwhile wait. */
  maxInFlight: number;
  /** Largest group, in `sizeOf` units (a group always takes at least one item). */
  maxSize: number;
  /** An item's size (default 1): e.g. its row count, when groups are bounded by rows. */
  sizeOf?: (item: I) => number;
  /** Writes a group and answers one result per item, in the items' order. */
  run: (items: I[]) => Promise<O[]>;
}

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    const { maxInFlight, maxSize, sizeOf = () => 1 } = this.options;
    while (this.inFlight < maxInFlight && this.waiting.length > 0) {
      const group: Waiting<I, O>[] = [];
      let size = 0;
      while (this.waiting.length > 0 && (group.length === 0 || size + sizeOf(this.waiting[0]!.item) <= maxSize)) {
        const next = this.waiting.shift()!;
        group.push(next);
        size += sizeOf(next.item);
      }
      this.inFlight++;
      void this.flush(group).finally(() => {
        this.inFlight--;
        this.kick();
      });
    }
  }

  private async flush(group: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.options.run(group.map((w) => w.item));
      group.forEach((waiting, i) => waiting.resolve(results[i]!));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      for (const waiting of group)
        await this.options.run([waiting.item]).then(([result]) => waiting.resolve(result!), waiting.reject);
    }
  }
}

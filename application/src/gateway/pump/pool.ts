/**
 * A bounded worker pool for the event pump: at most `size` tasks run at once; `admit` waits
 * for a free slot and then starts the task without waiting for it, so the event reader stays
 * ahead of the work by at most `size` events. Tasks on the same key (a trade) run one after
 * another in admission order; tasks on different keys run side by side.
 */
export class WorkerPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly tails = new Map<string, Promise<void>>();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool size ${String(size)} < 1`);
  }

  /** Tasks started and not finished. */
  get busy(): number {
    return this.running;
  }

  /** Waits for a slot, then starts `task` (after earlier tasks of the same key). */
  async admit(key: string, task: () => Promise<void>): Promise<void> {
    while (this.running >= this.size) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running += 1;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(task).catch(() => undefined);
    this.tails.set(key, run);
    void run.finally(() => {
      if (this.tails.get(key) === run) this.tails.delete(key);
      this.running -= 1;
      this.waiting.shift()?.();
      if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** Resolves once no task is running. */
  async idle(): Promise<void> {
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}

import { tooMany } from '../http/errors.js';

/** Fixed-window counters for free test-result decryptions (in memory, per app process). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one use of `key`; 429 when its window is used up. Returns the uses left. */
  take(key: string, now = Date.now()): number {
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.max) {
      const wait = Math.ceil((window.start + this.windowMs - now) / 1000);
      throw tooMany(
        `free test decryptions are limited to ${String(this.max)} per window; retry in ${String(wait)} s`,
      );
    }
    window.count++;
    return this.max - window.count;
  }
}

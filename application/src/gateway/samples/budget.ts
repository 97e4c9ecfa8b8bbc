/**
 * The decryption budget of a secret key (docs/ckks.md): every value released under a key is
 * counted in the seller store, and a key never releases more than its listing's
 * maxValuesPerKey. A release first asks how much is left (the most a result may then hold)
 * and counts what it released before handing it out; a count that no longer fits refuses.
 */
import type { SellerStore } from '../store/seller-store.js';

export class BudgetExhausted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExhausted';
  }
}

/** How many values the key may still release (refuses when none are left). */
export async function remainingBudget(
  store: SellerStore,
  keyLabel: string,
  maxValuesPerKey: number,
): Promise<number> {
  const spent = await store.keyBudgetSpent(keyLabel);
  const left = maxValuesPerKey - spent;
  if (left <= 0) {
    throw new BudgetExhausted(
      `BUDGET_EXHAUSTED: this key has released ${spent} values, its whole budget of ${maxValuesPerKey}; ask for a new sample (fresh keys)`,
    );
  }
  return left;
}

/** Counts a release against the key's budget; refuses (nothing counted) when it does not fit. */
export async function spendBudget(
  store: SellerStore,
  keyLabel: string,
  values: number,
  maxValuesPerKey: number,
): Promise<number> {
  const total = await store.spendKeyBudget(keyLabel, values, maxValuesPerKey);
  if (total === undefined) {
    throw new BudgetExhausted(
      `BUDGET_EXHAUSTED: releasing ${values} more values would exceed this key's budget of ${maxValuesPerKey}`,
    );
  }
  return total;
}

import { DEFAULT_ISSUER_MSP, TOKEN_EVENT } from './constants.js';
import { MAX_AMOUNT, parseAmount, storedAmount } from './amount.js';
import { ContractError } from './errors.js';
import { BALANCE, CONFIG_KEY, CREDIT, SUPPLY_KEY } from './keys.js';
import type { Tx } from './ledger.js';
import type { Config, TokenEvent } from './types.js';
import { recordChange } from './totals.js';
import { identifier } from './validate.js';

export async function getConfig(tx: Tx): Promise<Config | undefined> {
  return tx.getJson<Config>(CONFIG_KEY);
}

export async function initialize(tx: Tx, issuerArg: string): Promise<Config> {
  const issuerMspId = issuerArg === '' ? DEFAULT_ISSUER_MSP : identifier('issuerMspId', issuerArg);
  const existing = await getConfig(tx);
  if (existing) {
    throw new ContractError(
      'ALREADY_EXISTS',
      `the contract is already initialized (issuer ${existing.issuerMspId}, tx ${existing.txId}); Initialize runs once`,
    );
  }
  const config: Config = {
    docType: 'config',
    issuerMspId,
    initializedBy: tx.caller,
    initializedAt: tx.now,
    txId: tx.txId,
  };
  await tx.putJson(CONFIG_KEY, config);
  emitToken(tx, {
    type: 'Initialized',
    from: null,
    to: null,
    amount: '0',
    totalSupply: '0',
    issuerMspId,
  });
  return config;
}

async function requireIssuer(tx: Tx, action: string): Promise<Config> {
  const config = await getConfig(tx);
  if (!config) {
    throw new ContractError(
      'NOT_INITIALIZED',
      `${action} needs the token issuer: call Initialize first`,
    );
  }
  if (tx.callerMsp !== config.issuerMspId) {
    throw new ContractError(
      'FORBIDDEN',
      `${action} is reserved to the issuer org ${config.issuerMspId}; the caller belongs to ${tx.callerMsp}`,
    );
  }
  return config;
}

/** The compacted base of an account (debits and compaction write it). */
async function baseOf(tx: Tx, account: string): Promise<bigint> {
  const raw = await tx.getText(tx.key(BALANCE, [account]));
  return raw === undefined ? 0n : storedAmount(`balance of ${account}`, raw);
}

/** Every committed credit key of the account and its amount. */
async function creditsOf(tx: Tx, account: string): Promise<{ keys: string[]; sum: bigint }> {
  const keys: string[] = [];
  let sum = 0n;
  for await (const { key, value } of tx.scan(CREDIT, [account])) {
    keys.push(key);
    sum += storedAmount(`credit ${key}`, value);
  }
  return { keys, sum };
}

/** Base + credits. In a submit this range-reads the credits: debit() avoids it when it can. */
export async function balanceOf(tx: Tx, account: string): Promise<bigint> {
  return (await baseOf(tx, account)) + (await creditsOf(tx, account)).sum;
}

export async function totalSupply(tx: Tx): Promise<bigint> {
  const raw = await tx.getText(SUPPLY_KEY);
  return raw === undefined ? 0n : storedAmount('total supply', raw);
}

/**
 * Adds to an account as a key of its own, written blind: it reads nothing, so any number of
 * payouts, refunds and transfers to one account commit in one block without a conflict.
 * Every token added here was debited elsewhere, minted or paid out of escrow.
 */
export async function credit(tx: Tx, account: string, amount: bigint): Promise<void> {
  if (amount < 0n) throw new Error(`internal error: credit of ${amount}`);
  if (amount === 0n) return;
  // The supply cap (MAX_AMOUNT) bounds every balance, so no read is needed to check one.
  const key = tx.key(CREDIT, [account, tx.txId, String(tx.nextSequence())]);
  await tx.putText(key, amount.toString());
  recordChange(tx, { balances: amount });
}

/** Folds every credit key into the base; returns the balance. Reads (range) and writes. */
async function compactInto(tx: Tx, account: string, base: bigint): Promise<bigint> {
  const { keys, sum } = await creditsOf(tx, account);
  for (const key of keys) await tx.delete(key);
  const balance = base + sum;
  if (keys.length > 0) await tx.putText(tx.key(BALANCE, [account]), balance.toString());
  return balance;
}

/**
 * Takes from an account, refusing to go below zero. Reads only the base when it covers the
 * amount (so credits arriving meanwhile do not conflict); otherwise folds the credits into
 * the base first (lazy compaction). Debits of one account conflict with each other: MVCC
 * serialises them and the app retries (application/src/gateway/ledger/debit-queue.ts).
 */
export async function debit(
  tx: Tx,
  account: string,
  amount: bigint,
  purpose: string,
): Promise<void> {
  if (amount < 0n) throw new Error(`internal error: debit of ${amount}`);
  if (amount === 0n) return;
  let balance = await baseOf(tx, account);
  if (balance < amount) balance = await compactInto(tx, account, balance);
  if (balance < amount) {
    throw new ContractError(
      'INSUFFICIENT_FUNDS',
      `${purpose} needs ${amount} tokens but the balance of ${account} is ${balance}`,
    );
  }
  await tx.putText(tx.key(BALANCE, [account]), (balance - amount).toString());
  recordChange(tx, { balances: -amount });
}

/** The owner folds its credit keys into its base (BalanceOf then reads one key again). */
export async function compactBalance(
  tx: Tx,
): Promise<{ account: string; balance: string; folded: number }> {
  const base = await baseOf(tx, tx.caller);
  const { keys } = await creditsOf(tx, tx.caller);
  const balance = await compactInto(tx, tx.caller, base);
  return { account: tx.caller, balance: balance.toString(), folded: keys.length };
}

export async function mint(
  tx: Tx,
  to: string,
  amountArg: string,
  action: string,
): Promise<TokenEvent> {
  const amount = parseAmount('amount', amountArg);
  await requireIssuer(tx, action);
  const supply = await totalSupply(tx);
  if (supply + amount > MAX_AMOUNT) {
    throw new ContractError(
      'LIMIT',
      `minting ${amount} would bring the total supply from ${supply} above the cap ${MAX_AMOUNT}`,
    );
  }
  await credit(tx, to, amount);
  await tx.putText(SUPPLY_KEY, (supply + amount).toString());
  recordChange(tx, { supply: amount });
  return emitToken(tx, {
    type: 'Minted',
    from: null,
    to,
    amount: amount.toString(),
    totalSupply: (supply + amount).toString(),
    issuerMspId: null,
  });
}

export async function burn(tx: Tx, amountArg: string): Promise<TokenEvent> {
  const amount = parseAmount('amount', amountArg);
  await requireIssuer(tx, 'Burn');
  const supply = await totalSupply(tx);
  await debit(tx, tx.caller, amount, 'Burn');
  if (supply < amount) throw new Error('corrupt ledger: total supply below a balance');
  await tx.putText(SUPPLY_KEY, (supply - amount).toString());
  recordChange(tx, { supply: -amount });
  return emitToken(tx, {
    type: 'Burned',
    from: tx.caller,
    to: null,
    amount: amount.toString(),
    totalSupply: (supply - amount).toString(),
    issuerMspId: null,
  });
}

export async function transfer(tx: Tx, to: string, amountArg: string): Promise<TokenEvent> {
  const amount = parseAmount('amount', amountArg);
  if (to === tx.caller) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      'Transfer to your own account is refused: it would move nothing',
    );
  }
  await debit(tx, tx.caller, amount, 'Transfer');
  await credit(tx, to, amount);
  return emitToken(tx, {
    type: 'Transferred',
    from: tx.caller,
    to,
    amount: amount.toString(),
    // Not read here: reading the supply key would make every transfer conflict with Mint/Burn.
    totalSupply: null,
    issuerMspId: null,
  });
}

function emitToken(tx: Tx, fields: Omit<TokenEvent, 'txId' | 'timestamp'>): TokenEvent {
  const event: TokenEvent = { ...fields, txId: tx.txId, timestamp: tx.now };
  tx.emit(TOKEN_EVENT, event);
  return event;
}

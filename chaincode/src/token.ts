import { DEFAULT_ISSUER_MSP, TOKEN_EVENT } from './constants.js';
import { MAX_AMOUNT, parseAmount, storedAmount } from './amount.js';
import { ContractError } from './errors.js';
import { BALANCE, CONFIG_KEY, SUPPLY_KEY } from './keys.js';
import type { Tx } from './ledger.js';
import type { Config, TokenEvent } from './types.js';
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

export async function balanceOf(tx: Tx, account: string): Promise<bigint> {
  const raw = await tx.getText(tx.key(BALANCE, [account]));
  return raw === undefined ? 0n : storedAmount(`balance of ${account}`, raw);
}

export async function totalSupply(tx: Tx): Promise<bigint> {
  const raw = await tx.getText(SUPPLY_KEY);
  return raw === undefined ? 0n : storedAmount('total supply', raw);
}

/** Adds to an account. Every token added here was debited elsewhere or minted. */
export async function credit(tx: Tx, account: string, amount: bigint): Promise<void> {
  if (amount < 0n) throw new Error(`internal error: credit of ${amount}`);
  if (amount === 0n) return;
  const balance = (await balanceOf(tx, account)) + amount;
  if (balance > MAX_AMOUNT) {
    // Unreachable while the supply cap holds; kept as a last line of defence.
    throw new ContractError('LIMIT', `the balance of ${account} would exceed ${MAX_AMOUNT}`);
  }
  await tx.putText(tx.key(BALANCE, [account]), balance.toString());
}

/** Takes from an account, refusing to go below zero. */
export async function debit(
  tx: Tx,
  account: string,
  amount: bigint,
  purpose: string,
): Promise<void> {
  if (amount < 0n) throw new Error(`internal error: debit of ${amount}`);
  if (amount === 0n) return;
  const balance = await balanceOf(tx, account);
  if (balance < amount) {
    throw new ContractError(
      'INSUFFICIENT_FUNDS',
      `${purpose} needs ${amount} tokens but the balance of ${account} is ${balance}`,
    );
  }
  await tx.putText(tx.key(BALANCE, [account]), (balance - amount).toString());
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

/**
 * Blocks, transactions and chain info of an in-process channel, in the shapes blocks.ts decodes
 * from a real peer: block 0 is the channel's config block, then one block per transaction.
 * Hashes are synthetic (a SHA-256 chain over the block contents), stable for a given log.
 */
import { createHash } from 'node:crypto';
import type { DecodedBlock, DecodedTransaction } from '../../src/gateway/blocks.js';
import type { ChainInfo } from '../../src/gateway/ledger/market-ledger.js';
import type { CommittedTransaction, InProcessChannel } from './in-process-network.js';

const utf8 = new TextDecoder();

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function decodedTransaction(channel: string, tx: CommittedTransaction): DecodedTransaction {
  return {
    txId: tx.txId,
    type: 'ENDORSER_TRANSACTION',
    channel,
    timestamp: new Date(tx.timestamp).toISOString(),
    creatorMspId: tx.creatorMspId,
    validationCode: 'VALID',
    chaincode: 'datamarket',
    function: tx.fn,
    args: tx.args,
    response: { status: 200, message: '', payload: tx.result },
    event: tx.event
      ? { name: tx.event.name, payload: parseMaybeJson(utf8.decode(tx.event.payload)) }
      : null,
  };
}

function genesis(channel: string): DecodedTransaction {
  return {
    txId: '',
    type: 'CONFIG',
    channel,
    timestamp: null,
    creatorMspId: null,
    validationCode: null,
    chaincode: null,
    function: null,
    args: [],
    response: null,
    event: null,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every block of the channel, block 0 first (recomputed: logs in tests are short). */
function blocks(channel: InProcessChannel): DecodedBlock[] {
  const out: DecodedBlock[] = [];
  let previousHash = '';
  const contents = [
    genesis(channel.name),
    ...channel.transactions.map((tx) => decodedTransaction(channel.name, tx)),
  ];
  contents.forEach((transaction, index) => {
    const dataHash = sha256(JSON.stringify(transaction));
    out.push({ number: String(index), previousHash, dataHash, transactions: [transaction] });
    previousHash = sha256(`${String(index)}:${previousHash}:${dataHash}`);
  });
  return out;
}

/** The hash of a block's header, as the next block's previousHash names it. */
function headerHash(block: DecodedBlock): string {
  return sha256(`${block.number}:${block.previousHash}:${block.dataHash}`);
}

export function blockOf(channel: InProcessChannel, blockNumber: bigint): DecodedBlock | undefined {
  return blocks(channel)[Number(blockNumber)];
}

export function chainInfoOf(channel: InProcessChannel): ChainInfo {
  const all = blocks(channel);
  const last = all[all.length - 1];
  return { height: String(all.length), currentBlockHash: last ? headerHash(last) : '' };
}

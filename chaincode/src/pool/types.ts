/**
 * Pools (several sellers behind one joint computation) and joint trades: records, inputs and
 * events. Amounts are decimal strings; times are epoch milliseconds. See docs/pools.md.
 */
export const SPLIT_RULES = ['stake', 'rows', 'shapley-f1'] as const;
export type SplitRule = (typeof SPLIT_RULES)[number];

/** A seat in a pool: a named account, or any one account of an org (MSP). */
export type PoolInvite = { account: string } | { msp: string };

/**
 * What a joint computation's values look like, so that each seller's app can pick a
 * fixed-point ring in which the masked sum cannot wrap: every value of one seller's partial
 * lies in [-valueBound, valueBound] and is encoded with `fractionalBits` bits after the point.
 */
export interface AggregationBounds {
  valueBound: number;
  fractionalBits: number;
}

/** ProposePool's JSON argument. */
export interface PoolProposal {
  id: string;
  title: string;
  description?: string;
  /** The columns every member's dataset has (rowCount is each member's own, given at join). */
  columns: string[];
  /** Per round; a trade of r rounds escrows price × r + deposit. */
  price: string;
  deposit?: string;
  maxRounds: number;
  deliverWithin: number;
  partialsWithin: number;
  sharesWithin: number;
  /** Values released over all rounds of one trade (coalition aggregates count too). */
  leakageBound: number;
  ckksPreset: string;
  /** Opaque to the contract: checked for form and size only, copied into every trade. */
  computationPolicy: unknown;
  aggregation: AggregationBounds;
  splitRule: SplitRule;
  /** The co-sellers (the lead is seat 0 and is not listed). */
  invites: PoolInvite[];
  /** `stake` rule: one positive whole-number weight per seat, the lead's first. */
  stakes?: string[];
}

export type PoolState = 'FORMING' | 'READY' | 'CLOSED';

export interface PoolSeat {
  invite: PoolInvite | { lead: string };
  /** Fixed by the proposal for the `stake` rule, else null. */
  stake: string | null;
  member: PoolMember | null;
}

export interface PoolMember {
  account: string;
  rowCount: number;
  schemaHash: string;
  /** The member app's X25519 public key (raw 32 bytes, base64) for pairwise mask seeds. */
  maskPublicKey: string;
  joinedAt: number;
  txId: string;
}

export interface Pool {
  docType: 'pool';
  id: string;
  lead: string;
  state: PoolState;
  title: string;
  description: string;
  schema: { columns: string[] };
  /** SHA-256 (hex) of JSON.stringify(columns): what each member's schemaHash must equal. */
  schemaHash: string;
  price: string;
  deposit: string;
  maxRounds: number;
  deliverWithin: number;
  partialsWithin: number;
  sharesWithin: number;
  leakageBound: number;
  ckksPreset: string;
  computationPolicy: unknown;
  aggregation: AggregationBounds;
  splitRule: SplitRule;
  /** What a buyer of this pool receives beyond the joint aggregate. */
  disclosure: 'aggregate' | 'aggregate-and-coalition-aggregates';
  seats: PoolSeat[];
  version: number;
  createdAt: number;
  updatedAt: number;
  lastTxId: string;
}

export const POOL_TRADE_STATES = [
  'PAID',
  'COMPUTING',
  'SHARING',
  'SCORING',
  'SETTLED',
  'REJECTED',
  'REFUNDED',
  'CLAIMED',
] as const;
export type PoolTradeState = (typeof POOL_TRADE_STATES)[number];
export const OPEN_POOL_TRADE_STATES: readonly PoolTradeState[] = [
  'PAID',
  'COMPUTING',
  'SHARING',
  'SCORING',
];

/** One member of a joint trade, frozen at purchase, with its progress. */
export interface PoolTradeMember {
  account: string;
  rowCount: number;
  stake: string | null;
  maskPublicKey: string;
  bundleHash: string | null;
  bundleBytes: number | null;
  deliveredAt: number | null;
  /** The buyer's encrypted partial for this member in the current round (SHA-256 hex). */
  partialHash: string | null;
  /** The last round whose masked share this member submitted (0: none yet). */
  sharedRound: number;
  paid: string;
}

export type PoolCloseBasis =
  | 'BUYER_WITHDREW'
  | 'DELIVERY_DEADLINE_MISSED'
  | 'SHARE_DEADLINE_MISSED'
  | 'PARTIALS_DEADLINE_MISSED'
  | 'SCORES_DEADLINE_MISSED'
  | 'PARTIAL_REJECTED';

export interface PoolTradeTerms {
  poolVersion: number;
  deliverWithin: number;
  partialsWithin: number;
  sharesWithin: number;
  leakageBound: number;
  ckksPreset: string;
  computationPolicy: unknown;
  aggregation: AggregationBounds;
  splitRule: SplitRule;
  /** Aggregates released per round: 1, or 2^n − 1 (every coalition) for shapley-f1. */
  aggregatesPerRound: number;
}

export interface PoolTrade {
  docType: 'pool-trade';
  tradeId: string;
  poolId: string;
  buyer: string;
  state: PoolTradeState;
  /** Per round. */
  price: string;
  deposit: string;
  rounds: number;
  /** The round in progress (0 while bundles are being delivered). */
  round: number;
  escrow: string;
  paidToMembers: string;
  paidToBuyer: string;
  buyerResultKey: string;
  terms: PoolTradeTerms;
  members: PoolTradeMember[];
  /** Values per aggregate in the current round, and values released so far (all rounds). */
  valueCount: number | null;
  leakageUsed: number;
  paidAt: number;
  deliverBy: number;
  partialsBy: number | null;
  sharesBy: number | null;
  scoresBy: number | null;
  /** shapley-f1: the buyer's F1 score of each coalition (index = bitmask − 1), micro-units. */
  scores: number[] | null;
  /** shapley-f1: each member's n!·φ (clamped at 0) that the payout was split by. */
  shapleyWeights: string[] | null;
  closeBasis: PoolCloseBasis | null;
  rejectReason: string | null;
  rejectedBy: string | null;
  closedAt: number | null;
  updatedAt: number;
  lastTxId: string;
}

/** One member's masked share of one round, encrypted to the buyer's result key. */
export interface PoolShare {
  docType: 'pool-share';
  tradeId: string;
  round: number;
  member: number;
  account: string;
  partialHash: string;
  encryptedShare: string;
  /** SHA-256 (hex) of the plaintext masked share, for the buyer to check after decrypting. */
  shareDigest: string;
  encryptedShareSha256: string;
  submittedAt: number;
  txId: string;
}

/** JoinPool's JSON argument. */
export interface PoolJoinInput {
  rowCount: number;
  schemaHash: string;
  maskPublicKey: string;
  stake?: string;
}

export type PoolEventType = 'PoolProposed' | 'PoolJoined' | 'PoolLeft' | 'PoolClosed';

export interface PoolEvent {
  type: PoolEventType;
  poolId: string;
  lead: string;
  account: string;
  state: PoolState;
  version: number;
  txId: string;
  timestamp: number;
}

export type PoolTradeEventType =
  | 'PoolPurchased'
  | 'BundleDelivered'
  | 'PartialsSubmitted'
  | 'ShareSubmitted'
  | 'RoundCompleted'
  | 'ScoresSubmitted'
  | 'PoolSettled'
  | 'PoolRejected'
  | 'PoolRefunded'
  | 'PoolClaimed';

export interface PoolTradeEvent {
  type: PoolTradeEventType;
  tradeId: string;
  poolId: string;
  buyer: string;
  members: string[];
  previousState: PoolTradeState | null;
  state: PoolTradeState;
  round: number;
  escrow: string;
  /** Paid by this transaction to each member (same order as members), and to the buyer. */
  toMembers: string[];
  toBuyer: string;
  /** The deadline now running, or null once closed. */
  deadline: number | null;
  txId: string;
  timestamp: number;
}

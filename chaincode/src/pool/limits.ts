/** Pool limits and event names (pure values, exported through `@datamarket/chaincode/api`). */

export const POOL_EVENT = 'PoolEvent';
export const POOL_TRADE_EVENT = 'PoolTradeEvent';

/** Most seats in a pool (the lead included). */
export const MAX_POOL_MEMBERS = 16;
/** Most seats under shapley-f1: 2^5 − 1 = 31 coalitions to score. */
export const MAX_SHAPLEY_MEMBERS = 5;
/** Most rounds one joint trade may run. */
export const MAX_POOL_ROUNDS = 1000;
/** Largest ProposePool / JoinPool JSON argument (characters). */
export const MAX_POOL_JSON = 64 * 1024;
/** Largest computation policy (characters of its JSON). */
export const MAX_COMPUTATION_POLICY = 16 * 1024;
/** Most bits after the binary point of the fixed-point encoding. */
export const MAX_FRACTIONAL_BITS = 64;
/** F1 scores are given with at most 6 decimals and stored as micro-units (1 = 1 000 000). */
export const F1_SCALE = 1_000_000;

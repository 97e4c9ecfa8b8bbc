/**
 * The contract's public constants: event names and input limits. Pure values (no Fabric
 * imports), so applications can import them through `@datamarket/chaincode/api`.
 */

/** Chaincode event names: one event per transaction, named by what it concerns. */
export const TRADE_EVENT = 'TradeEvent';
export const LISTING_EVENT = 'ListingEvent';
export const TOKEN_EVENT = 'TokenEvent';

/** The issuer Initialize picks when it is given an empty MSP id. */
export const DEFAULT_ISSUER_MSP = 'AuditorMSP';

/** How far (seconds) a transaction timestamp may be from the endorsing peer's clock. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

/** Longest account id (MSP id + certificate subject and issuer). */
export const MAX_ACCOUNT_ID = 2048;
/** Longest buyer result key (PEM text). */
export const MAX_RESULT_KEY = 8192;
/** Largest encrypted result DeliverResult takes (base64 characters). */
export const MAX_ENCRYPTED_RESULT = 256 * 1024;
/** Longest RejectResult reason. */
export const MAX_REASON = 1000;

/** Longest deadline a listing may set (seconds). */
export const MAX_DURATION_SECONDS = 366 * 24 * 3600;
/** Most columns a listing's schema may name. */
export const MAX_COLUMNS = 1000;
/** Largest CreateListing / UpdateListing JSON argument (characters). */
export const MAX_LISTING_JSON = 256 * 1024;

/** Page sizes of the List* queries. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

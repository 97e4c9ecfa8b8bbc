/**
 * A listing's free test sample (samples/requests.ts): synthetic rows of the listing's sample
 * kind under fresh keys per request, and its results decrypted within the key's budget.
 */
export { decryptSampleResult, sampleBundle } from '../samples/requests.js';

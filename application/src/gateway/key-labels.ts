/**
 * Associated-data labels for sealed secrets (crypto/sealing.ts): each names what the secret is
 * for, so a sealed value copied to another row does not open.
 */
export const labels = {
  tradeKey: (channel: string, tradeId: string) => `trade-key:${channel}:${tradeId}`,
  sampleKey: (channel: string, datasetId: string) => `sample-key:${channel}:${datasetId}`,
  /** A free sample's key made for one request (also its name in the key-budget table). */
  sampleRequestKey: (channel: string, datasetId: string, keyId: string) =>
    `sample-key:${channel}:${datasetId}:${keyId}`,
  buyerKey: (channel: string, tradeId: string) => `buyer-key:${channel}:${tradeId}`,
};

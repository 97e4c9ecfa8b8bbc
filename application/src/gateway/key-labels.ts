/**
 * Associated-data labels for sealed secrets (crypto/sealing.ts): each names what the secret is
 * for, so a sealed value copied to another row does not open.
 */
export const labels = {
  tradeKey: (channel: string, tradeId: string) => `trade-key:${channel}:${tradeId}`,
  sampleKey: (channel: string, datasetId: string) => `sample-key:${channel}:${datasetId}`,
  buyerKey: (channel: string, tradeId: string) => `buyer-key:${channel}:${tradeId}`,
};

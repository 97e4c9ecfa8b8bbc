export * from './network-description.js';
export * from './gateway-connection.js';
export * from './native-signing.js';
export * from './test-network.js';
export * from './retry.js';

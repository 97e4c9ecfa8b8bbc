export * from './client.js';
export * from './self-custody.js';

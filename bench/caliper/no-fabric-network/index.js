'use strict';
// Caliper resolves 'fabric-network' from bench/caliper upwards and would find the repo's copy
// (two bindings: it refuses to start). This stand-in answers as an absent module does.
throw new Error(
  "Cannot find module 'fabric-network' (bench/caliper binds @hyperledger/fabric-gateway only)",
);

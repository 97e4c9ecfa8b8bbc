// Imported first by every test file: fabric-contract-api logs each decorator at INFO level
// unless told otherwise, and reads the level when its modules load.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';

// The fault matrix under durability 'write' too (run by `npm run test:slow`).
process.env.ABI_FAULT_MODES ??= 'fsync,write';
await import('./fault-matrix.test.js');

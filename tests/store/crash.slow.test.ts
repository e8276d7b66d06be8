// Long soak of the crash test: 400 kills (run by `npm run test:slow`).
process.env.ABI_CRASH_KILLS ??= '400';
await import('./crash.test.js');

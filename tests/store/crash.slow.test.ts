// Long soak of the crash test (run by `npm run test:slow`): 625 kills of the main case plus 125 of each of the three
// others, 1,000 SIGKILLs in all.
process.env.ABI_CRASH_KILLS ??= '625';
await import('./crash.test.js');

// Long soak of the crash test (run by `npm run test:slow`): 400 kills of the main case plus 200 of each of the three
// others, 1,000 SIGKILLs in all.
process.env.ABI_CRASH_KILLS ??= '400';
process.env.ABI_CRASH_KILLS_OTHER ??= '200';
await import('./crash.test.js');

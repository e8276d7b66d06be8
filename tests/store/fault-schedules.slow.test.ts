// 1,200 random fault schedules (run by `npm run test:slow`).
process.env.ABI_FAULT_SCHEDULES ??= '1200';
await import('./fault-schedules.property.test.js');

// The commands of `abi-sdk`, one line each, kept in alphabetical order: a file under ./commands/ exporting a
// `CliCommand` named after it. `abi-sdk --help` lists them alphabetically (a module namespace's order).
export { bench } from './commands/bench.js';
export { completion } from './commands/completion.js';
export { federated } from './commands/federated.js';
export { index } from './commands/index.js';
export { keys } from './commands/keys.js';
export { models } from './commands/models.js';
export { query } from './commands/query.js';
export { serve } from './commands/serve.js';
export { train } from './commands/train.js';

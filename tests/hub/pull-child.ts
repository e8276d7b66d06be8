// Child process for the two-process test: pulls one model into a shared cache and prints the result as JSON.
import { pullModel } from '../../src/hub/pull.js';

const [endpoint, cacheDir, name] = process.argv.slice(2) as [string, string, string];
pullModel(name, { endpoint, cacheDir, token: false }).then(
  (r) => process.stdout.write(JSON.stringify(r)),
  (err: unknown) => {
    process.stderr.write(String((err as Error)?.stack ?? err));
    process.exit(1);
  },
);

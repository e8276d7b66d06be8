/**
 * TLS for the server: certificate, key and (for mutual TLS) the client CA read from files, and read again when
 * any of them changes, swapped in with `server.setSecureContext` so open connections keep going.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from 'node:https';
import { IOError } from '../core/errors.js';

/** TLS settings of the server. */
export interface ServerTlsOptions {
  /** PEM certificate chain file. */
  certFile: string;
  /** PEM private key file. */
  keyFile: string;
  /**
   * PEM CA bundle that client certificates must chain to; setting it turns on mutual TLS (clients without a valid
   * certificate are refused during the handshake).
   * @defaultValue none (no client certificates)
   */
  clientCaFile?: string;
  /**
   * Poll the files every this many milliseconds and reload on change; 0 turns reloading off.
   * @defaultValue 1000
   */
  watchIntervalMs?: number;
}

/**
 * Reads the PEM files into Node.js TLS options.
 *
 * @param options - file paths
 * @returns `cert`, `key`, and for mutual TLS `ca`, `requestCert`, `rejectUnauthorized`
 * @throws `IOError` when a file cannot be read
 */
export function readTlsFiles(options: ServerTlsOptions): HttpsServerOptions {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new IOError(`cannot read TLS ${what} ${path}`, { cause: err });
    }
  };
  const out: HttpsServerOptions = { cert: read(options.certFile, 'certificate'), key: read(options.keyFile, 'key') };
  if (options.clientCaFile) {
    out.ca = read(options.clientCaFile, 'client CA');
    out.requestCert = true;
    out.rejectUnauthorized = true;
  }
  return out;
}

/**
 * Watches the TLS files and reloads the server's secure context when they change. A change that does not load (a
 * half-written file, a key that does not match) keeps the current context and is reported through `onError`; the
 * next change is tried again.
 *
 * @internal
 */
export class TlsReloader {
  readonly #options: ServerTlsOptions;
  readonly #server: HttpsServer;
  readonly #onReload: () => void;
  readonly #onError: (err: unknown) => void;
  readonly #files: string[];
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #signature: string;

  constructor(server: HttpsServer, options: ServerTlsOptions, onReload: () => void, onError: (err: unknown) => void) {
    this.#server = server;
    this.#options = options;
    this.#onReload = onReload;
    this.#onError = onError;
    this.#files = [options.certFile, options.keyFile, ...(options.clientCaFile ? [options.clientCaFile] : [])];
    // Our own stat polling, with the baseline taken now: fs.watchFile takes its first stat asynchronously, so a change
    // made right after start could become its baseline and never be seen.
    this.#signature = this.#stat();
    const interval = options.watchIntervalMs ?? 1000;
    if (interval > 0) {
      this.#poll = setInterval(() => {
        const now = this.#stat();
        if (now !== this.#signature) {
          this.#signature = now;
          this.#schedule();
        }
      }, interval);
      this.#poll.unref();
    }
  }

  #stat(): string {
    return this.#files.map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return 'missing';
      }
    }).join('|');
  }

  /**
   * Reloads now.
   *
   * @returns whether the new context was installed
   */
  reload(): boolean {
    // setSecureContext validates cert/key (throws on a mismatch) before swapping.
    return this.#tryReload(false);
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#poll);
  }

  #schedule(attempt = 0): void {
    // Files are often replaced one after another (cert, then key): settle before reading, and try again a few times
    // when the pair read does not match yet.
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.#tryReload(attempt < 3) && attempt < 3) this.#schedule(attempt + 1);
    }, 100 * 2 ** attempt);
    this.#timer.unref();
  }

  #tryReload(quiet: boolean): boolean {
    try {
      this.#server.setSecureContext(readTlsFiles(this.#options));
      this.#onReload();
      return true;
    } catch (err) {
      if (!quiet) this.#onError(err);
      return false;
    }
  }
}

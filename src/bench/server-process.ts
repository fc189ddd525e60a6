/**
 * A loopback server in another process, both sides of it: `serveOverStdio` is what such a server
 * script calls (listen on 127.0.0.1, port 0; print `{"port":N}` as the first line of stdout; exit
 * when stdin closes, so it never outlives the bench), and `spawnServer` starts one and waits for
 * its port. The default script is the jobs server (dist/bench/server.js).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { fromRoot, PACKAGE_ROOT } from './harness.js';

/** The server side: serve `handler` on 127.0.0.1 (any free port), say the port, exit when stdin closes. */
export function serveOverStdio(handler: RequestListener): void {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

export interface ServerStats {
  readonly requests: number;
  readonly bodyBytes: number;
  readonly jobs: number;
}

export interface SpawnedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** The jobs server's counters since the last reset (GET /__stats). */
  stats(): Promise<ServerStats>;
  /** Clears the jobs server's counters and jobs (POST /__reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function spawnServer(script = fromRoot('dist/bench/server.js'), args: readonly string[] = [], startTimeoutMs = 10_000): Promise<SpawnedServer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, ...args], { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${script} did not report its port within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before reporting its port`));
    });
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      let port: number;
      try {
        port = (JSON.parse(out.slice(0, newline)) as { port: number }).port;
      } catch {
        child.kill();
        reject(new Error(`${script} printed ${JSON.stringify(out.slice(0, newline))} instead of {"port":N}`));
        return;
      }
      const url = `http://127.0.0.1:${port}`;
      const call = async (method: 'GET' | 'POST', path: string): Promise<unknown> => {
        const res = await request(`${url}${path}`, { method });
        return res.body.json();
      };
      resolve({
        url,
        pid: child.pid as number,
        stats: async () => (await call('GET', '/__stats')) as ServerStats,
        reset: async () => {
          await call('POST', '/__reset');
        },
        close: async () => {
          child.stdin?.end();
          const killer = setTimeout(() => child.kill(), 2_000);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout?.on('data', onData);
  });
}

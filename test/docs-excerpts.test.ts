/**
 * What README.md, docs/cli.md and docs/dialects.md show the command line printing is what it prints: every block that
 * shows a command (`$ arazzo …`, `$ npm run demo`) runs that command, in-process, and compares what
 * a terminal would show with the block. A block that shows output without its command must say
 * what produces it, or where else it is tested.
 *
 * A comment just before a block sets the scene, as JSON: `<!-- doc-test {…} -->`.
 * - `simulator`: the Hugging Face simulator (its options, e.g. `{"timeScale": 30, "faults": …}`),
 *   on simulated time shared with the run (test/cli-helpers.ts, VirtualClock), each answer taking
 *   a simulated 20 ms; `HF_TOKEN` is set. Other scenes run on the system clock.
 * - `server`: `"pets"` (the contract tests' pets API) or `"petstore"` (examples/petstore/server.mjs).
 *   A command's `http://127.0.0.1:<port>` points at the scene's server.
 * - `tty`: stderr is a terminal (120 columns); the block is the screen, lines rewritten in place.
 * - `screen: "during"`: the block is a screen seen while the command ran, not the last one.
 * - `interrupt`: Ctrl-C once the screen shows this text (`^C` in the block is the terminal's echo).
 * - `command`: the command of a block that shows only its output (a ```json block: its stdout,
 *   compared as JSON).
 * - `excerpt`: the block is a part of what the command printed (lines before and after it left out).
 * - `env`: variables the command's environment has (an `--input-env` token, say).
 * - `skip`: why the block is not run here (and where it is tested).
 *
 * What differs from run to run is compared as placeholders: durations, ports, dates, endpoint ids.
 * A line `…` in a block stands for any lines, a line ending in `…` for any line that starts so.
 * `UPDATE_DOCS=1 npx vitest run test/docs-excerpts.test.ts` rewrites each block without `…` from a
 * fresh run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../src/cli/cli.js';
import { CLEAR_LINE } from '../src/cli/progress.js';
import type { CliIo, InterruptSignal } from '../src/cli/io.js';
import { runDemo } from '../src/demo/run-demo.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';
import { ROOT, VirtualClock } from './cli-helpers.js';
import { petsApi } from './contract-helpers.js';
import { startServer, type TestServer } from './engine-helpers.js';

/** The pages that show the command line at work (docs/testing.md has a test of its own, test/docs-testing.test.ts). */
const PAGES = ['README.md', 'docs/cli.md', 'docs/dialects.md'];
const SIM_TOKEN = 'hf_docs_simulator_token';
/** How long the simulator takes to answer, in simulated time (so durations read as they would). */
const SIM_LATENCY_MS = 20;

interface Scene {
  simulator?: SimulatorOptions;
  server?: 'pets' | 'petstore';
  tty?: boolean;
  screen?: 'final' | 'during';
  interrupt?: string;
  command?: string;
  excerpt?: boolean;
  env?: Record<string, string>;
  skip?: string;
}

interface Block {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  scene: Scene;
  language: string;
  /** The lines between the fences. */
  lines: string[];
  /** Offsets of the block's body in the page, for UPDATE_DOCS. */
  start: number;
  end: number;
}

/** Every fenced block of a page, with the scene its comment sets. */
function blocksOf(page: string): Block[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const blocks: Block[] = [];
  const fence = /^```([\w-]*)\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(fence)) {
    const before = text.slice(0, m.index).trimEnd();
    const comment = /<!-- doc-test (\{.*\}) -->$/.exec(before);
    const start = (m.index as number) + m[0].indexOf('\n') + 1;
    blocks.push({
      page,
      line: text.slice(0, m.index).split('\n').length,
      scene: comment ? (JSON.parse(comment[1] as string) as Scene) : {},
      language: m[1] as string,
      lines: (m[2] as string).replace(/\n$/, '').split('\n'),
      start,
      end: start + (m[2] as string).length,
    });
  }
  return blocks;
}

/** A block shows the command line at work: a command, or output the command line prints. */
function showsCli(b: Block): boolean {
  if (b.scene.command !== undefined) return true;
  if (b.language !== '' && b.language !== 'text') return false;
  return b.lines.some((l) => /^\$ (arazzo|npm run demo)\b/.test(l) || /^(✔|✖|⟳|error [A-Z_]+:|Outputs:)/.test(l));
}

// ------------------------------------------------------------------ commands

interface Step {
  /** The command as written (continuation lines joined). */
  command: string;
  expected: string[];
}

/** The commands of a block and the lines each is shown printing; `first`, the command of lines shown without one. */
function stepsOf(lines: readonly string[], first?: string): Step[] {
  const steps: Step[] = first !== undefined ? [{ command: first, expected: [] }] : [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('$ ')) {
      let command = line.slice(2);
      while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1).trimEnd()} ${(lines[++i] as string).trim()}`;
      steps.push({ command, expected: [] });
    } else if (steps.length > 0) (steps.at(-1) as Step).expected.push(line);
    else throw new Error(`output before any command: ${line}`);
  }
  return steps;
}

/** Words of a command line, as a POSIX shell splits them (quotes, no expansion). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (ch === "'" || ch === '"') {
      const close = command.indexOf(ch, i + 1);
      word = (word ?? '') + command.slice(i + 1, close);
      i = close;
    } else if (ch === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** What a terminal shows of everything written to stdout and stderr, in order. */
class Terminal {
  private readonly lines: string[] = [''];
  readonly screens: string[] = [];

  write(text: string): void {
    for (const [i, part] of text.split(CLEAR_LINE).entries()) {
      if (i > 0) this.lines[this.lines.length - 1] = '';
      const rows = part.split('\n');
      this.lines[this.lines.length - 1] += rows[0] as string;
      for (const row of rows.slice(1)) this.lines.push(row);
    }
    this.screens.push(this.text());
  }

  text(): string {
    return this.lines.join('\n');
  }
}

interface Run {
  code: number;
  screen: string;
  screens: string[];
  stdout: string;
}

async function runCommand(argv: string[], scene: Scene, env: Record<string, string>, clock: VirtualClock | undefined): Promise<Run> {
  const terminal = new Terminal();
  let stdout = '';
  const handlers = new Set<(signal: InterruptSignal) => void>();
  let interrupted = false;
  const io: CliIo = {
    stdout: {
      write: (text: string) => {
        stdout += text;
        terminal.write(text);
      },
      isTTY: false,
    },
    stderr: {
      write: (text: string) => {
        terminal.write(text);
        if (scene.interrupt !== undefined && !interrupted && normalize(terminal.text()).includes(normalize(scene.interrupt))) {
          interrupted = true;
          for (const handler of [...handlers]) handler('SIGINT');
        }
      },
      isTTY: scene.tty === true,
      columns: 120,
    },
    env: { NO_COLOR: '1', ARAZZO_CACHE_DIR: 'off', ...env },
    readStdin: async () => '',
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    ...(clock ? { clock } : {}),
  };
  let code: number;
  if (argv[0] === 'npm') {
    // `npm run demo [-- args]`: what the script runs, in-process (npm's own lines are not compared).
    const args = argv.slice(3 + (argv[3] === '--' ? 1 : 0));
    code = await runDemo(args, io, { clock: clock ?? new VirtualClock() });
  } else code = await cli(argv.slice(1), io);
  return { code, screen: terminal.text(), screens: terminal.screens, stdout };
}

// ------------------------------------------------------------------ comparing

/** What differs between runs, as placeholders. */
function normalize(text: string): string {
  return text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/\/endpoints\/[a-z0-9]{16}/g, '/endpoints/ID')
    .replace(/\b[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\b/g, 'DATE')
    .replace(/\b\d+m\d\ds\b/g, 'T')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, 'T')
    .replace(/[ \t]+$/gm, '');
}

/** Whether `actual` lines are what `expected` shows (`…` lines are wildcards). */
function matches(expected: readonly string[], actual: readonly string[]): boolean {
  const exp = expected.map((l) => normalize(l));
  const act = actual.map((l) => normalize(l));
  const memo = new Map<string, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === exp.length) result = j === act.length;
    else {
      const e = exp[i] as string;
      if (e.trim() === '…') result = at(i + 1, j) || (j < act.length && at(i, j + 1));
      else if (j === act.length) result = false;
      else {
        const a = act[j] as string;
        const same = e === a || (e === '^C' && a === '') || (e.endsWith('…') && a.startsWith(e.slice(0, -1)));
        result = same && at(i + 1, j + 1);
      }
    }
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

/** Durations, counted in ms, are data in a JSON report: compared as placeholders too. */
function normalizeJson(value: unknown): unknown {
  return JSON.parse(
    normalize(JSON.stringify(value, null, 1))
      .replace(/"durationMs": \d+/g, '"durationMs": 0')
      .replace(/"(startedDateTime|time)": [^,\n]+/g, '"$1": 0'),
  );
}

/** UPDATE_DOCS=1, a block that cannot be rewritten (it leaves parts out) and differs: what the command printed, in a file to copy from. */
function showActual(page: string, line: number, text: string): void {
  const file = join(tmpdir(), `doc-test-${page.replace(/\W/g, '_')}-${line}.txt`);
  writeFileSync(file, `${text}\n`);
  console.log(`${page}:${line} differs; what the command printed is in ${file}`);
}

/** A `--json` report as the docs show it: one line for the outputs and for each step. */
function reportText(report: Record<string, unknown>): string {
  const lines = Object.entries(report).map(([key, value]) => {
    if (key === 'steps' && Array.isArray(value) && value.length > 0) {
      return `  "steps": [\n${value.map((step) => `    ${inline(step)}`).join(',\n')}\n  ]`;
    }
    return `  ${JSON.stringify(key)}: ${inline(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}`;
}

/** JSON on one line, with a space after each colon and comma, as people write it. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`);
    return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`;
  }
  return JSON.stringify(value);
}

// ------------------------------------------------------------------ scenes

let sim: Simulator | undefined;
let server: TestServer | undefined;
let petstore: ChildProcess | undefined;
afterEach(async () => {
  await sim?.close();
  await server?.close();
  petstore?.kill();
  sim = undefined;
  server = undefined;
  petstore = undefined;
});

/** Start what the scene needs; the base URL a command's loopback URLs point at. */
async function setScene(scene: Scene, clock: VirtualClock): Promise<string | undefined> {
  if (scene.simulator) {
    const faults = { ...scene.simulator.faults, requests: [...(scene.simulator.faults?.requests ?? []), { delayMs: SIM_LATENCY_MS }] };
    sim = await startSimulator({ tokens: [SIM_TOKEN], namespaces: ['acme', 'demo'], ...scene.simulator, faults, clock });
    return sim.url;
  }
  if (scene.server === 'pets') {
    server = await startServer(petsApi);
    return server.url;
  }
  if (scene.server === 'petstore') {
    petstore = spawn(process.execPath, [join(ROOT, 'examples', 'petstore', 'server.mjs'), '0', '--retry-after', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(petstore.stdout!, 'data')) as [Buffer];
    return chunk.toString('utf8').split('\n')[0]?.trim();
  }
  return undefined;
}

const blocks = PAGES.flatMap(blocksOf).filter(showsCli);
const updates = new Map<string, Array<{ start: number; end: number; text: string }>>();

describe.each(PAGES)('%s', (page) => {
  const shown = blocks.filter((b) => b.page === page);

  it('shows the command line only in blocks that run here or say where they are tested', () => {
    for (const b of shown) {
      const runs = b.scene.command !== undefined || b.lines.some((l) => l.startsWith('$ '));
      expect(runs || b.scene.skip !== undefined, `${page}:${b.line}: a block of output with no command; add it, or a doc-test comment with "skip"`).toBe(true);
    }
  });

  for (const b of shown.filter((x) => x.scene.skip === undefined)) {
    it(`line ${b.line}: ${(b.scene.command ?? b.lines.find((l) => l.startsWith('$ '))?.slice(2))?.slice(0, 100)}`, async () => {
      const virtual = new VirtualClock(Date.UTC(2026, 0, 15, 9, 0, 0));
      const base = await setScene(b.scene, virtual);
      const clock = b.scene.simulator ? virtual : undefined;
      const env: Record<string, string> = { ...(b.scene.simulator ? { HF_TOKEN: SIM_TOKEN } : {}), ...b.scene.env };
      const point = (command: string) => (base ? command.replace(/http:\/\/127\.0\.0\.1:\d+/g, base) : command);
      if (b.language === 'json') {
        const run = await runCommand(shellWords(point(b.scene.command as string)), b.scene, env, clock);
        if (process.env.UPDATE_DOCS) {
          const list = updates.get(page) ?? [];
          list.push({ start: b.start, end: b.end, text: `${reportText(JSON.parse(run.stdout))}\n` });
          updates.set(page, list);
          return;
        }
        expect(normalizeJson(JSON.parse(run.stdout)), `${page}:${b.line}`).toEqual(normalizeJson(JSON.parse(b.lines.join('\n'))));
        return;
      }
      // Blocks with parts left out (and the terminal's ^C echo) are kept as written.
      const elided =
        b.scene.excerpt || b.scene.screen === 'during' || b.scene.interrupt !== undefined || b.lines.some((l) => l.trim() === '…' || l.endsWith('…'));
      const updating = process.env.UPDATE_DOCS !== undefined && !elided;
      let last = 0;
      const actual: string[] = [];
      for (const [index, step] of stepsOf(b.lines, b.scene.command).entries()) {
        if (index > 0 || b.scene.command === undefined) actual.push(`$ ${step.command}`);
        if (/^export \w+=/.test(step.command)) continue;
        if (step.command === 'echo $?') {
          if (!updating) expect(step.expected, `${page}:${b.line}`).toEqual([String(last)]);
          actual.push(String(last));
          continue;
        }
        const echo = / *; *echo "exit \$\?"$/.exec(step.command);
        const command = echo ? step.command.slice(0, echo.index) : step.command;
        const run = await runCommand(shellWords(point(command)), b.scene, env, clock);
        last = run.code;
        const out = run.screen.replace(/\n$/, '').split('\n');
        if (run.screen === '') out.length = 0;
        if (echo) out.push(`exit ${run.code}`);
        actual.push(...out);
        const expected = b.scene.excerpt && index === 0 ? ['…', ...step.expected, '…'] : step.expected;
        if (updating) continue;
        if (b.scene.screen === 'during') {
          const seen = run.screens.some((s) => matches(expected, s.split('\n')));
          if (!seen && process.env.UPDATE_DOCS) showActual(page, b.line, run.screens.join('\n----\n'));
          expect(seen, `${page}:${b.line}: no screen while "${command}" ran looked like the block`).toBe(true);
        } else if (!matches(expected, out)) {
          if (process.env.UPDATE_DOCS) showActual(page, b.line, out.join('\n'));
          // Not the block: show the difference.
          expect(normalize(out.join('\n')), `${page}:${b.line}: "${command}"`).toBe(normalize(step.expected.join('\n')));
        }
      }
      if (updating) {
        const list = updates.get(page) ?? [];
        list.push({ start: b.start, end: b.end, text: `${actual.join('\n')}\n` });
        updates.set(page, list);
      }
    });
  }
});

// UPDATE_DOCS=1: write the blocks back from the runs (last block first, so offsets hold).
if (process.env.UPDATE_DOCS) {
  describe('UPDATE_DOCS', () => {
    it('rewrites the blocks from the runs', () => {
      for (const [page, list] of updates) {
        let text = readFileSync(join(ROOT, page), 'utf8');
        for (const u of [...list].sort((a, b) => b.start - a.start)) text = text.slice(0, u.start) + u.text + text.slice(u.end);
        writeFileSync(join(ROOT, page), text);
      }
    });
  });
}

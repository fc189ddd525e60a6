/**
 * `npm run bench [-- [--quick] [--check] [name...]]`: runs the named benchmarks (all by default)
 * and prints a summary table. Every figure is a ratio against a baseline measured in the same run.
 * Each benchmark runs in a fresh process (`--child <name>`), so one never inherits another's heap,
 * JIT state or timers, and a benchmark run alone gives the same figures as in the full run.
 * `--check` exits 1 when a figure misses its target; a benchmark that throws always exits 1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from './harness.js';
import { type BenchContext, type BenchEntry, BENCHMARKS } from './registry.js';
import { type Figure, summaryTable, verdict } from './report.js';

const USAGE = `usage: npm run bench -- [--quick] [--check] [--list] [name...]
  --quick   fewer rounds and smaller counts (a fast look; record figures without it)
  --check   exit 1 when a figure misses its target
  --list    list the benchmarks`;

/** The child writes its figures as JSON to this file descriptor, which the parent names in this variable. */
const FIGURES_FD = 3;
const FIGURES_ENV = 'ARAZZO_BENCH_FIGURES_FD';

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** The checked-out commit, so a table can be traced to the code it measured. */
function commit(): string {
  const git = (args: string[]): string => execFileSync('git', args, { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const head = git(['rev-parse', '--short', 'HEAD']).trim();
    return git(['status', '--porcelain', '--untracked-files=no']).trim() ? `${head} (modified)` : head;
  } catch {
    return 'unknown commit';
  }
}

/** In the child: run one benchmark, print its details, hand its figures to the parent. */
async function child(entry: BenchEntry, quick: boolean): Promise<number> {
  const ctx: BenchContext = { quick, pick: (full, fast) => (quick ? fast : full), log: (line = '') => console.log(`  ${line}`) };
  const figures = await (await entry.load()).run(ctx);
  const json = JSON.stringify(figures.map((f) => ({ ...f, bench: entry.name })));
  if (process.env[FIGURES_ENV] === String(FIGURES_FD)) writeSync(FIGURES_FD, json);
  else console.log(summaryTable(JSON.parse(json) as Figure[]));
  return 0;
}

/** In the parent: run one benchmark in a fresh `node --expose-gc` process and collect its figures. */
function runInChild(entry: BenchEntry, quick: boolean): Promise<Figure[]> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    const args = ['--expose-gc', script, '--child', entry.name, ...(quick ? ['--quick'] : [])];
    const proc = spawn(process.execPath, args, {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, [FIGURES_ENV]: String(FIGURES_FD) },
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    });
    let out = '';
    proc.stdio[FIGURES_FD]?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`exited with ${code}`));
      try {
        resolve(JSON.parse(out) as Figure[]);
      } catch {
        reject(new Error('reported no figures'));
      }
    });
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const childIndex = args.indexOf('--child');
  if (childIndex >= 0) {
    const entry = BENCHMARKS.find((b) => b.name === args[childIndex + 1]);
    if (!entry) throw new Error(`--child: no benchmark named ${args[childIndex + 1]}`);
    return child(entry, args.includes('--quick'));
  }
  const flags = new Set(args.filter((a) => a.startsWith('-')));
  const names = args.filter((a) => !a.startsWith('-'));
  const knownFlags = ['--quick', '--check', '--list', '--help', '-h'];
  const badFlags = [...flags].filter((f) => !knownFlags.includes(f));
  if (flags.has('--help') || flags.has('-h') || badFlags.length > 0) {
    if (badFlags.length > 0) console.error(`unknown option(s): ${badFlags.join(', ')}`);
    console.error(USAGE);
    return badFlags.length > 0 ? 2 : 0;
  }
  if (flags.has('--list')) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(12)} ${b.description}`);
    return 0;
  }
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const quick = flags.has('--quick');
  console.log(
    `${commit()}, node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${load()}${quick ? ', --quick' : ''}; each benchmark in a fresh node --expose-gc process`,
  );
  if (loadavg()[0] > cpus().length * 0.75)
    console.log('the machine is busy (1-minute load average above 0.75 per CPU): expect wide spreads, and record figures when it is quiet');
  const started = performance.now();
  const figures: Figure[] = [];
  const failures: string[] = [];
  for (const entry of selected) {
    console.log(`\n== ${entry.name}: ${entry.description}`);
    const t = performance.now();
    try {
      figures.push(...(await runInChild(entry, quick)));
    } catch (err) {
      failures.push(entry.name);
      console.error(`  ${entry.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    console.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n== summary (ratio = subject / baseline, median of the rounds; load average now ${load()}; ${seconds.toFixed(0)} s in all)\n`);
  console.log(summaryTable(figures));
  const missed = figures.filter((f) => verdict(f) === 'FAIL');
  if (failures.length > 0) console.error(`\nbenchmark(s) that failed: ${failures.join(', ')}`);
  if (failures.length > 0) return 1;
  return flags.has('--check') && missed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);

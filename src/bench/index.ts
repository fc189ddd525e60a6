/**
 * `npm run bench [-- [--quick] [--check] [name...]]`: runs the named benchmarks (all by default)
 * and prints a summary table. Every figure is a ratio against a baseline measured in the same run.
 * `--check` exits 1 when a figure misses its target; a benchmark that throws always exits 1.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { gcExposed, PACKAGE_ROOT } from './harness.js';
import { BENCHMARKS, type BenchContext } from './registry.js';
import { type Figure, summaryTable, verdict } from './report.js';

const USAGE = `usage: npm run bench -- [--quick] [--check] [--list] [name...]
  --quick   fewer rounds and smaller counts (a fast look; record figures without it)
  --check   exit 1 when a figure misses its target
  --list    list the benchmarks`;

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** The checked-out commit, so a table can be traced to the code it measured. */
function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return dirty.trim() ? `${head} (modified)` : head;
  } catch {
    return 'unknown commit';
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
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
    `${commit()}, node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${load()}, gc ${gcExposed() ? 'exposed' : 'NOT exposed (heap figures are unreliable: run through npm run bench)'}${quick ? ', --quick' : ''}`,
  );
  if (loadavg()[0] > cpus().length * 0.75)
    console.log('the machine is busy (1-minute load average above 0.75 per CPU): expect wide spreads, and record figures when it is quiet');
  const started = performance.now();
  const figures: Figure[] = [];
  const failures: string[] = [];
  for (const entry of selected) {
    console.log(`\n== ${entry.name}: ${entry.description}`);
    const ctx: BenchContext = { quick, pick: (full, fast) => (quick ? fast : full), log: (line = '') => console.log(`  ${line}`) };
    const t = performance.now();
    try {
      const mod = await entry.load();
      for (const f of await mod.run(ctx)) figures.push({ ...f, bench: entry.name });
    } catch (err) {
      failures.push(entry.name);
      console.error(`  ${entry.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    console.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n== summary (ratio = subject / baseline, median of the rounds; load average now ${load()}; ${seconds.toFixed(0)} s in all)\n`);
  console.log(summaryTable(figures));
  const missed = figures.filter((f) => verdict(f) === 'FAIL');
  if (failures.length > 0) console.error(`\nbenchmark(s) that threw: ${failures.join(', ')}`);
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

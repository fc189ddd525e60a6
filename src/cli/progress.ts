/**
 * Human progress on stderr, as a pure function of the event stream: feed events in, get the
 * text to write out. One line per step execution; in a terminal, consecutive executions of the
 * same step (a poll loop) rewrite a single line instead of scrolling.
 */
import type { RunErrorInfo, RunEvent, RunResult, StepRecord } from '../engine/types.js';
import { responseMessage } from '../engine/response-message.js';
import { truncateForMessage } from '../util/truncate.js';
import { cliMessage, createStyle, formatDuration, pathOf, showValue, truncate, type Style } from './format.js';
import type { InterruptSignal } from './io.js';

export interface ProgressOptions {
  /** stderr is a terminal: rewrite poll lines in place with `\r\x1b[2K`. */
  readonly tty: boolean;
  readonly color: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  /** The terminal's width now (it can change): a line rewritten in place must fit in one row. */
  readonly columns?: () => number | undefined;
}

/** How much of a URL or header value a progress line quotes. */
const VALUE_MAX = 200;

/** Clear the current terminal line and return to its start. */
export const CLEAR_LINE = '\r\x1b[2K';

interface Poll {
  readonly key: string;
  count: number;
  readonly firstStartedAt: number;
  lastEnd: number;
  /** The latest execution, to redraw the line with its final mark when the loop ends. */
  last: StepRecord;
  readonly depth: number;
}

export class ProgressRenderer {
  private readonly style: Style;
  /** The current line has no newline yet and may be rewritten (terminal only). */
  private openLine = false;
  private poll: Poll | undefined;
  /** The open line as drawn, to redraw it with a note. */
  private openText = '';
  private readonly depthByWorkflow = new Map<string, number>();

  constructor(private readonly options: ProgressOptions) {
    this.style = createStyle(options.color);
  }

  /** Text to write for one event ('' for none). */
  onEvent(event: RunEvent): string {
    if (this.options.quiet) return '';
    switch (event.type) {
      case 'workflow.started': {
        this.depthByWorkflow.set(event.workflowId, event.depth);
        if (event.depth === 0) return '';
        return this.line(`${this.indent(event.depth - 1)}${this.style.dim('↳')} workflow ${event.workflowId}`);
      }
      case 'step.finished':
        return this.step(event.record);
      case 'request.sent':
        if (!this.options.verbose) return '';
        return this.line(
          `${this.indent(this.depth(event.workflowId))}  ${this.style.dim('→')} ${event.request.method} ${truncateForMessage(event.request.url, VALUE_MAX)}${event.request.body ? `  ${this.style.dim(truncate(event.request.body, 200))}` : ''}`,
          this.headerLines(event.workflowId, event.request.headers),
        );
      case 'response.received': {
        if (!this.options.verbose) return '';
        return this.line(
          `${this.indent(this.depth(event.workflowId))}  ${this.style.dim('←')} ${event.response.statusCode} ${this.style.dim(formatDuration(event.durationMs))}${event.response.body ? `  ${this.style.dim(truncate(event.response.body, 200))}` : ''}`,
          this.headerLines(event.workflowId, event.response.headers),
        );
      }
      case 'action.taken':
        if (!this.options.verbose) return '';
        return this.line(
          `${this.indent(this.depth(event.workflowId))}  ${this.style.dim(`${event.kind} action "${event.action.name}": ${describeAction(event.action.type, event.action.stepId, event.action.workflowId)}`)}`,
        );
      case 'delay.started':
        return this.delay(event);
      case 'check.failed': {
        // A contract check (arazzo run --check): said as it fails, before the step's own line.
        const f = event.finding;
        const mark = f.level === 'error' ? this.style.red('✖') : this.style.yellow('⚠');
        return this.line(`${this.indent(this.depth(event.workflowId))}${mark} ${f.check} check of ${f.stepId}: ${truncateForMessage(f.message, 400)}`);
      }
      case 'warning':
        // An output empty where the run went (a success's failure-only output): in --json, not here.
        if (event.expected) return '';
        return this.line(`${this.indent(this.depth(event.workflowId))}${this.style.yellow('warning')} ${event.code}: ${truncate(event.message, 300)}`);
      default:
        return '';
    }
  }

  /** Text that closes any line still open; call before writing anything else to stderr. */
  flush(): string {
    const text = this.finishLine();
    this.poll = undefined;
    return text;
  }

  /** End the open line; a poll loop's line keeps its final count and gets the outcome's mark. */
  private finishLine(): string {
    if (!this.openLine) return '';
    this.openLine = false;
    const poll = this.poll;
    if (poll && poll.count > 1) return `${CLEAR_LINE}${this.fit(this.pollLine(poll.last, poll, poll.depth, true))}\n`;
    return '\n';
  }

  /** Draw the line that stays open (terminal only), cut to the terminal's width. */
  private open(text: string): string {
    this.openLine = true;
    this.openText = this.fit(text);
    return this.openText;
  }

  /**
   * A line rewritten in place must not wrap: `\r\x1b[2K` clears only the last row, so the rows
   * above would stay on screen (a poll's first execution seemed to get a line of its own).
   */
  private fit(text: string): string {
    const columns = this.options.columns?.();
    return columns !== undefined && columns > 1 ? fitWidth(text, columns - 1) : text;
  }

  /** End the open line without redrawing it. */
  private closeLine(): string {
    if (!this.openLine) return '';
    this.openLine = false;
    return '\n';
  }

  private depth(workflowId: string): number {
    return this.depthByWorkflow.get(workflowId) ?? 0;
  }

  private indent(depth: number): string {
    return '  '.repeat(Math.max(0, depth));
  }

  /** A finished line (and detail lines under it): close any open one first. */
  private line(text: string, details: readonly string[] = []): string {
    // Verbose detail lines do not break a poll count (`#3`, `#4`, …).
    const prefix = this.finishLine();
    return `${prefix}${[text, ...details].map((l) => `${l}\n`).join('')}`;
  }

  /** `--verbose`: one line per header, as the engine gave them (secret headers already `***`). */
  private headerLines(workflowId: string, headers: Readonly<Record<string, string>>): string[] {
    const indent = `${this.indent(this.depth(workflowId))}      `;
    return Object.entries(headers).map(([name, value]) => `${indent}${this.style.dim(`${name}: ${truncateForMessage(String(value), VALUE_MAX)}`)}`);
  }

  /**
   * A wait before the next execution. A retry's wait is always shown, with where the engine says it
   * comes from: the action's `retryAfter`, or the response's `Retry-After` header, which overrides
   * it. `x-delay` waits only with --verbose (a poll loop has one before every execution).
   */
  private delay(event: Extract<RunEvent, { type: 'delay.started' }>): string {
    const retry = event.reason === 'retry';
    if (this.options.quiet || (!retry && !this.options.verbose)) return '';
    const source = event.source === 'retry-after' ? `Retry-After: ${truncateForMessage((event.retryAfter ?? '').trim(), 40)}` : event.source;
    const note = retry ? `↻ retrying in ${formatDuration(event.ms)} (${source})` : `waiting ${formatDuration(event.ms)} (${source})`;
    if (this.openLine && this.options.tty && !this.options.verbose) {
      // The poll line stays open: add the wait to it rather than breaking the loop's count.
      return `${CLEAR_LINE}${this.open(`${this.openText}  ${this.style.dim(note)}`)}`;
    }
    return this.line(`${this.indent(this.depth(event.workflowId))}  ${this.style.dim(note)}`);
  }

  private step(r: StepRecord): string {
    const s = this.style;
    const depth = this.depth(r.workflowId);
    const key = `${r.workflowId}\u0000${r.stepId}`;
    const end = r.startedAt + r.durationMs;
    const inPlace = this.options.tty && !this.options.verbose;

    const continuing = this.poll !== undefined && this.poll.key === key ? this.poll : undefined;
    if (continuing) {
      continuing.count++;
      continuing.lastEnd = end;
      continuing.last = r;
      if (inPlace && this.openLine) {
        return `${CLEAR_LINE}${this.open(this.pollLine(r, continuing, depth))}`;
      }
    }

    const mark = r.outcome === 'succeeded' ? s.green('✔') : s.red('✖');
    const request = r.method ? `${r.method} ${truncateForMessage(pathOf(r.url), VALUE_MAX)}` : s.dim('(workflow)');
    const status = r.statusCode !== undefined ? colourStatus(r.statusCode, s) : r.method ? s.red('no response') : '';
    const action = r.action ? describeAction(r.action.type, r.action.stepId, r.action.workflowId) : '';
    // A poll without a terminal: say what it is waiting for on each line (`state=initializing`).
    const polling = continuing !== undefined || (r.action?.type === 'goto' && r.action.stepId === r.stepId && r.action.workflowId === undefined);
    const parts = [
      `${this.indent(depth)}${mark} ${s.bold(r.stepId)}`,
      continuing ? s.dim(`#${continuing.count}`) : '',
      request,
      status,
      s.dim(formatDuration(r.durationMs)),
      ...(polling ? stateOutputs(r.outputs ?? {}).map(([k, v]) => `${k}=${showValue(v, 40)}`) : []),
      r.outcome === 'failed' ? s.red('failed') : '',
      action && r.action?.type !== 'next' && r.action?.type !== 'fail' ? s.dim(action) : '',
    ];
    const text = parts.filter((p) => p !== '').join('  ');

    // Closing the previous line also gives an ended poll loop its final mark.
    const prefix = continuing ? this.closeLine() : this.finishLine();
    this.poll = continuing ?? { key, count: 1, firstStartedAt: r.startedAt, lastEnd: end, last: r, depth };
    if (inPlace) return `${prefix}${this.open(text)}`;
    return `${prefix}${text}\n`;
  }

  /**
   * `⟳ pollStatus  12 polls  state=initializing  1m02s` while the loop runs; `✔`/`✖` once it has
   * ended. The status code is shown only when it is not a 2xx.
   */
  private pollLine(r: StepRecord, poll: Poll, depth: number, ended = false): string {
    const s = this.style;
    const mark = r.outcome !== 'succeeded' ? s.red('✖') : ended ? s.green('✔') : s.yellow('⟳');
    const outputs = pollOutputs(r.outputs ?? {}).map(([k, v]) => `${k}=${showValue(v, 40)}`);
    const status =
      r.statusCode !== undefined && (r.statusCode < 200 || r.statusCode > 299)
        ? colourStatus(r.statusCode, s)
        : r.statusCode === undefined && r.method
          ? s.red('no response')
          : '';
    return [
      `${this.indent(depth)}${mark} ${s.bold(r.stepId)}`,
      `${poll.count} polls`,
      ...outputs,
      status,
      s.dim(formatDuration(poll.lastEnd - poll.firstStartedAt)),
    ]
      .filter((p) => p !== '')
      .join('  ');
  }
}

const ANSI = /\x1b\[[0-9;]*m/y;

/** `text` cut to `width` visible characters (colour codes do not count), ending in `…` when cut. */
export function fitWidth(text: string, width: number): string {
  let visible = 0;
  let out = '';
  let styled = false;
  for (let i = 0; i < text.length; ) {
    ANSI.lastIndex = i;
    const code = ANSI.exec(text);
    if (code) {
      out += code[0];
      styled = true;
      i += code[0].length;
      continue;
    }
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (visible === width - 1 && i + ch.length < text.length && hasVisibleAfter(text, i + ch.length)) return `${out}…${styled ? '\x1b[0m' : ''}`;
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}

function hasVisibleAfter(text: string, from: number): boolean {
  return text.slice(from).replace(/\x1b\[[0-9;]*m/g, '') !== '';
}

/** Output names that say what a poll waits for. */
const STATE_LIKE = /state|status|phase|progress|ready/i;

/** Only the state-like outputs (`state`, `status`, …) of a poll, for plain lines. */
function stateOutputs(outputs: Record<string, unknown>): Array<[string, unknown]> {
  return pollOutputs(outputs).filter(([k]) => STATE_LIKE.test(k));
}

/** What a poll is waiting for: state-like outputs first (`state`, `status`, `phase`, `progress`), at most two scalars. */
function pollOutputs(outputs: Record<string, unknown>): Array<[string, unknown]> {
  const scalars = Object.entries(outputs).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  const stateLike = scalars.filter(([k]) => STATE_LIKE.test(k));
  return (stateLike.length > 0 ? stateLike : scalars).slice(0, 2);
}

function colourStatus(code: number, s: Style): string {
  const text = String(code);
  return code >= 200 && code < 400 ? s.green(text) : code >= 400 ? s.red(text) : text;
}

function describeAction(type: string, stepId?: string, workflowId?: string): string {
  const target = stepId ?? workflowId;
  switch (type) {
    case 'goto':
      return `→ ${target ?? '?'}`;
    case 'retry':
      return target ? `↻ retry after ${target}` : '↻ retry';
    case 'end':
      return '■ end';
    case 'next':
      return 'next';
    case 'fail':
      return 'fail';
    default:
      return type;
  }
}

// ------------------------------------------------------------------ summary

export interface SummaryOptions {
  readonly color: boolean;
  readonly quiet: boolean;
  readonly cancelled?: boolean;
  /** The signal that stopped the run (Ctrl-C when not said). */
  readonly stoppedBy?: InterruptSignal;
  /** Some outputs are shown with a secret masked: say where to get them in clear. */
  readonly maskedOutputs?: boolean;
}

/** The closing lines on stderr: status, the failure explained, the outputs. */
export function renderSummary(
  result: Pick<RunResult, 'workflowId' | 'status' | 'outputs' | 'error' | 'stepExecutions' | 'durationMs'>,
  options: SummaryOptions,
): string {
  const s = createStyle(options.color);
  const lines: string[] = [];
  const runs = `${result.stepExecutions} step execution${result.stepExecutions === 1 ? '' : 's'} in ${formatDuration(result.durationMs)}`;
  if (result.status === 'succeeded') {
    if (options.quiet) return '';
    lines.push(`${s.green('✔')} ${s.bold(result.workflowId)} succeeded (${runs})`);
  } else if (options.cancelled || result.error?.code === 'RUN_CANCELLED') {
    const by = options.stoppedBy && options.stoppedBy !== 'SIGINT' ? ` by ${options.stoppedBy}` : '';
    lines.push(`${s.red('✖')} ${s.bold(result.workflowId)} cancelled${by}${result.error?.stepId ? ` during step ${result.error.stepId}` : ''} (${runs})`);
  } else {
    lines.push(...explainFailure(result.workflowId, result.error, s, runs, options.stoppedBy));
  }
  const outputs = Object.entries(result.outputs ?? {}).filter(([, v]) => v !== undefined);
  if (outputs.length > 0 && !(options.quiet && result.status === 'succeeded')) {
    lines.push('Outputs:');
    const width = Math.min(24, Math.max(...outputs.map(([k]) => k.length)));
    for (const [k, v] of outputs) lines.push(`  ${k.padEnd(width)}  ${showValue(v, 500)}`);
    if (options.maskedOutputs) lines.push(s.dim('  (*** hides a secret; --json prints the outputs in clear)'));
  }
  return `${lines.join('\n')}\n`;
}

/** Which step failed, why (criterion, status code, guard) and, for an error response, what it said. */
function explainFailure(workflowId: string, error: RunErrorInfo | undefined, s: Style, runs?: string, stoppedBy?: InterruptSignal): string[] {
  const lines: string[] = [];
  const at = error?.stepId
    ? ` at step ${s.bold(error.stepId)}${error.workflowId && error.workflowId !== workflowId ? ` of workflow ${error.workflowId}` : ''}`
    : '';
  const status = error?.statusCode !== undefined ? ` (HTTP ${error.statusCode})` : '';
  lines.push(`${s.red('✖')} ${s.bold(workflowId)} failed${at}${status}${runs ? ` after ${runs}` : ''}`);
  if (error) {
    const message = cliMessage(error.message, stoppedBy);
    lines.push(`  ${error.code}: ${message}`);
    for (const c of error.failedCriteria ?? []) {
      // The engine's message usually quotes the criterion already; repeat it only with news.
      if (c.error || !error.message.includes(c.condition)) {
        lines.push(`  criterion not met: ${truncateForMessage(c.condition, VALUE_MAX)}${c.error ? ` (${truncateForMessage(c.error, VALUE_MAX)})` : ''}`);
      }
    }
    if (error.limit !== undefined && !error.message.includes(String(error.limit))) lines.push(`  limit: ${error.limit}`);
    if (error.responseExcerpt) {
      // For a successful status only error-shaped fields count: a todo's title is no error message.
      const said = error.responseMessage ?? responseMessage(error.responseExcerpt, 300, error.statusCode);
      lines.push(said !== undefined ? `  response said: ${said}` : `  response: ${truncate(error.responseExcerpt, 160)}`);
    }
  }
  return lines;
}

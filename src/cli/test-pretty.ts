/**
 * The pretty reporter (the default): a line per workflow as it finishes, its failures expanded
 * under it, and the summary at the end.
 *
 * ```
 * ✔ readPet  1 step  12ms
 * ✖ listPets  1 step  9ms
 *     ✖ schema  step list: Response body at $[0].id must be integer (type), got "7" (response 200, application/json).
 * ○ createPet  skipped: needs the input name (--input name=<string>)
 *
 * Workflows  1 passed, 1 failed, 1 skipped (3)
 * Checks     failed: schema 1
 * Time       0.2s
 * ```
 */
import type { CheckFinding } from '../contract/types.js';
import { cliMessage, createStyle, formatDuration, type Style } from './format.js';
import { countsText, type TestReport, type WorkflowResult } from './test-report.js';

export interface PrettyOptions {
  readonly color: boolean;
  /** Several files: each line names its file. */
  readonly showFile: boolean;
}

export class PrettyReporter {
  private readonly s: Style;

  constructor(private readonly options: PrettyOptions) {
    this.s = createStyle(options.color);
  }

  /** The lines of a finished workflow. */
  workflow(file: string, w: WorkflowResult): string {
    const s = this.s;
    const name = this.options.showFile ? `${s.dim(`${file} ›`)} ${s.bold(w.workflowId)}` : s.bold(w.workflowId);
    const lines: string[] = [];
    if (w.status === 'skipped') {
      lines.push(`${s.yellow('○')} ${name}  ${s.dim(`skipped: ${w.skipped?.message ?? ''}`)}`);
    } else {
      const steps = w.steps.length;
      const info = s.dim(`${steps} step${steps === 1 ? '' : 's'}  ${formatDuration(w.durationMs)}`);
      lines.push(`${w.status === 'passed' ? s.green('✔') : s.red('✖')} ${name}  ${info}`);
    }
    if (w.status === 'failed' && w.error && !w.error.code.startsWith('CONTRACT_')) {
      const at = w.error.stepId ? `step ${w.error.stepId}: ` : '';
      lines.push(`    ${at}${w.error.code}: ${cliMessage(w.error.message)}`);
      if (w.error.responseMessage) lines.push(`    response said: ${w.error.responseMessage}`);
    }
    for (const c of w.checks) lines.push(this.finding(c));
    return `${lines.join('\n')}\n`;
  }

  private finding(c: CheckFinding): string {
    const s = this.s;
    const mark = c.level === 'error' ? s.red('✖') : s.yellow('⚠');
    return `    ${mark} ${c.check}  step ${c.stepId}: ${c.message}`;
  }

  /** The closing lines. */
  summary(report: TestReport): string {
    const s = this.s;
    const w = report.summary.workflows;
    const parts = [
      w.passed > 0 ? s.green(`${w.passed} passed`) : `${w.passed} passed`,
      w.failed > 0 ? s.red(`${w.failed} failed`) : `${w.failed} failed`,
      w.skipped > 0 ? s.yellow(`${w.skipped} skipped`) : `${w.skipped} skipped`,
    ];
    const failed = countsText(report.summary.checks.failed);
    const warned = countsText(report.summary.checks.warned);
    const checks = [failed ? `failed: ${failed}` : 'none failed', ...(warned ? [`warnings: ${warned}`] : [])].join('; ');
    const lines = ['', `Workflows  ${parts.join(', ')} (${w.total})`, `Checks     ${checks}`, `Time       ${formatDuration(report.summary.durationMs)}`];
    return `${lines.join('\n')}\n`;
  }
}

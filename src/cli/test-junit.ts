/**
 * The JUnit XML reporter: one `<testsuite>` per file, one `<testcase>` per workflow. A failed
 * workflow carries one `<failure>` whose message names the step and the check, and whose text
 * lists every failed check; a skipped one carries `<skipped>` with the reason; warnings go to
 * `<system-out>`. The dialect CI systems read (Jenkins, GitLab, GitHub Actions reporters).
 */
import type { CheckFinding } from '../contract/types.js';
import type { FileResult, TestReport, WorkflowResult } from './test-report.js';

export function renderJunit(report: TestReport, now: Date = new Date()): string {
  const { summary } = report;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="arazzo test" tests="${summary.workflows.total}" failures="${summary.workflows.failed}" errors="0" skipped="${summary.workflows.skipped}" time="${seconds(summary.durationMs)}">`,
  ];
  for (const file of report.files) lines.push(...suite(file, now));
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function suite(file: FileResult, now: Date): string[] {
  const count = (s: WorkflowResult['status']) => file.workflows.filter((w) => w.status === s).length;
  const time = file.workflows.reduce((t, w) => t + w.durationMs, 0);
  const out = [
    `  <testsuite name="${attr(file.file)}" tests="${file.workflows.length}" failures="${count('failed')}" errors="0" skipped="${count('skipped')}" time="${seconds(time)}" timestamp="${now.toISOString().slice(0, 19)}">`,
  ];
  if (file.unchecked.length > 0) {
    out.push('    <properties>');
    for (const u of file.unchecked) out.push(`      <property name="unchecked" value="${attr(u)}"/>`);
    out.push('    </properties>');
  }
  for (const w of file.workflows) out.push(...testcase(file.file, w));
  out.push('  </testsuite>');
  return out;
}

function testcase(file: string, w: WorkflowResult): string[] {
  const open = `    <testcase name="${attr(w.workflowId)}" classname="${attr(file)}" time="${seconds(w.durationMs)}"`;
  const warnings = w.checks.filter((c) => c.level === 'warn');
  const body: string[] = [];
  if (w.status === 'skipped') body.push(`      <skipped message="${attr(w.skipped?.message ?? 'skipped')}"/>`);
  if (w.status === 'failed') {
    const errors = w.checks.filter((c) => c.level === 'error');
    const first = errors[0];
    // A check failure is said by its finding; the run's error repeats it, so it is left out then.
    const runError = w.error && !(first && w.error.code.startsWith('CONTRACT_')) ? w.error : undefined;
    const message = runError
      ? `${runError.stepId ? `step ${runError.stepId}: ` : ''}${runError.message}`
      : first
        ? `step ${first.stepId}: ${first.check} check failed: ${first.message}`
        : 'failed';
    const type = runError?.code ?? w.error?.code ?? (first?.check === 'request' ? 'CONTRACT_REQUEST_INVALID' : 'CONTRACT_RESPONSE_INVALID');
    const details = [
      ...(runError ? [`${runError.code}${runError.stepId ? ` at step ${runError.stepId}` : ''}: ${runError.message}`] : []),
      ...errors.map(findingLine),
    ];
    body.push(`      <failure message="${attr(message)}" type="${attr(type)}">${text(details.join('\n'))}</failure>`);
  }
  if (warnings.length > 0) body.push(`      <system-out>${text(warnings.map(findingLine).join('\n'))}</system-out>`);
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, '    </testcase>'];
}

/** `step get: schema (error) at $.id: Response body …` */
export function findingLine(f: CheckFinding): string {
  return `step ${f.stepId}: ${f.check} (${f.level})${f.path ? ` at ${f.path}` : ''}: ${f.message}`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Characters XML 1.0 cannot carry at all (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: the markup characters escaped, characters XML cannot hold replaced by U+FFFD. */
export function text(value: string): string {
  return value.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value (double-quoted): also quotes and whitespace that attribute normalisation would fold. */
export function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

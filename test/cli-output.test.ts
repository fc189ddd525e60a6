import { describe, expect, it } from 'vitest';
import type { RunEvent, StepRecord } from '../src/engine/types.js';
import { wantsColor } from '../src/cli/format.js';
import { HarRecorder } from '../src/cli/har.js';
import { createMasker, MASK, maskValue } from '../src/engine/mask.js';
import { CLEAR_LINE, ProgressRenderer, renderSummary } from '../src/cli/progress.js';
import { ReportBuilder } from '../src/cli/report.js';
import { stepFinishedEvent } from './cli-helpers.js';

const base = { runId: 'r1' };

/** The events' step, with a query string in its URL. */
const stepFinished = (stepId: string, startedAt: number, extra: Partial<StepRecord> = {}): RunEvent =>
  stepFinishedEvent(stepId, startedAt, { url: 'http://127.0.0.1:1/api/jobs/7?x=1', ...extra });

/** A create step then five polls that end when the job is ready. */
function pollRun(): RunEvent[] {
  const events: RunEvent[] = [
    { ...base, type: 'run.started', time: 0, workflowId: 'wf', inputs: {} },
    { ...base, type: 'workflow.started', time: 0, workflowId: 'wf', depth: 0, inputs: {} },
    stepFinished('createJob', 0, {
      method: 'POST',
      url: 'http://127.0.0.1:1/api/jobs',
      statusCode: 201,
      action: { name: 'created', type: 'goto', stepId: 'pollJob' },
    }),
  ];
  for (let i = 0; i < 5; i++) {
    events.push(
      stepFinished('pollJob', 1000 + i * 15_500, { outputs: { endpointName: 'demo', state: i < 4 ? 'initializing' : 'running', big: { nested: true } } }),
    );
  }
  return events;
}

describe('progress renderer', () => {
  it('without a terminal writes one plain line per step execution', () => {
    const r = new ProgressRenderer({ tty: false, color: false, verbose: false, quiet: false });
    const text =
      pollRun()
        .map((e) => r.onEvent(e))
        .join('') + r.flush();
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^✔ createJob {2}POST \/api\/jobs {2}201 {2}30ms {2}→ pollJob$/);
    expect(lines[1]).toContain('pollJob');
    expect(lines[1]).toContain('GET /api/jobs/7?x=1');
    expect(lines[2]).toMatch(/^✔ pollJob {2}#2 {2}GET \/api\/jobs\/7\?x=1 {2}200 {2}30ms {2}state=initializing$/);
    expect(lines[5]).toContain('#5');
    expect(lines[5]).toContain('state=running');
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
  });

  it('in a terminal rewrites one line for a poll loop', () => {
    const r = new ProgressRenderer({ tty: true, color: false, verbose: false, quiet: false });
    const text =
      pollRun()
        .map((e) => r.onEvent(e))
        .join('') + r.flush();
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(2);
    const frames = text.split(CLEAR_LINE);
    // polls 2..5 redraw the line, and the end of the loop redraws it once more with its outcome.
    expect(frames).toHaveLength(6);
    expect(frames[1]).toBe('⟳ pollJob  2 polls  state=initializing  15.5s');
    expect(frames[4]).toBe('⟳ pollJob  5 polls  state=running  1m02s');
    expect(frames.at(-1)).toBe('✔ pollJob  5 polls  state=running  1m02s\n');
  });

  it('in a terminal ends a poll loop with its mark when the next step starts, and shows a non-2xx status', () => {
    const r = new ProgressRenderer({ tty: true, color: false, verbose: false, quiet: false });
    const events = pollRun();
    events.splice(4, 0, stepFinished('pollJob', 1010, { statusCode: 503, outputs: { state: 'busy' } }));
    events.push(stepFinished('readResult', 90_000));
    const text = events.map((e) => r.onEvent(e)).join('') + r.flush();
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(CLEAR_LINE).at(-1));
    expect(lines).toEqual([
      '✔ createJob  POST /api/jobs  201  30ms  → pollJob',
      '✔ pollJob  6 polls  state=running  1m02s',
      '✔ readResult  GET /api/jobs/7?x=1  200  30ms',
    ]);
    expect(text).toContain('⟳ pollJob  2 polls  state=busy  503  40ms');
  });

  it('shows failures in red only when colour is on, and respects NO_COLOR', () => {
    const failed = stepFinished('pollJob', 0, { outcome: 'failed', statusCode: 500 });
    const plain = new ProgressRenderer({ tty: false, color: false, verbose: false, quiet: false }).onEvent(failed);
    expect(plain).toMatch(/^✖ pollJob .*500.*failed\n$/);
    const coloured = new ProgressRenderer({ tty: true, color: true, verbose: false, quiet: false }).onEvent(failed);
    expect(coloured).toContain('\x1b[31m');
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(false, { FORCE_COLOR: '1' })).toBe(true);
  });

  it('is silent with --quiet and shows requests and responses with --verbose', () => {
    const quiet = new ProgressRenderer({ tty: false, color: false, verbose: false, quiet: true });
    expect(
      pollRun()
        .map((e) => quiet.onEvent(e))
        .join(''),
    ).toBe('');
    const verbose = new ProgressRenderer({ tty: true, color: false, verbose: true, quiet: false });
    const request = { method: 'GET', url: 'http://127.0.0.1:1/api/jobs/7', headers: {} };
    const out = [
      verbose.onEvent({ ...base, type: 'request.sent', time: 0, workflowId: 'wf', stepId: 's', request }),
      verbose.onEvent({
        ...base,
        type: 'response.received',
        time: 5,
        workflowId: 'wf',
        stepId: 's',
        request,
        response: { statusCode: 404, headers: {}, body: '{"error":"no such job"}' },
        durationMs: 5,
        startedAt: 0,
      }),
    ].join('');
    expect(out).toContain('→ GET http://127.0.0.1:1/api/jobs/7');
    expect(out).toContain('← 404');
    expect(out).toContain('no such job');
    // Detail lines between the executions of a poll loop keep its count.
    const counted = new ProgressRenderer({ tty: false, color: false, verbose: true, quiet: false });
    const text = pollRun()
      .flatMap((e) =>
        e.type === 'step.finished' ? [{ ...base, type: 'request.sent' as const, time: 0, workflowId: 'wf', stepId: e.stepId, request }, e] : [e],
      )
      .map((e) => counted.onEvent(e))
      .join('');
    expect(text).toMatch(/✔ pollJob {2}#5 {2}GET/);
  });
});

describe('summary', () => {
  it('says which step failed, why, and what the response said', () => {
    const text = renderSummary(
      {
        workflowId: 'wf',
        status: 'failed',
        outputs: { jobId: '7' },
        stepExecutions: 3,
        durationMs: 2500,
        error: {
          code: 'STEP_FAILED',
          message: 'Step "pollJob" failed its success criteria.',
          stepId: 'pollJob',
          statusCode: 500,
          failedCriteria: [{ condition: '$statusCode == 200' }],
          responseExcerpt: '{"error":"database unavailable"}',
        },
      },
      { color: false, quiet: false },
    );
    expect(text).toContain('wf failed at step pollJob (HTTP 500)');
    expect(text).toContain('STEP_FAILED');
    expect(text).toContain('criterion not met: $statusCode == 200');
    expect(text).toContain('response said: database unavailable');
    expect(text).toMatch(/Outputs:\n {2}jobId {2}7\n/);
  });

  it('finds the message in a cut-off JSON body, and shortens a body without one', () => {
    const fail = (responseExcerpt: string) =>
      renderSummary(
        { workflowId: 'wf', status: 'failed', outputs: {}, stepExecutions: 1, durationMs: 5, error: { code: 'STEP_FAILED', message: 'x', responseExcerpt } },
        { color: false, quiet: false },
      );
    expect(fail('{"id":7,"status":{"state":"failed","message":"Disk \\"full\\"","more":"abc')).toContain('\n  response said: Disk "full"\n');
    const plain = fail(`{"id":7,"items":[${'1,'.repeat(300)}`);
    const line = plain.split('\n').find((l) => l.startsWith('  response: '))!;
    expect(line.length).toBeLessThanOrEqual(172);
    expect(line.endsWith('…')).toBe(true);
  });

  it('shows the outputs of a successful run, and nothing with --quiet', () => {
    const result = {
      workflowId: 'wf',
      status: 'succeeded' as const,
      outputs: { url: 'https://x.example/a', n: 3, message: 'Endpoint is ready', empty: '', none: null, tags: ['a'], two: 'line\nbreak' },
      stepExecutions: 6,
      durationMs: 62_000,
    };
    const text = renderSummary(result, { color: false, quiet: false });
    expect(text).toContain('✔ wf succeeded (6 step executions in 1m02s)');
    // Every string reads the same way: bare, unless it is empty or spans lines.
    expect(text).toContain('\n  url      https://x.example/a\n');
    expect(text).toContain('\n  message  Endpoint is ready\n');
    expect(text).toContain('\n  n        3\n');
    expect(text).toContain('\n  empty    ""\n');
    expect(text).toContain('\n  none     null\n');
    expect(text).toContain('\n  tags     ["a"]\n');
    expect(text).toContain('\n  two      "line\\nbreak"\n');
    expect(renderSummary(result, { color: false, quiet: true })).toBe('');
  });
});

describe('--json report', () => {
  it('lists every step execution from step.finished events, in order', () => {
    const b = new ReportBuilder();
    for (const e of pollRun()) b.onEvent(e);
    const report = b.build({ workflowId: 'wf', status: 'succeeded', outputs: { state: 'running' } });
    expect(Object.keys(report)).toEqual(['workflowId', 'status', 'durationMs', 'outputs', 'steps']);
    expect(report.steps).toHaveLength(6);
    expect(report.steps[0]).toEqual({
      stepId: 'createJob',
      outcome: 'succeeded',
      statusCode: 201,
      workflowId: 'wf',
      method: 'POST',
      url: 'http://127.0.0.1:1/api/jobs',
      durationMs: 30,
      action: { name: 'created', type: 'goto', stepId: 'pollJob' },
    });
    const failed = b.build({ workflowId: 'wf', status: 'failed', outputs: {}, error: { code: 'RUN_TIMEOUT', message: 'too slow', limit: 5000 } });
    expect(failed.error).toEqual({ code: 'RUN_TIMEOUT', message: 'too slow', limit: 5000 });
  });
});

describe('HAR trace', () => {
  it('records exchanges as HAR 1.2, and a request without response as status 0', () => {
    const har = new HarRecorder('1.2.3');
    const request = {
      method: 'POST',
      url: 'http://127.0.0.1:1/api/jobs?dry=1',
      headers: { 'Content-Type': 'application/json', Authorization: MASK },
      body: '{"name":"a"}',
    };
    har.onEvent({ ...base, type: 'request.sent', time: 1_700_000_000_000, workflowId: 'wf', stepId: 'createJob', request });
    har.onEvent({
      ...base,
      type: 'response.received',
      time: 1_700_000_000_040,
      workflowId: 'wf',
      stepId: 'createJob',
      request,
      response: { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"7"}' },
      durationMs: 40,
      startedAt: 1_700_000_000_000,
    });
    har.onEvent({
      ...base,
      type: 'request.sent',
      time: 1_700_000_001_000,
      workflowId: 'wf',
      stepId: 'pollJob',
      request: { method: 'GET', url: 'http://127.0.0.1:1/api/jobs/7', headers: {} },
    });
    har.onEvent(
      stepFinished('pollJob', 1_700_000_001_000, {
        outcome: 'failed',
        statusCode: undefined,
        error: { code: 'HTTP_CONNECTION', message: 'connection refused' },
      }),
    );
    const doc = har.toHar();
    expect(doc.log.version).toBe('1.2');
    expect(doc.log.creator).toEqual({ name: 'arazzo', version: '1.2.3' });
    expect(doc.log.entries).toHaveLength(2);
    const [ok, failed] = doc.log.entries;
    expect(ok!.startedDateTime).toBe(new Date(1_700_000_000_000).toISOString());
    expect(ok!.request.queryString).toEqual([{ name: 'dry', value: '1' }]);
    expect(ok!.request.postData).toEqual({ mimeType: 'application/json', text: '{"name":"a"}' });
    expect(ok!.request.headers).toContainEqual({ name: 'Authorization', value: MASK });
    expect(ok!.response).toMatchObject({ status: 201, statusText: 'Created', content: { size: 10, mimeType: 'application/json', text: '{"id":"7"}' } });
    expect(ok!.timings.wait).toBe(40);
    expect(failed!.response.status).toBe(0);
    expect(failed!.response._error).toBe('connection refused');
    expect(failed!._stepId).toBe('pollJob');
  });
});

describe('masking', () => {
  it('scrubs secrets in raw, URL-encoded and JSON-escaped forms, everywhere in a value', () => {
    const mask = createMasker(['tok/en+"1"', 'ab']);
    expect(mask('Bearer tok/en+"1"')).toBe(`Bearer ${MASK}`);
    expect(mask('https://h/?t=tok%2Fen%2B%221%22')).toBe(`https://h/?t=${MASK}`);
    expect(mask(JSON.stringify({ t: 'tok/en+"1"' }))).toBe(`{"t":"${MASK}"}`);
    expect(mask('ab stays: too short to mask safely')).toBe('ab stays: too short to mask safely');
    expect(maskValue({ list: ['x tok/en+"1"'], n: 1 }, mask)).toEqual({ list: [`x ${MASK}`], n: 1 });
  });
});

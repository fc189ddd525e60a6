import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock, timeoutSlot } from '../src/engine/clock.js';
import { runWorkflow } from '../src/engine/run.js';
import type { HttpClient, HttpResponse } from '../src/engine/types.js';
import { loadDoc } from './engine-helpers.js';

// Fake timers behave like Node's: a delay above 2^31 - 1 ms fires after 1 ms.
afterEach(() => {
  vi.useRealTimers();
});
const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });

/** A wait of 2,147,484 s: the `Retry-After: 2147484` of the review, just past what setTimeout holds. */
const LONG = 2_147_484_000;

describe('the system clock waits longer than setTimeout can', () => {
  it('sleep() of more than 2^31 - 1 ms does not end early', async () => {
    fakeTimers();
    let woke = false;
    void systemClock.sleep(LONG).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(LONG - 1001);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(woke).toBe(true);
  });

  it('setTimer() and the request timeout slot of more than 2^31 - 1 ms do not fire early, and can be cancelled', async () => {
    fakeTimers();
    const fired: string[] = [];
    systemClock.setTimer?.(LONG, () => fired.push('timer'));
    const cancel = systemClock.setTimer?.(LONG, () => fired.push('cancelled'));
    const slot = timeoutSlot(systemClock);
    slot.arm(LONG, () => fired.push('slot'));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    cancel?.();
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(LONG - MAX_TIMER_MS - 1);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired.sort()).toEqual(['slot', 'timer']);
    slot.dispose();
  });

  it('a run waits out "Retry-After: 2147484" instead of retrying at once', async () => {
    fakeTimers();
    const doc = await loadDoc([
      { workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus', onFailure: [{ name: 'again', type: 'retry', retryLimit: 3 }] }] },
    ]);
    let sent = 0;
    const http: HttpClient = {
      async send(): Promise<HttpResponse> {
        sent += 1;
        return sent === 1
          ? { statusCode: 503, headers: { 'retry-after': '2147484' }, bodyText: '' }
          : { statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: '{}' };
      },
    };
    const run = runWorkflow(doc, 'w', {}, { http, servers: { api: 'http://api.test' } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toBe(1);
    await vi.advanceTimersByTimeAsync(LONG);
    await expect(run).resolves.toMatchObject({ status: 'succeeded', stepExecutions: 2 });
  });

  it('a run timeout above 2^31 - 1 ms (--timeout 2147484) does not end the run at once', async () => {
    fakeTimers();
    const doc = await loadDoc([{ workflowId: 'w', steps: [{ stepId: 's', operationId: 'getStatus' }] }]);
    const http: HttpClient = {
      send: () =>
        new Promise<HttpResponse>((resolve) =>
          setTimeout(() => resolve({ statusCode: 200, headers: { 'content-type': 'application/json' }, bodyText: '{}' }), 50),
        ),
    };
    const run = runWorkflow(doc, 'w', {}, { http, servers: { api: 'http://api.test' }, limits: { timeoutMs: LONG } });
    await vi.advanceTimersByTimeAsync(100);
    await expect(run).resolves.toMatchObject({ status: 'succeeded' });
  });
});

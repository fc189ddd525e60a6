/**
 * Vitest global setup: build dist/ once per `npm test`, before any test file starts, and only when a
 * source changed since the last successful build. A few tests run the built package in a child
 * process (test/cli-smoke.test.ts, the cross-process resume, the examples); everything else imports
 * src/ directly. A type error fails the run here, as `npm run build && vitest run` used to.
 */
import { buildIfStale } from '../scripts/build.mjs';

export default function setup(): void {
  buildIfStale();
}

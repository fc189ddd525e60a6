/** Small helpers for asserting on errors, shared by the test files. */
import { ArazzoError } from '../src/errors.js';

/** The ArazzoError `fn` throws; a test failure when it throws nothing, a rethrow of anything else. */
export function errorOf(fn: () => unknown): ArazzoError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArazzoError) return err;
    throw err;
  }
  throw new Error('expected an ArazzoError');
}

/** Whatever `fn` throws or rejects with; a test failure when it does neither. */
export async function thrownBy(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

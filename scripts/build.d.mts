/** Types for scripts/build.mjs (a plain script, so that it runs before anything is compiled). */
export declare const STAMP: string;
export declare function staleReason(root?: string): string | undefined;
export declare function buildIfStale(options?: {
  root?: string;
  force?: boolean;
  tsc?: (root: string) => { ok: boolean; output: string };
  log?: (line: string) => void;
}): { built: false } | { built: true; reason: string };

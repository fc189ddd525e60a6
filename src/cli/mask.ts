/**
 * The CLI masks what it prints with the engine's masker (P21: secrets are hidden in one place).
 * This module only re-exports it under the names the CLI uses.
 */
export { MASK, createMasker, maskValue, type MaskFn as Masker } from '../engine/mask.js';

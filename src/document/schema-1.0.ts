/** JSON Schema (draft 2020-12) for Arazzo 1.0.x documents. See `schemas.ts` for how it differs from the official one. */
import { buildArazzoSchema } from './schemas.js';

export const arazzoSchema10: Readonly<Record<string, unknown>> = buildArazzoSchema('1.0');

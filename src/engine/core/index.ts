/**
 * The pure core of a run, for drivers: `createMachine` once, `newRunState` for a new run, then
 * `next(machine, state, event)` for every event; carry out the effects it returns. `RunDriver`
 * (../run.ts) is the driver `runWorkflow` uses; its pieces carry out each kind of effect.
 */
export { next } from './next.js';
export { createMachine, Machine, DEFAULT_MAX_DEPTH, DEFAULT_MAX_STEPS, type MachineOptions } from './machine.js';
export { waitingOn } from './types.js';
export type { CoreEvent, Effect, EmitEffect, CheckpointEffect, SendEffect, SleepEffect, Transition, Executed, EventInput } from './types.js';
export { newRunState, type RunState, type Frame, type FrameRole } from '../state.js';

/**
 * The state one transition is building. It starts as the given state and copies each part the
 * first time the transition writes to it (the root object, the top of the frame stack, the running
 * frame), so the given state is never changed and the new one shares every part that stayed the
 * same. It also collects the transition's effects.
 */
import { copyFrame, copyState, depthOf, FRAME_CHUNK, FRAME_WINDOW, frameAt, type Frame, type RunState, type Writable } from '../state.js';
import type { Machine } from './machine.js';
import type { Effect, EventInput, Transition } from './types.js';

const CHECKPOINT: Effect = Object.freeze({ type: 'checkpoint' });

export class Draft implements Transition {
  readonly effects: Effect[] = [];
  private s: Writable<RunState>;
  private ownRoot = false;
  private ownWindow = false;
  /** The running frame, once this transition has copied it: it may be written in place. */
  private ownTop: Frame | undefined;
  private checkpoint = false;

  constructor(
    readonly machine: Machine,
    base: RunState,
    /** Clock time of the event being applied. */
    readonly now: number,
  ) {
    this.s = base as Writable<RunState>;
  }

  /** The state as built so far. */
  get current(): RunState {
    return this.s;
  }

  /** The new state (Transition). */
  get state(): RunState {
    return this.s;
  }

  /** Number of frames on the stack. */
  get depth(): number {
    return depthOf(this.s);
  }

  /** The running frame (the top of the stack). */
  top(): Frame | undefined {
    const frames = this.s.frames;
    return frames[frames.length - 1];
  }

  /** Frame `index` of the stack, from the bottom. */
  frame(index: number): Frame | undefined {
    return frameAt(this.s, index);
  }

  /** The root object, writable (copied on first use). */
  root(): Writable<RunState> {
    if (!this.ownRoot) {
      this.s = copyState(this.s) as Writable<RunState>;
      this.ownRoot = true;
    }
    return this.s;
  }

  /** The top of the stack (`RunState.frames`), writable (copied on first use). */
  private window(): Frame[] {
    const root = this.root();
    if (!this.ownWindow) {
      root.frames = root.frames.slice();
      this.ownWindow = true;
    }
    return root.frames as Frame[];
  }

  /** The running frame, writable (copied on first use). */
  editTop(): Writable<Frame> {
    const top = this.top() as Frame;
    if (top === this.ownTop) return top as Writable<Frame>;
    const copy = copyFrame(top);
    const window = this.window();
    window[window.length - 1] = copy;
    this.ownTop = copy;
    return copy as Writable<Frame>;
  }

  /** Push a frame; it becomes the running frame. */
  push(frame: Frame): void {
    const window = this.window();
    if (window.length === FRAME_WINDOW) {
      // Move the bottom of the window into a chunk of its own: the window stays small.
      const root = this.root();
      root.below = [...(root.below ?? []), window.splice(0, FRAME_CHUNK)];
    }
    window.push(frame);
    this.ownTop = frame;
  }

  /** Pop the running frame. */
  pop(): Frame {
    const window = this.window();
    const frame = window.pop() as Frame;
    const below = this.s.below;
    if (window.length === 0 && below !== undefined && below.length > 0) {
      // Bring the top chunk back into the window: the running frame is always in the window.
      const root = this.root();
      root.frames = (below[below.length - 1] as readonly Frame[]).slice();
      root.below = below.length > 1 ? below.slice(0, -1) : undefined;
    }
    this.ownTop = undefined;
    return frame;
  }

  /** Put `frame` in place of the running frame (a goto to another workflow). */
  replaceTop(frame: Frame): void {
    const window = this.window();
    window[window.length - 1] = frame;
    this.ownTop = frame;
  }

  /** Drop every frame (the run is over). */
  clear(): void {
    const root = this.root();
    root.frames = [];
    root.below = undefined;
    this.ownWindow = true;
    this.ownTop = undefined;
  }

  emit(event: EventInput): void {
    this.effects.push({ type: 'emit', event });
  }

  /** End the transition's effects with a checkpoint (before the wait): the new state is a step boundary. */
  checkpointAtEnd(): void {
    this.checkpoint = true;
  }

  /**
   * The transition: its state, its effects, then the checkpoint if asked for, then what the run
   * waits on (none when it is over). The draft itself is the transition (one object less per step).
   */
  done(wait?: Effect): Transition {
    if (this.checkpoint) this.effects.push(CHECKPOINT);
    if (wait) this.effects.push(wait);
    return this;
  }
}

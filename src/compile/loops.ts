/**
 * Goto loops that nothing paces. A loop of steps joined by `goto` (a poll: check, not ready, go
 * back) is meant to wait between rounds; without `x-delay`, a `retryAfter` or `x-max-executions`
 * on any of its steps it sends requests back to back until the run's step cap stops it.
 *
 * The graph: each step goes on to the next (a success without a matching action) and to the steps
 * its goto actions name (its own and the workflow's, P13). A loop is a strongly connected set of
 * steps with a goto edge inside it. Retry actions are bounded by retryLimit and are not edges; a
 * goto to another workflow is not followed.
 */
import type { StepPlan } from './plan-types.js';
import type { DocumentScope } from './scope.js';

/** Report each unpaced goto loop of a workflow's steps once, at the goto action that closes it. */
export function checkGotoLoops(scope: DocumentScope, steps: readonly StepPlan[]): void {
  const byIndex = new Map(steps.map((s) => [s.index, s]));
  const edges = new Map<number, number[]>();
  for (const step of steps) {
    const next = [...(byIndex.has(step.index + 1) ? [step.index + 1] : [])];
    for (const action of [...step.onSuccess, ...step.onFailure]) {
      if (action.type === 'goto' && action.stepIndex !== undefined && byIndex.has(action.stepIndex)) next.push(action.stepIndex);
    }
    edges.set(step.index, next);
  }
  for (const component of stronglyConnected([...byIndex.keys()], edges)) {
    const members = new Set(component);
    const loopSteps = component.map((i) => byIndex.get(i) as StepPlan).sort((a, b) => a.index - b.index);
    const gotos = loopSteps.flatMap((step) =>
      [...step.onSuccess, ...step.onFailure]
        .filter((a) => a.type === 'goto' && a.stepIndex !== undefined && members.has(a.stepIndex))
        .map((action) => ({ step, action })),
    );
    if (gotos.length === 0) continue;
    const paced = loopSteps.some(
      (step) =>
        step.extensions.delay !== undefined ||
        step.extensions.maxExecutions !== undefined ||
        [...step.onSuccess, ...step.onFailure].some((a) => a.retryAfter !== undefined && a.retryAfter > 0),
    );
    if (paced) continue;
    const { step, action } = gotos[0] as (typeof gotos)[number];
    const names = loopSteps.map((s) => `'${s.stepId}'`).join(', ');
    const where = loopSteps.length === 1 ? `Step ${names} goes back to itself` : `Steps ${names} form a loop`;
    scope.reporter.warn(
      'GOTO_LOOP_UNPACED',
      action.path ?? step.path,
      `${where} (goto '${action.stepId ?? ''}', action '${action.name}') with no x-delay, no retryAfter and no x-max-executions: each round sends its requests at once, hammering the API until the run's step cap stops it. Add x-delay (seconds between rounds) to a step of the loop, and x-max-executions to bound it.`,
    );
  }
}

/** Tarjan's strongly connected components, iterative (a workflow may have many steps). */
function stronglyConnected(nodes: readonly number[], edges: ReadonlyMap<number, readonly number[]>): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: number; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; next: number };
      const targets = edges.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as number;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop() as number;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        out.push(component);
      }
    }
  }
  return out;
}

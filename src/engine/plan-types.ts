/**
 * Placeholder for the compiled workflow plan. OWNED BY THE ENGINE (src/engine/): replace with the
 * real plan types (compiled steps, parameters, bodies, criteria, actions, outputs, extensions).
 */
export interface WorkflowPlan {
  readonly workflowId: string;
}

/**
 * Dracon component types (the Go tool's `pkg/components` enum, merged into
 * `pipelines` as the seed asks) in pipeline order.
 *
 * @module
 */

/** The label that carries a Task's component type. */
export const COMPONENT_LABEL = "v1.dracon.ocurity.com/component";

/** Every component type, in the order stages run in a pipeline. */
export const COMPONENT_TYPES = [
  "base",
  "source",
  "producer",
  "producer-aggregator",
  "enricher",
  "enricher-aggregator",
  "consumer",
] as const;

/** One Dracon component type. */
export type ComponentType = typeof COMPONENT_TYPES[number];

/** Whether `value` names a component type. */
export function isComponentType(value: unknown): value is ComponentType {
  return typeof value === "string" && (COMPONENT_TYPES as readonly string[]).includes(value);
}

/** Position of a type in pipeline order (base = 0). */
export function componentTypeOrder(type: ComponentType): number {
  return COMPONENT_TYPES.indexOf(type);
}

/** Whether a type's Tasks take an `anchors` parameter (every type after source). */
export function takesAnchors(type: ComponentType): boolean {
  return componentTypeOrder(type) > componentTypeOrder("source");
}

/** Whether a type's Tasks publish an `anchor` result (all but base and consumer). */
export function publishesAnchor(type: ComponentType): boolean {
  return type !== "base" && type !== "consumer";
}

/**
 * Helpers shared by the Task and Pipeline rules (`task_rules.ts`,
 * `pipeline_rules.ts`): field type checks and Tekton's `ParamSpec` rules
 * (`param_types.go`, `task_validation.go` of tektoncd/pipeline v1.15.0).
 *
 * @module
 */
import { isMapping } from "../yaml/mapping.ts";

/** Problems collected so far, each `<field path>: <problem>`. */
export type Problems = string[];

/** DNS-1123 label (at most 63 characters is checked by the caller). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `stringAndArrayVariableNameFormat` and `objectVariableNameFormat` of task_validation.go. */
const STRING_OR_ARRAY_NAME = /^[_a-zA-Z][_a-zA-Z0-9.-]*$/;
const OBJECT_NAME = /^[_a-zA-Z][_a-zA-Z0-9-]*$/;

/** A short description of a found value for messages: a quoted string or a kind of thing. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  // Long values are shortened where messages are printed (shortenMessage, the one rule).
  if (typeof value === "string") return `"${value}"`;
  if (Array.isArray(value)) return "a list";
  if (isMapping(value)) return "a mapping";
  return `${typeof value} ${String(value)}`;
}

/** `object[field]` when it is a string (or absent); a problem otherwise. */
export function stringAt(
  object: Record<string, unknown>,
  field: string,
  path: string,
  problems: Problems,
): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  problems.push(`${path}.${field}: expected a string, found ${describe(value)}`);
  return undefined;
}

/** `object[field]` when it is a list, `[]` when absent; a problem for anything else. */
export function listAt(
  object: Record<string, unknown>,
  field: string,
  path: string,
  problems: Problems,
): unknown[] {
  const value = object[field];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  problems.push(`${path}: expected a list, found ${describe(value)}`);
  return [];
}

/** The type Tekton gives a param: its own, else inferred from `properties` or `default`. */
function paramType(param: Record<string, unknown>): unknown {
  if (param.type !== undefined && param.type !== "") return param.type;
  if (param.properties !== undefined) return "object";
  return valueType(param.default) ?? "string";
}

/** The type Tekton reads a value as (`ParamValue.UnmarshalJSON`). */
function valueType(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return "array";
  if (isMapping(value) && Object.values(value).every((v) => typeof v === "string")) return "object";
  return "string";
}

/**
 * Tekton's rules for a list of param declarations: names, unique names,
 * name format (`ValidateNameFormat`), types, defaults matching their type
 * (`ValidateType`), object properties, enums. Returns each declared name
 * with its type.
 */
export function checkParamSpecs(
  value: unknown,
  path: string,
  problems: Problems,
  options: { nameFormat?: boolean } = {},
): Map<string, string> {
  const declared = new Map<string, string>();
  const list = value === undefined || value === null
    ? []
    : Array.isArray(value)
    ? value
    : (problems.push(`${path}: expected a list, found ${describe(value)}`), []);
  list.forEach((param, i) => {
    const at = `${path}[${i}]`;
    if (!isMapping(param)) {
      return void problems.push(`${at}: expected a mapping, found ${describe(param)}`);
    }
    const name = param.name;
    if (typeof name !== "string" || name === "") {
      return void problems.push(`${at}.name: expected a param name, found ${describe(name)}`);
    }
    const type = paramType(param);
    if (declared.has(name)) problems.push(`${at}.name: param "${name}" appears more than once`);
    if (type !== "string" && type !== "array" && type !== "object") {
      problems.push(`${at}.type: param "${name}" has invalid type ${describe(type)}`);
      return;
    }
    declared.set(name, type);
    const format = type === "object" ? OBJECT_NAME : STRING_OR_ARRAY_NAME;
    if (options.nameFormat !== false && !format.test(name)) {
      problems.push(
        `${at}.name: invalid param name "${name}": letters, digits, "_", "-"` +
          `${type === "object" ? "" : ' and "."'}, starting with a letter or "_"`,
      );
    }
    const defaultType = valueType(param.default);
    if (defaultType !== undefined && defaultType !== type) {
      problems.push(
        `${at}.default: param "${name}" of type "${type}" has a default of type "${defaultType}"`,
      );
    }
    checkProperties(param, type, at, problems);
    checkEnum(param, type, at, problems);
  });
  return declared;
}

function checkProperties(
  param: Record<string, unknown>,
  type: string,
  at: string,
  problems: Problems,
) {
  const properties = param.properties;
  if (type === "object" && !isMapping(properties)) {
    problems.push(`${at}.properties: object param "${String(param.name)}" needs "properties"`);
  }
  if (!isMapping(properties)) return;
  for (const [key, spec] of Object.entries(properties)) {
    const propertyType = isMapping(spec) ? spec.type ?? "string" : spec === null ? "string" : spec;
    if (propertyType !== "string") {
      problems.push(
        `${at}.properties.${key}: property type must be "string", found ${describe(propertyType)}`,
      );
    }
    if (!OBJECT_NAME.test(key)) problems.push(`${at}.properties: invalid key name "${key}"`);
  }
}

/** `validateParamEnums` (the `enable-param-enum` feature flag is left to Tekton). */
function checkEnum(param: Record<string, unknown>, type: string, at: string, problems: Problems) {
  const enumValue = param.enum;
  if (enumValue === undefined || enumValue === null) return;
  if (!Array.isArray(enumValue) || enumValue.some((v) => typeof v !== "string")) {
    problems.push(`${at}.enum: expected a list of strings, found ${describe(enumValue)}`);
    return;
  }
  if (enumValue.length === 0) return;
  if (type !== "string") problems.push(`${at}.enum: an enum needs a param of type "string"`);
  const dup = enumValue.find((v, i) => enumValue.indexOf(v) !== i);
  if (dup !== undefined) problems.push(`${at}.enum: value "${dup}" appears more than once`);
  const fallback = param.default;
  if (typeof fallback === "string" && fallback !== "" && !enumValue.includes(fallback)) {
    problems.push(`${at}.default: "${fallback}" is not in the enum`);
  }
}

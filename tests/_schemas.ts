/**
 * Validating `-o json` outputs against their documented JSON Schemas
 * (docs/schemas/<command>.schema.json, one per command) with Ajv. Every
 * schema file is known to Ajv by its `$id`, so one may refer to another
 * (`policy-report.schema.json`, the gate's report several commands print).
 *
 * @module
 */
import { Ajv, type ValidateFunction } from "ajv";

const DIR = new URL("../docs/schemas/", import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<string, ValidateFunction>();
let loaded = false;

/** The schema files under docs/schemas/, by name. */
function schemaFiles(): string[] {
  return [...Deno.readDirSync(DIR)].map((entry) => entry.name).filter((name) =>
    name.endsWith(".schema.json")
  ).sort();
}

/** Adds every schema file to Ajv once, by its `$id`. */
function loadAll(): void {
  if (loaded) return;
  for (const name of schemaFiles()) {
    ajv.addSchema(JSON.parse(Deno.readTextFileSync(new URL(name, DIR))));
  }
  loaded = true;
}

/** The schema file of a command: `pipelines list` → `pipelines-list.schema.json`. */
export function schemaFileOf(command: string): string {
  return `${command.trim().replaceAll(" ", "-")}.schema.json`;
}

/** The compiled schema of `command` (`"pipelines list"`, or `"policy report"`). */
export function schemaOf(command: string): ValidateFunction {
  let validate = compiled.get(command);
  if (validate === undefined) {
    loadAll();
    const text = Deno.readTextFileSync(new URL(schemaFileOf(command), DIR));
    const id = (JSON.parse(text) as { $id: string }).$id;
    validate = ajv.getSchema(id);
    if (validate === undefined) throw new Error(`${schemaFileOf(command)}: no schema ${id}`);
    compiled.set(command, validate);
  }
  return validate;
}

/** Why `value` does not match the schema of `command`; empty when it does. */
export function schemaErrors(command: string, value: unknown): string[] {
  const validate = schemaOf(command);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

/**
 * Parses the `-o json` output of `command` and checks it against its schema;
 * returns the parsed value for the test to read further, untyped as `JSON.parse`'s.
 *
 * @throws {Error} listing every mismatch
 */
// deno-lint-ignore no-explicit-any
export function assertMatchesSchema(command: string, stdout: string): any {
  const value = JSON.parse(stdout);
  const errors = schemaErrors(command, value);
  if (errors.length > 0) {
    throw new Error(
      `${command} -o json does not match ${schemaFileOf(command)}:\n${
        errors.join("\n")
      }\n${stdout}`,
    );
  }
  return value;
}

/**
 * Validating `-o json` outputs against their documented JSON Schemas
 * (docs/schemas/<command>.schema.json, one per command) with Ajv.
 *
 * @module
 */
import { Ajv, type ValidateFunction } from "ajv";

const DIR = new URL("../docs/schemas/", import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<string, ValidateFunction>();

/** The schema file of a command: `pipelines list` → `pipelines-list.schema.json`. */
export function schemaFileOf(command: string): string {
  return `${command.trim().replaceAll(" ", "-")}.schema.json`;
}

/** The compiled schema of `command` (`"pipelines list"`). */
export function schemaOf(command: string): ValidateFunction {
  let validate = compiled.get(command);
  if (validate === undefined) {
    const text = Deno.readTextFileSync(new URL(schemaFileOf(command), DIR));
    validate = ajv.compile(JSON.parse(text));
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

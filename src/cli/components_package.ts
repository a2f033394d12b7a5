/**
 * `draconctl components package <dir>`.
 *
 * @module
 */
import type { Deps } from "../deps.ts";
import type { AnyCommand } from "./program.ts";
import { DraconError } from "../errors.ts";

const HELP = `
Gathers every Task under <dir> (the Dracon layout base/, sources/, producers/,
enrichers/, consumers/, and any other tree of Task YAML files) into one Helm
chart that operators install with their own values, e.g.
  helm install dracon-oss-components ./dracon-components-0.1.0.tgz --set image.registry=registry.internal

Examples:
  draconctl components package ./components --name dracon-components --chart-version 0.1.0
`;

/** Registers `package` under `components`. */
export function registerComponentsPackage(parent: AnyCommand, _deps: Deps): void {
  parent.command("package")
    .description("package every component Task under a directory into one Helm chart")
    .argument("<dir>", "directory holding the component Tasks")
    .addHelpText("after", HELP)
    .action(() => {
      throw new DraconError("components package is not implemented in this build");
    });
}

/**
 * bin/draconctl, the checkout launcher: which entry it runs (a fresh bundle,
 * a stale one rebuilt, else main.ts from sources) and with which flags, in a
 * copy of the launcher beside stand-in sources, with a stand-in `deno` on
 * PATH that records its arguments; then once for real, with the real
 * sources and a real bundle.
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildArgs, bundleRunArgs } from "../../scripts/bundle.ts";
import { BINARY, BUNDLE } from "./_product.ts";

const LAUNCHER = new URL("../../bin/draconctl", import.meta.url).pathname;
const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
// The launcher: once, in the `deno run` pass.
const IGNORE = BINARY !== undefined || BUNDLE !== undefined;
const SOURCES = ["main.ts", "src/a.ts", "deno.json", "deno.lock"];
const SCRIPTS = ["scripts/bundle.ts", "scripts/permissions.ts"];

/** A stand-in `deno`: logs each call; prints flags for permissions.ts; `task` rebuilds or fails. */
const FAKE_DENO = `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$*" in
  *scripts/permissions.ts) echo "--source-flags" ;;
  "task "*)
    [ "$FAKE_REBUILD" = ok ] || exit 1
    echo "--rebuilt-flags" > "$FAKE_ROOT/dist/draconctl.flags" ;;
esac
`;

interface Checkout {
  root: string;
  /** Runs the launcher with `args`; returns the stand-in's calls. */
  launch(args: string[], rebuild?: "ok" | "fails"): Promise<string[]>;
}

async function checkout(): Promise<Checkout> {
  const tmp = await Deno.makeTempDir({ prefix: "launcher-" });
  const root = `${tmp}/root`;
  for (const dir of ["bin", "src", "scripts", "dist", "fake"]) {
    await Deno.mkdir(`${root}/${dir}`, { recursive: true });
  }
  await Deno.copyFile(LAUNCHER, `${root}/bin/draconctl`);
  for (const file of [...SOURCES, ...SCRIPTS]) await Deno.writeTextFile(`${root}/${file}`, "");
  await Deno.writeTextFile(`${root}/fake/deno`, FAKE_DENO);
  await Deno.chmod(`${root}/fake/deno`, 0o755);
  const log = `${tmp}/log`;
  return {
    root,
    async launch(args, rebuild = "fails") {
      await Deno.writeTextFile(log, "");
      // Through a symlink, as kubectl's plugin lookup or a PATH entry may call it.
      await ln(`${root}/bin/draconctl`, `${tmp}/link`);
      const output = await new Deno.Command("sh", {
        args: [`${tmp}/link`, ...args],
        env: {
          PATH: `${root}/fake:/usr/bin:/bin`,
          FAKE_LOG: log,
          FAKE_ROOT: root,
          FAKE_REBUILD: rebuild,
        },
        stdin: "null",
      }).output();
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      return (await Deno.readTextFile(log)).trim().split("\n");
    },
  };
}

/** `ln -sfn target link` (Deno.symlink needs unscoped write permission, which the e2e set lacks). */
async function ln(target: string, link: string): Promise<void> {
  const { code } = await new Deno.Command("sh", { args: ["-c", 'ln -sfn "$0" "$1"', target, link] })
    .output();
  assert.equal(code, 0, `ln -s ${target} ${link}`);
}

/** Sets `path`'s modification time `seconds` from now. */
async function age(path: string, seconds: number): Promise<void> {
  const time = new Date(Date.now() + seconds * 1000);
  await Deno.utime(path, time, time);
}

/** A bundle in dist/ built 40 s ago, from sources of 60 s ago. */
async function freshBundle(root: string): Promise<void> {
  await Deno.writeTextFile(`${root}/dist/draconctl.js`, "");
  await Deno.writeTextFile(`${root}/dist/draconctl.flags`, "--f1 --f2\n");
  for (const path of [...SOURCES, ...SCRIPTS, "src"]) await age(`${root}/${path}`, -60);
  for (const file of ["draconctl.js", "draconctl.flags"]) await age(`${root}/dist/${file}`, -40);
}

function fromSources(root: string, args: string): string[] {
  return [
    `run --quiet --no-prompt --config ${root}/deno.json ${root}/scripts/permissions.ts`,
    `run --quiet --config ${root}/deno.json --source-flags ${root}/main.ts ${args}`,
  ];
}

const rebuild = (root: string) => `task --quiet --config ${root}/deno.json bundle --quiet`;

Deno.test({
  name: "bin/draconctl runs a fresh bundle, rebuilds a stale one, else runs main.ts",
  ignore: IGNORE,
  fn: async (t) => {
    const { root, launch } = await checkout();
    await t.step("no bundle: main.ts, with the flags of scripts/permissions.ts", async () => {
      assert.deepEqual(await launch(["a", "b c"]), fromSources(root, "a b c"));
    });
    await t.step("a fresh bundle: run at once with the flags beside it, nothing else", async () => {
      await freshBundle(root);
      assert.deepEqual(await launch(["a", "b"]), [
        `run --quiet --no-config --f1 --f2 ${root}/dist/draconctl.js a b`,
      ]);
    });
    for (const changed of [...SOURCES, ...SCRIPTS, "src/new.ts"]) {
      await t.step(`${changed} newer than the bundle: rebuilt, then run`, async () => {
        await freshBundle(root);
        if (changed === "src/new.ts") await Deno.writeTextFile(`${root}/${changed}`, "");
        else await age(`${root}/${changed}`, -20);
        assert.deepEqual(await launch(["x"], "ok"), [
          rebuild(root),
          `run --quiet --no-config --rebuilt-flags ${root}/dist/draconctl.js x`,
        ]);
        await Deno.remove(`${root}/src/new.ts`).catch(() => {});
      });
    }
    await t.step("a stale bundle whose rebuild fails: main.ts", async () => {
      await freshBundle(root);
      await age(`${root}/src/a.ts`, -20);
      assert.deepEqual(await launch(["x"], "fails"), [rebuild(root), ...fromSources(root, "x")]);
    });
    await t.step("a flags file without its bundle: rebuilt, else main.ts", async () => {
      await freshBundle(root);
      await Deno.remove(`${root}/dist/draconctl.js`);
      assert.deepEqual(await launch(["x"]), [rebuild(root), ...fromSources(root, "x")]);
    });
  },
});

Deno.test({
  name: "bin/draconctl runs the real bundle with the shipped flags",
  ignore: IGNORE,
  fn: async () => {
    const root = `${await Deno.makeTempDir({ prefix: "launcher-real-" })}`;
    await Deno.mkdir(`${root}/bin`);
    await Deno.copyFile(LAUNCHER, `${root}/bin/draconctl`);
    for (const path of [...SOURCES.filter((p) => !p.startsWith("src/")), ...SCRIPTS, "src"]) {
      if (path.startsWith("scripts/")) await Deno.mkdir(`${root}/scripts`, { recursive: true });
      await ln(`${REPO}/${path}`, `${root}/${path}`);
    }
    const built = await new Deno.Command("deno", { args: buildArgs(`${root}/dist`), stdin: "null" })
      .output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
    // The flags file holds what bundleRunArgs() passes, i.e. scripts/permissions.ts's flags.
    const flags = (await Deno.readTextFile(`${root}/dist/draconctl.flags`)).trim().split(" ");
    assert.deepEqual(
      ["run", "--quiet", "--no-config", ...flags, `${root}/dist/draconctl.js`],
      bundleRunArgs(`${root}/dist`),
    );
    const output = await new Deno.Command("sh", {
      args: [`${root}/bin/draconctl`, "--version"],
      stdin: "null",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.match(new TextDecoder().decode(output.stdout), /^draconctl \d+\.\d+\.\d+ \(deno /);
  },
});

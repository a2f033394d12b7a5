/**
 * The image reference parser against the test tables of
 * github.com/distribution/reference (reference_test.go `TestReferenceParse`,
 * normalize_test.go `TestValidateReferenceName`, `TestValidateRemoteName`,
 * `TestParseRepositoryInfo`), ported: the Go library is what the kubelet's
 * runtime (containerd's `ParseDockerRef`) uses, so the policy reads an image
 * as the node pulls it.
 */
import assert from "node:assert/strict";
import { formatImageRef, ImageRefError, parseImageRef } from "../../src/k8s/image_ref.ts";

const F64 = "f".repeat(64);

Deno.test("normalize_test.go TestParseRepositoryInfo: familiar, full and ambiguous names", () => {
  // [remote name, familiar, full, ambiguous?, domain]
  const table: [string, string, string, string, string][] = [
    ["fooo", "localhost/fooo", "localhost/fooo", "localhost/fooo", "localhost"],
    ["fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar", "localhost"],
    ["fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN"],
    ["fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io"],
    ["library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io"],
    ["nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "", "docker.io"],
    ["other/library", "other/library", "docker.io/other/library", "", "docker.io"],
    [
      "private/moonbase",
      "127.0.0.1:8000/private/moonbase",
      "127.0.0.1:8000/private/moonbase",
      "",
      "127.0.0.1:8000",
    ],
    [
      "privatebase",
      "127.0.0.1:8000/privatebase",
      "127.0.0.1:8000/privatebase",
      "",
      "127.0.0.1:8000",
    ],
    [
      "private/moonbase",
      "example.com/private/moonbase",
      "example.com/private/moonbase",
      "",
      "example.com",
    ],
    ["privatebase", "example.com/privatebase", "example.com/privatebase", "", "example.com"],
    [
      "private/moonbase",
      "example.com:8000/private/moonbase",
      "example.com:8000/private/moonbase",
      "",
      "example.com:8000",
    ],
    [
      "privatebasee",
      "example.com:8000/privatebasee",
      "example.com:8000/privatebasee",
      "",
      "example.com:8000",
    ],
    [
      "library/ubuntu-12.04-base",
      "ubuntu-12.04-base",
      "docker.io/library/ubuntu-12.04-base",
      "index.docker.io/library/ubuntu-12.04-base",
      "docker.io",
    ],
    ["library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io"],
    ["library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", "", "docker.io"],
    ["store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "", "docker.io"],
    ["bar", "Foo/bar", "Foo/bar", "", "Foo"],
    ["bar", "FOO/bar", "FOO/bar", "", "FOO"],
  ];
  for (const [remote, familiar, full, ambiguous, domain] of table) {
    for (const input of [familiar, full, ...(ambiguous === "" ? [] : [ambiguous])]) {
      const ref = parseImageRef(input);
      assert.equal(ref.name, full, input);
      assert.equal(ref.registry, domain, input);
      assert.equal(ref.path, remote, input);
    }
  }
});

Deno.test("normalize_test.go TestValidateReferenceName and TestValidateRemoteName", () => {
  const valid = [
    "docker/docker",
    "library/debian",
    "debian",
    "localhost/library/debian",
    "localhost/debian",
    "LOCALDOMAIN/library/debian",
    "LOCALDOMAIN/debian",
    "docker.io/docker/docker",
    "docker.io/library/debian",
    "docker.io/debian",
    "index.docker.io/docker/docker",
    "index.docker.io/library/debian",
    "index.docker.io/debian",
    "127.0.0.1:5000/docker/docker",
    "127.0.0.1:5000/library/debian",
    "127.0.0.1:5000/debian",
    "192.168.0.1",
    "192.168.0.1:80",
    "192.168.0.1:8/debian",
    "192.168.0.2:25000/debian",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "[fc00::1]:5000/docker",
    "[fc00::1]:5000/docker/docker",
    "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
    "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "Docker/docker",
    "DOCKER/docker",
    "docker-rules/docker",
    "docker---rules/docker",
    "doc/docker",
    "d/docker",
    "jess/t",
    "dock__er/docker",
  ];
  const invalid = [
    "https://github.com/docker/docker",
    "docker/Docker",
    "-docker",
    "-docker/docker",
    "-docker.io/docker/docker",
    "docker///docker",
    "docker.io/docker/Docker",
    "docker.io/docker///docker",
    "[fc00::1]",
    "[fc00::1]:5000",
    "fc00::1:5000/debian",
    "[fe80::1%eth0]:5000/debian",
    "[2001:db8:3:4::192.0.2.33]:5000/debian",
    "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "docker-/docker",
    "-docker-/docker",
    "____/____",
    "_docker/_docker",
    "dock..er/docker",
    "dock_.er/docker",
    "dock-.er/docker",
    "docker/",
    "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_".repeat(4) +
    "/docker",
  ];
  for (const name of valid) assert.doesNotThrow(() => parseImageRef(name), name);
  for (const name of invalid) assert.throws(() => parseImageRef(name), ImageRefError, name);
});

Deno.test("reference_test.go TestReferenceParse: fully qualified references", () => {
  // [input, name, tag, digest]
  const ok: [string, string, (string | undefined)?, string?][] = [
    ["test.com/repo:tag", "test.com/repo", "tag"],
    ["test:5000/repo", "test:5000/repo"],
    ["test:5000/repo:tag", "test:5000/repo", "tag"],
    [`test:5000/repo@sha256:${F64}`, "test:5000/repo", undefined, `sha256:${F64}`],
    [`test:5000/repo:tag@sha256:${F64}`, "test:5000/repo", "tag", `sha256:${F64}`],
    ["lowercase:Uppercase", "docker.io/library/lowercase", "Uppercase"],
    [
      `${"a/".repeat(127)}a:tag-puts-this-over-max`,
      `docker.io/${"a/".repeat(127)}a`,
      "tag-puts-this-over-max",
    ],
    [
      "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
      "sub-dom1.foo.com/bar/baz/quux",
      "some-long-tag",
    ],
    [
      "b.gcr.io/test.example.com/my-app:test.example.com",
      "b.gcr.io/test.example.com/my-app",
      "test.example.com",
    ],
    ["xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage", "xn--n3h.com"],
    [
      `xn--7o8h.com/myimage:xn--7o8h.com@sha256:${F64}`,
      "xn--7o8h.com/myimage",
      "xn--7o8h.com",
      `sha256:${F64}`,
    ],
    ["foo_bar.com:8080", "docker.io/library/foo_bar.com", "8080"],
    ["foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com", "8080"],
    ["192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo", "5050"],
    ["[2001:db8::1]/repo", "[2001:db8::1]/repo"],
    ["[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo", "tag"],
    [
      `[2001:db8::1]:5000/repo:tag@sha256:${F64}`,
      "[2001:db8::1]:5000/repo",
      "tag",
      `sha256:${F64}`,
    ],
    ["[::1]:5000/repo", "[::1]:5000/repo"],
    [`example.com/${"a".repeat(255)}:tag`, `example.com/${"a".repeat(255)}`, "tag"],
  ];
  for (const [input, name, tag, digest] of ok) {
    const ref = parseImageRef(input);
    assert.equal(ref.name, name, input);
    assert.equal(ref.tag, tag, input);
    assert.equal(ref.digest, digest, input);
  }
  const bad: [string, RegExp][] = [
    ["", /at least one component/],
    [":justtag", /invalid reference format/],
    [`@sha256:${F64}`, /invalid reference format/],
    ["repo@sha256:ffffffffffffffffffffffffffffffffff", /digest length/],
    [`validname@invaliddigest:${F64}`, /unsupported digest algorithm/],
    ["Uppercase:tag", /must be lowercase/],
    ["test:5000/Uppercase/lowercase:tag", /must be lowercase/],
    [`domain/${"a".repeat(256)}:tag`, /not be more than 255/],
    ["aa/asdf$$^/aa", /invalid reference format/],
    ["[2001:db8::1]", /invalid reference format/],
    ["[2001:db8::1]:5000", /invalid reference format/],
    ["[fe80::1%eth0]:5000/repo", /invalid reference format/],
    ["[fe80::1%@invalidzone]:5000/repo", /invalid reference format/],
    [`repo@sha256:${"F".repeat(64)}`, /digest format/],
  ];
  for (const [input, reason] of bad) {
    assert.throws(() => parseImageRef(input), reason, input);
  }
});

Deno.test("adversarial: what a registry allow-list must tell apart", () => {
  assert.equal(parseImageRef("alpine").name, parseImageRef("docker.io/library/alpine").name);
  assert.equal(parseImageRef("index.docker.io/alpine:3").name, "docker.io/library/alpine");
  // localhost is a registry; "localhostx" is a Docker Hub namespace.
  assert.equal(parseImageRef("localhost/x").registry, "localhost");
  assert.equal(parseImageRef("localhostx/y").registry, "docker.io");
  assert.equal(
    parseImageRef("registry.example.com.evil.io/x").registry,
    "registry.example.com.evil.io",
  );
  assert.equal(
    parseImageRef("registry.example.com:5000/x/y:1").registry,
    "registry.example.com:5000",
  );
  // A first component without "." or ":" is a path on Docker Hub, not a registry.
  assert.equal(parseImageRef("registry/x").name, "docker.io/registry/x");
  const both = parseImageRef(`busybox:latest@sha256:${F64}`);
  assert.equal(formatImageRef(both), `docker.io/library/busybox:latest@sha256:${F64}`);
  assert.equal(parseImageRef(`x@sha512:${"a".repeat(128)}`).digest, `sha512:${"a".repeat(128)}`);
  // Digest-only spellings: "sha256:<hex>" is image "sha256" with a tag (no digest), as in Go.
  const tagged = parseImageRef(`sha256:${F64}`);
  assert.deepEqual([tagged.name, tagged.tag, tagged.digest], [
    "docker.io/library/sha256",
    F64,
    undefined,
  ]);
  assert.throws(() => parseImageRef(`@sha256:${F64}`), /invalid reference format/);
  assert.throws(() => parseImageRef(F64), /64-byte hexadecimal/);
  assert.throws(() => parseImageRef("registry.example.com/X"), /lowercase/);
});

Deno.test("no catastrophic backtracking: long invalid names fail at once", () => {
  // The npm port of the Go expressions takes minutes on the first of these.
  const inputs = [
    `${"a".repeat(30)}!`,
    `${"a-".repeat(2000)}!`,
    `${"a.".repeat(1000)}a/${"b_".repeat(1000)}`,
    `${"a".repeat(5000)}`,
    `x/${"a__".repeat(1300)}-`,
  ];
  const started = performance.now();
  for (const input of inputs) assert.throws(() => parseImageRef(input), ImageRefError);
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
});

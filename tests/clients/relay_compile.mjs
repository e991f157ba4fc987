// relay-compiler over the contract's operations (tests/contract/queries and mutations) against
// schema.graphql. Relay reads operations from graphql`...` tags in JavaScript modules and wants
// each operation named <module name>...Query/Mutation/Subscription, so every operation is
// copied, unchanged but for that suffix on its name, into a module named after it in a
// temporary directory (argv[2]), next to the config and the artifact directory. Prints the
// compiler's exit status and output, and which artifacts it wrote.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Source, parse } from "graphql";
import { run } from "./common.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONTRACT = join(ROOT, "tests", "contract");
const RELAY = join(ROOT, "node_modules", ".bin", "relay-compiler");
const SUFFIX = { query: "Query", mutation: "Mutation", subscription: "Subscription" };
const ANSI = /\x1b\[[0-9;]*m/g;

function contractFiles() {
  return ["queries", "mutations"].flatMap((folder) =>
    readdirSync(join(CONTRACT, folder))
      .filter((name) => name.endsWith(".graphql"))
      .sort()
      .map((name) => join(folder, name)),
  );
}

// Each operation of `file` as Relay's module: its text with the name suffixed.
function modules(file) {
  const text = readFileSync(join(CONTRACT, file), "utf8");
  const document = parse(new Source(text, file));
  return document.definitions.map((definition) => {
    if (definition.kind !== "OperationDefinition" || !definition.name) {
      throw new Error(`${file}: only named operations are expected, not ${definition.kind}`);
    }
    const name = definition.name.value;
    const suffix = SUFFIX[definition.operation];
    const relayName = name.endsWith(suffix) ? name : name + suffix;
    const { start, end } = definition.name.loc;
    const operation =
      text.slice(definition.loc.start, start) + relayName + text.slice(end, definition.loc.end);
    return { file, name, relayName, module: name, source: `graphql\`\n${operation}\n\`;\n` };
  });
}

run(async () => {
  const work = process.argv[2];
  if (!work) throw new Error("usage: relay_compile.mjs <empty working directory>");
  const src = join(work, "src");
  const artifacts = join(work, "__generated__");
  mkdirSync(src, { recursive: true });
  mkdirSync(artifacts, { recursive: true });

  const operations = contractFiles().flatMap(modules);
  for (const operation of operations) {
    writeFileSync(join(src, `${operation.module}.js`), operation.source);
  }
  const config = join(work, "relay.config.json");
  const settings = {
    src: "./src",
    schema: join(ROOT, "schema.graphql"),
    language: "javascript",
    artifactDirectory: "./__generated__",
  };
  writeFileSync(config, JSON.stringify(settings, null, 2));

  const compiler = spawnSync(RELAY, [config], {
    cwd: work,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const written = readdirSync(artifacts).sort();
  return {
    status: compiler.status,
    signal: compiler.signal,
    error: compiler.error ? String(compiler.error) : null,
    output: `${compiler.stdout ?? ""}${compiler.stderr ?? ""}`.replace(ANSI, ""),
    operations: operations.map(({ file, name, relayName }) => ({
      file,
      name,
      relayName,
      artifact: written.includes(`${relayName}.graphql.js`) ? `${relayName}.graphql.js` : null,
    })),
    artifacts: written,
  };
});

// graphql-codegen (typescript + typescript-operations) over the contract's operations against
// schema.graphql, with the scalars map frontends use, then `tsc --noEmit --strict` over the
// output. Writes into a temporary directory (argv[2]); prints the generator's outcome, the
// exported type names, the Scalars block and the type checker's exit status and output.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "@graphql-codegen/cli";
import { run } from "./common.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

// The configuration a frontend would keep in its codegen.ts. Since typescript-operations 6
// writes the schema types an operation needs itself, both plugins in one file declare them
// twice; the layout that composes them is the schema's types in one file (typescript) and the
// operations' in another that imports them (importSchemaTypesFrom). Paths are relative to the
// working directory. strictScalars makes a custom scalar without a mapping an error here
// rather than `any` in the frontend.
const SCALARS = { DateTime: "string", Date: "string", Decimal: "string" };
export const codegenConfig = {
  schema: join(ROOT, "schema.graphql"),
  documents: [
    join(ROOT, "tests/contract/queries/*.graphql"),
    join(ROOT, "tests/contract/mutations/*.graphql"),
  ],
  // Plugins load from the repository's node_modules, whatever the working directory.
  pluginLoader: (name) => import(name),
  silent: true,
  errorsOnly: true,
  generates: {
    "schema-types.ts": {
      plugins: ["typescript"],
      config: { strictScalars: true, scalars: SCALARS },
    },
    "operations.ts": {
      plugins: ["typescript-operations"],
      config: { strictScalars: true, scalars: SCALARS, importSchemaTypesFrom: "./schema-types.ts" },
    },
  },
};

run(async () => {
  const work = process.argv[2];
  if (!work) throw new Error("usage: codegen.mjs <empty working directory>");
  process.chdir(work);

  const files = {};
  try {
    await generate(codegenConfig, true);
    for (const name of Object.keys(codegenConfig.generates)) files[name] = readFileSync(name, "utf8");
  } catch (error) {
    const details = (error.errors ?? []).map((inner) => inner.message ?? String(inner));
    // The CLI repeats one validation error per output file and in its summary: say it once.
    const messages = new Map();
    for (const message of details.length ? details : [String(error.message ?? error)]) {
      messages.set(message.replace(/\s+/g, " ").trim(), message.trim());
    }
    return { generated: false, error: [...messages.values()].join("\n") };
  }

  writeFileSync(
    "tsconfig.json",
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        allowImportingTsExtensions: true,
        skipLibCheck: true,
      },
      files: Object.keys(codegenConfig.generates),
    }),
  );
  const tsc = spawnSync(TSC, ["--project", "tsconfig.json", "--pretty", "false"], {
    encoding: "utf8",
    timeout: 90_000,
  });
  const scalars = files["schema-types.ts"].match(/export type Scalars = \{[\s\S]*?\n\};/);
  return {
    generated: true,
    operationTypes: [...files["operations.ts"].matchAll(/^export type (\w+)/gm)]
      .map((match) => match[1])
      .sort(),
    scalars: scalars ? scalars[0] : null,
    tsc: {
      status: tsc.status,
      signal: tsc.signal,
      error: tsc.error ? String(tsc.error) : null,
      output: `${tsc.stdout ?? ""}${tsc.stderr ?? ""}`,
    },
  };
});

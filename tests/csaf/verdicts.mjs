// Prints, as JSON, the verdict of every mandatory test of @secvisogram/csaf-validator-lib on
// each CSAF file named on the command line: { "<file name>": { "6.1.N": true|false, … }, … }
// (true: the test passes). Run by crates/accord-csaf/tests/crosscheck.rs.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'

const out = {}
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, 'utf8'))
  const verdicts = {}
  for (const [name, test] of Object.entries(mandatory)) {
    const id = name.replace('mandatoryTest_', '').replaceAll('_', '.')
    verdicts[id] = (await test(doc)).isValid
  }
  out[basename(file)] = verdicts
}
process.stdout.write(JSON.stringify(out))

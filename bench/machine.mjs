#!/usr/bin/env node
// Machine facts that bound load times here: what it costs to touch fresh memory for the first time (page faults:
// every new large typed array, the model file's bytes, the decoded nodes and leaves, the scorer's walk layout),
// against writing the same memory again. Loading a model touches about 9x its file size of fresh memory.
//   node bench/machine.mjs [--mb 64] [--repeat 5]
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: { mb: { type: 'string', default: '64' }, repeat: { type: 'string', default: '5' } },
});
const bytes = Number(o.mb) * 2 ** 20;
const first = [];
const again = [];
for (let r = 0; r < Number(o.repeat); r++) {
  const a = new Float64Array(bytes / 8);
  let t = performance.now();
  // one write a 4 KiB page: the cost is the page fault, not the write
  for (let k = 0; k < a.length; k += 512) a[k] = 1;
  first.push(performance.now() - t);
  t = performance.now();
  for (let k = 0; k < a.length; k += 512) a[k] = 2;
  again.push(performance.now() - t);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const perMb = (ms) => (ms / Number(o.mb)).toFixed(3);
console.log(`\n## First touch of fresh memory, ${o.mb} MiB, median of ${o.repeat}\n`);
console.log('| | ms | ms per MiB |\n|---|---:|---:|');
console.log(`| first touch (page faults) | ${median(first).toFixed(1)} | ${perMb(median(first))} |`);
console.log(`| touching it again | ${median(again).toFixed(1)} | ${perMb(median(again))} |`);

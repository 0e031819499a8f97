#!/usr/bin/env node
// A probe, not a feature: `mlinfer serve` in N processes sharing one port through node:cluster, to measure
// whether more processes win on a machine before anyone builds a --workers option (bench/http.mjs
// --ab-workers N runs it). Each worker is a whole `mlinfer serve` with its own metrics and drift window:
// nothing is aggregated across workers, so /metrics and /drift describe one worker only.
//   node bench/serve-cluster.mjs <workers> serve -m model.mlinfer --port 8000 -q
import cluster from 'node:cluster';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR } from './lib.mjs';

const workers = Number(process.argv[2]);
if (!Number.isSafeInteger(workers) || workers < 1) {
  console.error('usage: node bench/serve-cluster.mjs <workers> serve [mlinfer serve options]');
  process.exit(2);
}
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (w, code) => {
    if (code) console.error(`serve-cluster: worker ${w.process.pid} exited with ${code}`);
  });
  for (const signal of ['SIGTERM', 'SIGINT'])
    process.once(signal, () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    });
} else {
  // The worker runs the real CLI: its server.listen() shares the primary's socket. Once told to stop, the IPC
  // channel must not keep the worker alive after its server has stopped, as mlinfer serve alone exits.
  for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.channel?.unref());
  process.argv = [process.argv[0], join(BENCH_DIR, '..', 'bin', 'mlinfer.js'), ...process.argv.slice(3)];
  await import(pathToFileURL(process.argv[1]).href);
}

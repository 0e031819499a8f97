// Nightly batch scoring inside a Node service you already run: no Kubernetes, no Airflow. croner (no
// dependencies, Node 18+) fires the schedule; batchPredictFile scores in-process on worker threads.
//
//   MODEL=churn.mlinfer INPUT=data/customers.csv OUTPUT='scored/{date}.csv' node examples/cron/nightly-batch.mjs
//
// Or import scheduleBatch() into your service. What it takes care of:
// - Overlap: a run still going when the next one is due is not doubled (croner's `protect`, plus a busy check
//   for runs started by hand); the skipped tick is logged.
// - Atomic output: predictions, rejects and the report are renamed into place at the end, so a crash or a
//   stop half-way leaves the previous night's files untouched and nothing half-written.
// - A new model file is picked up at the next run (the model is loaded per run, not once at start-up).
// - Stop: SIGTERM stops the schedule and aborts a run in progress (its temp files are removed).
import { pathToFileURL } from 'node:url';
import { Cron } from 'croner';
import { batchPredictFile } from 'mlinfer';

const log = (msg) => process.stderr.write(`${new Date().toISOString()} nightly-batch: ${msg}\n`);

/** `{date}` in a path becomes the run's date (YYYY-MM-DD, UTC): one output per night, never overwritten. */
const forDate = (path, date) => path?.replaceAll('{date}', date.toISOString().slice(0, 10));

/**
 * Schedules `batchPredictFile(input, output)` on a cron pattern.
 * Options: schedule (croner pattern, default '0 2 * * *'), timezone (default 'Etc/UTC'), model, input,
 * output, rejects, report, maxErrors, threads, onResult(report), onError(error).
 * Returns { job, runNow(), stop() }.
 */
export function scheduleBatch(o) {
  let controller = null;
  const run = async (date = new Date()) => {
    controller = new AbortController();
    const output = forDate(o.output, date);
    log(`scoring ${o.input} -> ${output}`);
    try {
      const report = await batchPredictFile(forDate(o.input, date), output, {
        model: o.model,
        rejectsPath: forDate(o.rejects, date),
        reportPath: forDate(o.report, date),
        maxErrors: o.maxErrors,
        threads: o.threads,
        signal: controller.signal,
      });
      log(
        `done: ${report.rowsIn} rows in, ${report.rowsOut} predicted, ${report.rowsRejected} rejected, ` +
          `${(report.durationsMs.total / 1000).toFixed(2)}s -> ${report.output}`,
      );
      o.onResult?.(report);
    } catch (e) {
      // MLI_TOO_MANY_REJECTS means the input is bad: the next scheduled run gets new data, so there is no
      // retry loop here. Wire onError to your alerting.
      log(`failed (${e?.code ?? 'error'}): ${e?.message ?? e}`);
      o.onError?.(e);
    } finally {
      controller = null;
    }
  };
  const job = new Cron(
    o.schedule ?? '0 2 * * *',
    {
      name: 'mlinfer-nightly-batch',
      timezone: o.timezone ?? 'Etc/UTC',
      // Overlap prevention: while a run is going, due ticks are skipped (and reported here).
      protect: () => log('skipped: the previous run is still going'),
    },
    (self) => run(self.currentRun() ?? new Date()),
  );
  return {
    job,
    /** Runs now unless a run is going (croner's own trigger() does not check `protect`). */
    async runNow() {
      if (job.isBusy() || controller) {
        log('skipped: the previous run is still going');
        return;
      }
      await job.trigger();
    },
    stop() {
      job.stop();
      controller?.abort();
    },
  };
}

// Run as a script: configured by environment variables.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  if (!env.INPUT || !env.OUTPUT) {
    log('set INPUT and OUTPUT (and MODEL, SCHEDULE, REJECTS, REPORT, MAX_ERRORS, THREADS, RUN_NOW=1)');
    process.exit(2);
  }
  const s = scheduleBatch({
    schedule: env.SCHEDULE,
    timezone: env.TZ_SCHEDULE,
    model: env.MODEL ?? 'model.mlinfer',
    input: env.INPUT,
    output: env.OUTPUT,
    rejects: env.REJECTS,
    report: env.REPORT,
    maxErrors: env.MAX_ERRORS === undefined ? undefined : Number(env.MAX_ERRORS),
    threads: env.THREADS === undefined ? undefined : Number(env.THREADS),
  });
  log(`scheduled '${s.job.getPattern()}', next run ${s.job.nextRun()?.toISOString()}`);
  if (env.RUN_NOW === '1') s.runNow();
  process.once('SIGTERM', () => {
    log('SIGTERM: stopping');
    s.stop();
  });
}

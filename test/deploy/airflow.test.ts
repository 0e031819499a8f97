// examples/airflow/*.py: Airflow cannot be installed here, so the DAG is compiled with python3, then loaded
// with small stand-ins for the few Airflow names it imports, and its task is run against the real CLI:
// a good night succeeds, exit 3 (too many rejects) fails without retry, exit 1 (input missing) is retried.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { describeNeeding, PYTHON, python3 } from '../helpers/requirements.js';
import { CUSTOMERS, customersModel } from '../serve/helpers.js';
import { BIN, flagsOf, flagsUsed, ROOT, run } from './helpers.js';

const AIRFLOW = join(ROOT, 'examples', 'airflow');
const dags = readdirSync(AIRFLOW).filter((f) => f.endsWith('.py'));

// Stand-ins for airflow.DAG, the operators and the two exceptions; prints what the DAG declared and what its
// task did for each logical date given on the command line, as JSON on the last line.
const HARNESS = `
import importlib.util, json, sys, types

class AirflowException(Exception): pass
class AirflowFailException(AirflowException): pass

class DAG:
    current = None
    def __init__(self, dag_id, **kw): self.dag_id, self.kw, self.tasks = dag_id, kw, []
    def __enter__(self): DAG.current = self; return self
    def __exit__(self, *a): DAG.current = None

class PythonOperator:
    def __init__(self, task_id, python_callable, **kw):
        self.task_id, self.python_callable, self.kw = task_id, python_callable, kw
        DAG.current.tasks.append(self)

def module(name, **attrs):
    m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m

module("airflow", DAG=DAG)
module("airflow.exceptions", AirflowException=AirflowException, AirflowFailException=AirflowFailException)
module("airflow.operators")
module("airflow.operators.python", PythonOperator=PythonOperator)

spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
dag = mod.dag
results = {}
for ds in sys.argv[2:]:
    try:
        dag.tasks[0].python_callable(ds=ds)
        results[ds] = "ok"
    except AirflowFailException as e:
        results[ds] = "fail: " + str(e)
    except AirflowException as e:
        results[ds] = "retry: " + str(e)
print(json.dumps({
    "dag_id": dag.dag_id,
    "kw": {k: v for k, v in dag.kw.items() if isinstance(v, (str, int, bool))},
    "retries": dag.kw["default_args"]["retries"],
    "tasks": [t.task_id for t in dag.tasks],
    "command": mod.batch_command("2025-01-01"),
    "results": results,
}))
`;

describeNeeding([python3], 'examples/airflow', () => {
  for (const f of dags)
    it(`${f} compiles`, async () => {
      const r = await run(PYTHON, [
        '-c',
        'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
        join(AIRFLOW, f),
        join(mkdtempSync(join(tmpdir(), 'mlinfer-pyc-')), 'dag.pyc'),
      ]);
      expect(r.code, r.stderr).toBe(0);
    });
});

describeNeeding([python3], 'examples/airflow/mlinfer_batch_dag.py, run', () => {
  let root: string;
  beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS);
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mlinfer-deploy-airflow-'));
    copyFileSync((await customersModel()).path, join(root, 'model.mlinfer'));
    const good = join(root, 'data', 'incoming', '2025-01-01');
    mkdirSync(good, { recursive: true });
    copyFileSync(CUSTOMERS, join(good, 'customers.csv'));
    // Every row rejected (a non-numeric age), far past --max-errors.
    const bad = join(root, 'data', 'incoming', '2025-01-02');
    mkdirSync(bad, { recursive: true });
    const header =
      'customer_id,age,tenure_months,monthly_charges,contract,plan,has_partner,paperless_billing,support_calls,city,churned';
    const rows = Array.from({ length: 500 }, (_, i) => `${i},x,1,1,one year,Standard,no,true,1,Here,no`);
    writeFileSync(join(bad, 'customers.csv'), `${[header, ...rows].join('\n')}\n`);
  });

  it('succeeds, fails without retry on exit 3, and leaves exit 1 to Airflow retries', async () => {
    const r = await run(
      PYTHON,
      ['-B', '-c', HARNESS, join(AIRFLOW, 'mlinfer_batch_dag.py'), '2025-01-01', '2025-01-02', '2025-01-03'],
      {
        env: {
          MLINFER_BIN: `${process.execPath} ${BIN}`,
          MLINFER_DATA: join(root, 'data'),
          MLINFER_MODEL: join(root, 'model.mlinfer'),
        },
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.tasks).toEqual(['score']);
    expect(out.retries).toBeGreaterThan(0);
    expect(out.kw.max_active_runs).toBe(1);
    expect(out.results['2025-01-01']).toBe('ok');
    expect(existsSync(join(root, 'data', 'scored', '2025-01-01', 'predictions.csv'))).toBe(true);
    expect(out.results['2025-01-02']).toMatch(/^fail: mlinfer exited 3/);
    expect(out.results['2025-01-03']).toMatch(/^retry: mlinfer exited 1/);

    // Its command line uses flags that mlinfer batch has.
    const argv: string[] = out.command.slice(out.command.indexOf('batch'));
    const known = await flagsOf('batch');
    for (const flag of flagsUsed(argv)) expect(known).toContain(flag);
  });
});

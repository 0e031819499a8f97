// Security: no code path can evaluate text (our sources, our bundles, our production dependencies); the
// bearer token compare is constant-time (hashed to equal-length buffers, then timingSafeEqual); and no
// response body ever carries a stack trace or an internal message, even for an unexpected internal error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MlinferError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { createBearerCheck } from '../../src/serve/auth.js';
import { createHandler } from '../../src/serve/handler.js';
import { startServer } from '../../src/serve/server.js';
import { customersModel, RECORD, ROW, serve } from '../serve/helpers.js';
import { fcParams, ROOT, STACK_LINE } from './helpers.js';

// Records every timingSafeEqual call, so the test can check what the bearer check compares.
const compared = vi.hoisted(() => [] as [number, number][]);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compared.push([a.byteLength, b.byteLength]);
    return real.timingSafeEqual(a, b);
  };
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

function files(dir: string, exts: RegExp, skip = /(^|\/)(test|tests|__tests__|\.bin)(\/|$)/): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) {
      if (!skip.test(relative(ROOT, p))) out.push(...files(p, exts, skip));
    } else if (exts.test(name)) out.push(p);
  }
  return out;
}

/** Ways to turn text into code in JavaScript. */
const CODE_FROM_TEXT =
  /\beval\s*\(|\bnew\s+Function\s*\(|(?<![\w.])Function\s*\(\s*['"`]|\bfrom\s+['"]node:vm['"]|require\(\s*['"](node:)?vm['"]\s*\)/;

/** Lines that turn text into code, comments left out (papaparse mentions `Function('return this')` in one). */
function codeFromText(text: string): string[] {
  return text.split('\n').filter((line) => {
    const t = line.trim();
    return !t.startsWith('//') && !t.startsWith('*') && !t.startsWith('/*') && CODE_FROM_TEXT.test(line);
  });
}

describe('nothing evaluates text', () => {
  it('src/ has no eval, new Function or node:vm (and Worker eval mode only in the dev-time tsx loader)', () => {
    const hits: string[] = [];
    const workerEval: string[] = [];
    for (const f of files(join(ROOT, 'src'), /\.ts$/)) {
      const text = readFileSync(f, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (CODE_FROM_TEXT.test(line)) hits.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
        if (/\beval:\s*true/.test(line)) workerEval.push(relative(ROOT, f));
      });
    }
    expect(hits).toEqual([]);
    // node/workers.ts boots a worker from a fixed string (tsx + the .ts worker file) when the sources run
    // directly (tests); the built package takes the other branch. Nothing from a request or a file gets there.
    expect(workerEval).toEqual(['src/node/workers.ts']);
    const workers = readFileSync(join(ROOT, 'src/node/workers.ts'), 'utf8');
    expect(workers).toMatch(
      /if \(callerUrl\.endsWith\('\.ts'\)\) return sourceEntry\(callerUrl, sourceName\);/,
    );
    // the only eval entry is the tsx boot built in sourceEntry
    expect(workers.match(/kind: 'eval', code/g)).toHaveLength(1);
    expect(workers).toMatch(
      /function sourceEntry\([\s\S]*const code = `import\(\$\{JSON\.stringify\(tsxApi\)\}\)[\s\S]*return \{ kind: 'eval', code \};\n\}/,
    );
  });

  it('the built bundles and the production dependencies have none either', () => {
    const hits: string[] = [];
    const dist = join(ROOT, 'dist');
    const prod = [
      'commander',
      'hyparquet',
      'hyparquet-writer',
      'papaparse',
      'prom-client',
      'tdigest',
      'bintrees',
    ];
    const roots = [dist, ...prod.map((p) => join(ROOT, 'node_modules', p))].filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    });
    if (process.env.CI === 'true') expect(roots).toContain(dist);
    for (const d of roots)
      for (const f of files(d, /\.(c|m)?js$/))
        for (const line of codeFromText(readFileSync(f, 'utf8')))
          hits.push(`${relative(ROOT, f)}: ${line.trim()}`);
    expect(hits).toEqual([]);
  });
});

describe('bearer token', () => {
  const TOKEN = 'reliability-suite-token-0123456789';
  const req = (authorization?: string) => ({ headers: { authorization } }) as any;

  it('is compared with timingSafeEqual on two 32-byte digests, whatever the length of the wrong token', () => {
    const check = createBearerCheck(TOKEN);
    const src = readFileSync(join(ROOT, 'src/serve/auth.ts'), 'utf8');
    expect(src).toMatch(/timingSafeEqual\(digest\(/);
    expect(src).not.toMatch(/===\s*expected|expected\s*===|\.equals\(/);
    compared.length = 0;
    const wrong = [
      '',
      'x',
      TOKEN.slice(0, -1),
      `${TOKEN}x`,
      TOKEN.toUpperCase(),
      `${TOKEN}${TOKEN}`,
      'é'.repeat(40),
      'a'.repeat(10_000),
    ];
    for (const t of wrong) {
      const r = t === '' ? req('Bearer ') : req(`Bearer ${t}`);
      expect(() => check(r)).toThrow(expect.objectContaining({ code: 'MLI_UNAUTHORIZED' }));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }), (t) => {
        if (t === TOKEN) return;
        let error: unknown;
        try {
          check(req(`Bearer ${t}`));
        } catch (e) {
          error = e;
        }
        // Every wrong token is a clean 401, never a RangeError from comparing buffers of different lengths.
        expect(error).toBeInstanceOf(MlinferError);
        expect((error as MlinferError).status).toBe(401);
      }),
      fcParams(300),
    );
    expect(() => check(req(`Bearer ${TOKEN}`))).not.toThrow();
    expect(compared.length).toBeGreaterThan(100);
    expect(compared.every(([a, b]) => a === 32 && b === 32)).toBe(true);
  });
});

describe('no stack traces or internal details in responses', () => {
  let model: Model;
  beforeAll(async () => {
    ({ model } = await customersModel(4));
  }, 60_000);

  it('an internal error (a TypeError deep in the predictor) is a bare 500, with details only in onError', async () => {
    const real = createPredictor(model);
    const secret = 'secret detail /home/app/src/thing.ts:12:3';
    const boom = () => {
      const e = new TypeError(`Cannot read properties of undefined (${secret})`);
      throw e;
    };
    // A predictor that fails unexpectedly on every prediction route.
    const broken = Object.create(real, {
      predictAsync: { value: async () => boom() },
      predictMany: { value: boom },
    });
    const seen: unknown[] = [];
    const s = await serve(broken, { modelName: 'churn', onError: (e) => seen.push(e) });
    try {
      const bodies: [string, unknown][] = [
        ['/predict', RECORD],
        ['/predict', { instances: [RECORD] }],
        [
          '/v2/models/churn/infer',
          { inputs: [{ name: 'x', shape: [1, 9], datatype: 'BYTES', data: ROW.map(String) }] },
        ],
      ];
      for (const [path, body] of bodies) {
        const res = await fetch(`${s.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        expect(res.status).toBe(500);
        expect(JSON.parse(text)).toEqual({ error: 'internal error', code: 'MLI_INTERNAL', issues: [] });
        expect(text).not.toContain('secret');
        expect(text).not.toMatch(STACK_LINE);
      }
      expect(seen.length).toBeGreaterThanOrEqual(2);
    } finally {
      await s.close();
    }
  });

  it('a thrown non-Error and an MlinferError with an unknown code are bare 500s too', async () => {
    const real = createPredictor(model);
    for (const thrown of [
      'a string with /etc/passwd',
      new MlinferError('MLI_NOPE' as never, 'internal /x.ts:1:1'),
    ]) {
      const broken = Object.create(real, {
        predictAsync: {
          value: async () => {
            throw thrown;
          },
        },
      });
      const s = await serve(broken, { onError: () => {} });
      try {
        const res = await fetch(`${s.url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(RECORD),
        });
        const text = await res.text();
        expect(res.status).toBe(500);
        expect(JSON.parse(text)).toEqual({ error: 'internal error', code: 'MLI_INTERNAL', issues: [] });
      } finally {
        await s.close();
      }
    }
  });

  it('malformed HTTP (bad request line, header overflow, bad chunking) gets a bare 4xx from the server itself', async () => {
    const s = await startServer(createHandler(createPredictor(model), { onError: () => {} }), {
      port: 0,
      maxHeaderBytes: 2048,
    });
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const sock = connect(s.port, '127.0.0.1', () => sock.end(text));
        let got = '';
        sock.on('data', (d) => {
          got += d;
        });
        sock.on('end', () => resolve(got));
        sock.on('error', reject);
        sock.setTimeout(5000, () => reject(new Error('no answer')));
      });
    try {
      for (const text of [
        'GARBAGE\r\n\r\n',
        'POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`,
        'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      ]) {
        const answer = await raw(text);
        expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
        expect(answer).not.toMatch(STACK_LINE);
      }
    } finally {
      await s.shutdown();
    }
  });
});

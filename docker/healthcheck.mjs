// The image's HEALTHCHECK: node:20-slim has no curl or wget, so node itself GETs /healthz (liveness: the
// process answers). Exit 0 when healthy, 1 otherwise, as Docker expects. The URL follows the default CMD
// (port 8000); set MLINFER_HEALTHCHECK_URL when you run serve on another port.
const url = process.env.MLINFER_HEALTHCHECK_URL ?? 'http://127.0.0.1:8000/healthz';

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  process.exitCode = res.ok ? 0 : 1;
  if (!res.ok) process.stderr.write(`healthcheck: ${url} answered ${res.status}\n`);
} catch (e) {
  process.stderr.write(`healthcheck: ${url}: ${e?.cause?.code ?? e?.message ?? e}\n`);
  process.exitCode = 1;
}

// A progress bar on stderr when it is a terminal; silent otherwise (logs, pipes, schedulers).
export interface Progress {
  update(done: number, total: number, extra?: string): void;
  done(): void;
}

export function createProgress(label: string, enabled: boolean): Progress {
  const stream = process.stderr;
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  const start = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, extra = '') {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const width = 24;
      const filled = Math.round(frac * width);
      const elapsed = (now - start) / 1000;
      const eta = frac > 0 ? elapsed / frac - elapsed : 0;
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      stream.write(`\r${label} [${bar}] ${(frac * 100).toFixed(0)}% ${extra} ETA ${eta.toFixed(0)}s   `);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/**
 * Several processes serving one model behind one port (`mlinfer serve --workers`): what each tells the others,
 * and how `/metrics` and `/drift` add them up, so that a scrape or a GET answered by any one process describes
 * the whole server and not the process that happened to take the connection.
 */
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { WindowCounts } from '../predict/predictor.js';
import type { ServeMetrics } from './metrics.js';

/** What one process counted: its metrics without the drift gauges, and its drift window (null: none). */
export interface ProcessState {
  metrics: MetricObjectWithValues<MetricValue<string>>[];
  drift: WindowCounts | null;
}

/** The other processes' states (not this one's); rejects when they cannot be asked. */
export type Peers = () => Promise<ProcessState[]>;

/** The drift windows of the peers that have one (another model version's are left out by `predictor.drift`). */
export function peerWindows(states: readonly ProcessState[]): WindowCounts[] {
  return states.flatMap((s) => (s.drift ? [s.drift] : []));
}

/**
 * The Prometheus text of this process's metrics added to its peers': counters and histograms summed, gauges by
 * their aggregator (model info and load time: max, the rest summed); the drift gauges, which this process
 * computes over every window, appear once.
 *
 * @example
 * const text = await clusterMetrics(handler.metrics, await peers());
 */
export async function clusterMetrics(metrics: ServeMetrics, peers: readonly ProcessState[]): Promise<string> {
  const own = [await metrics.local.getMetricsAsJSON(), await metrics.drift.getMetricsAsJSON()];
  return AggregatorRegistry.aggregate([...own, ...peers.map((p) => p.metrics)]).metrics();
}

// The messages between the primary and the workers of `mlinfer serve --workers`, over the cluster IPC channel
// with advanced serialization (the drift counts are typed arrays). `id` pairs an answer with its question.
import type { ProcessState } from './peers.js';

export const MSG = {
  /** worker -> primary: the other workers' states, please. */
  ask: 'mlinfer:ask-peers',
  /** primary -> every other worker: your state, please. */
  stateRequest: 'mlinfer:state-request',
  /** worker -> primary: my state (null: it could not be read). */
  state: 'mlinfer:state',
  /** primary -> the asking worker: the states that came back in time. */
  peers: 'mlinfer:peers',
  /** worker -> primary, once: listening; `line` says what and where, for the primary's log. */
  serving: 'mlinfer:serving',
} as const;

export type ClusterMessage =
  | { type: typeof MSG.ask; id: number }
  | { type: typeof MSG.stateRequest; id: number }
  | { type: typeof MSG.state; id: number; state: ProcessState | null }
  | { type: typeof MSG.peers; id: number; states: ProcessState[] }
  | { type: typeof MSG.serving; line: string };

const TYPES = new Set<string>(Object.values(MSG));

/** True for our messages (the channel also carries Node's own and other libraries'). */
export function isClusterMessage(m: unknown): m is ClusterMessage {
  return typeof m === 'object' && m !== null && TYPES.has((m as { type?: unknown }).type as string);
}

/**
 * The worker side of `mlinfer serve --workers`: answers the primary when it collects the processes' states, and
 * asks it for the other workers' states when `/metrics` or `/drift` need them (the messages are in
 * cluster-messages.ts; the primary is cluster-primary.ts).
 */
import { MlinferError } from '../errors.js';
import { type ClusterMessage, isClusterMessage, MSG } from './cluster-messages.js';
import type { Peers, ProcessState } from './peers.js';

/** How long a worker waits for the primary's answer (the primary itself gives up on a worker after less). */
const ASK_TIMEOUT_MS = 5_000;

export interface ClusterLink {
  /** The handler's `peers` option: the other workers' states, through the primary. */
  peers: Peers;
  /** Answers the primary's requests for this process's state (call once the handler exists). */
  answer(state: () => Promise<ProcessState>): void;
}

/**
 * Links this worker to the primary over the cluster IPC channel.
 *
 * @example
 * const link = joinCluster();
 * const handler = createHandler(predictor, { peers: link.peers });
 * link.answer(() => handler.processState());
 */
export function joinCluster(): ClusterLink {
  const send = process.send?.bind(process);
  if (!send) throw new Error('joinCluster: this process has no IPC channel (not a cluster worker)');
  let next = 0;
  const waiting = new Map<number, (states: ProcessState[]) => void>();
  let answer: (() => Promise<ProcessState>) | null = null;

  process.on('message', (m: unknown) => {
    if (!isClusterMessage(m)) return;
    if (m.type === MSG.peers) waiting.get(m.id)?.(m.states);
    else if (m.type === MSG.stateRequest && answer)
      answer().then(
        (state) => send({ type: MSG.state, id: m.id, state } satisfies ClusterMessage),
        () => send({ type: MSG.state, id: m.id, state: null } satisfies ClusterMessage),
      );
  });

  const peers: Peers = () =>
    new Promise<ProcessState[]>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          new MlinferError('MLI_NOT_READY', 'the other serve workers did not answer in time; try again'),
        );
      }, ASK_TIMEOUT_MS);
      waiting.set(id, (states) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(states);
      });
      send({ type: MSG.ask, id } satisfies ClusterMessage);
    });

  return {
    peers,
    answer(state) {
      answer = state;
    },
  };
}

// Embedding mlinfer's HTTP handler in a plain node:http server, next to routes of your own.
//   MODEL=churn.mlinfer PORT=8000 node examples/node-http.mjs
import { createServer } from 'node:http';
import { createHandler, createPredictor } from 'mlinfer';

const predictor = createPredictor(process.env.MODEL ?? 'model.mlinfer');
const handler = createHandler(predictor, { modelName: 'churn' });

const server = createServer((req, res) => {
  if (req.url === '/hello') return res.end('hello from my app\n');
  // Everything else: /predict, /v2/..., /healthz, /metrics, /openapi.json (404 JSON for unknown paths).
  handler(req, res);
});

server.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.once('SIGTERM', () => server.close());

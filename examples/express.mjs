// Embedding mlinfer's HTTP handler in Express: mounted under /ml, next to the app's own routes.
//   MODEL=churn.mlinfer PORT=8000 node examples/express.mjs
import express from 'express';
import { createHandler, createPredictor } from 'mlinfer';

const predictor = createPredictor(process.env.MODEL ?? 'model.mlinfer');
const app = express();

app.get('/hello', (_req, res) => res.send('hello from my app\n'));
// Mounted: POST /ml/predict, GET /ml/v2/models/churn, GET /ml/metrics, ... The handler reads the body
// itself (with its size limit); with express.json() before it, it takes req.body instead.
app.use('/ml', createHandler(predictor, { modelName: 'churn' }));

const server = app.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.once('SIGTERM', () => server.close());

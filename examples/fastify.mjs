// Embedding mlinfer's HTTP handler in Fastify: a catch-all route under /ml that hands the raw request
// and response over (reply.hijack()), so routes, errors and metrics are the handler's own.
//   MODEL=churn.mlinfer PORT=8000 node examples/fastify.mjs
import Fastify from 'fastify';
import { createHandler, createPredictor } from 'mlinfer';

const predictor = createPredictor(process.env.MODEL ?? 'model.mlinfer');
const handler = createHandler(predictor, { modelName: 'churn' });
const app = Fastify();

app.get('/hello', async () => 'hello from my app\n');

await app.register(
  async (scope) => {
    // Leave the body unread: the handler reads it with its own size limit and content-type check.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.all('/*', (request, reply) => {
      reply.hijack();
      // Fastify strips nothing from req.url: drop the prefix so the handler sees /predict, /v2/...
      request.raw.url = request.raw.url.slice('/ml'.length) || '/';
      handler(request.raw, reply.raw);
    });
  },
  { prefix: '/ml' },
);

await app.listen({ port: Number(process.env.PORT ?? 8000), host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
process.once('SIGTERM', () => app.close());

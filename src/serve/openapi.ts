// The OpenAPI 3.1 document of a handler, generated from the model's schema: the feature names, their
// types and the categories of categorical features, so client generators and Swagger UI get real types.
import type { FeatureSpec } from '../data/schema.js';
import type { Model } from '../model/model.js';
import { VERSION } from '../version.js';
import { driftPath } from './drift-route.js';
import { modelMetadata, TENSOR_DATATYPES } from './kserve.js';
import { explainPath, explainSchemas } from './openapi-explain.js';

type JsonSchema = Record<string, unknown>;

function featureSchema(f: FeatureSpec): JsonSchema {
  if (f.type === 'numeric')
    return {
      type: ['number', 'string', 'null'],
      description: 'a number (decimal strings are accepted); null is missing',
    };
  if (f.type === 'boolean')
    return {
      type: ['boolean', 'string', 'integer', 'null'],
      description: 'true/false (also "yes"/"no", 0/1); null is missing',
    };
  return {
    type: ['string', 'null'],
    enum: [...(f.categories ?? []), null],
    description: f.hasOther
      ? 'a category; categories not listed share the "other" code from training'
      : 'a category; categories not listed are treated as missing',
  };
}

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const json = (ref: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const plain = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});

/** One prediction: the class and each class's probability, or the predicted value. */
function predictionSchema(model: Model): JsonSchema {
  const classification = model.metadata.task === 'classification';
  const label = classification
    ? { description: 'the predicted class', enum: [...(model.classes ?? [])] }
    : { type: 'number', description: 'the predicted value' };
  return {
    type: 'object',
    required: classification ? ['prediction', 'probabilities'] : ['prediction'],
    properties: {
      prediction: label,
      ...(classification
        ? {
            probabilities: {
              type: 'object',
              description: 'the probability of each class',
              properties: Object.fromEntries(
                (model.classes ?? []).map((c) => [String(c), { type: 'number' }]),
              ),
            },
          }
        : {}),
    },
  };
}

/**
 * Builds the OpenAPI 3.1 document for a model served under `modelName`; `auth` adds the bearer scheme.
 *
 * This function is long on purpose: past its first lines it is one object literal, the document itself,
 * which reads best whole, in the order of the routes. The logic (feature and prediction schemas) is above.
 *
 * @example
 * const doc = openApiDocument(predictor.model, 'churn', { auth: false });
 * doc.components.schemas.Record.properties.plan; // { type: ['string', 'null'], enum: ['basic', 'pro', null], ... }
 */
export function openApiDocument(model: Model, modelName: string, options: { auth: boolean }) {
  const features = model.schema.features;
  const m = model.metadata;
  const prediction = predictionSchema(model);
  const meta = modelMetadata(model, modelName);
  const std = {
    '400': error('invalid input, with every issue'),
    '413': error('body too large'),
    '415': error('not JSON'),
  };
  const busy = { '503': error('overloaded or not ready') };
  const auth = options.auth ? { '401': error('missing or wrong bearer token') } : {};
  const open = options.auth ? { security: [] } : {};
  // /predict and /explain take the same bodies.
  const recordsBody = {
    required: true,
    content: {
      'application/json': {
        schema: {
          oneOf: [
            { $ref: '#/components/schemas/FeaturesRequest' },
            { $ref: '#/components/schemas/Record' },
            { $ref: '#/components/schemas/InstancesRequest' },
          ],
        },
      },
    },
  };
  const nameParam = {
    name: 'name',
    in: 'path',
    required: true,
    schema: { type: 'string', enum: [modelName] },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: `mlinfer: ${modelName}`,
      version: m.modelVersion,
      description: `A ${m.task} random forest predicting ${JSON.stringify(m.target)} from ${features.length} features (mlinfer ${VERSION}).`,
    },
    ...(options.auth ? { security: [{ bearer: [] }] } : {}),
    paths: {
      '/predict': {
        post: {
          summary: 'Predict one record or several',
          operationId: 'predict',
          requestBody: recordsBody,
          responses: {
            '200': {
              description: 'the prediction (or predictions, for "instances")',
              content: {
                'application/json': {
                  schema: {
                    oneOf: [
                      { $ref: '#/components/schemas/Prediction' },
                      { $ref: '#/components/schemas/Predictions' },
                    ],
                  },
                },
              },
            },
            ...std,
            ...auth,
            ...busy,
          },
        },
      },
      '/explain': explainPath(recordsBody, { ...std, ...auth, ...busy }),
      '/drift': driftPath({ '400': error('invalid drift options'), ...auth }),
      '/v2/models/{name}/infer': {
        post: {
          summary: 'Open Inference Protocol (KServe V2) inference',
          operationId: 'infer',
          parameters: [nameParam],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/InferenceRequest' } } },
          },
          responses: {
            '200': json('InferenceResponse', 'the outputs predict and proba'),
            '404': error('no such model'),
            ...std,
            ...auth,
            ...busy,
          },
        },
      },
      '/v2/models/{name}': {
        get: {
          summary: 'Model metadata',
          operationId: 'modelMetadata',
          parameters: [nameParam],
          responses: {
            '200': plain('the inputs and outputs of the model'),
            '404': error('no such model'),
            ...auth,
          },
        },
      },
      '/v2/models/{name}/ready': {
        get: {
          summary: 'Model readiness',
          operationId: 'modelReady',
          parameters: [nameParam],
          responses: {
            '200': plain('ready'),
            '404': error('no such model'),
            ...auth,
            '503': error('not ready'),
          },
        },
      },
      '/v2': {
        get: {
          summary: 'Server metadata',
          operationId: 'serverMetadata',
          responses: { '200': plain('name, version, extensions'), ...auth },
        },
      },
      '/v2/health/live': {
        get: { summary: 'Liveness', operationId: 'serverLive', ...open, responses: { '200': plain('live') } },
      },
      '/v2/health/ready': {
        get: {
          summary: 'Readiness',
          operationId: 'serverReady',
          ...open,
          responses: { '200': plain('ready'), '503': error('not ready') },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', operationId: 'healthz', ...open, responses: { '200': plain('live') } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness',
          operationId: 'readyz',
          ...open,
          responses: { '200': plain('ready'), '503': error('not ready (draining)') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          operationId: 'metrics',
          responses: {
            '200': {
              description: 'text exposition format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...auth,
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          operationId: 'openapi',
          responses: { '200': plain('OpenAPI 3.1'), ...auth },
        },
      },
    },
    components: {
      schemas: {
        Record: {
          type: 'object',
          description:
            'One record keyed by feature name; every feature is required (send null for a missing value).',
          required: features.map((f) => f.name),
          properties: Object.fromEntries(features.map((f) => [f.name, featureSchema(f)])),
        },
        FeatureArray: {
          type: 'array',
          description: `The feature values in schema order: ${features.map((f) => f.name).join(', ')}`,
          prefixItems: features.map((f) => ({ ...featureSchema(f), title: f.name })),
          minItems: features.length,
          maxItems: features.length,
        },
        FeaturesRequest: {
          type: 'object',
          required: ['features'],
          properties: { features: { $ref: '#/components/schemas/FeatureArray' } },
        },
        InstancesRequest: {
          type: 'object',
          required: ['instances'],
          properties: {
            instances: {
              type: 'array',
              items: {
                oneOf: [
                  { $ref: '#/components/schemas/Record' },
                  { $ref: '#/components/schemas/FeatureArray' },
                ],
              },
            },
          },
        },
        Prediction: {
          ...prediction,
          required: [...(prediction.required as string[]), 'modelVersion'],
          properties: { ...(prediction.properties as JsonSchema), modelVersion: { type: 'string' } },
        },
        Predictions: {
          type: 'object',
          required: ['predictions', 'modelVersion'],
          properties: { predictions: { type: 'array', items: prediction }, modelVersion: { type: 'string' } },
        },
        ...explainSchemas(model),
        InferenceRequest: {
          type: 'object',
          required: ['inputs'],
          properties: {
            id: { type: 'string' },
            parameters: { type: 'object' },
            inputs: {
              type: 'array',
              minItems: 1,
              description: `One tensor per feature (${meta.inputs.map((i) => `${i.name}: ${i.datatype}`).join(', ')}), or one [N, ${features.length}] tensor in schema order`,
              items: { $ref: '#/components/schemas/Tensor' },
            },
            outputs: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name'],
                properties: { name: { enum: meta.outputs.map((o) => o.name) } },
              },
            },
          },
        },
        InferenceResponse: {
          type: 'object',
          required: ['model_name', 'outputs'],
          properties: {
            model_name: { type: 'string' },
            model_version: { type: 'string' },
            id: { type: 'string' },
            outputs: { type: 'array', items: { $ref: '#/components/schemas/Tensor' } },
          },
        },
        Tensor: {
          type: 'object',
          required: ['name', 'shape', 'datatype', 'data'],
          properties: {
            name: { type: 'string' },
            shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
            datatype: { enum: [...TENSOR_DATATYPES] },
            parameters: { type: 'object' },
            data: { type: 'array' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'string' },
            code: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                required: ['path', 'message'],
                properties: {
                  path: { type: 'array', items: { type: ['string', 'integer'] } },
                  message: { type: 'string' },
                  expected: { type: 'string' },
                  received: { type: 'string' },
                  kind: { type: 'string' },
                },
              },
            },
          },
        },
      },
      ...(options.auth ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}

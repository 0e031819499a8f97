// The OpenAPI parts of POST /explain, kept beside the main document (openapi.ts) so that it stays readable.
import type { Model } from '../model/model.js';

type JsonSchema = Record<string, unknown>;

/** The `/explain` path item: the request shapes of /predict, options in the query string. */
export function explainPath(requestBody: JsonSchema, responses: JsonSchema): JsonSchema {
  return {
    post: {
      summary: 'Predict and explain: the contribution of each feature',
      description:
        'Takes the same bodies as /predict. baseValue plus every contribution equals the explained output ' +
        '(the predicted class probability, or the value). 422 when the model file has no node statistics.',
      operationId: 'explain',
      parameters: [
        {
          name: 'method',
          in: 'query',
          required: false,
          description: 'path (Saabas, about one prediction) or shap (exact TreeSHAP, slower on deep trees)',
          schema: { enum: ['path', 'shap'], default: 'path' },
        },
        {
          name: 'top',
          in: 'query',
          required: false,
          description: 'keep only the top largest absolute contributions',
          schema: { type: 'integer', minimum: 1 },
        },
      ],
      requestBody,
      responses: {
        '200': {
          description: 'the explanation (or explanations, for "instances")',
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  { $ref: '#/components/schemas/Explanation' },
                  { $ref: '#/components/schemas/Explanations' },
                ],
              },
            },
          },
        },
        '422': {
          description: 'the model cannot explain (MLI_CANNOT_EXPLAIN)',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
        ...responses,
      },
    },
  };
}

/** The Explanation and Explanations schemas, extending the model's Prediction schema. */
export function explainSchemas(model: Model): Record<string, JsonSchema> {
  const names = model.schema.features.map((f) => f.name);
  const classification = model.metadata.task === 'classification';
  const contributionsByName = {
    type: 'object',
    properties: Object.fromEntries(names.map((n) => [n, { type: 'number' }])),
  };
  const explanation: JsonSchema = {
    allOf: [
      { $ref: '#/components/schemas/Prediction' },
      {
        type: 'object',
        required: ['method', 'output', 'baseValue', 'contributions'],
        properties: {
          method: { enum: ['path', 'shap'] },
          output: {
            type: 'object',
            description: 'what is explained: the predicted class probability (and the class), or the value',
            required: ['value'],
            properties: { value: { type: 'number' }, class: { enum: [...(model.classes ?? [])] } },
          },
          baseValue: { type: 'number', description: 'the mean output over the training data' },
          contributions: {
            type: 'array',
            description: 'largest absolute contribution first',
            items: {
              type: 'object',
              required: ['feature', 'value', 'contribution'],
              properties: {
                feature: { enum: names },
                value: { description: "the record's value; null when missing" },
                contribution: { type: 'number' },
              },
            },
          },
          ...(classification
            ? {
                byClass: {
                  type: 'object',
                  description: 'every class: its base value and each feature contribution',
                  additionalProperties: {
                    type: 'object',
                    properties: { baseValue: { type: 'number' }, contributions: contributionsByName },
                  },
                },
              }
            : {}),
        },
      },
    ],
  };
  return {
    Explanation: explanation,
    Explanations: {
      type: 'object',
      required: ['explanations', 'modelVersion'],
      properties: {
        explanations: { type: 'array', items: { $ref: '#/components/schemas/Explanation' } },
        modelVersion: { type: 'string' },
      },
    },
  };
}

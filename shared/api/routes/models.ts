/** Models (owner `models`: functions/models-admin). */
import { route as r } from './spec.js';

export const MODEL_ROUTES = {
  modelsList: r('GET', '/admin/models', 'read', 'models'),
  modelGet: r('GET', '/admin/models/{model}', 'read', 'models'),
  // "Train now" changes what scores people (gates still decide promotion): a marketer's launch.
  modelsTrain: r('POST', '/admin/models/train', 'launch', 'models'),
} as const satisfies Record<string, ReturnType<typeof r>>;

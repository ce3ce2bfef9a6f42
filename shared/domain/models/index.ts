/** Predictive models: CLV (BG/NBD + Gamma-Gamma), churn, purchase propensity, affinity, send time. */
export * from './affinity.js';
export * from './behaviourSynthetic.js';
export * from './bgnbd.js';
export * from './clv.js';
export * from './gammaGamma.js';
export * from './logistic.js';
export * from './metrics.js';
export * from './optimize.js';
export * from './propensity.js';
export * from './random.js';
export * from './sendTime.js';
export * from './special.js';
export * from './synthetic.js';
export * from './transactions.js';

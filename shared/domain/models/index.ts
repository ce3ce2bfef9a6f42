/**
 * Predictive models: CLV (BG/NBD + Gamma-Gamma), churn, purchase propensity, affinity, send time;
 * the registry, fairness by cohort, the trainer and the scorer.
 */
export * from './affinity.js';
export * from './behaviourSynthetic.js';
export * from './bgnbd.js';
export * from './clv.js';
export * from './fairness.js';
export * from './gammaGamma.js';
export * from './logistic.js';
export * from './metrics.js';
export * from './optimize.js';
export * from './propensity.js';
export * from './registry.js';
export * from './scoring.js';
export * from './sendTime.js';
export * from './special.js';
export * from './synthetic.js';
export * from './training.js';
export * from './transactions.js';

// Two-arm binomial-normal meta-analysis with INDEPENDENT baselines (non-centred), the model of
// tests/fixtures/reference/*__hn05.json, keeping each study's log odds ratio delta_i:
//   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),  yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i))
//   delta_i = d + tau * z_i,  z_i ~ N(0, 1),  alpha_i ~ N(0, 10^2) independently
//   d ~ N(0, 10^2), tau ~ half-normal(0.5)
// Used by two_arm_study_effects.R (same directory).
data {
  int<lower=1> K;
  int<lower=0> yt[K];
  int<lower=0> nt[K];
  int<lower=0> yc[K];
  int<lower=0> nc[K];
}
parameters {
  real d;
  real<lower=0> tau;
  vector[K] alpha;
  vector[K] z;
}
transformed parameters {
  vector[K] delta = d + tau * z;
}
model {
  d ~ normal(0, 10);
  tau ~ normal(0, 0.5);   // half-normal(0.5) through the lower=0 bound
  alpha ~ normal(0, 10);
  z ~ std_normal();
  yc ~ binomial_logit(nc, alpha);
  yt ~ binomial_logit(nt, alpha + delta);
}
generated quantities {
  real delta_new = d + tau * normal_rng(0, 1);
  real or_pooled = exp(d);
  real or_new = exp(delta_new);
  vector[K] or_study = exp(delta);
}

// Two-arm binomial-normal meta-analysis with RANDOM baselines (both levels non-centred):
//   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),  yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i))
//   delta_i = d + tau * z_i,                     z_i ~ N(0, 1)
//   alpha_i = mu_alpha + sigma_alpha * a_i,      a_i ~ N(0, 1)
//   d ~ N(0, 10^2), tau ~ half-normal(0.5), mu_alpha ~ N(0, 10^2), sigma_alpha ~ half-normal(2)
// Used by two_arm_random_baselines.R (same directory).
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
  real mu_alpha;
  real<lower=0> sigma_alpha;
  vector[K] z;
  vector[K] a;
}
transformed parameters {
  vector[K] delta = d + tau * z;
  vector[K] alpha = mu_alpha + sigma_alpha * a;
}
model {
  d ~ normal(0, 10);
  tau ~ normal(0, 0.5);          // half-normal(0.5) through the lower=0 bound
  mu_alpha ~ normal(0, 10);
  sigma_alpha ~ normal(0, 2);    // half-normal(2) through the lower=0 bound
  z ~ std_normal();
  a ~ std_normal();
  yc ~ binomial_logit(nc, alpha);
  yt ~ binomial_logit(nt, alpha + delta);
}
generated quantities {
  real delta_new = d + tau * normal_rng(0, 1);
  real or_pooled = exp(d);
  real or_new = exp(delta_new);
}

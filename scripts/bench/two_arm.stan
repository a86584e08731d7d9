// Two-arm (treatment vs control) random-effects meta-analysis of binomial outcomes
// (non-centred), the same model hbmeta fits with
//   --prior-mu "normal(0,10)" --prior-tau "half-normal(0.5)" --prior-baseline "normal(0,10)":
//   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),
//   yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i)),
//   delta_i = mu + tau * z_i,  z_i ~ N(0, 1),  alpha_i ~ normal(0, 10) (independent baselines)
//   mu ~ normal(0, 10),  tau ~ half-normal(0.5)
// mu = pooled log odds ratio, tau = between-study SD of the log odds ratios.
data {
  int<lower=1> K;
  int<lower=0> yt[K];
  int<lower=0> nt[K];
  int<lower=0> yc[K];
  int<lower=0> nc[K];
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[K] alpha;
  vector[K] z;
}
transformed parameters {
  vector[K] delta = mu + tau * z;
}
model {
  mu ~ normal(0, 10);
  tau ~ normal(0, 0.5);   // half-normal(0.5) through the lower=0 bound
  alpha ~ normal(0, 10);
  z ~ std_normal();
  yc ~ binomial_logit(nc, alpha);
  yt ~ binomial_logit(nt, alpha + delta);
}
generated quantities {
  real delta_new = normal_rng(mu, tau);
  real or_pooled = exp(mu);
}

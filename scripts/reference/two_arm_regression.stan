// Two-arm binomial-normal meta-regression with INDEPENDENT baselines (non-centred), hbmeta's
// default priors, one numeric covariate centred at its mean, as hbmeta samples it:
//   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),  yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i))
//   delta_i = mu + beta (x_i - mean(x)) + tau z_i,  z_i ~ N(0, 1),  alpha_i ~ N(0, 10^2)
//   mu ~ N(0, 10^2) (the log odds ratio at the covariate's mean), beta ~ N(0, 10^2),
//   tau ~ half-normal(1)
// Used by two_arm_regression.R (same directory).
data {
  int<lower=1> K;
  int<lower=0> yt[K];
  int<lower=0> nt[K];
  int<lower=0> yc[K];
  int<lower=0> nc[K];
  vector[K] x;
}
transformed data {
  vector[K] xc = x - mean(x);
}
parameters {
  real mu;
  real beta;
  real<lower=0> tau;
  vector[K] alpha;
  vector[K] z;
}
transformed parameters {
  vector[K] delta = mu + beta * xc + tau * z;
}
model {
  mu ~ normal(0, 10);
  beta ~ normal(0, 10);
  tau ~ normal(0, 1);   // half-normal(1) through the lower=0 bound
  alpha ~ normal(0, 10);
  z ~ std_normal();
  yc ~ binomial_logit(nc, alpha);
  yt ~ binomial_logit(nt, alpha + delta);
}

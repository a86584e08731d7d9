// Single-arm random-effects meta-analysis of binomial outcomes (non-centred),
// the same model hbmeta fits:
//   y_i ~ Binomial(n_i, inv_logit(theta_i)),  theta_i = mu + tau * z_i,  z_i ~ N(0, 1)
//   mu ~ normal(0, 10),  tau ~ half-normal(1)
data {
  int<lower=1> K;
  int<lower=0> y[K];
  int<lower=0> n[K];
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[K] z;
}
transformed parameters {
  vector[K] theta = mu + tau * z;
}
model {
  mu ~ normal(0, 10);
  tau ~ normal(0, 1);   // half-normal(1) through the lower=0 bound
  z ~ std_normal();
  y ~ binomial_logit(n, theta);
}
generated quantities {
  real theta_new = normal_rng(mu, tau);
  real p_new = inv_logit(theta_new);
}

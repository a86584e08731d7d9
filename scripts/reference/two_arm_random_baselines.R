#!/usr/bin/env Rscript
# Long-run rstan posterior reference for the two-arm binomial-normal meta-analysis model
# with RANDOM (exchangeable) study baselines -- an independent reference for hbmeta's
# random-baseline two-arm model, in the JSON format of tests/fixtures/reference/*__hn05.json
# (those fixtures cover the fixed/independent-baseline model, alpha_i ~ N(0, 10^2)).
#
#   Rscript scripts/reference/two_arm_random_baselines.R DATA.csv OUT.json [ADAPT_DELTA] [SEED]
#   e.g. Rscript scripts/reference/two_arm_random_baselines.R \
#          tests/fixtures/reference/bcg.csv tests/fixtures/reference/bcg__random_hn05.json
#
# Model (two_arm_random_baselines.stan, next to this script; both levels non-centred):
#   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),  yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i))
#   delta_i = d + tau * z_i, z_i ~ N(0,1);  alpha_i = mu_alpha + sigma_alpha * a_i, a_i ~ N(0,1)
#   d ~ N(0, 10^2), tau ~ half-normal(0.5), mu_alpha ~ N(0, 10^2), sigma_alpha ~ half-normal(2)
#   generated: delta_new = d + tau * N(0,1) draw, or_pooled = exp(d), or_new = exp(delta_new)
# DATA.csv columns: outcome,study,events_t,total_t,events_c,total_c (one outcome).
#
# Run: 4 chains x 25,000 draws after 1,000 warmup, adapt_delta 0.95 (default; raise to 0.99
#   with the third argument if the run shows divergences), seed 20261122 (default), cores = 2.
#   The compiled model is cached (rstan_options(auto_write = TRUE)) in $HBMETA_REF_CACHE
#   (default /tmp/hbmeta_ref_stan).
# Summary per variable over all 100,000 post-warmup draws: mean, sd, quantiles by R's
#   quantile() type 7; rhat, ess_bulk, ess_tail from rstan::Rhat / ess_bulk / ess_tail
#   (Vehtari et al. 2021) on the iterations x chains matrix. "seconds" is the elapsed time of
#   the sampling() call (excludes compilation); "divergences" and "leapfrog_total" count
#   post-warmup iterations only.
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
source(file.path(here, "two_arm_stan_reference.R"))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2)
  stop("usage: two_arm_random_baselines.R DATA.csv OUT.json [ADAPT_DELTA] [SEED]")
data_csv <- args[1]; out_json <- args[2]
cfg <- list(adapt_delta = if (length(args) >= 3) as.numeric(args[3]) else 0.95,
            seed = if (length(args) >= 4) as.integer(args[4]) else 20261122L,
            chains = 4L, warmup = 1000L, draws = 25000L, cores = 2L)

model <- compiled_model(file.path(here, "two_arm_random_baselines.stan"))
input <- read_two_arm(data_csv)
run <- run_reference(model, input$sdata, cfg)

vars <- c("d", "tau", "delta_new", "or_pooled", "or_new", "mu_alpha", "sigma_alpha")
arr <- as.array(run$fit, pars = vars)               # iterations x chains x variables
summary_rows <- lapply(vars, function(v) summary_row(arr, v))

cmd <- paste("Rscript scripts/reference/two_arm_random_baselines.R", data_csv, out_json,
             cfg$adapt_delta, cfg$seed)
write_reference(out_json, data_csv, cmd, cfg, run,
                list(prior_tau = "half-normal(0.5)",
                     prior_baseline = "normal(0,10)",
                     prior_baseline_sd = "half-normal(2)",
                     model = paste0("two-arm binomial-normal, random baselines, non-centred: ",
                                    "yc~Bin(nc,inv_logit(alpha)), yt~Bin(nt,inv_logit(alpha+delta)), ",
                                    "delta=d+tau*z, alpha=mu_alpha+sigma_alpha*a, z,a~N(0,1); ",
                                    "d~N(0,10^2), tau~HN(0.5), mu_alpha~N(0,10^2), sigma_alpha~HN(2)")),
                summary_rows)

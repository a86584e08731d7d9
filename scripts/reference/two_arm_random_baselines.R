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
suppressPackageStartupMessages(library(rstan))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2)
  stop("usage: two_arm_random_baselines.R DATA.csv OUT.json [ADAPT_DELTA] [SEED]")
data_csv <- args[1]; out_json <- args[2]
adapt_delta <- if (length(args) >= 3) as.numeric(args[3]) else 0.95
seed <- if (length(args) >= 4) as.integer(args[4]) else 20261122L
chains <- 4L; warmup <- 1000L; draws <- 25000L; cores <- 2L

script_dir <- function() {
  f <- grep("^--file=", commandArgs(FALSE), value = TRUE)[1]
  dirname(normalizePath(sub("^--file=", "", f)))
}

compiled_model <- function() {
  cache <- Sys.getenv("HBMETA_REF_CACHE", "/tmp/hbmeta_ref_stan")
  dir.create(cache, showWarnings = FALSE, recursive = TRUE)
  src <- file.path(script_dir(), "two_arm_random_baselines.stan")
  stan_file <- file.path(cache, "two_arm_random_baselines.stan")
  if (!file.exists(stan_file) || !identical(readLines(src), readLines(stan_file)))
    file.copy(src, stan_file, overwrite = TRUE)
  rstan_options(auto_write = TRUE)
  # Debian's r-cran-bh ships no headers (it depends on libboost-dev instead), so point
  # rstan at the system Boost when BH's include directory is missing.
  if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
  suppressMessages(stan_model(stan_file))
}

model <- compiled_model()
dat <- read.csv(data_csv, stringsAsFactors = FALSE)
stopifnot(length(unique(dat$outcome)) == 1L)
sdata <- list(K = nrow(dat),
              yt = as.integer(dat$events_t), nt = as.integer(dat$total_t),
              yc = as.integer(dat$events_c), nc = as.integer(dat$total_c))

seconds <- system.time(
  fit <- sampling(model, data = sdata, chains = chains, iter = warmup + draws,
                  warmup = warmup, cores = cores, seed = seed, refresh = 0,
                  control = list(adapt_delta = adapt_delta))
)[["elapsed"]]

sp <- get_sampler_params(fit, inc_warmup = FALSE)
divergences <- sum(vapply(sp, function(x) sum(x[, "divergent__"]), 0))
leapfrog_total <- sum(vapply(sp, function(x) sum(x[, "n_leapfrog__"]), 0))
treedepth_max <- max(vapply(sp, function(x) max(x[, "treedepth__"]), 0))

vars <- c("d", "tau", "delta_new", "or_pooled", "or_new", "mu_alpha", "sigma_alpha")
arr <- as.array(fit, pars = vars)               # iterations x chains x variables
probs <- c(0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
summary_rows <- lapply(vars, function(v) {
  m <- arr[, , v]
  x <- as.vector(m)
  q <- quantile(x, probs = probs, type = 7, names = FALSE)
  row <- list(variable = v, mean = mean(x), sd = sd(x))
  for (i in seq_along(probs)) row[[paste0(100 * probs[i], "%")]] <- q[i]
  c(row, list(rhat = Rhat(m), ess_bulk = ess_bulk(m), ess_tail = ess_tail(m)))
})

cmd <- paste("Rscript scripts/reference/two_arm_random_baselines.R", data_csv, out_json,
             adapt_delta, seed)
out <- list(
  file = basename(data_csv),
  mode = "ref",
  seconds = seconds,
  divergences = divergences,
  leapfrog_total = leapfrog_total,
  prior_tau = "half-normal(0.5)",
  prior_baseline = "normal(0,10)",
  prior_baseline_sd = "half-normal(2)",
  model = paste0("two-arm binomial-normal, random baselines, non-centred: ",
                 "yc~Bin(nc,inv_logit(alpha)), yt~Bin(nt,inv_logit(alpha+delta)), ",
                 "delta=d+tau*z, alpha=mu_alpha+sigma_alpha*a, z,a~N(0,1); ",
                 "d~N(0,10^2), tau~HN(0.5), mu_alpha~N(0,10^2), sigma_alpha~HN(2)"),
  command = sprintf(paste0("%s  [rstan %s, R %s; %d chains x %d draws after %d warmup, ",
                           "adapt_delta %g, seed %d, cores %d]"),
                    cmd, packageVersion("rstan"), getRversion(), chains, draws, warmup,
                    adapt_delta, seed, cores),
  summary = summary_rows)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_json)

cat(sprintf("%s: %.1f s, divergences %d, leapfrog_total %d, max treedepth %d, adapt_delta %g\n",
            basename(data_csv), seconds, divergences, leapfrog_total, treedepth_max,
            adapt_delta))
for (r in summary_rows)
  cat(sprintf("  %-12s mean %10.5f sd %9.5f rhat %.5f ess_bulk %8.0f ess_tail %8.0f\n",
              r$variable, r$mean, r$sd, r$rhat, r$ess_bulk, r$ess_tail))

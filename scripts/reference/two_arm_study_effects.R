#!/usr/bin/env Rscript
# Long-run rstan posterior reference for the STUDY-LEVEL (shrunken) log odds ratios delta_i and
# odds ratios exp(delta_i) of the two-arm binomial-normal model with independent baselines (the
# model of tests/fixtures/reference/*__hn05.json, which carry only d, tau, delta_new, or_pooled,
# or_new). Output: JSON in the format of those fixtures plus one summary row per study,
# "delta[i]" and "or[i]" (i = 1..K in file order) with a "study" field naming the study.
#
#   Rscript scripts/reference/two_arm_study_effects.R DATA.csv OUT.json [ADAPT_DELTA] [SEED]
#   e.g. Rscript scripts/reference/two_arm_study_effects.R \
#          tests/fixtures/reference/bcg.csv tests/fixtures/reference/bcg__hn05_studies.json
#
# Model (two_arm_study_effects.stan, next to this script; non-centred):
#   yc_i ~ Binomial(nc_i, inv_logit(alpha_i)),  yt_i ~ Binomial(nt_i, inv_logit(alpha_i + delta_i))
#   delta_i = d + tau * z_i, z_i ~ N(0,1);  alpha_i ~ N(0, 10^2) independently
#   d ~ N(0, 10^2), tau ~ half-normal(0.5)
#
# Run: 4 chains x 25,000 draws after 1,000 warmup, adapt_delta 0.95 (default), seed 20261123
#   (default), cores = 2; the compiled model is cached in $HBMETA_REF_CACHE (default
#   /tmp/hbmeta_ref_stan). Summary per variable over all 100,000 post-warmup draws: mean, sd,
#   quantiles by R's quantile() type 7; rhat, ess_bulk, ess_tail from rstan::Rhat / ess_bulk /
#   ess_tail on the iterations x chains matrix. "divergences" and "leapfrog_total" count
#   post-warmup iterations only.
suppressPackageStartupMessages(library(rstan))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2)
  stop("usage: two_arm_study_effects.R DATA.csv OUT.json [ADAPT_DELTA] [SEED]")
data_csv <- args[1]; out_json <- args[2]
adapt_delta <- if (length(args) >= 3) as.numeric(args[3]) else 0.95
seed <- if (length(args) >= 4) as.integer(args[4]) else 20261123L
chains <- 4L; warmup <- 1000L; draws <- 25000L; cores <- 2L

script_dir <- function() {
  f <- grep("^--file=", commandArgs(FALSE), value = TRUE)[1]
  dirname(normalizePath(sub("^--file=", "", f)))
}

compiled_model <- function() {
  cache <- Sys.getenv("HBMETA_REF_CACHE", "/tmp/hbmeta_ref_stan")
  dir.create(cache, showWarnings = FALSE, recursive = TRUE)
  src <- file.path(script_dir(), "two_arm_study_effects.stan")
  stan_file <- file.path(cache, "two_arm_study_effects.stan")
  if (!file.exists(stan_file) || !identical(readLines(src), readLines(stan_file)))
    file.copy(src, stan_file, overwrite = TRUE)
  rstan_options(auto_write = TRUE)
  # Debian's r-cran-bh ships no headers (it depends on libboost-dev instead).
  if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
  suppressMessages(stan_model(stan_file))
}

model <- compiled_model()
dat <- read.csv(data_csv, stringsAsFactors = FALSE)
stopifnot(length(unique(dat$outcome)) == 1L)
K <- nrow(dat)
sdata <- list(K = K,
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

arr <- as.array(fit)                              # iterations x chains x variables
probs <- c(0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
row_of <- function(stan_name, name, study = NULL) {
  m <- arr[, , stan_name]
  x <- as.vector(m)
  q <- quantile(x, probs = probs, type = 7, names = FALSE)
  row <- list(variable = name)
  if (!is.null(study)) row$study <- study
  row <- c(row, list(mean = mean(x), sd = sd(x)))
  for (i in seq_along(probs)) row[[paste0(100 * probs[i], "%")]] <- q[i]
  c(row, list(rhat = Rhat(m), ess_bulk = ess_bulk(m), ess_tail = ess_tail(m)))
}
summary_rows <- lapply(c("d", "tau", "delta_new", "or_pooled", "or_new"), function(v) row_of(v, v))
for (i in seq_len(K)) {
  summary_rows[[length(summary_rows) + 1]] <- row_of(sprintf("delta[%d]", i), sprintf("delta[%d]", i), dat$study[i])
  summary_rows[[length(summary_rows) + 1]] <- row_of(sprintf("or_study[%d]", i), sprintf("or[%d]", i), dat$study[i])
}

cmd <- paste("Rscript scripts/reference/two_arm_study_effects.R", data_csv, out_json, adapt_delta, seed)
out <- list(
  file = basename(data_csv),
  mode = "ref",
  seconds = seconds,
  divergences = divergences,
  leapfrog_total = leapfrog_total,
  prior_tau = "half-normal(0.5)",
  prior_baseline = "normal(0,10)",
  model = paste0("two-arm binomial-normal, independent baselines, non-centred: ",
                 "yc~Bin(nc,inv_logit(alpha)), yt~Bin(nt,inv_logit(alpha+delta)), ",
                 "delta=d+tau*z, z~N(0,1); alpha~N(0,10^2); d~N(0,10^2), tau~HN(0.5)"),
  command = sprintf(paste0("%s  [rstan %s, R %s; %d chains x %d draws after %d warmup, ",
                           "adapt_delta %g, seed %d, cores %d]"),
                    cmd, packageVersion("rstan"), getRversion(), chains, draws, warmup,
                    adapt_delta, seed, cores),
  summary = summary_rows)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_json)

cat(sprintf("%s: %.1f s, divergences %d, leapfrog_total %d, max treedepth %d, adapt_delta %g\n",
            basename(data_csv), seconds, divergences, leapfrog_total, treedepth_max, adapt_delta))
for (r in summary_rows)
  cat(sprintf("  %-12s mean %10.5f sd %9.5f rhat %.5f ess_bulk %8.0f ess_tail %8.0f\n",
              r$variable, r$mean, r$sd, r$rhat, r$ess_bulk, r$ess_tail))

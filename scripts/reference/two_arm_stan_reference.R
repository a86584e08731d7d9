# Shared by the long-run rstan references of the two-arm model (two_arm_random_baselines.R,
# two_arm_study_effects.R): compiling the Stan file once into a cache, reading a one-outcome
# two-arm CSV, the run, one summary row per variable and the JSON file in the format of
# tests/fixtures/reference/*__hn05.json. Sourced by those scripts, not run on its own.
suppressPackageStartupMessages(library(rstan))

# The Stan model at `src`, compiled once and cached in $HBMETA_REF_CACHE (default
# /tmp/hbmeta_ref_stan; rstan_options(auto_write = TRUE)).
compiled_model <- function(src) {
  cache <- Sys.getenv("HBMETA_REF_CACHE", "/tmp/hbmeta_ref_stan")
  dir.create(cache, showWarnings = FALSE, recursive = TRUE)
  stan_file <- file.path(cache, basename(src))
  if (!file.exists(stan_file) || !identical(readLines(src), readLines(stan_file)))
    file.copy(src, stan_file, overwrite = TRUE)
  rstan_options(auto_write = TRUE)
  # Debian's r-cran-bh ships no headers (it depends on libboost-dev instead), so point
  # rstan at the system Boost when BH's include directory is missing.
  if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
  suppressMessages(stan_model(stan_file))
}

# A CSV with columns outcome,study,events_t,total_t,events_c,total_c and one outcome: the rows
# and the Stan data list.
read_two_arm <- function(data_csv) {
  dat <- read.csv(data_csv, stringsAsFactors = FALSE)
  stopifnot(length(unique(dat$outcome)) == 1L)
  list(dat = dat,
       sdata = list(K = nrow(dat),
                    yt = as.integer(dat$events_t), nt = as.integer(dat$total_t),
                    yc = as.integer(dat$events_c), nc = as.integer(dat$total_c)))
}

# The run, with "seconds" the elapsed time of sampling() (no compilation) and the sampler's
# divergences, leapfrog steps and largest tree depth over post-warmup iterations.
run_reference <- function(model, sdata, cfg) {
  seconds <- system.time(
    fit <- sampling(model, data = sdata, chains = cfg$chains, iter = cfg$warmup + cfg$draws,
                    warmup = cfg$warmup, cores = cfg$cores, seed = cfg$seed, refresh = 0,
                    control = list(adapt_delta = cfg$adapt_delta))
  )[["elapsed"]]
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  list(fit = fit, seconds = seconds,
       divergences = sum(vapply(sp, function(x) sum(x[, "divergent__"]), 0)),
       leapfrog_total = sum(vapply(sp, function(x) sum(x[, "n_leapfrog__"]), 0)),
       treedepth_max = max(vapply(sp, function(x) max(x[, "treedepth__"]), 0)))
}

# One summary row over all post-warmup draws of `stan_name` in `arr` (iterations x chains x
# variables): mean, sd, quantiles by R's quantile() type 7, rstan's Rhat / ess_bulk / ess_tail.
summary_row <- function(arr, stan_name, name = stan_name, study = NULL) {
  probs <- c(0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
  m <- arr[, , stan_name]
  x <- as.vector(m)
  q <- quantile(x, probs = probs, type = 7, names = FALSE)
  row <- list(variable = name)
  if (!is.null(study)) row$study <- study
  row <- c(row, list(mean = mean(x), sd = sd(x)))
  for (i in seq_along(probs)) row[[paste0(100 * probs[i], "%")]] <- q[i]
  c(row, list(rhat = Rhat(m), ess_bulk = ess_bulk(m), ess_tail = ess_tail(m)))
}

# Writes the reference JSON (file, mode, seconds, divergences, leapfrog_total, the model's
# `fields` in order, command, summary) and prints a line per variable.
write_reference <- function(out_json, data_csv, cmd, cfg, run, fields, summary_rows) {
  out <- c(list(file = basename(data_csv), mode = "ref", seconds = run$seconds,
                divergences = run$divergences, leapfrog_total = run$leapfrog_total),
           fields,
           list(command = sprintf(paste0("%s  [rstan %s, R %s; %d chains x %d draws after %d warmup, ",
                                         "adapt_delta %g, seed %d, cores %d]"),
                                  cmd, packageVersion("rstan"), getRversion(), cfg$chains, cfg$draws,
                                  cfg$warmup, cfg$adapt_delta, cfg$seed, cfg$cores),
                summary = summary_rows))
  writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_json)
  cat(sprintf("%s: %.1f s, divergences %d, leapfrog_total %d, max treedepth %d, adapt_delta %g\n",
              basename(data_csv), run$seconds, run$divergences, run$leapfrog_total, run$treedepth_max,
              cfg$adapt_delta))
  for (r in summary_rows)
    cat(sprintf("  %-12s mean %10.5f sd %9.5f rhat %.5f ess_bulk %8.0f ess_tail %8.0f\n",
                r$variable, r$mean, r$sd, r$rhat, r$ess_bulk, r$ess_tail))
}

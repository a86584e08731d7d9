#!/usr/bin/env Rscript
# rstan side of scripts/bench/batch_throughput.sh: fits every dataset of a batch CSV
# (columns dataset,outcome,study,events,total; one single-arm outcome per dataset) one after
# another with scripts/bench/single_arm.stan (mu ~ normal(0,10), tau ~ half-normal(1), the same
# model and priors as hbmeta's defaults), 4 chains x 1000 warmup + 1000 draws, cores = 2, and
# counts the datasets whose mu and tau both reach R-hat < 1.01 and bulk ESS >= 400
# (rstan::Rhat, rstan::ess_bulk: the rank-normalised diagnostics of Vehtari et al. 2021).
#   Rscript run_rstan_loop.R DATA.csv [SEED]
# Compilation is cached (HBMETA_BENCH_CACHE, default /tmp/hbmeta_bench_stan) and not timed; the
# timed loop is sampling() for every dataset plus the diagnostics.
# Output: one CSV line: datasets,converged,wall_s,datasets_per_s,converged_per_s
suppressPackageStartupMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
data_file <- args[1]
seed <- if (length(args) >= 2) as.integer(args[2]) else 20240601L
script_dir <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
cache <- Sys.getenv("HBMETA_BENCH_CACHE", "/tmp/hbmeta_bench_stan")
dir.create(cache, showWarnings = FALSE, recursive = TRUE)
stan_file <- file.path(cache, "single_arm.stan")
src <- file.path(script_dir, "single_arm.stan")
if (!file.exists(stan_file) || !identical(readLines(src), readLines(stan_file))) invisible(file.copy(src, stan_file, overwrite = TRUE))
rstan_options(auto_write = TRUE)
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
model <- suppressMessages(stan_model(stan_file))
d <- read.csv(data_file, stringsAsFactors = FALSE)
sets <- unique(d$dataset)
converged <- 0L
t <- system.time({
  for (s in sets) {
    x <- d[d$dataset == s, ]
    fit <- suppressWarnings(sampling(model, data = list(K = nrow(x), y = as.array(x$events), n = as.array(x$total)), chains = 4,
                                     iter = 2000, warmup = 1000, cores = 2, seed = seed, refresh = 0,
                                     show_messages = FALSE))
    ok <- TRUE
    for (p in c("mu", "tau")) {
      m <- as.matrix(as.array(fit)[, , p])
      ok <- ok && rstan::Rhat(m) < 1.01 && rstan::ess_bulk(m) >= 400
    }
    converged <- converged + ok
  }
})[["elapsed"]]
cat(sprintf("%d,%d,%.2f,%.3f,%.3f\n", length(sets), converged, t, length(sets) / t, converged / t))

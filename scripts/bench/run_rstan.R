#!/usr/bin/env Rscript
# R side of the "hbmeta (CPU) vs rstan" benchmark (driven by scripts/bench/bench.sh).
#
#   Rscript run_rstan.R compile                          compile + cache both Stan models only
#   Rscript run_rstan.R fit    DATA.csv LABEL [SEED] [REPS]   fit DATA.csv with rstan
#   Rscript run_rstan.R hbmeta LABEL [--sampler=NAME] OUTDIR:WALL_S [OUTDIR:WALL_S ...]
#                                       score hbmeta fit(s) (OUTDIR from `hbmeta fit --out`,
#                                       WALL_S = wall time of that whole hbmeta command);
#                                       NAME = the "sampler" column (default "hbmeta"; bench.sh
#                                       passes "hbmeta-gibbs" for `hbmeta fit --sampler gibbs`)
#
# fit: the model is chosen from DATA.csv's header (both .stan files sit next to this script;
#   each has its priors fixed in the model block, nothing is passed as data):
#     columns outcome,study,events,total                     -> single_arm.stan
#         mu ~ normal(0,10), tau ~ half-normal(1)
#     columns outcome,study,events_t,total_t,events_c,total_c -> two_arm.stan
#         mu ~ normal(0,10), tau ~ half-normal(0.5), baselines alpha_i ~ normal(0,10)
#   (the "events_t" column decides). K = number of rows (studies).
#   4 chains x 1000 warmup + 1000 draws, cores = 2, default adapt_delta (0.8), fixed seed
#   (default 20240601). Each model is compiled once and cached with
#   rstan_options(auto_write = TRUE) in $HBMETA_BENCH_CACHE (default /tmp/hbmeta_bench_stan);
#   compilation is never inside the timed region.
#   Timing, two numbers:
#     wall_s     = system.time()["elapsed"] around the sampling() call: warmup + sampling of all
#                  4 chains (2 at a time, forked by parallel::mclapply) plus rstan's own
#                  overhead (forking, collecting the stanfit objects). Excludes compilation,
#                  R start-up and reading the data.
#     internal_s = Stan's get_elapsed_time() (warmup + sample per chain) put on 2 cores the way
#                  mclapply(mc.preschedule = FALSE) runs them: chains 1..4 in order, each to
#                  the first free core; internal_s is the finish time of the last chain.
#   With REPS > 1 the same fit (same seed => identical draws) is repeated in the same R
#   session and the median of each time is reported.
#
# ESS (both samplers): rstan::ess_bulk -- rank-normalised, folded, split-chain bulk ESS of
#   Vehtari, Gelman, Simpson, Carpenter & Buerkner (2021) -- on the iterations x chains
#   matrix of post-warmup draws of mu and tau. For hbmeta the matrix is read from
#   OUTDIR/draws/<outcome>.csv (columns .chain, .iteration, .draw, mu, tau, ...), so both samplers are
#   scored by the same estimator; hbmeta's own summary.json ESS is reported alongside.
#
# Output: one CSV line, no header, columns
#   dataset,K,sampler,chains,wall_s,internal_s,ess_mu,ess_tau,own_ess_mu,own_ess_tau,
#   divergences,mean_mu,mean_tau,sd_mu,sd_tau
suppressPackageStartupMessages(library(rstan))

args <- commandArgs(trailingOnly = TRUE)
mode <- if (length(args)) args[1] else ""

script_dir <- function() {
  f <- grep("^--file=", commandArgs(FALSE), value = TRUE)[1]
  dirname(normalizePath(sub("^--file=", "", f)))
}

# name: "single_arm" or "two_arm" (the .stan file next to this script)
compiled_model <- function(name) {
  cache <- Sys.getenv("HBMETA_BENCH_CACHE", "/tmp/hbmeta_bench_stan")
  dir.create(cache, showWarnings = FALSE, recursive = TRUE)
  src <- file.path(script_dir(), paste0(name, ".stan"))
  stan_file <- file.path(cache, paste0(name, ".stan"))
  if (!file.exists(stan_file) || !identical(readLines(src), readLines(stan_file)))
    file.copy(src, stan_file, overwrite = TRUE)
  rstan_options(auto_write = TRUE)        # caches <name>.rds next to the .stan file
  # Debian's r-cran-bh ships no headers (it depends on libboost-dev instead), so point
  # rstan at the system Boost when BH's include directory is missing.
  if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
  suppressMessages(stan_model(stan_file))
}

# iterations x chains matrix of one parameter from a long data frame (chain, value)
draws_matrix <- function(chain, value) {
  chains <- sort(unique(chain))
  cols <- lapply(chains, function(ch) value[chain == ch])
  len <- min(vapply(cols, length, 1L))
  do.call(cbind, lapply(cols, function(v) v[seq_len(len)]))
}

# makespan of chains (in order) greedily assigned to `cores` workers
makespan <- function(times, cores) {
  free <- numeric(cores)
  for (t in times) { i <- which.min(free); free[i] <- free[i] + t }
  max(free)
}

f3 <- function(x) sprintf("%.3f", x)
f1 <- function(x) if (is.na(x)) "NA" else sprintf("%.1f", x)
f4 <- function(x) sprintf("%.4f", x)
emit <- function(...) cat(paste(..., sep = ","), "\n", sep = "")

if (mode == "compile") {
  for (m in c("single_arm", "two_arm")) invisible(compiled_model(m))
  cat("compiled\n")
} else if (mode == "fit") {
  data_csv <- args[2]; label <- args[3]
  seed <- if (length(args) >= 4) as.integer(args[4]) else 20240601L
  reps <- if (length(args) >= 5) as.integer(args[5]) else 1L
  chains <- 4L; cores <- 2L
  d <- read.csv(data_csv, stringsAsFactors = FALSE)
  if ("events_t" %in% names(d)) {          # two-arm: tau ~ half-normal(0.5) (in two_arm.stan)
    model <- compiled_model("two_arm")     # not timed
    sdata <- list(K = nrow(d), yt = as.integer(d$events_t), nt = as.integer(d$total_t),
                  yc = as.integer(d$events_c), nc = as.integer(d$total_c))
  } else {                                 # single-arm: tau ~ half-normal(1) (in single_arm.stan)
    model <- compiled_model("single_arm")  # not timed
    sdata <- list(K = nrow(d), y = as.integer(d$events), n = as.integer(d$total))
  }
  stopifnot(!anyNA(unlist(sdata)))
  wall <- internal <- numeric(reps)
  for (r in seq_len(reps)) {
    wall[r] <- system.time(
      # warnings (divergences, low ESS) are silenced: both are reported in the table
      fit <- suppressWarnings(
        sampling(model, data = sdata, chains = chains, iter = 2000, warmup = 1000,
                 cores = cores, seed = seed, refresh = 0, show_messages = FALSE))
    )[["elapsed"]]
    internal[r] <- makespan(rowSums(get_elapsed_time(fit)), cores)
  }
  mu <- as.array(fit, pars = "mu")[, , 1]
  tau <- as.array(fit, pars = "tau")[, , 1]
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  div <- sum(vapply(sp, function(x) sum(x[, "divergent__"]), 0))
  emit(label, nrow(d), "rstan", chains, f3(median(wall)), f3(median(internal)),
       f1(ess_bulk(mu)), f1(ess_bulk(tau)), "NA", "NA", div,
       f4(mean(mu)), f4(mean(tau)), f4(sd(mu)), f4(sd(tau)))
} else if (mode == "hbmeta") {
  # hbmeta LABEL OUTDIR1:WALL1 [OUTDIR2:WALL2 ...] -- one OUTDIR per repetition of the same
  # command (same seed => identical draws); draws/ESS from the first, median of the times.
  # An optional --sampler=NAME (anywhere after LABEL) sets the "sampler" column.
  label <- args[2]; rest <- args[-(1:2)]
  opt <- grepl("^--sampler=", rest)
  sampler <- if (any(opt)) sub("^--sampler=", "", tail(rest[opt], 1)) else "hbmeta"
  reps <- strsplit(rest[!opt], ":", fixed = TRUE)
  outdirs <- vapply(reps, `[`, "", 1); wall <- as.numeric(vapply(reps, `[`, "", 2))
  summ <- lapply(outdirs, function(d)
    jsonlite::fromJSON(file.path(d, "summary.json"), simplifyVector = FALSE))
  num_or_na <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)  # field absent -> NA
  internal <- vapply(summ, function(s) num_or_na(s$timing$seconds), 0)
  s <- summ[[1]]
  stopifnot(length(s$outcomes) == 1L)
  name <- names(s$outcomes)[1]; o <- s$outcomes[[1]]
  df <- read.csv(file.path(outdirs[1], "draws", paste0(name, ".csv")), check.names = FALSE)
  ch <- if (".chain" %in% names(df)) df[[".chain"]] else df$chain  # hbmeta >= 0.1 writes .chain
  mu <- draws_matrix(ch, df$mu); tau <- draws_matrix(ch, df$tau)
  div <- o$diagnostics$divergences
  emit(label, o$k, sampler, ncol(mu), f3(median(wall)), f3(median(internal)),
       f1(ess_bulk(mu)), f1(ess_bulk(tau)),
       f1(num_or_na(o$parameters$mu$ess_bulk)), f1(num_or_na(o$parameters$tau$ess_bulk)),
       if (is.null(div)) "NA" else div,
       f4(mean(mu)), f4(mean(tau)), f4(sd(mu)), f4(sd(tau)))
} else {
  stop("usage: run_rstan.R compile | fit DATA.csv LABEL [SEED] [REPS] | hbmeta LABEL [--sampler=NAME] OUTDIR:WALL_S [...]")
}

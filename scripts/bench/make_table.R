#!/usr/bin/env Rscript
# Formats the results CSV written by bench.sh as a markdown table.
#   Rscript make_table.R RESULTS.csv
# "model" = single-arm / two-arm (column written by bench.sh; "—" for older CSVs without it).
# ESS/s = bulk ESS (rstan::ess_bulk, the same estimator for every sampler) / wall seconds.
# ratio = that row's ESS/s / the rstan row's ESS/s for the same dataset, shown on every
# non-rstan row (hbmeta, hbmeta-gibbs, jags, ...); "—" on rstan rows and when the dataset has
# no rstan row. "ratio (internal)" uses the samplers' internal times instead of wall times
# (for jags internal = wall).
args <- commandArgs(trailingOnly = TRUE)
r <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "NA")
num <- function(x, d) ifelse(is.na(x), "—", formatC(x, format = "f", digits = d, big.mark = ""))
r$eps_mu <- r$ess_mu / r$wall_s
r$eps_tau <- r$ess_tau / r$wall_s
r$ieps_mu <- r$ess_mu / r$internal_s
r$ieps_tau <- r$ess_tau / r$internal_s
ratio <- function(i, col) {
  if (r$sampler[i] == "rstan") return(NA_real_)
  j <- which(r$dataset == r$dataset[i] & r$sampler == "rstan")
  if (!length(j)) return(NA_real_)
  r[[col]][i] / r[[col]][j[1]]
}
n <- nrow(r)
rat <- sapply(c("eps_mu", "eps_tau", "ieps_mu", "ieps_tau"),
              function(col) vapply(seq_len(n), ratio, 0, col = col))
if (n == 1) rat <- matrix(rat, nrow = 1, dimnames = list(NULL, names(rat)))
hdr <- c("dataset", "model", "K", "sampler", "chains", "wall s", "internal s",
         "bulk ESS mu", "bulk ESS tau", "own ESS mu / tau",
         "ESS/s mu", "ESS/s tau", "ratio mu", "ratio tau",
         "ratio mu (internal)", "ratio tau (internal)", "div", "mean mu / tau", "load1")
cat("| ", paste(hdr, collapse = " | "), " |\n", sep = "")
cat("|", paste(rep("---", length(hdr)), collapse = "|"), "|\n", sep = "")
for (i in seq_len(n)) {
  own <- if (is.na(r$own_ess_mu[i])) "—" else
    paste0(num(r$own_ess_mu[i], 0), " / ", num(r$own_ess_tau[i], 0))
  row <- c(r$dataset[i], if (is.null(r$model)) "—" else r$model[i], r$K[i], r$sampler[i], r$chains[i],
           num(r$wall_s[i], 3), num(r$internal_s[i], 3),
           num(r$ess_mu[i], 0), num(r$ess_tau[i], 0), own,
           num(r$eps_mu[i], 0), num(r$eps_tau[i], 0),
           num(rat[i, "eps_mu"], 1), num(rat[i, "eps_tau"], 1),
           num(rat[i, "ieps_mu"], 1), num(rat[i, "ieps_tau"], 1),
           if (is.na(r$divergences[i])) "—" else r$divergences[i],  # NA: jags (not HMC)
           paste0(num(r$mean_mu[i], 3), " / ", num(r$mean_tau[i], 3)),
           num(r$load1[i], 2))
  cat("| ", paste(row, collapse = " | "), " |\n", sep = "")
}

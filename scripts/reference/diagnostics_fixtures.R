#!/usr/bin/env Rscript
# Draw sets for tests/diagnostics_test.cpp made here (the older sets iid, ar_0.9, heavy_tail,
# shifted, skewed and many_short were copied from the project's shared validation references;
# this script leaves their files and their expected.json entries as they are).
#
#   Rscript scripts/reference/diagnostics_fixtures.R [FIXTURE_DIR]
#   (default FIXTURE_DIR: tests/fixtures/diagnostics, relative to the repository root)
#
# For every set below it writes FIXTURE_DIR/<name>.csv (columns "chain","draw","value") and
# adds or replaces the set's entry in FIXTURE_DIR/expected.json with posterior's values,
# computed from the draws READ BACK from that CSV (as the older entries were), so hbmeta and
# posterior see the same doubles.
#
# The values are written with 17 significant digits (sprintf("%.17g")), not write.csv's 15:
# 15 digits move a draw by up to an ulp or so, which can make or break an exact tie in the
# folded draws abs(x - median(x)) and move posterior's rhat by up to ~8e-6 relative on t(2)
# draws (200 seeds of the set below: changed in 60). 17 digits round-trip exactly, checked
# below with identical().
#
#   heavy_t2: set.seed(6); sapply(1:4, function(c) rt(1000, df = 2)), 4 chains x 1000 draws of
#             a t distribution with 2 degrees of freedom; two folded draws (chain 2 draw 286,
#             chain 4 draw 95) are exactly tied at the bottom of the folded ranks.
#
# Needs R with posterior 1.4.0 and jsonlite (Debian: r-cran-posterior r-cran-jsonlite).
suppressPackageStartupMessages({
  library(posterior)
  library(jsonlite)
})
if (packageVersion("posterior") != "1.4.0") {
  stop("expected posterior 1.4.0, found ", as.character(packageVersion("posterior")))
}

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "tests/fixtures/diagnostics"

sets <- list(
  heavy_t2 = function() {
    set.seed(6)
    sapply(1:4, function(c) rt(1000, df = 2))
  }
)

json_path <- file.path(dir, "expected.json")
expected <- fromJSON(json_path, simplifyVector = FALSE)

for (name in names(sets)) {
  x <- sets[[name]]()  # iterations x chains
  chains <- ncol(x)
  draws <- nrow(x)
  csv <- file.path(dir, paste0(name, ".csv"))
  writeLines(c('"chain","draw","value"',
               sprintf("%d,%d,%.17g", rep(seq_len(chains), each = draws),
                       rep(seq_len(draws), chains), as.vector(x))),
             csv)
  back <- read.csv(csv)
  xm <- matrix(back$value, nrow = draws, ncol = chains)
  if (!identical(xm, x)) stop(csv, ": draws do not round-trip exactly")
  expected[[name]] <- list(
    chains = chains,
    draws = draws,
    rhat = rhat(xm),
    rhat_basic = rhat_basic(xm),
    ess_bulk = ess_bulk(xm),
    ess_tail = ess_tail(xm),
    ess_basic = ess_basic(xm),
    mcse_mean = mcse_mean(xm),
    mcse_q05 = unname(mcse_quantile(xm, probs = 0.05)),
    mcse_q95 = unname(mcse_quantile(xm, probs = 0.95)),
    mean = mean(xm),
    sd = sd(as.vector(xm)),
    q05 = unname(quantile(xm, 0.05)),
    q95 = unname(quantile(xm, 0.95))
  )
  cat(sprintf("%s: %d chains x %d draws, rhat %.15g\n", name, chains, draws,
              expected[[name]]$rhat))
}

# The number format of the older entries: at most 12 decimals, at most 15 significant digits.
writeLines(toJSON(expected, auto_unbox = TRUE, pretty = TRUE, digits = 12), json_path)

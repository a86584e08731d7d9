#!/usr/bin/env Rscript
# tests/fixtures/reference/bcg_year.csv: the BCG vaccine trials (metadat's dat.bcg, Colditz et
# al. 1994) in hbmeta's two-arm layout with their publication year and absolute latitude, for
# the meta-regression tests (intercept placement, Stan and metafor references).
#   Rscript scripts/reference/bcg_year_data.R tests/fixtures/reference/bcg_year.csv
library(metadat)
args <- commandArgs(trailingOnly = TRUE)
d <- dat.bcg
out <- data.frame(outcome = "bcg", study = paste(d$author, d$year), events_t = d$tpos, total_t = d$tpos + d$tneg,
                  events_c = d$cpos, total_c = d$cpos + d$cneg, year = d$year, ablat = d$ablat)
write.csv(out, args[1], row.names = FALSE)

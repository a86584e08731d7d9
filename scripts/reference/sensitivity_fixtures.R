#!/usr/bin/env Rscript
# metafor references for hbmeta's classical sensitivity analyses (host/frequentist/sensitivity.hpp):
# leave1out(), influence(), cumul(), subgroups (a REML fit per level and
# rma(mods = ~ factor(g)) for the test of subgroup differences), regtest() with predictor "sei"
# (Egger) and "ninv" (Peters), trimfill() and the pseudo-confidence contours of funnel(), all on
# rma(yi, vi, method = "REML") with escalc's defaults (measure "PLO" for single-arm, "OR" for
# two-arm data; add = 1/2, to = "only0", drop00 = FALSE).
#
#   Rscript scripts/reference/sensitivity_fixtures.R [FIXTURE_DIR]
#   (default FIXTURE_DIR: tests/fixtures/frequentist, relative to the repository root)
#
# Reads the datasets from FIXTURE_DIR/*.csv (so the data are exactly the ones the tests use) and
# writes FIXTURE_DIR/sensitivity_DATASET.json, one file per dataset, and
# FIXTURE_DIR/sensitivity_influence_flags.json (influence() on four small effect-size sets, each
# with a study that exactly one of metafor's four criteria flags). Needs R with metafor,
# metadat and jsonlite (Debian: apt-get install r-cran-metafor r-cran-jsonlite).
#
# What is not metafor's own output but computed here from metafor fits (the tests say so too):
#   * prediction intervals of leave-one-out and cumulative fits (leave1out() and cumul() do not
#     report them): predict() of rma() on the same subset;
#   * per-subgroup fits: rma(subset = g == level) + predict().
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "tests/fixtures/frequentist"

num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)

read_data <- function(name) read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE)

effects <- function(d) {
  if ("events" %in% names(d)) escalc(measure = "PLO", xi = d$events, ni = d$total)
  else escalc(measure = "OR", ai = d$events_t, n1i = d$total_t, ci = d$events_c, n2i = d$total_c)
}

# predict()'s prediction interval of rma(yi, vi, method = "REML"), NA where the fit fails (as
# leave1out() and cumul() give NA for a fit that fails: Fisher scoring may not converge)
pi_of <- function(yi, vi) {
  p <- tryCatch(predict(rma(yi, vi, method = "REML")), error = function(e) NULL)
  if (is.null(p)) c(NA_real_, NA_real_) else c(p$pi.lb, p$pi.ub)
}

# One rma() fit as the tests compare it: the fields leave1out()/cumul() report plus predict()'s PI.
fit_entry <- function(yi, vi) {
  res <- tryCatch(rma(yi, vi, method = "REML"), error = function(e) conditionMessage(e))
  if (is.character(res))  # metafor stops (e.g. Fisher scoring does not converge): all NA
    return(list(estimate = NA_real_, se = NA_real_, zval = NA_real_, pval = NA_real_, ci_lb = NA_real_,
                ci_ub = NA_real_, Q = NA_real_, Qp = NA_real_, tau2 = NA_real_, I2 = NA_real_,
                H2 = NA_real_, pi_lb = NA_real_, pi_ub = NA_real_, k = length(yi), error = res))
  pr <- predict(res)
  list(estimate = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), Q = num(res$QE), Qp = num(res$QEp),
       tau2 = num(res$tau2), I2 = num(res$I2), H2 = num(res$H2),
       pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub), k = res$k)
}

# The pseudo-confidence contours funnel() draws, taken from its own polygon() calls: each call
# is one region (x: left edge from the top of the plot down, then the right edge back up).
funnel_regions <- function(res, ...) {
  cap <- new.env()
  cap$regions <- list()
  trace("polygon", where = asNamespace("metafor"), print = FALSE,
        tracer = bquote(assign("regions", c(.(cap)$regions, list(list(x = x, y = y))), envir = .(cap))))
  on.exit(untrace("polygon", where = asNamespace("metafor")))
  pdf(NULL)
  funnel(res, ...)
  dev.off()
  lapply(cap$regions, function(r) {
    n <- length(r$x) / 2  # ci.res points per edge; the first point is at the largest se
    list(se_max = r$y[1], x_lb_at_se_max = r$x[1], x_ub_at_se_max = r$x[2 * n],
         se_min = r$y[n], x_lb_at_se_min = r$x[n], x_ub_at_se_min = r$x[n + 1])
  })
}

datasets <- list(
  # bcg: alloc (metadat's dat.bcg, matched on "author year") as the subgroup, year as the
  # cumulative order
  bcg = function(d) {
    key <- paste(dat.bcg$author, dat.bcg$year)
    i <- match(d$study, key)
    stopifnot(!anyNA(i))
    list(group = dat.bcg$alloc[i], order = dat.bcg$year[i], order_by = "year (metadat dat.bcg)",
         group_by = "alloc (metadat dat.bcg)")
  },
  # nielweise2007 (single-zero tables and one double-zero table): publication year from the
  # label, with ties (1997, 1999, 2000, 2003, 2004); subgroups before / from 2000
  nielweise2007 = function(d) {
    year <- as.numeric(sub(".* ([0-9]{4})$", "\\1", d$study))
    list(group = ifelse(year < 2000, "before2000", "from2000"), order = year,
         order_by = "year in the study label", group_by = "year < 2000")
  },
  # pritz1997 (single arm, two studies with all events): the sample size as the order (ties at
  # 10 and 12), subgroups by size
  pritz1997 = function(d) {
    list(group = ifelse(d$total < 15, "small", "large"), order = d$total, order_by = "total",
         group_by = "total < 15")
  },
  # hine1989 (k = 6 < 10): reversed file order; a subgroup with a single study
  hine1989 = function(d) {
    list(group = c("A", "A", "B", "B", "B", "C"), order = rev(seq_len(nrow(d))),
         order_by = "reversed file order", group_by = "hand-made: A A B B B C (C has k = 1)")
  }
)

for (name in names(datasets)) {
  d <- read_data(name)
  es <- effects(d)
  meta <- datasets[[name]](d)
  k <- nrow(es)
  yi <- as.numeric(es$yi)
  vi <- as.numeric(es$vi)
  ni <- as.numeric(attr(es$yi, "ni"))
  res <- rma(yi, vi, data = es, method = "REML")
  out <- list(dataset = name, measure = attr(es$yi, "measure"),
              metafor_version = as.character(packageVersion("metafor")), R_version = R.version.string,
              date = format(Sys.time(), "%Y-%m-%d"),
              command = "Rscript scripts/reference/sensitivity_fixtures.R",
              study = d$study, yi = yi, vi = vi, ni = ni,
              full = fit_entry(yi, vi))

  # leave1out(): its own columns, plus predict() of the same leave-one-out fit for the PI
  l1 <- leave1out(res)
  pis <- t(sapply(seq_len(k), function(i) pi_of(yi[-i], vi[-i])))
  out$leave1out <- list(estimate = num(l1$estimate), se = num(l1$se), zval = num(l1$zval),
                        pval = num(l1$pval), ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub),
                        Q = num(l1$Q), Qp = num(l1$Qp), tau2 = num(l1$tau2), I2 = num(l1$I2),
                        H2 = num(l1$H2), pi_lb = pis[, 1], pi_ub = pis[, 2])

  inf <- influence(res)
  out$influence <- list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
                        cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
                        tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
                        hat = num(inf$inf$hat), weight = num(inf$inf$weight),
                        dfbs = num(inf$dfbs$intrcpt), inf = inf$inf$inf == "*")

  # cumul(): rows in the order of `order` (ties in file order: R's order() is stable)
  cu <- cumul(res, order = meta$order)
  perm <- order(meta$order)
  cpis <- t(sapply(seq_len(k), function(i) pi_of(yi[perm[seq_len(i)]], vi[perm[seq_len(i)]])))
  out$cumulative <- list(order_by = meta$order_by, key = meta$order, permutation = perm,
                         estimate = num(cu$estimate), se = num(cu$se), zval = num(cu$zval),
                         pval = num(cu$pvals), ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub),
                         Q = num(cu$Q), Qp = num(cu$Qp), tau2 = num(cu$tau2), I2 = num(cu$I2),
                         H2 = num(cu$H2), pi_lb = cpis[, 1], pi_ub = cpis[, 2])

  # subgroups: a REML fit per level, and the moderator test of rma(mods = ~ factor(g))
  g <- as.character(meta$group)
  levels <- sort(unique(g))
  per <- lapply(levels, function(l) fit_entry(yi[g == l], vi[g == l]))
  names(per) <- levels
  mod <- rma(yi, vi, mods = ~ factor(g), method = "REML")
  out$subgroups <- list(group_by = meta$group_by, group = g, levels = per,
                        test = list(QM = num(mod$QM), QMp = num(mod$QMp), df = num(mod$QMdf[1]),
                                    QE = num(mod$QE), QEp = num(mod$QEp), tau2 = num(mod$tau2), k = mod$k))

  reg <- function(predictor) {
    r <- regtest(res, predictor = predictor)
    list(zval = num(r$zval), pval = num(r$pval), est = num(r$est), ci_lb = num(r$ci.lb),
         ci_ub = num(r$ci.ub), slope = num(r$fit$beta[2]), slope_se = num(r$fit$se[2]),
         tau2 = num(r$fit$tau2), k = r$fit$k)
  }
  out$regtest <- list(sei = reg("sei"), ninv = reg("ninv"))

  tf <- trimfill(res)
  out$trimfill <- list(k0 = tf$k0, se_k0 = num(tf$se.k0), side = tf$side, estimate = num(tf$beta),
                       se = num(tf$se), zval = num(tf$zval), pval = num(tf$pval), ci_lb = num(tf$ci.lb),
                       ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2), Q = num(tf$QE), Qp = num(tf$QEp),
                       I2 = num(tf$I2), H2 = num(tf$H2), k = tf$k,
                       filled_yi = I(as.numeric(tf$yi[tf$fill])),
                       filled_vi = I(as.numeric(tf$vi[tf$fill])))

  # funnel(): contour-enhanced at p = 0.10, 0.05, 0.01 around 0, and the default 95% region
  # around the pooled estimate. funnel() draws the regions from the widest (its loop runs
  # `for (m in lvals:1)` over level = c(90, 95, 99)), so they come as p = 0.01, 0.05, 0.10.
  out$funnel <- list(contours_at_0 = funnel_regions(res, level = c(90, 95, 99), refline = 0,
                                                    shade = c("white", "gray55", "gray75")),
                     contours_p = c(0.01, 0.05, 0.10),
                     pooled = funnel_regions(res))

  file <- file.path(dir, paste0("sensitivity_", name, ".json"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), file)
  cat("wrote", file, "\n")
}

# influence()'s flag ("*") is "any of four criteria". The datasets above flag one study at most,
# so these four effect-size sets (found by a random search with set.seed(1), values rounded) each
# have a study that exactly one criterion flags: a wrong threshold or a missing criterion fails.
flag_sets <- list(
  cook_d = list(yi = c(0.186, -0.729, -0.571, -0.13, -0.004), vi = c(0.0129, 0.0353, 0.1894, 0.0055, 0.1803)),
  dfbs = list(yi = c(-0.738, 0.654, -0.116, 0.162, 0.496), vi = c(0.0028, 0.1162, 0.0037, 0.0156, 0.2087)),
  hat = list(yi = c(0.333, -0.002, 0.053, 0.073, -0.409, -0.149, 0.83, 0.312),
             vi = c(0.0299, 0.1157, 0.0021, 0.0589, 0.1646, 0.0155, 0.1764, 0.1145)),
  dffits = list(yi = c(0.195, -0.02, -1.438, 1.191, 0.446, 0.72, -0.192, 0.294, 0.191, -0.657),
                vi = c(0.077, 0.0436, 0.0095, 0.2367, 0.0047, 0.2397, 0.0073, 0.1223, 0.0133, 0.0388)))
flags <- list(metafor_version = as.character(packageVersion("metafor")), R_version = R.version.string,
              date = format(Sys.time(), "%Y-%m-%d"), command = "Rscript scripts/reference/sensitivity_fixtures.R")
for (name in names(flag_sets)) {
  yi <- flag_sets[[name]]$yi
  vi <- flag_sets[[name]]$vi
  k <- length(yi)
  inf <- influence(rma(yi, vi, method = "REML"))
  crit <- cbind(dffits = abs(inf$inf$dffits) > 3 * sqrt(1 / (k - 1)), cook_d = pchisq(inf$inf$cook.d, 1) > 0.5,
                hat = inf$inf$hat > 3 / k, dfbs = abs(inf$dfbs$intrcpt) > 1)
  only <- which(crit[, name] & rowSums(crit) == 1)
  stopifnot(length(only) >= 1)
  flags[[name]] <- list(yi = yi, vi = vi, only_this_criterion = I(only),
                        rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
                        cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
                        tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
                        hat = num(inf$inf$hat), weight = num(inf$inf$weight),
                        dfbs = num(inf$dfbs$intrcpt), inf = inf$inf$inf == "*")
}
file <- file.path(dir, "sensitivity_influence_flags.json")
writeLines(toJSON(flags, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), file)
cat("wrote", file, "\n")

#!/usr/bin/env Rscript
# Extra metafor references for hbmeta's frequentist estimators (host/frequentist*.cpp), beyond
# tests/fixtures/frequentist/frequentist.json:
#   * the Q-profile confidence interval of tau^2 (and of I^2, H^2) for every tau^2 estimator,
#     confint(rma(yi, vi, method = M))$random;
#   * Knapp-Hartung fits for every estimator, rma(yi, vi, method = M, test = "knha") + predict();
#   * meta-regression of the bcg log odds ratios on absolute latitude (metadat's dat.bcg$ablat),
#     rma(yi, vi, mods = ~ ablat, method = M, test = "z" / "knha") for every estimator;
#   * the GLMMs' heterogeneity statistics, rma.glmm(...)$QE.Wld / QE.LRT / I2 / H2 / vt, and the
#     log-likelihoods of the ML and the common-effect (method = "FE") GLMM.
# On the datasets of tests/fixtures/frequentist/*.csv (read from there, so the data are exactly
# hbmeta's), with the conventions of frequentist.json: measure "PLO" (single arm), "OR" (two
# arms), escalc/rma defaults (add = 1/2, to = "only0", drop00 = FALSE for rma).
#
#   Rscript scripts/reference/frequentist_extra.R [FIXTURE_DIR]
#   (default FIXTURE_DIR: tests/fixtures/frequentist, relative to the repository root)
#
# Writes FIXTURE_DIR/frequentist_extra.json and FIXTURE_DIR/bcg_ablat.csv (bcg.csv plus the
# ablat column from metadat::dat.bcg, matched by study label).
# Needs R with metafor, metadat, lme4 and jsonlite (Debian: apt-get install r-cran-metafor
# r-cran-jsonlite).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "tests/fixtures/frequentist"
methods <- c("DL", "REML", "ML", "PM", "SJ", "HS", "EB")

num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)[1]

read_data <- function(name) read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE)

effects <- function(d) {
  if ("events" %in% names(d)) escalc(measure = "PLO", xi = d$events, ni = d$total)
  else escalc(measure = "OR", ai = d$events_t, n1i = d$total_t, ci = d$events_c, n2i = d$total_c)
}

# confint(rma(...))$random: tau^2, tau, I^2, H^2 with their Q-profile bounds
qprofile_entry <- function(es, m) {
  res <- rma(yi, vi, data = es, method = m)
  ci <- confint(res)$random
  list(tau2 = ci["tau^2", "estimate"], tau2_ci_lb = ci["tau^2", "ci.lb"], tau2_ci_ub = ci["tau^2", "ci.ub"],
       tau_ci_lb = ci["tau", "ci.lb"], tau_ci_ub = ci["tau", "ci.ub"],
       I2 = ci["I^2(%)", "estimate"], I2_ci_lb = ci["I^2(%)", "ci.lb"], I2_ci_ub = ci["I^2(%)", "ci.ub"],
       H2 = ci["H^2", "estimate"], H2_ci_lb = ci["H^2", "ci.lb"], H2_ci_ub = ci["H^2", "ci.ub"])
}

rma_entry <- function(es, m, test) {
  res <- rma(yi, vi, data = es, method = m, test = test)
  pr <- predict(res)
  list(estimate = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2), tau = sqrt(num(res$tau2)),
       se_tau2 = num(res$se.tau2), I2 = num(res$I2), H2 = num(res$H2), Q = num(res$QE), Q_p = num(res$QEp),
       pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub), k = res$k, df = if (test == "knha") num(res$ddf) else 0)
}

regression_entry <- function(es, ablat, m, test) {
  res <- rma(yi, vi, mods = ~ ablat, data = cbind(es, ablat = ablat), method = m, test = test)
  list(beta = as.numeric(res$beta), se = as.numeric(res$se), zval = as.numeric(res$zval),
       pval = as.numeric(res$pval), ci_lb = as.numeric(res$ci.lb), ci_ub = as.numeric(res$ci.ub),
       tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), I2 = num(res$I2), H2 = num(res$H2),
       QE = num(res$QE), QE_p = num(res$QEp), QM = num(res$QM), QM_p = num(res$QMp), R2 = num(res$R2),
       k = res$k, p = res$p, df = if (test == "knha") num(res$ddf) else 0)
}

glmm_entry <- function(d, model) {
  fit <- function(method) {
    if ("events" %in% names(d))
      rma.glmm(measure = "PLO", xi = d$events, ni = d$total, method = method)
    else
      suppressWarnings(rma.glmm(measure = "OR", ai = d$events_t, n1i = d$total_t, ci = d$events_c,
                                n2i = d$total_c, model = model, method = method))
  }
  res <- fit("ML")
  fe <- tryCatch(fit("FE"), error = function(e) NULL)
  ll_fe <- if (is.null(fe)) NA_real_ else num(logLik(fe))
  # The likelihood-ratio test of tau^2 = 0 from lme4's marginal log-likelihood, refitting
  # metafor's own glmer/glm calls: logLik() of a binomial glmer is relative to the saturated
  # model (-deviance/2), glm's logLik() is the full binomial one, so the test is
  # 2 logLik(glmer) + deviance(glm). (metafor's logLik(res) is ll.QE - deviance(glmer)/2 with
  # lme4's conditional deviance, so 2 (logLik(ML) - logLik(FE)) above is not this test.)
  lrt_lme4 <- NA_real_
  if ("events" %in% names(d)) {
    study <- factor(seq_len(nrow(d)))
    y <- cbind(d$events, d$total - d$events)
    ml <- lme4::glmer(y ~ 1 + (1 | study), family = binomial, nAGQ = 7)
    lrt_lme4 <- 2 * num(logLik(ml)) + deviance(glm(y ~ 1, family = binomial))
  } else if (model == "UM.FS") {
    keep <- !((d$events_t == 0 & d$events_c == 0) | (d$events_t == d$total_t & d$events_c == d$total_c))
    dd <- d[keep, ]
    k <- nrow(dd)
    y <- cbind(c(rbind(dd$events_t, dd$events_c)), c(rbind(dd$total_t - dd$events_t, dd$total_c - dd$events_c)))
    group1 <- rep(c(1, 0), times = k)
    group <- rep(c(1/2, -1/2), times = k)
    study <- factor(rep(seq_len(k), each = 2L))
    ml <- suppressMessages(lme4::glmer(y ~ -1 + group1 + study + (group - 1 | study), family = binomial, nAGQ = 7))
    lrt_lme4 <- 2 * num(logLik(ml)) + deviance(glm(y ~ -1 + group1 + study, family = binomial))
  }
  list(estimate = num(res$beta), se = num(res$se), tau2 = num(res$tau2), k = res$k, k_yi = res$k.yi,
       QE_Wld = num(res$QE.Wld), QE_Wld_p = num(res$QEp.Wld), QE_LRT = num(res$QE.LRT),
       QE_LRT_p = num(res$QEp.LRT), QE_df = num(res$QE.df), I2 = num(res$I2), H2 = num(res$H2),
       vt = num(res$vt), loglik = num(logLik(res)), loglik_FE = ll_fe,
       LRT_tau2 = 2 * (num(logLik(res)) - ll_fe), LRT_tau2_lme4 = lrt_lme4)
}

out <- list(metafor_version = as.character(packageVersion("metafor")),
            lme4_version = as.character(packageVersion("lme4")),
            R_version = R.version.string, date = format(Sys.time(), "%Y-%m-%d"),
            command = "Rscript scripts/reference/frequentist_extra.R")

for (name in c("pritz1997", "hannum2020", "bcg", "nielweise2007", "hine1989")) {
  d <- read_data(name)
  es <- effects(d)
  two <- !("events" %in% names(d))
  entry <- list(measure = if (two) "OR" else "PLO")
  entry$qprofile <- setNames(lapply(methods, function(m) qprofile_entry(es, m)), methods)
  entry$knha <- setNames(lapply(methods, function(m) rma_entry(es, m, "knha")), paste0(methods, "_knha"))
  glmms <- if (two) c("UM.FS", "UM.RS") else "ML"
  entry$glmm <- setNames(lapply(glmms, function(g) glmm_entry(d, g)), paste0("GLMM_", glmms))
  out[[name]] <- entry
}

# bcg log OR ~ ablat, ablat from metadat's dat.bcg matched on "author year"
d <- read_data("bcg")
key <- paste(dat.bcg$author, dat.bcg$year)
ablat <- dat.bcg$ablat[match(d$study, key)]
stopifnot(!anyNA(ablat))
d$ablat <- ablat
write.csv(d, file.path(dir, "bcg_ablat.csv"), row.names = FALSE)
es <- effects(d)
reg <- list()
for (m in c("FE", methods))
  for (test in c("z", "knha"))
    reg[[paste0(m, if (test == "knha") "_knha" else "")]] <- regression_entry(es, ablat, m, test)
out$bcg_ablat_regression <- c(list(dataset = "bcg_ablat.csv", measure = "OR", mods = "~ ablat"), reg)
# The same with ablat centred at its mean: `hbmeta fit` puts the classical regressions'
# intercept where the posterior's mu is, at the covariates' means (README, meta-regression).
reg_c <- list()
for (test in c("z", "knha"))
  reg_c[[paste0("REML", if (test == "knha") "_knha" else "")]] <- regression_entry(es, ablat - mean(ablat), "REML", test)
out$bcg_ablat_regression_centred <- c(list(dataset = "bcg_ablat.csv", measure = "OR",
                                           mods = "~ I(ablat - mean(ablat))", ablat_mean = mean(ablat)), reg_c)

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(dir, "frequentist_extra.json"))
cat("wrote", file.path(dir, "frequentist_extra.json"), "and bcg_ablat.csv\n")

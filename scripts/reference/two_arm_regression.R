#!/usr/bin/env Rscript
# Long-run rstan posterior reference for two-arm meta-regression on one numeric covariate, with
# hbmeta's default priors and the intercept at the covariate's mean (the way hbmeta places
# --prior-mu; README "Meta-regression"). Output: JSON in the format of
# tests/fixtures/reference/*__hn05.json with rows "mu" (log odds ratio at the covariate's mean),
# "beta" (per unit of the covariate) and "tau", plus "covariate", "covariate_mean" and
# "metafor_reml": metafor's REML meta-regression on the centred covariate,
# rma(yi, vi, mods = ~ I(x - mean(x))) on escalc("OR") (beta, se, ci_lb, ci_ub, tau2), the
# classical fit `hbmeta fit` shows beside the posterior, with "metafor_predict": its
# predict(..., newmods = NEW_X - mean(x)) for test = "z" and "knha" at NEW_X (default: the
# covariate's largest value), the classical side of the comparison at a new clinic.
#
#   Rscript scripts/reference/two_arm_regression.R DATA.csv COLUMN OUT.json [ADAPT_DELTA] [SEED] [NEW_X]
#   e.g. Rscript scripts/reference/two_arm_regression.R \
#          tests/fixtures/reference/bcg_year.csv year tests/fixtures/reference/bcg_year__regression.json
#
# Model: two_arm_regression.stan (next to this script). Run: 4 chains x 25,000 draws after
# 1,000 warmup, adapt_delta 0.95 (default), seed 20261202 (default), cores = 2; summaries as in
# two_arm_stan_reference.R.
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
source(file.path(here, "two_arm_stan_reference.R"))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3)
  stop("usage: two_arm_regression.R DATA.csv COLUMN OUT.json [ADAPT_DELTA] [SEED] [NEW_X]")
data_csv <- args[1]; column <- args[2]; out_json <- args[3]
cfg <- list(adapt_delta = if (length(args) >= 4) as.numeric(args[4]) else 0.95,
            seed = if (length(args) >= 5) as.integer(args[5]) else 20261202L,
            chains = 4L, warmup = 1000L, draws = 25000L, cores = 2L)

model <- compiled_model(file.path(here, "two_arm_regression.stan"))
input <- read_two_arm(data_csv)
input$sdata$x <- as.numeric(input$dat[[column]])
run <- run_reference(model, input$sdata, cfg)

suppressPackageStartupMessages(library(metafor))
es <- escalc(measure = "OR", ai = input$dat$events_t, n1i = input$dat$total_t, ci = input$dat$events_c,
             n2i = input$dat$total_c)
xc <- input$sdata$x - mean(input$sdata$x)
reml <- rma(es$yi, es$vi, mods = ~ xc, method = "REML")
metafor_reml <- list(version = as.character(packageVersion("metafor")), beta = as.numeric(reml$beta),
                     se = as.numeric(reml$se), ci_lb = as.numeric(reml$ci.lb), ci_ub = as.numeric(reml$ci.ub),
                     tau2 = reml$tau2)
new_x <- if (length(args) >= 6) as.numeric(args[6]) else max(input$sdata$x)
pred_entry <- function(fit) {
  p <- predict(fit, newmods = new_x - mean(input$sdata$x))
  list(pred = as.numeric(p$pred), se = as.numeric(p$se), ci_lb = as.numeric(p$ci.lb), ci_ub = as.numeric(p$ci.ub),
       pi_lb = as.numeric(p$pi.lb), pi_ub = as.numeric(p$pi.ub))
}
metafor_predict <- list(at = new_x, z = pred_entry(reml),
                        knha = pred_entry(rma(es$yi, es$vi, mods = ~ xc, method = "REML", test = "knha")))

arr <- as.array(run$fit)
summary_rows <- lapply(c("mu", "beta", "tau"), function(v) summary_row(arr, v))
cmd <- paste("Rscript scripts/reference/two_arm_regression.R", data_csv, column, out_json, cfg$adapt_delta, cfg$seed,
             new_x)
write_reference(out_json, data_csv, cmd, cfg, run,
                list(covariate = column, covariate_mean = mean(input$sdata$x), metafor_reml = metafor_reml,
                     metafor_predict = metafor_predict,
                     prior_mu = "normal(0,10)", prior_beta = "normal(0,10)", prior_tau = "half-normal(1)",
                     prior_baseline = "normal(0,10)",
                     model = paste0("two-arm binomial-normal meta-regression, independent baselines, non-centred: ",
                                    "delta = mu + beta (x - mean(x)) + tau z; alpha~N(0,10^2); mu~N(0,10^2), ",
                                    "beta~N(0,10^2), tau~HN(1)")),
                summary_rows)

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
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
source(file.path(here, "two_arm_stan_reference.R"))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2)
  stop("usage: two_arm_study_effects.R DATA.csv OUT.json [ADAPT_DELTA] [SEED]")
data_csv <- args[1]; out_json <- args[2]
cfg <- list(adapt_delta = if (length(args) >= 3) as.numeric(args[3]) else 0.95,
            seed = if (length(args) >= 4) as.integer(args[4]) else 20261123L,
            chains = 4L, warmup = 1000L, draws = 25000L, cores = 2L)

model <- compiled_model(file.path(here, "two_arm_study_effects.stan"))
input <- read_two_arm(data_csv)
dat <- input$dat
K <- nrow(dat)
run <- run_reference(model, input$sdata, cfg)

arr <- as.array(run$fit)                            # iterations x chains x variables
summary_rows <- lapply(c("d", "tau", "delta_new", "or_pooled", "or_new"), function(v) summary_row(arr, v))
for (i in seq_len(K)) {
  summary_rows[[length(summary_rows) + 1]] <- summary_row(arr, sprintf("delta[%d]", i), sprintf("delta[%d]", i), dat$study[i])
  summary_rows[[length(summary_rows) + 1]] <- summary_row(arr, sprintf("or_study[%d]", i), sprintf("or[%d]", i), dat$study[i])
}

cmd <- paste("Rscript scripts/reference/two_arm_study_effects.R", data_csv, out_json, cfg$adapt_delta, cfg$seed)
write_reference(out_json, data_csv, cmd, cfg, run,
                list(prior_tau = "half-normal(0.5)",
                     prior_baseline = "normal(0,10)",
                     model = paste0("two-arm binomial-normal, independent baselines, non-centred: ",
                                    "yc~Bin(nc,inv_logit(alpha)), yt~Bin(nt,inv_logit(alpha+delta)), ",
                                    "delta=d+tau*z, z~N(0,1); alpha~N(0,10^2); d~N(0,10^2), tau~HN(0.5)")),
                summary_rows)

#!/usr/bin/env Rscript
# Independent standard errors for hbmeta's GLMM_UM.RS (host/frequentist/glmm_um_rs.cpp), i.e. metafor's
# rma.glmm(measure = "OR", model = "UM.RS", method = "ML"), which calls
#   lme4::glmer(cbind(x, n - x) ~ -1 + group1 + const + (group || study), nAGQ = 1)
# with group1 = 1/0 (treatment/control) and group = +1/2 / -1/2, and takes vcov() of that fit.
#
# For each dataset this writes, besides metafor's own numbers:
#   * `laplace`: the ML fit and the standard error of the pooled log odds ratio computed here
#     without lme4: the Laplace approximation of the marginal log-likelihood of the same model
#     (per study: conditional mode of the two random effects by Newton's method to |step| < 1e-14,
#     then g(u0) - log det(-g''(u0)) / 2, binomial constants included as in lme4's logLik),
#     maximised (BFGS, then Newton steps on numDeriv derivatives), and se = sqrt of the (1, 1)
#     element of the inverse of minus its Hessian in (theta, b0, sigma, tau), by numDeriv::hessian
#     (Richardson extrapolation). The pooled effect's se does not depend on how the variance
#     parameters are parametrised (sd or variance) at the maximum, so lme4's theta scale gives the
#     same number. `se_central` repeats the se with plain central differences at several steps
#     h; `fd_rel_spread` is the largest relative deviation of the h = 1e-2 ... 1e-4 values from
#     the Richardson one (the finite-difference error of the reference). `se_at_metafor` is the
#     Richardson se at metafor's (default) estimates, which shows how little the point matters.
#   * `lme4_tight`: metafor's call with control = list(glmerCtrl = list(tolPwrss = 1e-13)) (1e-12
#     where that fails; `tolPwrss` says which, `error` if both failed), i.e. lme4's own fit and
#     vcov() with PIRLS iterated (nearly) to convergence instead of to the default 1e-7.
#   * `lme4_devfun_numderiv_se`: numDeriv's Hessian of lme4's default stage-2 deviance function at
#     lme4's default optimum (se = sqrt(2 [H^-1]_beta1)): shows that lme4's finite-difference
#     Hessian is an accurate derivative of that function, so the difference is in the function.
#
#   Rscript scripts/reference/glmm_rs_se.R [FIXTURE_DIR]
#   (default FIXTURE_DIR: tests/fixtures/frequentist, relative to the repository root)
#
# Writes FIXTURE_DIR/glmm_rs_se.json and FIXTURE_DIR/collins1985b.csv (metadat's
# dat.collins1985b, pre-eclampsia: pre.xti/pre.nti treatment, pre.xci/pre.nci control), and reads
# bcg.csv and nielweise2007.csv from FIXTURE_DIR. Needs R with metafor, metadat, lme4, numDeriv
# and jsonlite.
suppressPackageStartupMessages({
  library(metafor)
  library(lme4)
  library(numDeriv)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "tests/fixtures/frequentist"

col <- metadat::dat.collins1985b
write.csv(data.frame(outcome = "collins1985b", study = paste(col$author, col$year),
                     events_t = col$pre.xti, total_t = col$pre.nti,
                     events_c = col$pre.xci, total_c = col$pre.nci),
          file.path(dir, "collins1985b.csv"), row.names = FALSE)

# Laplace log marginal likelihood of UM.RS, par = (theta, b0, sigma, tau)
laplace_ll <- function(par, d) {
  theta <- par[1]; b0 <- par[2]; s <- par[3]; t <- par[4]
  total <- 0
  for (i in seq_len(nrow(d))) {
    y <- c(d$events_t[i], d$events_c[i]); n <- c(d$total_t[i], d$total_c[i])
    off <- c(b0 + theta, b0)
    Z <- rbind(c(s, t / 2), c(s, -t / 2))
    g <- function(u) {
      eta <- c(off + Z %*% u)
      sum(y * eta - n * ifelse(eta > 0, eta + log1p(exp(-eta)), log1p(exp(eta)))) - 0.5 * sum(u^2)
    }
    hess <- function(u) {
      p <- plogis(c(off + Z %*% u))
      -t(Z) %*% diag(n * p * (1 - p), 2) %*% Z - diag(2)
    }
    u <- c(0, 0)
    for (it in 1:200) {
      p <- plogis(c(off + Z %*% u))
      step <- -solve(hess(u), c(t(Z) %*% (y - n * p)) - u)
      lam <- 1
      while (g(u + lam * step) < g(u) - 1e-12 * abs(g(u)) && lam > 1e-10) lam <- lam / 2
      u <- u + lam * step
      if (max(abs(lam * step)) < 1e-14) break
    }
    total <- total + g(u) + sum(lchoose(n, y)) - 0.5 * determinant(-hess(u))$modulus[1]
  }
  total
}

central_hessian <- function(f, x, h) {
  p <- length(x); H <- matrix(0, p, p); f0 <- f(x)
  for (i in 1:p) for (j in i:p) {
    ei <- replace(numeric(p), i, h); ej <- replace(numeric(p), j, h)
    H[i, j] <- H[j, i] <- if (i == j) (f(x + ei) - 2 * f0 + f(x - ei)) / h^2
                          else (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h^2)
  }
  H
}

rs_fit <- function(d, glmerCtrl = list()) {
  res <- rma.glmm(measure = "OR", ai = d$events_t, n1i = d$total_t, ci = d$events_c, n2i = d$total_c,
                  model = "UM.RS", method = "ML", control = list(glmerCtrl = glmerCtrl))
  list(estimate = c(res$beta), se = res$se, tau2 = res$tau2, sigma2 = res$sigma2, logLik = c(logLik(res)))
}

entry <- function(name) {
  d <- read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
  d <- d[!(d$events_t == 0 & d$events_c == 0) & !(d$events_t == d$total_t & d$events_c == d$total_c), ]
  k <- nrow(d)
  mf <- suppressWarnings(rs_fit(d))
  tight <- NULL
  for (tp in c(1e-13, 1e-12)) {  # PIRLS may not reach the tightest tolerance on every dataset
    tight <- try(suppressWarnings(rs_fit(d, list(tolPwrss = tp))), silent = TRUE)
    if (!inherits(tight, "try-error")) { tight$tolPwrss <- tp; break }
    tight <- list(error = as.character(tight), tolPwrss = tp)
  }
  # metafor's glmer call, for its b0 and its deviance function
  long <- data.frame(study = factor(rep(seq_len(k), each = 2)), x = c(rbind(d$events_t, d$events_c)),
                     n = c(rbind(d$total_t, d$total_c)), group1 = rep(c(1, 0), k),
                     group = rep(c(0.5, -0.5), k), const = 1)
  fit <- glmer(cbind(x, n - x) ~ -1 + group1 + const + (group || study), data = long,
               family = binomial, nAGQ = 1)
  stopifnot(abs(fixef(fit)[1] - mf$estimate) < 1e-12)
  dfun <- update(fit, devFunOnly = TRUE)
  pp <- c(getME(fit, "theta"), fixef(fit))
  lme4_devfun_se <- sqrt(2 * solve(hessian(dfun, pp))[3, 3])

  ll <- function(p) laplace_ll(p, d)
  at_mf <- c(mf$estimate, fixef(fit)[2], sqrt(mf$sigma2), sqrt(mf$tau2))
  opt <- optim(at_mf, function(p) -ll(p), method = "BFGS", control = list(reltol = 1e-15, maxit = 1000))
  x <- opt$par
  for (it in 1:8) x <- x - solve(hessian(ll, x), grad(ll, x))
  x[3:4] <- abs(x[3:4])
  H <- hessian(ll, x)
  se <- sqrt(solve(-H)[1, 1])
  hs <- c(1e-2, 1e-3, 1e-4)
  se_c <- sapply(hs, function(h) sqrt(solve(-central_hessian(ll, x, h))[1, 1]))
  list(k = k,
       metafor = mf,
       lme4_tight = tight,
       lme4_devfun_numderiv_se = lme4_devfun_se,
       laplace = list(estimate = x[1], b0 = x[2], sigma2 = x[3]^2, tau2 = x[4]^2, logLik = ll(x),
                      max_abs_grad = max(abs(grad(ll, x))), se = se,
                      se_central = setNames(as.list(se_c), paste0("h", format(hs, scientific = TRUE))),
                      fd_rel_spread = max(abs(se_c / se - 1)),
                      se_at_metafor = sqrt(solve(-hessian(ll, at_mf))[1, 1]),
                      laplace_loglik_at_metafor = ll(at_mf)))
}

out <- list(
  description = paste(
    "GLMM_UM.RS standard errors: metafor 3.8-1 (lme4 defaults), metafor with glmerCtrl tolPwrss = 1e-13,",
    "and an independent Laplace-likelihood Hessian (numDeriv); see scripts/reference/glmm_rs_se.R"),
  generated_by = "Rscript scripts/reference/glmm_rs_se.R",
  date = format(Sys.Date()),
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  metafor = as.character(packageVersion("metafor")),
                  lme4 = as.character(packageVersion("lme4")),
                  numDeriv = as.character(packageVersion("numDeriv"))),
  collins1985b = entry("collins1985b"),
  bcg = entry("bcg"),
  nielweise2007 = entry("nielweise2007"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(dir, "glmm_rs_se.json"))

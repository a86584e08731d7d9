#!/usr/bin/env Rscript
# tests/fixtures/design/oc_mc_1e6.json: brute-force Monte Carlo of hbmeta design's decision rule,
# written from scratch in R (no hbmeta code): the posterior probability by R's integrate() over
# the control posterior, each (y_t, y_c) decided on its own, and 1e6 simulated trials per true
# (p_t, p_c) looked up in that table. tests/design_oc_reference_test.cpp checks the exact OC
# against the frequencies within 4 binomial MCSE (sqrt(P (1 - P) / 1e6) <= 5e-4).
#   Rscript scripts/reference/design_oc_mc.R tests/fixtures/design/oc_mc_1e6.json
args <- commandArgs(trailingOnly = TRUE)
set.seed(20251203)
# The design: a robust two-component MAP for the control arm, a flat treatment prior, dual criteria.
map <- list(w = c(0.55, 0.25, 0.2), a = c(18, 7, 1), b = c(52, 9, 1))
flat <- list(w = 1, a = 1, b = 1)
n_t <- 30; n_c <- 20
criteria <- list(c(0.0, 0.95), c(0.1, 0.5))
post <- function(m, y, n) {
  lw <- log(m$w) + lbeta(m$a + y, m$b + n - y) - lbeta(m$a, m$b)
  w <- exp(lw - max(lw)); list(w = w / sum(w), a = m$a + y, b = m$b + n - y)
}
dmix <- function(m, x) rowSums(sapply(seq_along(m$w), function(k) m$w[k] * dbeta(x, m$a[k], m$b[k])))
smix <- function(m, x) {
  x <- pmin(pmax(x, 0), 1)
  rowSums(sapply(seq_along(m$w), function(k) m$w[k] * pbeta(x, m$a[k], m$b[k], lower.tail = FALSE)))
}
# P(p_t - p_c > delta): component by component of the control posterior, split at its quantiles.
prob_above <- function(pt, pc, delta) {
  total <- 0
  for (k in seq_along(pc$w)) {
    cuts <- unique(sort(c(qbeta(c(1e-12, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-12), pc$a[k], pc$b[k]))))
    f <- function(y) dbeta(y, pc$a[k], pc$b[k]) * smix(pt, y + delta)
    for (i in seq_len(length(cuts) - 1))
      total <- total + pc$w[k] * integrate(f, cuts[i], cuts[i + 1], rel.tol = 1e-10, abs.tol = 0)$value
  }
  total
}
table <- matrix(FALSE, n_t + 1, n_c + 1)
for (yt in 0:n_t) for (yc in 0:n_c) {
  pt <- post(flat, yt, n_t); pc <- post(map, yc, n_c)
  table[yt + 1, yc + 1] <- all(sapply(criteria, function(cr) prob_above(pt, pc, cr[1]) > cr[2]))
}
sims <- 1e6
points <- list(c(0.26, 0.26), c(0.5, 0.26), c(0.6, 0.3), c(0.45, 0.45))
rows <- sapply(points, function(p) {
  yt <- rbinom(sims, n_t, p[1]); yc <- rbinom(sims, n_c, p[2])
  freq <- mean(table[cbind(yt + 1, yc + 1)])
  sprintf('    {"p_t": %.2f, "p_c": %.2f, "frequency": %.6f, "mcse": %.6f}', p[1], p[2], freq, sqrt(freq * (1 - freq) / sims))
})
boundary <- apply(table, 2, function(col) if (any(col)) min(which(col)) - 1 else n_t + 1)
json <- paste0('{\n  "sims": ', sims, ',\n  "n_t": ', n_t, ', "n_c": ', n_c, ',\n',
               '  "boundary": [', paste(boundary, collapse = ", "), '],\n  "points": [\n',
               paste(rows, collapse = ",\n"), '\n  ]\n}\n')
writeLines(json, args[1], sep = "")

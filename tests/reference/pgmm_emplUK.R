# Reference values for geoaggl.models.dynamic_panel (difference GMM) from R's plm::pgmm.
# Re-run from the repository root:  Rscript tests/reference/pgmm_emplUK.R > tests/reference/pgmm_emplUK.out
# plm's "sargan" is Hansen's J (two-step weighting); vcovHC on a two-step model is Windmeijer-corrected.
suppressPackageStartupMessages(library(plm))
data("EmplUK", package = "plm")
options(digits = 10)
show <- function(label, m) {
  cat("=====", label, "\n")
  V <- vcovHC(m)
  print(cbind(coef = coef(m), se = sqrt(diag(V))), digits = 10)
  s <- sargan(m)
  cat("hansen", unname(s$statistic), "df", unname(s$parameter), "p", s$p.value, "\n")
  for (o in 1:2) {
    a <- mtest(m, order = o, vcov = V)
    cat(sprintf("AR(%d) z %.10f p %.10f\n", o, unname(a$statistic), a$p.value))
  }
  cat("n_instruments", ncol(m$W[[1]]), "\n")
}
# (A) Arellano & Bond (1991) Table 4 (b) layout with year dummies, all lags of n from 2
A <- pgmm(log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) + lag(log(output), 0:1)
          | lag(log(emp), 2:99), data = EmplUK, effect = "twoways", model = "twosteps")
show("A twoways twosteps gmm(n, 2:99)", A)
# (B) individual effects only, collapsed instruments, lags 2-3 of n and 1-2 of w; k as IV instrument
B <- pgmm(log(emp) ~ lag(log(emp), 1) + log(wage) + log(capital)
          | lag(log(emp), 2:3) + lag(log(wage), 1:2) | log(capital), data = EmplUK,
          effect = "individual", model = "twosteps", collapse = TRUE)
show("B individual twosteps collapse gmm(n, 2:3) gmm(w, 1:2) iv(k)", B)
# (C) as (B), one step, not collapsed
C <- pgmm(log(emp) ~ lag(log(emp), 1) + log(wage) + log(capital)
          | lag(log(emp), 2:3) + lag(log(wage), 1:2) | log(capital), data = EmplUK,
          effect = "individual", model = "onestep")
show("C individual onestep gmm(n, 2:3) gmm(w, 1:2) iv(k)", C)

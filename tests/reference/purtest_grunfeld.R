# Reference values for geoaggl.models.unit_root from R's plm::purtest, on plm's Grunfeld panel
# (10 firms, 1935-1954), shipped as tests/data/grunfeld.csv by this script.
# Re-run from the repository root:  Rscript tests/reference/purtest_grunfeld.R > tests/reference/purtest_grunfeld.out
# Individual ADF p-values: MacKinnon (1994) response surface (p.approx = "MacKinnon1994"), the one geoaggl uses.
suppressPackageStartupMessages(library(plm))
data("Grunfeld", package = "plm")
write.csv(Grunfeld, "tests/data/grunfeld.csv", row.names = FALSE, quote = FALSE)
options(digits = 10)
cat("urca installed:", requireNamespace("urca", quietly = TRUE), "\n")
for (v in c("inv", "value", "capital")) for (exo in c("intercept", "trend")) for (lg in list("AIC", "SIC", 1L)) {
  for (tst in c("ips", "madwu", "invnormal", "Pm")) {
    f <- as.formula(paste(v, if (exo == "trend") "~ trend" else "~ 1"))
    r <- purtest(f, data = Grunfeld, index = c("firm", "year"), test = tst, lags = lg, pmax = 4,
                 p.approx = "MacKinnon1994")
    cat(sprintf("%s %s %s %s stat %.10f p %.10f lags %s\n", v, exo, as.character(lg), tst,
                unname(r$statistic$statistic), r$statistic$p.value,
                paste(sapply(r$idres, function(x) x$lags), collapse = ",")))
  }
}

# Derive tests/data/emplUK.csv from R's plm package (data set EmplUK, Arellano & Bond 1991).
# Re-run from the repository root:  Rscript tests/reference/emplUK_csv.R
# Columns: firm, year, sector, emp, wage, capital, output as in plm, plus the logs used by
# Stata's abdata / xtabond2 examples: n = log(emp), w = log(wage), k = log(capital), ys = log(output).
library(plm)
data("EmplUK", package = "plm")
d <- EmplUK
d$n <- log(d$emp); d$w <- log(d$wage); d$k <- log(d$capital); d$ys <- log(d$output)
write.csv(d, "tests/data/emplUK.csv", row.names = FALSE, quote = FALSE)
cat("plm version", as.character(packageVersion("plm")), "\n")
cat("rows", nrow(d), "firms", length(unique(d$firm)), "years", range(d$year), "\n")

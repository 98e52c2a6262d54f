# Times survey::svyolr on a model frame written by benchmarks/bench_model.py.
#
# Used only by the benchmark (optional; the project never needs R):
#   Rscript benchmarks/svyolr_timing.R <frame.csv> <out_prefix> <repeats> <stop_after_s>
#
# <frame.csv>: ict_freq (1-5), age_group, country, gender, sector (1-based
# level codes, 1 = the project's reference level) and weight.
# Times only svydesign() + svyolr() with system.time(), up to <repeats> times
# (no further repeat once a run took longer than <stop_after_s> seconds), and
# writes <out_prefix>_times.csv (run, elapsed_s), <out_prefix>_estimates.csv
# (term, estimate, std_error; last run) and <out_prefix>_versions.csv.
suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 4)
frame_csv <- args[[1]]
out_prefix <- args[[2]]
repeats <- as.integer(args[[3]])
stop_after <- as.numeric(args[[4]])

d <- read.csv(frame_csv, colClasses = c(
  ict_freq = "integer", age_group = "integer", country = "integer",
  gender = "integer", sector = "integer", weight = "numeric"
))
for (v in c("age_group", "country", "gender", "sector")) {
  d[[v]] <- factor(d[[v]], levels = sort(unique(d[[v]])))
}

times <- numeric(0)
fit <- NULL
for (r in seq_len(repeats)) {
  gc()
  elapsed <- system.time({
    des <- svydesign(ids = ~1, strata = ~country, weights = ~weight, data = d)
    fit <- svyolr(factor(ict_freq) ~ age_group + country + gender + sector, design = des)
  })[["elapsed"]]
  times <- c(times, elapsed)
  if (elapsed > stop_after) break
}

est <- c(fit$coefficients, fit$zeta)
v <- vcov(fit)
stopifnot(identical(rownames(v), names(est)))
write.csv(data.frame(run = seq_along(times), elapsed_s = times),
  paste0(out_prefix, "_times.csv"), row.names = FALSE)
write.csv(data.frame(term = names(est), estimate = unname(est), std_error = sqrt(diag(v))),
  paste0(out_prefix, "_estimates.csv"), row.names = FALSE)
write.csv(data.frame(
  item = c("R", "survey"),
  version = c(paste(R.version$major, R.version$minor, sep = "."),
              as.character(packageVersion("survey")))
), paste0(out_prefix, "_versions.csv"), row.names = FALSE)

# Times survey::rake + svyolr + svychisq on a frame written by benchmarks/run_benchmarks.py.
#
# Used only by the benchmark (optional; the project never needs R):
#   Rscript benchmarks/survey_timing.R <frame.csv> <out_prefix> <repeats> <stop_after_s>
#
# <frame.csv>: ict_freq (1-5), age_group, country, gender, sector (1-based level
# codes, 1 = the project's reference level) and weight (the pipeline's raked weight).
# Parts timed with system.time(), each up to <repeats> times (no further repeat
# of a part once one run took longer than <stop_after_s> seconds):
#   rake:     rake() of a weight-1 design (strata = country) to the margins
#             country x age_group and country x gender of the pipeline's weights
#             (raking within country), epsilon 1e-12, maxit 200;
#   svyolr:   svydesign(ids=~1, strata=~country, weights=~weight) +
#             svyolr(factor(ict_freq) ~ age_group + country + gender + sector);
#   svychisq: svychisq(~age_group + ict_freq, statistic = "F") per country and pooled.
# Writes <out_prefix>_times.csv (part, run, elapsed_s), <out_prefix>_estimates.csv
# (svyolr: term, estimate, std_error) and <out_prefix>_versions.csv.
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
d$ict_factor <- factor(d$ict_freq)
pop_age <- as.data.frame(xtabs(weight ~ country + age_group, d))
pop_gender <- as.data.frame(xtabs(weight ~ country + gender, d))

timed <- function(part, expr_fun) {
  out <- data.frame(part = character(0), run = integer(0), elapsed_s = numeric(0))
  value <- NULL
  for (r in seq_len(repeats)) {
    gc()
    elapsed <- system.time(value <- expr_fun())[["elapsed"]]
    out <- rbind(out, data.frame(part = part, run = r, elapsed_s = elapsed))
    if (elapsed > stop_after) break
  }
  list(times = out, value = value)
}

rake_part <- timed("rake", function() {
  des0 <- svydesign(ids = ~1, strata = ~country, weights = ~ rep(1, nrow(d)), data = d)
  rake(des0, list(~ country + age_group, ~ country + gender), list(pop_age, pop_gender),
       control = list(maxit = 200, epsilon = 1e-12))
})
olr_part <- timed("svyolr", function() {
  des <- svydesign(ids = ~1, strata = ~country, weights = ~weight, data = d)
  svyolr(factor(ict_freq) ~ age_group + country + gender + sector, design = des)
})
chisq_part <- timed("svychisq", function() {
  des <- svydesign(ids = ~1, strata = ~country, weights = ~weight, data = d)
  tests <- lapply(levels(d$country), function(k) {
    svychisq(~ age_group + ict_factor, subset(des, country == k), statistic = "F")
  })
  c(tests, list(svychisq(~ age_group + ict_factor, des, statistic = "F")))
})

fit <- olr_part$value
est <- c(fit$coefficients, fit$zeta)
v <- vcov(fit)
stopifnot(identical(rownames(v), names(est)))
write.csv(rbind(rake_part$times, olr_part$times, chisq_part$times),
  paste0(out_prefix, "_times.csv"), row.names = FALSE)
write.csv(data.frame(term = names(est), estimate = unname(est), std_error = sqrt(diag(v))),
  paste0(out_prefix, "_estimates.csv"), row.names = FALSE)
write.csv(data.frame(
  item = c("R", "survey"),
  version = c(paste(R.version$major, R.version$minor, sep = "."),
              as.character(packageVersion("survey")))
), paste0(out_prefix, "_versions.csv"), row.names = FALSE)

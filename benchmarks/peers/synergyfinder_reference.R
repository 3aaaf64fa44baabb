# Run SynergyFinder 3 on drug-combination blocks and write its numbers as CSV.
#
#   Rscript synergyfinder_reference.R BLOCKS.csv OUT_PREFIX [SYNERGYFINDER_SOURCE_DIR]
#
# BLOCKS.csv: one row per well, columns block_id, drug1, drug2, conc1, conc2, response
# (% inhibition, one value per well: replicates averaged beforehand), conc_unit1.
# Writes OUT_PREFIX_blocks.csv (per block: the four block means as CalculateSynergy reports
# them, each drug's IC50 as CalculateSensitivity reports it, the model type SynergyFinder's
# FitDoseResponse ended with (LL.4, or L.4 after a failed LL.4 fit) and its parameters, and
# the wall and CPU seconds SynergyFinder took) and OUT_PREFIX_wells.csv (per well reference
# and synergy).
#
# SynergyFinder is used as installed (library(synergyfinder)) or, when a source directory
# is given, by sourcing the three R files that hold ReshapeData, CalculateSynergy and the
# dose-response fits (its plotting dependencies are not needed for these numbers). This
# script is ours; SynergyFinder's code is not part of the repository.
# Settings: ReshapeData(data_type = "inhibition", impute = FALSE, noise = FALSE);
# CalculateSynergy(method = c("ZIP", "HSA", "Bliss", "Loewe"), correct_baseline = "non").

suppressPackageStartupMessages({
  library(drc)
  library(magrittr)
})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) {
  stop("usage: Rscript synergyfinder_reference.R BLOCKS.csv OUT_PREFIX [SOURCE_DIR]")
}
if (length(args) >= 3) {
  for (f in c("Reshape_data.R", "calculate_synergy_score.R", "fit_dose_response_model.R",
              "calculate_sensitivity_score.R")) {
    source(file.path(args[3], "R", f))
  }
  sf_version <- read.dcf(file.path(args[3], "DESCRIPTION"))[1, "Version"]
} else {
  suppressPackageStartupMessages(library(synergyfinder))
  sf_version <- as.character(utils::packageVersion("synergyfinder"))
}

data <- utils::read.csv(args[1], stringsAsFactors = FALSE)
data$block_id <- as.character(data$block_id)
blocks <- unique(data$block_id)
methods <- c("ZIP", "HSA", "Bliss", "Loewe")
rows <- vector("list", length(blocks))
wells <- vector("list", length(blocks))
for (k in seq_along(blocks)) {
  one <- data[data$block_id == blocks[k], ]
  start <- proc.time()
  res <- suppressMessages(suppressWarnings({
    reshaped <- ReshapeData(one, data_type = "inhibition", impute = FALSE, noise = FALSE)
    CalculateSynergy(reshaped, method = methods, correct_baseline = "non")
  }))
  # IC50 as CalculateSensitivity computes it (non-replicated path), with the fitted model.
  single <- ExtractSingleDrug(res$response %>% dplyr::select(conc1, conc2, response))
  fits <- lapply(single, function(x) {
    model <- suppressWarnings(FitDoseResponse(x))
    par <- FindModelPar(model)
    type <- as.character(FindModelType(model))
    list(type = type, par = par,
         ic50 = suppressWarnings(CalculateIC50(par, type, max(x$dose))))
  })
  used <- proc.time() - start
  elapsed <- used[["elapsed"]]
  cpu <- used[["user.self"]] + used[["sys.self"]]
  pair <- res$drug_pairs
  row <- data.frame(block_id = blocks[k], seconds = elapsed, cpu_seconds = cpu)
  for (m in methods) row[[paste0(m, "_synergy")]] <- pair[[paste0(m, "_synergy")]]
  for (i in 1:2) {
    f <- fits[[i]]
    row[[paste0("ic50_", i)]] <- f$ic50
    row[[paste0("model_", i)]] <- f$type
    for (j in 1:4) row[[paste0(c("b", "c", "d", "e")[j], "_", i)]] <- unname(f$par[j])
  }
  rows[[k]] <- row
  scores <- res$synergy_scores
  wells[[k]] <- as.data.frame(scores)
}
out <- do.call(rbind, rows)
attr_line <- sprintf("synergyfinder %s (%s), drc %s, %s", sf_version,
                     if (length(args) >= 3) "sourced" else "installed",
                     as.character(utils::packageVersion("drc")), R.version.string)
# Every digit (SynergyFinder sets options(scipen = 999), which prints small numbers in
# fixed notation with few significant digits).
exact <- function(frame) {
  for (col in names(frame)) {
    if (is.double(frame[[col]])) frame[[col]] <- sprintf("%.17g", frame[[col]])
  }
  frame
}
utils::write.csv(exact(out), paste0(args[2], "_blocks.csv"), row.names = FALSE)
utils::write.csv(exact(do.call(rbind, wells)), paste0(args[2], "_wells.csv"),
                 row.names = FALSE)
writeLines(attr_line, paste0(args[2], "_versions.txt"))

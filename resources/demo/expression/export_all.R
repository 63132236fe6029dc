# Write the Bioconductor ALL cohort as two plain tables for make_demo.py:
#   <out>/exprs.tsv  probes x patients, log2 RMA values as stored in the package (17 significant digits)
#   <out>/pdata.tsv  one row per patient: sample, mol.biol, BT
# Usage: Rscript export_all.R <out_dir>
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 1)
suppressMessages(library(ALL))
data(ALL)
x <- Biobase::exprs(ALL)
write.table(format(x, digits = 17, trim = TRUE), file.path(args[1], "exprs.tsv"), sep = "\t", quote = FALSE,
            col.names = NA)
pd <- data.frame(sample = colnames(x), mol.biol = as.character(ALL$mol.biol), BT = as.character(ALL$BT))
write.table(pd, file.path(args[1], "pdata.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
cat(sprintf("ALL %s: %d probes x %d patients\n", packageVersion("ALL"), nrow(x), ncol(x)))

"""Rule train_detector: one detector, one strategy, one replicate seed; threshold on val, metrics on test."""


import numpy as np
import pandas as pd

from genaug.augment import rare_class
from genaug.detect import train_detector
from genaug.detect.evaluate import evaluate
from genaug.encode.coverage import downsampled_rows
from genaug.items import ItemSet
from genaug.logs import rule_script
from genaug.outputs import write_json, write_tsv
from genaug.split import load_split
from genaug.tensors import load_encoded, load_weights

with rule_script(snakemake) as log:
    p, w, out = snakemake.params, snakemake.wildcards, snakemake.output
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    positive = rare_class(enc.y[split.train])
    # items are read from the files a batch at a time: memory does not grow with their number
    X_syn = ItemSet.from_file(snakemake.input.synthetic) if "synthetic" in snakemake.input.keys() else None
    X_val_real = ItemSet.from_file(snakemake.input.encoded, split.val)
    X_val, y_val = X_val_real, enc.y[split.val]
    X_train, y_train = ItemSet.from_file(snakemake.input.encoded, split.train), enc.y[split.train]
    if "downsampled" in snakemake.input.keys():  # sv: train and val items again at lower coverage
        ds, low_y = snakemake.input.downsampled, load_encoded(snakemake.input.downsampled, mmap=True).y
        tr, va = downsampled_rows(ds, split.train), downsampled_rows(ds, split.val)
        X_train, y_train = X_train.concat(ItemSet.from_file(ds, tr)), np.r_[y_train, low_y[tr]]
        X_val, y_val = X_val.concat(ItemSet.from_file(ds, va)), np.r_[y_val, low_y[va]]
        log.info("train %d items plus %d at lower coverage; val %d plus %d", len(split.train), len(tr),
                 len(split.val), len(va))
    graph = None
    if "graph" in snakemake.input.keys():  # gcn: the gene graph over the encoded genes
        from genaug.encode.expression import edge_index, read_genes
        genes = read_genes(snakemake.input.genes)["gene"].tolist()
        graph = edge_index(pd.read_csv(snakemake.input.graph, sep="\t", dtype={"gene_a": str, "gene_b": str}), genes)
    result = train_detector(w.detector, w.strategy, X_train, y_train, X_val,
                            y_val, list(enc.classes), positive, enc.layout, channels=enc.channels,
                            X_synthetic=X_syn, settings=p.settings, seed=p.seed, threads=snakemake.threads,
                            graph=graph)
    result.detector.save(out.model)
    write_tsv(pd.DataFrame(result.history, columns=["epoch", "train_loss", "val_loss", "val_auprc"]), out.history)
    # the model is fixed: only now are the test items read
    metrics, preds = evaluate(result.detector, ItemSet.from_file(snakemake.input.encoded, split.test),
                              enc.y[split.test], split.test, X_val_real, enc.y[split.val], snakemake.threads,
                              weights=load_weights(snakemake.input.encoded), val_idx=split.val)
    metrics.update(dataset=w.dataset, detector=w.detector, strategy=w.strategy, replicate=int(w.seed), seed=p.seed,
                   best_epoch=result.best_epoch, device=result.device, calibration=result.calibration,
                   n_train_real=len(split.train), n_train_downsampled=len(y_train) - len(split.train),
                   n_train_synthetic=0 if X_syn is None else len(X_syn))
    write_tsv(preds, out.predictions)
    write_json(metrics, out.metrics)
    t = metrics["test"]
    # wall-clock time goes to the log (and the rule's benchmark), never into compared outputs
    log.info("trained in %.1f s on %s", result.seconds, result.device)
    log.info("%s %s seed %s: test precision %.3f recall %.3f F1 %.3f AUPRC %.3f (threshold %.3g from val)",
             w.detector, w.strategy, w.seed, t["precision"], t["recall"], t["f1"], t["auprc"], metrics["threshold"])

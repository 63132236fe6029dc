"""Names in the config are checked when the DAG is built: a dry run fails naming the key."""

from test_workflow import DS, planned_jobs, snakemake, tiny_config, write_config


def dry_run(tmp_path, config):
    write_config(tmp_path, config)
    return snakemake(tmp_path, "-n")


def test_a_misspelt_generator_fails_the_dry_run_naming_the_key(tmp_path):
    config = tiny_config()
    config["datasets"][DS]["generators"] = ["classic", "genegn"]
    p = dry_run(tmp_path, config)
    assert p.returncode != 0
    assert "'genegn' is not one of" in p.out and "generators" in p.out, p.out[-2000:]


def test_a_generator_that_does_not_suit_the_layout_fails_the_dry_run_naming_the_key(tmp_path):
    config = tiny_config()
    config["datasets"][DS]["generators"] = ["classic", "rbm"]
    p = dry_run(tmp_path, config)
    assert p.returncode != 0
    assert (f"config: datasets.{DS}.generators: generator 'rbm' does not learn image items (dataset {DS}, "
            "kind sv); generators for image: genegan, dcgan, wgan_gp, cvae, reads, classic") in p.out, p.out[-2000:]
    config = tiny_config()
    config["generate"] = {"generators": ["gru"]}
    p = dry_run(tmp_path, config)
    assert p.returncode != 0 and "config: generate.generators: generator 'gru' does not learn image items" in p.out


def test_the_read_level_generator_is_for_pileups_only(tmp_path):
    from test_haplotypes_workflow import DS as HAP
    from test_haplotypes_workflow import hap_config
    config = hap_config()
    config["datasets"][HAP]["generators"] = ["rbm", "reads"]
    p = dry_run(tmp_path, config)
    assert p.returncode != 0
    assert f"config: datasets.{HAP}.generators: generator 'reads' does not learn binary items" in p.out, p.out[-2000:]


def test_a_datasets_own_strategies_replace_detect_strategies(tmp_path):
    config = tiny_config()
    config["datasets"][DS].update(generators=["classic", "reads"], detectors=["cnn"], strategies=["none"],
                                  max_train_positives=3)
    config["detect"] = {"strategies": ["none", "class_weight", "oversample"], "replicates": 2}
    p = dry_run(tmp_path, config)
    assert p.returncode == 0, p.out[-2000:]
    assert planned_jobs(p.out)["train_detector"] == 6  # cnn x (none, classic, reads) x 2 seeds
    assert f"results/{DS}/detect/cnn/reads/seed2/model.pt" in p.out and "class_weight" not in p.out
    config["datasets"][DS]["strategies"] = ["oversample"]
    p = dry_run(tmp_path, config)
    assert p.returncode != 0 and "strategies" in p.out


def test_a_detector_that_does_not_take_the_layout_fails_the_dry_run_naming_the_key(tmp_path):
    config = tiny_config()
    config["detect"]["detectors"] = {"sv": ["mlp"]}
    p = dry_run(tmp_path, config)
    assert p.returncode != 0
    assert ("config: detect.detectors.sv: detector 'mlp' does not take image items (dataset tiny, kind sv); "
            "detectors for image: cnn, logistic") in p.out, p.out[-2000:]
    config = tiny_config()
    config["datasets"][DS]["detectors"] = ["cnn", "logreg"]
    p = dry_run(tmp_path, config)
    assert p.returncode != 0 and "'logreg' is not one of" in p.out


def test_logistic_among_the_strategies_still_runs_as_the_logistic_detector(tmp_path):
    config = tiny_config()
    config["detect"] = {"strategies": ["none", "logistic"], "replicates": 2}
    config["datasets"][DS]["detectors"] = ["cnn"]
    p = dry_run(tmp_path, config)
    assert p.returncode == 0, p.out
    assert "'logistic' is deprecated there" in p.out
    assert planned_jobs(p.out)["train_detector"] == 3  # cnn none x 2 seeds, logistic none x 1
    assert f"results/{DS}/detect/logistic/none/seed1/model.pt" in p.out


def test_the_old_generator_name_gan_still_runs_as_mlpgan(tmp_path):
    from test_haplotypes_workflow import DS as HAP
    from test_haplotypes_workflow import hap_config
    config = hap_config()
    config["datasets"][HAP]["generators"] = ["rbm", "gan"]
    config["generate"]["settings"] = {"gan": {"steps": 5}}
    p = dry_run(tmp_path, config)
    assert p.returncode == 0, p.out[-2000:]
    assert "renamed generator ('gan' is now 'mlpgan')" in p.out
    assert f"results/{HAP}/generators/mlpgan/model.pt" in p.out and "generators/gan/" not in p.out


def test_a_datasets_own_strategies_replace_detect_strategies_and_must_hold_none(tmp_path):
    config = tiny_config()
    config["detect"] = {"strategies": ["none", "class_weight", "oversample"], "replicates": 2}
    config["datasets"][DS].update(detectors=["cnn"], generators=["classic"], strategies=["none", "oversample"])
    p = dry_run(tmp_path, config)
    assert p.returncode == 0, p.out
    assert planned_jobs(p.out)["train_detector"] == 6  # cnn x (none, oversample, classic) x 2 seeds
    assert f"results/{DS}/detect/cnn/oversample/seed2/model.pt" in p.out
    assert f"results/{DS}/detect/cnn/class_weight/" not in p.out
    config["datasets"][DS]["strategies"] = ["class_weight"]
    p = dry_run(tmp_path, config)
    assert p.returncode != 0
    assert f"config: datasets.{DS}.strategies: 'none' is required" in p.out, p.out[-2000:]

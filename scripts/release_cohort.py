"""Rule release_cohort: the audited cohort VCF becomes the release file only if the privacy gate passed."""

import json
import shutil

from genaug.errors import InputError
from genaug.logs import rule_script
from genaug.outputs import file_sha256, replacing

with rule_script(snakemake) as log:
    i, o, w = snakemake.input, snakemake.output, snakemake.wildcards
    with open(i.audit) as f:
        audit = json.load(f)
    if audit["sha256"] != file_sha256(i.vcf):
        raise InputError(i.vcf, f"is not the file {i.audit} audited; re-run audit_release")
    if not audit["gate"]["passed"]:
        raise InputError(i.audit, f"the privacy gate refused {w.generator}: {'; '.join(audit['gate']['reasons'])}; "
                                  f"nothing released (the refused cohort stays in {i.vcf})")
    with replacing(o.vcf, o.index) as (tmp_vcf, tmp_index):
        shutil.copyfile(i.vcf, tmp_vcf)
        shutil.copyfile(i.vcf + ".tbi", tmp_index)
    log.info("released %s (privacy gate passed)", o.vcf)

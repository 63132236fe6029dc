"""A throw-away one-node SLURM cluster for tests, run as root from a temp directory.

Debian's slurm-wlm and munge (plus mariadb-server and slurmdbd for accounting),
their daemons started here in the foreground, each in its own session, and
stopped by PID. Nothing is written outside the directory; clients reach the
cluster through ``env`` (SLURM_CONF, and an ``srun`` wrapper first on PATH that
puts SLURM_CONF back for the slurm executor's job step, which strips it).
"""

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scontrol", "scancel", "sinfo"]
ACCOUNTING = ["slurmdbd", "sacct", "sacctmgr", "mariadb-install-db", "mariadbd"]
SBIN = ["/usr/sbin", "/sbin"]


def missing_binaries(accounting=True):
    """Names of the programs a cluster needs that are not installed."""
    return [b for b in DAEMONS + (ACCOUNTING if accounting else []) if _which(b) is None]


def _which(name):
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child: a SIGTERM when the test process dies, so no daemon outlives a killed run."""
    os.setsid()
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait(what, check, timeout, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tails = "".join(f"\n--- {p}\n" + (Path(p).read_text(errors="replace")[-2000:] if Path(p).exists() else "(none)")
                    for p in logs)
    raise TimeoutError(f"{what} not ready after {timeout} s{tails}")


class OneNodeSlurm:
    """One slurmctld, one slurmd (node ``localhost`` with the machine's CPUs and a fake GPU), munged,
    and with ``accounting`` slurmdbd on its own MariaDB, so that ``sacct`` reports every job."""

    def __init__(self, root, accounting=True, name="genaug", min_memory_mb=0):
        self.root = Path(root)
        self.min_memory_mb = min_memory_mb  # memory the node declares at least (SLURM does not enforce it here)
        self.accounting = accounting
        self.name = name
        self.procs = {}  # daemon name -> Popen
        self.conf = self.root / "etc" / "slurm.conf"
        self.bin = self.root / "bin"
        self.log = self.root / "log"
        self.munge_socket = self.root / "munge" / "munge.socket"

    # --- environment for clients --------------------------------------------------------

    @property
    def env(self):
        env = dict(os.environ)
        env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", ""), *SBIN])
        for var in [v for v in env if v.startswith(("SBATCH_", "SRUN_", "SQUEUE_", "SACCT_"))]:
            del env[var]
        return env

    @contextlib.contextmanager
    def active(self):
        """os.environ pointed at this cluster (for child processes such as snakemake), restored after."""
        saved, env = dict(os.environ), self.env
        os.environ.clear()
        os.environ.update(env)
        try:
            yield self
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def cmd(self, *args, timeout=30):
        """Run a SLURM client command against this cluster; returns stdout, raises with stderr on failure."""
        p = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p.stdout

    # --- bring-up -------------------------------------------------------------------------

    def _spawn(self, name, args):
        out = open(self.log / f"{name}.out", "wb")
        self.procs[name] = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=self.env, cwd=self.root, preexec_fn=_die_with_parent)
        out.close()
        with (self.root / "pids").open("a") as f:
            f.write(f"{name} {self.procs[name].pid}\n")

    def _alive(self, name):
        if self.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited with {self.procs[name].returncode}; its log: "
                               f"{self.log / (name + '.out')}\n" + (self.log / f"{name}.out").read_text()[-2000:])
        return True

    def _client_ok(self, *args):
        return subprocess.run(list(args), env=self.env, capture_output=True, timeout=10).returncode == 0

    def start(self, timeout=60):
        for d in ("etc", "bin", "log", "munge", "state", "spool", "run", "db"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "munge", 0o700)
        self._write_srun_wrapper()
        ports = {k: _free_port() for k in ("ctld", "slurmd", "dbd", "mysql")}
        self._write_slurm_conf(ports)

        key = self.root / "munge" / "munge.key"
        subprocess.run([_which("mungekey"), "-c", "-k", str(key)], check=True, capture_output=True, timeout=30)
        self._spawn("munged", [_which("munged"), "-F", "--force", f"--key-file={key}",
                               f"--socket={self.munge_socket}", f"--log-file={self.log / 'munged.log'}",
                               f"--pid-file={self.root / 'run' / 'munged.pid'}",
                               f"--seed-file={self.root / 'munge' / 'munged.seed'}"])
        _wait("munged", lambda: self._alive("munged") and self.munge_socket.exists(), timeout,
              [self.log / "munged.log"])

        if self.accounting:
            self._start_accounting(ports, timeout)

        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-f", str(self.conf)])
        _wait("slurmctld", lambda: self._alive("slurmctld") and self._client_ok(_which("scontrol"), "ping"),
              timeout, [self.log / "slurmctld.log"])
        self._spawn("slurmd", [_which("slurmd"), "-D", "-N", "localhost", "-f", str(self.conf)])
        _wait("node localhost idle",
              lambda: self._alive("slurmd") and self.cmd(_which("sinfo"), "-h", "-N", "-o", "%t").strip() == "idle",
              timeout, [self.log / "slurmd.log", self.log / "slurmctld.log"])
        return self

    def _start_accounting(self, ports, timeout):
        db = self.root / "db"
        subprocess.run([_which("mariadb-install-db"), "--no-defaults", f"--datadir={db}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
                       check=True, capture_output=True, timeout=120)
        sock = self.root / "run" / "mysqld.sock"
        self._spawn("mariadbd", [_which("mariadbd"), "--no-defaults", f"--datadir={db}", "--user=root",
                                 f"--socket={sock}", f"--port={ports['mysql']}", "--bind-address=127.0.0.1",
                                 "--skip-name-resolve", f"--pid-file={self.root / 'run' / 'mariadbd.pid'}",
                                 f"--log-error={self.log / 'mariadbd.log'}", "--innodb-buffer-pool-size=32M",
                                 "--innodb-log-file-size=8M", "--skip-log-bin"])

        def mysql_up():
            self._alive("mariadbd")
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", ports["mysql"])) == 0

        _wait("mariadbd", mysql_up, timeout, [self.log / "mariadbd.log"])
        self._spawn("slurmdbd", [_which("slurmdbd"), "-D"])

        def dbd_up():
            self._alive("slurmdbd")
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", ports["dbd"])) == 0

        _wait("slurmdbd", dbd_up, timeout, [self.log / "slurmdbd.log"])
        # the cluster, an account and root's association, so that jobs are recorded against them
        self.cmd(_which("sacctmgr"), "-i", "add", "cluster", self.name)
        self.cmd(_which("sacctmgr"), "-i", "add", "account", "genaug", "Description=tests", "Organization=tests")
        self.cmd(_which("sacctmgr"), "-i", "add", "user", "root", "Account=genaug", "DefaultAccount=genaug")

    def _write_srun_wrapper(self):
        real = _which("srun")
        wrapper = self.bin / "srun"
        wrapper.write_text(f'#!/bin/sh\n# the slurm executor\'s job step drops SLURM_CONF before its srun\n'
                           f'export SLURM_CONF="{self.conf}"\nexec "{real}" "$@"\n')
        wrapper.chmod(0o755)

    def _write_slurm_conf(self, ports):
        node = dict(kv.split("=", 1) for kv in subprocess.run(
            [_which("slurmd"), "-C"], capture_output=True, text=True, check=True, timeout=30).stdout.split()
            if "=" in kv)
        r = self.root
        memory = max(int(node["RealMemory"]), self.min_memory_mb)
        lines = [
            f"ClusterName={self.name}",
            "SlurmctldHost=localhost",
            f"SlurmctldPort={ports['ctld']}",
            f"SlurmdPort={ports['slurmd']}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={r / 'state'}",
            f"SlurmdSpoolDir={r / 'spool'}",
            f"SlurmctldPidFile={r / 'run' / 'slurmctld.pid'}",
            f"SlurmdPidFile={r / 'run' / 'slurmd.pid'}",
            f"SlurmctldLogFile={self.log / 'slurmctld.log'}",
            f"SlurmdLogFile={self.log / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "SlurmdParameters=config_overrides",  # the node line below, not what slurmd detects, counts
            "SchedulerType=sched/backfill",
            "MpiDefault=none",
            "ReturnToService=2",
            "DefMemPerCPU=1000",  # without it a job that names no memory takes all of it
            "MinJobAge=300",  # squeue keeps ended jobs 5 min: enough for the plugin's squeue status
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "GresTypes=gpu",
            "JobAcctGatherType=jobacct_gather/none",
        ]
        if self.accounting:
            lines += [
                "AccountingStorageType=accounting_storage/slurmdbd",
                "AccountingStorageHost=localhost",
                f"AccountingStoragePort={ports['dbd']}",
                f"AccountingStoragePass={self.munge_socket}",  # or sacctmgr cannot reach munge
                "AccountingStorageTRES=gres/gpu",
                "AccountingStoreFlags=job_comment",  # sacct shows the plugin's rule_<name>_wildcards_<...>
            ]
        else:
            lines += ["AccountingStorageType=accounting_storage/none"]
        lines += [
            f"NodeName=localhost CPUs={node['CPUs']} Boards={node.get('Boards', 1)} "
            f"SocketsPerBoard={node['SocketsPerBoard']} CoresPerSocket={node['CoresPerSocket']} "
            f"ThreadsPerCore={node['ThreadsPerCore']} RealMemory={memory} Gres=gpu:1 State=UNKNOWN",
            "PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        ]
        self.conf.write_text("\n".join(lines) + "\n")
        # a fake GPU: --gpus=1 jobs schedule; nothing in them can use it
        (self.conf.parent / "gres.conf").write_text("NodeName=localhost AutoDetect=off Name=gpu File=/dev/null\n")
        if self.accounting:
            dbd = self.conf.parent / "slurmdbd.conf"
            dbd.write_text("\n".join([
                "AuthType=auth/munge",
                f"AuthInfo=socket={self.munge_socket}",
                "DbdHost=localhost",
                f"DbdPort={ports['dbd']}",
                "SlurmUser=root",
                f"PidFile={r / 'run' / 'slurmdbd.pid'}",
                f"LogFile={self.log / 'slurmdbd.log'}",
                "StorageType=accounting_storage/mysql",
                "StorageHost=127.0.0.1",
                f"StoragePort={ports['mysql']}",
                "StorageUser=root",
                "StorageLoc=slurm_acct_db",
            ]) + "\n")
            dbd.chmod(0o600)

    # --- tear-down ---------------------------------------------------------------------------

    def stop(self, timeout=20):
        """Cancel what is left in the queue, then stop every daemon by PID (SIGTERM, then SIGKILL)."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            subprocess.run([_which("scancel"), "--user", "root"], env=self.env, capture_output=True, timeout=15)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                q = subprocess.run([_which("squeue"), "-h", "-o", "%i"], env=self.env, capture_output=True,
                                   text=True, timeout=15)
                if q.returncode != 0 or not q.stdout.strip():
                    break
                time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged"):
            p = self.procs.get(name)
            if p is None or p.poll() is not None:
                continue
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)

    def running(self):
        """Names of the daemons still running."""
        return [name for name, p in self.procs.items() if p.poll() is None]

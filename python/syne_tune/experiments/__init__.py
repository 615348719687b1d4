"""Experiment analysis, as ``syne_tune.experiments`` of Syne Tune.

Reads an experiment folder ``<root>/<tuner_name>/`` written by synetune (or by Syne Tune):
``metadata.json``, ``results.csv.zip`` and the result journal ``journal.jsonl``. The journal is
appended the moment a result arrives, so it is used whenever it is newer than the table (a
running experiment) or the table is missing.

pandas and matplotlib are imported lazily: training scripts importing ``syne_tune`` never pay
for them.
"""
import glob
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

__all__ = ["ExperimentResult", "load_experiment", "list_experiments", "experiment_path"]

ST_TUNER_TIME = "st_tuner_time"
ST_TUNER_CREATION_TIMESTAMP = "st_tuner_creation_timestamp"


def experiment_path(tuner_name: Optional[str] = None, root: Optional[Union[str, Path]] = None) -> Path:
    """Root of the experiments ($SYNETUNE_FOLDER or ~/syne-tune), or the folder of ``tuner_name``."""
    if root is None:
        env = os.environ.get("SYNETUNE_FOLDER")
        root = Path(os.path.expanduser(env)) if env else Path.home() / "syne-tune"
    root = Path(root)
    return root / tuner_name if tuner_name else root


def _read_journal(path: Path):
    """Rows (dicts in results.csv column order), trial configs, and whether tuning ended."""
    rows, configs, metric_keys, extra_keys = [], {}, [], []
    finished = False
    with open(path, "r") as f:
        lines = f.read().split("\n")
    for line in lines:
        if not line.strip():
            continue
        try:
            j = json.loads(line)  # Python's json reads NaN / Infinity as written by synetune
        except ValueError:
            continue  # truncated last line: the tuner was killed mid-write
        event = j.get("event")
        if event == "tuning_start":
            finished = False
        elif event == "tuning_end":
            finished = True
        elif event == "trial_start":
            configs[j["trial_id"]] = j.get("config", {})
        elif event == "result":
            row = {}
            for k, v in j.get("result", {}).items():
                if k not in metric_keys:
                    metric_keys.append(k)
                row[k] = v
            for k, v in j.get("extra", {}).items():
                if k not in extra_keys:
                    extra_keys.append(k)
                row[k] = v
            row.update(
                st_decision=j.get("decision", "CONTINUE"),
                st_status=j.get("status", "InProgress"),
                trial_id=j["trial_id"],
                st_tuner_time=j.get("time"),
            )
            rows.append(row)
    return rows, configs, metric_keys, extra_keys, finished


def _results_from_journal(path: Path):
    import pandas as pd

    rows, configs, metric_keys, extra_keys, finished = _read_journal(path)
    config_keys = []
    for cfg in configs.values():
        for k in cfg:
            if k not in config_keys:
                config_keys.append(k)
    for row in rows:
        cfg = configs.get(row["trial_id"], {})
        for k in config_keys:
            if k in cfg:
                row["config_" + k] = cfg[k]
    columns = metric_keys + ["st_decision", "st_status", "trial_id"]
    columns += ["config_" + k for k in config_keys] + [ST_TUNER_TIME]
    columns += [k for k in extra_keys if k not in columns]
    return pd.DataFrame(rows, columns=columns), finished


class ExperimentResult:
    """Results, metadata and name of one experiment (Syne Tune's ``ExperimentResult``)."""

    def __init__(self, name: str, results, metadata: Dict[str, Any], path: Path,
                 finished: Optional[bool] = None):
        self.name = name
        self.results = results
        self.metadata = metadata
        self.path = path
        self.finished = finished
        self.tuner = None  # no pickled tuner in synetune; see `synetune resume`

    def __str__(self):
        res = f"Experiment {self.name}"
        if self.results is not None and len(self.results) > 0:
            res += f" contains {len(self.results)} evaluations from {self.results.trial_id.nunique()} trials"
        return res

    def metric_names(self) -> List[str]:
        names = self.metadata.get("metric_names", [])
        return [names] if isinstance(names, str) else list(names)

    def metric_mode(self) -> Union[str, List[str]]:
        return self.metadata.get("metric_mode", "min")

    def entrypoint_name(self) -> str:
        return self.metadata.get("entrypoint", "")

    def creation_date(self):
        from datetime import datetime

        return datetime.fromtimestamp(self.metadata.get(ST_TUNER_CREATION_TIMESTAMP, 0))

    def _metric(self, metric: Union[str, int]):
        names = self.metric_names()
        if isinstance(metric, str):
            if metric not in names:
                raise ValueError(f"metric {metric!r} is not one of {names}")
            index = names.index(metric)
        else:
            if not 0 <= metric < len(names):
                raise ValueError(f"metric index {metric} out of range: metrics are {names}")
            index = metric
        mode = self.metric_mode()
        if isinstance(mode, list):
            mode = mode[index]
        return names[index], mode

    def best_config(self, metric: Union[str, int] = 0) -> Dict[str, Any]:
        """The row with the best value of the metric, ``st_*`` columns dropped."""
        name, mode = self._metric(metric)
        df = self.results
        values = df[name]
        best_index = values.idxmin() if mode == "min" else values.idxmax()
        row = df.loc[best_index].to_dict()
        return {k: v for k, v in row.items() if not k.startswith("st_")}

    def best_so_far(self, metric: Union[str, int] = 0):
        """(st_tuner_time, cummin/cummax of the metric) sorted by time."""
        name, mode = self._metric(metric)
        df = self.results.dropna(subset=[name]).sort_values(ST_TUNER_TIME)
        y = df[name].cummin() if mode == "min" else df[name].cummax()
        return df[ST_TUNER_TIME], y

    def plot(self, metric_to_plot: Union[str, int] = 0, figure_path: Optional[str] = None, **plt_kwargs):
        """Best result so far over tuner time ("Best result over time <name>")."""
        plt = _pyplot()
        name, _ = self._metric(metric_to_plot)
        fig, ax = plt.subplots()
        if self.results is not None and len(self.results) > 0:
            x, y = self.best_so_far(metric_to_plot)
            ax.step(x, y, where="post", **plt_kwargs)
        ax.set_xlabel("wallclock time")
        ax.set_ylabel(name)
        ax.set_title(f"Best result over time {self.name}")
        _finish(plt, fig, figure_path)
        return fig

    def plot_trials_over_time(self, metric_to_plot: Union[str, int] = 0, figure_path: Optional[str] = None,
                              figsize=None):
        """Each trial's metric over tuner time; a red x where the scheduler stopped it."""
        plt = _pyplot()
        name, _ = self._metric(metric_to_plot)
        fig, ax = plt.subplots(1, 1, figsize=figsize if figsize else (12, 4))
        df = self.results
        for trial_id in sorted(df.trial_id.unique()):
            df_trial = df[df.trial_id == trial_id]
            df_trial.plot(x=ST_TUNER_TIME, y=name, marker=".", ax=ax, legend=None, alpha=0.5)
        df_stop = df[df["st_decision"] == "STOP"]
        ax.scatter(df_stop[ST_TUNER_TIME], df_stop[name], marker="x", color="red")
        ax.set_xlabel("wallclock time")
        ax.set_ylabel(name)
        ax.set_title("Trials value over time")
        _finish(plt, fig, figure_path)
        return fig


def _pyplot():
    import matplotlib

    if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")  # no display (server, CI): render to files only
    import matplotlib.pyplot as plt

    return plt


def _finish(plt, fig, figure_path):
    if figure_path is not None:
        fig.savefig(figure_path)
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        plt.show()


def _load_folder(path: Path, name: Optional[str] = None) -> ExperimentResult:
    import pandas as pd

    metadata = {}
    if (path / "metadata.json").exists():
        with open(path / "metadata.json") as f:
            metadata = json.load(f)
    journal, csv_zip, csv = path / "journal.jsonl", path / "results.csv.zip", path / "results.csv"
    finished = None
    if journal.exists() and (not csv_zip.exists() or journal.stat().st_mtime >= csv_zip.stat().st_mtime):
        results, finished = _results_from_journal(journal)
    elif csv_zip.exists():
        results = pd.read_csv(csv_zip)
    elif csv.exists():
        results = pd.read_csv(csv)
    else:
        results = None
    if finished is None and journal.exists():
        finished = _read_journal(journal)[4]
    return ExperimentResult(name=name or metadata.get("tuner_name", path.name), results=results,
                            metadata=metadata, path=path, finished=finished)


def _is_experiment(path: Path) -> bool:
    return path.is_dir() and ((path / "metadata.json").exists() or (path / "journal.jsonl").exists())


def load_experiment(tuner_name: str, root: Optional[Union[str, Path]] = None,
                    local_path: Optional[str] = None, **kwargs) -> ExperimentResult:
    """Loads ``<root>/<tuner_name>`` (``tuner_name`` may also be a folder, or a unique prefix)."""
    if local_path is not None and root is None:
        root = local_path  # Syne Tune's keyword
    if _is_experiment(Path(tuner_name)):
        return _load_folder(Path(tuner_name))
    base = experiment_path(root=root)
    # A name is looked up under the root only: "..", absolute paths and glob characters could
    # otherwise read any folder (an explicit folder path is handled above, as the CLI does).
    inside = (base / tuner_name).resolve()
    if tuner_name in ("", ".") or not inside.is_relative_to(base.resolve()) or inside == base.resolve():
        raise ValueError(f"experiment name {tuner_name!r} is not a name under {base}: use letters, "
                         "digits, '-', '_', '.' and '/' between nested names")
    if _is_experiment(base / tuner_name):
        return _load_folder(base / tuner_name)
    pattern = glob.escape(tuner_name) + "*"
    matches = sorted(p for p in base.glob(pattern) if _is_experiment(p)) if base.is_dir() else []
    if len(matches) == 1:
        return _load_folder(matches[0])
    if len(matches) > 1:
        raise ValueError(f"experiment name {tuner_name!r} is ambiguous under {base}: "
                         f"{[m.name for m in matches]}")
    raise FileNotFoundError(f"no experiment {tuner_name!r} under {base} (set root= or SYNETUNE_FOLDER)")


def list_experiments(path_filter=None, experiment_filter=None, root: Optional[Union[str, Path]] = None,
                     **kwargs) -> List[ExperimentResult]:
    """All experiments under ``root`` (up to three levels deep), oldest first."""
    base = experiment_path(root=root)
    found = []

    def walk(folder: Path, depth: int):
        for p in sorted(folder.iterdir()) if folder.is_dir() else []:
            if _is_experiment(p):
                if path_filter is None or path_filter(str(p / "metadata.json")):
                    found.append(p)
            elif p.is_dir() and depth + 1 < 3:
                walk(p, depth + 1)

    walk(base, 0)
    out = []
    for p in found:
        try:
            exp = _load_folder(p, name=str(p.relative_to(base)))
        except (OSError, ValueError):
            continue  # being written or corrupt: do not hide the others
        if experiment_filter is None or experiment_filter(exp):
            out.append(exp)
    out.sort(key=lambda e: (e.metadata.get(ST_TUNER_CREATION_TIMESTAMP, 0), e.name))
    return out
